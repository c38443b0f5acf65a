"""An MLflow-compatible tracking server over the workspace: MLflow clients log into it unchanged.

``handle(Request) -> Response`` answers the REST calls an MLflow 3 client session makes (under
``/api/2.0/mlflow/`` and the proxied artifacts under ``/api/2.0/mlflow-artifacts/``) from our
run store, registry and artifact store. The two faces that serve it stay thin: the Jupyter
Server mount under ``/jupyter-mlops/mlflow/`` (``server/routes/mlflow.py``) and the standalone
``jupyter mlops server`` (``cli/server.py``). Modules: ``protocol`` (the wire, errors, limits),
``ids`` (id mapping), ``search`` (filter translation), ``experiments``, ``runs``, ``logged_models``,
``registry``, ``artifacts``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from .protocol import MlflowError, Request, Response, error_response

__all__ = ["PREFIXES", "Request", "Response", "handle"]

API = "api/2.0/mlflow/"
ARTIFACTS = "api/2.0/mlflow-artifacts/artifacts"
PREFIXES = ("api/2.0/mlflow/", "ajax-api/2.0/mlflow/", "api/2.0/mlflow-artifacts/",
            "ajax-api/2.0/mlflow-artifacts/")

_log = logging.getLogger(__name__)
Endpoint = Callable[[Request], Response]


def _table() -> list[tuple[str, re.Pattern[str], Endpoint]]:
    from . import artifacts, experiments, logged_models, registry, runs

    plain: dict[tuple[str, str], Endpoint] = {
        ("POST", "experiments/create"): experiments.create_experiment,
        ("GET", "experiments/get"): experiments.get_experiment,
        ("GET", "experiments/get-by-name"): experiments.get_experiment_by_name,
        ("POST", "experiments/search"): experiments.search_experiments,
        ("GET", "experiments/search"): experiments.search_experiments,
        ("POST", "runs/create"): runs.create_run,
        ("GET", "runs/get"): runs.get_run,
        ("POST", "runs/update"): runs.update_run,
        ("POST", "runs/delete"): runs.delete_run,
        ("POST", "runs/restore"): runs.restore_run,
        ("POST", "runs/search"): runs.search_runs,
        ("POST", "runs/log-batch"): runs.log_batch,
        ("POST", "runs/log-metric"): runs.log_metric,
        ("POST", "runs/log-parameter"): runs.log_param,
        ("POST", "runs/set-tag"): runs.set_tag,
        ("POST", "runs/delete-tag"): runs.delete_tag,
        ("POST", "runs/log-inputs"): runs.log_inputs,
        ("POST", "runs/outputs"): runs.log_outputs,
        ("GET", "metrics/get-history"): runs.metric_history,
        ("POST", "logged-models"): logged_models.create,
        ("POST", "logged-models/search"): logged_models.search,
        ("POST", "registered-models/create"): registry.create_model,
        ("GET", "registered-models/get"): registry.get_model,
        ("GET", "registered-models/search"): registry.search_models,
        ("POST", "registered-models/alias"): registry.set_alias,
        ("GET", "registered-models/alias"): registry.get_by_alias,
        ("DELETE", "registered-models/alias"): registry.delete_alias,
        ("POST", "model-versions/create"): registry.create_version,
        ("GET", "model-versions/get"): registry.get_version,
        ("GET", "model-versions/search"): registry.search_versions,
        ("GET", "model-versions/get-download-uri"): registry.download_uri,
        ("GET", "artifacts/list"): artifacts.list_run_artifacts,
    }
    table = [(method, re.compile(re.escape(API + path) + "$"), endpoint)
             for (method, path), endpoint in plain.items()]
    model = API + r"logged-models/(?P<model_id>m-[0-9a-f]{32})"
    table += [
        ("GET", re.compile(model + "$"), logged_models.get),
        ("PATCH", re.compile(model + "$"), logged_models.finalize),
        ("PATCH", re.compile(model + "/tags$"), logged_models.set_tags),
        ("DELETE", re.compile(model + "/tags/(?P<key>.+)$"), logged_models.delete_tag),
        ("POST", re.compile(model + "/params$"), logged_models.log_params),
        ("GET", re.compile(re.escape(ARTIFACTS) + "$"), artifacts.listing),
        ("GET", re.compile(re.escape(ARTIFACTS) + "/(?P<path>.+)$"), artifacts.download),
        ("PUT", re.compile(re.escape(ARTIFACTS) + "/(?P<path>.+)$"), artifacts.upload),
    ]
    return table


_TABLE: list[tuple[str, re.Pattern[str], Endpoint]] = []


def handle(request: Request) -> Response:
    """Answer one MLflow REST request; every error in MLflow's shape, none as a traceback."""
    if not _TABLE:
        _TABLE.extend(_table())
    path = request.path.lstrip("/")
    if path.startswith("ajax-"):  # MLflow's UI prefix for the same calls
        path = path[len("ajax-"):]
    try:
        allowed = []
        for method, pattern, endpoint in _TABLE:
            match = pattern.match(path)
            if match is None:
                continue
            if method != request.method:
                allowed.append(method)
                continue
            request.path = path
            request.match = match.groupdict()
            return endpoint(request)
        if allowed:
            return Response(405, {"error_code": "BAD_REQUEST", "message":
                                  f"Method {request.method} is not allowed for {path}; "
                                  f"use {', '.join(sorted(set(allowed)))}."})
        raise MlflowError("ENDPOINT_NOT_FOUND",
                          f"No MLflow endpoint {request.method} /{path} on this server.")
    except Exception as exc:
        response = error_response(exc)
        if response.status >= 500:
            _log.exception("MLflow call %s /%s failed", request.method, path)
        return response
