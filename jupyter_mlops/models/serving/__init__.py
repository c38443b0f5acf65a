"""Serving a registered model over HTTP: MLflow's scoring protocol on Starlette and uvicorn.

``create_app(uri)`` builds the ASGI app (``/invocations``, ``/health``, ``/ping``,
``/version``); ``serve(uri, port=...)`` runs it; ``BackgroundServer`` runs it in a thread on a
free port (tests, notebooks, benchmarks). Requests and predictions are logged to the store in
batches by a background thread, and an alias that moves is followed without a restart.
"""

from __future__ import annotations

from .app import create_app
from .server import BackgroundServer, serve

__all__ = ["BackgroundServer", "create_app", "serve"]
