"""What a drift statistic is, and the helpers the built-in ones share.

A statistic compares one column of the reference with the same column of the current data and
returns one number. It is either a test, whose value is a p-value and which flags drift when
the value is *below* its threshold, or a distance, which flags drift when the value is *at or
above* its threshold (the conventions of Evidently, so thresholds carry over).

Each statistic implements any of three inputs, all prepared once per column by the caller:

- ``values(ref, cur)``: two sorted float64 arrays without NaN (numbers, raw data);
- ``counts(ref, cur)``: two aligned int arrays of category counts (same categories, same order);
- ``histogram(ref, cur, edges)``: two aligned counts over shared numeric bin ``edges``, for a
  reference that is only a stored profile (approximations, stated in the report).

Working on sorted arrays makes every numeric statistic linear after the sort, and histograms
of sorted data cost one ``searchsorted`` per edge.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

ValuesFn = Callable[[np.ndarray, np.ndarray], float]
CountsFn = Callable[[np.ndarray, np.ndarray], float]
HistogramFn = Callable[[np.ndarray, np.ndarray, np.ndarray], float]

NUMERIC_BINS = 30
"""Equal-width bins over the joint range for distribution statistics of numbers (Evidently's)."""

STD_FLOOR = 0.001
"""The smallest reference standard deviation a distance in its units divides by."""


@dataclass(frozen=True)
class Statistic:
    """A drift statistic: how to compute it and how to read its value.

    Parameters
    ----------
    label:
        The name shown in reports, e.g. "K-S p-value".
    kind:
        ``"p_value"`` (drift when value < threshold) or ``"distance"`` (drift when value >=
        threshold).
    threshold:
        The default threshold.
    values, counts, histogram:
        Implementations for sorted numbers, category counts and profile histograms; None where
        the statistic does not apply.
    """

    label: str
    kind: str
    threshold: float
    values: ValuesFn | None = None
    counts: CountsFn | None = None
    histogram: HistogramFn | None = None

    def drifted(self, value: float, threshold: float) -> bool:
        """Whether ``value`` means drift at ``threshold``; NaN never does."""
        if math.isnan(value):
            return False
        return value < threshold if self.kind == "p_value" else value >= threshold


def histogram_edges(ref: np.ndarray, cur: np.ndarray, bins: int = NUMERIC_BINS) -> np.ndarray:
    """``np.histogram_bin_edges`` of both sorted samples together, without concatenating them."""
    lo = min(ref[0], cur[0])
    hi = max(ref[-1], cur[-1])
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, bins + 1)


def binned(sorted_values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts of sorted values per bin, as ``np.histogram`` gives (last bin closed)."""
    cumulative = np.searchsorted(sorted_values, edges[:-1], side="left")
    last = np.searchsorted(sorted_values, edges[-1], side="right")
    return np.diff(np.append(cumulative, last))


def proportions(counts: np.ndarray, fill_zeros: bool = False) -> np.ndarray:
    """Counts as proportions; with ``fill_zeros`` empty cells get a small positive share.

    PSI and KL divergence are infinite when a cell is empty on one side; like Evidently, an
    empty cell gets 0.0001, or a millionth of the smallest share when that is smaller.
    """
    total = counts.sum()
    shares = counts / total if total else np.zeros(len(counts))
    if fill_zeros and len(shares):
        nonzero = shares[shares > 0]
        smallest = nonzero.min() if len(nonzero) else 1.0
        fill = smallest / 1e6 if smallest <= 0.0001 else 0.0001
        shares = np.where(shares == 0, fill, shares)
    return shares


def on_bins(fn: CountsFn) -> ValuesFn:
    """A statistic of counts applied to numbers: on equal-width bins of the joint range."""

    def values(ref: np.ndarray, cur: np.ndarray) -> float:
        edges = histogram_edges(ref, cur)
        return fn(binned(ref, edges), binned(cur, edges))

    values.__doc__ = f"{fn.__name__} on {NUMERIC_BINS} equal-width bins of the joint range."
    return values


def on_histogram(fn: CountsFn) -> HistogramFn:
    """A statistic of counts applied to a profile's histogram: its bins are the categories."""

    def histogram(ref: np.ndarray, cur: np.ndarray, edges: np.ndarray) -> float:
        return fn(ref, cur)

    return histogram
