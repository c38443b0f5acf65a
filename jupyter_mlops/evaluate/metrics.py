"""Metrics of every group at once: one pass of ``np.bincount`` per sum, no loop over slices.

Each function takes ``codes`` (the group of each row, 0..groups-1) and returns one array per
metric with a value per group, NaN where a group cannot have one (an AUC with one class).
Ranks for the AUC come from pandas' grouped rank, so ties count half as in scikit-learn.
"""

from __future__ import annotations

from typing import Any

import numpy as np

CLASSIFICATION = ("accuracy", "precision", "recall", "f1", "auc", "log_loss", "calibration")
REGRESSION = ("mae", "rmse", "r2", "mape")
# Metrics where a smaller value is better: a change threshold's sense, and the promote gate's.
LOWER_IS_BETTER = frozenset({"log_loss", "mae", "rmse", "mape"})
_EPS = 1e-15


def _sum(codes: np.ndarray, groups: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(codes, weights=weights, minlength=groups).astype(np.float64)


def _ratio(top: np.ndarray, bottom: np.ndarray, empty: float = np.nan) -> np.ndarray:
    out = np.full(top.shape, empty, dtype=np.float64)
    np.divide(top, bottom, out=out, where=bottom != 0)
    return out


def _auc(codes: np.ndarray, groups: int, positive: np.ndarray, score: np.ndarray) -> np.ndarray:
    """ROC AUC per group by the Mann-Whitney U statistic of the scores' ranks in the group."""
    import pandas as pd

    ranks = pd.Series(score).groupby(codes, sort=False).rank(method="average").to_numpy()
    pos = _sum(codes, groups, positive.astype(np.float64))
    neg = _sum(codes, groups) - pos
    rank_sum = _sum(codes, groups, ranks * positive)
    return _ratio(rank_sum - pos * (pos + 1) / 2, pos * neg)


def binary(codes: np.ndarray, groups: int, truth: np.ndarray, predicted: np.ndarray,
           score: np.ndarray | None) -> dict[str, np.ndarray]:
    """Binary classification metrics; ``truth`` and ``predicted`` are booleans (positive)."""
    n = _sum(codes, groups)
    tp = _sum(codes, groups, (truth & predicted).astype(np.float64))
    pos = _sum(codes, groups, truth.astype(np.float64))
    called = _sum(codes, groups, predicted.astype(np.float64))
    correct = _sum(codes, groups, (truth == predicted).astype(np.float64))
    precision = _ratio(tp, called, 0.0)
    recall = _ratio(tp, pos, 0.0)
    out = {
        "accuracy": _ratio(correct, n),
        "precision": precision,
        "recall": recall,
        # scikit-learn's zero_division=0: no positive called nor present gives 0, not NaN.
        "f1": _ratio(2 * tp, called + pos, 0.0),
    }
    if score is not None:
        p = np.clip(score.astype(np.float64), _EPS, 1 - _EPS)
        loss = -np.where(truth, np.log(p), np.log1p(-p))
        out["auc"] = _auc(codes, groups, truth, p)
        out["log_loss"] = _ratio(_sum(codes, groups, loss), n)
        # TFMA's calibration: the sum of predicted probabilities over the number of positives.
        out["calibration"] = _ratio(_sum(codes, groups, score.astype(np.float64)), pos)
    return out


def multiclass(codes: np.ndarray, groups: int, truth: np.ndarray, predicted: np.ndarray,
               proba: np.ndarray | None, classes: np.ndarray) -> dict[str, np.ndarray]:
    """Macro-averaged metrics over the classes present (in truth or predictions) per group."""
    n = _sum(codes, groups)
    correct = _sum(codes, groups, (truth == predicted).astype(np.float64))
    precision = np.zeros(groups)
    recall = np.zeros(groups)
    f1 = np.zeros(groups)
    present = np.zeros(groups)
    auc_sum = np.zeros(groups)
    auc_count = np.zeros(groups)
    for index, label in enumerate(classes):
        is_true = truth == label
        is_called = predicted == label
        tp = _sum(codes, groups, (is_true & is_called).astype(np.float64))
        pos = _sum(codes, groups, is_true.astype(np.float64))
        called = _sum(codes, groups, is_called.astype(np.float64))
        seen = (pos + called) > 0
        present += seen
        precision += np.where(seen, _ratio(tp, called, 0.0), 0.0)
        recall += np.where(seen, _ratio(tp, pos, 0.0), 0.0)
        f1 += np.where(seen, _ratio(2 * tp, called + pos, 0.0), 0.0)
        if proba is not None:
            auc = _auc(codes, groups, is_true, proba[:, index])
            auc_sum += np.nan_to_num(auc)
            auc_count += ~np.isnan(auc)
    out = {
        "accuracy": _ratio(correct, n),
        "precision": _ratio(precision, present),
        "recall": _ratio(recall, present),
        "f1": _ratio(f1, present),
    }
    if proba is not None:
        position = {label: i for i, label in enumerate(classes.tolist())}
        column = np.array([position.get(v, -1) for v in truth.tolist()])
        chosen = np.where(column >= 0, proba[np.arange(len(truth)), np.maximum(column, 0)], 0.0)
        loss = -np.log(np.clip(chosen, _EPS, 1.0))
        out["auc"] = _ratio(auc_sum, auc_count)
        out["log_loss"] = _ratio(_sum(codes, groups, loss), n)
    return out


def regression(codes: np.ndarray, groups: int, truth: np.ndarray,
               predicted: np.ndarray) -> dict[str, np.ndarray]:
    y = truth.astype(np.float64)
    error = predicted.astype(np.float64) - y
    n = _sum(codes, groups)
    mean = _ratio(_sum(codes, groups, y), n)
    spread = _sum(codes, groups, (y - mean[codes]) ** 2)
    squared = _sum(codes, groups, error**2)
    # scikit-learn's MAPE: the error over |y|, |y| no smaller than the float epsilon.
    relative = np.abs(error) / np.maximum(np.abs(y), np.finfo(np.float64).eps)
    return {
        "mae": _ratio(_sum(codes, groups, np.abs(error)), n),
        "rmse": np.sqrt(_ratio(squared, n)),
        "r2": 1 - _ratio(squared, spread),
        "mape": _ratio(_sum(codes, groups, relative), n),
    }


def grouped(task: str, codes: np.ndarray, groups: int, predictions: Any) -> dict[str, np.ndarray]:
    """The default metrics of ``task`` per group, from ``Predictions``."""
    if task == "regression":
        return regression(codes, groups, predictions.truth, predictions.predicted)
    if predictions.classes is not None and len(predictions.classes) > 2:
        return multiclass(codes, groups, predictions.truth, predictions.predicted,
                          predictions.score, predictions.classes)
    positive = predictions.positive
    return binary(codes, groups, predictions.truth == positive,
                  predictions.predicted == positive, predictions.score)
