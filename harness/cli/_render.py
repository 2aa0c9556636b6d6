"""Rich tables the commands print: scores per task and tier, tier counts, the gate's decision."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from harness.core.tables import tier_counts

if TYPE_CHECKING:
    import pandas as pd

    from harness.evaluation.runner import TaskSummary

console = Console(stderr=False, soft_wrap=True)


_EXTRA_METRICS = ("fAcc", "qAcc", "macro_l2")


def by_tier_table(title: str, rows: list[dict[str, Any]]) -> Table:
    """Metrics per tier (scores in %); unscored items and approximate scores are shown, not hidden."""
    extras = [m for m in _EXTRA_METRICS if any(m in r for r in rows)]
    table = Table(title=title)
    for col in ("tier", "n", "scored", "score", *extras):
        table.add_column(col, justify="left" if col == "tier" else "right")
    for r in rows:
        score = "-" if r["score"] is None else f"{100 * r['score']:.1f}" + (" ≈" if r["approximate"] else "")
        table.add_row(
            r["tier"],
            str(r["n"]),
            str(r["n_scored"]),
            score,
            *(f"{100 * r[m]:.1f}" if m in r else "-" for m in extras),
        )
    if any(r["approximate"] for r in rows):
        table.caption = "≈ approximate: rule-based MM-Vet score (no judge configured)"
    return table


def print_summaries(summaries: list[TaskSummary]) -> None:
    table = Table(title="harness eval", show_lines=False)
    for col in ("task", "benchmark", "model", "n", "scored", "score", "± s.e."):
        table.add_column(col, justify="right" if col in {"n", "scored", "score", "± s.e."} else "left")
    for s in summaries:
        table.add_row(
            s.task,
            s.benchmark,
            s.model["name"],
            str(s.n),
            str(s.n_scored),
            "-"
            if s.score is None
            else f"{100 * s.score:.1f}" + (" ≈" if s.metrics.get("approximate") else ""),
            "-" if s.stderr is None else f"{100 * s.stderr:.1f}",
        )
    scored = [s.score for s in summaries if s.score is not None]
    if len(summaries) > 1 and scored:
        n = sum(s.n for s in summaries)
        macro = 100 * sum(scored) / len(scored)
        table.add_section()
        table.add_row(
            "macro mean", "", "", str(n), str(sum(s.n_scored for s in summaries)), f"{macro:.1f}", ""
        )
    console.print(table)


def tier_table(title: str, tiers: pd.Series) -> Table:
    counts = tier_counts(tiers)
    table = Table(title=title)
    for col in ("tier", "items", "share"):
        table.add_column(col, justify="right" if col != "tier" else "left")
    for name, n in counts.items():
        table.add_row(str(name), str(int(n)), f"{100 * n / max(len(tiers), 1):.1f}%")
    return table
