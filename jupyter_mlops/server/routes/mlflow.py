"""The MLflow tracking server's mount: ``<base_url>/jupyter-mlops/mlflow/`` behind Jupyter's auth.

Point MLflow at it with ``MLFLOW_TRACKING_URI=http://host:8888/jupyter-mlops/mlflow`` and
``MLFLOW_TRACKING_TOKEN=<jupyter token>`` (sent as ``Authorization: Bearer``, which Jupyter
Server accepts like ``token``). The handler only moves bytes: the protocol is
``interop.mlflow_server.handle``. It is outside ``/jupyter-mlops/api/``, so it is not in
``route_table()`` and the OpenAPI document, which describe our own API; MLflow's is MLflow's.
"""

from __future__ import annotations

import asyncio
from typing import Any

import tornado.web
from jupyter_server.base.handlers import APIHandler

from ...interop.mlflow_server import Request, Response, handle

MOUNT = ("jupyter-mlops", "mlflow")


class MlflowHandler(APIHandler):
    """Every MLflow REST call under the mount, one thread hop each."""

    @tornado.web.authenticated
    async def _serve(self, path: str) -> None:
        request = Request(
            method=self.request.method or "GET", path=path,
            query={k: [v.decode("utf-8", "replace") for v in vs]
                   for k, vs in self.request.query_arguments.items()},
            body=self.request.body or b"")
        response: Response = await asyncio.to_thread(handle, request)
        self.set_status(response.status)
        self.set_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.set_header(name, value)
        if response.stream is None:
            self.finish(response.body())
            return
        stream = response.stream
        while True:
            chunk = await asyncio.to_thread(next, stream, None)
            if chunk is None:
                break
            self.write(chunk)
            await self.flush()
        self.finish()

    get = post = put = patch = delete = _serve

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # Jupyter's own refusals (403 without a token) in MLflow's error shape.
        code = {403: "PERMISSION_DENIED", 401: "UNAUTHENTICATED", 404: "ENDPOINT_NOT_FOUND"}
        self.set_header("Content-Type", "application/json")
        self.finish({"error_code": code.get(status_code, "INTERNAL_ERROR"),
                     "message": self._reason})


def setup(web_app: Any) -> None:
    """Register the mount under ``<base_url>/jupyter-mlops/mlflow/``."""
    from jupyter_server.utils import url_path_join

    base = url_path_join(web_app.settings["base_url"], *MOUNT)
    web_app.add_handlers(".*$", [(url_path_join(base, "(.*)"), MlflowHandler)])
