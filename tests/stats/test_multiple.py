"""Holm and Benjamini-Hochberg against statsmodels' multipletests, with NaN cells."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from harness.stats import benjamini_hochberg, holm


@pytest.mark.parametrize("seed", range(5))
def test_holm_matches_multipletests(seed: int) -> None:
    p = np.random.default_rng(seed).beta(0.5, 2, 6)
    assert holm(p) == pytest.approx(multipletests(p, method="holm")[1], rel=1e-12)


@pytest.mark.parametrize(("seed", "q"), [(0, 0.1), (1, 0.05), (2, 0.2)])
def test_bh_matches_multipletests(seed: int, q: float) -> None:
    p = np.random.default_rng(seed).beta(0.3, 3, 24)
    adjusted, rejected = benjamini_hochberg(p, q=q)
    rej, adj, _, _ = multipletests(p, alpha=q, method="fdr_bh")
    assert adjusted == pytest.approx(adj, rel=1e-12)
    assert rejected.tolist() == rej.tolist()


def test_nan_cells_stay_nan_and_leave_the_family() -> None:
    p = np.array([0.01, np.nan, 0.04, 0.03, np.nan, 0.2])
    finite = p[~np.isnan(p)]
    adjusted, rejected = benjamini_hochberg(p)
    rej, adj, _, _ = multipletests(finite, alpha=0.1, method="fdr_bh")
    assert np.isnan(adjusted[[1, 4]]).all() and not rejected[[1, 4]].any()
    assert adjusted[~np.isnan(p)] == pytest.approx(adj)
    assert rejected[~np.isnan(p)].tolist() == rej.tolist()
    h = holm(p)
    assert np.isnan(h[[1, 4]]).all()
    assert h[~np.isnan(p)] == pytest.approx(multipletests(finite, method="holm")[1])


def test_degenerate_families() -> None:
    assert holm([]).shape == (0,)
    adjusted, rejected = benjamini_hochberg([np.nan, np.nan])
    assert np.isnan(adjusted).all() and not rejected.any()
    assert holm([0.03]) == pytest.approx([0.03])


def test_invalid_input() -> None:
    with pytest.raises(ValueError, match=r"pvalues\[1\] = 1.5"):
        holm([0.1, 1.5])
    with pytest.raises(ValueError, match="q must be"):
        benjamini_hochberg([0.1], q=0)
    with pytest.raises(ValueError, match="one-dimensional"):
        holm([[0.1]])
