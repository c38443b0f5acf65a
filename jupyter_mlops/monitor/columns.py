"""One column's side-by-side preparation and test: types, nulls, the statistic, the verdict.

Numbers are sorted once per side (NaN and infinities cut off the ends of the sorted array),
and every numeric statistic, histogram and range check then works on the sorted arrays.
Categories are counted once per side and aligned. The statistic is chosen by Evidently's rule
of sample size: with a reference of at most 1,000 non-null values, K-S for numbers and
chi-squared (z-test for two categories) at p < 0.05; above that, normed Wasserstein for numbers
and Jensen-Shannon for categories at 0.1.

Two deliberate departures from Evidently's defaults (so its verdicts can differ on such
columns): our chi-squared is the 2 x k test of homogeneity (``chi2_contingency``), where
Evidently's ``chisquare`` tests the current counts against the reference's frequencies as if
those were exact (overconfident for a small reference, and undefined for a category the
reference lacks); and a number with at most ``FEW_VALUES`` (5) distinct values is tested as a
category, where Evidently treats integer columns with up to 10 distinct values so (a rating of
1-10 keeps its order here and is tested as a number).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InvalidInput
from ..records import DriftResult
from . import statistics

# At most this many distinct values make a numeric column a set of categories (profiles too).
FEW_VALUES = 5
SMALL_REFERENCE = 1_000
FIGURE_CATEGORIES = 20


def is_numeric(series: Any) -> bool:
    """Whether a pandas Series holds numbers (booleans count as categories)."""
    from pandas.api import types

    return bool(types.is_numeric_dtype(series.dtype) and not types.is_bool_dtype(series.dtype))


def _is_datetime(series: Any) -> bool:
    from pandas.api import types

    return bool(types.is_datetime64_any_dtype(series.dtype)
                or types.is_timedelta64_dtype(series.dtype))


def sorted_finite(series: Any) -> tuple[np.ndarray, int]:
    """The finite values of a numeric Series, sorted, and how many were null or infinite."""
    # One copy, sorted in place: np.sort would copy what to_numpy may already have copied.
    values = series.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    values.sort()
    # np.sort puts -inf first and +inf, then NaN, last; searchsorted orders NaN the same way.
    lo = int(np.searchsorted(values, -np.inf, side="right"))
    hi = int(np.searchsorted(values, np.inf, side="left"))
    return values[lo:hi], len(values) - (hi - lo)


@dataclass
class Side:
    """One side of a column, prepared: sorted numbers, category counts or a histogram."""

    rows: int
    nulls: int = 0
    values: np.ndarray | None = None
    counts: dict[Any, int] | None = None
    histogram: tuple[np.ndarray, np.ndarray] | None = None
    other: int = 0

    @property
    def present(self) -> int:
        return self.rows - self.nulls


@dataclass
class Plan:
    """What to test for one column, decided before any statistic runs."""

    name: str
    role: str = "feature"
    method: str = "auto"
    threshold: float | None = None
    categorical: bool = False
    notes: list[str] = field(default_factory=list)


def prepare_frame(series: Any, plan: Plan) -> tuple[str, Side]:
    """The column's type and prepared side from a pandas Series."""
    rows = len(series)
    if _is_datetime(series):
        return "datetime", Side(rows, int(series.isna().sum()))
    if is_numeric(series) and not plan.categorical:
        values, missing = sorted_finite(series)
        return "numeric", Side(rows, missing, values=values)
    try:
        counts = {key: int(n) for key, n in series.value_counts(dropna=True).items()}
    except TypeError:
        return "unsupported", Side(rows, int(series.isna().sum()))
    return "categorical", Side(rows, rows - sum(counts.values()), counts=counts)


def prepare_profile(entry: dict[str, Any], rows: int, plan: Plan) -> tuple[str, Side]:
    """The column's type and prepared side from a profile entry (see ``monitor.profile``)."""
    if entry["type"] in ("datetime", "unsupported"):
        return entry["type"], Side(rows, entry["nulls"])
    if entry["type"] == "numeric" and not plan.categorical:
        side = Side(rows, entry["nulls"], histogram=(entry["edges"], entry["counts"]))
        if "values" in entry:
            side.counts = dict(entry["values"])
        return "numeric", side
    counts = dict(entry.get("values") or entry["counts"]) if entry["type"] == "numeric" \
        else dict(entry["counts"])
    return "categorical", Side(rows, entry["nulls"], counts=counts, other=entry.get("other", 0))


