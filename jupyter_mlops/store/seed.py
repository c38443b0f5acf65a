"""Seeding a scratch workspace with the records a re-execution reads from the shared one.

``reproduce`` runs a step's notebook again in a throwaway SQLite workspace, so that whatever the
notebook does (register a model, move an alias, version data, save a report) never reaches the
team's store. The notebook still reads: the upstream steps' runs (``mlops.upstream``), the data
versions the original read (``load_data("train@3")``) and the registry (``load_model(
"churn@champion")``). Those rows are copied here, as they are, ids and all; blobs are not copied,
since the scratch workspace reads the shared artifact store (content-addressed and write-once,
so the scratch run's extra blobs harm nothing and ``gc`` collects them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Table, select, tuple_

from . import schema
from .engine import write

# The run tables a re-execution reads; metric histories stay behind (a step reads the latest
# values, as ``upstream(...).metrics`` gives them).
_RUN_TABLES = (schema.params, schema.tags, schema.latest_metrics, schema.artifacts)
_REGISTRY = (schema.registered_models, schema.model_versions, schema.model_aliases)
_BATCH = 500


def seed(source: Engine, target: Engine, runs: Iterable[str] = (),
         datasets: Iterable[str] = ()) -> None:
    """Copy into ``target`` the runs ``runs`` (ids), the data versions ``datasets``
    ("name@version") and the whole registry (without its audit log) of ``source``.

    ``target`` is a freshly created workspace: every id is kept, so a record found by id in
    the shared store is found by the same id in the scratch one.
    """
    run_ids = sorted(set(runs))
    refs = sorted({_ref(text) for text in datasets})
    with source.connect() as read, write(target) as out:
        _copy(read, out, schema.experiments, select(schema.experiments))
        registry_runs = read.execute(
            select(schema.model_versions.c.run_id).where(schema.model_versions.c.run_id.is_not(None))
        ).scalars()
        wanted = sorted({*run_ids, *registry_runs})
        found = _rows(read, schema.runs, schema.runs.c.id, wanted)
        kept = {row["id"] for row in found}
        environments = sorted({row["environment_digest"] for row in found
                               if row["environment_digest"]})
        _insert(out, schema.environments,
                _rows(read, schema.environments, schema.environments.c.digest, environments))
        for row in found:
            # A parent left behind would break the foreign key; the copy needs no tree.
            if row["parent_id"] not in kept:
                row["parent_id"] = None
        _insert(out, schema.runs, found)
        for table in _RUN_TABLES:
            _insert(out, table, _rows(read, table, table.c.run_id, sorted(kept)))
        for table in _REGISTRY:
            _copy(read, out, table, select(table))
        _seed_datasets(read, out, refs)


def _seed_datasets(read: Connection, out: Connection, refs: Sequence[tuple[str, int]]) -> None:
    if not refs:
        return
    names = sorted({name for name, _ in refs})
    _insert(out, schema.datasets, _rows(read, schema.datasets, schema.datasets.c.name, names))
    for table in (schema.dataset_versions, schema.dataset_files):
        key = tuple_(table.c.name, table.c.version)
        for start in range(0, len(refs), _BATCH):
            _copy(read, out, table, select(table).where(key.in_(refs[start:start + _BATCH])))


def _ref(text: str) -> tuple[str, int]:
    name, _, version = text.rpartition("@")
    return name, int(version)


def _columns(table: Table) -> list[Any]:
    # Computed columns (the params' and tags' value prefix) are the database's to fill.
    return [column for column in table.columns if column.computed is None]


def _rows(read: Connection, table: Table, key: Any, values: Sequence[Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for start in range(0, len(values), _BATCH):
        query = select(*_columns(table)).where(key.in_(values[start:start + _BATCH]))
        rows += [dict(row._mapping) for row in read.execute(query)]
    return rows


def _copy(read: Connection, out: Connection, table: Table, query: Any) -> None:
    names = {column.name for column in _columns(table)}
    _insert(out, table, [{k: v for k, v in row._mapping.items() if k in names}
                         for row in read.execute(query)])


def _insert(out: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _BATCH):
        out.execute(table.insert(), rows[start:start + _BATCH])
