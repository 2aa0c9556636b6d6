"""Paired comparisons of two checkpoints scored on the same items (docs/architecture.md §8).

`a[i]` and `b[i]` are the scores of checkpoints A and B on item i (0/1, or continuous in [0, 1]).
Pairing removes the item-difficulty variance both checkpoints share, which is most of the variance
on a benchmark: an unpaired test on the same data would need several times the items. Every function
returns a `PairedResult` whose `delta` is mean(b) − mean(a), with its interval and a two-sided p.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from scipy import stats as sps
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar

from harness.stats import _resample as rs
from harness.stats._checks import (
    as_clusters,
    as_pair,
    as_scores,
    check_level,
    check_resamples,
    check_units,
    discordant,
    is_binary,
)
from harness.stats._tango import tango_interval

Method = Literal["percentile", "bca"]
_EXACT_MAX = 16  # sign-flip permutations are enumerated (2^m of them) up to this many nonzero pairs


@dataclass(frozen=True)
class PairedResult:
    """Outcome of one paired comparison; `discordant` is (#a=1,b=0, #a=0,b=1) for binary scores."""

    n: int
    mean_a: float
    mean_b: float
    delta: float
    ci_low: float
    ci_high: float
    p_value: float
    method: str
    discordant: tuple[int, int] | None = None
    level: float = 0.95

    @property
    def significant(self) -> bool:
        return self.p_value < 1 - self.level


def _result(
    a: np.ndarray, b: np.ndarray, ci: tuple[float, float], p: float, method: str, level: float
) -> PairedResult:
    ma, mb = float(a.mean()), float(b.mean())
    lo, hi = float(ci[0]), float(ci[1])
    return PairedResult(
        a.shape[0], ma, mb, mb - ma, lo, hi, min(float(p), 1.0), method, discordant(a, b), level
    )


def mcnemar(a: Any, b: Any, level: float = 0.95) -> PairedResult:
    """Exact McNemar test (binomial on the discordant pairs) with Tango's score interval on the delta.

    Only discordant items carry information about which checkpoint is better, so the test conditions
    on them; the exact binomial keeps the size at or below α when they are few. The interval is
    Tango's (see `_tango`), chosen for its near-nominal coverage with few discordant pairs.
    """
    x, y = as_pair(a, b)
    level = check_level(level)
    if not is_binary(x, y):
        raise ValueError("mcnemar needs binary (0/1) scores; use paired_bootstrap for continuous ones")
    n10, n01 = int(np.sum((x == 1) & (y == 0))), int(np.sum((x == 0) & (y == 1)))
    n11 = int(np.sum((x == 1) & (y == 1)))
    table = np.array([[n11, n10], [n01, x.shape[0] - n11 - n10 - n01]])
    p = float(sm_mcnemar(table, exact=True).pvalue)
    ci = tango_interval(n10, n01, x.shape[0], level)
    return _result(x, y, ci, p, "exact McNemar, Tango score CI", level)


def bootstrap_against(
    reference: Any,
    others: Sequence[Any] | np.ndarray,
    n_resamples: int = 10_000,
    seed: int = 0,
    level: float = 0.95,
    method: Method = "percentile",
    cluster: Any = None,
) -> list[PairedResult]:
    """Paired bootstrap of mean(other) − mean(reference) for several checkpoints at once.

    All comparisons share one resampling of the items (or clusters), which costs one index matrix
    instead of one per checkpoint and makes the deltas' intervals jointly consistent. With the same
    seed, `paired_bootstrap(reference, others[j])` gives exactly the j-th result.
    """
    ref = as_scores(reference, "reference")
    rows = [as_pair(ref, o)[1] for o in others]
    if not rows:
        return []
    check_units(ref.shape[0])
    level, n_resamples = check_level(level), check_resamples(n_resamples)
    diffs = np.stack(rows, axis=1) - ref[:, None]  # (n, k)
    if cluster is None:
        sums, sizes = diffs, np.ones(ref.shape[0])
    else:
        codes = as_clusters(cluster, ref.shape[0])
        sums = np.stack([np.bincount(codes, weights=d) for d in diffs.T], axis=1)
        sizes = np.bincount(codes).astype(np.float64)
    theta = diffs.mean(axis=0)
    dist = rs.resampled_means(sums, sizes, n_resamples, np.random.default_rng(seed))
    lo, hi = _interval(dist, theta, method, level, lambda: rs.jackknife_means(sums, sizes))
    p = rs.shift_pvalue(dist, theta)
    unit = "item" if cluster is None else "cluster"
    name = f"paired {unit} bootstrap ({method}, B={n_resamples}), shift p"
    return [_result(ref, r, (lo[j], hi[j]), p[j], name, level) for j, r in enumerate(rows)]


def _interval(
    dist: np.ndarray, theta: np.ndarray, method: str, level: float, jack: Any
) -> tuple[np.ndarray, np.ndarray]:
    if method == "percentile":
        return rs.percentile_interval(dist, level)
    if method == "bca":
        return rs.bca_interval(dist, theta, jack(), level)
    raise ValueError(f"method must be 'percentile' or 'bca', got {method!r}")


def paired_bootstrap(
    a: Any,
    b: Any,
    stat: rs.Stat | None = None,
    n_resamples: int = 10_000,
    seed: int = 0,
    level: float = 0.95,
    method: Method = "percentile",
    cluster: Any = None,
) -> PairedResult:
    """Paired bootstrap CI and shift-corrected p for `stat(a, b)` (default: mean(b) − mean(a)).

    Items (or whole clusters) are drawn jointly for A and B so the pairing survives resampling. A
    custom `stat` receives the resampled rows of `a` and `b`, which may be 2-D (items x columns) to
    carry what a non-decomposable metric needs (a category column for a macro average; for a metric
    over question groups, pass per-group scores and bootstrap groups, the natural unit). `mean_a`
    and `mean_b` are then the means of the first column; `delta` is the statistic.
    """
    if stat is None:
        return bootstrap_against(a, [b], n_resamples, seed, level, method, cluster)[0]
    x, y = as_pair(a, b, allow_2d=True)
    check_units(x.shape[0])
    level, n_resamples = check_level(level), check_resamples(n_resamples)
    codes = None if cluster is None else as_clusters(cluster, x.shape[0])
    theta = np.array([float(stat(x, y))])
    dist = rs.resampled_stat(stat, x, y, codes, n_resamples, np.random.default_rng(seed))[:, None]
    lo, hi = _interval(dist, theta, method, level, lambda: rs.jackknife_stat(stat, x, y, codes)[:, None])
    p = float(rs.shift_pvalue(dist, theta)[0])
    xa, ya = (x, y) if x.ndim == 1 else (x[:, 0], y[:, 0])
    unit = "item" if cluster is None else "cluster"
    res = _result(
        xa, ya, (lo[0], hi[0]), p, f"paired {unit} bootstrap ({method}, B={n_resamples}), shift p", level
    )
    return replace(res, delta=float(theta[0]))


def sign_flip_permutation(a: Any, b: Any, n_resamples: int = 10_000, seed: int = 0) -> PairedResult:
    """Paired permutation test: under H0 the labels A/B are exchangeable within an item, so each
    difference d = b − a is equally likely to carry either sign. Two-sided on |sum(d)|; exact
    enumeration with at most 16 nonzero differences, else Monte Carlo with (count + 1)/(B + 1).
    No interval (ci is NaN): `compare` pairs this p with a bootstrap interval.
    """
    x, y = as_pair(a, b)
    n_resamples = check_resamples(n_resamples)
    d = (y - x)[y != x]
    obs = abs(float(d.sum()))
    tol = 1e-9 * max(1.0, float(np.abs(d).sum()))
    m = d.shape[0]
    if m <= _EXACT_MAX:
        bits = (np.arange(1 << m)[:, None] >> np.arange(m)) & 1
        p = float(np.mean(np.abs((2.0 * bits - 1) @ d) >= obs - tol))
        method = f"sign-flip permutation (exact, {1 << m} sign patterns)"
    else:
        rng, count, total = np.random.default_rng(seed), 0, float(d.sum())
        rows = max(1, (1 << 21) // m)
        for start in range(0, n_resamples, rows):
            flips = rng.random((min(rows, n_resamples - start), m), dtype=np.float32) < 0.5
            count += int(np.sum(np.abs(total - 2.0 * (flips @ d)) >= obs - tol))
        p = (count + 1) / (n_resamples + 1)
        method = f"sign-flip permutation (Monte Carlo, B={n_resamples})"
    return _result(x, y, (np.nan, np.nan), p, method, 0.95)


def clustered_se(x: Any, cluster: Any) -> float:
    """Standard error of mean(x) when items sharing a cluster (an image, a figure) are correlated.

    CR1 sandwich variance for a mean: G/(G−1) · Σ_g (Σ_{i∈g} (x_i − x̄))² / N², the same as
    statsmodels' OLS on a constant with cov_type="cluster" (whose (N−1)/(N−K) factor is 1 here).
    """
    v = as_scores(x, "x")
    codes = as_clusters(cluster, v.shape[0])
    g = int(codes.max()) + 1
    u = np.bincount(codes, weights=v - v.mean())
    return float(np.sqrt(g / (g - 1) * np.sum(u**2)) / v.shape[0])


def paired_clustered(a: Any, b: Any, cluster: Any, level: float = 0.95) -> PairedResult:
    """Mean difference with a cluster-robust (CR1) SE; t interval and p with G − 1 degrees of freedom.

    G − 1 df (not normal) because the variance is estimated from G cluster totals: with few clusters
    the normal reference is anti-conservative (Cameron & Miller 2015, J. Human Resources 50:317).
    """
    x, y = as_pair(a, b)
    level = check_level(level)
    codes = as_clusters(cluster, x.shape[0])
    df = int(codes.max())
    d = y - x
    est, se = float(d.mean()), clustered_se(d, codes)
    half = float(sps.t.ppf((1 + level) / 2, df)) * se
    p = float(2 * sps.t.sf(abs(est) / se, df)) if se > 0 else float(est == 0)
    return _result(x, y, (est - half, est + half), p, f"cluster-robust (CR1) t, {df + 1} clusters", level)


def compare(
    a: Any,
    b: Any,
    kind: Literal["auto", "binary", "continuous"] = "auto",
    cluster: Any = None,
    level: float = 0.95,
    n_resamples: int = 10_000,
    seed: int = 0,
    method: Method = "percentile",
) -> PairedResult:
    """The paired test docs/architecture.md §8 prescribes for these scores.

    Clusters → cluster-robust t; binary → exact McNemar with Tango CI; continuous → sign-flip
    permutation p with a paired bootstrap CI. `kind="auto"` calls scores binary when all are 0/1.
    """
    x, y = as_pair(a, b)
    if kind not in ("auto", "binary", "continuous"):
        raise ValueError(f"kind must be 'auto', 'binary' or 'continuous', got {kind!r}")
    binary = is_binary(x, y) if kind == "auto" else kind == "binary"
    if cluster is not None:
        return paired_clustered(x, y, cluster, level)
    if binary:
        return mcnemar(x, y, level)
    boot = paired_bootstrap(x, y, None, n_resamples, seed, level, method)
    perm = sign_flip_permutation(x, y, n_resamples, seed)
    return replace(boot, p_value=perm.p_value, method=f"{perm.method} p, bootstrap {method} CI")
