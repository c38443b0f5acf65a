"""SQLAlchemy engines with the settings each backend needs, and the write-transaction helper.

What differs between backends (pragmas, write locks, upserts ...) lives in ``dialects/``; this
module only picks the dialect for a URL. On SQLite, write transactions begin ``IMMEDIATE``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.engine import make_url

from ..errors import InvalidInput
from .dialects import DIALECTS, dialect
from .dialects.sqlite import BUSY_TIMEOUT_MS

if TYPE_CHECKING:
    from sqlalchemy import Insert

__all__ = ["BUSY_TIMEOUT_MS", "dispose_after_fork", "make_engine", "refresh_statistics",
           "upsert", "write"]


def make_engine(url: str, **options: Any) -> Engine:
    """Create an engine for ``url`` through its backend's dialect.

    ``options`` are store settings a dialect may use (``sqlite_synchronous``).
    """
    try:
        parsed = make_url(url)
    except Exception as exc:  # SQLAlchemy raises ArgumentError with no hint
        raise InvalidInput(
            f"Invalid store URL {url!r}: expected a SQLAlchemy URL such as "
            "sqlite:///path/mlops.db or postgresql+psycopg://user@host/db."
        ) from exc
    backend = parsed.get_backend_name()
    if backend not in DIALECTS:
        raise InvalidInput(
            f"Unsupported database backend {backend!r} in the store URL: use SQLite "
            "(sqlite:///path/mlops.db) or PostgreSQL (postgresql+psycopg://user@host/db)."
        )
    return dialect(backend).create_engine(parsed, options)


@contextlib.contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: committed on success, rolled back on any exception."""
    with engine.connect() as connection:
        connection = dialect(engine.dialect.name).for_writing(connection)
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
    dialect_name: str, table: Table, keys: tuple[str, ...], update: tuple[str, ...], where: Any
) -> Insert:
    # Built once per shape: constructing ON CONFLICT clauses costs more than a small write.
    # ``where`` must therefore be a function defined once, not a fresh lambda per call.
    statement = dialect(dialect_name).insert(table)
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



def refresh_statistics(engine: Engine) -> None:
    """Let the backend gather the planner statistics the listing queries need, when stale."""
    dialect(engine.dialect.name).refresh_statistics(engine)
