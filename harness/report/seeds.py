"""Arms with several seeds: compare training recipes by their per-seed scores (Welch t).

Item-level tests (`harness compare`) say whether two checkpoints differ; whether one recipe beats
another needs the seed-to-seed variation, so each arm's per-seed benchmark scores are the replicates.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from harness.stats import seed_level
from harness.stats.effects import MIN_SEEDS


def arm_scores(runs: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """benchmark × run table of mean scores (over scored items)."""
    cols = {name: df.groupby("benchmark")["score"].mean() for name, df in runs.items()}
    return pd.DataFrame(cols)


def seed_table(
    arms: dict[str, list[str]], runs: dict[str, pd.DataFrame], level: float = 0.95
) -> pd.DataFrame:
    """Per benchmark (and the macro mean): each arm's mean and SD over seeds, and the difference of
    every arm from the first, with a Welch interval and p when both arms have at least 3 seeds."""
    names = list(arms)
    if len(names) < 2:
        raise ValueError("seed-level comparison needs at least two arms")
    for arm, members in arms.items():
        unknown = [m for m in members if m not in runs]
        if unknown:
            raise ValueError(f"arm {arm!r}: no run called {', '.join(unknown)}")
    scores = arm_scores(runs)
    scores.loc["macro"] = scores.mean(axis=0)
    rows = []
    ref = names[0]
    for bench in scores.index:
        a = scores.loc[bench, arms[ref]].to_numpy(dtype=float)
        for arm in names[1:]:
            b = scores.loc[bench, arms[arm]].to_numpy(dtype=float)
            row = {"benchmark": bench, "reference": ref, "arm": arm, "seeds_ref": len(a), "seeds_arm": len(b),
                   "mean_ref": a.mean(), "sd_ref": a.std(ddof=1) if len(a) > 1 else math.nan,
                   "mean_arm": b.mean(), "sd_arm": b.std(ddof=1) if len(b) > 1 else math.nan,
                   "delta": b.mean() - a.mean(), "low": math.nan, "high": math.nan, "p": math.nan,
                   "note": ""}  # fmt: skip
            if min(len(a), len(b)) >= MIN_SEEDS:
                res = seed_level(a, b, level)
                row.update(low=res.ci_low, high=res.ci_high, p=res.p_value)
            else:
                row["note"] = "fewer than 3 seeds in an arm: no seed-level test"
            rows.append(row)
    return pd.DataFrame(rows)


def to_markdown(table: pd.DataFrame) -> str:
    out = ["## Seed-level comparison (arms' per-seed scores, Welch t)", "",
           "| arm | benchmark | seeds | reference mean (SD) | arm mean (SD) | δ [CI] | p | note |",
           "|---|---|--:|--:|--:|--:|--:|---|"]  # fmt: skip

    def pts(x: Any) -> str:
        return "–" if pd.isna(x) else f"{100 * float(x):.1f}"

    for r in table.to_dict(orient="records"):
        ci = "" if pd.isna(r["low"]) else f" [{pts(r['low'])}, {pts(r['high'])}]"
        p = "–" if pd.isna(r["p"]) else f"{float(r['p']):.3f}"
        out.append(
            f"| {r['arm']} | {r['benchmark']} | {r['seeds_ref']}/{r['seeds_arm']} | {pts(r['mean_ref'])} "
            f"({pts(r['sd_ref'])}) | {pts(r['mean_arm'])} ({pts(r['sd_arm'])}) | "
            f"{100 * float(r['delta']):+.1f}{ci} | {p} | {r['note']} |"
        )
    return "\n".join(out) + "\n"
