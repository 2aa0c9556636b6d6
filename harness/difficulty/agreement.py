"""Do two difficulty methods agree? Tier confusion table and Cohen's κ on the items both scored."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.inter_rater import cohens_kappa

from harness.core.constants import TIERS, UNSCORED

KEYS = ["item_id", "content_hash"]


@dataclass
class Agreement:
    confusion: pd.DataFrame  # rows: first method's tier, columns: second's
    kappa: float
    kappa_ci: tuple[float, float]  # 95%, asymptotic
    weighted_kappa: float  # linear weights over the ordered tiers easy < medium < hard < unsolved
    n: int  # items in the confusion table: in both tables, tiered by both
    only_first: int
    only_second: int
    unscored: int = 0  # items in both tables left out because one method could not score them

    def to_markdown(self, first: str, second: str) -> str:
        lo, hi = self.kappa_ci
        return (
            f"Tier agreement on {self.n} items ({self.only_first} only in {first}, "
            f"{self.only_second} only in {second}, {self.unscored} unscored by either, left out); "
            f"rows {first}, columns {second}.\n\n"
            f"{self.confusion.to_markdown()}\n\n"
            f"Cohen's κ = {self.kappa:.3f} (95% CI {lo:.3f} to {hi:.3f}); "
            f"linearly weighted κ = {self.weighted_kappa:.3f}.\n"
        )


def tier_agreement(first: pd.DataFrame, second: pd.DataFrame, first_col: str, second_col: str) -> Agreement:
    """Join two difficulty tables on (item_id, content_hash) and compare their tiers."""
    for name, df in (("first", first), ("second", second)):
        if not df["item_id"].is_unique:
            raise ValueError(f"{name} difficulty table has duplicate item_ids")
    joined = first[[*KEYS, first_col]].merge(second[[*KEYS, second_col]], on="item_id", suffixes=("_1", "_2"))
    changed = joined[joined["content_hash_1"] != joined["content_hash_2"]]
    if len(changed):
        raise ValueError(
            f"{len(changed)} items have the same id but different content in the two tables "
            f"(e.g. {changed['item_id'].iloc[0]!r}): they were scored on different data"
        )
    if joined.empty:
        raise ValueError("the two difficulty tables share no items")
    unscored = (joined[first_col] == UNSCORED) | (joined[second_col] == UNSCORED)
    joined = joined[~unscored]
    if joined.empty:
        raise ValueError(f"the {int(unscored.sum())} items the two tables share are unscored by one of them")
    confusion = pd.crosstab(
        pd.Categorical(joined[first_col], TIERS), pd.Categorical(joined[second_col], TIERS), dropna=False
    )
    confusion.index.name, confusion.columns.name = first_col, second_col
    table = confusion.to_numpy(dtype=float)
    plain = cohens_kappa(table)
    weighted = cohens_kappa(table, wt="linear")
    return Agreement(
        confusion=confusion,
        kappa=float(plain.kappa),
        kappa_ci=(float(plain.kappa_low), float(plain.kappa_upp)),
        weighted_kappa=float(weighted.kappa) if np.isfinite(weighted.kappa) else float("nan"),
        n=len(joined),
        only_first=len(first) - len(joined) - int(unscored.sum()),
        only_second=len(second) - len(joined) - int(unscored.sum()),
        unscored=int(unscored.sum()),
    )
