"""The demo's one-page report (report/report.md) and the files it links to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from harness.core.tables import attach_tiers, tier_counts
from harness.difficulty.agreement import tier_agreement
from harness.difficulty.cmab import CMABConfig
from harness.difficulty.plots import plot_cmab, plot_pism
from harness.report.compare import CompareConfig, compare_runs, load_runs
from harness.report.compare_render import to_markdown, write_all
from harness.report.contrasts import Contrast, contrast_table
from harness.report.contrasts import to_markdown as contrasts_markdown
from harness.report.leaderboard import entry_from_records, render
from harness.report.seeds import seed_table
from harness.report.seeds import to_markdown as seeds_markdown

if TYPE_CHECKING:
    from harness.demo.config import DemoConfig


def _headline(runs: dict[str, pd.DataFrame]) -> list[str]:
    scores = pd.DataFrame({name: df.groupby("benchmark")["score"].mean() for name, df in runs.items()}).T
    scores["macro"] = scores.mean(axis=1)
    cols = list(scores.columns)
    lines = ["| checkpoint | " + " | ".join(cols) + " |", "|---|" + "--:|" * len(cols)]
    for name, row in scores.iterrows():
        lines.append(f"| {name} | " + " | ".join(f"{100 * v:.1f}" for v in row) + " |")
    return lines


def _sizes(runs: dict[str, pd.DataFrame]) -> str:
    """Items per benchmark in the first run ("1000 items each", or each benchmark's count)."""
    counts = next(iter(runs.values())).groupby("benchmark").size()
    if counts.nunique() == 1:
        return f"{counts.iloc[0]} items each"
    return "items: " + ", ".join(f"{b} {n}" for b, n in counts.items())


def _subsets(checkpoints: dict[str, list[Path]]) -> list[str]:
    """Each arm's training subsets, per stage, from its checkpoints' `selection_*.json`: how many
    items each stage saw, and from which tiers (a small tier makes a stage a small experiment)."""
    lines = ["| arm | stage | subset | items per seed | tiers (first seed) |", "|---|---|---|--:|---|"]
    for arm, paths in checkpoints.items():
        for stage in ("sft", "grpo"):
            found = [
                json.loads(f.read_text()) for p in paths if (f := p / f"selection_{stage}.json").exists()
            ]
            if found:
                sizes = sorted({sel["size"] for sel in found})
                tiers = ", ".join(f"{t} {n}" for t, n in found[0]["counts"].items())
                lines.append(
                    f"| {arm} | {stage} | `{found[0]['policy']}` | {'/'.join(map(str, sizes))} | {tiers} |"
                )
    return lines if len(lines) > 2 else []


def _demote(markdown: str) -> str:
    """Headings one level down, to sit inside the report's section."""
    return "\n".join("#" + line if line.startswith("#") else line for line in markdown.splitlines()) + "\n"


def write_report(
    cfg: DemoConfig,
    tables: dict[str, pd.DataFrame],
    checkpoints: dict[str, list[Path]],
    runs: dict[str, Path],
) -> Path:
    from harness.demo.config import BENCHMARK_TASKS, CONTRASTS, POOL

    out = cfg.out / "report"
    out.mkdir(parents=True, exist_ok=True)
    bench_pism = pd.concat([tables[f"pism:{t}"] for t in BENCHMARK_TASKS], ignore_index=True)
    loaded = {
        name: attach_tiers(df, bench_pism, "benchmark PISM tiers")
        for name, df in load_runs(list(runs.values())).items()
    }
    ccfg = CompareConfig(n_resamples=2000 if cfg.quick else 10_000)
    result = compare_runs(loaded, ccfg)
    write_all(result, ccfg, out)
    arms = {arm: [p.name for p in paths] for arm, paths in checkpoints.items()}
    seeds = seed_table(arms, loaded)
    seeds.to_csv(out / "seeds.csv", index=False, float_format="%.6g")
    contrasts = contrast_table([Contrast(name, ref, arm) for name, (ref, arm) in CONTRASTS.items()],
                               arms, loaded, n_resamples=ccfg.n_resamples)  # fmt: skip
    contrasts.to_csv(out / "contrasts.csv", index=False, float_format="%.6g")
    pool_pism, pool_cmab = tables[f"pism:{POOL}"], tables[f"cmab:{POOL}"]
    plot_pism(pool_pism, cfg.pism, out)
    plot_cmab(pool_cmab, CMABConfig(), out)
    agreement = tier_agreement(pool_pism, pool_cmab, "pism_tier", "cmab_tier").to_markdown("PISM", "CMAB")
    board = render([entry_from_records(df, name, "demo") for name, df in loaded.items()])
    (out / "leaderboard.md").write_text(board)
    tiers = tier_counts(pool_pism["pism_tier"])
    lines = [
        f"# The study on the embedded default{' (quick)' if cfg.quick else ''}",
        "",
        f"Base model `tiny-base`; training pool `{POOL}` ({len(pool_pism)} items scored); six synthetic "
        f"benchmarks ({_sizes(loaded)}; the first {cfg.tier_items} of each tiered by PISM and CMAB); "
        f"arms × seeds {list(arms)} × {list(cfg.seeds)}.",
        "",
        "## Headline: accuracy per benchmark (points)",
        "",
        *_headline(loaded),
        "",
        "## What each arm trained on",
        "",
        f"GRPO {cfg.grpo_steps} steps, SFT {cfg.sft_steps} steps (preset `tiny`); subsets from the "
        "pool's PISM tiers, the random arm size-matched to mid+hard.",
        "",
        *_subsets(checkpoints),
        "",
        "## The study's contrasts",
        "",
        "Each contrast is told twice. Seed level: the arms' per-seed scores (Welch t); a new seed is "
        "a new draw of the recipe, so only this level speaks about the recipe, and with "
        f"{len(cfg.seeds)} seeds an arm its intervals are wide. Item level: each item's score "
        "averaged over an arm's seeds, paired over items; it says whether these checkpoints answer "
        "these items differently, not whether another seed would. Each row's reading says which "
        "the data support. Points, arm − reference.",
        "",
        contrasts_markdown(contrasts),
        "## Training pool tiers (PISM) and agreement with CMAB",
        "",
        "PISM tiers: " + ", ".join(f"{t} {n}" for t, n in tiers.items()),
        "",
        "![PISM survival](survival.png)",
        "",
        "![CMAB ρ̄](cmab_hist.png)",
        "",
        agreement,
        "",
        seeds_markdown(seeds),
        "## Checkpoints against the base model, per benchmark and tier",
        "",
        "![forest plot](forest.png)",
        "",
        _demote(to_markdown(result, ccfg)),
        "## Leaderboard",
        "",
        board.split("\n", 2)[2] if board.count("\n") > 2 else board,
    ]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path
