"""Power of the paired binary comparison (exact McNemar), for flagging underpowered cells (docs/architecture.md §8).

A cell whose test cannot detect the effects that matter is reported "underpowered", not "no
difference". With n items, discordance ψ = P(a ≠ b) and true difference δ = p01 − p10:

- normal approximation (Connor 1987, Biometrics 43:207-211): the McNemar statistic has mean √n·δ and
  standard deviation √(ψ − δ²) under the alternative, √ψ under H0, so
  power ≈ Φ((√n|δ| − z_{1−α/2}√ψ) / √(ψ − δ²)) (+ the negligible opposite tail) and
  n = (z_{1−α/2}√ψ + z_{power}√(ψ − δ²))² / δ²;
- exact (default): the power of the exact conditional test itself, averaged over the number of
  discordant pairs m ~ Binomial(n, ψ); given m, the count favouring B is Binomial(m, (ψ + δ)/(2ψ))
  and the test rejects when min(n10, n01) <= c_m, the largest c with 2·P(Bin(m, ½) <= c) <= α. The
  approximation overstates the power of the exact test when discordant pairs are few (tens), which
  is where flagging matters; with hundreds the two agree to about a percentage point.

Both assume the analysis is the exact McNemar test of `harness.stats.paired.mcnemar` at level α.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.optimize import brentq
from scipy.stats import binom, norm


def _check(n: int, discordance: float, alpha: float) -> None:
    if n < 1:
        raise ValueError(f"n must be a positive number of items, got {n}")
    if not 0 < discordance <= 1:
        raise ValueError(f"discordance P(a != b) must be in (0, 1], got {discordance}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")


def _check_target(power: float) -> None:
    if not 0 < power < 1:
        raise ValueError(f"power must be in (0, 1), got {power}")


def _normal_power(n: int, delta: float, psi: float, alpha: float) -> float:
    z, sd = norm.ppf(1 - alpha / 2), math.sqrt(max(psi - delta * delta, 0.0))
    shift, null = math.sqrt(n) * abs(delta), z * math.sqrt(psi)
    if sd == 0:
        return float(shift > null)
    return float(norm.cdf((shift - null) / sd) + norm.cdf((-shift - null) / sd))


@lru_cache(maxsize=64)
def _discordant_counts(n: int, psi: float, alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plausible discordant counts m (±12 SD around nψ), their probabilities, and critical values."""
    sd = math.sqrt(n * psi * (1 - psi))
    m = np.arange(max(0, math.floor(n * psi - 12 * sd - 1)), min(n, math.ceil(n * psi + 12 * sd + 1)) + 1)
    crit = binom.ppf(alpha / 2, m, 0.5)
    crit = np.where(binom.cdf(crit, m, 0.5) <= alpha / 2, crit, crit - 1)
    return m, binom.pmf(m, n, psi), crit


def _exact_power(n: int, delta: float, psi: float, alpha: float) -> float:
    m, weight, crit = _discordant_counts(n, psi, alpha)
    favour_b = (psi + abs(delta)) / (2 * psi)
    reject = binom.cdf(crit, m, favour_b) + binom.sf(m - crit - 1, m, favour_b)
    return float(np.sum(weight * np.where(crit >= 0, reject, 0.0)))


def power_paired(n: int, delta: float, discordance: float, alpha: float = 0.05, exact: bool = True) -> float:
    """Probability that the exact McNemar test at level α rejects, for true difference `delta`."""
    _check(n, discordance, alpha)
    if abs(delta) > discordance:
        raise ValueError(f"|delta| = {abs(delta)} cannot exceed the discordance {discordance}")
    fn = _exact_power if exact else _normal_power
    return fn(n, delta, discordance, alpha)


def mde_paired(
    n: int, discordance: float, alpha: float = 0.05, power: float = 0.8, exact: bool = True
) -> float:
    """Smallest |δ| detected with probability `power`; inf when even δ = ψ (every discordant pair
    favouring one checkpoint) is not detected that often with n items."""
    _check(n, discordance, alpha)
    _check_target(power)

    def gap(d: float) -> float:
        return power_paired(n, d, discordance, alpha, exact) - power

    if gap(discordance) < 0:
        return math.inf
    return float(brentq(gap, 0.0, discordance, xtol=1e-10))


def required_n(
    delta: float, discordance: float, alpha: float = 0.05, power: float = 0.8, exact: bool = True
) -> int:
    """Items needed to detect `delta` with probability `power` (Connor's formula, then exact).

    Exact power saw-tooths in n (the critical value moves in integer steps), so the exact answer is
    the first n at which power reaches the target found by bisection from Connor's n; a few larger
    n may fall just short of it.
    """
    _check(1, discordance, alpha)
    _check_target(power)
    if not 0 < abs(delta) <= discordance:
        raise ValueError(f"|delta| must be in (0, discordance = {discordance}], got {delta}")
    za, zb = norm.ppf(1 - alpha / 2), norm.ppf(power)
    psi = discordance
    n0 = max(1, math.ceil((za * math.sqrt(psi) + zb * math.sqrt(psi - delta * delta)) ** 2 / delta**2))
    if not exact:
        return n0
    lo, hi = 0, n0
    while _exact_power(hi, delta, psi, alpha) < power:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if _exact_power(mid, delta, psi, alpha) >= power else (mid, hi)
    return hi
