"""Rows of the current data unlike the reference: a range check and an IsolationForest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

FIT_ROWS = 10_000
SCORE_ROWS = 200_000
SEED = 0


def outlier_summary(reference: Any, current: Any, columns: Sequence[str] | None = None,
                    contamination: float = 0.01) -> dict[str, Any]:
    """The share of current rows outside the reference, by range check and IsolationForest.

    Parameters
    ----------
    reference, current:
        DataFrames with the numeric ``columns``.
    columns:
        Numeric columns to use (default: every numeric column both share).
    contamination:
        The share of reference rows the forest is calibrated to call outliers, so the current
        share reads against it: ~1% means "as usual".

    Returns
    -------
    dict
        ``range_share`` (rows with any value outside the reference's [min, max]),
        ``range_columns`` (that share per column, the largest first), ``forest_share``
        (rows the forest calls outliers; None without numeric columns), ``contamination``
        and ``rows_scored`` (the forest scores a uniform sample of at most 200,000 rows).
    """
    from .columns import is_numeric

    if columns is None:
        columns = [c for c in reference.columns if c in current.columns
                   and is_numeric(reference[c]) and is_numeric(current[c])]
    columns = list(columns)
    summary: dict[str, Any] = {"range_share": 0.0, "range_columns": {}, "forest_share": None,
                               "contamination": contamination, "rows_scored": 0,
                               "columns": columns}
    if not columns or len(current) == 0 or len(reference) == 0:
        return summary
    ref = reference[columns].to_numpy(dtype=np.float64, na_value=np.nan)
    cur = current[columns].to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        low, high = np.nanmin(ref, axis=0), np.nanmax(ref, axis=0)
        # NaN compares false, so a null is never out of range.
        outside = (cur < low) | (cur > high)
    per_column = outside.mean(axis=0)
    summary["range_share"] = float(outside.any(axis=1).mean())
    order = np.argsort(-per_column, kind="stable")
    summary["range_columns"] = {columns[i]: float(per_column[i]) for i in order
                                if per_column[i] > 0}
    summary.update(_forest(ref, cur, contamination))
    return summary


def _forest(ref: np.ndarray, cur: np.ndarray, contamination: float) -> dict[str, Any]:
    from sklearn.ensemble import IsolationForest

    rng = np.random.default_rng(SEED)
    # Nulls become the reference's median: the forest needs numbers, and the median is the
    # value least likely to look unusual on its own.
    medians = np.nanmedian(ref, axis=0)
    medians = np.where(np.isnan(medians), 0.0, medians)
    fit = _fill(_sample(ref, FIT_ROWS, rng), medians)
    scored = _fill(_sample(cur, SCORE_ROWS, rng), medians)
    forest = IsolationForest(contamination=contamination, random_state=SEED, n_jobs=-1)
    forest.fit(fit)
    flags = forest.predict(scored) == -1
    return {"forest_share": float(flags.mean()), "rows_scored": len(scored)}


def _sample(data: np.ndarray, limit: int, rng: np.random.Generator) -> np.ndarray:
    if len(data) <= limit:
        return data
    return data[np.sort(rng.choice(len(data), size=limit, replace=False))]


def _fill(data: np.ndarray, medians: np.ndarray) -> np.ndarray:
    missing = ~np.isfinite(data)
    if not missing.any():
        return data
    filled = data.copy()
    filled[missing] = np.take(medians, np.nonzero(missing)[1])
    return filled
