"""The metadata schema, as SQLAlchemy Core tables (the current version).

Timestamps are float seconds since the epoch (UTC), so every backend sorts and compares them
the same way. A metric value of NULL means NaN: SQLite cannot store NaN, and one encoding on
every backend keeps queries identical.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 2

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(32)
KEY = String(250)
DIGEST = String(64)
Double = Float(precision=53)

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", Text, nullable=False),
    Column("applied_at", Double, nullable=False),
)

experiments = Table(
    "experiments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("created_at", Double, nullable=False),
)

environments = Table(
    "environments",
    metadata,
    Column("digest", DIGEST, primary_key=True),
    Column("python", String(64), nullable=False),
    Column("platform", String(255), nullable=False),
    Column("packages", Text, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", ID, primary_key=True),
    Column("experiment_id", Integer, ForeignKey("experiments.id"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("start_time", Double, nullable=False),
    Column("end_time", Double),
    Column("parent_id", ID, ForeignKey("runs.id", ondelete="CASCADE")),
    Column("source_type", String(32)),
    Column("source_path", Text),
    Column("source_cell", Text),
    Column("execution_count", Integer),
    Column("environment_digest", DIGEST, ForeignKey("environments.digest")),
    Column("git_commit", String(64)),
    Column("git_branch", String(255)),
    Column("git_dirty", Boolean),
    Column("git_diff_digest", DIGEST),
    Column("git_remote", Text),
    Column("host", String(255)),
    Column("pid", Integer),
    Column("heartbeat_at", Double),
    Column("error", Text),
    Column("deleted_at", Double),
    Index(None, "experiment_id", "start_time"),
    Index(None, "status"),
    Index(None, "parent_id"),
    Index(None, "start_time"),
)

params = Table(
    "params",
    metadata,
    Column("run_id", ID, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("key", KEY, primary_key=True),
    Column("value", Text, nullable=False),
    Index(None, "key", "value"),
)

tags = Table(
    "tags",
    metadata,
    Column("run_id", ID, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("key", KEY, primary_key=True),
    Column("value", Text, nullable=False),
    Index(None, "key", "value"),
)

metrics = Table(
    "metrics",
    metadata,
    Column("run_id", ID, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("key", KEY, nullable=False),
    Column("value", Double),
    Column("step", BigInteger, nullable=False),
    Column("timestamp", Double, nullable=False),
    Index(None, "run_id", "key", "step"),
)

# Added in schema version 2: the latest value of each metric of each run, kept up to date on
# every write, so filters and sorts on metrics are one indexed join instead of an aggregate.
latest_metrics = Table(
    "latest_metrics",
    metadata,
    Column("run_id", ID, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("key", KEY, primary_key=True),
    Column("value", Double),
    Column("step", BigInteger, nullable=False),
    Column("timestamp", Double, nullable=False),
    Index(None, "key", "value"),
)

artifacts = Table(
    "artifacts",
    metadata,
    Column("run_id", ID, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("path", String(1024), primary_key=True),
    Column("digest", DIGEST, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("created_at", Double, nullable=False),
    Index(None, "digest"),
)

# Added in schema version 2: what each run read and wrote (data versions, models, artifacts).
lineage = Table(
    "lineage",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", ID, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("ref", String(512), nullable=False),
    Column("created_at", Double, nullable=False),
    UniqueConstraint("run_id", "direction", "kind", "ref"),
    Index(None, "kind", "ref"),
)

# Every column that holds an artifact digest: garbage collection keeps what any of them names.
# Tables added by later features register their digest columns here.
BLOB_REFERENCES: list[tuple[Table, str]] = [
    (artifacts, "digest"),
    (runs, "git_diff_digest"),
]
