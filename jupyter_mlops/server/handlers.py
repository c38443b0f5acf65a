"""REST handlers of runs and experiments, and the route table of the whole API.

Each handler parses its input, calls one capability function in a worker thread (the store is
synchronous, the server is not), and writes JSON; errors take the one shape of ``base``.
The registry, dataset and drift routes live in ``feature_handlers``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
from typing import Any

import tornado.web
from jupyter_server.utils import url_path_join

from .. import errors
from ..tracking import queries
from ..tracking.maintenance import info
from .base import MlopsHandler
from .feature_handlers import FEATURE_ROUTES

RUN_ID = r"(?P<run_id>[0-9a-fA-F]{6,32})"
MAX_LIMIT = 1000
CHUNK = 1024 * 1024


class InfoHandler(MlopsHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        from .. import __version__

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


class ArtifactHandler(MlopsHandler):
    """Streams one recorded artifact file; only paths the run recorded resolve."""

    @tornado.web.authenticated
    async def get(self, run_id: str, path: str) -> None:
        artifact, stream = await self.call(queries.open_artifact, run_id, path)
        name = path.rsplit("/", 1)[-1]
        self.set_header("Content-Type", _content_type(name))
        self.set_header("Content-Length", str(artifact.size))
        self.set_header("Content-Disposition", f'inline; filename="{_quote(name)}"')
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Security-Policy", "sandbox")
        self.set_header("ETag", f'"{artifact.digest}"')
        try:
            while True:
                chunk = await asyncio.to_thread(stream.read, CHUNK)
                if not chunk:
                    break
                self.write(chunk)
                await self.flush()
        except errors.IntegrityError:
            self.log.error("jupyter-mlops: artifact %s is corrupt", artifact.digest)
            raise tornado.web.HTTPError(500, "corrupt artifact") from None
        finally:
            stream.close()
        self.finish()


def _content_type(name: str) -> str:
    import mimetypes

    guessed, _ = mimetypes.guess_type(name)
    # Never let an artifact run as a page of the Jupyter origin.
    if guessed is None or guessed in ("text/html", "application/xhtml+xml", "image/svg+xml"):
        return "application/octet-stream"
    return guessed


def _quote(name: str) -> str:
    return re.sub(r'["\\\r\n]', "_", name)


ROUTES: list[tuple[str, type[MlopsHandler]]] = [
    ("info", InfoHandler),
    ("experiments", ExperimentsHandler),
    ("runs", RunsHandler),
    (f"runs/{RUN_ID}", RunHandler),
    (f"runs/{RUN_ID}/metrics/(?P<key>.+)", MetricHandler),
    (f"runs/{RUN_ID}/artifacts/(?P<path>.+)", ArtifactHandler),
    *FEATURE_ROUTES,
]


def setup_handlers(web_app: Any) -> None:
    base = url_path_join(web_app.settings["base_url"], "jupyter-mlops", "api")
    web_app.add_handlers(
        ".*$", [(url_path_join(base, pattern), handler) for pattern, handler in ROUTES]
    )
