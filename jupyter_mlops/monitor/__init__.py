"""Drift and performance monitoring: is the data still what the model was trained on?

``drift_report(reference, current)`` compares two datasets column by column with the statistic
practitioners expect (``statistics`` holds the registry); ``performance_report`` follows a
model's metrics over time windows; ``outlier_summary`` counts rows unlike the reference.
Importing this package is cheap: numpy, pandas, scipy and plotly load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "DriftReport": "jupyter_mlops.monitor.report",
    "PerformanceReport": "jupyter_mlops.monitor.performance",
    "Statistic": "jupyter_mlops.monitor.statistics",
    "delete_reports": "jupyter_mlops.monitor.saved",
    "drift_report": "jupyter_mlops.monitor.drift",
    "get_report": "jupyter_mlops.monitor.saved",
    "list_reports": "jupyter_mlops.monitor.saved",
    "outlier_summary": "jupyter_mlops.monitor.outliers",
    "performance_report": "jupyter_mlops.monitor.performance",
    "profile_of": "jupyter_mlops.monitor.profile",
    "register": "jupyter_mlops.monitor.statistics",
}

__all__ = [
    "DriftReport",
    "PerformanceReport",
    "Statistic",
    "delete_reports",
    "drift_report",
    "get_report",
    "list_reports",
    "outlier_summary",
    "performance_report",
    "profile_of",
    "register",
]


__getattr__, __dir__ = lazy_exports("jupyter_mlops.monitor", _EXPORTS, globals(), __all__)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    from .drift import drift_report
    from .outliers import outlier_summary
    from .performance import PerformanceReport, performance_report
    from .profile import profile_of
    from .report import DriftReport
    from .saved import delete_reports, get_report, list_reports
    from .statistics import Statistic, register
