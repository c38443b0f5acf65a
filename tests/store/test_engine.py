"""Engines: SQLite's pragmas, supported backends, and nothing kept alive after closing."""

from __future__ import annotations

import gc
import weakref

import pytest
from sqlalchemy import text

from jupyter_mlops.config import Workspace
from jupyter_mlops.errors import InvalidInput, MissingDependency
from jupyter_mlops.store import Store
from jupyter_mlops.store.engine import make_engine, write


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'folder' / 'mlops.db'}")
    try:
        with engine.connect() as connection:
            pragma = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
        assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 60_000}
        with write(engine) as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(ZeroDivisionError), write(engine) as connection:
            connection.execute(text("INSERT INTO t VALUES (2)"))
            1 / 0  # noqa: B018
        with engine.connect() as connection:
            assert connection.execute(text("SELECT x FROM t")).scalars().all() == [1]
    finally:
        engine.dispose()


def test_unsupported_and_malformed_urls_are_refused():
    with pytest.raises(InvalidInput, match="Unsupported database backend 'mysql'"):
        make_engine("mysql://user@host/db")
    with pytest.raises(InvalidInput, match="Invalid store URL"):
        make_engine("not a url")
    with pytest.raises(MissingDependency, match=r"pip install 'jupyter-mlops\[postgres\]'"):
        make_engine("postgresql+pg8000://user@localhost/db")


def test_a_closed_store_is_not_kept_alive(tmp_path):
    workspace = Workspace(tmp_path, f"sqlite:///{tmp_path / 'mlops.db'}",
                          str(tmp_path / "artifacts"))
    store = Store.open(workspace, cache=False)
    engine = weakref.ref(store.engine)
    store.close()
    del store
    gc.collect()
    assert engine() is None


def _fill_runs(store: Store, count: int, start: int = 0) -> None:
    from jupyter_mlops.store import schema

    experiment = store.runs.experiment_id("stats", 1.0)
    rows = [{"id": f"{start + i:032x}", "experiment_id": experiment, "name": f"r{i}",
             "status": "FINISHED", "start_time": float(start + i), "end_time": None}
            for i in range(count)]
    with write(store.engine) as connection:
        connection.execute(schema.runs.insert(), rows)


def _stat_rows(store: Store) -> int | None:
    with store.engine.connect() as connection:
        exists = connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
        if not exists:
            return None
        stat = connection.exec_driver_sql(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'runs' LIMIT 1").scalar()
        return int(stat.split()[0])


def test_opening_gathers_planner_statistics_once_the_runs_table_grows(tmp_path):
    workspace = Workspace(root=tmp_path, uri=f"sqlite:///{tmp_path / 'mlops.db'}",
                          artifacts=str(tmp_path / "artifacts"))
    store = Store.open(workspace, cache=False)
    _fill_runs(store, 500)
    store.close()
    store = Store.open(workspace, cache=False)
    assert _stat_rows(store) is None  # a small workspace plans well without them
    _fill_runs(store, 1500, start=500)
    store.close()

    store = Store.open(workspace, cache=False)
    first = _stat_rows(store)
    assert first is not None and first > 500  # sampled (analysis limit): an estimate of 2,000
    # Grown, but not past twice what the statistics counted: they still steer well enough.
    grown = max(0, min(1000, 2 * first - 2000 - 50))
    _fill_runs(store, grown, start=2000)
    store.close()
    store = Store.open(workspace, cache=False)
    assert _stat_rows(store) == first
    total = 2000 + grown
    _fill_runs(store, 2 * first + 2000 - total, start=total)
    store.close()
    store = Store.open(workspace, cache=False)
    assert _stat_rows(store) > first
    store.close()


def test_a_workspace_locked_by_a_writer_still_opens_at_once(tmp_path):
    import sqlite3
    import time

    workspace = Workspace(root=tmp_path, uri=f"sqlite:///{tmp_path / 'mlops.db'}",
                          artifacts=str(tmp_path / "artifacts"))
    store = Store.open(workspace, cache=False)
    _fill_runs(store, 1500)
    store.close()
    writer = sqlite3.connect(tmp_path / "mlops.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        store = Store.open(workspace, cache=False)
        assert time.monotonic() - started < 5  # not the 60 s busy timeout
        assert _stat_rows(store) is None
        assert store.count() == 1500
        store.close()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
