"""Schema v6 brings a v5 workspace forward: the evaluations, alert rules, notifications and
MLflow logged-model tables appear, and what the workspace held is kept."""

from __future__ import annotations

from sqlalchemy import text

from jupyter_mlops.records import RunStatus
from jupyter_mlops.store import Store, schema
from jupyter_mlops.store.migrations import current_version, migrate

NEW = ("notifications", "alert_rules", "evaluations", "logged_models")


def test_a_v5_workspace_gains_the_v6_tables_and_keeps_its_runs(workspace, schema_differences):
    store = Store.open(workspace, cache=False)
    store.runs.create("b" * 32, "exp", "kept", 1.0, status=RunStatus.FINISHED, end_time=2.0)
    with store.engine.begin() as connection:
        for table in NEW:  # dependants first: notifications name their rule
            connection.execute(text(f"DROP TABLE {table}"))
        connection.execute(schema.schema_version.update().values(version=5))
    assert any("evaluations" in problem for problem in schema_differences(store.engine))
    store.engine.dispose()

    assert migrate(store.engine) == [6, 7, 8]
    assert migrate(store.engine) == []
    with store.engine.connect() as connection:
        assert current_version(connection) == schema.SCHEMA_VERSION
    assert schema_differences(store.engine) == []
    assert [run.name for run in store.search(max_results=10)] == ["kept"]
    store.engine.dispose()