def compare(plan: Plan, kind_ref: str, ref: Side, kind_cur: str, cur: Side) -> DriftResult:
    """Test one prepared column and explain anything unusual in the result's note."""
    notes = list(plan.notes)
    details: dict[str, Any] = {
        "null_share_reference": ref.nulls / ref.rows if ref.rows else math.nan,
        "null_share_current": cur.nulls / cur.rows if cur.rows else math.nan,
    }
    kind = kind_ref
    if kind_ref != kind_cur:
        if ref.histogram is not None and ref.counts is None:
            why = f"numeric in the reference profile but {kind_cur} in the current data"
            return _untested(plan, kind_cur, [*notes, why], details)
        if {kind_ref, kind_cur} <= {"numeric", "categorical"}:
            notes.append(f"{kind_ref} in the reference but {kind_cur} in the current data; "
                         "compared as categories")
            ref, cur = _as_categories(ref, text=True), _as_categories(cur, text=True)
            kind = "categorical"
        else:
            why = f"{kind_ref} in the reference but {kind_cur} in the current data"
            return _untested(plan, kind_ref, [*notes, why], details)
    if kind in ("datetime", "unsupported"):
        why = "dates and times are not tested for drift" if kind == "datetime" \
            else "its values cannot be counted (unhashable)"
        return _untested(plan, kind, [*notes, why], details)
    for side, label in ((ref, "reference"), (cur, "current data")):
        if side.rows == 0:
            return _untested(plan, kind, [*notes, f"the {label} is empty"], details)
        if side.present == 0:
            return _untested(plan, kind, [*notes, f"all values are null in the {label}"],
                             details)
    if ref.nulls or cur.nulls:
        share_ref, share_cur = details["null_share_reference"], details["null_share_current"]
        notes.append(f"nulls ignored ({share_ref:.1%} of the reference, {share_cur:.1%} of "
                     "the current data)")
    try:
        return _test(plan, kind, ref, cur, notes, details)
    except InvalidInput as exc:
        return _untested(plan, kind, [*notes, str(exc)], details)


def _test(plan: Plan, kind: str, ref: Side, cur: Side, notes: list[str],
          details: dict[str, Any]) -> DriftResult:
    distinct = _distinct(ref, cur)
    few = distinct is not None and distinct <= FEW_VALUES
    if distinct is not None and distinct <= 1:
        notes.append("constant in both")
    elif kind == "numeric" and ref.values is not None and ref.values[0] == ref.values[-1]:
        notes.append("constant in the reference")
    # A number with few values is tested as a category unless the statistic asked for works
    # on numbers (an explicit "ks" stays K-S).
    if few and kind == "numeric" and plan.method != "auto":
        few = statistics.get(plan.method).values is None
    if kind == "categorical" or few:
        ref, cur = _as_categories(ref), _as_categories(cur)
        categories, ref_counts, cur_counts = _aligned(ref, cur)
        unseen = [c for c, n in zip(categories, ref_counts, strict=True) if n == 0]
        if unseen:
            shown = ", ".join(map(str, unseen[:5])) + (", ..." if len(unseen) > 5 else "")
            notes.append(f"{len(unseen)} categor{'y' if len(unseen) == 1 else 'ies'} not in "
                         f"the reference: {shown}")
        name = _auto_categorical(ref, len(categories)) if plan.method == "auto" else plan.method
        statistic = statistics.get(name)
        if statistic.counts is None:
            raise InvalidInput(f"{name!r} does not apply to categories; use "
                               f"{statistics.listing('counts')}")
        value = statistic.counts(ref_counts, cur_counts)
        details.update(_category_details(categories, ref_counts, cur_counts))
        if few and kind == "numeric":
            notes.append(f"{distinct} distinct values: tested as categories")
    else:
        name = plan.method
        if name == "auto":
            name = "ks" if ref.present <= SMALL_REFERENCE else "wasserstein"
        statistic = statistics.get(name)
        if ref.values is not None:
            value = _on_values(statistic, name, ref, cur)
            details.update(_numeric_details(ref.values, cur.values))
        else:
            value, numeric_details = _on_histogram(statistic, name, ref, cur)
            details.update(numeric_details)
            notes.append("reference from a profile: computed on its histogram")
    threshold = statistic.threshold if plan.threshold is None else float(plan.threshold)
    return DriftResult(plan.name, kind, name, float(value), threshold,
                       statistic.drifted(float(value), threshold), plan.role, "; ".join(notes),
                       details)


def _untested(plan: Plan, kind: str, notes: list[str], details: dict[str, Any]) -> DriftResult:
    return DriftResult(plan.name, kind, None, math.nan, math.nan, False, plan.role,
                       "; ".join(notes), details)


def _on_values(statistic: statistics.Statistic, name: str, ref: Side, cur: Side) -> float:
    if statistic.values is not None:
        return statistic.values(ref.values, cur.values)
    raise InvalidInput(f"{name!r} does not apply to numbers; use "
                       f"{statistics.listing('values')}")


def _on_histogram(statistic: statistics.Statistic, name: str, ref: Side,
                  cur: Side) -> tuple[float, dict[str, Any]]:
    if statistic.histogram is None:
        raise InvalidInput(f"{name!r} cannot use a profile's histogram; use "
                           f"{statistics.listing('histogram')}")
    edges, ref_counts = ref.histogram
    values = cur.values
    # Current values beyond the profile's range get a bin of their own on each side.
    lo, hi = min(edges[0], values[0]), max(edges[-1], values[-1])
    wide = np.concatenate([[lo], edges, [hi]])
    counts = np.concatenate([[0], ref_counts, [0]])
    below = int(np.searchsorted(values, edges[0], side="left"))
    above = len(values) - int(np.searchsorted(values, edges[-1], side="right"))
    cur_counts = np.concatenate([[below], statistics.binned(values, edges), [above]])
    value = statistic.histogram(counts, cur_counts, wide)
    details = {
        "edges": wide.tolist(), "reference_counts": counts.tolist(),
        "current_counts": cur_counts.tolist(),
        "out_of_range_share": (below + above) / len(values),
    }
    return value, details


