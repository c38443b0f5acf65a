"""SQLAlchemy engines with the settings each backend needs, and the write-transaction helper.

SQLite runs in WAL mode with a busy timeout, foreign keys on, and write transactions opened
with ``BEGIN IMMEDIATE``: a deferred transaction that reads and then writes can fail with
"database is locked" at once, whatever the busy timeout, when another process wrote in between.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.engine import make_url

from ..errors import InvalidInput, MissingDependency

BUSY_TIMEOUT_MS = 60_000

_DRIVER_EXTRAS = {"psycopg": "postgres", "psycopg2": "postgres"}
_BACKENDS = ("sqlite", "postgresql")


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``, with SQLite's pragmas and folder made when embedded."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # SQLAlchemy raises ArgumentError with no hint
        raise InvalidInput(
            f"Invalid store URL {url!r}: expected a SQLAlchemy URL such as "
            "sqlite:///path/mlops.db or postgresql+psycopg://user@host/db."
        ) from exc
    backend = parsed.get_backend_name()
    if backend not in _BACKENDS:
        raise InvalidInput(
            f"Unsupported database backend {backend!r} in the store URL: use SQLite "
            "(sqlite:///path/mlops.db) or PostgreSQL (postgresql+psycopg://user@host/db)."
        )
    if backend == "sqlite":
        return _sqlite_engine(url, parsed.database)
    try:
        engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    except ModuleNotFoundError as exc:
        extra = _DRIVER_EXTRAS.get(parsed.get_driver_name(), "postgres")
        raise MissingDependency(
            f"The store URL {url!r} needs the {exc.name!r} driver: "
            f"pip install 'jupyter-mlops[{extra}]'."
        ) from exc
    return engine


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below instead of pysqlite.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _enable_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _enable_wal(cursor: Any) -> None:
    # WAL mode is stored in the database file, so only the first connection ever switches it.
    # The switch takes an exclusive lock and SQLite answers "database is locked" at once,
    # without calling the busy handler, when another process opening the same new workspace
    # holds any lock: retry for as long as the busy timeout would have waited.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.001
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.05)


@contextlib.contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: committed on success, rolled back on any exception."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection = connection.execution_options(sqlite_begin="IMMEDIATE")
        with connection.begin():
            yield connection


def upsert(
    connection: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    keys: list[str],
    update: list[str] | None = None,
    where: Any = None,
) -> None:
    """``INSERT ... ON CONFLICT`` for SQLite and PostgreSQL: update ``update`` or do nothing.

    ``where`` receives the statement's ``excluded`` namespace and returns the condition under
    which an existing row is replaced.
    """
    if not rows:
        return
    connection.execute(_upsert_statement(connection.dialect.name, table, tuple(keys),
                                         tuple(update or ()), where), rows)


@functools.lru_cache(maxsize=256)
def _upsert_statement(
    dialect: str, table: Table, keys: tuple[str, ...], update: tuple[str, ...], where: Any
) -> Any:
    # Built once per shape: constructing ON CONFLICT clauses costs more than a small write.
    # ``where`` must therefore be a function defined once, not a fresh lambda per call.
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:  # pragma: no cover - guarded by make_engine's supported backends
        raise InvalidInput(f"Unsupported database backend {dialect!r}: use SQLite or PostgreSQL.")
    statement = insert(table)
    if update:
        return statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={column: statement.excluded[column] for column in update},
            where=where(statement.excluded) if where is not None else None,
        )
    return statement.on_conflict_do_nothing(index_elements=list(keys))


def dispose_after_fork(engine: Engine) -> None:
    """Make a forked child open its own connections instead of sharing the parent's."""
    if not hasattr(os, "register_at_fork"):
        return
    # Fork hooks can never be unregistered: a strong reference would keep every engine
    # (and its pool) of a long-lived process alive for good.
    ref = weakref.ref(engine)

    def _after_fork() -> None:
        alive = ref()
        if alive is not None:
            alive.dispose(close=False)

    os.register_at_fork(after_in_child=_after_fork)



# Statistics are gathered again once the runs table has grown past this multiple of the row
# count they were taken at (they only steer the planner, so rough is fine).
STATISTICS_GROWTH = 2
ANALYSIS_LIMIT = 400


def refresh_statistics(engine: Engine) -> None:
    """Let SQLite gather the table statistics its query planner needs, when they are stale.

    Without them SQLite guesses, and a filtered count over 100,000 runs walks every run instead
    of the matching ones (37 ms against 25 ms). ``ANALYZE`` under a small analysis limit samples
    each index and takes milliseconds; it runs when there are no statistics yet or the runs
    table has grown well past them. It is a nicety: a workspace busy with writers, or
    read-only, is left as it is at once.
    """
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL's autovacuum keeps its statistics
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA busy_timeout=0")
        try:
            if _statistics_stale(cursor):
                cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
                cursor.execute("ANALYZE")
        except sqlite3.OperationalError:
            pass
        finally:
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.close()
    finally:
        raw.close()


def _statistics_stale(cursor: Any) -> bool:
    rows = cursor.execute("SELECT max(rowid) FROM runs").fetchone()[0] or 0
    if rows < 1000:
        return False  # every plan is fast on a small workspace
    has_stats = cursor.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").fetchone()
    if not has_stats:
        return True
    stat = cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'runs' LIMIT 1").fetchone()
    counted = int(stat[0].split()[0]) if stat else 0
    return rows > STATISTICS_GROWTH * counted
