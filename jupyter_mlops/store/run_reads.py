"""Reading runs back: id resolution, records with their params, metrics and tags, counts.

``RunReads`` is the read half of ``Runs``; every method returns records, never rows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, func, select

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

SHORT_ID_MIN = 6
SHORT_ID_LENGTH = 8

_ACTIVE = (RunStatus.RUNNING.value,)
_R = schema.runs
_STATUSES = {status.value: status for status in RunStatus}


def short_id(run_id: str) -> str:
    """The form of a run id shown in tables: its random end, unique in practice."""
    return run_id[-SHORT_ID_LENGTH:]


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


def _from_db(value: float | None) -> float:
    return math.nan if value is None else value


# Above this many ids a listing selects them with its own query instead of a literal list (a
# list of 100,000 would overflow SQLite's limit on bound parameters).
MAX_LITERAL_IDS = 5_000


@dataclass
class RunTable:
    """Runs as plain columns, one entry per run in listing order (what a DataFrame is built from).

    ``params``, ``metrics`` and ``tags`` map each key to its column: the value of each run, or
    None where a run has no such key (``math.nan`` for a metric, as for a stored NaN).
    """

    run_id: list[str] = field(default_factory=list)
    experiment: list[str] = field(default_factory=list)
    name: list[str | None] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    start_time: list[float] = field(default_factory=list)
    end_time: list[float | None] = field(default_factory=list)
    parent_id: list[str | None] = field(default_factory=list)
    params: dict[str, list[str | None]] = field(default_factory=dict)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    tags: dict[str, list[str | None]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.run_id)


class RunReads:
    """Queries of runs and experiments; the base that ``Runs`` adds writes to."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- experiments and environments ------------------------------------------------------

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

    def _unknown_experiment(self, name: str) -> str:
        known = [x.name for x in self.experiments()]
        listing = ", ".join(known[:10]) or "none yet"
        return (
            f"Unknown experiment {name!r}. Known experiments: {listing}. "
            "List them with `jupyter mlops experiments list`."
        )

    def environment(self, digest: str) -> Environment:
        t = schema.environments
        with self.engine.connect() as connection:
            row = connection.execute(select(t).where(t.c.digest == digest)).first()
        if row is None:
            raise NotFound(f"No environment with digest {digest}.")
        return Environment(row.digest, row.python, row.platform, json.loads(row.packages))

    # -- one run ---------------------------------------------------------------------------

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

    def artifacts(self, run_id: str) -> list[Artifact]:
        a = schema.artifacts
        query = (
            select(a.c.path, a.c.digest, a.c.size, a.c.created_at)
            .where(a.c.run_id == run_id)
            .order_by(a.c.path)
        )
        with self.engine.connect() as connection:
            return [Artifact(*row) for row in connection.execute(query)]

    # -- many runs -------------------------------------------------------------------------

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

    def search_table(self, **criteria: Any) -> RunTable:
        """The listing columns of the runs ``search_query``'s criteria select, in its order."""
        from .query import search_query
        from .query_pages import search_ids

        with self.engine.connect() as connection:
            # A page sorted by a metric walks that metric's index instead of sorting every run.
            ids = search_ids(connection, **criteria)
            if not ids:
                return RunTable()
            selector = (search_query(**criteria).subquery().select()
                        if len(ids) > MAX_LITERAL_IDS else None)
            return self.table(connection, ids, selector=selector)

    def table(self, connection: Connection, ids: Sequence[str], selector: Any = None) -> RunTable:
        """The listing columns of ``ids``, in their order, read straight from the cursor.

        The same runs, params, latest metrics and tags as ``load`` gives, without building a
        record per run: 10-20x less work for a listing of many runs. ``selector`` is as for
        ``load``.
        """
        run_ids = selector if selector is not None else list(ids)
        e = schema.experiments
        query = select(_R.c.id, e.c.name, _R.c.name, _R.c.status, _R.c.start_time,
                       _R.c.end_time, _R.c.parent_id).join(
            e, e.c.id == _R.c.experiment_id).where(_R.c.id.in_(run_ids))
        rows = _plain_rows(connection, query)
        position = {run_id: i for i, run_id in enumerate(ids)}
        ordered: list[Any] = [None] * len(ids)
        for row in rows:
            at = position.get(row[0])
            if at is not None:
                ordered[at] = row
        if len(rows) != len(ids):  # a run deleted meanwhile: drop it, as ``load`` does
            ordered = [row for row in ordered if row is not None]
            position = {row[0]: i for i, row in enumerate(ordered)}
        out = RunTable()
        if ordered:
            (out.run_id, out.experiment, out.name, out.status, out.start_time, out.end_time,
             out.parent_id) = (list(c) for c in zip(*ordered, strict=True))
        count = len(ordered)
        for attribute, t in (("params", schema.params), ("metrics", schema.latest_metrics),
                             ("tags", schema.tags)):
            columns: dict[str, list[Any]] = getattr(out, attribute)
            is_metric = attribute == "metrics"
            missing = math.nan if is_metric else None
            for run_id, key, value in _plain_rows(
                connection, select(t.c.run_id, t.c.key, t.c.value).where(t.c.run_id.in_(run_ids))
            ):
                column = columns.get(key)
                if column is None:
                    column = columns[key] = [missing] * count
                at = position.get(run_id)
                if at is not None:
                    # A metric stored as NULL is NaN.
                    column[at] = math.nan if value is None and is_metric else value
        return out

    @staticmethod
    def _by_run(connection: Connection, table: Any, run_ids: Any) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        query = select(table.c.run_id, table.c.key, table.c.value).where(
            table.c.run_id.in_(run_ids)
        )
        for run_id, key, value in _plain_rows(connection, query):
            out.setdefault(run_id, {})[key] = value
        return out

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
