"""Schema v4 adds listing indexes to a v3 workspace: live runs newest first, and param and
tag indexes that cover a filter's count (replacing the (key, value) ones)."""

from __future__ import annotations

from sqlalchemy import text

from jupyter_mlops.records import RunStatus
from jupyter_mlops.store import Store, schema
from jupyter_mlops.store.migrations import current_version, migrate

INDEX = "ix_runs_deleted_at_start_time_id"


def test_a_v3_workspace_gains_the_index_and_keeps_its_runs(workspace, schema_differences):
    store = Store.open(workspace, cache=False)
    store.runs.create("a" * 32, "exp", "kept", 1.0, status=RunStatus.FINISHED, end_time=2.0)
    # Make it what release v3 left: the same tables, without the index, stamped 3.
    with store.engine.begin() as connection:
        connection.execute(text(f"DROP INDEX {INDEX}"))
        for table in ("params", "tags"):
            connection.execute(text(f"DROP INDEX ix_{table}_key_value_run_id"))
            connection.execute(text(f"CREATE INDEX ix_{table}_key_value ON {table} (key, value)"))
        connection.execute(schema.schema_version.update().values(version=3))
    problems = schema_differences(store.engine)
    assert any(INDEX in problem for problem in problems)
    assert any("ix_params_key_value" in problem for problem in problems)
    store.engine.dispose()

    assert migrate(store.engine) == [4]
    assert migrate(store.engine) == []
    with store.engine.connect() as connection:
        assert current_version(connection) == 4
    assert schema_differences(store.engine) == []
    assert [run.name for run in store.search(max_results=10)] == ["kept"]
    assert store.count() == 1
    store.engine.dispose()
