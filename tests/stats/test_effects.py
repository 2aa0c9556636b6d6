"""Tier interaction, seed-level comparison and the non-inferiority gate."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from harness.stats import Decision, interaction, noninferiority, seed_level
from harness.stats.effects import macro_noninferiority


def _tier(n: int, seed: int, gain: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = (rng.random(n) < 0.5).astype(float)
    b = np.where(rng.random(n) < 0.15, 1 - a, a)
    return a, np.where(rng.random(n) < gain, 1.0, b)


def test_interaction_estimate_and_interval() -> None:
    ae, be = _tier(400, 0, 0.0)
    ah, bh = _tier(300, 1, 0.4)
    res = interaction(ae, be, ah, bh, n_resamples=5000, seed=2)
    assert res.delta_easy == pytest.approx(be.mean() - ae.mean())
    assert res.estimate == pytest.approx(res.delta_hard - res.delta_easy)
    se = np.sqrt(np.var(be - ae) / 400 + np.var(bh - ah) / 300)
    assert res.ci_high - res.ci_low == pytest.approx(2 * 1.96 * se, rel=0.1)
    assert res.ci_low > 0 and res.p_value < 0.01
    assert (res.n_easy, res.n_hard) == (400, 300)


def test_interaction_without_difference_is_not_significant() -> None:
    ae, be = _tier(300, 3, 0.05)
    res = interaction(ae, be, ae, be, n_resamples=999)
    assert res.estimate == 0.0 and res.p_value == 1.0


def test_interaction_tiers_must_be_paired() -> None:
    with pytest.raises(ValueError, match="aligned"):
        interaction([0, 1], [1, 1], [0, 1, 1], [1, 1])


def test_seed_level_is_welch() -> None:
    a, b = [0.61, 0.63, 0.60, 0.64], [0.66, 0.65, 0.69]
    res = seed_level(a, b, level=0.9)
    ref = sps.ttest_ind(b, a, equal_var=False)
    ci = ref.confidence_interval(0.9)
    assert (res.p_value, res.df, res.ci_low, res.ci_high) == pytest.approx(
        (ref.pvalue, ref.df, ci.low, ci.high)
    )
    assert res.delta == pytest.approx(np.mean(b) - np.mean(a))


def test_seed_level_needs_three_seeds() -> None:
    with pytest.raises(ValueError, match="at least 3 seeds per arm, arm b has 2"):
        seed_level([0.1, 0.2, 0.3], [0.2, 0.3])
    with pytest.raises(ValueError, match=r"scores_a\[1\]"):
        seed_level([0.1, np.nan, 0.3], [0.2, 0.3, 0.4])


def _binary(n: int, seed: int, drop: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = (rng.random(n) < 0.7).astype(float)
    return a, np.where(rng.random(n) < drop, 0.0, a)


def test_noninferiority_decisions_binary() -> None:
    a, b = _binary(2000, 0, 0.0)
    assert noninferiority(a, b, margin=0.01).decision is Decision.PASS
    a, b = _binary(2000, 0, 0.1)
    fail = noninferiority(a, b, margin=0.01)
    assert fail.decision is Decision.FAIL and fail.ci[1] < -0.01
    a, b = _binary(60, 0, 0.03)
    warn = noninferiority(a, b, margin=0.01)
    assert warn.decision is Decision.INCONCLUSIVE and warn.decision.value == "INCONCLUSIVE"
    assert "McNemar" in warn.result.method


def test_noninferiority_continuous_and_clustered() -> None:
    rng = np.random.default_rng(1)
    a = rng.random(500)
    b = np.clip(a + rng.normal(0, 0.05, 500), 0, 1)
    res = noninferiority(a, b, margin=0.02, n_resamples=2000)
    assert res.decision is Decision.PASS and "adjusted Wald" in res.result.method
    clustered = noninferiority(a, b - 0.05, margin=0.02, cluster=np.arange(500) // 5)
    assert clustered.decision is Decision.FAIL and "cluster" in clustered.result.method
    with pytest.raises(ValueError, match="margin"):
        noninferiority(a, b, margin=-0.1)


def test_noninferiority_of_continuous_scores_needs_more_than_a_few_items() -> None:
    """All 8 differences ≥ 0: the percentile bootstrap's lower bound is 0, a PASS at any margin."""
    a = np.array([0.4, 0.7, 0.5, 0.9, 0.2, 0.6, 0.8, 0.3])
    b = a + np.array([0.0, 0.05, 0.0, 0.0, 0.1, 0.0, 0.0, 0.05])
    res = noninferiority(a, b, margin=0.02, n_resamples=2000)
    assert res.decision is Decision.INCONCLUSIVE and res.ci[0] < -0.02, res
    assert res.result.delta == pytest.approx(0.025)


def test_macro_interval_is_agresti_min_on_one_binary_stratum() -> None:
    a, b = _binary(300, 4, 0.05)
    n10, n01, n = int(np.sum((a == 1) & (b == 0))), int(np.sum((a == 0) & (b == 1))), 300
    p10, p01 = (n10 + 0.5) / (n + 2), (n01 + 0.5) / (n + 2)
    se = np.sqrt((p10 + p01 - (p01 - p10) ** 2) / (n + 2))
    res = macro_noninferiority([(a, b)], margin=0.05).result
    assert (res.ci_low, res.ci_high) == pytest.approx(
        (p01 - p10 - 1.96 * se, p01 - p10 + 1.96 * se), rel=1e-3
    )
    assert res.delta == pytest.approx(b.mean() - a.mean()) and res.n == n


def test_macro_estimate_is_the_mean_over_tasks_and_a_big_suite_passes() -> None:
    pairs = [_binary(n, s, 0.0) for n, s in ((900, 1), (300, 2), (150, 3))]
    res = macro_noninferiority(pairs, margin=0.02)
    assert res.result.mean_a == pytest.approx(np.mean([a.mean() for a, _ in pairs]))
    assert res.decision is Decision.PASS and res.result.n == 1350


def test_macro_interval_keeps_its_coverage_on_few_items() -> None:
    """Lower bound above the true δ (a false PASS at margin −δ) at most (1 − level)/2 of the time,
    on 8 and 3 × 8 binary items where the percentile bootstrap does so about half the time."""
    rng = np.random.default_rng(5)
    for tasks in (1, 3):
        kind = rng.choice(4, size=(2000, tasks, 8), p=[0.075, 0.025, 0.45, 0.45])  # δ = −0.05
        a, b = np.isin(kind, [0, 2]).astype(float), np.isin(kind, [1, 2]).astype(float)
        lows = [macro_noninferiority(list(zip(x, y, strict=True)), 0.05).result.ci_low
                for x, y in zip(a, b, strict=True)]  # fmt: skip
        assert np.mean(np.array(lows) > -0.05) <= 0.025


def test_macro_noninferiority_refuses_empty_input() -> None:
    with pytest.raises(ValueError, match="at least one task"):
        macro_noninferiority([], margin=0.02)
    with pytest.raises(ValueError, match="margin"):
        macro_noninferiority([([1.0], [1.0])], margin=-1)
