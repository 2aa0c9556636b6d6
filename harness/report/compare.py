"""`harness compare`: paired comparisons of checkpoints per benchmark and per difficulty tier.

The first checkpoint is the reference; every other one is compared with it on the items both
answered (harness.stats.align). Per benchmark and per tier: each checkpoint's score with its CI, the
paired difference δ with its CI and p-value (harness.stats.compare picks McNemar, the clustered t
or permutation + bootstrap by the scores), the discordant counts, and the minimum detectable effect.
Multiple comparisons, per compared pair: Holm over the benchmark-level p-values, Benjamini-Hochberg
(q) over the benchmark × tier cells. A cell that is not significant is "underpowered" when its MDE
exceeds the effect the study cares about (`effect`), not evidence of no difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from harness.core.constants import TIER_ORDER
from harness.core.errors import InputError
from harness.core.records import read_records
from harness.stats import align, benjamini_hochberg, clustered_se, compare, holm, interaction, mde_paired
from harness.stats.align import Aligned, AlignmentReport, nothing_aligned


@dataclass(frozen=True)
class CompareConfig:
    level: float = 0.95
    alpha: float = 0.05
    q: float = 0.1  # Benjamini-Hochberg false discovery rate over tier cells
    effect: float = 0.02  # the smallest difference worth detecting (2 points): decides "underpowered"
    power: float = 0.8
    n_resamples: int = 10_000
    seed: int = 0
    tier_column: str | None = None  # pism_tier or cmab_tier; default: the first the records carry


@dataclass
class CompareResult:
    rows: pd.DataFrame
    interactions: pd.DataFrame
    reports: list[AlignmentReport] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    not_compared: list[str] = field(default_factory=list)  # tasks without any aligned item
    missing_tasks: dict[str, list[str]] = field(default_factory=dict)  # task -> runs without its records


def load_runs(paths: list[Path]) -> dict[str, pd.DataFrame]:
    """Records of each checkpoint: a run folder (OUT/<model>, one records.parquet per task) or a file."""
    runs: dict[str, pd.DataFrame] = {}
    for path in paths:
        files = [path] if path.is_file() else sorted(path.glob("*/records.parquet"))
        if not files:
            raise FileNotFoundError(f"no records under {path} (expected <task>/records.parquet)")
        name = path.stem if path.is_file() else path.name
        if name in runs:
            raise ValueError(f"two checkpoints are both called {name!r}: rename one run folder")
        runs[name] = pd.concat([read_records(f) for f in files], ignore_index=True)
    return runs


def _score_ci(x: np.ndarray, cluster: np.ndarray | None, level: float) -> tuple[float, float]:
    lo, hi = _raw_score_ci(x, cluster, level)
    return max(lo, 0.0), min(hi, 1.0)  # scores live in [0, 1]; a t interval may overshoot


def _raw_score_ci(x: np.ndarray, cluster: np.ndarray | None, level: float) -> tuple[float, float]:
    if len(x) == 0:
        return math.nan, math.nan
    if cluster is not None and len(np.unique(cluster)) > 1:
        half = sps.t.ppf(0.5 + level / 2, len(np.unique(cluster)) - 1) * clustered_se(x, cluster)
        return float(x.mean() - half), float(x.mean() + half)
    if np.isin(x, (0.0, 1.0)).all():
        lo, hi = proportion_confint(int(x.sum()), len(x), alpha=1 - level, method="wilson")
        return float(lo), float(hi)
    half = (
        sps.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)) if len(x) > 1 else math.nan
    )
    return float(x.mean() - half), float(x.mean() + half)


def _mde(a: np.ndarray, b: np.ndarray, cluster: np.ndarray | None, cfg: CompareConfig) -> float:
    n = len(a)
    if n < 2:
        return math.nan
    d = b - a
    if cluster is None and np.isin(a, (0.0, 1.0)).all() and np.isin(b, (0.0, 1.0)).all():
        # At the observed discordance (at least one item's worth, so an all-agreeing cell has an MDE).
        return float(mde_paired(n, max(float(np.mean(d != 0)), 1.0 / n), cfg.alpha, cfg.power))
    se = (
        clustered_se(d, cluster)
        if cluster is not None and len(np.unique(cluster)) > 1
        else d.std(ddof=1) / math.sqrt(n)
    )
    z = sps.norm.ppf(1 - cfg.alpha / 2) + sps.norm.ppf(cfg.power)
    return float(z * max(se, 1.0 / n))


def _cell(al: Aligned, i: int, mask: np.ndarray, tier: str, cfg: CompareConfig) -> dict[str, object]:
    a, b = al.scores[0][mask], al.scores[i][mask]
    cluster = al.cluster[mask] if al.cluster is not None else None
    if cluster is not None and len(np.unique(cluster)) < 2:
        cluster = None
    row: dict[str, object] = {"benchmark": al.benchmark, "tier": tier, "reference": al.names[0],
                              "checkpoint": al.names[i], "n": int(mask.sum())}  # fmt: skip
    row["score_a"], (row["a_low"], row["a_high"]) = float(a.mean()), _score_ci(a, cluster, cfg.level)
    row["score_b"], (row["b_low"], row["b_high"]) = float(b.mean()), _score_ci(b, cluster, cfg.level)
    if len(a) >= 2:
        res = compare(a, b, cluster=cluster, level=cfg.level, n_resamples=cfg.n_resamples, seed=cfg.seed)
        row.update(delta=res.delta, d_low=res.ci_low, d_high=res.ci_high, p=res.p_value, method=res.method)
        row["n_a_only"], row["n_b_only"] = res.discordant if res.discordant else (None, None)
    else:
        row.update(
            delta=float(b.mean() - a.mean()),
            d_low=math.nan,
            d_high=math.nan,
            p=math.nan,
            method="too few items",
        )
        row["n_a_only"] = row["n_b_only"] = None
    row["mde"] = _mde(a, b, cluster, cfg)
    return row


def _flag(p_adj: float, mde: float, cfg: CompareConfig, rejected: bool | None = None) -> str:
    if math.isnan(p_adj):
        return "too few items"
    if rejected if rejected is not None else p_adj < cfg.alpha:
        return "significant"
    return "underpowered" if not mde <= cfg.effect else "not significant"


def compare_runs(runs: dict[str, pd.DataFrame], cfg: CompareConfig | None = None) -> CompareResult:
    """The comparison table of every checkpoint against the first, per task and tier.

    A task none of whose items aligns (all missing, changed or unscored somewhere) is left out and
    listed in `not_compared`, its alignment report saying why; when that is every task there is
    nothing to compare, and the InputError carries the reports.
    """
    cfg = cfg or CompareConfig()
    names = list(runs)
    have = {name: set(df["task"]) for name, df in runs.items()}
    every = sorted(set.union(*have.values()))
    tasks = [t for t in every if all(t in h for h in have.values())]
    # A task some run lacks is listed, never silently left out of the comparison.
    missing_tasks = {t: [n for n, h in have.items() if t not in h] for t in every if t not in tasks}
    if not tasks:
        listing = "; ".join(f"{n}: {', '.join(sorted(h))}" for n, h in have.items())
        raise InputError(f"the checkpoints have no task in common ({listing})")
    rows, inter, reports, not_compared = [], [], [], []
    for task in tasks:
        al = align(runs, task)
        reports.append(al.report)
        if not al.item_ids:
            not_compared.append(task)
            continue
        column = cfg.tier_column or next(iter(al.tiers), None)
        labels = al.tiers.get(column) if column else None
        for i in range(1, len(names)):
            rows.append(_cell(al, i, np.ones(len(al.item_ids), bool), "all", cfg))
            for tier in TIER_ORDER if labels is not None else ():
                mask = np.asarray(labels == tier, dtype=bool)
                if mask.any():
                    rows.append(_cell(al, i, mask, tier, cfg))
            if labels is not None and (labels == "easy").sum() >= 2 and (labels == "hard").sum() >= 2:
                e, h = labels == "easy", labels == "hard"
                res = interaction(al.scores[0][e], al.scores[i][e], al.scores[0][h], al.scores[i][h],
                                  cfg.n_resamples, cfg.seed, cfg.level)  # fmt: skip
                inter.append({"benchmark": al.benchmark, "reference": names[0], "checkpoint": names[i],
                              "n_easy": res.n_easy, "n_hard": res.n_hard, "delta_easy": res.delta_easy,
                              "delta_hard": res.delta_hard, "difference": res.estimate,
                              "low": res.ci_low, "high": res.ci_high, "p": res.p_value})  # fmt: skip
    if not rows:
        raise nothing_aligned(reports)
    table = pd.DataFrame(rows)
    table["p_adj"], table["adjustment"], table["flag"] = math.nan, "", ""
    for _, part in table.groupby("checkpoint", sort=False):
        top = part.index[part["tier"] == "all"]
        table.loc[top, "p_adj"] = holm(table.loc[top, "p"].to_numpy(dtype=float))
        table.loc[top, "adjustment"] = "Holm"
        cells = part.index[part["tier"] != "all"]
        if len(cells):
            adjusted, rejected = benjamini_hochberg(table.loc[cells, "p"].to_numpy(dtype=float), cfg.q)
            table.loc[cells, "p_adj"], table.loc[cells, "adjustment"] = adjusted, f"BH q={cfg.q}"
            table.loc[cells, "flag"] = [_flag(p, m, cfg, bool(r)) for p, m, r in
                                        zip(adjusted, table.loc[cells, "mde"], rejected, strict=True)]  # fmt: skip
        table.loc[top, "flag"] = [
            _flag(p, m, cfg) for p, m in zip(table.loc[top, "p_adj"], table.loc[top, "mde"], strict=True)
        ]
    interactions = pd.DataFrame(inter)
    if len(interactions):
        interactions = interactions.sort_values(["checkpoint", "benchmark"], kind="stable").reset_index(
            drop=True
        )
    return CompareResult(table, interactions, reports, names, not_compared, missing_tasks)
