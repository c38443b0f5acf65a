"""Tracking: runs, their params, metrics, tags and artifacts, and queries over them."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from ..session import set_workspace
from .files import log_dict, log_figure, log_table, log_text
from .queries import (
    delete_runs,
    experiments,
    get_run,
    metric_history,
    restore_runs,
    runs,
    search_runs,
)
from .run import ActiveRun, active_run, end_run, require_active, start_run


def _active_or_started() -> ActiveRun:
    """The active run; with none, start one and say so once, as MLflow's fluent API does."""
    run = active_run()
    if run is not None:
        return run
    run = start_run()
    print(f"jupyter-mlops: no active run, started run {run.id} ({run.name}); "
          "end it with mlops.end_run().", file=sys.stderr)
    return run


def log_param(key: str, value: Any) -> None:
    """Record a param of the active run (started if there is none)."""
    _active_or_started().log_param(key, value)


def log_params(params: Mapping[str, Any]) -> None:
    """Record several params of the active run (started if there is none)."""
    _active_or_started().log_params(params)


def log_metric(key: str, value: Any, step: int | None = None,
               timestamp: float | None = None) -> None:
    """Record a metric value of the active run (buffered, written within a second).

    With no active run one is started, and a line on stderr says which (as in MLflow).
    """
    _active_or_started().log_metric(key, value, step, timestamp)


def log_metrics(metrics: Mapping[str, Any], step: int | None = None,
                timestamp: float | None = None) -> None:
    """Record several metric values of the active run at one step (started if none)."""
    _active_or_started().log_metrics(metrics, step, timestamp)


def set_tag(key: str, value: Any) -> None:
    """Set a tag of the active run (tags, unlike params, may change)."""
    require_active().set_tag(key, value)


def set_tags(tags: Mapping[str, Any]) -> None:
    require_active().set_tags(tags)


def log_artifact(path: str, artifact_path: str | None = None) -> list[str]:
    """Store a file or folder as artifacts of the active run."""
    return require_active().log_artifact(path, artifact_path)


__all__ = [
    "ActiveRun",
    "active_run",
    "delete_runs",
    "end_run",
    "experiments",
    "get_run",
    "log_artifact",
    "log_dict",
    "log_figure",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_table",
    "log_text",
    "metric_history",
    "restore_runs",
    "runs",
    "search_runs",
    "set_tag",
    "set_tags",
    "set_workspace",
    "start_run",
]
