"""What differs between database backends, one file per backend behind one small protocol.

``engine``, ``migrations``, ``schema``, ``query_text`` and ``runs`` never test a backend's name:
they ask ``dialect(name)``. A new backend (MySQL, say) is one new file implementing ``Dialect``,
registered here or through the ``jupyter_mlops.dialects`` entry point group, plus a parameter
of the test fixtures in ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.engine import URL

from ...plugins import Registry


class Dialect(Protocol):
    """One database backend's side of the store."""

    name: str
    """SQLAlchemy's backend name (``sqlite``, ``postgresql``)."""

    index_row_bytes: int | None
    """The most bytes one index entry may take (PostgreSQL's btree: 2,704), None if unbounded."""

    def create_engine(self, url: URL, options: dict[str, Any]) -> Engine:
        """An engine for ``url`` with the backend's connect hooks and pragmas.

        ``options`` holds store settings (``sqlite_synchronous``) a backend may use.
        """
        ...

    def for_writing(self, connection: Connection) -> Connection:
        """``connection`` set up so that its next transaction takes the write lock at once."""
        ...

    # Any: each dialect's own Insert; no common base class has the ON CONFLICT methods.
    def insert(self, table: Table) -> Any:
        """An ``INSERT`` that has ``on_conflict_do_update`` and ``on_conflict_do_nothing``."""
        ...

    def append_rows(self, connection: Connection, table: str, columns: Sequence[str],
                    rows: Sequence[Sequence[Any]]) -> None:
        """Insert many plain rows (no conflicts expected) the fastest way the driver offers."""
        ...

    def lock_migrations(self, connection: Connection) -> None:
        """Serialise concurrent schema migrations for the rest of the transaction."""
        ...

    def append_only_ddl(self, table: str) -> list[str]:
        """Statements that make the database itself refuse UPDATE and DELETE on ``table``."""
        ...

    def add_computed_column(self, table: str, column: str, sql_type: str,
                            expression: str) -> str:
        """The ``ALTER TABLE`` adding a column the database computes from ``expression``."""
        ...

    def like_sql(self, column: str, pattern: str, glob: str) -> str:
        """A case-sensitive LIKE with ``\\`` as escape; ``glob`` is the same as a GLOB pattern."""
        ...

    def code_point_sql(self, column: str) -> str:
        """``column`` compared and sorted by code point, whatever the database's locale."""
        ...

    def refresh_statistics(self, engine: Engine) -> None:
        """Gather the planner statistics the listing queries need, if the backend does not."""
        ...


DIALECTS: Registry[Dialect] = Registry(
    "jupyter_mlops.dialects", "store backend",
    "Use SQLite (sqlite:///path/mlops.db) or PostgreSQL (postgresql+psycopg://user@host/db).",
)


def _register_builtins() -> None:
    from .postgresql import PostgreSQL
    from .sqlite import SQLite

    for builtin in (SQLite(), PostgreSQL()):
        DIALECTS.register(builtin.name, builtin, replace=True)


_register_builtins()


def dialect(name: str) -> Dialect:
    """The backend called ``name``; NotFound lists the known ones."""
    return DIALECTS.get(name)


__all__ = ["DIALECTS", "Dialect", "dialect"]
