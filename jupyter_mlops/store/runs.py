"""Writing runs: experiments, lifecycle, params, tags, metrics, artifacts and lineage.

``Runs`` is the store's one run API (``store.runs``): the writes are here, the reads come from
``RunReads`` (``run_reads.py``) and deletion and purge from ``RunDeletion``
(``run_deletion.py``).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, and_, case, delete, func, or_, select, update

from ..errors import InvalidInput, NotFound
from ..records import Environment, GitState, RunStatus, Source
from . import schema
from .dialects import dialect
from .engine import upsert, write
from .run_deletion import RunDeletion
from .run_reads import RunReads, short_id

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

# ``short_id`` stays importable from here, where callers have always found it.
__all__ = ["MetricRow", "Runs", "short_id"]

MetricRow = tuple[str, str, float, int, float]
"""(run_id, key, value, step, timestamp) as buffered by the tracking layer."""

_R = schema.runs
# The tag a reaped run carries: its end time is an estimate, not when it really ended.
ESTIMATED_END = "mlops.end_time_estimated"


def _newer_metric(excluded: Any) -> ColumnElement[bool]:
    """The upsert condition: a higher step, or the same step logged no earlier, wins."""
    lm = schema.latest_metrics
    return or_(
        excluded.step > lm.c.step,
        and_(excluded.step == lm.c.step, excluded.timestamp >= lm.c.timestamp),
    )


def _lower(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    """The lower of two nullable values, NULL only when both are (SQLite's min(a, b) is NULL
    when either is; PostgreSQL's LEAST skips NULL): the same on both."""
    return case((a.is_(None), b), (b.is_(None), a), (a <= b, a), else_=b)


def _higher(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((a.is_(None), b), (b.is_(None), a), (a >= b, a), else_=b)


# Any: each dialect's own Insert (see Dialect.insert).
@functools.lru_cache(maxsize=4)
def _latest_metrics_upsert(dialect_name: str) -> Any:
    """Advance each (run, key)'s latest value when the new one is newer; always add the
    batch's count and widen its lowest and highest.

    Every SET expression reads the row as it was, on both backends. A row whose count is not
    known (NULL, written by an older release's import) stays not known: the readers aggregate.
    """
    lm = schema.latest_metrics
    statement = dialect(dialect_name).insert(lm)
    new = statement.excluded
    newer = _newer_metric(new)
    return statement.on_conflict_do_update(
        index_elements=["run_id", "key"],
        set_={
            "value": case((newer, new.value), else_=lm.c.value),
            "step": case((newer, new.step), else_=lm.c.step),
            "timestamp": case((newer, new.timestamp), else_=lm.c.timestamp),
            "points": lm.c.points + new.points,
            "min_value": _lower(lm.c.min_value, new.min_value),
            "max_value": _higher(lm.c.max_value, new.max_value),
        },
    )


_METRIC_COLUMNS = ("run_id", "key", "value", "step", "timestamp")


def _to_db(value: float) -> float | None:
    return None if math.isnan(value) else value


NAME_LIMIT = 255  # runs.name and experiments.name
# The documented limit of a param or tag value, the same on every backend.
MAX_VALUE = 65_536


def _storable(what: str, values: dict[str, str]) -> dict[str, str]:
    """Refuse, alike on every backend, text one of them cannot hold (PostgreSQL: no NUL; none:
    a lone surrogate), before any of it is written."""
    for key, value in values.items():
        if isinstance(key, str) and len(key) > schema.KEY.length:
            raise InvalidInput(f"{what} name {key[:40]!r}... is {len(key)} characters long; "
                               f"the limit is {schema.KEY.length}.")
        if isinstance(value, str) and len(value) > MAX_VALUE:
            raise InvalidInput(f"{what} {key!r} is {len(value)} characters long; the limit is "
                               f"{MAX_VALUE}. Log long values as an artifact.")
        for part, label in ((key, "name"), (value, "value")):
            if not isinstance(part, str):
                raise InvalidInput(f"{what} {key!r}: the {label} must be text, not "
                                   f"{type(part).__name__}.")
            if "\x00" in part:
                raise InvalidInput(f"{what} {key!r}: the {label} contains a NUL character "
                                   "(\\x00), which the store cannot hold; remove it.")
            try:
                part.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise InvalidInput(
                    f"{what} {key!r}: the {label} contains a lone surrogate at position "
                    f"{exc.start}, which is not valid Unicode text; decode it with the right "
                    "encoding.") from None
    return values


class Runs(RunDeletion, RunReads):
    """Reads and writes of runs and what belongs to them; returns records, never rows."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._experiment_ids: dict[str, int] = {}
        self._environments: set[str] = set()

    # -- experiments and environments ------------------------------------------------------

    def experiment_id(self, name: str, now: float, create: bool = True) -> int:
        """The id of experiment ``name``, created on first use."""
        cached = self._experiment_ids.get(name)
        if cached is not None:
            return cached
        e = schema.experiments
        with self.engine.connect() as connection:
            found = connection.execute(select(e.c.id).where(e.c.name == name)).scalar()
        if found is None:
            if not create:
                raise NotFound(self._unknown_experiment(name))
            with write(self.engine) as connection:
                upsert(connection, e, [{"name": name, "created_at": now}], keys=["name"])
                found = connection.execute(select(e.c.id).where(e.c.name == name)).scalar_one()
        self._experiment_ids[name] = found
        return found

    def ensure_environment(self, env: Environment) -> None:
        """Store ``env`` once; later calls with the same digest cost nothing."""
        if env.digest in self._environments:
            return
        self.save_environment(env)
        self._environments.add(env.digest)

    def save_environment(self, env: Environment) -> None:
        row = {
            "digest": env.digest,
            "python": env.python,
            "platform": env.platform,
            "packages": json.dumps(env.packages, sort_keys=True),
        }
        with write(self.engine) as connection:
            upsert(connection, schema.environments, [row], keys=["digest"])

    # -- run lifecycle ---------------------------------------------------------------------

    def create(
        self,
        run_id: str,
        experiment: str,
        name: str,
        start_time: float,
        parent_id: str | None = None,
        source: Source | None = None,
        environment_digest: str | None = None,
        git: GitState | None = None,
        host: str | None = None,
        pid: int | None = None,
        tags: dict[str, str] | None = None,
        status: RunStatus | None = None,
        end_time: float | None = None,
        error: str | None = None,
    ) -> None:
        """Insert a run; with ``status`` and ``end_time`` it is written already ended."""
        for label, text in (("Experiment", experiment), ("Run", name)):
            if len(text) > NAME_LIMIT:  # PostgreSQL would refuse it, SQLite not: refuse alike
                raise InvalidInput(f"{label} name {text[:40]!r}... is {len(text)} characters "
                                   f"long; the limit is {NAME_LIMIT}.")
            _storable(label, {"name": text})
        experiment_id = self.experiment_id(experiment, start_time)
        row: dict[str, Any] = {
            "id": run_id,
            "experiment_id": experiment_id,
            "name": name,
            "status": (status or RunStatus.RUNNING).value,
            "start_time": start_time,
            "end_time": end_time,
            "error": error,
            "parent_id": parent_id,
            "environment_digest": environment_digest,
            "host": host,
            "pid": pid,
            "heartbeat_at": start_time,
        }
        if source is not None:
            row.update(
                source_type=source.type,
                source_path=source.path,
                source_cell=source.cell,
                execution_count=source.execution_count,
            )
        if git is not None:
            row.update(
                git_commit=git.commit,
                git_branch=git.branch,
                git_dirty=git.dirty,
                git_diff_digest=git.diff_digest,
                git_remote=git.remote,
            )
        with write(self.engine) as connection:
            connection.execute(_R.insert(), row)
            if tags:
                self._set_tags(connection, run_id, tags)

    def finish(
        self, run_id: str, status: RunStatus, end_time: float, error: str | None = None
    ) -> None:
        """End a run; a run already ended keeps its first end unless it was reaped as KILLED."""
        with write(self.engine) as connection:
            result = connection.execute(
                update(_R)
                .where(
                    _R.c.id == run_id,
                    or_(
                        _R.c.status == RunStatus.RUNNING.value,
                        # Reaped while the process was merely slow: the process knows better.
                        _R.c.status == RunStatus.KILLED.value,
                    ),
                )
                .values(status=status.value, end_time=end_time, error=error)
            )
            if result.rowcount == 0:
                self._require(connection, run_id)
            else:  # a reaped run ended by its own process after all: the end is known now
                t = schema.tags
                connection.execute(delete(t).where(t.c.run_id == run_id,
                                                   t.c.key == ESTIMATED_END))

    def set_source(self, run_id: str, source: Source) -> None:
        with write(self.engine) as connection:
            connection.execute(
                update(_R)
                .where(_R.c.id == run_id)
                .values(
                    source_type=source.type,
                    source_path=source.path,
                    source_cell=source.cell,
                    execution_count=source.execution_count,
                )
            )

    def heartbeat(self, run_ids: Sequence[str], now: float) -> None:
        if not run_ids:
            return
        with write(self.engine) as connection:
            connection.execute(
                update(_R)
                .where(_R.c.id.in_(run_ids), _R.c.status == RunStatus.RUNNING.value)
                .values(heartbeat_at=now)
            )

    def reap(
        self, now: float, dead_after: float, host: str, is_alive: Callable[[int], bool]
    ) -> list[str]:
        """Mark RUNNING runs whose process is gone as KILLED; returns their ids.

        A run is gone when its heartbeat is older than ``dead_after`` seconds, or at once when
        it ran on this host and its process no longer exists.
        """
        query = select(_R.c.id, _R.c.host, _R.c.pid, _R.c.heartbeat_at).where(
            _R.c.status == RunStatus.RUNNING.value
        )
        with self.engine.connect() as connection:
            candidates = connection.execute(query).all()
        dead = [
            (row.id, row.heartbeat_at)
            for row in candidates
            if (row.heartbeat_at or 0) < now - dead_after
            or (row.host == host and row.pid is not None and not is_alive(row.pid))
        ]
        if not dead:
            return []
        killed = []
        m = schema.metrics
        with write(self.engine) as connection:
            for run_id, last_seen in dead:
                # Its end is not known: the best estimate is the last sign of life, a heartbeat
                # or a logged metric (a run's heartbeat is often only its start).
                last_metric = connection.execute(
                    select(func.max(m.c.timestamp)).where(m.c.run_id == run_id)).scalar()
                ended = max(t for t in (last_seen, last_metric) if t is not None) if (
                    last_seen is not None or last_metric is not None) else None
                # The run may have ended or sent a heartbeat since it was read: leave it then.
                same_beat = (
                    _R.c.heartbeat_at.is_(None) if last_seen is None
                    else _R.c.heartbeat_at == last_seen
                )
                result = connection.execute(
                    update(_R)
                    .where(_R.c.id == run_id, _R.c.status == RunStatus.RUNNING.value, same_beat)
                    .values(
                        status=RunStatus.KILLED.value,
                        end_time=ended,
                        error="The process stopped without ending the run (no heartbeat); its "
                              "end time is an estimate: the last heartbeat or logged metric.",
                    )
                )
                if result.rowcount:
                    self._set_tags(connection, run_id, {ESTIMATED_END: "true"})
                    killed.append(run_id)
        return killed

    # -- params, tags, metrics -------------------------------------------------------------

    def log_params(self, run_id: str, params: dict[str, str]) -> None:
        """Record params; re-logging the same value is a no-op, a different one an error."""
        if not params:
            return
        _storable("Param", params)
        p = schema.params

        def stored(connection: Connection) -> dict[str, str]:
            return dict(
                connection.execute(
                    select(p.c.key, p.c.value).where(
                        p.c.run_id == run_id, p.c.key.in_(list(params))
                    )
                ).all()
            )

        with write(self.engine) as connection:
            existing = stored(connection)
            self._check_params(run_id, params, existing)
            new = [
                {"run_id": run_id, "key": k, "value": v}
                for k, v in params.items()
                if k not in existing
            ]
            if new:
                self._require(connection, run_id)
                # Another process may log the same key between the read and this write (on
                # PostgreSQL; SQLite's writers are serialised): keep whichever came first
                # and judge against it, as if it had been there before.
                upsert(connection, p, new, keys=["run_id", "key"])
                self._check_params(run_id, params, stored(connection))

    @staticmethod
    def _check_params(run_id: str, params: dict[str, str], existing: dict[str, str]) -> None:
        for key, value in params.items():
            if key in existing and existing[key] != value:
                raise InvalidInput(
                    f"Param {key!r} of run {run_id} is already {existing[key]!r}, "
                    f"not {value!r}: params are fixed once logged. Log it under another "
                    "name or start a new run."
                )

    def set_tags(self, run_id: str, tags: dict[str, str]) -> None:
        with write(self.engine) as connection:
            self._require(connection, run_id)
            self._set_tags(connection, run_id, tags)

    def _set_tags(self, connection: Connection, run_id: str, tags: dict[str, str]) -> None:
        _storable("Tag", tags)
        rows = [{"run_id": run_id, "key": k, "value": v} for k, v in tags.items()]
        upsert(connection, schema.tags, rows, keys=["run_id", "key"], update=["value"])

    def delete_tag(self, run_id: str, key: str) -> None:
        t = schema.tags
        with write(self.engine) as connection:
            result = connection.execute(delete(t).where(t.c.run_id == run_id, t.c.key == key))
            if result.rowcount == 0:
                raise NotFound(f"Run {run_id} has no tag {key!r}.")

    def insert_metrics(self, rows: Sequence[MetricRow]) -> None:
        """Append metric values and advance each (run, key)'s latest value, in one transaction."""
        if not rows:
            return
        latest: dict[tuple[str, str], MetricRow] = {}
        values: dict[tuple[str, str], list[float]] = {}
        for row in rows:
            pair = (row[0], row[1])
            known = latest.get(pair)
            # Compared field by field: two tuples per row cost a 1M-value flush 0.2 s.
            if (known is None or row[3] > known[3]
                    or (row[3] == known[3] and row[4] >= known[4])):
                latest[pair] = row
            bucket = values.get(pair)
            if bucket is None:
                values[pair] = bucket = []
            bucket.append(row[2])
        newest = []
        for pair, r in latest.items():
            numbers = [v for v in values[pair] if v == v]  # NaN is not a lowest or highest
            newest.append({
                "run_id": r[0], "key": r[1], "value": _to_db(r[2]), "step": r[3],
                "timestamp": r[4], "points": len(values[pair]),
                "min_value": min(numbers) if numbers else None,
                "max_value": max(numbers) if numbers else None})
        with write(self.engine) as connection:
            name = connection.dialect.name
            dialect(name).append_rows(
                connection, "metrics", _METRIC_COLUMNS,
                # NaN is stored as NULL. SQLite's driver binds a NaN as NULL itself; other
                # drivers get the row as buffered unless its value is NaN.
                rows if name == "sqlite"
                else [r if r[2] == r[2] else (r[0], r[1], None, r[3], r[4]) for r in rows],
            )
            connection.execute(_latest_metrics_upsert(connection.dialect.name), newest)

    # -- artifacts and lineage -------------------------------------------------------------

    def add_artifacts(
        self, run_id: str, items: Iterable[tuple[str, str, int]], now: float
    ) -> None:
        """Attach (path, digest, size) files to a run; a path logged again points anew."""
        rows = [
            {"run_id": run_id, "path": path, "digest": digest, "size": size, "created_at": now}
            for path, digest, size in items
        ]
        with write(self.engine) as connection:
            self._require(connection, run_id)
            upsert(
                connection, schema.artifacts, rows, keys=["run_id", "path"],
                update=["digest", "size", "created_at"],
            )

    def add_lineage(self, run_id: str, direction: str, kind: str, ref: str, now: float) -> None:
        if direction not in ("input", "output"):
            raise InvalidInput(
                f"Lineage direction must be 'input' or 'output', not {direction!r}."
            )
        row = {"run_id": run_id, "direction": direction, "kind": kind, "ref": ref,
               "created_at": now}
        with write(self.engine) as connection:
            self._require(connection, run_id)
            upsert(connection, schema.lineage, [row],
                   keys=["run_id", "direction", "kind", "ref"])
