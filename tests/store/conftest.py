"""Fixtures of the store tests: runs made straight through ``Store.runs``."""

from __future__ import annotations

import itertools
import math
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, UniqueConstraint, inspect

from jupyter_mlops.records import RunStatus
from jupyter_mlops.store import Store, schema

T0 = 1_700_000_000.0
_counter = itertools.count()


@pytest.fixture
def add_run(store: Store) -> Callable[..., str]:
    """Create a run, one second after the previous one unless told; returns its id."""

    def add(
        experiment: str = "exp",
        name: str | None = None,
        start_time: float | None = None,
        run_id: str | None = None,
        **kwargs: object,
    ) -> str:
        number = next(_counter)
        run_id = run_id or uuid.uuid4().hex
        store.runs.create(
            run_id,
            experiment,
            name or f"run-{number}",
            T0 + number if start_time is None else start_time,
            **kwargs,
        )
        return run_id

    return add


CATALOG = {
    # name: experiment, status, start, end, params, tags, metrics
    "alpha": ("churn", "FINISHED", 10.0, 20.0, {"C": "0.1", "penalty": "l2"},
              {"owner": "ana"}, {"auc": 0.70, "val.loss": 0.5, "val loss": 1.0}),
    "beta": ("churn", "FINISHED", 20.0, 25.0, {"C": "0.5", "optimizer.lr": "0.01"},
             {"owner": "Bo", "in": "x"}, {"auc": 0.85, "val.loss": 0.3, "layer.0.norm": 2.0}),
    "gamma": ("churn", "FAILED", 30.0, 31.0, {"C": "1.0", "penalty": "l1"},
              {"note": "50%_off"}, {"auc": math.nan}),
    "delta": ("fraud", "RUNNING", 40.0, None, {"C": "0.5"},
              {"owner": "ana", "stage": "prod"}, {"auc": 0.95, "loss": -math.inf}),
    "Alpha-2": ("fraud", "KILLED", 50.0, 55.0, {}, {"owner": "cy"}, {"loss": 0.1}),
}


@pytest.fixture
def catalog(store: Store, add_run: Callable[..., str]) -> dict[str, str]:
    """Five runs in two experiments to query, with awkward keys and values; name -> id."""
    ids = {}
    for name, (experiment, status, start, end, params, tags, metrics) in CATALOG.items():
        run_id = add_run(experiment=experiment, name=name, start_time=start, tags=tags,
                         status=RunStatus(status), end_time=end)
        store.runs.log_params(run_id, params)
        store.runs.insert_metrics([(run_id, k, v, 0, start) for k, v in metrics.items()])
        ids[name] = run_id
    return ids


def _differences(engine: Engine) -> list[str]:
    """How the database's tables, columns, keys and indexes differ from ``schema.metadata``."""
    inspector = inspect(engine)
    found = set(inspector.get_table_names())
    problems = [f"tables: {sorted(found)} != {sorted(schema.metadata.tables)}"] if (
        found != set(schema.metadata.tables)
    ) else []
    for name, table in schema.metadata.tables.items():
        if name not in found:
            continue
        actual: dict[str, object] = {
            "columns": {
                c["name"]: (c["type"].python_type, c["nullable"])
                for c in inspector.get_columns(name)
            },
            "primary key": inspector.get_pk_constraint(name)["constrained_columns"],
            # PostgreSQL also lists the index behind each unique constraint.
            "indexes": {
                (i["name"], tuple(i["column_names"]))
                for i in inspector.get_indexes(name)
                if not i.get("duplicates_constraint")
            },
            "unique": {tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)},
            "foreign keys": {
                (tuple(f["constrained_columns"]), f["referred_table"],
                 tuple(f["referred_columns"]))
                for f in inspector.get_foreign_keys(name)
            },
        }
        expected: dict[str, object] = {
            "columns": {c.name: (c.type.python_type, c.nullable) for c in table.columns},
            "primary key": [c.name for c in table.primary_key.columns],
            "indexes": {(i.name, tuple(c.name for c in i.columns))
                        for i in schema.indexes_for(table, engine.dialect.name)},
            "unique": {
                tuple(c.name for c in u.columns)
                for u in table.constraints
                if isinstance(u, UniqueConstraint)
            } | {(c.name,) for c in table.columns if c.unique},
            "foreign keys": {
                (tuple(f.column_keys), f.referred_table.name,
                 tuple(e.column.name for e in f.elements))
                for f in table.foreign_key_constraints
            },
        }
        problems += [
            f"{name} {aspect}: {actual[aspect]} != {expected[aspect]}"
            for aspect in expected
            if actual[aspect] != expected[aspect]
        ]
    return problems


@pytest.fixture
def schema_differences() -> Callable[[Engine], list[str]]:
    """A function listing how a database differs from the current schema (empty: none)."""
    return _differences
