"""Schema v4 adds one index to a v3 workspace: runs not deleted, newest first."""

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
        connection.execute(schema.schema_version.update().values(version=3))
    assert any(INDEX in problem for problem in schema_differences(store.engine))
    store.engine.dispose()

    assert migrate(store.engine) == [4]
    assert migrate(store.engine) == []
    with store.engine.connect() as connection:
        assert current_version(connection) == 4
    assert schema_differences(store.engine) == []
    assert [run.name for run in store.search(max_results=10)] == ["kept"]
    assert store.count() == 1
    store.engine.dispose()
