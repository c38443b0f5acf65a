"""The scoring app: MLflow's ``/invocations`` protocol plus ``/health``, ``/ping``, ``/version``,
and the Open Inference Protocol's ``/v2/...`` (``oip.py``, with its own error shape).

Errors share one JSON shape, ``{"error_code": ..., "message": ..., "reasons": [...]}``: 400 for
a body that is not one of the accepted forms, 415 for another content type, 422 for input
that does not fit the signature (``reasons`` lists each missing or mistyped column) or that
the model rejects, 500 for a model that fails otherwise. Every answer carries the version that
gave it in ``X-Model-Version``. Small requests are predicted on the event loop (a thread hop
costs more than the prediction); large ones in the thread pool.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from ...errors import MissingDependency
from ..flavors import Trust
from ..signature import SignatureMismatch
from .fastpath import prepared as numeric_prepared
from .holder import ModelHolder
from .payload import MalformedRequest, NumericRows, parse
from .predlog import MAX_ROWS, PredictionLogger
from .wire import MAX_BODY, THREADPOOL_BYTES, THREADPOOL_ROWS, TooLarge, listed, read_body

if TYPE_CHECKING:
    from starlette.applications import Starlette

log = logging.getLogger("jupyter_mlops.serving")

def _starlette() -> None:
    try:
        import starlette  # noqa: F401
    except ImportError as exc:
        raise MissingDependency(
            "Serving models needs Starlette and uvicorn: pip install starlette 'uvicorn[standard]'."
        ) from exc


def create_app(
    uri: str,
    trust: Trust = False,
    log_predictions: bool = True,
    sample: float = 1.0,
    poll_interval: float = 5.0,
    batch_size: int = 1000,
    flush_interval: float = 1.0,
    max_body: int = MAX_BODY,
    log_max_rows: int = MAX_ROWS,
) -> Starlette:
    """The ASGI app serving ``uri``.

    Parameters
    ----------
    uri:
        ``churn@champion`` (followed as the alias moves), ``churn`` (the newest READY
        version, followed), ``churn/3`` (fixed) or ``runs:/<run id>/model``.
    trust:
        What to trust when loading (True is needed for pickled python-flavor models).
    log_predictions:
        Write requests and predictions to the store's prediction log.
    sample:
        Share of requests logged, 0 to 1.
    poll_interval:
        Seconds between checks of the alias.
    batch_size, flush_interval:
        The prediction log writes at most this many requests per transaction, at least
        every ``flush_interval`` seconds.
    max_body:
        The largest request body accepted, in bytes; a larger one is a 413 before parsing.
    log_max_rows:
        The prediction log keeps at most this many rows of one request: a uniform random
        sample of a larger one, marked as sampled.

    Returns
    -------
    starlette.applications.Starlette
    """
    _starlette()
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from ...session import current

    holder = ModelHolder(uri, trust, poll_interval)
    logger = None
    if log_predictions:
        logger = PredictionLogger(current().store.registry, holder.name, sample, batch_size,
                                  flush_interval, max_rows=log_max_rows)

    def error(status: int, code: str, message: str, reasons: list[str] | None = None,
              version: Any = None) -> Response:
        body = {"error_code": code, "message": message, "reasons": reasons or []}
        headers = {} if version is None else {"X-Model-Version": str(version)}
        return Response(json.dumps(body), status, headers, "application/json")

    def parsed(model: Any, fast: Any, body: bytes, content_type: str | None,
               warnings: list[str]) -> tuple[Any, Any]:
        data = parse(body, content_type, model.signature, warnings)
        if isinstance(data, NumericRows):
            return numeric_prepared(model, fast, data), data
        columns = getattr(data, "columns", None)
        if columns is not None and len(set(columns)) != len(columns):
            twice = sorted({str(c) for c in columns if list(columns).count(c) > 1})
            raise MalformedRequest(f"Column names must be unique; given more than once: "
                                   f"{', '.join(twice)}.")
        prepared = model.prepare(data)
        return prepared, prepared

    async def invocations(request: Request) -> Response:
        model, fast = holder.active
        try:
            body = await read_body(request, max_body)
        except TooLarge:
            return error(413, "REQUEST_TOO_LARGE",
                         f"The request body is larger than {max_body} bytes; send fewer rows "
                         "per request or start the server with a larger --max-body.",
                         version=model.version)
        content_type = request.headers.get("content-type")
        warnings: list[str] = []
        try:
            if len(body) > THREADPOOL_BYTES:
                prepared, logged = await run_in_threadpool(parsed, model, fast, body,
                                                           content_type, warnings)
            else:
                prepared, logged = parsed(model, fast, body, content_type, warnings)
        except MalformedRequest as exc:
            code, status = (("UNSUPPORTED_MEDIA_TYPE", 415) if "content type" in str(exc)
                            else ("MALFORMED_REQUEST", 400))
            return error(status, code, str(exc), version=model.version)
        except SignatureMismatch as exc:
            return error(422, "INVALID_INPUT", str(exc), exc.problems, model.version)
        except RecursionError:
            return error(400, "MALFORMED_REQUEST", "The body is nested too deeply to be a "
                         "table; send records or columns of plain values.",
                         version=model.version)
        except (ValueError, TypeError, OverflowError) as exc:
            # Huge integers, duplicate column names and the like: the client's body, said so.
            return error(400, "MALFORMED_REQUEST", f"The body cannot be read as a table: {exc}",
                         [str(exc)], model.version)
        predict = model.predict_prepared
        try:
            if len(prepared) > THREADPOOL_ROWS:
                output = await run_in_threadpool(predict, prepared)
            else:
                output = predict(prepared)
        except (ValueError, TypeError) as exc:
            # The model itself refused the values (NaN where it needs numbers, an unknown
            # category): the client's input, not a server fault.
            return error(422, "INVALID_INPUT", f"{model.label} rejected the input: {exc}",
                         [str(exc)], model.version)
        except Exception as exc:
            log.exception("%s failed to predict", model.label)
            return error(500, "PREDICTION_FAILED", f"{model.label} failed: {exc}",
                         version=model.version)
        predictions = json.dumps(listed(output))
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        if logger is not None:
            logger.record(model.version or 0, logged, predictions, request_id[:32])
        headers = {"X-Model-Version": str(model.version), "X-Request-ID": request_id}
        if warnings:
            # RFC 7234's "miscellaneous persistent warning"; MLflow only logs it.
            text = "; ".join(warnings).encode("ascii", "replace").decode().replace('"', "'")
            headers["Warning"] = f'299 jupyter-mlops "{text[:1000]}"'
        return Response('{"predictions": ' + predictions + "}", 200, headers,
                        "application/json")

    async def health(request: Request) -> Response:
        status = {"status": "ok", "model": holder.name, "version": holder.current.version}
        if logger is not None:
            status["prediction_log"] = {"pending": logger.pending, "logged": logger.logged,
                                        "dropped": logger.dropped,
                                        "sampled": logger.sampled,
                                        "failures": logger.failures}
        if holder.last_error:
            status["warning"] = holder.last_error
        return Response(json.dumps(status), 200, media_type="application/json")

    async def ping(request: Request) -> Response:
        return Response("\n", 200, media_type="application/json")

    async def version(request: Request) -> Response:
        from ..._version import __version__

        return Response(json.dumps({**holder.describe(), "jupyter_mlops": __version__}), 200,
                        media_type="application/json")

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        holder.start()
        if logger is not None:
            logger.start()
        try:
            yield
        finally:
            holder.stop()
            if logger is not None:
                logger.close()

    from . import oip

    app = Starlette(routes=[
        *oip.routes(holder, logger, max_body),
        Route("/invocations", invocations, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/ping", ping, methods=["GET"]),
        Route("/version", version, methods=["GET"]),
    ], lifespan=lifespan)
    app.state.holder = holder
    app.state.prediction_log = logger
    return app
