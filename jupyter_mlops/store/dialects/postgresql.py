"""PostgreSQL: a pre-pinged pool, advisory-locked migrations, ``COLLATE "C"`` for code-point order.

Its btree indexes hold entries of at most 2,704 bytes (a third of a page): an index over free
text must index a bounded prefix (see ``schema.VALUE_PREFIX``), never the whole value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Table, create_engine, text
from sqlalchemy.engine import URL

from ...errors import MissingDependency

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert

_DRIVER_EXTRAS = {"psycopg": "postgres", "psycopg2": "postgres"}
# Any number of ours, the same in every process of every release.
MIGRATION_LOCK = 4242


def _binary_types(table: str, columns: Sequence[str]) -> list[str]:
    """The PostgreSQL type of each column, as binary COPY must be told it exactly."""
    from sqlalchemy import BigInteger, Float, Integer, String

    from .. import schema

    names = []
    for name in columns:
        kind = schema.metadata.tables[table].c[name].type
        # BigInteger first: it is an Integer too.
        for sql_type, pg in ((BigInteger, "int8"), (Integer, "int4"), (Float, "float8"),
                             (String, "varchar")):
            if isinstance(kind, sql_type):
                names.append(pg)
                break
        else:
            raise TypeError(f"no binary COPY type for {table}.{name} ({kind!r})")
    return names


class PostgreSQL:
    """The team backend: one server shared by many users and processes."""

    name = "postgresql"
    index_row_bytes = 2704

    def create_engine(self, url: URL, options: dict[str, Any]) -> Engine:
        try:
            return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
        except ModuleNotFoundError as exc:
            extra = _DRIVER_EXTRAS.get(url.get_driver_name(), "postgres")
            raise MissingDependency(
                f"The store URL {url.render_as_string(hide_password=True)!r} needs the "
                f"{exc.name!r} driver: pip install 'jupyter-mlops[{extra}]'."
            ) from exc

    def for_writing(self, connection: Connection) -> Connection:
        return connection  # row locks, taken by the statements themselves

    def insert(self, table: Table) -> Insert:
        # Imported here: SQLAlchemy's PostgreSQL dialect (and asyncio with it) costs a SQLite
        # user's every fresh process 20-30 ms otherwise.
        from sqlalchemy.dialects.postgresql import insert

        return insert(table)

    def append_rows(self, connection: Connection, table: str, columns: Sequence[str],
                    rows: Sequence[Sequence[Any]]) -> None:
        names = ", ".join(columns)
        driver = connection.connection.dbapi_connection
        if connection.dialect.driver != "psycopg" or driver is None:
            marks = ", ".join(["%s"] * len(columns))
            connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                                       list(rows))
            return
        # COPY streams the rows in one command: an executemany of 100,000 metric values
        # takes 4-5 s here, a round trip per row, where SQLite takes well under one. Binary
        # COPY spares both sides formatting and parsing text: 1.2-1.9 s of 1,000,000 values.
        import psycopg
        from sqlalchemy.exc import DBAPIError

        statement = f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)"
        types = _binary_types(table, columns)
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
        except psycopg.Error as exc:
            # As SQLAlchemy would have raised it (IntegrityError, OperationalError ...), so
            # callers tell a missing run from a lost connection the same way on both paths.
            raise DBAPIError.instance(statement, None, exc, psycopg.Error,
                                      hide_parameters=True, dialect=connection.dialect) from exc

    def lock_migrations(self, connection: Connection) -> None:
        connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))

    def append_only_ddl(self, table: str) -> list[str]:
        return [
            f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ BEGIN "
            f"RAISE EXCEPTION '{table} is append-only'; END; $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
        ]

    def add_computed_column(self, table: str, column: str, sql_type: str,
                            expression: str) -> str:
        return (f"ALTER TABLE {table} ADD COLUMN {column} {sql_type} "
                f"GENERATED ALWAYS AS ({expression}) STORED")

    def like_sql(self, column: str, pattern: str, glob: str) -> str:
        return f"({column} LIKE {pattern})"  # the backslash is PostgreSQL's default escape

    def code_point_sql(self, column: str) -> str:
        # Otherwise the database's locale decides (en_US: 'ana' < 'Bo').
        return f'{column} COLLATE "C"'

    def refresh_statistics(self, engine: Engine) -> None:
        pass  # autovacuum keeps them
