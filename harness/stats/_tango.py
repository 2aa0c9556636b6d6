"""Tango's score interval for the difference of two paired proportions.

Tango (1998, Statistics in Medicine 17:891-908) inverts the score test of H0: p01 − p10 = Δ, with the
nuisance parameter p10 at its maximum-likelihood value under the constraint. Chosen over Wald-type
intervals because it stays inside [−1, 1] and never collapses to a point: with no discordant pair
it is ±z²/(n + z²), where the Wald interval is [0, 0]. Score intervals fared well in the simulation
comparisons of Newcombe (1998, Statistics in Medicine 17:2635-2650) and Fagerland, Lydersen & Laake
(2014, Statistics in Medicine 33:2850-2875); here, its coverage at 95% was 0.935-0.957 over settings
with 4 to 100 expected discordant pairs, and tests/stats/test_calibration.py checks it at the MDE.
At Δ = 0 the score statistic is McNemar's (uncorrected) one, so the interval excludes 0 when the
asymptotic McNemar test rejects; near α the exact test, being more conservative, may disagree.
"""

from __future__ import annotations

import math

from scipy.optimize import brentq
from scipy.special import ndtri

_BIG = 1e12


def constrained_p10(delta: float, n10: int, n01: int, n: int) -> float:
    """MLE of P(a=1, b=0) given p01 = p10 + Δ: the positive root of 2n·p² + B·p + C = 0."""
    nc = n - n10 - n01
    quad_b = -((n10 + n01) * (1 - delta) - 2 * delta * (n10 + nc))
    quad_c = -n10 * delta * (1 - delta)
    disc = max(quad_b * quad_b - 8 * n * quad_c, 0.0)
    return (-quad_b + math.sqrt(disc)) / (4 * n)


def score_z(delta: float, n10: int, n01: int, n: int) -> float:
    """Tango's score statistic for H0: p01 − p10 = Δ (decreasing in Δ)."""
    num = n01 - n10 - n * delta
    var = n * (2 * constrained_p10(delta, n10, n01, n) + delta * (1 - delta))
    if abs(num) < 1e-9:  # at the estimate itself (rounding of n * (n01 - n10) / n)
        return 0.0
    if var <= 0:
        return math.copysign(_BIG, num)
    return num / math.sqrt(var)


def tango_interval(n10: int, n01: int, n: int, level: float) -> tuple[float, float]:
    """Two-sided interval for p01 − p10 (the accuracy of b minus that of a) at `level`."""
    z = float(ndtri((1 + level) / 2))
    est = (n01 - n10) / n

    def lower(d: float) -> float:
        return score_z(d, n10, n01, n) - z

    def upper(d: float) -> float:
        return score_z(d, n10, n01, n) + z

    lo = -1.0 if lower(-1.0) <= 0 else float(brentq(lower, -1.0, est, xtol=1e-12))
    hi = 1.0 if upper(1.0) >= 0 else float(brentq(upper, est, 1.0, xtol=1e-12))
    return lo, hi
