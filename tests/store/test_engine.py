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
