"""Calibration by simulation: false-positive rates under the null, power at the computed MDE.

Null model: each item has a latent difficulty shared by both checkpoints (correct with probability
sigmoid(0.3 + 1.5 z_i) for both), so scores are correlated across arms, accuracies are equal, and
about 35% of pairs are discordant, as between two checkpoints of one model. Seeds are fixed, so the
rates below are deterministic; each is a rate over 2,000 simulated comparisons (Monte Carlo SE about
0.005 at α = 0.05). Exact tests (McNemar, the sign-flip test on 0/1 scores) are conservative by
construction: their size is at most α, about 0.04 with ~100 discordant pairs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from harness.stats import mcnemar, mde_paired, paired_bootstrap, paired_clustered, sign_flip_permutation

SIMS, N, ALPHA = 2000, 300, 0.05


def _null_binary(sims: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = 1 / (1 + np.exp(-(0.3 + 1.5 * rng.normal(size=(sims, n)))))
    return (rng.random((sims, n)) < p).astype(float), (rng.random((sims, n)) < p).astype(float)


def _rejection_rate(
    test: Callable[[np.ndarray, np.ndarray, int], float], a: np.ndarray, b: np.ndarray
) -> float:
    return float(np.mean([test(x, y, i) <= ALPHA for i, (x, y) in enumerate(zip(a, b, strict=True))]))


@pytest.fixture(scope="module")
def null_binary() -> tuple[np.ndarray, np.ndarray]:
    return _null_binary(SIMS, N, seed=20240601)


def test_mcnemar_size(null_binary: tuple[np.ndarray, np.ndarray]) -> None:
    rate = _rejection_rate(lambda x, y, _: mcnemar(x, y).p_value, *null_binary)
    assert 0.03 <= rate <= 0.07, rate


def test_bootstrap_size(null_binary: tuple[np.ndarray, np.ndarray]) -> None:
    rate = _rejection_rate(
        lambda x, y, i: paired_bootstrap(x, y, n_resamples=999, seed=i).p_value, *null_binary
    )
    assert 0.03 <= rate <= 0.07, rate


def test_permutation_size(null_binary: tuple[np.ndarray, np.ndarray]) -> None:
    rate = _rejection_rate(
        lambda x, y, i: sign_flip_permutation(x, y, n_resamples=999, seed=i).p_value, *null_binary
    )
    assert 0.03 <= rate <= 0.07, rate


def test_continuous_scores_size() -> None:
    """Judge-style scores in [0, 1]: item level shared by both arms, independent judge noise."""
    rng = np.random.default_rng(7)
    level = rng.beta(2, 2, (SIMS, 100))
    a = np.clip(level + rng.normal(0, 0.15, level.shape), 0, 1)
    b = np.clip(level + rng.normal(0, 0.15, level.shape), 0, 1)
    boot = _rejection_rate(lambda x, y, i: paired_bootstrap(x, y, n_resamples=999, seed=i).p_value, a, b)
    perm = _rejection_rate(lambda x, y, i: sign_flip_permutation(x, y, n_resamples=999, seed=i).p_value, a, b)
    assert 0.03 <= boot <= 0.07, boot
    assert 0.03 <= perm <= 0.07, perm


def test_clustered_size_where_mcnemar_is_fooled() -> None:
    """Items sharing an image share a per-checkpoint effect: pairs are correlated within clusters."""
    rng = np.random.default_rng(11)
    g, m = 60, 6
    z = 0.3 + 1.5 * rng.normal(size=(SIMS, g * m))
    arm = [np.repeat(rng.normal(0, 1.5, (SIMS, g)), m, axis=1) for _ in range(2)]
    a, b = ((rng.random(z.shape) < 1 / (1 + np.exp(-(z + u)))).astype(float) for u in arm)
    cluster = np.repeat(np.arange(g), m)
    clustered = _rejection_rate(lambda x, y, _: paired_clustered(x, y, cluster).p_value, a, b)
    naive = _rejection_rate(lambda x, y, _: mcnemar(x, y).p_value, a, b)
    assert 0.03 <= clustered <= 0.07, clustered
    assert naive > 0.08, naive


def _alternative(sims: int, n: int, delta: float, psi: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs with P(a=1,b=0) = (ψ − δ)/2 and P(a=0,b=1) = (ψ + δ)/2; concordant pairs split evenly."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(
        4, size=(sims, n), p=[(psi - delta) / 2, (psi + delta) / 2, (1 - psi) / 2, (1 - psi) / 2]
    )
    a = np.isin(kind, [0, 2]).astype(float)
    b = np.isin(kind, [1, 2]).astype(float)
    return a, b


def test_power_at_the_mde_and_interval_coverage() -> None:
    psi = 0.35
    mde = mde_paired(N, psi, alpha=ALPHA, power=0.8)
    a, b = _alternative(SIMS, N, mde, psi, seed=3)
    results = [mcnemar(x, y) for x, y in zip(a, b, strict=True)]
    power = np.mean([r.p_value <= ALPHA for r in results])
    coverage = np.mean([r.ci_low <= mde <= r.ci_high for r in results])
    assert 0.75 <= power <= 0.85, power
    assert 0.93 <= coverage <= 0.97, coverage
