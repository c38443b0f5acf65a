"""Runs and experiments: ``info``, ``experiments``, ``runs``, ``runs/{id}`` and metrics."""

from __future__ import annotations

import tornado.web

from ...maintenance import info
from ...tracking import queries, run_views
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
        self.reply(await self.call(run_views.runs_page, experiments, query, order_by, limit,
                                   offset, deleted))


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


class RunViewHandler(MlopsHandler):
    """The Run view's payload: the run, its environment, diff, children and models."""

    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        view = await self.call(run_views.run_view, run_id)
        source = view["run"].get("source") or {}
        root = self.settings.get("server_root_dir") or self.contents_manager.root_dir
        view["notebook"] = (run_views.notebook_location(source.get("path"), root)
                            if source.get("type") == "notebook" else None)
        self.reply(view)


class HistoriesHandler(MlopsHandler):
    """A run's metric histories (all, or those ``key`` names), downsampled on the server."""

    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        keys = self.get_arguments("key") or None
        max_points = self.int_argument("max_points", 400, 4, 10_000)
        self.reply(await self.call(run_views.metric_histories, run_id, keys, max_points))


class CompareHandler(MlopsHandler):
    """2-20 runs (``id`` repeated) with their downsampled histories: all of them, those ``key``
    (repeated) names, or none with ``histories=false``."""

    @tornado.web.authenticated
    async def get(self) -> None:
        ids = self.get_arguments("id")
        keys = self.get_arguments("key") or None
        max_points = self.int_argument("max_points", 400, 4, 10_000)
        # Histories are on unless refused: the route answered with all of them before.
        histories = "histories" not in self.request.arguments or self.bool_argument("histories")
        self.reply(await self.call(run_views.compare_view, ids, max_points, keys, histories))


class PreviewHandler(MlopsHandler):
    """A bounded preview of one artifact: text, table head, plotly figure, notebook cells."""

    @tornado.web.authenticated
    async def get(self, run_id: str, path: str) -> None:
        self.reply(await self.call(run_views.artifact_preview, run_id, path))


ROUTES: list[tuple[str, type[MlopsHandler]]] = [
    ("info", InfoHandler),
    ("experiments", ExperimentsHandler),
    ("runs", RunsHandler),
    (f"runs/{RUN_ID}", RunHandler),
    (f"runs/{RUN_ID}/metrics/(?P<key>.+)", MetricHandler),
    ("compare", CompareHandler),
    (f"runs/{RUN_ID}/view", RunViewHandler),
    (f"runs/{RUN_ID}/histories", HistoriesHandler),
    (f"runs/{RUN_ID}/preview/(?P<path>.+)", PreviewHandler),
]
