"""jupyter-mlops: the machine-learning lifecycle from the notebook.

``import jupyter_mlops as mlops`` is cheap: every name below is imported on first use, so
neither SQLAlchemy, pandas nor anything heavy loads until a run starts or a query runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._lazy import lazy_exports
from ._version import __version__

# name -> module that defines it
_EXPORTS: dict[str, str] = {
    "ActiveRun": "jupyter_mlops.tracking.run",
    "MlopsError": "jupyter_mlops.errors",
    "Run": "jupyter_mlops.records",
    "RunStatus": "jupyter_mlops.records",
    "active_run": "jupyter_mlops.tracking.run",
    "alert": "jupyter_mlops.monitor.alerts",
    "alert_history": "jupyter_mlops.monitor.alerts",
    "alerts": "jupyter_mlops.monitor.alerts",
    "audit_log": "jupyter_mlops.models.tables",
    "check": "jupyter_mlops.data.anomalies",
    "check_alerts": "jupyter_mlops.monitor.alerts",
    "checkout": "jupyter_mlops.data.versions",
    "dataset_versions": "jupyter_mlops.data.queries",
    "datasets": "jupyter_mlops.data.queries",
    "delete_alias": "jupyter_mlops.models.registry",
    "delete_runs": "jupyter_mlops.tracking.queries",
    "diff_data": "jupyter_mlops.data.queries",
    "drift_report": "jupyter_mlops.monitor.drift",
    "end_run": "jupyter_mlops.tracking.run",
    "estimate_performance": "jupyter_mlops.monitor.estimate",
    "evaluate": "jupyter_mlops.evaluate.evaluation",
    "evaluations": "jupyter_mlops.evaluate.saved",
    "experiments": "jupyter_mlops.tracking.queries",
    "export_mlflow": "jupyter_mlops.interop.mlflow_export",
    "features": "jupyter_mlops.data.features",
    "gc": "jupyter_mlops.maintenance",
    "get_run": "jupyter_mlops.tracking.queries",
    "import_mlflow": "jupyter_mlops.interop.mlflow_import",
    "infer_schema": "jupyter_mlops.data.schemas",
    "info": "jupyter_mlops.maintenance",
    "load_data": "jupyter_mlops.data.versions",
    "load_model": "jupyter_mlops.models.registry",
    "log_artifact": "jupyter_mlops.tracking",
    "log_dict": "jupyter_mlops.tracking.files",
    "log_figure": "jupyter_mlops.tracking.files",
    "log_metric": "jupyter_mlops.tracking",
    "log_metrics": "jupyter_mlops.tracking",
    "log_model": "jupyter_mlops.models.logging",
    "log_param": "jupyter_mlops.tracking",
    "log_params": "jupyter_mlops.tracking",
    "log_table": "jupyter_mlops.tracking.files",
    "log_text": "jupyter_mlops.tracking.files",
    "metric_history": "jupyter_mlops.tracking.queries",
    "model_card": "jupyter_mlops.models.card",
    "model_versions": "jupyter_mlops.models.tables",
    "performance_report": "jupyter_mlops.monitor.performance",
    "predictions": "jupyter_mlops.models.tables",
    "promote": "jupyter_mlops.models.registry",
    "register_model": "jupyter_mlops.models.registry",
    "remove_alert": "jupyter_mlops.monitor.alerts",
    "replay": "jupyter_mlops.evaluate.replay",
    "reproduce": "jupyter_mlops.pipeline.reproduce",
    "restore_runs": "jupyter_mlops.tracking.queries",
    "run_pipeline": "jupyter_mlops.pipeline.runner",
    "runs": "jupyter_mlops.tracking.queries",
    "search_runs": "jupyter_mlops.tracking.queries",
    "set_alias": "jupyter_mlops.models.registry",
    "set_tag": "jupyter_mlops.tracking",
    "set_tags": "jupyter_mlops.tracking",
    "set_version_status": "jupyter_mlops.models.registry",
    "set_workspace": "jupyter_mlops.session",
    "skew_report": "jupyter_mlops.monitor.skew",
    "start_run": "jupyter_mlops.tracking.run",
    "sweep": "jupyter_mlops.sweep.core",
    "upstream": "jupyter_mlops.pipeline.upstream",
    "validate": "jupyter_mlops.data.schemas",
    "version_data": "jupyter_mlops.data.versions",
}

__all__ = [
    "ActiveRun",
    "MlopsError",
    "Run",
    "RunStatus",
    "__version__",
    "active_run",
    "alert",
    "alert_history",
    "alerts",
    "audit_log",
    "check",
    "check_alerts",
    "checkout",
    "dataset_versions",
    "datasets",
    "delete_alias",
    "delete_runs",
    "diff_data",
    "drift_report",
    "end_run",
    "estimate_performance",
    "evaluate",
    "evaluations",
    "experiments",
    "export_mlflow",
    "features",
    "gc",
    "get_run",
    "import_mlflow",
    "infer_schema",
    "info",
    "load_data",
    "load_model",
    "log_artifact",
    "log_dict",
    "log_figure",
    "log_metric",
    "log_metrics",
    "log_model",
    "log_param",
    "log_params",
    "log_table",
    "log_text",
    "metric_history",
    "model_card",
    "model_versions",
    "performance_report",
    "predictions",
    "promote",
    "register_model",
    "remove_alert",
    "replay",
    "reproduce",
    "restore_runs",
    "run_pipeline",
    "runs",
    "search_runs",
    "set_alias",
    "set_tag",
    "set_tags",
    "set_version_status",
    "set_workspace",
    "skew_report",
    "start_run",
    "sweep",
    "upstream",
    "validate",
    "version_data",
]


_lazy_getattr, __dir__ = lazy_exports("jupyter_mlops", _EXPORTS, globals(), __all__)


def __getattr__(name: str) -> Any:
    if name == "models":
        # The package itself is callable (mlops.models() is the registry as a DataFrame), so
        # `from jupyter_mlops import models` still gives the package.
        return importlib.import_module("jupyter_mlops.models")
    return _lazy_getattr(name)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext jupyter_mlops``: registers the magics (imported only now)."""
    # Through importlib like every lazy export: the root package must not depend on a face.
    importlib.import_module("jupyter_mlops.notebook").load_ipython_extension(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    importlib.import_module("jupyter_mlops.notebook").unload_ipython_extension(ipython)


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "jupyter_mlops.server"}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-mlops"}]


