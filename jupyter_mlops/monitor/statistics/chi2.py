"""``chi2``: Pearson's chi-squared test of homogeneity of categories (a p-value).

A built-in plugin file: ``statistics/__init__.py`` registers ``CHI2`` as a third party would.
"""

from __future__ import annotations

import numpy as np

from .base import Statistic


def chi_squared(ref: np.ndarray, cur: np.ndarray) -> float:
    """p-value of Pearson's chi-squared test of homogeneity on the 2 x k table of counts.

    Equal to ``scipy.stats.chi2_contingency(table, correction=False).pvalue``; categories empty
    on both sides are dropped, and one category left means nothing to test (p = 1).
    """
    from scipy import stats

    table = np.vstack([ref, cur]).astype(np.float64)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 1.0
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    statistic = float(((table - expected) ** 2 / expected).sum())
    return float(stats.chi2.sf(statistic, table.shape[1] - 1))


CHI2 = Statistic("chi-square p-value", "p_value", 0.05, counts=chi_squared)
