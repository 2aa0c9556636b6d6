"""Leaderboard entries and the rendered leaderboard with tie groups (the CI gate: harness.report.gate).

An entry (`leaderboards/<suite>/<checkpoint>.json`) is a checkpoint's summary on a suite *and* its
per-item scores with content hashes, so later comparisons stay paired: the gate pairs a candidate's
records with the committed baseline item by item. The suite score is the macro mean over the suite's
benchmarks; paired tests on it use per-item weights N / (B · n_b), under which the plain mean of
weighted scores is the macro mean, so one paired test covers the whole suite.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from harness.core.files import atomic_write_text
from harness.stats import align, sign_flip_permutation
from harness.stats.align import AlignmentReport

SCHEMA_VERSION = 1
_COLUMNS = ("gen_config_hash", "task_version", "judge")


def _macro_ci(df: pd.DataFrame, level: float) -> tuple[float, float, float]:
    """Macro mean over tasks and its interval from the stratified variance (tasks are independent)."""
    groups = [g["score"].dropna().to_numpy(dtype=float) for _, g in df.groupby("task")]
    groups = [g for g in groups if len(g)]
    macro = float(np.mean([g.mean() for g in groups]))
    var = sum(g.var(ddof=1) / len(g) for g in groups if len(g) > 1) / len(groups) ** 2
    half = float(sps.norm.ppf(0.5 + level / 2) * math.sqrt(var))
    return macro, macro - half, macro + half


def entry_from_records(
    records: pd.DataFrame, checkpoint: str, suite: str, level: float = 0.95
) -> dict[str, Any]:
    tasks: dict[str, Any] = {}
    for task, part in records.groupby("task", sort=True):
        part = part.sort_values("item_id")
        scored = part["score"].dropna()
        _, lo, hi = _macro_ci(part, level) if len(scored) > 1 else (0, math.nan, math.nan)
        tasks[str(task)] = {
            "benchmark": str(part["benchmark"].iloc[0]),
            "n": len(part),
            "n_scored": int(scored.size),
            "score": float(scored.mean()) if scored.size else None,
            "ci": [lo, hi],
            **{c: sorted(set(part[c].dropna().astype(str))) for c in _COLUMNS if c in part},
            # item_id -> [content_hash, score or None]: what keeps later comparisons paired.
            "items": {
                str(i): [h, None if pd.isna(s) else float(s)]
                for i, h, s in zip(part["item_id"], part["content_hash"], part["score"], strict=True)
            },
        }
    macro, lo, hi = _macro_ci(records, level)
    model = records["model"].iloc[0] if "model" in records else checkpoint
    weights: list[str] = sorted(set(records["weights_hash"].dropna())) if "weights_hash" in records else []
    return {
        "schema": SCHEMA_VERSION,
        "suite": suite,
        "checkpoint": checkpoint,
        "model": str(model),
        "weights_hash": str(weights[0]) if len(weights) == 1 else None,
        "macro": {"score": macro, "ci": [lo, hi], "level": level},
        "tasks": tasks,
    }


def write_entry(entry: dict[str, Any], path: Path) -> Path:
    """Write an entry atomically (a unique temporary file renamed over it: no torn file, even when
    two CI jobs write the same entry at once)."""
    text = json.dumps(entry, indent=1, sort_keys=True, allow_nan=True) + "\n"
    return atomic_write_text(path, text)


def read_entry(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise FileNotFoundError(f"leaderboard entry not found: {path}")
    entry: dict[str, Any] = json.loads(path.read_text())
    if entry.get("schema") != SCHEMA_VERSION or "tasks" not in entry:
        raise ValueError(f"{path}: not a leaderboard entry (schema {SCHEMA_VERSION})")
    return entry


def entry_records(entry: dict[str, Any]) -> pd.DataFrame:
    """An entry's per-item scores as records (enough for harness.stats.align)."""
    rows = []
    for task, t in entry["tasks"].items():
        extra = {c: (t.get(c) or [None])[0] for c in _COLUMNS}
        for item, (chash, score) in t["items"].items():
            rows.append({"item_id": item, "task": task, "benchmark": t["benchmark"], "content_hash": chash,
                         "score": score, "cluster": None, "meta": "{}", **extra})  # fmt: skip
    return pd.DataFrame(rows)


