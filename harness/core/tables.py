"""Difficulty tiers on evaluation records: attach a PISM or CMAB table, report metrics per tier.

Tiers come from a reference model's difficulty table (`harness score pism|cmab`), matched to records
by item_id with the content hash checked: a table computed on different data is refused, not
silently joined. Items the table does not cover are reported as `untiered`, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from harness.core.constants import TIER_COLUMNS, TIER_ORDER, TIERS, UNSCORED, UNTIERED
from harness.core.errors import InputError


class TierTableError(InputError):
    """A difficulty table that cannot be applied to these records (the message names the items)."""


def tier_column(table: pd.DataFrame, where: str = "difficulty table") -> str:
    found = [c for c in TIER_COLUMNS if c in table.columns]
    if len(found) != 1:
        raise TierTableError(f"{where}: expected exactly one of {TIER_COLUMNS}, found {found or 'none'}")
    return found[0]


def read_difficulty(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if path.is_dir():
        path = path / "difficulty.parquet"
    if not path.exists():
        raise FileNotFoundError(f"difficulty table not found: {path}")
    table = pd.read_parquet(path)
    missing = {"item_id"} - set(table.columns)
    if missing:
        raise TierTableError(f"{path}: no item_id column")
    tier_column(table, str(path))
    return table


def attach_tiers(records: pd.DataFrame, table: pd.DataFrame, where: str = "difficulty table") -> pd.DataFrame:
    """Records with `pism_tier` or `cmab_tier` filled from the table (None where it has no row)."""
    column = tier_column(table, where)
    rows = table
    tasks = set(records["task"]) if "task" in records.columns else set()
    if "source_task" in table.columns and tasks & set(table["source_task"]):
        rows = table[table["source_task"].isin(tasks)]
    dup = rows["item_id"][rows["item_id"].duplicated()].unique()
    if len(dup):
        raise TierTableError(f"{where}: item ids repeated: {', '.join(map(repr, dup[:10]))}")
    by_id = rows.set_index(rows["item_id"].astype(str))
    out = records.copy()
    ids = out["item_id"].astype(str)
    known = ids.isin(by_id.index)
    if "content_hash" in by_id.columns and "content_hash" in out.columns:
        theirs = ids[known].map(by_id["content_hash"])
        ours = out.loc[known, "content_hash"]
        changed = ids[known][(theirs.fillna("") != ours.fillna("")) & theirs.notna() & (theirs != "")]
        if len(changed):
            shown = ", ".join(map(repr, changed[:10]))
            raise TierTableError(
                f"{where}: {len(changed)} item(s) have a different content hash than in the records "
                f"(the table was computed on different data): {shown}"
            )
    out[column] = ids.map(by_id[column]).where(known, None)
    out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def tier_counts(tiers: pd.Series) -> pd.Series:
    """Items per tier, easiest first, every tier listed (0 when empty); `unscored` only when some are."""
    names = [*TIERS, UNSCORED] if (tiers == UNSCORED).any() else list(TIERS)
    return tiers.value_counts().reindex(names, fill_value=0)


def tier_labels(records: pd.DataFrame, column: str) -> pd.Series:
    return records[column].astype(object).where(records[column].notna(), UNTIERED)


def per_tier(
    records: pd.DataFrame, column: str, metrics: Callable[[pd.DataFrame], dict[str, Any]]
) -> list[dict[str, Any]]:
    """`metrics` over all records and over each tier (tiers with no items are left out)."""
    labels = tier_labels(records, column)
    out = [{"tier": "all", **metrics(records)}]
    for tier in TIER_ORDER:
        part = records[labels == tier]
        if len(part):
            out.append({"tier": tier, **metrics(part)})
    return out
