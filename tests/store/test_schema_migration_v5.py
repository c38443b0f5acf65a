"""Schemas v4 and v5 bring a v3 workspace forward: live runs newest first, and param and tag
indexes on a bounded value prefix, which hold values of any length on every backend (a whole
value past 2,704 bytes does not fit in a PostgreSQL btree entry)."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import text

from jupyter_mlops.errors import SchemaOutOfDate
from jupyter_mlops.records import RunStatus
from jupyter_mlops.store import Store, schema
from jupyter_mlops.store.migrations import current_version, migrate

INDEX = "ix_runs_deleted_at_start_time_id"


def _drop_value_index(connection, table: str) -> None:
    for index in schema.indexes_for(schema.metadata.tables[table], connection.dialect.name):
        if "value" in index.name:
            connection.execute(text(f"DROP INDEX {index.name}"))
    connection.execute(text(f"ALTER TABLE {table} DROP COLUMN value_prefix"))


def _make_v3(store: Store) -> None:
    """Make the workspace what release v3 left: no listing indexes, (key, value) ones, no
    value prefix, stamped 3."""
    with store.engine.begin() as connection:
        connection.execute(text(f"DROP INDEX {INDEX}"))
        for table in ("params", "tags"):
            _drop_value_index(connection, table)
            connection.execute(text(f"CREATE INDEX ix_{table}_key_value ON {table} (key, value)"))
        connection.execute(schema.schema_version.update().values(version=3))


def test_a_v3_workspace_gains_the_indexes_and_keeps_its_runs(workspace, schema_differences):
    store = Store.open(workspace, cache=False)
    run_id = "a" * 32
    store.runs.create(run_id, "exp", "kept", 1.0, status=RunStatus.FINISHED, end_time=2.0)
    store.runs.log_params(run_id, {"C": "0.5"})
    _make_v3(store)
    problems = schema_differences(store.engine)
    assert any(INDEX in problem for problem in problems)
    assert any("ix_params_key_value" in problem for problem in problems)
    store.engine.dispose()

    assert migrate(store.engine) == [4, 5, 6, 7, 8]
    assert migrate(store.engine) == []
    with store.engine.connect() as connection:
        assert current_version(connection) == schema.SCHEMA_VERSION
    assert schema_differences(store.engine) == []
    assert [run.name for run in store.search(max_results=10)] == ["kept"]
    assert store.count(filter="params.C = '0.5'") == 1
    store.engine.dispose()


def test_long_values_are_stored_found_and_migrated(workspace, add_run, store):
    # Incompressible, past PostgreSQL's btree entry limit, as v3 could hold them without the
    # (key, value, run_id) index of v4.
    long_value, other = secrets.token_hex(20_000), secrets.token_hex(20_000)
    run_id, near = add_run(), add_run()
    store.runs.log_params(run_id, {"blob": long_value})
    store.runs.set_tags(run_id, {"note": long_value})
    # The same first 300 characters, then different: only the whole value tells them apart.
    store.runs.log_params(near, {"blob": long_value[:300] + other})
    for field in ("params.blob", "tags.note"):
        assert store.count(filter=f"{field} = '{long_value}'") == 1
        assert store.count(filter=f"{field} in ('{long_value}', 'x')") == 1
    assert store.count(filter=f"params.blob != '{long_value}'") == 1
    assert store.runs.get(run_id).params["blob"] == long_value

    with store.engine.begin() as connection:
        connection.execute(text(f"DROP INDEX {INDEX}"))
        for table in ("params", "tags"):
            _drop_value_index(connection, table)
        connection.execute(schema.schema_version.update().values(version=3))
    store.engine.dispose()
    assert migrate(store.engine) == [4, 5, 6, 7, 8]
    assert store.count(filter=f"tags.note = '{long_value}'") == 1


def test_a_failed_migration_says_which_and_why(workspace, store):
    with store.engine.begin() as connection:
        for table in ("params", "tags"):
            _drop_value_index(connection, table)
        connection.execute(schema.schema_version.update().values(version=4))
        # Something v5 needs is in the way: a table named like its index.
        blocked = schema.indexes_for(schema.params, connection.dialect.name)[0].name
        connection.execute(text(f"CREATE TABLE {blocked} (x INTEGER)"))
    store.engine.dispose()
    with pytest.raises(SchemaOutOfDate, match=r"migration to schema version 5 .* failed"):
        migrate(store.engine)
    with store.engine.connect() as connection:
        assert current_version(connection) == 4  # rolled back whole


def test_a_param_filter_reads_the_prefix_index(store, add_run):
    from jupyter_mlops.store.query import search_query

    for number in range(50):
        store.runs.log_params(add_run(), {"C": str(number)})
    query = search_query(filter="params.C = '7'")
    sql = str(query.compile(store.engine, compile_kwargs={"literal_binds": True}))
    with store.engine.connect() as connection:
        if store.engine.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {sql}"))
            assert "COVERING INDEX ix_params_key_value_run_id" in plan, plan
        else:
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = " ".join(r[0] for r in connection.exec_driver_sql(f"EXPLAIN {sql}"))
            assert "Index Only Scan" in plan and "ix_params_key_value_prefix_run_id" in plan, plan


def test_the_cli_says_which_migration_failed(workspace, store, monkeypatch):
    from click.testing import CliRunner

    from jupyter_mlops import session
    from jupyter_mlops.cli import cli

    with store.engine.begin() as connection:
        for table in ("params", "tags"):
            _drop_value_index(connection, table)
        connection.execute(schema.schema_version.update().values(version=4))
        blocked = schema.indexes_for(schema.params, connection.dialect.name)[0].name
        connection.execute(text(f"CREATE TABLE {blocked} (x INTEGER)"))
    store.engine.dispose()
    monkeypatch.chdir(workspace.root)
    env = {"JUPYTER_MLOPS_URI": workspace.uri, "JUPYTER_MLOPS_ARTIFACTS": workspace.artifacts}
    try:
        result = CliRunner().invoke(cli, ["runs", "list"], env=env, prog_name="jupyter mlops")
    finally:
        session.close()
    assert result.exit_code != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "migration to schema version 5" in lines[0], result.stderr
    assert "cannot be reached" not in result.stderr and "Traceback" not in result.output
