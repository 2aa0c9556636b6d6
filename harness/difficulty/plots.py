"""Pictures of difficulty: PISM survival curve, CMAB ρ̄ histogram, tier counts."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from harness.core.constants import UNSCORED
from harness.core.files import atomic_write
from harness.core.tables import tier_counts
from harness.difficulty.cmab import CMABConfig
from harness.difficulty.pism import PISMConfig


def _tier_bars(tiers: pd.Series, ax: plt.Axes) -> None:
    counts = tier_counts(tiers).reset_index()
    counts.columns = ["tier", "items"]
    sns.barplot(data=counts, x="tier", y="items", ax=ax, hue="tier", legend=False)
    ax.set(title="tiers")


def survival(table: pd.DataFrame, cfg: PISMConfig) -> pd.DataFrame:
    """Share of items solved at λ = 0 that are still solved at each λ (λ* > λ, or never fails)."""
    solved = table[~table["pism_tier"].isin(["unsolved", UNSCORED])]  # solved and measured at λ = 0
    lam = solved["pism_lambda_star"]
    rows = []
    for ratio in cfg.ratios:
        alive = (lam.isna() | (lam > ratio + 1e-9)).mean() if len(solved) else float("nan")
        rows.append({"ratio": ratio, "surviving": alive, "n": len(solved)})
    return pd.DataFrame(rows)


def plot_pism(table: pd.DataFrame, cfg: PISMConfig, out: Path) -> Path:
    """survival.png (survival curve + tier counts) in `out`."""
    sns.set_theme(style="whitegrid")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    surv = survival(table, cfg)
    sns.lineplot(data=surv, x="ratio", y="surviving", marker="o", ax=ax1)
    ax1.set(
        xlabel="mask ratio λ",
        ylabel="share still solved",
        ylim=(0, 1.02),
        title=f"PISM survival ({cfg.masker} masker, n={surv['n'].iloc[0]})",
    )
    _tier_bars(table["pism_tier"], ax2)
    fig.tight_layout()
    path = Path(out) / "survival.png"
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    plt.close(fig)
    return path


def plot_cmab(table: pd.DataFrame, cfg: CMABConfig, out: Path) -> Path:
    """cmab_hist.png in `out`: ρ̄ of correctly answered items (log scale) with the tier boundaries."""
    sns.set_theme(style="whitegrid")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    correct = table["cmab_correct"].astype(object).eq(True)  # None: unscored
    rho = table.loc[correct & (table["cmab_rho"] > 0), "cmab_rho"]
    if len(rho):
        sns.histplot(x=rho, log_scale=True, bins=30, ax=ax1)
    for edge in (*cfg.medium, *cfg.hard):
        ax1.axvline(edge, color="black", linestyle="--", linewidth=1)
    ax1.set(
        xlabel="ρ̄ (image / text attention)", ylabel="items", title=f"CMAB ρ̄ ({cfg.variant}, n={len(rho)})"
    )
    _tier_bars(table["cmab_tier"], ax2)
    fig.tight_layout()
    path = Path(out) / "cmab_hist.png"
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    plt.close(fig)
    return path
