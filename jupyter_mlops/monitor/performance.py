"""Performance monitoring: a model's metrics per time window against a baseline."""

from __future__ import annotations

import importlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InvalidInput, MissingDependency

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

CLASSIFICATION = ("accuracy", "f1", "auc")
REGRESSION = ("rmse", "mae")
# Lower is better for these; the others improve upward.
LOWER_IS_BETTER = frozenset(REGRESSION)


@dataclass
class PerformanceReport:
    """Metrics per time window (``frame``), the baseline they are read against, and a chart."""

    frame: Any
    task: str
    baseline: dict[str, float] = field(default_factory=dict)
    time_column: str = "time"

    @property
    def metrics(self) -> list[str]:
        return [m for m in (CLASSIFICATION if self.task == "classification" else REGRESSION)
                if m in self.frame.columns]

    def to_frame(self) -> pd.DataFrame:
        """One row per window: window start, rows, then each metric."""
        return self.frame.copy()

    def degraded(self, tolerance: float = 0.05) -> pd.DataFrame:
        """Windows where a metric is worse than its baseline by more than ``tolerance``
        (relative), with the metrics that degraded."""
        flags = {}
        for metric, base in self.baseline.items():
            if metric not in self.frame.columns or not math.isfinite(base):
                continue
            values = self.frame[metric]
            if metric in LOWER_IS_BETTER:
                flags[metric] = values > base * (1 + tolerance)
            else:
                flags[metric] = values < base * (1 - tolerance)
        if not flags:
            return self.frame.iloc[0:0]
        import pandas as pd

        mask = pd.DataFrame(flags)
        chosen = self.frame[mask.any(axis=1)].copy()
        chosen["degraded"] = [", ".join(m for m in mask.columns if mask.at[i, m])
                              for i in chosen.index]
        return chosen

    def figure(self) -> go.Figure:
        """A plotly line per metric over the windows, with the baseline dashed."""
        import plotly.graph_objects as go

        figure = go.Figure()
        palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"]
        x = self.frame["window"]
        for colour, metric in zip(palette, self.metrics, strict=False):
            figure.add_trace(go.Scatter(x=x, y=self.frame[metric], mode="lines+markers",
                                        name=metric, line_color=colour,
                                        customdata=self.frame["rows"],
                                        hovertemplate="%{x}<br>" + metric +
                                        " = %{y:.4g} (%{customdata} rows)<extra></extra>"))
            base = self.baseline.get(metric)
            if base is not None and math.isfinite(base):
                figure.add_hline(y=base, line_dash="dash", line_color=colour,
                                 annotation_text=f"{metric} baseline {base:.3g}",
                                 annotation_position="bottom right")
        figure.update_layout(title=f"Model performance per window ({self.task})",
                             xaxis_title=self.time_column, yaxis_title="metric",
                             template="plotly_white")
        return figure

    # Departure from issue 14 (HTML in the notebook face): IPython's display protocol asks the
    # object itself, so this renders in any notebook, extension loaded or not. See
    # docs/architecture.md, "Displays".
    def _repr_html_(self) -> str:
        base = ", ".join(f"{k} {v:.4g}" for k, v in self.baseline.items()) or "none"
        return (f"<p>Performance per window ({self.task}); baseline: {base}.</p>"
                + self.frame.to_html(index=False, float_format=lambda v: f"{v:.4g}",
                                     max_rows=200))


def performance_report(
    model: Any,
    data: Any,
    target: str,
    time_column: str,
    window: str | int = "1D",
    task: str = "auto",
    baseline: Mapping[str, float] | str | None = None,
    features: list[str] | None = None,
    prediction: str | None = None,
) -> PerformanceReport:
    """Score ``model`` on labelled ``data`` per time window.

    Parameters
    ----------
    model:
        A fitted estimator (``predict``, and ``predict_proba`` for AUC), a registered model
        reference ("churn@champion", loaded by ``jupyter_mlops.models`` where installed), or
        None when ``prediction`` names a column of predictions already made.
    data:
        A DataFrame, file or dataset version (as for ``drift_report``) with the features, the
        target and the time column.
    target, time_column:
        The label column and the timestamp column (datetime, or numbers with an int window).
    window:
        A pandas frequency ("1D", "7D", "1W", "1h") for datetime columns, or a number of rows
        per window (consecutive, in time order).
    task:
        "classification", "regression", or "auto" (regression for a float target with more
        than 20 distinct values).
    baseline:
        Metric values to compare against, or "first" to use the first window's; default for a
        registered model reference: the metrics its version had at registration.
    features:
        The model's input columns (default: all but target, time and prediction columns).
    prediction:
        A column of the model's predictions, used instead of calling ``model``.

    Returns
    -------
    PerformanceReport
        The metrics per window as a DataFrame, the baseline, ``figure()``.
    """
    from .inputs import resolve

    frame = resolve(data, "current").frame
    for column in (target, time_column, prediction):
        if column is not None and column not in frame.columns:
            raise InvalidInput(f"No column {column!r} in the data. Columns: "
                               f"{', '.join(map(str, frame.columns[:20]))}.")
    frame = frame.sort_values(time_column, kind="stable").reset_index(drop=True)
    labels = frame[target].to_numpy()
    task = _task(frame[target]) if task == "auto" else task
    if task not in ("classification", "regression"):
        raise InvalidInput(f"task must be 'classification', 'regression' or 'auto', not {task!r}.")
    groups = _windows(frame[time_column], window)
    predicted, scores = _predict(model, frame, target, time_column, features, prediction, task)
    rows = []
    for start, index in groups:
        row: dict[str, Any] = {"window": start, "rows": len(index)}
        row.update(_metrics(task, labels[index], predicted[index],
                            None if scores is None else scores[index]))
        rows.append(row)
    import pandas as pd

    result = pd.DataFrame(rows)
    if isinstance(baseline, str):
        if baseline != "first":
            raise InvalidInput(f"baseline must be metric values or 'first', not {baseline!r}.")
        first = result.iloc[0] if len(result) else {}
        base = {m: float(first[m]) for m in (CLASSIFICATION + REGRESSION) if m in result}
    elif baseline is None and isinstance(model, str):
        base = _registered_metrics(model, result)
    else:
        base = {str(k): float(v) for k, v in (baseline or {}).items()}
    return PerformanceReport(result, task, base, time_column)


