"""Tier interaction, seed-level comparison and the non-inferiority gate."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from harness.stats import Decision, interaction, noninferiority, seed_level


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
    assert res.decision is Decision.PASS and "bootstrap" in res.result.method
    clustered = noninferiority(a, b - 0.05, margin=0.02, cluster=np.arange(500) // 5)
    assert clustered.decision is Decision.FAIL and "cluster" in clustered.result.method
    with pytest.raises(ValueError, match="margin"):
        noninferiority(a, b, margin=-0.1)
