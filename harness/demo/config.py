"""What the demo runs: the pool, the six synthetic benchmarks, the arms and the sizes (full or quick)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from harness.core.constants import POOL_TASK
from harness.difficulty.pism import PISMConfig

POOL = POOL_TASK
BENCHMARK_TASKS = ["harness_synth_mmstar", "harness_synth_mmmu", "harness_synth_mathvista",
                   "harness_synth_ocrbench", "harness_synth_hallusion", "harness_synth_mmvet"]  # fmt: skip
ARMS = {  # name: (paradigm, grpo subset, sft subset)
    "grpo-mid-hard": ("grpo_only", "mid+hard", None),
    "grpo-random": ("grpo_only", "random:mid+hard", None),
    "sft-mid-grpo-hard": ("sft_grpo", "hard", "mid"),
}
# The study's two questions, each as (reference arm, arm): does training on the difficult part of the
# pool beat a random subset of the same size, and does SFT before GRPO beat GRPO alone.
CONTRASTS = {
    "difficulty selection": ("grpo-random", "grpo-mid-hard"),
    "paradigm": ("grpo-mid-hard", "sft-mid-grpo-hard"),
}


def _cores() -> int:
    """The cores this process may run on (a container's share, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):  # Linux; macOS has only cpu_count
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass
class DemoConfig:
    out: Path = Path("runs/demo")
    quick: bool = False
    seeds: tuple[int, ...] = (0, 1, 2)
    # Pool items tiered by PISM, the arms' subsets drawn from them. The medium tier is narrow (about
    # 3% of the pool at these ratios), and 160 items left SFT-on-mid 5 of them; the pool is scored
    # while the base model is evaluated, so 480 cost the run little.
    pool_items: int = 480
    # Items evaluated per benchmark; None: all of them (harness.synth.datasets.BENCHMARK_ITEMS, sized
    # so that each benchmark's paired test detects 5 points).
    bench_items: int | None = None
    # The first items of each benchmark scored with PISM and CMAB for the per-tier breakdown (PISM
    # costs about ten generations an item); the others are reported as untiered.
    tier_items: int = 200
    pism: PISMConfig = field(default_factory=lambda: PISMConfig(ratios=(0.0, 0.2, 0.4, 0.6, 0.8), k=5))
    grpo_steps: int = 60
    sft_steps: int = 20
    # Jobs run side by side, one single-threaded process each (harness.core.jobs); the results do
    # not depend on it. Default: one per core this process may use, at most 8.
    workers: int = field(default_factory=lambda: min(8, _cores()))

    @classmethod
    def quick_config(cls, out: Path) -> DemoConfig:
        return cls(out=out, quick=True, seeds=(0, 1), pool_items=64, bench_items=10, tier_items=10,
                   pism=PISMConfig(ratios=(0.0, 0.3, 0.6, 0.9), k=2), grpo_steps=3, sft_steps=3)  # fmt: skip
