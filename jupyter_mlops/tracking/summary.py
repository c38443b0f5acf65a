"""One run as its card shows it, read back in a single query.

A tracked cell's card is shown after every cell, so its read is paid per cell: the full record
(``Runs.get``) checks the id, then asks six tables one by one, about 0.9 ms on SQLite. The card
needs less (no source, git, environment or lineage), and all of it comes in one ``UNION ALL``
of the run's row, params, tags, latest metrics and artifacts: about 0.1 ms. It is read from the
store, not from what this process logged, so a value written by another process (a pipeline
step attached to the run, the server) shows on the card as it does everywhere else.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, Text, bindparam, cast, literal_column, null, select, union_all

from ..errors import NotFound
from ..records import Artifact, Run, RunStatus

if TYPE_CHECKING:
    from ..store import Store

_STATUSES = {status.value: status for status in RunStatus}


@functools.lru_cache(maxsize=1)
def _query() -> Any:
    """The statement, built once: SQLAlchemy then reuses its compiled form for every card."""
    from ..store import schema

    r, e = schema.runs, schema.experiments
    p, t, lm, a = schema.params, schema.tags, schema.latest_metrics, schema.artifacts
    run_id = bindparam("run_id")
    # Every branch has the same columns: (kind, five texts, two numbers, one integer); a
    # typed NULL fills a column a branch has no value for, as PostgreSQL wants one type each.
    text, number = cast(null(), Text), cast(null(), schema.Double)
    integer = cast(null(), BigInteger)

    def kind(letter: str) -> Any:
        return literal_column(f"'{letter}'", Text)

    return union_all(
        select(kind("r"), r.c.name, e.c.name, r.c.status, r.c.parent_id, r.c.error,
               r.c.start_time, r.c.end_time, integer)
        .join(e, e.c.id == r.c.experiment_id).where(r.c.id == run_id),
        select(kind("p"), p.c.key, p.c.value, text, text, text, number, number, integer)
        .where(p.c.run_id == run_id),
        select(kind("t"), t.c.key, t.c.value, text, text, text, number, number, integer)
        .where(t.c.run_id == run_id),
        select(kind("m"), lm.c.key, text, text, text, text, lm.c.value, number, integer)
        .where(lm.c.run_id == run_id),
        select(kind("a"), a.c.path, a.c.digest, text, text, text, a.c.created_at, number,
               a.c.size)
        .where(a.c.run_id == run_id),
    )


def run_summary(store: Store, run_id: str) -> Run:
    """The run ``run_id`` (a full id) with its params, latest metrics, tags and artifacts.

    Parameters
    ----------
    store:
        The store the run is in.
    run_id:
        The run's full id (no prefix lookup: the caller holds it).

    Returns
    -------
    Run
        Status, name, experiment, times, parent, error, params, latest metrics, tags and
        artifacts as ``Runs.get`` gives them; ``source``, ``git``, ``environment_digest``,
        ``lineage``, ``host`` and ``pid`` are left unset.
    """
    with store.runs.engine.connect() as connection:
        result = connection.execute(_query(), {"run_id": run_id})
        try:
            # Text and float columns need no result processing: the driver's rows will do.
            rows = result.cursor.fetchall()
        finally:
            result.close()
    head = None
    params: dict[str, str] = {}
    tags: dict[str, str] = {}
    metrics: dict[str, float] = {}
    artifacts: list[Artifact] = []
    for kind, key, text, c, d, e, x, y, size in rows:
        if kind == "p":
            params[key] = text
        elif kind == "t":
            tags[key] = text
        elif kind == "m":
            metrics[key] = math.nan if x is None else x  # NaN is stored as NULL
        elif kind == "a":
            artifacts.append(Artifact(key, text, int(size), x))
        else:
            head = (key, text, c, d, e, x, y)
    if head is None:
        raise NotFound(f"No run {run_id}. List runs with `jupyter mlops runs list`.")
    name, experiment, status, parent_id, error, start_time, end_time = head
    artifacts.sort(key=lambda artifact: artifact.path)
    return Run(id=run_id, experiment=experiment, name=name, status=_STATUSES[status],
               start_time=start_time, end_time=end_time, parent_id=parent_id, params=params,
               metrics=metrics, tags=tags, artifacts=tuple(artifacts), error=error)
