"""Label-free performance estimation for classifiers from their prediction log (like CBPE).

Confidence-based performance estimation (NannyML's CBPE): when a classifier's probabilities
are calibrated, a prediction made with probability p is right with probability p. Summing those
probabilities over a window gives the expected confusion matrix, and from it the expected
accuracy, precision, recall and F1; the expected ROC curve comes from ranking the scores and
accumulating p and 1 - p. Probabilities are calibrated first by isotonic regression on labelled
reference data, when given, since a model's raw scores are often over- or under-confident.

The rows are what the served model saw (``models.predictions``); the probabilities come from the
served version itself, run again on those inputs (the log keeps what it answered, the labels).
Labels that arrive later (a frame or dataset version with ``request_id``, the label and, for
requests of several rows, ``row``) give the realised metrics of the same windows beside the
estimates.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InvalidInput

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc")
_LOG_COLUMNS = ("prediction", "version", "timestamp", "request_id", "row", "answered")


def estimate_performance(
    model: str,
    window: str = "1d",
    since: str | float = "7d",
    reference: Any = None,
    label: str = "label",
    labels: Any = None,
    trust: Any = False,
) -> pd.DataFrame:
    """Expected classification metrics per window of ``model``'s prediction log, without labels.

    Parameters
    ----------
    model:
        The served model: ``churn@champion`` or ``churn/3`` (the requests that version
        answered), or ``churn`` (every version's requests, each scored by its own version).
    window:
        The length of a window: ``1d``, ``12h``, ``30m``, ``1w``.
    since:
        How far back: a duration (``7d``) or a time in seconds since the epoch.
    reference:
        Labelled data the probabilities are calibrated on (a DataFrame, file or dataset
        version with the model's inputs and ``label``), e.g. the held-out test set; without
        it the model's probabilities are taken as calibrated.
    label:
        The label column of ``reference`` and ``labels``.
    labels:
        Labels that arrived for served requests: a DataFrame or dataset version with
        ``request_id``, ``label`` and, where a request held several rows, ``row`` (0, 1, ...
        in request order). Their windows get the realised metrics too.
    trust:
        Passed to ``load_model`` (needed for pickled python-flavor models).

    Returns
    -------
    pandas.DataFrame
        One row per window: ``window`` (its start, UTC), ``rows``, ``estimated_<metric>`` for
        accuracy, precision, recall, f1 and roc_auc (macro one-vs-rest for several classes),
        ``accuracy_low``/``accuracy_high`` (a 95% band of the realised accuracy the estimate
        allows), then ``labelled`` and the realised ``<metric>`` (NaN without labels). ``attrs``
        holds the model, whether the scores were calibrated and the classes.
        ``estimate_figure(frame)`` draws it.
    """
    import pandas as pd

    from .. import models
    from ..models.reference import RunModelRef, parse
    from .inputs import since_timestamp

    ref = parse(model)
    if isinstance(ref, RunModelRef):
        raise InvalidInput(f"{model} is a run's model: estimate a registered, served one "
                           "(churn@champion, churn/3).")
    version = None if ref.version is None and ref.alias is None else \
        models.get_version(model).version
    seconds = _window_seconds(window)
    start = since_timestamp(since)
    logged = models.predictions(ref.name, version=version, since=start)
    if logged.empty:
        raise InvalidInput(
            f"No logged predictions of {model} since {since}: serve it with `jupyter mlops "
            f"serve {model}` (the prediction log is on by default), or widen since=.")
    logged["row"] = logged.groupby("request_id", sort=False, dropna=False).cumcount()
    scored = [_scored(ref.name, int(v), part, reference, label, trust)
              for v, part in logged.groupby("version", sort=True)]
    classes = scored[0][2]
    if any(not np.array_equal(s[2], classes) for s in scored):
        raise InvalidInput(f"The versions of {ref.name!r} in this window predict different "
                           "classes: estimate one version at a time (churn/3).")
    calibrated = all(s[3] for s in scored)
    frame = pd.concat([s[0] for s in scored], ignore_index=True)
    probabilities = np.concatenate([s[1] for s in scored])
    order = np.argsort(frame["timestamp"].to_numpy(), kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    probabilities = probabilities[order]
    truth = _join_labels(frame, labels, label)
    predicted = frame["answered"].to_numpy()
    starts = frame["timestamp"].dt.floor(f"{int(seconds)}s")
    rows = []
    for when, index in frame.groupby(starts, sort=True).indices.items():
        row: dict[str, Any] = {"window": when, "rows": len(index)}
        estimated = expected_metrics(probabilities[index], predicted[index], classes)
        row.update({f"estimated_{k}": v for k, v in estimated.items() if k in METRICS})
        row["accuracy_low"], row["accuracy_high"] = estimated["accuracy_band"]
        known = index[~pd.isna(truth[index])] if truth is not None else index[:0]
        row["labelled"] = len(known)
        row.update(realised_metrics(truth[known] if len(known) else np.array([]),
                                    predicted[known], probabilities[known], classes))
        rows.append(row)
    result = pd.DataFrame(rows)
    result.attrs.update({"model": model, "calibrated": calibrated,
                         "classes": [c.item() if hasattr(c, "item") else c for c in classes]})
    return result


def _window_seconds(window: str) -> float:
    from .inputs import since_timestamp

    try:
        import time

        seconds = time.time() - since_timestamp(window)
    except InvalidInput:
        seconds = math.nan
    if not seconds >= 1:
        raise InvalidInput(f"window={window!r} is not a window length: use a duration such as "
                           "'1d', '12h' or '30m'.")
    return round(seconds)


def _scored(name: str, version: int, part: Any, reference: Any, label: str,
            trust: Any) -> tuple[Any, np.ndarray, np.ndarray, bool]:
    """One version's logged rows, their (calibrated) probabilities, classes, calibrated?"""
    from .. import models

    loaded = models.load_model(f"{name}/{version}", trust=trust)
    inputs = part.drop(columns=[c for c in _LOG_COLUMNS if c in part.columns])
    if not callable(getattr(loaded.model, "predict_proba", None)):
        raise InvalidInput(f"{name}/{version} ({type(loaded.model).__name__}) gives no "
                           "probabilities (predict_proba): performance can only be estimated "
                           "for probabilistic classifiers.")
    classes = np.asarray(getattr(loaded.model, "classes_", None) if
                         getattr(loaded.model, "classes_", None) is not None else
                         np.arange(np.asarray(loaded.predict_proba(inputs.head(1))).shape[1]))
    probabilities = np.asarray(loaded.predict_proba(inputs), dtype=np.float64)
    # The class each row was answered with: the logged answer where it is one of the classes
    # (what the client got), else the model's top class; calibration must not change it.
    answered = classes[probabilities.argmax(axis=1)]
    logged = part["prediction"].to_numpy()
    if len(logged) and np.isin(logged, classes).all():
        answered = logged.astype(classes.dtype)
    part = part.assign(answered=answered)
    calibrated = False
    if reference is not None:
        probabilities = _calibrate(loaded, reference, label, classes, probabilities)
        calibrated = True
    return part, probabilities, classes, calibrated


def _calibrate(loaded: Any, reference: Any, label: str, classes: np.ndarray,
               probabilities: np.ndarray) -> np.ndarray:
    """Isotonic calibration per class, fitted on the reference's labels (one-vs-rest)."""
    from sklearn.isotonic import IsotonicRegression

    from .inputs import resolve

    frame = resolve(reference, "reference").frame
    if label not in frame.columns:
        raise InvalidInput(f"The reference data has no label column {label!r}: name it with "
                           "label=.")
    truth = frame[label].to_numpy()
    scores = np.asarray(loaded.predict_proba(frame.drop(columns=[label])), dtype=np.float64)
    out = np.empty_like(probabilities)
    for k, cls in enumerate(classes):
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        iso.fit(scores[:, k], (truth == cls).astype(np.float64))
        out[:, k] = iso.predict(probabilities[:, k])
    total = out.sum(axis=1, keepdims=True)
    # One-vs-rest calibrations need not sum to 1; renormalise, keeping uniform where all are 0.
    return np.where(total > 0, out / np.where(total > 0, total, 1), 1.0 / len(classes))


def _join_labels(frame: Any, labels: Any, label: str) -> np.ndarray | None:
    if labels is None:
        return None
    from .inputs import resolve

    given = resolve(labels, "labels").frame
    missing = [c for c in ("request_id", label) if c not in given.columns]
    if missing:
        raise InvalidInput(f"The labels need columns request_id and {label!r} (and row for "
                           f"requests of several rows); missing: {', '.join(missing)}.")
    given = given.assign(row=given["row"] if "row" in given.columns else 0)
    given = given.drop_duplicates(["request_id", "row"], keep="last")
    joined = frame[["request_id", "row"]].merge(
        given[["request_id", "row", label]].astype({"request_id": str, "row": "int64"}),
        on=["request_id", "row"], how="left")
    return joined[label].to_numpy(dtype=object)


def expected_metrics(probabilities: np.ndarray, predicted: np.ndarray,
                     classes: np.ndarray) -> dict[str, Any]:
    """CBPE's expected metrics of one window from calibrated class probabilities.

    Binary: the positive class is the greater label (scikit-learn's convention); several
    classes: macro averages one-vs-rest.
    """
    n = len(probabilities)
    hit = probabilities[np.arange(n), np.searchsorted(classes, predicted)] if n else np.array([])
    accuracy = float(hit.mean()) if n else math.nan
    # The realised accuracy is a sum of independent Bernoulli(hit) draws; its 95% band.
    spread = 1.96 * math.sqrt(float((hit * (1 - hit)).sum())) / n if n else math.nan
    band = (max(0.0, accuracy - spread), min(1.0, accuracy + spread))
    positives = [len(classes) - 1] if len(classes) == 2 else range(len(classes))
    parts = [_one_vs_rest(probabilities[:, k], predicted == classes[k]) for k in positives]
    result = {"accuracy": accuracy, "accuracy_band": band}
    for metric in ("precision", "recall", "f1", "roc_auc"):
        result[metric] = float(np.mean([p[metric] for p in parts])) if parts else math.nan
    return result


def _one_vs_rest(p: np.ndarray, chosen: np.ndarray) -> dict[str, float]:
    tp, fp = float(p[chosen].sum()), float((1 - p[chosen]).sum())
    fn = float(p[~chosen].sum())
    precision = tp / (tp + fp) if tp + fp > 0 else math.nan
    recall = tp / (tp + fn) if tp + fn > 0 else math.nan
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn > 0 else math.nan
    return {"precision": precision, "recall": recall, "f1": f1, "roc_auc": _expected_auc(p)}


def _expected_auc(p: np.ndarray) -> float:
    """The area under the expected ROC curve: each row counts p positive and 1 - p negative."""
    positive, negative = p.sum(), (1 - p).sum()
    if positive <= 0 or negative <= 0:
        return math.nan
    order = np.argsort(-p, kind="stable")
    ranked = p[order]
    # Tied scores share one threshold: step the curve once per distinct score.
    last = np.r_[ranked[1:] != ranked[:-1], True]
    tpr = np.r_[0.0, np.cumsum(ranked)[last] / positive]
    fpr = np.r_[0.0, np.cumsum(1 - ranked)[last] / negative]
    return float(np.trapezoid(tpr, fpr) if hasattr(np, "trapezoid") else np.trapz(tpr, fpr))


def realised_metrics(truth: np.ndarray, predicted: np.ndarray, probabilities: np.ndarray,
                     classes: np.ndarray) -> dict[str, float]:
    """The same metrics from labels (NaN where there are none or one class only)."""
    empty = {m: math.nan for m in METRICS}
    if len(truth) == 0:
        return empty
    from sklearn import metrics

    truth = np.asarray(truth, dtype=classes.dtype) if classes.dtype != object else truth
    binary = len(classes) == 2
    options = ({"average": "binary", "pos_label": classes[-1]} if binary
               else {"average": "macro", "labels": list(classes)})
    result = {
        "accuracy": float(metrics.accuracy_score(truth, predicted)),
        "precision": float(metrics.precision_score(truth, predicted, zero_division=0,
                                                   **options)),
        "recall": float(metrics.recall_score(truth, predicted, zero_division=0, **options)),
        "f1": float(metrics.f1_score(truth, predicted, zero_division=0, **options)),
        "roc_auc": math.nan,
    }
    if len(np.unique(truth)) > 1:
        if binary:
            result["roc_auc"] = float(metrics.roc_auc_score(truth == classes[-1],
                                                            probabilities[:, -1]))
        elif len(np.unique(truth)) == len(classes):
            result["roc_auc"] = float(metrics.roc_auc_score(truth, probabilities,
                                                            multi_class="ovr",
                                                            labels=list(classes)))
    return result


def estimate_figure(frame: Any, metric: str = "accuracy") -> go.Figure:
    """A plotly chart of ``estimate_performance``'s frame: the estimate, its band, the realised.

    Parameters
    ----------
    frame:
        What ``estimate_performance`` returned.
    metric:
        One of accuracy, precision, recall, f1, roc_auc.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    if metric not in METRICS:
        raise InvalidInput(f"Unknown metric {metric!r}: use one of {', '.join(METRICS)}.")
    import plotly.graph_objects as go

    x = frame["window"]
    figure = go.Figure()
    if metric == "accuracy":
        figure.add_trace(go.Scatter(x=x, y=frame["accuracy_high"], mode="lines",
                                    line_width=0, showlegend=False, hoverinfo="skip"))
        figure.add_trace(go.Scatter(x=x, y=frame["accuracy_low"], mode="lines", line_width=0,
                                    fill="tonexty", fillcolor="rgba(31,119,180,0.15)",
                                    name="95% band", hoverinfo="skip"))
    figure.add_trace(go.Scatter(x=x, y=frame[f"estimated_{metric}"], mode="lines+markers",
                                name=f"estimated {metric}", line_color="#1f77b4",
                                line_dash="dash", customdata=frame["rows"],
                                hovertemplate="%{x}<br>estimated = %{y:.4g} "
                                "(%{customdata} rows)<extra></extra>"))
    if frame["labelled"].gt(0).any():
        figure.add_trace(go.Scatter(x=x, y=frame[metric], mode="lines+markers",
                                    name=f"realised {metric}", line_color="#ff7f0e",
                                    customdata=frame["labelled"],
                                    hovertemplate="%{x}<br>realised = %{y:.4g} "
                                    "(%{customdata} labelled)<extra></extra>"))
    model = frame.attrs.get("model", "model")
    note = "" if frame.attrs.get("calibrated", True) else " (uncalibrated scores)"
    figure.update_layout(title=f"{model}: estimated {metric} per window{note}",
                         xaxis_title="window", yaxis_title=metric, template="plotly_white")
    return figure
