"""Every drift statistic against scipy's own function on random data, to 1e-9."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.spatial import distance
from scipy.special import rel_entr

from jupyter_mlops.errors import InvalidInput
from jupyter_mlops.monitor import statistics as S

TOL = {"rtol": 1e-9, "atol": 1e-12}
# Sizes cover equal and unequal samples, coprime and shared factors, exact and asymptotic K-S.
SIZES = [(7, 5), (200, 200), (1000, 333), (600, 900), (12_000, 15_000)]


def samples(seed: int, n: int, m: int, ties: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ref, cur = rng.normal(0, 1, n), rng.normal(0.2, 1.3, m)
    if ties:
        ref, cur = np.round(ref, 1), np.round(cur, 1)
    return np.sort(ref), np.sort(cur)


def counts(seed: int, k: int, zeros: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ref = rng.integers(1, 500, k)
    cur = rng.integers(1, 500, k)
    if zeros:
        ref[0] = 0
        cur[-1] = 0
    return ref, cur


@pytest.mark.parametrize(("n", "m"), SIZES)
@pytest.mark.parametrize("ties", [False, True])
def test_ks_matches_scipy(n, m, ties):
    ref, cur = samples(n + m, n, m, ties)
    expected = stats.ks_2samp(ref, cur)
    np.testing.assert_allclose(S.ks_statistic(ref, cur), expected.statistic, **TOL)
    np.testing.assert_allclose(S.ks_pvalue(ref, cur), expected.pvalue, **TOL)


@pytest.mark.parametrize(("n", "m"), [*SIZES, (1, 1), (3, 1), (100_000, 99_999)])
@pytest.mark.parametrize("ties", [False, True])
def test_wasserstein_matches_scipy(n, m, ties):
    ref, cur = samples(n * 3 + m, n, m, ties)
    np.testing.assert_allclose(S.wasserstein(ref, cur), stats.wasserstein_distance(ref, cur),
                               **TOL)
    normed = stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)
    np.testing.assert_allclose(S.wasserstein_normed(ref, cur), normed, **TOL)


@pytest.mark.parametrize("k", [2, 3, 12])
@pytest.mark.parametrize("seed", [0, 1])
def test_chi_squared_matches_scipy(k, seed):
    ref, cur = counts(seed, k)
    expected = stats.chi2_contingency(np.vstack([ref, cur]), correction=False)
    np.testing.assert_allclose(S.chi_squared(ref, cur), expected.pvalue, **TOL)


def test_chi_squared_with_a_category_empty_on_both_sides_drops_it():
    ref, cur = np.array([30, 0, 50, 20]), np.array([40, 0, 40, 25])
    expected = stats.chi2_contingency(np.array([[30, 50, 20], [40, 40, 25]]), correction=False)
    np.testing.assert_allclose(S.chi_squared(ref, cur), expected.pvalue, **TOL)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_z_test_equals_the_2x2_chi_squared(seed):
    ref, cur = counts(seed, 2)
    expected = stats.chi2_contingency(np.vstack([ref, cur]), correction=False)
    np.testing.assert_allclose(S.z_test(ref, cur), expected.pvalue, **TOL)


def test_z_test_on_identical_constant_columns_is_one_and_refuses_three_categories():
    assert S.z_test(np.array([10, 0]), np.array([7, 0])) == 1.0
    with pytest.raises(InvalidInput, match="chi2"):
        S.z_test(np.array([1, 2, 3]), np.array([1, 2, 3]))


@pytest.mark.parametrize("k", [2, 5, 30])
@pytest.mark.parametrize("zeros", [False, True])
def test_distribution_distances_match_scipy(k, zeros):
    ref, cur = counts(k, k, zeros)
    p, q = ref / ref.sum(), cur / cur.sum()
    np.testing.assert_allclose(S.jensen_shannon(ref, cur), distance.jensenshannon(p, q), **TOL)
    np.testing.assert_allclose(
        S.hellinger(ref, cur), distance.euclidean(np.sqrt(p), np.sqrt(q)) / np.sqrt(2), **TOL
    )
    pf, qf = S.proportions(ref, fill_zeros=True), S.proportions(cur, fill_zeros=True)
    np.testing.assert_allclose(S.kl_divergence(ref, cur), stats.entropy(pf, qf), **TOL)
    np.testing.assert_allclose(S.psi(ref, cur), np.sum(rel_entr(qf, pf) + rel_entr(pf, qf)),
                               **TOL)


def test_zero_fill_keeps_psi_and_kl_finite():
    ref, cur = np.array([100, 0]), np.array([50, 50])
    assert np.isfinite(S.psi(ref, cur)) and S.psi(ref, cur) > 1
    assert np.isfinite(S.kl_divergence(cur, ref))


@pytest.mark.parametrize(("n", "m"), [(50, 70), (5000, 3000)])
def test_binning_matches_numpy_histogram(n, m):
    ref, cur = samples(n, n, m)
    edges = S.histogram_edges(ref, cur)
    np.testing.assert_array_equal(edges, np.histogram_bin_edges(np.concatenate([ref, cur]),
                                                                bins=S.NUMERIC_BINS))
    np.testing.assert_array_equal(S.binned(ref, edges), np.histogram(ref, edges)[0])
    np.testing.assert_array_equal(S.binned(cur, edges), np.histogram(cur, edges)[0])


def test_numeric_distance_on_bins_matches_scipy_on_numpy_histograms():
    ref, cur = samples(3, 4000, 2500)
    edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins=S.NUMERIC_BINS)
    p, q = np.histogram(ref, edges)[0], np.histogram(cur, edges)[0]
    value = S.get("jensenshannon").values(ref, cur)
    np.testing.assert_allclose(value, distance.jensenshannon(p / p.sum(), q / q.sum()), **TOL)


def test_histogram_wasserstein_approximates_the_raw_one():
    ref, cur = samples(4, 20_000, 20_000)
    edges = np.linspace(ref[0], ref[-1], 61)
    ref_counts = S.binned(ref, edges)
    below = int(np.searchsorted(cur, edges[0]))
    above = len(cur) - int(np.searchsorted(cur, edges[-1], side="right"))
    wide = np.concatenate([[min(cur[0], edges[0])], edges, [max(cur[-1], edges[-1])]])
    cur_counts = np.concatenate([[below], S.binned(cur, edges), [above]])
    approx = S.get("wasserstein").histogram(np.concatenate([[0], ref_counts, [0]]), cur_counts,
                                            wide)
    exact = S.wasserstein_normed(ref, cur)
    assert abs(approx - exact) < 0.05 * exact


def test_registry_names_lookup_and_registration():
    assert {"ks", "chi2", "z", "wasserstein", "jensenshannon", "psi", "kl_div",
            "hellinger"} <= set(S.names())
    with pytest.raises(InvalidInput, match=r"No drift statistic named 'energy'.*ks"):
        S.get("energy")
    energy = S.Statistic("energy distance", "distance", 0.2,
                         values=lambda a, b: float(stats.energy_distance(a, b)))
    S.register("energy_test", energy)
    try:
        assert S.get("energy_test") is energy
        assert energy.drifted(0.3, 0.2) and not energy.drifted(0.1, 0.2)
    finally:
        S.unregister("energy_test")
    with pytest.raises(InvalidInput, match="p_value"):
        S.register("bad", S.Statistic("bad", "score", 0.1))


def test_p_value_and_distance_verdicts_read_opposite_ways():
    assert S.get("ks").drifted(0.01, 0.05) and not S.get("ks").drifted(0.5, 0.05)
    assert S.get("wasserstein").drifted(0.1, 0.1) and not S.get("wasserstein").drifted(0.09, 0.1)
    assert not S.get("ks").drifted(float("nan"), 0.05)
