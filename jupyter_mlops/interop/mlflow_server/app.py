"""The standalone MLflow tracking server: a Starlette app over ``handle``, run by uvicorn.

For machines without Jupyter (CI runners): ``jupyter mlops server --port 5000``. It listens
on loopback unless told otherwise; with a token, every call but ``/health`` must carry it
(``Authorization: Bearer <token>``, what ``MLFLOW_TRACKING_TOKEN`` sends, or HTTP basic auth
with the token as password, what ``MLFLOW_TRACKING_PASSWORD`` sends).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from ...errors import MissingDependency
from . import PREFIXES, Request, Response, handle
from .protocol import MAX_ARTIFACT_BYTES, MAX_JSON_BYTES

if TYPE_CHECKING:
    from starlette.applications import Starlette


def _authorized(header: str, token: str) -> bool:
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme in ("bearer", "token"):
        return hmac.compare_digest(value.strip().encode(), token.encode())
    if scheme == "basic":
        try:
            _, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(password.encode(), token.encode())
    return False


def _error(status: int, code: str, message: str) -> Response:
    return Response(status, {"error_code": code, "message": message})


def create_app(token: str | None = None) -> Starlette:
    """The ASGI app; ``token`` (when given) is required on every call but ``/health``."""
    try:
        from starlette.applications import Starlette
        from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
        from starlette.requests import Request as HttpRequest
        from starlette.responses import PlainTextResponse, StreamingResponse
        from starlette.responses import Response as HttpResponse
        from starlette.routing import Route
    except ImportError as exc:  # pragma: no cover - both are dependencies
        raise MissingDependency("The MLflow server needs Starlette and uvicorn: pip install "
                                "starlette 'uvicorn[standard]'.") from exc

    def render(response: Response) -> HttpResponse:
        if response.stream is not None:
            stream: AsyncIterator[bytes] = iterate_in_threadpool(response.stream)
            return StreamingResponse(stream, status_code=response.status,
                                     media_type=response.content_type,
                                     headers=response.headers)
        return HttpResponse(response.body(), status_code=response.status,
                            media_type=response.content_type, headers=response.headers)

    async def health(_: HttpRequest) -> PlainTextResponse:
        return PlainTextResponse("OK")

    async def version(_: HttpRequest) -> PlainTextResponse:
        from ..._version import __version__

        return PlainTextResponse(__version__)

    async def api(http: HttpRequest) -> HttpResponse:
        if token is not None and not _authorized(http.headers.get("authorization", ""), token):
            return render(_error(403, "PERMISSION_DENIED",
                                 "Missing or wrong token: set MLFLOW_TRACKING_TOKEN to the "
                                 "token the server was started with."))
        path = http.url.path.lstrip("/")
        if not path.startswith(PREFIXES):
            return render(_error(404, "ENDPOINT_NOT_FOUND",
                                 f"No MLflow endpoint /{path} on this server."))
        limit = MAX_ARTIFACT_BYTES if http.method == "PUT" else MAX_JSON_BYTES
        declared = http.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return render(_error(413, "INVALID_PARAMETER_VALUE",
                                 f"The request body is larger than {limit} bytes."))
        chunks, size = [], 0
        async for chunk in http.stream():
            size += len(chunk)
            if size > limit:
                return render(_error(413, "INVALID_PARAMETER_VALUE",
                                     f"The request body is larger than {limit} bytes."))
            chunks.append(chunk)
        query: dict[str, list[str]] = {}
        for key, value in http.query_params.multi_items():
            query.setdefault(key, []).append(value)
        request = Request(http.method, path, query, b"".join(chunks))
        return render(await run_in_threadpool(handle, request))

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return Starlette(routes=[
        Route("/health", health, methods=["GET"]),
        Route("/version", version, methods=["GET"]),
        Route("/{path:path}", api, methods=methods),
    ])


def serve(host: str = "127.0.0.1", port: int = 5000, token: str | None = None,
          on_ready: Any = None) -> None:
    """Serve the MLflow REST API over the current workspace until interrupted."""
    try:
        import uvicorn
    except ImportError as exc:  # pragma: no cover - a dependency
        raise MissingDependency("The MLflow server needs uvicorn: pip install "
                                "'uvicorn[standard]'.") from exc
    from ...session import current

    current()  # a folder with no workspace fails here, before anything listens
    app = create_app(token)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            lifespan="off")
    server = uvicorn.Server(config)
    if on_ready is not None:
        on_ready()
    server.run()
