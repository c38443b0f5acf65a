"""The registry of drift statistics, and the eight that ship with jupyter-mlops.

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
of sorted data cost one ``searchsorted`` per edge. Our own statistics register exactly as a
third party's would: ``register("energy", Statistic(...))``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidInput

ValuesFn = Callable[[np.ndarray, np.ndarray], float]
CountsFn = Callable[[np.ndarray, np.ndarray], float]
HistogramFn = Callable[[np.ndarray, np.ndarray, np.ndarray], float]

NUMERIC_BINS = 30
"""Equal-width bins over the joint range for distribution statistics of numbers (Evidently's)."""

# scipy's ks_2samp is exact up to this many rows per side, asymptotic beyond.
_KS_EXACT_MAX = 10_000
_STD_FLOOR = 0.001


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


_REGISTRY: dict[str, Statistic] = {}


def register(name: str, impl: Statistic) -> None:
    """Make ``impl`` available as ``method=name`` in drift reports (replacing any of that name).

    Parameters
    ----------
    name:
        The name users pass, e.g. ``"ks"``.
    impl:
        The statistic.
    """
    if not isinstance(impl, Statistic):
        raise InvalidInput(f"register({name!r}, ...) takes a Statistic, not {type(impl).__name__}.")
    if impl.kind not in ("p_value", "distance"):
        raise InvalidInput(f"Statistic kind must be 'p_value' or 'distance', not {impl.kind!r}.")
    _REGISTRY[name] = impl


def get(name: str) -> Statistic:
    """The statistic registered as ``name``.

    Raises
    ------
    InvalidInput
        Naming the known statistics when ``name`` is not one of them.
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise InvalidInput(
            f"No drift statistic named {name!r}. Known statistics: {', '.join(names())}."
        ) from None


def names() -> list[str]:
    """The registered statistic names, sorted."""
    return sorted(_REGISTRY)


# -- shared helpers ---------------------------------------------------------------------------

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


def _on_bins(fn: CountsFn) -> ValuesFn:
    def values(ref: np.ndarray, cur: np.ndarray) -> float:
        edges = histogram_edges(ref, cur)
        return fn(binned(ref, edges), binned(cur, edges))

    values.__doc__ = f"{fn.__name__} on {NUMERIC_BINS} equal-width bins of the joint range."
    return values


def _on_histogram(fn: CountsFn) -> HistogramFn:
    def histogram(ref: np.ndarray, cur: np.ndarray, edges: np.ndarray) -> float:
        return fn(ref, cur)

    return histogram


# -- numbers ----------------------------------------------------------------------------------

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
    return wasserstein(ref, cur) / max(float(np.std(ref)), _STD_FLOOR)


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
    return distance / max(math.sqrt(variance), _STD_FLOOR)


# -- categories -------------------------------------------------------------------------------

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


register("ks", Statistic("K-S p-value", "p_value", 0.05, values=ks_pvalue,
                         histogram=_ks_histogram))
register("chi2", Statistic("chi-square p-value", "p_value", 0.05, counts=chi_squared))
register("z", Statistic("Z-test p-value", "p_value", 0.05, counts=z_test))
register("wasserstein", Statistic("Wasserstein distance (normed)", "distance", 0.1,
                                  values=wasserstein_normed, histogram=_wasserstein_histogram))
for _name, _label, _fn in (
    ("jensenshannon", "Jensen-Shannon distance", jensen_shannon),
    ("psi", "PSI", psi),
    ("kl_div", "Kullback-Leibler divergence", kl_divergence),
    ("hellinger", "Hellinger distance", hellinger),
):
    register(_name, Statistic(_label, "distance", 0.1, values=_on_bins(_fn), counts=_fn,
                              histogram=_on_histogram(_fn)))