def _distinct(ref: Side, cur: Side) -> int | None:
    """Distinct values over both sides (None when the profile cannot say)."""
    if ref.values is not None and cur.values is not None:
        a, b = _few_values(ref.values), _few_values(cur.values)
        if a is None or b is None:
            return FEW_VALUES + 1
        return len(np.union1d(a, b))
    if ref.counts is not None and cur.values is not None:
        b = _few_values(cur.values)
        if b is None:
            return FEW_VALUES + 1
        return len(set(ref.counts) | set(b.tolist()))
    if ref.histogram is not None:
        return FEW_VALUES + 1
    return len(set(ref.counts or {}) | set(cur.counts or {}))


def _few_values(values: np.ndarray) -> np.ndarray | None:
    # The distinct values of a sorted array when there are at most FEW_VALUES, else None;
    # checking a handful of positions first skips the full pass for continuous data.
    probe = values[:: max(1, len(values) // 64)]
    if len(np.unique(probe)) > FEW_VALUES:
        return None
    starts = np.flatnonzero(np.diff(values)) + 1
    if len(starts) >= FEW_VALUES:
        return None
    return values[np.concatenate([[0], starts])]


def _as_categories(side: Side, text: bool = False) -> Side:
    """The side as category counts; numbers count per distinct value, as text if ``text``."""
    if side.values is not None:
        starts = np.concatenate([[0], np.flatnonzero(np.diff(side.values)) + 1])
        sizes = np.diff(np.append(starts, len(side.values)))
        counts: dict[Any, int] = {float(v): int(n)
                                  for v, n in zip(side.values[starts], sizes, strict=True)}
    else:
        counts = dict(side.counts or {})
    if text:
        counts = {str(k): n for k, n in counts.items()}
    return Side(side.rows, side.nulls, counts=counts, other=side.other)


def _aligned(ref: Side, cur: Side) -> tuple[list[Any], np.ndarray, np.ndarray]:
    ref_counts, cur_counts = ref.counts or {}, cur.counts or {}
    if ref.other and not cur.other:
        # The profile kept only its top categories: fold the rest of the current data likewise.
        kept = {k: n for k, n in cur_counts.items() if k in ref_counts}
        cur_counts = {**kept, "(other)": sum(n for k, n in cur_counts.items()
                                              if k not in ref_counts)}
        ref_counts = {**ref_counts, "(other)": ref.other}
    categories = list(ref_counts) + [k for k in cur_counts if k not in ref_counts]
    return (categories,
            np.array([ref_counts.get(k, 0) for k in categories], dtype=np.int64),
            np.array([cur_counts.get(k, 0) for k in categories], dtype=np.int64))


def _auto_categorical(ref: Side, categories: int) -> str:
    if ref.present <= SMALL_REFERENCE:
        return "z" if categories <= 2 else "chi2"
    return "jensenshannon"


def _numeric_details(ref: np.ndarray, cur: np.ndarray) -> dict[str, Any]:
    edges = statistics.histogram_edges(ref, cur)
    below = int(np.searchsorted(cur, ref[0], side="left"))
    above = len(cur) - int(np.searchsorted(cur, ref[-1], side="right"))
    return {
        "edges": edges.tolist(),
        "reference_counts": statistics.binned(ref, edges).tolist(),
        "current_counts": statistics.binned(cur, edges).tolist(),
        "reference_range": [float(ref[0]), float(ref[-1])],
        "out_of_range_share": (below + above) / len(cur),
        "reference_mean": float(ref.mean()),
        "current_mean": float(cur.mean()),
    }


def _category_details(categories: list[Any], ref: np.ndarray,
                      cur: np.ndarray) -> dict[str, Any]:
    # Only the most frequent categories travel with the report: figures stay small and a
    # column of a million distinct ids cannot bloat a saved report.
    order = np.argsort(-(ref / max(ref.sum(), 1) + cur / max(cur.sum(), 1)), kind="stable")
    top = order[:FIGURE_CATEGORIES]
    rest = order[FIGURE_CATEGORIES:]
    labels = [str(categories[i]) for i in top]
    ref_top, cur_top = ref[top].tolist(), cur[top].tolist()
    if len(rest):
        labels.append(f"({len(rest)} others)")
        ref_top.append(int(ref[rest].sum()))
        cur_top.append(int(cur[rest].sum()))
    unseen = int(cur[ref == 0].sum())
    return {"categories": labels, "reference_counts": ref_top, "current_counts": cur_top,
            "distinct": len(categories),
            "out_of_range_share": unseen / cur.sum() if cur.sum() else 0.0}