if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    from .data.anomalies import check
    from .data.features import features
    from .data.queries import (
        dataset_versions,
        datasets,
        diff_data,
    )
    from .data.schemas import (
        infer_schema,
        validate,
    )
    from .data.versions import (
        checkout,
        load_data,
        version_data,
    )
    from .errors import MlopsError
    from .evaluate.evaluation import evaluate
    from .evaluate.replay import replay
    from .evaluate.saved import evaluations
    from .interop.mlflow_export import export_mlflow
    from .interop.mlflow_import import import_mlflow
    from .maintenance import (
        gc,
        info,
    )
    from .models.card import model_card
    from .models.logging import log_model
    from .models.registry import (
        delete_alias,
        load_model,
        promote,
        register_model,
        set_alias,
        set_version_status,
    )
    from .models.tables import (
        audit_log,
        model_versions,
        predictions,
    )
    from .monitor.alerts import alert, alert_history, alerts, check_alerts, remove_alert
    from .monitor.drift import drift_report
    from .monitor.estimate import estimate_performance
    from .monitor.performance import performance_report
    from .monitor.skew import skew_report
    from .pipeline.reproduce import reproduce
    from .pipeline.runner import run_pipeline
    from .pipeline.upstream import upstream
    from .records import (
        Run,
        RunStatus,
    )
    from .session import set_workspace
    from .tracking import (
        log_artifact,
        log_metric,
        log_metrics,
        log_param,
        log_params,
        set_tag,
        set_tags,
    )
    from .tracking.files import (
        log_dict,
        log_figure,
        log_table,
        log_text,
    )
    from .tracking.queries import (
        delete_runs,
        experiments,
        get_run,
        metric_history,
        restore_runs,
        runs,
        search_runs,
    )
    from .tracking.run import (
        ActiveRun,
        active_run,
        end_run,
        start_run,
    )
