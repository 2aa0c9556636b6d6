"""The CI regression gate: is a candidate checkpoint non-inferior to a committed leaderboard entry?

The candidate's records are paired item by item with the entry's per-item scores (content hashes
checked), and the macro score over the suite is tested for paired non-inferiority within a margin:
PASS, FAIL, or INCONCLUSIVE when the interval straddles the margin (more items are needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from harness.report.leaderboard import entry_records, weighted_pair
from harness.stats import Decision, NonInferiority, align, noninferiority
from harness.stats.align import AlignmentReport


@dataclass
class GateResult:
    decision: Decision
    overall: NonInferiority
    per_task: dict[str, NonInferiority]
    reports: list[AlignmentReport]


def gate(candidate: pd.DataFrame, baseline: dict[str, Any], margin: float, level: float = 0.95,
         n_resamples: int = 10_000, seed: int = 0) -> GateResult:  # fmt: skip
    """Paired non-inferiority of the candidate against a committed entry, on the macro score."""
    base = entry_records(baseline)
    missing = sorted(set(base["task"]) - set(candidate["task"]))
    if missing:
        raise ValueError(f"the candidate has no records for {', '.join(missing)}: it cannot be gated")
    runs = {"baseline": base, "candidate": candidate[candidate["task"].isin(base["task"])]}
    a, b, reports = weighted_pair(runs)
    overall = noninferiority(a, b, margin, level, kind="continuous", n_resamples=n_resamples, seed=seed)
    per_task = {}
    for task in sorted(set(base["task"])):
        al = align(runs, task)
        if len(al.item_ids) >= 2:
            per_task[task] = noninferiority(al.scores[0], al.scores[1], margin, level,
                                            n_resamples=n_resamples, seed=seed)  # fmt: skip
    return GateResult(overall.decision, overall, per_task, reports)
