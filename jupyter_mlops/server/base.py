"""The base of every REST handler: one JSON error shape, the thread hop, argument parsing.

Errors become ``{"error": {"type": ..., "message": ..., "status": ...}}`` with a fitting status
code: the package's exceptions by ``_STATUS``, Tornado's ``HTTPError`` with its own status, and
anything else as a 500 that names no internals.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

import tornado.web
from jupyter_server.base.handlers import APIHandler

from .. import errors
from ..jsonable import jsonable

RUN_ID = r"(?P<run_id>[0-9a-fA-F]{6,32})"
NAME = r"(?P<name>[^/]+)"
ALIAS = r"(?P<alias>[^/]+)"
MAX_LIMIT = 1000
MAX_VERSION = 10**9

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


class MlopsHandler(APIHandler):
    """Base of every route: the error shape and the thread hop."""

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, tornado.web.HTTPError):
            kind, message = "HTTPError", exc.log_message or self._reason
        elif isinstance(exc, errors.QuerySyntaxError):
            # Its first line names the token and position; the caret lines after it would echo
            # the whole filter back (a 500-deep one is a kilobyte of parentheses).
            kind, message = type(exc).__name__, str(exc).splitlines()[0]
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
        self.finish(json.dumps(jsonable(payload), allow_nan=False))

    def int_argument(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.get_argument(name, None)
        if raw is None:
            return default
        # As many digits as the bound has (10**9 has ten), so no huge number is ever parsed.
        if not re.fullmatch(rf"\d{{1,{len(str(high))}}}", raw) or not low <= int(raw) <= high:
            raise tornado.web.HTTPError(400, f"{name} must be an integer from {low} to {high}")
        return int(raw)

    def bool_argument(self, name: str) -> bool:
        raw = self.get_argument(name, "false").lower()
        if raw not in ("true", "false", "1", "0"):
            raise tornado.web.HTTPError(400, f"{name} must be true or false")
        return raw in ("true", "1")


class UnknownRoute(MlopsHandler):
    """Any path under the API that no route matches: the JSON error, not Jupyter's HTML page.

    Registered after every route (``routes.setup_handlers``), behind the same authentication,
    so a client that mistypes a path reads the error shape the spec documents.
    """

    @tornado.web.authenticated
    def _unknown(self, path: str) -> None:
        raise tornado.web.HTTPError(404, f"No API route {path!r}; the routes are listed in "
                                         "jupyter_mlops/server/openapi.yaml.")

    get = post = put = delete = patch = _unknown
