"""The dialect seam: every backend implements the one protocol, registered like a plugin."""

from __future__ import annotations

import inspect as pyinspect
import sqlite3

import pytest
from sqlalchemy import event, text

from jupyter_mlops.errors import InvalidInput, NotFound
from jupyter_mlops.store import schema
from jupyter_mlops.store.dialects import DIALECTS, Dialect, dialect
from jupyter_mlops.store.engine import make_engine, refresh_statistics

PROTOCOL = {name for name, _ in pyinspect.getmembers(Dialect) if not name.startswith("_")}
PROTOCOL |= set(Dialect.__annotations__)


def test_the_builtin_dialects_implement_the_whole_protocol():
    assert DIALECTS.names() == ["postgresql", "sqlite"]
    for name in DIALECTS.names():
        backend = dialect(name)
        assert backend.name == name
        missing = {member for member in PROTOCOL if not hasattr(backend, member)}
        assert not missing, (name, missing)


def test_an_index_entry_fits_every_backend():
    # 250 key characters and the prefix, 4 bytes each at worst, and the 32-character run id.
    worst = 4 * (250 + schema.VALUE_PREFIX) + 32 + 64
    for name in DIALECTS.names():
        limit = dialect(name).index_row_bytes
        assert limit is None or worst <= limit, name


def test_an_unknown_backend_is_named():
    with pytest.raises(NotFound, match=r"store backend 'mysql'.*postgresql, sqlite"):
        dialect("mysql")
    with pytest.raises(InvalidInput, match="Unsupported database backend 'mysql'"):
        make_engine("mysql://user@host/db")


@pytest.mark.parametrize("setting, level", [("NORMAL", 1), ("FULL", 2)])
def test_sqlite_synchronous_is_a_setting(tmp_path, setting, level):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}", sqlite_synchronous=setting)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == level
    engine.dispose()


def test_statistics_are_skipped_on_any_sqlite_error(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE runs (id INTEGER PRIMARY KEY)"))
        connection.execute(text("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                                "FROM n WHERE i < 2000) INSERT INTO runs SELECT i FROM n"))
    engine.dispose()

    @event.listens_for(engine, "connect")
    def _deny_analyze(dbapi_connection, _record):
        # An authorizer's refusal is a DatabaseError, not an OperationalError.
        dbapi_connection.set_authorizer(
            lambda action, *_: sqlite3.SQLITE_DENY if action == sqlite3.SQLITE_ANALYZE
            else sqlite3.SQLITE_OK)

    with engine.connect() as connection, pytest.raises(sqlite3.DatabaseError) as raised:
        connection.connection.cursor().execute("ANALYZE")
    assert not isinstance(raised.value, sqlite3.OperationalError)
    refresh_statistics(engine)  # no error: the statistics are a nicety
    engine.dispose()