def _registered_metrics(uri: str, result: Any) -> dict[str, float]:
    """The metrics a registered model version had at registration, for the windows' metrics."""
    registry = importlib.import_module("jupyter_mlops.models.registry")
    version = registry.get_version(uri)
    return {m: float(v) for m, v in version.metrics.items() if m in result.columns}


def _task(target: Any) -> str:
    from pandas.api import types

    if types.is_float_dtype(target.dtype) and target.nunique() > 20:
        return "regression"
    return "classification"


# Any: a LoadedModel for a registry reference, else the caller's own model object.
def _load(model: Any) -> Any:
    if not isinstance(model, str):
        return model
    try:
        models = importlib.import_module("jupyter_mlops.models")
    except ModuleNotFoundError as exc:
        if exc.name != "jupyter_mlops.models":
            raise
        raise MissingDependency(
            f"Loading {model!r} needs the model registry (jupyter_mlops.models), which this "
            "install lacks: pass the fitted model itself."
        ) from None
    return models.load_model(model)


def _predict(model: Any, frame: Any, target: str, time_column: str, features: list[str] | None,
             prediction: str | None, task: str) -> tuple[np.ndarray, np.ndarray | None]:
    if prediction is not None:
        return frame[prediction].to_numpy(), None
    if model is None:
        raise InvalidInput("Pass a model, or name the column of predictions with prediction=.")
    model = _load(model)
    columns = features or [c for c in frame.columns if c not in (target, time_column)]
    inputs = frame[columns]
    predicted = np.asarray(model.predict(inputs))
    scores = None
    if task == "classification" and hasattr(model, "predict_proba"):
        probabilities = np.asarray(model.predict_proba(inputs))
        scores = probabilities[:, 1] if probabilities.shape[1] == 2 else probabilities
    return predicted, scores


def _windows(times: Any, window: str | int) -> list[tuple[Any, np.ndarray]]:
    if isinstance(window, int):
        if window < 1:
            raise InvalidInput(f"A window of rows must hold at least 1 row, not {window}.")
        starts = range(0, len(times), window)
        return [(times.iloc[s], np.arange(s, min(s + window, len(times)))) for s in starts]
    import pandas as pd
    from pandas.api import types

    if not types.is_datetime64_any_dtype(times.dtype):
        raise InvalidInput(f"Column {times.name!r} is not a datetime column: convert it with "
                           "pd.to_datetime, or give window as a number of rows.")
    positions = pd.DataFrame({"time": times.to_numpy(), "row": np.arange(len(times))})
    try:
        grouper = positions.groupby(pd.Grouper(key="time", freq=window), sort=True)["row"]
    except ValueError as exc:
        raise InvalidInput(f"{window!r} is not a pandas frequency such as '1D', '7D' or '1h': "
                           f"{exc}.") from None
    return [(start, rows.to_numpy()) for start, rows in grouper if len(rows)]


def _metrics(task: str, truth: np.ndarray, predicted: np.ndarray,
             scores: np.ndarray | None) -> dict[str, float]:
    from sklearn import metrics

    if len(truth) == 0:
        return {}
    if task == "regression":
        error = predicted.astype(np.float64) - truth.astype(np.float64)
        return {"rmse": float(np.sqrt(np.mean(error**2))), "mae": float(np.mean(np.abs(error)))}
    classes = np.unique(truth)
    binary = len(np.unique(np.concatenate([classes, np.unique(predicted)]))) <= 2
    result = {
        "accuracy": float(metrics.accuracy_score(truth, predicted)),
        "f1": float(metrics.f1_score(truth, predicted, average="binary" if binary else "macro",
                                     pos_label=_positive(truth, predicted) if binary else 1,
                                     zero_division=0)),
        "auc": math.nan,
    }
    if scores is not None and len(classes) > 1:
        if scores.ndim == 1:
            result["auc"] = float(metrics.roc_auc_score(truth == _positive(truth, predicted),
                                                        scores))
        elif len(classes) == scores.shape[1]:
            result["auc"] = float(metrics.roc_auc_score(truth, scores, multi_class="ovr"))
    return result


# Any: a class label, of whatever type the labels have.
def _positive(truth: np.ndarray, predicted: np.ndarray) -> Any:
    # sklearn's convention: the greater of the two labels (1, True, "yes" over "no") is positive.
    return np.unique(np.concatenate([np.unique(truth), np.unique(predicted)]))[-1]
