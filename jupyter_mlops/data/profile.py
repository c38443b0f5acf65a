"""Column profiles of DataFrame versions: the summary kept when the data itself is not at hand.

A profile is a JSON-ready dict, stored as a blob with each DataFrame version::

    {"rows": 1000, "columns": {"age": {
        "type": "numeric", "dtype": "Int64", "count": 990, "nulls": 10, "distinct": 71,
        "min": 18.0, "max": 90.0, "mean": 41.2, "std": 12.9,
        "quantiles": {"0.01": 18.0, "0.05": 21.0, ..., "0.99": 85.0},
        "edges": [18.0, 20.4, ..., 90.0], "counts": [12, 40, ...],   # histogram bins
        "values": [[0.0, 50], [1.0, 70]],     # every value and its count, when <= 5 of them
        "top": [[41, 30], [38, 29], ...]}}}   # the most frequent values and their counts

``type`` is ``numeric``, ``categorical`` (strings, categories, booleans: ``top`` and, for the
drift report, ``counts`` of up to 1,000 values plus ``other``), ``datetime`` (min and max as
ISO text, a histogram over epoch seconds) or ``other``. The numeric and categorical entries
have the shape that ``drift_report`` accepts as a reference (see ``reference_profile``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
BINS = 30
TOP = 20
DRIFT_CATEGORIES = 1_000
FEW_VALUES = 5


def profile_frame(frame: Any, bins: int = BINS, categories: int = DRIFT_CATEGORIES
                  ) -> dict[str, Any]:
    """The profile of every column of ``frame``.

    Parameters
    ----------
    frame:
        A pandas DataFrame.
    bins:
        Equal-width histogram bins per numeric (and datetime) column.
    categories:
        Most frequent values counted per categorical column; the rest are ``other``.

    Returns
    -------
    dict
        ``{"rows": N, "columns": {name: entry}}`` as in the module docstring.
    """
    return {"rows": len(frame),
            "columns": {str(name): profile_column(frame[name], bins, categories)
                        for name in frame.columns}}


def profile_column(series: Any, bins: int = BINS, categories: int = DRIFT_CATEGORIES
                   ) -> dict[str, Any]:
    """The profile entry of one column (see the module docstring)."""
    from pandas.api import types

    dtype = series.dtype
    nulls = int(series.isna().sum())
    entry: dict[str, Any] = {"dtype": str(dtype), "count": len(series) - nulls, "nulls": nulls}
    try:
        entry["distinct"] = int(series.nunique(dropna=True))
    except TypeError:  # unhashable values (lists, dicts)
        entry["distinct"] = None
    if types.is_bool_dtype(dtype) or isinstance(dtype, _categorical()) \
            or (types.is_string_dtype(dtype) and not _nested(series)):
        entry.update(_categorical_entry(series, categories))
    elif types.is_numeric_dtype(dtype):
        entry.update(_numeric_entry(series, bins))
    elif types.is_datetime64_any_dtype(dtype):
        entry.update(_datetime_entry(series, bins))
    else:
        entry["type"] = "other"
    return _clean(entry)


def _categorical() -> type:
    import pandas as pd

    return pd.CategoricalDtype


def _nested(series: Any) -> bool:
    sample = series.dropna().iloc[:100]
    return any(not isinstance(v, (str, bytes, bool, int, float)) for v in sample)


def _numeric_entry(series: Any, bins: int) -> dict[str, Any]:
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = values[np.isfinite(values)]
    entry: dict[str, Any] = {"type": "numeric"}
    if len(finite) == 0:
        entry.update(edges=[0.0, 1.0], counts=[0], quantiles={}, top=[])
        return entry
    entry.update(
        min=float(finite.min()), max=float(finite.max()), mean=float(finite.mean()),
        std=float(finite.std(ddof=1)) if len(finite) > 1 else 0.0,
        quantiles={str(q): float(v) for q, v in zip(QUANTILES, np.quantile(finite, QUANTILES),
                                                     strict=True)},
    )
    counts, edges = np.histogram(finite, bins=bins)
    entry.update(edges=edges.tolist(), counts=counts.tolist())
    distinct, tally = np.unique(finite, return_counts=True)
    if len(distinct) <= FEW_VALUES:
        entry["values"] = [[float(v), int(c)] for v, c in zip(distinct, tally, strict=True)]
    order = np.argsort(-tally, kind="stable")[:TOP]
    entry["top"] = [[_scalar(distinct[i]), int(tally[i])] for i in order]
    return entry


def _categorical_entry(series: Any, categories: int) -> dict[str, Any]:
    counts = series.value_counts(dropna=True, sort=True)
    counts = counts[counts > 0]
    kept = counts.iloc[:categories]
    pairs = [[_scalar(value), int(count)] for value, count in kept.items()]
    return {"type": "categorical", "top": pairs[:TOP], "counts": pairs,
            "other": int(counts.iloc[categories:].sum())}


def _datetime_entry(series: Any, bins: int) -> dict[str, Any]:
    present = series.dropna()
    entry: dict[str, Any] = {"type": "datetime"}
    if present.empty:
        return entry
    seconds = present.array.as_unit("s").asi8.astype(np.float64) \
        if hasattr(present.array, "as_unit") else None
    entry.update(min=present.min().isoformat(), max=present.max().isoformat())
    if seconds is not None:
        counts, edges = np.histogram(seconds, bins=bins)
        entry.update(edges=edges.tolist(), counts=counts.tolist())
    return entry


def _scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _clean(value: Any) -> Any:
    """``value`` with non-finite floats as None, so the profile is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def drift_shape(profile: dict[str, Any]) -> dict[str, Any]:
    """The columns of ``profile`` that a drift report can use as its reference.

    Parameters
    ----------
    profile:
        A stored profile (see the module docstring).

    Returns
    -------
    dict
        ``{"rows": N, "columns": {...}}`` with only the numeric and categorical columns.
    """
    columns = {}
    for name, entry in profile["columns"].items():
        if entry.get("type") == "numeric":
            columns[name] = {key: entry[key] for key in ("type", "edges", "counts", "nulls",
                                                         "values") if key in entry}
        elif entry.get("type") == "categorical":
            columns[name] = {"type": "categorical", "counts": entry["counts"],
                             "other": entry.get("other", 0), "nulls": entry["nulls"]}
    return {"rows": profile["rows"], "columns": columns}