def weighted_pair(runs: dict[str, pd.DataFrame]) -> tuple[np.ndarray, np.ndarray, list[AlignmentReport]]:
    """Per-item weighted scores of two checkpoints over every shared task (mean = macro mean).

    Tasks without an aligned item are left out (their reports say why); when no task has one the
    arrays are empty, for the caller to decide what that means."""
    tasks = sorted(set.intersection(*(set(df["task"]) for df in runs.values())))
    parts, reports = [], []
    for task in tasks:
        al = align(runs, task)
        reports.append(al.report)
        if al.item_ids:
            parts.append(al.scores)
    n = sum(p.shape[1] for p in parts)
    weighted = [p * (n / (len(parts) * p.shape[1])) for p in parts]
    joined = np.concatenate(weighted, axis=1) if weighted else np.empty((2, 0))
    return joined[0], joined[1], reports


def tie_groups(entries: list[dict[str, Any]], alpha: float = 0.05, seed: int = 0) -> list[int]:
    """Rank of each entry (sorted by macro score, best first): entries not separable from a group's
    leader by a paired sign-flip test on the macro score (p ≥ alpha) share the leader's rank."""
    order = sorted(range(len(entries)), key=lambda i: -entries[i]["macro"]["score"])
    ranks = [0] * len(entries)
    rank, left = 0, order
    while left:
        leader, rest = left[0], left[1:]
        rank += 1
        ranks[leader] = rank
        still = []
        lead_records = entry_records(entries[leader])
        for i in rest:
            a, b, _ = weighted_pair({"a": lead_records, "b": entry_records(entries[i])})
            p = sign_flip_permutation(a, b, seed=seed).p_value if len(a) else 1.0
            if p >= alpha:
                ranks[i] = rank
            else:
                still.append(i)
        left = still
    return ranks


def render(entries: list[dict[str, Any]], alpha: float = 0.05) -> str:
    """The leaderboard as Markdown: rank (ties share it), macro score with CI, each benchmark's score."""
    if not entries:
        return "No entries yet.\n"
    ranks = tie_groups(entries, alpha)
    order = sorted(range(len(entries)), key=lambda i: (ranks[i], -entries[i]["macro"]["score"]))
    tasks = sorted({t for e in entries for t in e["tasks"]})
    level = entries[0]["macro"].get("level", 0.95)
    lines = [f"# Leaderboard: {entries[0]['suite']}", "",
             f"Macro mean over benchmarks, in points, with {level:.0%} CIs. Checkpoints that a paired "
             f"sign-flip test (α = {alpha}) cannot separate from a group's leader share its rank.", "",
             "| rank | checkpoint | macro | " + " | ".join(entries[0]["tasks"].get(t, {}).get("benchmark", t)
                                                    for t in tasks) + " |",
             "|--:|---|--:|" + "--:|" * len(tasks)]  # fmt: skip
    seen: set[int] = set()
    for i in order:
        e, r = entries[i], ranks[i]
        shown = f"{r}=" if sum(x == r for x in ranks) > 1 else str(r)
        seen.add(r)
        m = e["macro"]
        cells = [f"{100 * e['tasks'][t]['score']:.1f}" if t in e["tasks"] and e["tasks"][t]["score"] is not None
                 else "–" for t in tasks]  # fmt: skip
        lines.append(f"| {shown} | {e['checkpoint']} | {100 * m['score']:.1f} [{100 * m['ci'][0]:.1f}, "
                     f"{100 * m['ci'][1]:.1f}] | " + " | ".join(cells) + " |")  # fmt: skip
    # An entry without some of the suite's tasks is shown, and said to be not comparable.
    gaps = [(e["checkpoint"], [t for t in tasks if t not in e["tasks"]]) for e in entries]
    notes = [f"- {name}: no records for {', '.join(missing)}: its macro score covers fewer benchmarks "
             "than the others' and is not comparable with them" for name, missing in gaps if missing]  # fmt: skip
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"
