"""Renderings of a comparison: Markdown (the golden-tested report), CSV, LaTeX and a forest plot."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from harness.report.compare import CompareConfig, CompareResult

_FLAG_COLOURS = {"significant": "#c0392b", "not significant": "#7f8c8d", "underpowered": "#e69f00",
                 "too few items": "#bbbbbb"}  # fmt: skip


def _num(x: Any) -> float:
    """A table cell as a float (None and missing values as NaN)."""
    return math.nan if x is None or pd.isna(x) else float(x)


def _pts(x: Any) -> str:
    x = _num(x)
    if math.isinf(x):
        return "∞"  # no effect size reaches the power with so few items
    return "–" if math.isnan(x) else f"{100 * x:.1f}"


def _ci(mid: Any, lo: Any, hi: Any, signed: bool = False) -> str:
    mid, lo, hi = _num(mid), _num(lo), _num(hi)
    if math.isnan(mid):
        return "–"
    head = f"{100 * mid:+.1f}" if signed else f"{100 * mid:.1f}"
    return head if math.isnan(lo) else f"{head} [{100 * lo:.1f}, {100 * hi:.1f}]"


def _p(p: Any) -> str:
    p = _num(p)
    if math.isnan(p):
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _disc(a_only: Any, b_only: Any) -> str:
    if math.isnan(_num(a_only)):
        return "–"
    return f"{_num(a_only):.0f}/{_num(b_only):.0f}"


def to_markdown(result: CompareResult, cfg: CompareConfig) -> str:
    """The report: one table per compared checkpoint, the interaction test, what was not aligned."""
    pct = round(100 * cfg.level)
    out = [f"# Paired comparison against `{result.names[0]}`", ""]
    out.append(
        f"Scores and δ in points with {pct}% CIs. p adj: Holm over benchmarks, Benjamini-Hochberg "
        f"(q = {cfg.q}) over tier cells. discordant: items only the reference / only the checkpoint got "
        f"right. MDE: smallest δ detectable with power {cfg.power:.0%} at α = {cfg.alpha}; a cell that is "
        f"not significant with MDE above {100 * cfg.effect:.1f} points is underpowered, not a null result."
    )
    for name, part in result.rows.groupby("checkpoint", sort=False):
        out += ["", f"## `{name}` vs `{result.names[0]}`", ""]
        out.append(
            "| benchmark | tier | n | reference | checkpoint | δ | p | p adj | discordant | MDE | flag |"
        )
        out.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|")
        for r in part.itertuples():
            out.append(
                f"| {r.benchmark} | {r.tier} | {r.n} | {_ci(r.score_a, r.a_low, r.a_high)} | "
                f"{_ci(r.score_b, r.b_low, r.b_high)} | {_ci(r.delta, r.d_low, r.d_high, signed=True)} | "
                f"{_p(r.p)} | {_p(r.p_adj)} | {_disc(r.n_a_only, r.n_b_only)} | {_pts(r.mde)} | {r.flag} |"
            )
    if len(result.interactions):
        out += ["", "## Tier × checkpoint interaction (δ_hard − δ_easy)", ""]
        out.append("| checkpoint | benchmark | n easy | n hard | δ easy | δ hard | difference | p |")
        out.append("|---|---|--:|--:|--:|--:|--:|--:|")
        for r in result.interactions.itertuples():
            out.append(
                f"| {r.checkpoint} | {r.benchmark} | {r.n_easy} | {r.n_hard} | {_ci(r.delta_easy, None, None, True)} | "
                f"{_ci(r.delta_hard, None, None, True)} | {_ci(r.difference, r.low, r.high, signed=True)} | {_p(r.p)} |"
            )
    notes = [line for rep in result.reports for line in rep.lines() if rep.n_excluded or rep.warnings]
    if result.not_compared:
        notes.insert(0, f"not compared (no item aligned): {', '.join(result.not_compared)}")
    for task, lacking in reversed(list(result.missing_tasks.items())):
        notes.insert(0, f"{task}: no records in {', '.join(lacking)} (not compared)")
    if notes:
        out += ["", "## Alignment", "", "```", *notes, "```"]
    return "\n".join(out) + "\n"


def to_latex(result: CompareResult) -> str:
    cols = [
        "checkpoint",
        "benchmark",
        "tier",
        "n",
        "score_a",
        "score_b",
        "delta",
        "d_low",
        "d_high",
        "p",
        "p_adj",
        "flag",
    ]
    table = result.rows[cols].copy()
    for c in ("score_a", "score_b", "delta", "d_low", "d_high"):
        table[c] = (100 * table[c]).round(1)
    return table.to_latex(index=False, float_format="%.3g", na_rep="--")


def forest_plot(result: CompareResult, path: Path) -> Path:
    """δ with its CI per benchmark and tier, one panel per compared checkpoint."""
    rows = result.rows.dropna(subset=["d_low"])
    names = list(dict.fromkeys(rows["checkpoint"])) or ["-"]
    sns.set_theme(style="whitegrid")
    height = max(2.5, 0.28 * max((rows["checkpoint"] == n).sum() for n in names) + 1)
    # Wrap after three panels: a study with nine checkpoints stays readable on one screen.
    ncols = min(len(names), 3)
    nrows = -(-len(names) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(6 * ncols, height * nrows), squeeze=False, sharey=True)
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, names, strict=False):
        part = rows[rows["checkpoint"] == name].reset_index(drop=True)
        labels = [f"{b} · {t}" for b, t in zip(part["benchmark"], part["tier"], strict=True)]
        for y, r in enumerate(part.itertuples()):
            colour = _FLAG_COLOURS.get(r.flag, "#333333")
            d, lo, hi = _num(r.delta), _num(r.d_low), _num(r.d_high)
            ax.errorbar(100 * d, y, xerr=[[100 * (d - lo)], [100 * (hi - d)]],
                        fmt="s" if r.tier == "all" else "o", color=colour, capsize=2)  # fmt: skip
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ax.set(xlabel=f"δ vs {result.names[0]} (points)", title=name)
    handles = [plt.Line2D([], [], marker="o", ls="", color=c, label=f) for f, c in _FLAG_COLOURS.items()]
    fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False)
    fig.tight_layout(rect=(0, 0.06 / nrows, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_all(result: CompareResult, cfg: CompareConfig, out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"md": out / "compare.md", "csv": out / "compare.csv", "tex": out / "compare.tex"}
    paths["md"].write_text(to_markdown(result, cfg))
    result.rows.to_csv(paths["csv"], index=False, float_format="%.6g")
    paths["tex"].write_text(to_latex(result))
    if len(result.interactions):
        paths["interaction_csv"] = out / "interaction.csv"
        result.interactions.to_csv(paths["interaction_csv"], index=False, float_format="%.6g")
    paths["forest"] = forest_plot(result, out / "forest.png")
    return paths


__all__ = ["forest_plot", "to_latex", "to_markdown", "write_all"]
