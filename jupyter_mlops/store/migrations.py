"""Schema versions and the migrations between them.

A new workspace gets the current schema in one ``create_all`` and is stamped with its version.
An older workspace is brought forward by the ordered migrations below, each applied in the same
transaction as the row that records it, so an interrupted upgrade leaves the previous version
intact. A workspace newer than this release is refused rather than guessed at.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine, func, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from ..errors import SchemaOutOfDate
from . import schema
from .dialects import dialect
from .engine import write

Migration = Callable[[Connection], None]


# The tables of the first release; every other table of the current schema is new in v2.
V1_TABLES = frozenset(
    {"schema_version", "experiments", "environments", "runs", "params", "tags", "metrics",
     "artifacts"}
)


def _v2_latest_metrics_and_lineage(connection: Connection) -> None:
    # v2 only adds tables (latest metrics, lineage, and the data, model and drift records);
    # create_all leaves the v1 tables alone.
    new = [t for t in schema.metadata.sorted_tables if t.name not in V1_TABLES]
    schema.metadata.create_all(connection, tables=new)
    m = schema.metrics
    # The latest value is the one with the highest step, then the newest timestamp; the
    # window function picks exactly one row per (run, key) on both backends.
    ranked = select(
        m.c.run_id, m.c.key, m.c.value, m.c.step, m.c.timestamp,
        func.row_number()
        .over(
            partition_by=(m.c.run_id, m.c.key),
            order_by=(m.c.step.desc(), m.c.timestamp.desc()),
        )
        .label("rank"),
    ).subquery()
    latest = select(
        ranked.c.run_id, ranked.c.key, ranked.c.value, ranked.c.step, ranked.c.timestamp
    ).where(ranked.c.rank == 1)
    connection.execute(
        schema.latest_metrics.insert().from_select(
            ["run_id", "key", "value", "step", "timestamp"], latest
        )
    )


def _v3_data_models_drift(connection: Connection) -> None:
    # Data versions, the model registry and drift reports arrived after some workspaces were
    # already stamped v2; create whatever of the current schema such a workspace lacks.
    schema.metadata.create_all(connection, checkfirst=True)


def _v4_listing_indexes(connection: Connection) -> None:
    # Indexes only: on a large workspace building them takes a moment, once.
    index = next(
        i for i in schema.runs.indexes
        if [c.name for c in i.columns] == ["deleted_at", "start_time", "id"]
    )
    index.create(connection, checkfirst=True)
    # v4 also indexed (key, value, run_id) of params and tags whole, which PostgreSQL refuses
    # for a long value (its btree entries hold 2,704 bytes): v5 builds each backend's own,
    # so a workspace still on v3 goes straight to those.


def _v5_value_prefix_indexes(connection: Connection) -> None:
    name = connection.dialect.name
    backend = dialect(name)
    for table in (schema.params, schema.tags):
        columns = {c["name"] for c in inspect(connection).get_columns(table.name)}
        if "value_prefix" not in columns:
            connection.execute(text(backend.add_computed_column(
                table.name, "value_prefix", "TEXT", schema.VALUE_PREFIX_SQL)))
        wanted = schema.indexes_for(table, name)
        names = {index.name for index in wanted}
        for old in (f"ix_{table.name}_key_value_run_id", f"ix_{table.name}_key_value"):
            if old not in names:
                connection.execute(text(f"DROP INDEX IF EXISTS {old}"))
        for index in wanted:
            index.create(connection, checkfirst=True)


def _v6_evaluations_alerts_logged_models(connection: Connection) -> None:
    # New tables only.
    new = [schema.evaluations, schema.alert_rules, schema.notifications, schema.logged_models]
    schema.metadata.create_all(connection, tables=new, checkfirst=True)


def _v7_metric_stats(connection: Connection) -> None:
    lm, m = schema.latest_metrics, schema.metrics
    present = {c["name"] for c in inspect(connection).get_columns(lm.name)}
    for name in ("points", "min_value", "max_value"):
        if name not in present:  # a v1 workspace's v2 step made the table as it is now
            sql_type = lm.c[name].type.compile(dialect=connection.dialect)
            connection.execute(text(f"ALTER TABLE {lm.name} ADD COLUMN {name} {sql_type}"))
    # One pass over each (run, key)'s rows through the (run_id, key, step) index; on a large
    # workspace this takes a moment, once.
    same = (m.c.run_id == lm.c.run_id) & (m.c.key == lm.c.key)
    connection.execute(lm.update().values(
        points=select(func.count()).where(same).scalar_subquery(),
        min_value=select(func.min(m.c.value)).where(same).scalar_subquery(),
        max_value=select(func.max(m.c.value)).where(same).scalar_subquery(),
    ))


def _v8_metrics_without_foreign_key(connection: Connection) -> None:
    if not inspect(connection).get_foreign_keys(schema.metrics.name):
        return  # made by a release that already had v8's table (a test's stamped copy)
    if connection.dialect.name != "sqlite":
        for key in inspect(connection).get_foreign_keys(schema.metrics.name):
            connection.execute(text(f'ALTER TABLE metrics DROP CONSTRAINT "{key["name"]}"'))
        return
    # SQLite cannot drop a constraint: the table is made anew and its rows copied, in index
    # order so the new index grows at its end; on a large workspace this takes a moment, once.
    for index in inspect(connection).get_indexes(schema.metrics.name):
        connection.execute(text(f'DROP INDEX "{index["name"]}"'))
    connection.execute(text("ALTER TABLE metrics RENAME TO metrics_before_v8"))
    schema.metrics.create(connection)
    columns = ", ".join(c.name for c in schema.metrics.columns)
    connection.execute(text(
        f"INSERT INTO metrics ({columns}) SELECT {columns} FROM metrics_before_v8 "
        "ORDER BY run_id, key, step"))
    connection.execute(text("DROP TABLE metrics_before_v8"))


# (version, description, migration from the version before). Append only; never edit one that
# has shipped.
MIGRATIONS: list[tuple[int, str, Migration]] = [
    (2, "latest metric values, lineage, data, models and drift", _v2_latest_metrics_and_lineage),
    (3, "data versions, model registry and drift report tables", _v3_data_models_drift),
    (4, "indexes for listing runs: live runs newest first, covering param and tag filters",
     _v4_listing_indexes),
    (5, "param and tag indexes on a bounded value prefix (any value length on every backend)",
     _v5_value_prefix_indexes),
    (6, "evaluations, alert rules and notifications, MLflow logged models",
     _v6_evaluations_alerts_logged_models),
    (7, "each metric's count, lowest and highest value kept beside its latest",
     _v7_metric_stats),
    (8, "metric values checked against their run once per key, not once per value",
     _v8_metrics_without_foreign_key),
]
assert MIGRATIONS[-1][0] == schema.SCHEMA_VERSION


def current_version(connection: Connection) -> int | None:
    """The workspace's schema version, or None for an empty database."""
    if not inspect(connection).has_table(schema.schema_version.name):
        return None
    return connection.execute(select(func.max(schema.schema_version.c.version))).scalar()


