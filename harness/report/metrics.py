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
