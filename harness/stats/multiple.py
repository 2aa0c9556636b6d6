"""Multiplicity corrections over a family of paired tests (docs/architecture.md §8).

Holm controls the family-wise error over the six benchmark-level p-values, where one false "better"
claim is what a reader would hold against the paper; Benjamini-Hochberg controls the false discovery
rate over the many tier x benchmark cells, where a few false leads among many are acceptable. Both
delegate to statsmodels. A NaN p-value (a cell with no usable test) stays NaN, is never rejected, and
is left out of the family, so it neither dilutes nor tightens the correction of the others.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from statsmodels.stats.multitest import multipletests


def _adjust(pvalues: Any, method: str, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(pvalues, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError(f"p-values must be one-dimensional, got shape {p.shape}")
    finite = ~np.isnan(p)
    if np.any((p[finite] < 0) | (p[finite] > 1)):
        pos = int(np.argmax(finite & ((p < 0) | (p > 1))))
        raise ValueError(f"pvalues[{pos}] = {p[pos]} is not a probability")
    adjusted = np.full(p.shape, np.nan)
    rejected = np.zeros(p.shape, dtype=bool)
    if finite.any():
        rej, adj, _, _ = multipletests(p[finite], alpha=alpha, method=method)
        adjusted[finite], rejected[finite] = adj, rej
    return adjusted, rejected


def holm(pvalues: Any) -> np.ndarray:
    """Holm step-down adjusted p-values (reject where adjusted <= α)."""
    return _adjust(pvalues, "holm", 0.05)[0]


def benjamini_hochberg(pvalues: Any, q: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg adjusted p-values and the cells rejected at false discovery rate `q`."""
    if not 0 < q < 1:
        raise ValueError(f"q must be in (0, 1), got {q}")
    return _adjust(pvalues, "fdr_bh", q)
