"""Training curves: mean reward per step (and each reward function), from the trainer's log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from harness.core.files import atomic_write


def reward_frame(log: list[dict[str, Any]]) -> pd.DataFrame:
    """step, reward, reward_std and one column per reward function, from TRL's log history."""
    rows = [
        {
            "step": e["step"],
            **{k: v for k, v in e.items() if k == "reward" or k.startswith("rewards/") or k == "reward_std"},
        }
        for e in log
        if "reward" in e and "step" in e
    ]
    return pd.DataFrame(rows)


def reward_summary(log: list[dict[str, Any]]) -> dict[str, float]:
    """Mean reward over the first and the last tenth of the logged steps (at least one step each)."""
    df = reward_frame(log)
    if df.empty:
        return {}
    k = max(1, len(df) // 10)
    return {"steps": float(len(df)), "first_tenth": float(df["reward"].head(k).mean()),
            "last_tenth": float(df["reward"].tail(k).mean())}  # fmt: skip


def plot_rewards(log: list[dict[str, Any]], path: Path, title: str = "GRPO reward") -> Path | None:
    df = reward_frame(log)
    if df.empty:
        return None
    sns.set_theme(style="whitegrid")
    fig, ax = plt.subplots(figsize=(7, 3.5))
    window = max(1, len(df) // 20)
    smooth = df["reward"].rolling(window, min_periods=1).mean()
    ax.plot(df["step"], df["reward"], alpha=0.3, label="reward (per step)")
    ax.plot(df["step"], smooth, label=f"reward (mean of {window} steps)")
    for col in [c for c in df.columns if c.startswith("rewards/") and c.endswith("/mean")]:
        ax.plot(df["step"], df[col].rolling(window, min_periods=1).mean(), ls="--", label=col.split("/")[1])
    ax.set(xlabel="step", ylabel="mean reward", title=title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    plt.close(fig)
    return path
