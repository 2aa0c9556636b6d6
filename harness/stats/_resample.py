"""Vectorised bootstrap engine: index matrices, resampled means, BCa and shift-corrected p-values.

Resampling units are items, or whole clusters when items share an image (resampling items there would
pretend correlated items are independent and shrink the interval). A mean over resampled units is a
ratio: sum of the drawn units' score sums over the number of items they hold, which is the item-level
mean when every unit is one item. All comparisons against one reference share one index matrix, so
the six-benchmark x seven-checkpoint table costs six index matrices, not forty-two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from scipy.special import ndtr, ndtri

Stat = Callable[[np.ndarray, np.ndarray], float]

# Elements of one index chunk: bounded memory (a few tens of MiB) whatever the number of resamples.
_CHUNK = 1 << 21
_TIE = 1e-12


def index_chunks(n_units: int, n_resamples: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Rows of the (n_resamples x n_units) bootstrap index matrix, a bounded block at a time.

    The block size depends only on `n_units`, so a given seed draws the same matrix whatever the
    statistic or the number of comparisons sharing it. 16-bit indices halve the generator's work.
    """
    dtype = np.uint16 if n_units <= 1 << 16 else np.int64
    rows = max(1, _CHUNK // n_units)
    for start in range(0, n_resamples, rows):
        yield rng.integers(0, n_units, size=(min(rows, n_resamples - start), n_units), dtype=dtype)


def resampled_means(
    sums: np.ndarray, sizes: np.ndarray, n_resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """(n_resamples x k) bootstrap means of k score columns given per-unit sums (U x k) and sizes (U).

    With one or two columns to sum, gathering them by fancy indexing is fastest; with more, each
    block of indices becomes a count matrix (how often each unit was drawn) through one bincount, and
    one matrix product turns counts into all k numerators and the shared denominator at once.
    """
    n_units, k = sums.shape
    equal = bool(np.all(sizes == 1))
    weights = np.column_stack([sums, sizes]).astype(np.float64)
    cols = [np.ascontiguousarray(w) for w in weights.T]
    out = np.empty((n_resamples, k))
    pos = 0
    for idx in index_chunks(n_units, n_resamples, rng):
        rows = idx.shape[0]
        if k + (not equal) <= 2:
            num = np.stack([c[idx].sum(axis=1) for c in cols[:k]], axis=1)
            den = float(n_units) if equal else cols[k][idx].sum(axis=1)[:, None]
        else:
            flat = idx + (np.arange(rows, dtype=np.int64) * n_units)[:, None]
            counts = np.bincount(flat.ravel(), minlength=rows * n_units).reshape(rows, n_units)
            totals = counts.astype(np.float64) @ weights
            num, den = totals[:, :k], totals[:, k:]
        out[pos : pos + rows] = num / den
        pos += rows
    return out


def jackknife_means(sums: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """(U x k) leave-one-unit-out means, the input to the BCa acceleration."""
    return (sums.sum(axis=0) - sums) / (sizes.sum() - sizes)[:, None]


def unit_items(codes: np.ndarray | None, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Items grouped by unit: (order, starts, sizes) so unit u holds order[starts[u]:starts[u]+sizes[u]]."""
    if codes is None:
        return np.arange(n), np.arange(n), np.ones(n, dtype=np.int64)
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return order, starts, sizes


def _items_of(idx: np.ndarray, order: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Item positions of the units drawn in one resample, concatenated (no Python loop over units)."""
    drawn = sizes[idx]
    ends = np.cumsum(drawn)
    offsets = np.repeat(starts[idx] - (ends - drawn), drawn)
    return order[offsets + np.arange(ends[-1])]


def resampled_stat(
    stat: Stat,
    a: np.ndarray,
    b: np.ndarray,
    codes: np.ndarray | None,
    n_resamples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Bootstrap distribution of an arbitrary paired statistic (one call per resample)."""
    order, starts, sizes = unit_items(codes, a.shape[0])
    out = np.empty(n_resamples)
    pos = 0
    for block in index_chunks(sizes.shape[0], n_resamples, rng):
        for idx in block:
            items = idx if codes is None else _items_of(idx, order, starts, sizes)
            out[pos] = stat(a[items], b[items])
            pos += 1
    return out


def jackknife_stat(stat: Stat, a: np.ndarray, b: np.ndarray, codes: np.ndarray | None) -> np.ndarray:
    units = np.arange(a.shape[0]) if codes is None else codes
    return np.array([stat(a[units != u], b[units != u]) for u in range(int(units.max()) + 1)])


def percentile_interval(dist: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = np.quantile(dist, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return lo, hi


def bca_interval(
    dist: np.ndarray, theta: np.ndarray, jack: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Bias-corrected and accelerated interval (Efron 1987), per column of `dist`.

    Ties with the estimate count half (discrete scores put many resamples exactly on it), and the
    acceleration comes from the jackknife over the resampling units.
    """
    n_res = dist.shape[0]
    tol = _TIE * np.maximum(1.0, np.abs(theta))
    below = np.sum(dist < theta - tol, axis=0) + 0.5 * np.sum(np.abs(dist - theta) <= tol, axis=0)
    z0 = ndtri(np.clip(below / n_res, 0.5 / n_res, 1 - 0.5 / n_res))
    u = jack.mean(axis=0) - jack
    den = np.sum(u**2, axis=0) ** 1.5
    accel = np.divide(np.sum(u**3, axis=0), 6 * den, out=np.zeros_like(den), where=den > 0)
    z = ndtri(np.array([(1 - level) / 2, (1 + level) / 2]))[:, None]
    probs = ndtr(z0 + (z0 + z) / (1 - accel * (z0 + z)))
    lo = np.array([np.quantile(dist[:, j], probs[0, j]) for j in range(dist.shape[1])])
    hi = np.array([np.quantile(dist[:, j], probs[1, j]) for j in range(dist.shape[1])])
    return lo, hi


def shift_pvalue(dist: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Two-sided bootstrap p-value with the distribution shifted to be centred on H0: θ = 0.

    The centred distribution θ* − θ̂ approximates the null distribution of θ̂, so p is the share of
    |θ* − θ̂| at least |θ̂|, with (count + 1)/(B + 1) so that p is never 0 from a finite simulation.
    """
    tol = _TIE * np.maximum(1.0, np.abs(theta))
    count = np.sum(np.abs(dist - theta) >= np.abs(theta) - tol, axis=0)
    return np.asarray((count + 1) / (dist.shape[0] + 1))
