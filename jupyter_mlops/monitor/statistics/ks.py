"""``ks``: the two-sample Kolmogorov-Smirnov test of numbers (a p-value).

A built-in plugin file: ``statistics/__init__.py`` registers ``KS`` as a third party would.
"""

from __future__ import annotations

import numpy as np

from .base import Statistic

# scipy's ks_2samp is exact up to this many rows per side, asymptotic beyond.
_KS_EXACT_MAX = 10_000


def ks_statistic(ref: np.ndarray, cur: np.ndarray) -> float:
    """The two-sample Kolmogorov-Smirnov statistic of two sorted samples (as ``ks_2samp``)."""
    n, m = len(ref), len(cur)
    at_ref = np.abs(np.searchsorted(ref, ref, "right") / n - np.searchsorted(cur, ref, "right") / m)
    at_cur = np.abs(np.searchsorted(ref, cur, "right") / n - np.searchsorted(cur, cur, "right") / m)
    return float(max(at_ref.max(), at_cur.max()))


def ks_pvalue(ref: np.ndarray, cur: np.ndarray) -> float:
    """The two-sided K-S p-value of two sorted samples, by scipy's ``method="auto"`` rule."""
    from scipy import stats

    n, m = len(ref), len(cur)
    if max(n, m) <= _KS_EXACT_MAX:
        # scipy's exact path is a private routine; on samples this small the public call is
        # cheap and is the definition we must match.
        return float(stats.ks_2samp(ref, cur).pvalue)
    d = ks_statistic(ref, cur)
    big, small = max(n, m), min(n, m)
    en = big * small / (big + small)
    return float(np.clip(stats.kstwo.sf(d, np.round(en)), 0.0, 1.0))


def _ks_histogram(ref: np.ndarray, cur: np.ndarray, edges: np.ndarray) -> float:
    # Only the bin edges are known: the statistic is the largest CDF gap at an edge, a lower
    # bound of the raw-data statistic; the p-value is Smirnov's asymptotic one.
    from scipy import stats

    n, m = ref.sum(), cur.sum()
    d = float(np.abs(np.cumsum(ref) / n - np.cumsum(cur) / m).max())
    en = max(n, m) * min(n, m) / (n + m)
    return float(np.clip(stats.kstwo.sf(d, max(1.0, np.round(en))), 0.0, 1.0))


KS = Statistic("K-S p-value", "p_value", 0.05, values=ks_pvalue, histogram=_ks_histogram)
