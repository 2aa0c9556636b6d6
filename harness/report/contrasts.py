"""Paradigm contrasts: does one training recipe beat another, told at the level of seeds and of items.

A contrast compares two arms, each several seeds of one recipe, and asks two different questions:

- **seed level**: the arms' per-seed benchmark scores, Welch t (`harness.stats.seed_level`). A new
  seed of a recipe is a new draw of the recipe, so this is the test of the recipe itself; with
  three seeds an arm it is wide.
- **item level**: per item, each arm's score averaged over its seeds, paired over the items
  (`harness.stats.compare`; cluster-robust where items share a figure). It says whether these
  checkpoints answer these items differently. It leaves out seed-to-seed variation, so on its own
  it is not evidence about the recipe.

Each row's `reading` says in words which of the two the data support. The macro row averages the
benchmarks; its item-level interval resamples items (whole figures) across all benchmarks at once.
Benchmark p values are Holm-adjusted over the benchmarks of one contrast at one level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from harness.report.seeds import arm_scores
from harness.stats import compare, holm, paired_bootstrap, seed_level
from harness.stats.align import align
from harness.stats.effects import MIN_SEEDS

MACRO = "macro"


@dataclass(frozen=True)
class Contrast:
    """`arm` against `reference` (the difference is arm − reference), under a name for the report."""

    name: str
    reference: str
    arm: str


def _seed_cells(ref: np.ndarray, arm: np.ndarray, level: float) -> dict[str, Any]:
    cells: dict[str, Any] = {"seed_sd_ref": _sd(ref), "seed_sd_arm": _sd(arm)}
    if min(len(ref), len(arm)) < MIN_SEEDS:
        return cells | {"seed_delta": arm.mean() - ref.mean(), "seed_low": math.nan,
                        "seed_high": math.nan, "seed_p": math.nan}  # fmt: skip
    res = seed_level(ref, arm, level)
    return cells | {"seed_delta": res.delta, "seed_low": res.ci_low, "seed_high": res.ci_high,
                    "seed_p": res.p_value}  # fmt: skip


def _sd(x: np.ndarray) -> float:
    return float(x.std(ddof=1)) if len(x) > 1 else math.nan


def _item_frames(
    arms: dict[str, list[str]], runs: dict[str, pd.DataFrame], contrast: Contrast
) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray | None]]:
    """Per task: (benchmark, reference arm's seed-mean scores, arm's, clusters) on the items every
    member of both arms scored."""
    members = [*arms[contrast.reference], *arms[contrast.arm]]
    chosen = {m: runs[m] for m in members}
    tasks = sorted(set.intersection(*(set(df["task"].unique()) for df in chosen.values())))
    out = []
    k = len(arms[contrast.reference])
    for task in tasks:
        al = align(chosen, task)
        if not al.item_ids:
            continue
        out.append((al.benchmark, al.scores[:k].mean(axis=0), al.scores[k:].mean(axis=0), al.cluster))
    return out


def _macro_item(frames: list[tuple[str, np.ndarray, np.ndarray, np.ndarray | None]],
                level: float, n_resamples: int) -> dict[str, Any]:  # fmt: skip
    """Macro mean difference (each benchmark weighs the same), items resampled with their figure."""
    code = np.concatenate([np.full(len(a), i) for i, (_, a, _, _) in enumerate(frames)])
    a = np.column_stack([np.concatenate([f[1] for f in frames]), code])
    b = np.column_stack([np.concatenate([f[2] for f in frames]), code])
    clusters = np.concatenate([
        np.char.add(f"{i}:", (c if c is not None else np.arange(len(x)).astype(str)).astype(str))
        for i, (_, x, _, c) in enumerate(frames)
    ])  # fmt: skip
    n_bench = len(frames)

    def macro_delta(x: np.ndarray, y: np.ndarray) -> float:
        sums = np.bincount(x[:, 1].astype(int), weights=y[:, 0] - x[:, 0], minlength=n_bench)
        sizes = np.bincount(x[:, 1].astype(int), minlength=n_bench)
        present = sizes > 0
        return float((sums[present] / sizes[present]).mean())

    res = paired_bootstrap(a, b, macro_delta, n_resamples=n_resamples, level=level, cluster=clusters)
    return {"item_delta": res.delta, "item_low": res.ci_low, "item_high": res.ci_high,
            "item_p": res.p_value, "items": len(code)}  # fmt: skip


def contrast_table(
    contrasts: list[Contrast],
    arms: dict[str, list[str]],
    runs: dict[str, pd.DataFrame],
    level: float = 0.95,
    n_resamples: int = 10_000,
) -> pd.DataFrame:
    """One row per contrast × benchmark (and the macro mean): seed-level and item-level difference
    (arm − reference, fractions), intervals, p values (Holm over benchmarks) and a reading."""
    for c in contrasts:
        for arm in (c.reference, c.arm):
            if arm not in arms:
                raise ValueError(f"contrast {c.name!r}: no arm called {arm!r}; arms: {sorted(arms)}")
    scores = arm_scores(runs)
    scores.loc[MACRO] = scores.mean(axis=0)
    rows = []
    for c in contrasts:
        frames = _item_frames(arms, runs, c)
        block: list[dict[str, Any]] = []
        for bench, ref_items, arm_items, cluster in frames:
            res = compare(ref_items, arm_items, kind="continuous", cluster=cluster, level=level,
                          n_resamples=n_resamples)  # fmt: skip
            block.append({"benchmark": bench, "items": res.n, "item_delta": res.delta,
                          "item_low": res.ci_low, "item_high": res.ci_high, "item_p": res.p_value})  # fmt: skip
        if frames:
            block.append({"benchmark": MACRO, **_macro_item(frames, level, n_resamples)})
        for row in block:
            bench_scores = scores.loc[str(row["benchmark"])]
            ref_seeds = bench_scores[arms[c.reference]].to_numpy(dtype=float)
            arm_seeds = bench_scores[arms[c.arm]].to_numpy(dtype=float)
            row.update(contrast=c.name, reference=c.reference, arm=c.arm, seeds_ref=len(ref_seeds),
                       seeds_arm=len(arm_seeds), **_seed_cells(ref_seeds, arm_seeds, level))  # fmt: skip
        benches = [r for r in block if r["benchmark"] != MACRO]
        for key in ("seed", "item"):
            raw = np.array([r[f"{key}_p"] for r in benches], dtype=float)
            adj = np.full(raw.shape, np.nan)
            ok = ~np.isnan(raw)
            if ok.any():
                adj[ok] = holm(raw[ok])
            for r, p in zip(benches, adj, strict=True):
                r[f"{key}_p_holm"] = p
        for r in block:
            if r["benchmark"] == MACRO:  # one test per contrast: nothing to adjust
                r["seed_p_holm"], r["item_p_holm"] = r["seed_p"], r["item_p"]
            r["reading"] = reading(r, 1 - level)
        rows.extend(block)
    columns = ["contrast", "benchmark", "reference", "arm", "seeds_ref", "seeds_arm", "items",
               "seed_delta", "seed_low", "seed_high", "seed_p", "seed_p_holm", "seed_sd_ref", "seed_sd_arm",
               "item_delta", "item_low", "item_high", "item_p", "item_p_holm", "reading"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _pts(x: float) -> str:
    return f"{100 * x:+.1f}"


def _p(p: float) -> str:
    return "–" if math.isnan(p) else "<0.001" if p < 0.001 else f"{p:.3f}"


def reading(row: dict[str, Any], alpha: float = 0.05) -> str:
    """What one contrast row lets a reader conclude, in one sentence."""
    item_sig = row["item_p_holm"] < alpha
    seed_tested = not math.isnan(row["seed_p_holm"])
    if seed_tested and row["seed_p_holm"] < alpha:
        better = "above" if row["seed_delta"] > 0 else "below"
        return (f"the recipe differs: {row['arm']} is {better} {row['reference']} across seeds "
                f"({_pts(row['seed_delta'])} [{_pts(row['seed_low'])}, {_pts(row['seed_high'])}])")  # fmt: skip
    if not seed_tested:
        shown = "these checkpoints differ on these items" if item_sig else "no item-level difference"
        return f"{shown}; fewer than {MIN_SEEDS} seeds an arm, so nothing about the recipe"
    bound = 100 * max(abs(row["seed_low"]), abs(row["seed_high"]))
    if item_sig:
        return (f"these checkpoints differ on these items ({_pts(row['item_delta'])}), but not beyond "
                f"seed-to-seed variation: not shown to be the recipe (seed-level CI up to ±{bound:.1f})")  # fmt: skip
    return f"no difference shown at either level; the seeds leave up to ±{bound:.1f} points possible"


def to_markdown(table: pd.DataFrame) -> str:
    """The contrasts as one table per contrast (points), each with its readings."""
    out = []
    for name, block in table.groupby("contrast", sort=False):
        first = block.iloc[0]
        out += [f"### {name}: {first['arm']} − {first['reference']}", "",
                f"Seeds: {first['seeds_arm']} vs {first['seeds_ref']}. Seed level: Welch t on per-seed "
                "scores. Item level: seed-averaged item scores, paired (Holm over benchmarks).", "",
                "| benchmark | items | seed level δ [CI] | p (Holm) | item level δ [CI] | p (Holm) | reading |",
                "|---|--:|--:|--:|--:|--:|---|"]  # fmt: skip
        for r in block.to_dict(orient="records"):
            seed = _pts(r["seed_delta"]) + (
                "" if math.isnan(r["seed_low"]) else f" [{_pts(r['seed_low'])}, {_pts(r['seed_high'])}]"
            )
            out.append(f"| {r['benchmark']} | {r['items']} | {seed} | {_p(r['seed_p_holm'])} | "
                       f"{_pts(r['item_delta'])} [{_pts(r['item_low'])}, {_pts(r['item_high'])}] | {_p(r['item_p_holm'])} | "
                       f"{r['reading']} |")  # fmt: skip
        out.append("")
    return "\n".join(out)


__all__ = ["MACRO", "Contrast", "contrast_table", "reading", "to_markdown"]
