"""`train`: one arm of the study (GRPO-only or SFT+GRPO), one checkpoint per seed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.api._configs import TrainConfig
from harness.evaluation.runner import resolve_model
from harness.models.device import resolve_device


@dataclass
class TrainResult:
    """The checkpoints written (OUT, or OUT/seed<N> for several seeds), each with manifest.json and
    train_log.json, and each run's reward in the first and last tenth of its steps."""

    checkpoints: list[Path]
    rewards: list[dict[str, float]]

    def manifest(self, i: int = 0) -> dict[str, Any]:
        return dict(json.loads((self.checkpoints[i] / "manifest.json").read_text()))


def train(config: TrainConfig) -> TrainResult:
    """Train `config.paradigm` from the base model on the selected subsets, for every seed."""
    from harness.training.pipeline import TrainRequest, run
    from harness.training.plots import reward_summary

    base, _ = resolve_model(config.model)
    device = resolve_device(config.device)
    # TRL fields over the preset: TRL's own default vllm_mode is "server", which expects a server
    # the user started; the harness says which one it is.
    overrides: dict[str, Any] = {"max_steps": config.max_steps}
    if config.use_vllm:
        overrides |= {"use_vllm": True, "vllm_mode": config.vllm_mode}
    checkpoints, rewards = [], []
    for seed in config.seeds:
        target = config.out / f"seed{seed}" if len(config.seeds) > 1 else config.out
        req = TrainRequest(paradigm=config.paradigm, base=base, items=config.items, out=target,
                           grpo_subset=config.grpo_subset, sft_subset=config.sft_subset,
                           difficulty=config.difficulty, preset=config.preset, seed=seed,
                           grpo_overrides={k: v for k, v in overrides.items() if v is not None},
                           device=device)  # fmt: skip
        path = run(req)
        checkpoints.append(path)
        rewards.append(reward_summary(json.loads((path / "train_log.json").read_text())["log"]))
    return TrainResult(checkpoints, rewards)
