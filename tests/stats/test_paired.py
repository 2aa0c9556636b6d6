"""Paired tests against scipy/statsmodels, and their edge cases."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats as sps
from scipy.optimize import minimize_scalar
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar

from harness.stats import (
    PairedResult,
    bootstrap_against,
    clustered_se,
    compare,
    mcnemar,
    paired_bootstrap,
    paired_clustered,
    sign_flip_permutation,
)
from harness.stats._tango import constrained_p10, score_z


def _binary_pair(n: int, seed: int, flip: float = 0.2, shift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = (rng.random(n) < 0.6).astype(float)
    b = np.where(rng.random(n) < flip, 1 - a, a)
    b = np.where(rng.random(n) < shift, 1.0, b)
    return a, b


def _continuous_pair(n: int, seed: int, shift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    level = rng.beta(2, 2, n)
    a = np.clip(level + rng.normal(0, 0.1, n), 0, 1)
    b = np.clip(level + shift + rng.normal(0, 0.1, n), 0, 1)
    return a, b


# --- McNemar and Tango's interval -------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_mcnemar_p_matches_statsmodels(seed: int) -> None:
    n = [12, 40, 150, 700][seed % 4]
    a, b = _binary_pair(n, seed, flip=0.1 + 0.05 * seed, shift=0.05 * (seed % 3))
    res = mcnemar(a, b)
    table = [[np.sum((a == 1) & (b == 1)), np.sum((a == 1) & (b == 0))]]
    table.append([np.sum((a == 0) & (b == 1)), np.sum((a == 0) & (b == 0))])
    assert res.p_value == pytest.approx(sm_mcnemar(np.array(table), exact=True).pvalue, rel=1e-12)
    assert res.discordant == (table[0][1], table[1][0])
    assert res.delta == pytest.approx(b.mean() - a.mean())
    assert res.ci_low <= res.delta <= res.ci_high


def _brute_p10(delta: float, n10: int, n01: int, n: int) -> float:
    """Constrained MLE of p10 by direct numerical maximisation of the multinomial likelihood."""
    nc = n - n10 - n01
    lo, hi = max(0.0, -delta), (1 - delta) / 2

    def nll(p: float) -> float:
        terms = [(n10, p), (n01, p + delta), (nc, 1 - 2 * p - delta)]
        return -sum(k * math.log(max(q, 1e-300)) for k, q in terms if k > 0)

    return float(minimize_scalar(nll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12}).x)


@pytest.mark.parametrize(
    ("n10", "n01", "n", "delta"), [(5, 12, 60, 0.05), (3, 0, 40, -0.1), (20, 9, 80, 0.2)]
)
def test_tango_constrained_mle_is_the_likelihood_maximum(n10: int, n01: int, n: int, delta: float) -> None:
    assert constrained_p10(delta, n10, n01, n) == pytest.approx(_brute_p10(delta, n10, n01, n), abs=1e-6)


def test_tango_statistic_at_zero_is_mcnemars() -> None:
    n10, n01, n = 14, 27, 200
    chi2 = sm_mcnemar(np.array([[100, n10], [n01, n - 100 - n10 - n01]]), exact=False, correction=False)
    assert score_z(0.0, n10, n01, n) ** 2 == pytest.approx(chi2.statistic)


def test_tango_interval_inverts_the_score_test() -> None:
    a, b = _binary_pair(120, 3, flip=0.15)
    res = mcnemar(a, b, level=0.9)
    n10, n01 = res.discordant or (0, 0)
    z = sps.norm.ppf(0.95)
    assert score_z(res.ci_low, n10, n01, 120) == pytest.approx(z, abs=1e-6)
    assert score_z(res.ci_high, n10, n01, 120) == pytest.approx(-z, abs=1e-6)


def test_tango_interval_without_discordance_has_closed_form() -> None:
    res = mcnemar(np.ones(50), np.ones(50))
    z2 = sps.norm.ppf(0.975) ** 2
    assert (res.delta, res.p_value, res.discordant) == (0.0, 1.0, (0, 0))
    assert res.ci_high == pytest.approx(z2 / (50 + z2), abs=1e-9)
    assert res.ci_low == pytest.approx(-z2 / (50 + z2), abs=1e-9)


def test_tango_interval_reaches_the_boundary() -> None:
    res = mcnemar(np.zeros(10), np.ones(10))
    assert res.delta == 1.0 and res.ci_high == 1.0
    assert score_z(res.ci_low, 0, 10, 10) == pytest.approx(sps.norm.ppf(0.975), abs=1e-6)


def test_mcnemar_rejects_continuous_scores() -> None:
    with pytest.raises(ValueError, match="binary"):
        mcnemar([0.5, 1.0], [1.0, 0.0])


# --- bootstrap -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_bootstrap_close_to_scipy_paired(method: str) -> None:
    a, b = _continuous_pair(300, 1, shift=0.03)
    res = paired_bootstrap(a, b, method=method, n_resamples=10_000, seed=1)  # type: ignore[arg-type]
    ref = sps.bootstrap(
        (a, b),
        lambda x, y, axis: np.mean(y - x, axis=axis),
        paired=True,
        vectorized=True,
        n_resamples=10_000,
        method="BCa" if method == "bca" else "percentile",
        rng=np.random.default_rng(2),
    )
    tol = 0.1 * ref.standard_error
    assert res.ci_low == pytest.approx(ref.confidence_interval.low, abs=tol)
    assert res.ci_high == pytest.approx(ref.confidence_interval.high, abs=tol)


def test_bca_moves_the_interval_for_a_skewed_statistic() -> None:
    rng = np.random.default_rng(4)
    a, b = np.zeros(80), rng.exponential(1.0, 80) ** 2 / 20
    pct = paired_bootstrap(a, b, method="percentile", seed=4)
    bca = paired_bootstrap(a, b, method="bca", seed=4)
    ref = sps.bootstrap((b,), np.mean, method="BCa", n_resamples=10_000, rng=np.random.default_rng(5))
    assert bca.ci_high > pct.ci_high
    assert bca.ci_high == pytest.approx(ref.confidence_interval.high, abs=0.1 * ref.standard_error)


def test_bootstrap_against_matches_single_pairs_with_the_same_seed() -> None:
    a, b = _binary_pair(400, 2, flip=0.2)
    others = [b, 1 - a, np.roll(b, 3)]
    for method in ("percentile", "bca"):
        many = bootstrap_against(a, others, n_resamples=3000, seed=9, method=method)
        for o, r in zip(others, many, strict=True):
            one = paired_bootstrap(a, o, n_resamples=3000, seed=9, method=method)
            assert (r.ci_low, r.ci_high, r.p_value) == pytest.approx((one.ci_low, one.ci_high, one.p_value))


def test_custom_statistic_sees_the_same_resamples() -> None:
    a, b = _continuous_pair(150, 6, shift=0.02)
    default = paired_bootstrap(a, b, n_resamples=2000, seed=3, method="bca")
    custom = paired_bootstrap(a, b, lambda x, y: y.mean() - x.mean(), n_resamples=2000, seed=3, method="bca")
    assert (custom.ci_low, custom.ci_high, custom.p_value) == pytest.approx(
        (default.ci_low, default.ci_high, default.p_value)
    )


def test_custom_statistic_on_rows_with_a_category_column() -> None:
    rng = np.random.default_rng(8)
    cat = rng.integers(0, 3, 200).astype(float)
    a = np.column_stack([(rng.random(200) < 0.5).astype(float), cat])
    b = np.column_stack([(rng.random(200) < 0.5 + 0.1 * cat).astype(float), cat])

    def macro(x: np.ndarray, y: np.ndarray) -> float:
        cats = np.unique(x[:, 1])
        return float(np.mean([y[y[:, 1] == c, 0].mean() - x[x[:, 1] == c, 0].mean() for c in cats]))

    res = paired_bootstrap(a, b, macro, n_resamples=500, seed=0)
    assert res.delta == pytest.approx(macro(a, b))
    assert res.mean_a == pytest.approx(a[:, 0].mean())
    assert res.ci_low < res.delta < res.ci_high


def test_singleton_clusters_are_the_item_bootstrap() -> None:
    a, b = _continuous_pair(120, 2)
    item = paired_bootstrap(a, b, n_resamples=2000, seed=5)
    single = paired_bootstrap(a, b, n_resamples=2000, seed=5, cluster=np.arange(120))
    assert (single.ci_low, single.ci_high, single.p_value) == (item.ci_low, item.ci_high, item.p_value)


def test_cluster_bootstrap_width_tracks_clustered_se() -> None:
    rng = np.random.default_rng(11)
    cluster = np.repeat(np.arange(150), 4)
    shared = np.repeat(rng.normal(0, 0.3, 150), 4)
    a = (rng.random(600) < 0.5).astype(float)
    b = np.clip(a + shared + rng.normal(0, 0.2, 600), 0, 1)
    res = paired_bootstrap(a, b, cluster=cluster, seed=1)
    naive = paired_bootstrap(a, b, seed=1)
    se = clustered_se(b - a, cluster)
    assert res.ci_high - res.ci_low == pytest.approx(2 * 1.96 * se, rel=0.1)
    assert res.ci_high - res.ci_low > 1.3 * (naive.ci_high - naive.ci_low)
    custom = paired_bootstrap(
        a, b, lambda x, y: y.mean() - x.mean(), n_resamples=2000, cluster=cluster, seed=1
    )
    assert custom.ci_high - custom.ci_low == pytest.approx(2 * 1.96 * se, rel=0.15)


def test_bootstrap_p_value_bounds_and_determinism() -> None:
    same = paired_bootstrap(np.ones(30), np.ones(30), n_resamples=999)
    assert (same.delta, same.p_value, same.ci_low, same.ci_high) == (0.0, 1.0, 0.0, 0.0)
    a, b = _binary_pair(300, 1, flip=0.02, shift=0.6)
    far = paired_bootstrap(a, b, n_resamples=999)
    assert far.p_value == pytest.approx(1 / 1000)
    again = paired_bootstrap(a, b, n_resamples=999)
    other = paired_bootstrap(np.r_[a, a], np.r_[b, 1 - b], n_resamples=999, seed=1)
    assert again == far and other != far


def test_bootstrap_needs_two_items() -> None:
    with pytest.raises(ValueError, match="at least two items"):
        paired_bootstrap([0.0], [1.0])
    with pytest.raises(ValueError, match="at least two items"):
        paired_bootstrap([0.0], [1.0], lambda x, y: float(y.sum()))


def test_bootstrap_rejects_unknown_method() -> None:
    with pytest.raises(ValueError, match="method"):
        paired_bootstrap([0, 1], [1, 1], method="basic")  # type: ignore[arg-type]


# --- sign-flip permutation -------------------------------------------------------------------------


def _scipy_permutation(a: np.ndarray, b: np.ndarray, n_resamples: int) -> float:
    res = sps.permutation_test(
        (a, b),
        lambda x, y, axis: np.mean(y - x, axis=axis),
        permutation_type="samples",
        vectorized=True,
        n_resamples=n_resamples,
        rng=np.random.default_rng(0),
    )
    return float(res.pvalue)


@pytest.mark.parametrize("seed", range(4))
def test_exact_sign_flip_matches_scipy(seed: int) -> None:
    a, b = _continuous_pair(12, seed, shift=0.05 * seed)
    res = sign_flip_permutation(a, b)
    assert "exact" in res.method
    assert res.p_value == pytest.approx(_scipy_permutation(a, b, 10_000), abs=1e-12)


def test_exact_sign_flip_ignores_tied_pairs() -> None:
    a, b = _binary_pair(40, 7, flip=0.25)
    res = sign_flip_permutation(a, b)
    m = int(np.sum(a != b))
    assert m <= 16 and "exact" in res.method
    assert res.p_value == pytest.approx(sps.binomtest(int(np.sum(b > a)), m).pvalue)


@pytest.mark.parametrize("seed", range(3))
def test_monte_carlo_sign_flip_matches_scipy(seed: int) -> None:
    a, b = _continuous_pair(200, seed, shift=0.01 + 0.005 * seed)
    res = sign_flip_permutation(a, b, n_resamples=20_000, seed=seed)
    ref = _scipy_permutation(a, b, 20_000)
    mc = math.sqrt(ref * (1 - ref) / 20_000)
    assert abs(res.p_value - ref) < 4 * math.sqrt(2) * mc + 1e-4
    assert math.isnan(res.ci_low)


def test_sign_flip_all_ties_is_p_one() -> None:
    res = sign_flip_permutation([0.2, 0.5, 1.0], [0.2, 0.5, 1.0])
    assert (res.delta, res.p_value) == (0.0, 1.0)


# --- clustered -------------------------------------------------------------------------------------


def test_clustered_matches_statsmodels_ols() -> None:
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 15, 240)
    a = rng.random(240)
    b = np.clip(a + 0.05 * (groups % 3) + rng.normal(0, 0.1, 240), 0, 1)
    fit = sm.OLS(b - a, np.ones(240)).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    assert clustered_se(b - a, groups) == pytest.approx(fit.bse[0], rel=1e-10)
    res = paired_clustered(a, b, [f"img{g}" for g in groups], level=0.9)
    low, high = fit.conf_int(alpha=0.1)[0]
    assert (res.p_value, res.ci_low, res.ci_high) == pytest.approx((fit.pvalues[0], low, high), rel=1e-9)


def test_clustered_needs_two_clusters_and_one_label_per_item() -> None:
    with pytest.raises(ValueError, match="two clusters"):
        clustered_se([0.1, 0.2], [1, 1])
    with pytest.raises(ValueError, match="one label per item"):
        paired_clustered([0, 1, 1], [1, 1, 1], [0, 1])
    with pytest.raises(ValueError, match=r"cluster\[1\] is NaN"):
        clustered_se([0.1, 0.2], [0.0, np.nan])


def test_clustered_constant_difference() -> None:
    res = paired_clustered([0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0, 0, 1, 1])
    assert (res.delta, res.p_value) == (0.0, 1.0)


# --- compare and input checks ----------------------------------------------------------------------


def test_compare_picks_the_test_for_the_scores() -> None:
    a, b = _binary_pair(100, 0)
    assert "McNemar" in compare(a, b).method
    assert "cluster" in compare(a, b, cluster=np.arange(100) // 4).method
    ca, cb = _continuous_pair(100, 0)
    res = compare(ca, cb, n_resamples=999)
    assert "sign-flip" in res.method and "bootstrap" in res.method
    assert res.ci_low < res.delta < res.ci_high
    assert res.p_value == sign_flip_permutation(ca, cb, n_resamples=999).p_value
    assert "bootstrap" in compare(a, b, kind="continuous", n_resamples=99).method
    with pytest.raises(ValueError, match="kind"):
        compare(a, b, kind="ordinal")  # type: ignore[arg-type]


@pytest.mark.parametrize("fn", [mcnemar, paired_bootstrap, sign_flip_permutation, compare])
def test_input_errors(fn: Callable[[Any, Any], PairedResult]) -> None:
    with pytest.raises(ValueError, match="empty"):
        fn([], [])
    with pytest.raises(ValueError, match="shapes"):
        fn([0.0, 1.0], [1.0])
    with pytest.raises(ValueError, match=r"b\[2\] is nan"):
        fn([0.0, 1.0, 1.0], [1.0, 1.0, np.nan])
    with pytest.raises(ValueError, match="one-dimensional"):
        fn([[0.0]], [[1.0]])


def test_level_is_checked() -> None:
    with pytest.raises(ValueError, match="level"):
        mcnemar([0, 1], [1, 1], level=95)
