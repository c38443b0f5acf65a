"""REST handlers: thin, authenticated, validated; one JSON error shape for every failure.

Each handler parses its input, calls one capability function in a worker thread (the store is
synchronous, the server is not), and writes JSON. Errors become
``{"error": {"type": ..., "message": ..., "status": ...}}`` with a fitting status code.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from typing import Any

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from .. import errors
from ..tracking import queries
from ..tracking.maintenance import info

RUN_ID = r"(?P<run_id>[0-9a-fA-F]{6,32})"
MAX_LIMIT = 1000
CHUNK = 1024 * 1024
_STATUS: list[tuple[type[BaseException], int]] = [
    (errors.NotFound, 404),
    (errors.QuerySyntaxError, 400),
    (errors.InvalidInput, 400),
    (errors.Conflict, 409),
    (errors.AlreadyExists, 409),
    (errors.IntegrityError, 500),
    (errors.SchemaOutOfDate, 500),
    (errors.MissingDependency, 501),
    (errors.MlopsError, 500),
]


def to_json(value: Any) -> Any:
    """Records to JSON-ready values; non-finite floats as the strings NaN/Infinity/-Infinity."""
    if is_dataclass(value) and not isinstance(value, type):
        return to_json(asdict(value))
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if hasattr(value, "value") and type(value).__module__.endswith("records"):
        return value.value  # RunStatus and other enums
    return value


class MlopsHandler(APIHandler):
    """Base of every route: the error shape and the thread hop."""

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, tornado.web.HTTPError):
            kind, message = "HTTPError", exc.log_message or self._reason
        elif (exc is not None and status_code < 500) or isinstance(exc, errors.MlopsError):
            kind, message = type(exc).__name__, str(exc)
        else:
            kind, message = "ServerError", "Internal error; see the server log."
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": {"type": kind, "message": message,
                                          "status": status_code}}))

    async def call(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a capability in a thread, turning its errors into HTTP statuses."""
        try:
            return await asyncio.to_thread(func, *args, **kwargs)
        except Exception as exc:
            for kind, status in _STATUS:
                if isinstance(exc, kind):
                    self.send_error(status, exc_info=(type(exc), exc, exc.__traceback__))
                    raise tornado.web.Finish() from exc
            raise

    def reply(self, payload: Any) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(to_json(payload), allow_nan=False))

    def int_argument(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.get_argument(name, None)
        if raw is None:
            return default
        if not re.fullmatch(r"\d{1,9}", raw) or not low <= int(raw) <= high:
            raise tornado.web.HTTPError(400, f"{name} must be an integer from {low} to {high}")
        return int(raw)

    def bool_argument(self, name: str) -> bool:
        raw = self.get_argument(name, "false").lower()
        if raw not in ("true", "false", "1", "0"):
            raise tornado.web.HTTPError(400, f"{name} must be true or false")
        return raw in ("true", "1")


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
        runs = await self.call(
            queries.search_runs, experiments, query, order_by, limit, offset, deleted
        )
        total = await self.call(queries.count_runs, experiments, query, deleted)
        self.reply({"runs": [_summary(r) for r in runs], "total": total, "offset": offset,
                    "limit": limit})


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
]

# Registry, dataset and drift routes; imported last because they build on MlopsHandler.
from .feature_handlers import FEATURE_ROUTES  # noqa: E402

ROUTES += FEATURE_ROUTES


def setup_handlers(web_app: Any) -> None:
    base = url_path_join(web_app.settings["base_url"], "jupyter-mlops", "api")
    web_app.add_handlers(
        ".*$", [(url_path_join(base, pattern), handler) for pattern, handler in ROUTES]
    )
