"""Schema v8 brings a v7 workspace forward: the metrics table loses its per-row foreign key,
its values kept, while a value for an unknown run is still refused and a purge still removes a
run's values."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from jupyter_mlops.records import RunStatus
from jupyter_mlops.store import Store, schema
from jupyter_mlops.store.migrations import migrate

V7_SQLITE = [
    "DROP INDEX ix_metrics_run_id_key_step",
    "ALTER TABLE metrics RENAME TO metrics_now",
    "CREATE TABLE metrics (run_id VARCHAR(32) NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
    " key VARCHAR(250) NOT NULL, value FLOAT, step BIGINT NOT NULL, timestamp FLOAT NOT NULL)",
    "CREATE INDEX ix_metrics_run_id_key_step ON metrics (run_id, key, step)",
    "INSERT INTO metrics SELECT * FROM metrics_now",
    "DROP TABLE metrics_now",
]
V7_POSTGRESQL = [
    "ALTER TABLE metrics ADD CONSTRAINT fk_metrics_run_id_runs FOREIGN KEY (run_id) "
    "REFERENCES runs (id) ON DELETE CASCADE",
]


def _history(store: Store, run_id: str) -> list[tuple[str, float | None, int]]:
    m = schema.metrics
    with store.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(
            select(m.c.key, m.c.value, m.c.step).where(m.c.run_id == run_id)
            .order_by(m.c.key, m.c.step))]


def test_a_v7_workspace_drops_the_metric_foreign_key_and_keeps_its_values(
        workspace, schema_differences):
    store = Store.open(workspace, cache=False)
    run_id = "c" * 32
    store.runs.create(run_id, "exp", "kept", 1.0, status=RunStatus.FINISHED, end_time=2.0)
    store.runs.insert_metrics([(run_id, key, 1.0 / (s + 1), s, 10.0 + s)
                               for s in range(50) for key in ("loss", "auc")])
    store.runs.insert_metrics([(run_id, "nan", float("nan"), 0, 1.0)])
    before = _history(store, run_id)
    with store.engine.begin() as connection:  # what release v7 left
        ddl = V7_SQLITE if store.engine.dialect.name == "sqlite" else V7_POSTGRESQL
        for statement in ddl:
            connection.execute(text(statement))
        connection.execute(schema.schema_version.update().values(version=7))
    assert any("metrics foreign keys" in problem for problem in schema_differences(store.engine))

    assert migrate(store.engine) == [8]
    assert schema_differences(store.engine) == []
    assert _history(store, run_id) == before
    assert len(before) == 101 and ("nan", None, 0) in before

    # No value of an unknown run gets in: its (run, key) row's foreign key refuses the batch.
    stranger = "d" * 32
    with pytest.raises(IntegrityError):
        store.runs.insert_metrics([(stranger, "loss", 0.5, 0, 1.0)])
    assert _history(store, stranger) == []

    store.runs.set_deleted([run_id], 5.0)
    assert store.runs.purge_deleted(before=10.0) == [run_id]
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(schema.metrics)).scalar() == 0
    store.engine.dispose()