def migrate(engine: Engine) -> list[int]:
    """Create or upgrade the schema; returns the versions applied (empty when up to date)."""
    with engine.connect() as connection:
        version = current_version(connection)
    if version == schema.SCHEMA_VERSION:
        return []
    if version is not None and version > schema.SCHEMA_VERSION:
        raise SchemaOutOfDate(
            f"This workspace has schema version {version}, newer than this release of "
            f"jupyter-mlops understands ({schema.SCHEMA_VERSION}). Upgrade: "
            "pip install -U jupyter-mlops."
        )
    with write(engine) as connection:
        # Serialise concurrent first opens.
        dialect(connection.dialect.name).lock_migrations(connection)
        # Read again under the write lock: another process may have migrated meanwhile.
        version = current_version(connection)
        if version is None:
            schema.metadata.create_all(connection)
            _stamp(connection, schema.SCHEMA_VERSION, "initial schema")
            return [schema.SCHEMA_VERSION]
        applied = []
        for number, description, step in MIGRATIONS:
            if number > version:
                try:
                    step(connection)
                except SQLAlchemyError as exc:
                    # Otherwise the CLI takes a database error for a store it cannot reach.
                    raise SchemaOutOfDate(
                        f"The migration to schema version {number} ({description}) failed: "
                        f"{_reason(exc)}. The workspace is left at version {version}, "
                        "unchanged; fix the cause and open it again, or report it with this "
                        "message."
                    ) from exc
                _stamp(connection, number, description)
                applied.append(number)
        return applied


def _reason(exc: SQLAlchemyError) -> str:
    inner = getattr(exc, "orig", None) or exc
    return (str(inner).strip().splitlines() or [type(inner).__name__])[0]


def _stamp(connection: Connection, version: int, description: str) -> None:
    connection.execute(
        schema.schema_version.insert().values(
            version=version, description=description, applied_at=time.time()
        )
    )
