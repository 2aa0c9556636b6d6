"""Training subsets from a difficulty table (docs/architecture.md §6), each with a manifest.

Policies name tiers: `mid+hard`, `hard`, `mid`, `easy`, `unsolved`, `full`; `random:<policy>` is a
seeded control of exactly the size of that policy's subset, drawn from the whole table (less its
`unscored` items, whose difficulty is unknown and which no policy selects), so a
comparison of `mid+hard` with `random:mid+hard` isolates *which* items were trained on from how
many. The manifest records the policy, the counts per tier, the seed and a hash of the table, so a
checkpoint can say exactly what it was trained on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harness.core.constants import TIERS, UNSCORED, UNTIERED
from harness.core.files import atomic_write_json
from harness.core.tables import tier_column

POLICIES: dict[str, tuple[str, ...]] = {
    "mid+hard": ("medium", "hard"),
    "hard": ("hard",),
    "mid": ("medium",),
    "easy": ("easy",),
    "unsolved": ("unsolved",),
    "full": TIERS,
}


@dataclass
class Selection:
    policy: str
    seed: int
    tier_column: str
    table_hash: str
    counts: dict[str, int]
    item_ids: list[str]

    @property
    def size(self) -> int:
        return len(self.item_ids)

    def manifest(self) -> dict[str, Any]:
        return {**asdict(self), "size": self.size}

    def write(self, path: Path) -> Path:
        atomic_write_json(path, self.manifest(), indent=1)
        return path


def table_hash(table: pd.DataFrame, column: str) -> str:
    """Hash of what a selection depends on: each item's id, content hash and tier (order-free)."""
    cols = [c for c in ("item_id", "content_hash", column) if c in table.columns]
    rows = table[cols].astype(str).sort_values(cols).to_numpy().tolist()
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]


def select(table: pd.DataFrame, policy: str, seed: int = 0) -> Selection:
    """The items of `policy` (sorted by item_id), or a seeded random control of the same size."""
    column = tier_column(table)
    if table["item_id"].duplicated().any():
        dup = table["item_id"][table["item_id"].duplicated()].iloc[0]
        raise ValueError(f"difficulty table has duplicate item_id {dup!r}")
    ids = table["item_id"].astype(str).to_numpy()
    tiers = table[column].astype(object).to_numpy()
    base = policy.removeprefix("random:")
    if base not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; known: {', '.join(POLICIES)} and random:<policy>")
    chosen = np.isin(tiers, POLICIES[base])
    if policy.startswith("random:"):
        size = int(chosen.sum())
        rng = np.random.default_rng(seed)
        order = np.argsort(ids, kind="stable")  # draw from a canonical order: same table, same draw
        order = order[tiers[order] != UNSCORED]
        picked = order[rng.choice(len(order), size=size, replace=False)] if size else order[:0]
        chosen = np.zeros(len(ids), bool)
        chosen[picked] = True
    if not chosen.any():
        raise ValueError(f"policy {policy!r} selects no items (tier counts: {_counts(tiers)})")
    counts = _counts(tiers[chosen])
    return Selection(policy, seed, column, table_hash(table, column), counts, sorted(ids[chosen].tolist()))


def _counts(tiers: np.ndarray) -> dict[str, int]:
    values = pd.Series(tiers, dtype=object).fillna("untiered").value_counts()
    return {t: int(values.get(t, 0)) for t in (*TIERS, UNSCORED, UNTIERED) if values.get(t, 0)}
