"""``jensenshannon``, ``psi``, ``kl_div``, ``hellinger``: distances between two distributions.

One family: each compares two vectors of counts, so each applies to categories, to numbers on
equal-width bins of the joint range, and to a profile's histogram alike. A built-in plugin
file: ``statistics/__init__.py`` registers ``FAMILY`` as a third party would.
"""

from __future__ import annotations

import math

import numpy as np

from .base import CountsFn, Statistic, on_bins, on_histogram, proportions


def jensen_shannon(ref: np.ndarray, cur: np.ndarray) -> float:
    """Jensen-Shannon distance (natural log) of two count vectors, as ``scipy``'s."""
    from scipy.special import rel_entr

    p, q = proportions(ref), proportions(cur)
    mid = (p + q) / 2
    divergence = (rel_entr(p, mid).sum() + rel_entr(q, mid).sum()) / 2
    return float(math.sqrt(max(divergence, 0.0)))


def psi(ref: np.ndarray, cur: np.ndarray) -> float:
    """Population stability index: sum of (cur - ref) * ln(cur / ref) over zero-filled shares."""
    p, q = proportions(ref, fill_zeros=True), proportions(cur, fill_zeros=True)
    return float(np.sum((q - p) * np.log(q / p)))


def kl_divergence(ref: np.ndarray, cur: np.ndarray) -> float:
    """Kullback-Leibler divergence KL(ref || cur) of zero-filled shares, as ``stats.entropy``."""
    from scipy.special import rel_entr

    p, q = proportions(ref, fill_zeros=True), proportions(cur, fill_zeros=True)
    return float(rel_entr(p / p.sum(), q / q.sum()).sum())


def hellinger(ref: np.ndarray, cur: np.ndarray) -> float:
    """Hellinger distance of two count vectors: the root-shares' Euclidean gap over sqrt(2)."""
    p, q = proportions(ref), proportions(cur)
    return float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)) / math.sqrt(2))


def _distance(label: str, fn: CountsFn) -> Statistic:
    return Statistic(label, "distance", 0.1, values=on_bins(fn), counts=fn,
                     histogram=on_histogram(fn))


FAMILY: dict[str, Statistic] = {
    "jensenshannon": _distance("Jensen-Shannon distance", jensen_shannon),
    "psi": _distance("PSI", psi),
    "kl_div": _distance("Kullback-Leibler divergence", kl_divergence),
    "hellinger": _distance("Hellinger distance", hellinger),
}
