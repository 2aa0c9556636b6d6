"""A task's metrics from its records: the mean score, what was not scored and why, and the
benchmark's own extra metrics (HallusionBench fAcc/qAcc, MMStar macro), in [0, 1]."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pandas as pd


def _methods(records: pd.DataFrame) -> Counter[str]:
    return Counter(json.loads(m or "{}").get("method", "rule") for m in records["meta"])


def task_metrics(records: pd.DataFrame) -> dict[str, Any]:
    """n, n_scored, n_unscored, score (mean over scored items), approximate, judges, extras."""
    from harness.paper6.registry import BENCHMARKS

    scored = records["score"].dropna()
    methods = _methods(records)
    out: dict[str, Any] = {
        "n": len(records),
        "n_scored": int(scored.size),
        "n_unscored": int(len(records) - scored.size),
        "score": float(scored.mean()) if scored.size else None,
        # MM-Vet without a judge: a rule-based approximation, never to be mistaken for the official score.
        "approximate": methods.get("rule_approx", 0) > 0,
        "methods": dict(sorted(methods.items())),
        "judges": sorted({j for j in records["judge"].dropna()}) if "judge" in records.columns else [],
    }
    keys = set(records["benchmark"]) if len(records) else set()
    if len(keys) == 1:
        bench = BENCHMARKS.get(next(iter(keys)))
        if bench is not None and bench.extra_metrics is not None and scored.size:
            out.update(bench.extra_metrics(records))
    return out


def answer_concentration(records: pd.DataFrame) -> dict[str, Any]:
    """The most common parsed answer of a run's records and its share, next to the most common
    target's share. A policy that has collapsed towards the answer prior (RL on a model that cannot
    see well enough: "yes" to every yes/no question, "A" to every choice) shows as a top share well
    above the targets'. Records without a parsed answer count as the answer "" (no answer)."""
    if not len(records):
        return {"n": 0, "top_answer": None, "top_share": None, "target_top_share": None}
    answers = records["parsed_answer"].fillna("").astype(str).str.strip().str.lower()
    targets = records["target"].fillna("").astype(str).str.strip().str.lower()
    counts = answers.value_counts()
    return {
        "n": len(records),
        "top_answer": str(counts.index[0]),
        "top_share": float(counts.iloc[0] / len(records)),
        "target_top_share": float(targets.value_counts().iloc[0] / len(records)),
    }
