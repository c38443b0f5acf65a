"""Experiments, runs, params, tags, metrics, artifacts and lineage in the metadata store."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, or_, select, update

from ..errors import Conflict, InvalidInput, NotFound
from ..records import (
    Artifact,
    Environment,
    Experiment,
    GitState,
    LineageLink,
    Metric,
    Run,
    RunStatus,
    Source,
)
from . import schema
from .engine import upsert, write

MetricRow = tuple[str, str, float, int, float]
"""(run_id, key, value, step, timestamp) as buffered by the tracking layer."""

SHORT_ID_MIN = 6
SHORT_ID_LENGTH = 8


def short_id(run_id: str) -> str:
    """The form of a run id shown in tables: its random end, unique in practice."""
    return run_id[-SHORT_ID_LENGTH:]

_ACTIVE = (RunStatus.RUNNING.value,)
_R = schema.runs


def _newer_metric(excluded: Any) -> Any:
    """The upsert condition: a higher step, or the same step logged no earlier, wins."""
    lm = schema.latest_metrics
    return or_(
        excluded.step > lm.c.step,
        and_(excluded.step == lm.c.step, excluded.timestamp >= lm.c.timestamp),
    )


_STATUSES = {status.value: status for status in RunStatus}


def _plain_rows(connection: Connection, query: Any) -> list[tuple[Any, ...]]:
    """All rows of a query of text and float columns, straight from the driver's cursor.

    Such columns need no result processing, and building a Row per value is the larger part
    of listing thousands of runs' params, metrics and tags.
    """
    result = connection.execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _to_db(value: float) -> float | None:
    return None if math.isnan(value) else value


def _from_db(value: float | None) -> float:
    return math.nan if value is None else value


class Runs:
    """Reads and writes of runs and what belongs to them; returns records, never rows."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._experiment_ids: dict[str, int] = {}
        self._environments: set[str] = set()

    # -- experiments -----------------------------------------------------------------------

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

    def _unknown_experiment(self, name: str) -> str:
        known = [x.name for x in self.experiments()]
        listing = ", ".join(known[:10]) or "none yet"
        return (
            f"Unknown experiment {name!r}. Known experiments: {listing}. "
            "List them with `jupyter mlops experiments list`."
        )

    def experiments(self) -> list[Experiment]:
        e = schema.experiments
        counts = (
            select(_R.c.experiment_id, func.count().label("n"))
            .where(_R.c.deleted_at.is_(None))
            .group_by(_R.c.experiment_id)
            .subquery()
        )
        query = (
            select(e.c.id, e.c.name, e.c.created_at, func.coalesce(counts.c.n, 0))
            .select_from(e.outerjoin(counts, counts.c.experiment_id == e.c.id))
            .order_by(e.c.name)
        )
        with self.engine.connect() as connection:
            return [Experiment(*row) for row in connection.execute(query)]

    # -- environments ----------------------------------------------------------------------

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

    def environment(self, digest: str) -> Environment:
        t = schema.environments
        with self.engine.connect() as connection:
            row = connection.execute(select(t).where(t.c.digest == digest)).first()
        if row is None:
            raise NotFound(f"No environment with digest {digest}.")
        return Environment(row.digest, row.python, row.platform, json.loads(row.packages))

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
        with write(self.engine) as connection:
            for run_id, last_seen in dead:
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
                        end_time=last_seen,
                        error="The process stopped without ending the run (no heartbeat).",
                    )
                )
                if result.rowcount:
                    killed.append(run_id)
        return killed

    # -- params, tags, metrics -------------------------------------------------------------

    def log_params(self, run_id: str, params: dict[str, str]) -> None:
        """Record params; re-logging the same value is a no-op, a different one an error."""
        if not params:
            return
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
        for row in rows:
            known = latest.get((row[0], row[1]))
            if known is None or (row[3], row[4]) >= (known[3], known[4]):
                latest[(row[0], row[1])] = row
        newest = [
            {"run_id": r[0], "key": r[1], "value": _to_db(r[2]), "step": r[3], "timestamp": r[4]}
            for r in latest.values()
        ]
        with write(self.engine) as connection:
            # Plain tuples through the driver: SQLAlchemy's per-row parameter processing is
            # half the cost of a 10,000-value flush.
            mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
            connection.exec_driver_sql(
                "INSERT INTO metrics (run_id, key, value, step, timestamp) "
                f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark})",
                [(r[0], r[1], _to_db(r[2]), r[3], r[4]) for r in rows],
            )
            upsert(
                connection,
                schema.latest_metrics,
                newest,
                keys=["run_id", "key"],
                update=["value", "step", "timestamp"],
                where=_newer_metric,
            )

    def metric_history(self, run_id: str, key: str) -> list[Metric]:
        m = schema.metrics
        query = (
            select(m.c.key, m.c.value, m.c.step, m.c.timestamp)
            .where(m.c.run_id == run_id, m.c.key == key)
            .order_by(m.c.step, m.c.timestamp)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
            if not rows:
                self._require(connection, run_id)
        return [Metric(r.key, _from_db(r.value), r.step, r.timestamp) for r in rows]

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

    def artifacts(self, run_id: str) -> list[Artifact]:
        a = schema.artifacts
        query = (
            select(a.c.path, a.c.digest, a.c.size, a.c.created_at)
            .where(a.c.run_id == run_id)
            .order_by(a.c.path)
        )
        with self.engine.connect() as connection:
            return [Artifact(*row) for row in connection.execute(query)]

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

    # -- reading ---------------------------------------------------------------------------

    def resolve_id(self, run_id: str, connection: Connection | None = None) -> str:
        """The full id for ``run_id``, or for a unique prefix or suffix of six or more characters.

        Ids begin with their creation time, so runs made close together share long prefixes;
        the short form shown to users is therefore the random end of the id (``short_id``).
        """
        if connection is None:
            with self.engine.connect() as connection:
                return self.resolve_id(run_id, connection)
        if not isinstance(run_id, str) or not run_id or not all(
            c in "0123456789abcdef" for c in run_id.lower()
        ):
            raise InvalidInput(f"Invalid run id {run_id!r}: run ids are hexadecimal.")
        run_id = run_id.lower()
        if len(run_id) == 32:
            if connection.execute(select(_R.c.id).where(_R.c.id == run_id)).first():
                return run_id
            raise NotFound(f"No run {run_id}. List runs with `jupyter mlops runs list`.")
        if len(run_id) < SHORT_ID_MIN:
            raise InvalidInput(
                f"Run id {run_id!r} is too short: give at least {SHORT_ID_MIN} characters."
            )
        matches = set()
        for condition in (_R.c.id.startswith(run_id), _R.c.id.endswith(run_id)):
            matches.update(
                connection.execute(select(_R.c.id).where(condition).limit(2)).scalars()
            )
        if not matches:
            raise NotFound(
                f"No run id starts or ends with {run_id}. "
                "List runs with `jupyter mlops runs list`."
            )
        if len(matches) > 1:
            raise InvalidInput(f"Run id {run_id!r} is ambiguous: give more characters.")
        return matches.pop()

    def _require(self, connection: Connection, run_id: str) -> None:
        row = connection.execute(select(_R.c.deleted_at).where(_R.c.id == run_id)).first()
        if row is None:
            raise NotFound(f"No run {run_id}. List runs with `jupyter mlops runs list`.")
        if row.deleted_at is not None:
            raise Conflict(
                f"Run {run_id} is deleted. Restore it with `jupyter mlops runs restore {run_id}`."
            )

    def get(self, run_id: str) -> Run:
        with self.engine.connect() as connection:
            run_id = self.resolve_id(run_id, connection)
            runs = self.load(connection, [run_id], with_details=True)
        return runs[0]

    def load(
        self,
        connection: Connection,
        ids: Sequence[str],
        with_details: bool = False,
        selector: Any = None,
    ) -> list[Run]:
        """Records for ``ids``, in their order.

        ``selector``, a SELECT of the same ids, replaces the literal list in the SQL: a page of
        100,000 runs would overflow SQLite's limit on bound parameters.
        """
        run_ids = selector if selector is not None else list(ids)
        e = schema.experiments
        # The cell source can be large and only a run's detail view shows it.
        columns = [c for c in _R.c if with_details or c.name != "source_cell"]
        query = select(*columns, e.c.name.label("experiment_name")).join(
            e, e.c.id == _R.c.experiment_id
        ).where(_R.c.id.in_(run_ids))
        base = {row.id: row for row in connection.execute(query).all()}
        params = self._by_run(connection, schema.params, run_ids)
        tags = self._by_run(connection, schema.tags, run_ids)
        lm = schema.latest_metrics
        metrics: dict[str, dict[str, float]] = {}
        for run_id, key, value in _plain_rows(
            connection, select(lm.c.run_id, lm.c.key, lm.c.value).where(lm.c.run_id.in_(run_ids))
        ):
            metrics.setdefault(run_id, {})[key] = math.nan if value is None else value
        artifacts: dict[str, list[Artifact]] = {}
        lineage: dict[str, list[LineageLink]] = {}
        if with_details:
            a = schema.artifacts
            for row in connection.execute(
                select(a).where(a.c.run_id.in_(run_ids)).order_by(a.c.path)
            ):
                artifacts.setdefault(row.run_id, []).append(
                    Artifact(row.path, row.digest, row.size, row.created_at)
                )
            li = schema.lineage
            for row in connection.execute(
                select(li).where(li.c.run_id.in_(run_ids)).order_by(li.c.id)
            ):
                lineage.setdefault(row.run_id, []).append(
                    LineageLink(row.direction, row.kind, row.ref, row.created_at)
                )
        return [
            _record(
                base[i],
                params.get(i, {}),
                metrics.get(i, {}),
                tags.get(i, {}),
                tuple(artifacts.get(i, ())),
                tuple(lineage.get(i, ())),
                with_details,
            )
            for i in ids
            if i in base
        ]

    @staticmethod
    def _by_run(connection: Connection, table: Any, run_ids: Any) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        query = select(table.c.run_id, table.c.key, table.c.value).where(
            table.c.run_id.in_(run_ids)
        )
        for run_id, key, value in _plain_rows(connection, query):
            out.setdefault(run_id, {})[key] = value
        return out

    # -- deletion --------------------------------------------------------------------------

    def set_deleted(self, run_ids: Sequence[str], deleted_at: float | None) -> int:
        """Soft-delete (a time) or restore (None) runs and their nested runs; returns count."""
        with write(self.engine) as connection:
            ids = {self.resolve_id(run_id, connection) for run_id in run_ids}
            frontier = set(ids)
            while frontier:
                children = connection.execute(
                    select(_R.c.id).where(_R.c.parent_id.in_(frontier))
                ).scalars().all()
                frontier = set(children) - ids
                ids |= frontier
            result = connection.execute(
                update(_R).where(_R.c.id.in_(ids)).values(deleted_at=deleted_at)
            )
            return result.rowcount

    def purge_deleted(self, before: float) -> list[str]:
        """Remove runs deleted before ``before`` for good (their rows cascade)."""
        with write(self.engine) as connection:
            ids = connection.execute(
                select(_R.c.id).where(_R.c.deleted_at.is_not(None), _R.c.deleted_at < before)
            ).scalars().all()
            for table in (schema.metrics, schema.latest_metrics, schema.params, schema.tags,
                          schema.artifacts, schema.lineage):
                connection.execute(delete(table).where(table.c.run_id.in_(ids)))
            # Children first, so the parent foreign key never points at a removed row.
            connection.execute(
                update(_R).where(_R.c.parent_id.in_(ids)).values(parent_id=None)
            )
            connection.execute(delete(_R).where(_R.c.id.in_(ids)))
        return list(ids)

    def referenced_digests(self) -> set[str]:
        """Every artifact digest the metadata still points at."""
        digests: set[str] = set()
        with self.engine.connect() as connection:
            for table, column in schema.BLOB_REFERENCES:
                col = table.c[column]
                digests.update(
                    connection.execute(select(col).where(col.is_not(None)).distinct()).scalars()
                )
        return digests

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as connection:
            def count(query: Any) -> int:
                return int(connection.execute(query).scalar() or 0)

            return {
                "experiments": count(select(func.count()).select_from(schema.experiments)),
                "runs": count(select(func.count()).where(_R.c.deleted_at.is_(None))),
                "deleted_runs": count(select(func.count()).where(_R.c.deleted_at.is_not(None))),
                # A deleted run is gone from every listing, whatever its status.
                "running": count(
                    select(func.count()).where(
                        _R.c.status.in_(_ACTIVE), _R.c.deleted_at.is_(None)
                    )
                ),
                "metrics": count(select(func.count()).select_from(schema.metrics)),
                "artifact_files": count(select(func.count()).select_from(schema.artifacts)),
            }


def _record(
    row: Any,
    params: dict[str, str],
    metrics: dict[str, float],
    tags: dict[str, str],
    artifacts: tuple[Artifact, ...],
    lineage: tuple[LineageLink, ...],
    with_details: bool,
) -> Run:
    source = None
    if row.source_type is not None:
        source = Source(
            row.source_type,
            row.source_path,
            row.source_cell if with_details else None,
            row.execution_count,
        )
    git = None
    if row.git_commit is not None:
        git = GitState(row.git_commit, row.git_branch, bool(row.git_dirty),
                       row.git_diff_digest, row.git_remote)
    return Run(
        id=row.id,
        experiment=row.experiment_name,
        name=row.name,
        status=_STATUSES[row.status],
        start_time=row.start_time,
        end_time=row.end_time,
        parent_id=row.parent_id,
        params=params,
        metrics=metrics,
        tags=tags,
        artifacts=artifacts,
        source=source,
        environment_digest=row.environment_digest,
        git=git,
        lineage=lineage,
        error=row.error,
        deleted=row.deleted_at is not None,
        host=row.host,
        pid=row.pid,
    )
