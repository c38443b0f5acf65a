"""Slices: the rows that share a value of a column (or of several), measured all at once.

A slicing spec is a column name or a tuple of them (a cross). Each spec becomes one array of
group codes; the metrics of every group of it come from one pass of ``metrics.grouped``. The
whole data is the first slice, ``overall``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import InvalidInput
from . import metrics as metric_kernels
from .predictions import Predictions

OVERALL = "overall"
Spec = tuple[str, ...]


def parse_specs(slices: Any, columns: Sequence[str]) -> list[Spec]:
    """``["country", ("country", "plan")]`` as column tuples, each checked against ``columns``."""
    if slices is None:
        return []
    if isinstance(slices, (str, tuple)):
        slices = [slices]
    specs: list[Spec] = []
    known = set(columns)
    for item in slices:
        spec = (item,) if isinstance(item, str) else tuple(item)
        if not spec or not all(isinstance(c, str) for c in spec):
            raise InvalidInput(f"Invalid slice {item!r}: name a column, or a tuple of columns "
                               "for a cross, e.g. slices=['country', ('country', 'plan')].")
        missing = [c for c in spec if c not in known]
        if missing:
            raise InvalidInput(f"Cannot slice by {', '.join(map(repr, missing))}: no such "
                               f"column. Columns: {', '.join(columns)}.")
        if spec not in specs:
            specs.append(spec)
    return specs


def spec_name(spec: Spec) -> str:
    return " x ".join(spec) if spec else OVERALL


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "missing"
    return str(value)


def group_codes(frame: Any, spec: Spec) -> tuple[np.ndarray, list[str]]:
    """The group of each row under ``spec`` (0..n-1) and each group's name (``country=FR``)."""
    import pandas as pd

    if len(spec) == 1:
        codes, uniques = pd.factorize(frame[spec[0]], sort=True, use_na_sentinel=False)
        names = [f"{spec[0]}={_text(v)}" for v in uniques]
        return codes.astype(np.intp, copy=False), names
    grouped = frame.groupby(list(spec), sort=True, dropna=False, observed=True)
    codes = grouped.ngroup().to_numpy(dtype=np.intp)
    names = [", ".join(f"{c}={_text(v)}" for c, v in zip(spec, key, strict=True))
             for key in grouped.size().index]
    return codes, names


def measure(task: str, answers: Predictions, frame: Any, specs: Sequence[Spec],
            min_slice_size: int) -> list[dict[str, Any]]:
    """One entry per slice, overall first: its name, feature, rows, metrics and whether it is
    too small to judge (it is measured all the same)."""
    out = []
    n = len(answers.truth)
    overall = np.zeros(n, dtype=np.intp)
    plans: list[tuple[Spec, np.ndarray, list[str]]] = [((), overall, [OVERALL])]
    plans += [(spec, *group_codes(frame, spec)) for spec in specs]
    positive = None
    if task == "classification" and answers.classes is not None and len(answers.classes) <= 2:
        positive = answers.truth == answers.positive
    for spec, codes, names in plans:
        groups = len(names)
        values = metric_kernels.grouped(task, codes, groups, answers)
        rows = np.bincount(codes, minlength=groups)
        positives = None if positive is None else np.bincount(
            codes, weights=positive.astype(np.float64), minlength=groups)
        for index, name in enumerate(names):
            entry: dict[str, Any] = {
                "slice": name, "feature": spec_name(spec), "rows": int(rows[index]),
                "too_small": bool(spec) and int(rows[index]) < min_slice_size,
                "metrics": {k: float(v[index]) for k, v in values.items()},
            }
            if positives is not None:
                entry["positives"] = int(positives[index])
            out.append(entry)
    return out
