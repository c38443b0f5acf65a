"""SQLite: WAL mode, a busy timeout, ``BEGIN IMMEDIATE`` writes, GLOB for a case-sensitive LIKE.

A deferred transaction that reads and then writes can fail with "database is locked" at once,
whatever the busy timeout, when another process wrote in between: writes therefore begin
``IMMEDIATE``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.engine import URL

if TYPE_CHECKING:
    from sqlalchemy.dialects.sqlite import Insert

BUSY_TIMEOUT_MS = 60_000
SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
# Statistics are gathered again once the runs table has grown past this multiple of the row
# count they were taken at (they only steer the planner, so rough is fine).
STATISTICS_GROWTH = 2
ANALYSIS_LIMIT = 400


class SQLite:
    """The embedded backend of every workspace that names no other."""

    name = "sqlite"
    index_row_bytes = None  # long entries overflow to other pages

    def create_engine(self, url: URL, options: dict[str, Any]) -> Engine:
        database = url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        synchronous = str(options.get("sqlite_synchronous") or "NORMAL").upper()
        if synchronous not in SYNCHRONOUS:  # checked by the setting; a guard for direct calls
            raise ValueError(f"sqlite_synchronous must be one of {', '.join(SYNCHRONOUS)}")
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Hand transaction control to SQLAlchemy's "begin" event below instead of pysqlite.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            _enable_wal(cursor)
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Connection) -> None:
            mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine

    def for_writing(self, connection: Connection) -> Connection:
        return connection.execution_options(sqlite_begin="IMMEDIATE")

    def insert(self, table: Table) -> Insert:
        return insert(table)

    def append_rows(self, connection: Connection, table: str, columns: Sequence[str],
                    rows: Sequence[Sequence[Any]]) -> None:
        # Plain tuples through the driver: SQLAlchemy's per-row parameter processing would
        # double the cost of a large metric flush.
        marks = ", ".join("?" * len(columns))
        connection.exec_driver_sql(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", list(rows))

    def lock_migrations(self, connection: Connection) -> None:
        pass  # BEGIN IMMEDIATE already holds the one write lock

    def append_only_ddl(self, table: str) -> list[str]:
        return [
            f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            for operation in ("UPDATE", "DELETE")
        ]

    def add_computed_column(self, table: str, column: str, sql_type: str,
                            expression: str) -> str:
        # ALTER TABLE can add only virtual ones; an index over one reads the same.
        return (f"ALTER TABLE {table} ADD COLUMN {column} {sql_type} "
                f"GENERATED ALWAYS AS ({expression}) VIRTUAL")

    def like_sql(self, column: str, pattern: str, glob: str) -> str:
        # SQLite's LIKE ignores ASCII case and has no escape unless told; GLOB has neither quirk.
        return f"({column} GLOB {glob})"

    def code_point_sql(self, column: str) -> str:
        return column  # BINARY, SQLite's default collation, is code-point order

    def refresh_statistics(self, engine: Engine) -> None:
        """Let SQLite gather the table statistics its query planner needs, when stale.

        Without them SQLite guesses, and a filtered count over 100,000 runs walks every run
        instead of the matching ones. ``ANALYZE`` under a small analysis limit samples each
        index and takes milliseconds; it runs when there are no statistics yet or the runs
        table has grown well past them. It is a nicety: a workspace busy with writers,
        read-only or otherwise unwilling is left as it is at once.
        """
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA busy_timeout=0")
            try:
                if _statistics_stale(cursor):
                    cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
                    cursor.execute("ANALYZE")
            except sqlite3.Error:
                pass
            finally:
                cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                cursor.close()
        finally:
            raw.close()


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
