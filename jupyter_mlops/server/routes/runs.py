"""Runs and experiments: ``info``, ``experiments``, ``runs``, ``runs/{id}`` and metrics."""

from __future__ import annotations

import concurrent.futures
from typing import Any

import tornado.web

from ...tracking import queries
from ...tracking.maintenance import info
from ..base import MAX_LIMIT, RUN_ID, MlopsHandler


class InfoHandler(MlopsHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        from ..._version import __version__

        payload = await self.call(info)
        self.reply({**payload, "version": __version__})


class ExperimentsHandler(MlopsHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply({"experiments": await self.call(queries.experiments)})


class RunsHandler(MlopsHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        experiments = self.get_arguments("experiment") or None
        query = self.get_argument("filter", "") or None
        order_by = self.get_arguments("order_by")
        limit = self.int_argument("limit", 50, 1, MAX_LIMIT)
        offset = self.int_argument("offset", 0, 0, 10**9)
        deleted = self.bool_argument("deleted")
        runs, total = await self.call(
            page_and_total, experiments, query, order_by, limit, offset, deleted
        )
        self.reply({"runs": [_summary(r) for r in runs], "total": total, "offset": offset,
                    "limit": limit})


_counter = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="mlops-count")


def page_and_total(experiments: list[str] | None, query: str | None, order_by: list[str],
                   limit: int, offset: int, deleted: bool) -> tuple[list[Any], int]:
    """One page of runs and how many match in all, the two queries side by side.

    The count walks every match while the page stops after ``limit``; on separate connections
    (SQLite in WAL mode reads concurrently) the page costs nothing on top of the count.
    """
    total = _counter.submit(queries.count_runs, experiments, query, deleted)
    try:
        runs = queries.search_runs(experiments, query, order_by, limit, offset, deleted)
    except BaseException:
        concurrent.futures.wait([total])  # no count outlives its request
        raise
    return runs, total.result()


def _summary(run: Any) -> dict[str, Any]:
    return {
        "id": run.id, "experiment": run.experiment, "name": run.name,
        "status": run.status.value, "start_time": run.start_time, "end_time": run.end_time,
        "parent_id": run.parent_id, "params": run.params, "metrics": run.metrics,
        "tags": run.tags,
        # A cached pipeline step: the run whose outputs (and metrics) it reused.
        "cached_from": run.tags.get("mlops.cached_from"),
    }


class RunHandler(MlopsHandler):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        run = await self.call(queries.get_run, run_id)
        self.reply({"run": run})


class MetricHandler(MlopsHandler):
    @tornado.web.authenticated
    async def get(self, run_id: str, key: str) -> None:
        max_points = self.int_argument("max_points", 1000, 2, 100_000)
        self.reply(await self.call(queries.metric_points, run_id, key, max_points))


ROUTES: list[tuple[str, type[MlopsHandler]]] = [
    ("info", InfoHandler),
    ("experiments", ExperimentsHandler),
    ("runs", RunsHandler),
    (f"runs/{RUN_ID}", RunHandler),
    (f"runs/{RUN_ID}/metrics/(?P<key>.+)", MetricHandler),
]
