"""``wasserstein``: the 1-Wasserstein distance of numbers, in units of the reference's spread.

A built-in plugin file: ``statistics/__init__.py`` registers ``WASSERSTEIN`` as a third party
would.
"""

from __future__ import annotations

import math

import numpy as np

from .base import STD_FLOOR, Statistic


def wasserstein(ref: np.ndarray, cur: np.ndarray) -> float:
    """The 1-Wasserstein distance of two sorted samples, in linear time after the sort.

    W1 is the integral of the gap between the quantile functions. Both are step functions whose
    steps fall on multiples of 1/n and 1/m; in units of 1/lcm(n, m) those are the integer
    progressions i*a and j*b, whose merge positions are known in closed form, so no merge sort
    is needed. Equal to ``scipy.stats.wasserstein_distance`` up to rounding.
    """
    n, m = len(ref), len(cur)
    if n == m:
        return float(np.mean(np.abs(ref - cur)))
    g = math.gcd(n, m)
    a, b = m // g, n // g
    total = n * a
    i = np.arange(n, dtype=np.int64)
    j = np.arange(m, dtype=np.int64)
    starts = np.empty(n + m, dtype=np.int64)
    # A step of ref at i*a comes after the j*b strictly below it; ties put ref first, and the
    # zero-width segment a tie leaves adds nothing.
    starts[i + (i * a + b - 1) // b] = i * a
    starts[j + (j * b) // a + 1] = j * b
    widths = np.diff(starts, append=total)
    gaps = np.abs(ref[starts // a] - cur[starts // b])
    return float(np.dot(widths, gaps) / total)


def wasserstein_normed(ref: np.ndarray, cur: np.ndarray) -> float:
    """Wasserstein distance in units of the reference's standard deviation (at least 0.001)."""
    return wasserstein(ref, cur) / max(float(np.std(ref)), STD_FLOOR)


def _wasserstein_histogram(ref: np.ndarray, cur: np.ndarray, edges: np.ndarray) -> float:
    # Mass spread evenly within each bin: both CDFs are piecewise linear on the same edges, so
    # the integral of their gap is exact per bin (a sign change splits the bin's triangle).
    gap = np.concatenate([[0.0], np.cumsum(ref) / ref.sum() - np.cumsum(cur) / cur.sum()])
    left, right, width = gap[:-1], gap[1:], np.diff(edges)
    same = left * right >= 0
    whole = width * (np.abs(left) + np.abs(right)) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        split = width * (left**2 + right**2) / (2 * (np.abs(left) + np.abs(right)))
    distance = float(np.where(same, whole, split).sum())
    centres = (edges[:-1] + edges[1:]) / 2
    weights = ref / ref.sum()
    mean = float(np.dot(weights, centres))
    variance = float(np.dot(weights, (centres - mean) ** 2 + width**2 / 12))
    return distance / max(math.sqrt(variance), STD_FLOOR)


WASSERSTEIN = Statistic("Wasserstein distance (normed)", "distance", 0.1,
                        values=wasserstein_normed, histogram=_wasserstein_histogram)
