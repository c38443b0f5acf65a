"""A workspace made by the first release (schema v1) opens and is migrated without loss."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select

from jupyter_mlops.config import Workspace
from jupyter_mlops.store import Store, schema
from jupyter_mlops.store.migrations import V1_TABLES

DATA = Path(__file__).parent / "data"
RUN_A = "018bcfe56800aaaa1111aaaa1111aaaa"
RUN_B = "018bcfe56c00bbbb2222bbbb2222bbbb"
RUN_C = "018bcfe57000cccc3333cccc3333cccc"
RUN_D = "018bcfe57400dddd4444dddd4444dddd"
ORDER = {
    "schema_version": "version",
    "experiments": "id",
    "environments": "digest",
    "runs": "id",
    "params": "run_id, key",
    "tags": "run_id, key",
    "metrics": "run_id, key, step, timestamp",
    "artifacts": "run_id, path",
}


def _v1_sqlite(folder: Path) -> Path:
    database = folder / "mlops.db"
    with sqlite3.connect(database) as db:
        db.executescript((DATA / "workspace-v1.sql").read_text())
    return database


def _rows(engine, table: str) -> list[tuple]:
    t = schema.metadata.tables[table]
    columns = [c.name for c in t.columns if c.computed is None]  # computed: not data
    order = [t.c[name.strip()] for name in ORDER[table].split(",")]
    with engine.connect() as connection:
        rows = connection.execute(select(*[t.c[c] for c in columns]).order_by(*order)).all()
    return [tuple(_comparable(v) for v in row) for row in rows]


def _comparable(value):
    # NaN never equals itself; NULL is how the store writes it anyway.
    return None if isinstance(value, float) and math.isnan(value) else value


def _expected_latest(metrics: list[tuple]) -> dict[tuple[str, str], tuple]:
    """The latest value of each (run, key), worked out in Python from the raw rows."""
    latest: dict[tuple[str, str], tuple] = {}
    for run_id, key, value, step, timestamp in metrics:
        known = latest.get((run_id, key))
        if known is None or (step, timestamp) > (known[1], known[2]):
            latest[(run_id, key)] = (value, step, timestamp)
    return latest


def _check_migrated(store: Store, before: dict[str, list[tuple]], differences) -> None:
    with store.engine.connect() as connection:
        versions = connection.execute(
            select(schema.schema_version.c.version, schema.schema_version.c.description)
            .order_by(schema.schema_version.c.version)
        ).all()
    assert [v for v, _ in versions] == list(range(1, schema.SCHEMA_VERSION + 1))
    assert "latest metric values" in versions[1][1]
    # Exactly what a new workspace gets: no column, key or index of a later release missing.
    assert differences(store.engine) == []

    # Every v1 row is still there, unchanged (schema_version gained the v2 row only).
    for table, rows in before.items():
        after = _rows(store.engine, table)
        if table == "schema_version":
            after = after[:1]
        assert after == rows, table

    expected = _expected_latest(before["metrics"])
    lm = schema.latest_metrics
    with store.engine.connect() as connection:
        backfilled = {
            (r.run_id, r.key): (_comparable(r.value), r.step, r.timestamp)
            for r in connection.execute(select(lm))
        }
    assert backfilled == expected
    # v7: each (run, key)'s count, lowest and highest, from its whole history.
    with store.engine.connect() as connection:
        kept = {(r.run_id, r.key): (r.points, r.min_value, r.max_value)
                for r in connection.execute(select(lm))}
    counted: dict[tuple[str, str], list] = {}
    for run_id, key, value, _, _ in before["metrics"]:
        entry = counted.setdefault((run_id, key), [0, None, None])
        entry[0] += 1
        if value is not None:
            entry[1] = value if entry[1] is None else min(entry[1], value)
            entry[2] = value if entry[2] is None else max(entry[2], value)
    assert kept == {k: tuple(v) for k, v in counted.items()}
    assert kept[(RUN_B, "grad_norm")][0] == 2
    # The cases the fixture was written for, spelled out.
    assert backfilled[(RUN_A, "loss")][:2] == (0.5, 2)        # highest step, not last written
    assert backfilled[(RUN_B, "loss")][:2] == (0.3, 5)        # same step: newest timestamp
    assert backfilled[(RUN_B, "grad_norm")][:2] == (None, 1)  # NaN as the latest value
    assert backfilled[(RUN_D, "loss")][:2] == (None, 0)       # NaN newer than 2.0 at step 0
    assert backfilled[(RUN_C, "min_delta")][0] == -math.inf

    # The records read back through the store, as a user would see them.
    tuned = store.runs.get(RUN_B[-8:])
    assert tuned.params == {"C": "0.5", "penalty": "l1", "optimizer.lr": "0.01"}
    assert tuned.tags == {"owner": "bo", "stage": "tuning"}
    assert tuned.metrics["loss"] == 0.3 and tuned.metrics["auc"] == 0.9
    assert math.isnan(tuned.metrics["grad_norm"])
    assert [a.path for a in tuned.artifacts] == ["model/model.pkl", "notes.txt"]
    assert tuned.git is not None and tuned.git.diff_digest == "d" * 64
    history = store.runs.metric_history(RUN_B, "grad_norm")
    assert history[0].value == math.inf and math.isnan(history[1].value)
    assert store.runs.get(RUN_C).parent_id == RUN_B
    assert store.runs.get(RUN_D).deleted
    assert [r.id for r in store.search(filter="metrics.loss < 1", order_by=["metrics.loss"])] == [
        RUN_B, RUN_A
    ]
    assert store.runs.referenced_digests() == {"1" * 64, "2" * 64, "d" * 64}
    assert {e.name: e.run_count for e in store.runs.experiments()} == {"churn": 3, "fraud": 0}
    # New writes go on from the backfilled state.
    store.runs.insert_metrics([(RUN_A, "loss", 0.6, 1, 2e9)])
    assert store.runs.get(RUN_A).metrics["loss"] == 0.5


def test_sqlite_v1_workspace_is_migrated_without_loss(tmp_path, schema_differences):
    database = _v1_sqlite(tmp_path)
    url = f"sqlite:///{database}"
    plain = create_engine(url)
    before = {table: _rows(plain, table) for table in ORDER}
    plain.dispose()
    assert before["schema_version"][0][0] == 1
    assert len(before["metrics"]) == 14 and any(r[2] is None for r in before["metrics"])
    assert not inspect(create_engine(url)).has_table("latest_metrics")

    workspace = Workspace(root=tmp_path, uri=url, artifacts=str(tmp_path / "artifacts"))
    store = Store.open(workspace, cache=False)
    try:
        _check_migrated(store, before, schema_differences)
    finally:
        store.engine.dispose()


@pytest.mark.postgres
def test_postgresql_v1_workspace_is_migrated_without_loss(
    tmp_path, postgres_url, schema_differences
):
    source = create_engine(f"sqlite:///{_v1_sqlite(tmp_path)}")
    before = {table: _rows(source, table) for table in ORDER}
    engine = create_engine(postgres_url)
    v1 = [t for t in schema.metadata.sorted_tables if t.name in V1_TABLES]
    schema.metadata.create_all(engine, tables=v1)
    with engine.begin() as connection:
        for table in v1:  # sorted by foreign keys, so parents first
            columns = [c.name for c in table.columns if c.computed is None]
            rows = [dict(zip(columns, row, strict=True)) for row in _rows(source, table.name)]
            if rows:
                connection.execute(table.insert(), rows)
    engine.dispose()
    source.dispose()

    workspace = Workspace(root=tmp_path, uri=postgres_url, artifacts=str(tmp_path / "artifacts"))
    store = Store.open(workspace, cache=False)
    try:
        _check_migrated(store, before, schema_differences)
    finally:
        store.engine.dispose()
