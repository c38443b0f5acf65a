"""The metadata schema, as SQLAlchemy Core tables (the current version).

Timestamps are float seconds since the epoch (UTC), so every backend sorts and compares them
the same way. A metric value of NULL means NaN: SQLite cannot store NaN, and one encoding on
every backend keeps queries identical.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Computed,
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

SCHEMA_VERSION = 8

# On PostgreSQL, param and tag values are indexed by their first VALUE_PREFIX characters
# (schema v5): a whole value of up to 64 KiB does not fit in a btree entry (2,704 bytes), and
# 300 characters of up to 4 bytes each beside a 250-character key and the run id still do. An
# equality on a shorter value reads the index alone; a longer one checks the value too.
VALUE_PREFIX = 300
VALUE_PREFIX_SQL = f"substr(value, 1, {VALUE_PREFIX})"

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
    # Added in schema version 4: listings and counts only see runs not deleted, newest first,
    # so this index answers a page at any offset and a count without reading the table.
    Index(None, "deleted_at", "start_time", "id"),
)

def _bounded(backend: str) -> bool:
    from .dialects import DIALECTS, dialect

    return backend in DIALECTS and dialect(backend).index_row_bytes is not None


def _whole_values(_ddl: object, _target: object, _bind: object, **kw: Any) -> bool:
    return not _bounded(kw["dialect"].name)


def _bounded_values(_ddl: object, _target: object, _bind: object, **kw: Any) -> bool:
    return _bounded(kw["dialect"].name)


params = Table(
    "params",
    metadata,
    Column("run_id", ID, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("key", KEY, primary_key=True),
    Column("value", Text, nullable=False),
    Column("value_prefix", Text, Computed(VALUE_PREFIX_SQL, persisted=True)),
    # run_id in the index: a filter's count then reads the index alone (schema v4). Where
    # an index entry is bounded (PostgreSQL), the prefix stands in for the value (v5);
    # SQLite reads no index over a computed column alone, and needs none. The dialect's
    # ``index_row_bytes`` decides, so a new backend picks its index without an edit here.
    Index(None, "key", "value", "run_id").ddl_if(callable_=_whole_values),
    Index(None, "key", "value_prefix", "run_id").ddl_if(callable_=_bounded_values),
)

tags = Table(
    "tags",
    metadata,
    Column("run_id", ID, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("key", KEY, primary_key=True),
    Column("value", Text, nullable=False),
    Column("value_prefix", Text, Computed(VALUE_PREFIX_SQL, persisted=True)),
    # run_id in the index: a filter's count then reads the index alone (schema v4). Where
    # an index entry is bounded (PostgreSQL), the prefix stands in for the value (v5);
    # SQLite reads no index over a computed column alone, and needs none. The dialect's
    # ``index_row_bytes`` decides, so a new backend picks its index without an edit here.
    Index(None, "key", "value", "run_id").ddl_if(callable_=_whole_values),
    Index(None, "key", "value_prefix", "run_id").ddl_if(callable_=_bounded_values),
)

# Schema v8: the one table of ours whose run_id has no foreign key (a departure from the rest,
# on purpose). A metric row is never written alone: the same transaction upserts its (run, key)
# in latest_metrics, whose foreign key checks the run (and, on PostgreSQL, locks it against a
# concurrent delete) once per key instead of once per value, and purging a run deletes its
# metric rows explicitly. The per-row check cost PostgreSQL 2.3 s of a 1,000,000-value flush.
metrics = Table(
    "metrics",
    metadata,
    Column("run_id", ID, nullable=False),
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
    # Schema v7: how many values the (run, key) has and the lowest and highest (NaN left out:
    # NULL while no value is a number), kept on every write, so a run's metric table reads one
    # row per key instead of aggregating its whole history. points NULL: not known (a row
    # written by something other than the store's writer); readers then aggregate.
    Column("points", BigInteger),
    Column("min_value", Double),
    Column("max_value", Double),
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


# --- Drift ---
# Saved drift reports and their per-column results. ``model`` and the dataset labels are plain
# references ("churn@champion", "customers@3") so a report outlives what it names.
drift_reports = Table(
    "drift_reports",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(255)),
    Column("created_at", Double, nullable=False),
    Column("reference", String(1024), nullable=False),
    Column("current", String(1024), nullable=False),
    Column("model", String(512)),
    Column("run_id", ID, ForeignKey("runs.id", ondelete="SET NULL")),
    Column("drifted", Boolean, nullable=False),
    Column("share", Double, nullable=False),
    Column("drift_share", Double, nullable=False),
    Column("method", String(64), nullable=False),
    Column("reference_rows", BigInteger, nullable=False),
    Column("current_rows", BigInteger, nullable=False),
    Column("details", Text, nullable=False),
    Index(None, "created_at"),
    Index(None, "name", "created_at"),
)

drift_results = Table(
    "drift_results",
    metadata,
    Column("report_id", ID, ForeignKey("drift_reports.id", ondelete="CASCADE"),
           primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("column_name", String(1024), nullable=False),
    Column("type", String(32), nullable=False),
    Column("role", String(32), nullable=False),
    Column("statistic", String(64)),
    # NULL means NaN (an untested column), as for metric values.
    Column("value", Double),
    Column("threshold", Double),
    Column("drifted", Boolean, nullable=False),
    Column("note", Text, nullable=False),
    Column("details", Text, nullable=False),
)


# --- Models ---
# Registered models, their versions and aliases, the append-only audit log of every alias move
# and status change, and the log of what served models saw. The audit log and the prediction
# log name models by plain text, without foreign keys, so no cascade can ever rewrite them.
from sqlalchemy import DDL, ForeignKeyConstraint, event  # noqa: E402

registered_models = Table(
    "registered_models",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("description", Text),
    Column("tags", Text, nullable=False),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    Column("created_by", String(255), nullable=False),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("name", String(255), ForeignKey("registered_models.name"), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("status", String(16), nullable=False),
    Column("flavor", String(64), nullable=False),
    Column("model_digest", DIGEST, nullable=False),
    Column("meta_digest", DIGEST, nullable=False),
    Column("artifact_path", String(1024), nullable=False),
    # The version keeps its own copies of metrics, params and datasets, so it outlives a
    # purged source run.
    Column("run_id", ID, ForeignKey("runs.id", ondelete="SET NULL")),
    Column("signature", Text),
    Column("metrics", Text, nullable=False),
    Column("params", Text, nullable=False),
    Column("datasets", Text, nullable=False),
    Column("environment_digest", DIGEST),
    Column("description", Text),
    Column("tags", Text, nullable=False),
    Column("created_at", Double, nullable=False),
    Column("created_by", String(255), nullable=False),
    Index(None, "run_id"),
)

model_aliases = Table(
    "model_aliases",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("alias", String(255), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", Double, nullable=False),
    Column("updated_by", String(255), nullable=False),
    ForeignKeyConstraint(["name", "version"], ["model_versions.name", "model_versions.version"]),
)

model_audit = Table(
    "model_audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False),
    Column("action", String(32), nullable=False),
    # The version acted on: registered, re-statused, given or (when removed) left by an alias.
    Column("version", Integer),
    Column("alias", String(255)),
    Column("from_value", String(64)),
    Column("to_value", String(64)),
    Column("user_name", String(255), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("reason", Text),
    Index(None, "name", "id"),
)

# The audit log is append-only in the database itself, not only in our code: any UPDATE or
# DELETE, from any client, is refused.
def indexes_for(table: Table, backend: str) -> list[Index]:
    """The indexes of ``table`` that ``backend`` builds (some are for one backend only)."""
    out = []
    for index in table.indexes:
        only = getattr(index, "_ddl_if", None)
        rule = getattr(only, "callable_", None)
        if rule is None or (rule is _bounded_values) == _bounded(backend):
            out.append(index)
    return out


@event.listens_for(model_audit, "after_create")
def _append_only(target: Table, connection: Any, **_kw: Any) -> None:
    from .dialects import dialect

    for statement in dialect(connection.dialect.name).append_only_ddl(target.name):
        connection.execute(DDL(statement))


prediction_log = Table(
    "prediction_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("version", Integer, nullable=False),
    Column("request_id", String(32)),
    Column("created_at", Double, nullable=False),
    Column("rows", Integer, nullable=False),
    # JSON: {"columns": [...], "data": [[...], ...]} and the list of predictions.
    Column("inputs", Text, nullable=False),
    Column("predictions", Text, nullable=False),
    Index(None, "name", "created_at"),
)

BLOB_REFERENCES.append((model_versions, "model_digest"))
BLOB_REFERENCES.append((model_versions, "meta_digest"))


# --- Datasets ---
# Named datasets and their immutable versions. A version's identity is its content digest:
# (name, digest) is unique, so versioning the same content twice finds the first version.
# A folder version lists its files (path, size, blob digest); unchanged files of a new version
# name the blobs the previous version stored, so one changed file stores one new blob.
from sqlalchemy import ForeignKeyConstraint as _FK  # noqa: E402

datasets = Table(
    "datasets",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("description", Text),
    # The pandera schema (YAML) that ``validate=True`` checks new versions against.
    Column("schema", Text),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
)

dataset_versions = Table(
    "dataset_versions",
    metadata,
    Column("name", String(255), ForeignKey("datasets.name"), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),
    Column("digest", DIGEST, nullable=False),
    Column("storage_digest", DIGEST),
    Column("profile_digest", DIGEST),
    Column("size_bytes", BigInteger, nullable=False),
    Column("row_count", BigInteger),
    Column("file_count", Integer),
    Column("columns", Text, nullable=False),
    Column("format", String(32)),
    Column("source", Text),
    Column("description", Text),
    Column("schema", Text),
    # The producing run, as plain text like lineage refs: the run's row may be written only
    # after the version (runs are created lazily), and a version outlives a purged run.
    Column("run_id", ID),
    Column("created_at", Double, nullable=False),
    Column("created_by", String(255), nullable=False),
    UniqueConstraint("name", "digest"),
    Index(None, "digest"),
    Index(None, "run_id"),
)

dataset_files = Table(
    "dataset_files",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("path", String(1024), primary_key=True),
    Column("digest", DIGEST, nullable=False),
    Column("size", BigInteger, nullable=False),
    _FK(["name", "version"], ["dataset_versions.name", "dataset_versions.version"],
        ondelete="CASCADE"),
    Index(None, "digest"),
)

BLOB_REFERENCES.append((dataset_versions, "storage_digest"))
BLOB_REFERENCES.append((dataset_versions, "profile_digest"))
BLOB_REFERENCES.append((dataset_files, "digest"))


# --- Evaluations, alerts, MLflow logged models (schema v6) ---
# Sliced evaluations of registered model versions, their verdict (the blessing), skew reports
# and shadow replays. ``kind`` tells them apart ("evaluation", "replay", "skew"). The model, its
# baseline and the data are plain references, like drift reports, so a record outlives what it
# names; ``details`` holds every slice's metrics and every check (store/evaluations.py).
evaluations = Table(
    "evaluations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("kind", String(32), nullable=False, server_default="evaluation"),
    Column("created_at", Double, nullable=False),
    Column("name", String(255), nullable=False),
    Column("version", Integer, nullable=False),
    Column("data", String(1024), nullable=False),
    Column("baseline", String(512)),
    Column("label", String(1024), nullable=False),
    Column("task", String(32), nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("blessed", Boolean, nullable=False),
    Column("failures", Text, nullable=False),
    Column("details", Text, nullable=False),
    Index(None, "name", "version", "created_at"),
    Index(None, "kind", "created_at"),
)

# Alert rules (what each watches: drift, skew, performance, evaluations, registry events; where
# to tell) and every notification sent for one, so a webhook is delivered once per event however
# often the check runs (``event_key`` is unique per rule).
alert_rules = Table(
    "alert_rules",
    metadata,
    Column("id", ID, primary_key=True),
    Column("created_at", Double, nullable=False),
    Column("watches", String(32), nullable=False),
    Column("model", String(512)),
    Column("notify", String(2048), nullable=False),
    # Thresholds and options of the rule, as JSON; the signing secret never goes here.
    Column("condition", Text, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("deleted_at", Double),
    Index(None, "watches", "enabled"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", ID, primary_key=True),
    Column("rule_id", ID, ForeignKey("alert_rules.id", ondelete="CASCADE"), nullable=False),
    Column("event_key", String(512), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("response_code", Integer),
    Column("error", Text),
    Column("payload", Text, nullable=False),
    UniqueConstraint("rule_id", "event_key"),
    Index(None, "created_at"),
)

# MLflow 3's logged models (``/api/2.0/mlflow/logged-models``), kept for the MLflow bridges:
# the id is MLflow's ``m-<32 hex>``; the files live under the run's artifacts or their own
# prefix in the artifact store (``artifact_location``); params, tags and metrics are JSON.
logged_models = Table(
    "logged_models",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("experiment_id", Integer, ForeignKey("experiments.id"), nullable=False),
    Column("run_id", ID),
    Column("name", String(255), nullable=False),
    Column("model_type", String(255)),
    Column("status", String(32), nullable=False),
    Column("artifact_location", String(2048), nullable=False),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    Column("details", Text, nullable=False),
    Index(None, "experiment_id", "created_at"),
    Index(None, "run_id"),
)
