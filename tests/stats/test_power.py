"""Power of the paired binary comparison: formulas, exact enumeration, and their agreement."""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import pytest
from scipy.stats import multinomial, norm
from statsmodels.stats.contingency_tables import mcnemar

from harness.stats import mde_paired, power_paired, required_n


def _enumerated_power(n: int, delta: float, psi: float, alpha: float) -> float:
    """Power of statsmodels' exact McNemar by summing over every table with n items."""
    probs = [(psi - delta) / 2, (psi + delta) / 2, 1 - psi]
    total = 0.0
    for n10, n01 in product(range(n + 1), repeat=2):
        if n10 + n01 > n:
            continue
        nc = n - n10 - n01
        p = mcnemar(np.array([[nc, n10], [n01, 0]]), exact=True).pvalue
        if p <= alpha:
            total += multinomial.pmf([n10, n01, nc], n, probs)
    return total


@pytest.mark.parametrize(("n", "delta", "psi"), [(25, 0.2, 0.4), (30, 0.1, 0.3), (18, 0.3, 0.5)])
def test_exact_power_matches_enumeration(n: int, delta: float, psi: float) -> None:
    assert power_paired(n, delta, psi) == pytest.approx(_enumerated_power(n, delta, psi, 0.05), abs=1e-10)


def test_exact_size_is_at_most_alpha() -> None:
    for n in (20, 100, 400):
        assert power_paired(n, 0.0, 0.3) <= 0.05


def test_normal_power_is_connors_formula() -> None:
    n, delta, psi = 400, 0.06, 0.25
    z = norm.ppf(0.975)
    sd = math.sqrt(psi - delta**2)
    shift = math.sqrt(n) * delta
    expected = norm.cdf((shift - z * math.sqrt(psi)) / sd) + norm.cdf((-shift - z * math.sqrt(psi)) / sd)
    assert power_paired(n, delta, psi, exact=False) == pytest.approx(expected, abs=1e-12)


def test_connor_sample_size() -> None:
    delta, psi = 0.05, 0.2
    za, zb = norm.ppf(0.975), norm.ppf(0.8)
    n = math.ceil((za * math.sqrt(psi) + zb * math.sqrt(psi - delta**2)) ** 2 / delta**2)
    assert required_n(delta, psi, exact=False) == n
    assert power_paired(n, delta, psi, exact=False) >= 0.8 > power_paired(n - 1, delta, psi, exact=False)


@pytest.mark.parametrize(("delta", "psi"), [(0.05, 0.2), (0.1, 0.15), (0.02, 0.1)])
def test_exact_required_n_reaches_the_target(delta: float, psi: float) -> None:
    n = required_n(delta, psi)
    assert power_paired(n, delta, psi) >= 0.8 > power_paired(n - 1, delta, psi)
    assert n >= required_n(delta, psi, exact=False) * 0.97


@pytest.mark.parametrize("exact", [True, False])
def test_mde_inverts_power(exact: bool) -> None:
    for n, psi in ((200, 0.2), (1500, 0.1), (60, 0.5)):
        mde = mde_paired(n, psi, exact=exact)
        assert 0 < mde <= psi
        assert power_paired(n, mde, psi, exact=exact) == pytest.approx(0.8, abs=1e-6)
    assert mde_paired(1500, 0.2) < mde_paired(500, 0.2) < mde_paired(500, 0.4)


def test_mde_closed_form_for_the_normal_approximation() -> None:
    n, psi = 800, 0.3
    za, zb = norm.ppf(0.975), norm.ppf(0.8)
    closed = math.sqrt(psi) * (math.sqrt(n) * za + zb * math.sqrt(n - za**2 + zb**2)) / (n + zb**2)
    assert mde_paired(n, psi, exact=False) == pytest.approx(closed, rel=1e-4)


def test_undetectable_effects_and_bad_input() -> None:
    assert mde_paired(10, 0.05) == math.inf
    with pytest.raises(ValueError, match="cannot exceed"):
        power_paired(100, 0.3, 0.2)
    with pytest.raises(ValueError, match="positive number of items"):
        mde_paired(0, 0.2)
    with pytest.raises(ValueError, match="discordance"):
        required_n(0.1, 0.0)
    with pytest.raises(ValueError, match="power must be"):
        mde_paired(100, 0.2, power=1.0)
    with pytest.raises(ValueError, match="delta"):
        required_n(0.0, 0.2)
