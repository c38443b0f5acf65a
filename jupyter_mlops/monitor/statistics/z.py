"""``z``: the two-proportion z-test of a binary column (a p-value).

A built-in plugin file: ``statistics/__init__.py`` registers ``Z`` as a third party would.
"""

from __future__ import annotations

import math

import numpy as np

from ...errors import InvalidInput
from .base import Statistic


def z_test(ref: np.ndarray, cur: np.ndarray) -> float:
    """p-value of the two-proportion z-test on a binary column (pooled variance, two-sided).

    The share of the first category is compared; z squared is the 2 x 2 chi-squared statistic,
    so this equals ``chi2_contingency(table, correction=False).pvalue``.
    """
    from scipy import stats

    if len(ref) > 2:
        raise InvalidInput(f"The z-test compares two categories, not {len(ref)}: use 'chi2'.")
    n1, n2 = ref.sum(), cur.sum()
    if n1 == 0 or n2 == 0:
        return 1.0
    p1, p2 = ref[0] / n1, cur[0] / n2
    pooled = (ref[0] + cur[0]) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return 1.0
    z = (p1 - p2) / math.sqrt(variance)
    return float(2 * stats.norm.sf(abs(z)))


Z = Statistic("Z-test p-value", "p_value", 0.05, counts=z_test)
