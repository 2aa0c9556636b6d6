"""Align the records of several checkpoints item by item, and say what could not be aligned.

Paired tests need the same items under every checkpoint. Records are matched by `item_id` within a
task; an item whose `content_hash` differs between checkpoints is *changed* data, not the same item,
and is left out of the comparison and listed. Items missing from some checkpoint, and items a
checkpoint left unscored, are counted and listed too: nothing is dropped silently. Settings that
make two runs not comparable (generation config, task version, judge) produce warnings.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from harness.core.constants import UNTIERED
from harness.core.errors import InputError


@dataclass
class AlignmentReport:
    task: str
    n_common: int
    missing: dict[str, list[str]] = field(default_factory=dict)  # checkpoint -> ids the others have
    changed: list[str] = field(default_factory=list)  # ids whose content hash differs
    unscored: dict[str, list[str]] = field(default_factory=dict)  # checkpoint -> ids it left unscored
    warnings: list[str] = field(default_factory=list)

    @property
    def n_excluded(self) -> int:
        ids = set(self.changed) | {i for v in self.missing.values() for i in v}
        return len(ids | {i for v in self.unscored.values() for i in v})

    def lines(self) -> list[str]:
        out = [f"{self.task}: {self.n_common} items aligned"]
        for name, ids in self.missing.items():
            if ids:
                out.append(f"  {name}: {len(ids)} item(s) missing, e.g. {ids[:3]}")
        if self.changed:
            out.append(
                f"  {len(self.changed)} item(s) with different content, left out, e.g. {self.changed[:3]}"
            )
        for name, ids in self.unscored.items():
            if ids:
                out.append(f"  {name}: {len(ids)} unscored item(s) left out, e.g. {ids[:3]}")
        out += [f"  warning: {w}" for w in self.warnings]
        return out


@dataclass
class Aligned:
    """Scores of k checkpoints on the same n items (rows follow `names`), with cluster and tier."""

    task: str
    benchmark: str
    names: list[str]
    item_ids: list[str]
    scores: np.ndarray  # shape (k, n)
    cluster: np.ndarray | None  # shape (n,) or None when no item shares a cluster
    tiers: dict[str, np.ndarray]  # tier column -> labels (n,), "untiered" where missing
    report: AlignmentReport
    meta: list[str] = field(default_factory=list)  # the first checkpoint's meta JSON per item


_COMPARABILITY = ("gen_config_hash", "task_version", "judge")


def nothing_aligned(reports: Sequence[AlignmentReport]) -> InputError:
    """The error for runs of which no task has an aligned item, carrying every alignment report:
    what is missing, changed or unscored is the whole explanation, and the user's to fix."""
    lines = [line for report in reports for line in report.lines()]
    return InputError(
        "no item could be compared: in every task, each item is missing, has different content or "
        "is unscored under some checkpoint:\n" + "\n".join(lines)
    )


def align(runs: dict[str, pd.DataFrame], task: str) -> Aligned:
    """Align one task's records across checkpoints (`runs`: checkpoint name -> records)."""
    if len(runs) < 2:
        raise ValueError(f"{task}: need records of at least two checkpoints to compare, got {len(runs)}")
    frames = {}
    for name, df in runs.items():
        part = df[df["task"] == task] if "task" in df.columns else df
        if part.empty:
            raise ValueError(f"{task}: checkpoint {name!r} has no records for this task")
        dup = part["item_id"][part["item_id"].duplicated()]
        if len(dup):
            raise ValueError(f"{task}: checkpoint {name!r} has duplicate item ids: {list(dup.unique()[:5])}")
        frames[name] = part.set_index(part["item_id"].astype(str))
    every = set.union(*(set(f.index) for f in frames.values()))
    common = sorted(set.intersection(*(set(f.index) for f in frames.values())))
    report = AlignmentReport(task=task, n_common=0)
    report.missing = {n: sorted(every - set(f.index)) for n, f in frames.items()}
    hashes = pd.DataFrame({n: f.loc[common, "content_hash"] for n, f in frames.items()}, index=common)
    same = hashes.nunique(axis=1, dropna=False) <= 1
    report.changed = sorted(hashes.index[~same])
    keep = [i for i in common if same[i]]
    report.unscored = {
        n: sorted(f.loc[keep, "score"].index[f.loc[keep, "score"].isna()]) for n, f in frames.items()
    }
    unscored = {i for ids in report.unscored.values() for i in ids}
    keep = [i for i in keep if i not in unscored]
    report.n_common = len(keep)
    for column in _COMPARABILITY:
        values = {n: sorted(set(f[column].dropna().astype(str))) for n, f in frames.items() if column in f}
        if len({json.dumps(v) for v in values.values()}) > 1:
            report.warnings.append(f"{column} differs between checkpoints: {values}")
    first = next(iter(frames.values()))
    scores = np.array([f.loc[keep, "score"].to_numpy(dtype=float) for f in frames.values()]).reshape(
        len(frames), -1
    )
    cluster = None
    if "cluster" in first.columns and first.loc[keep, "cluster"].notna().any():
        cl = first.loc[keep, "cluster"]
        cluster = np.where(cl.isna(), pd.Index(keep).astype(str), cl.astype(str)).astype(str)
    tiers = {}
    for column in ("pism_tier", "cmab_tier"):
        if column in first.columns and first[column].notna().any():
            tiers[column] = first.loc[keep, column].fillna(UNTIERED).astype(str).to_numpy()
    return Aligned(
        task=task,
        benchmark=str(first["benchmark"].iloc[0]),
        names=list(frames),
        item_ids=keep,
        scores=scores,
        cluster=cluster,
        tiers=tiers,
        report=report,
        meta=first.loc[keep, "meta"].tolist() if "meta" in first.columns else [],
    )
