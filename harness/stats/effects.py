"""Effects built on the paired tests: tier interaction, seed-level comparison, non-inferiority gate.

docs/architecture.md §8: does a training change help hard items more than easy ones (interaction), does an arm beat
another across training seeds (seed level), and may a new checkpoint replace the reference (CI gate).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats as sps

from harness.stats import _resample as rs
from harness.stats._checks import as_pair, check_level, check_resamples, check_units
from harness.stats.paired import PairedResult, compare


@dataclass(frozen=True)
class InteractionResult:
    """δ_hard − δ_easy, where δ_tier = mean(b) − mean(a) over the tier's items."""

    n_easy: int
    n_hard: int
    delta_easy: float
    delta_hard: float
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    method: str
    level: float = 0.95


def interaction(
    a_easy: Any,
    b_easy: Any,
    a_hard: Any,
    b_hard: Any,
    n_resamples: int = 10_000,
    seed: int = 0,
    level: float = 0.95,
) -> InteractionResult:
    """Bootstrap CI and shift-corrected p for δ_hard − δ_easy (tier x checkpoint interaction).

    The tiers are disjoint item sets, so each is resampled on its own (stratified bootstrap, with
    independent streams from one seed) and the pairing of a and b is kept within each tier.
    """
    ae, be = as_pair(a_easy, b_easy)
    ah, bh = as_pair(a_hard, b_hard)
    check_units(min(ae.shape[0], ah.shape[0]), "items per tier")
    level, n_resamples = check_level(level), check_resamples(n_resamples)
    easy_rng, hard_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    dists = [
        rs.resampled_means((b - a)[:, None], np.ones(a.shape[0]), n_resamples, rng)
        for a, b, rng in ((ae, be, easy_rng), (ah, bh, hard_rng))
    ]
    d_easy, d_hard = float(np.mean(be - ae)), float(np.mean(bh - ah))
    theta = np.array([d_hard - d_easy])
    dist = dists[1] - dists[0]
    lo, hi = rs.percentile_interval(dist, level)
    p = float(rs.shift_pvalue(dist, theta)[0])
    method = f"stratified paired bootstrap (percentile, B={n_resamples}), shift p"
    return InteractionResult(
        ae.shape[0],
        ah.shape[0],
        d_easy,
        d_hard,
        float(theta[0]),
        float(lo[0]),
        float(hi[0]),
        p,
        method,
        level,
    )


@dataclass(frozen=True)
class SeedLevelResult:
    """Arms compared by their per-seed scores; delta = mean(b) − mean(a)."""

    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    delta: float
    ci_low: float
    ci_high: float
    p_value: float
    df: float
    method: str = "Welch t"
    level: float = 0.95


def seed_level(scores_a: Any, scores_b: Any, level: float = 0.95) -> SeedLevelResult:
    """Welch t-test on per-seed scores: seeds, not items, are the replicates of a training recipe.

    Item-level tests say whether two checkpoints differ; whether a recipe beats another needs the
    seed-to-seed variance, and Welch's test does not assume the arms vary equally across seeds.
    With fewer than 3 seeds per arm that variance is too poorly estimated to test anything.
    """
    a, b = (np.asarray(s, dtype=np.float64) for s in (scores_a, scores_b))
    level = check_level(level)
    for name, s in (("a", a), ("b", b)):
        if s.ndim != 1 or s.shape[0] < 3:
            raise ValueError(
                f"seed_level needs at least 3 seeds per arm, arm {name} has {s.size}: "
                "with fewer, the seed-to-seed variance cannot be estimated and no test is usable"
            )
        if not np.all(np.isfinite(s)):
            raise ValueError(f"scores_{name}[{int(np.argmax(~np.isfinite(s)))}] is not finite")
    res = sps.ttest_ind(b, a, equal_var=False)
    ci = res.confidence_interval(confidence_level=level)
    ma, mb = float(a.mean()), float(b.mean())
    return SeedLevelResult(
        a.shape[0],
        b.shape[0],
        ma,
        mb,
        mb - ma,
        float(ci.low),
        float(ci.high),
        float(res.pvalue),
        float(res.df),
        level=level,
    )


class Decision(enum.Enum):
    """Outcome of the non-inferiority gate (docs/architecture.md §8 calls INCONCLUSIVE "WARN"; the CLI exits 0 with a
    warning on it, or 1 under --strict)."""

    PASS = "PASS"
    FAIL = "FAIL"
    INCONCLUSIVE = "INCONCLUSIVE"


@dataclass(frozen=True)
class NonInferiority:
    decision: Decision
    margin: float
    result: PairedResult

    @property
    def ci(self) -> tuple[float, float]:
        return self.result.ci_low, self.result.ci_high


def noninferiority(
    a: Any,
    b: Any,
    margin: float,
    level: float = 0.95,
    cluster: Any = None,
    kind: Literal["auto", "binary", "continuous"] = "auto",
    n_resamples: int = 10_000,
    seed: int = 0,
) -> NonInferiority:
    """Is the new checkpoint `b` no worse than the reference `a` by more than `margin`?

    PASS when the lower bound of the two-sided `level` interval for mean(b) − mean(a) is above
    −margin (a one-sided test at (1 − level)/2), FAIL when the upper bound is below −margin (worse
    by more than the margin), INCONCLUSIVE otherwise. The interval is the paired one `compare` picks:
    Tango for binary scores, bootstrap for continuous ones, cluster-robust t with clusters.
    """
    if not margin >= 0:
        raise ValueError(f"margin must be non-negative, got {margin}")
    res = compare(a, b, kind=kind, cluster=cluster, level=level, n_resamples=n_resamples, seed=seed)
    if res.ci_low > -margin:
        decision = Decision.PASS
    elif res.ci_high < -margin:
        decision = Decision.FAIL
    else:
        decision = Decision.INCONCLUSIVE
    return NonInferiority(decision, float(margin), res)
