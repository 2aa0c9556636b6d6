"""`harness compare --arms-from`: arms derived from the checkpoints' manifests, each checkpoint found
among the compared runs by its weights hash."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from harness.api import CompareConfig
from harness.core.errors import InputError
from harness.models.loader import weights_hash
from harness.report.arms import arms_from_checkpoints


def _checkpoint(path: Path, paradigm: str, grpo: str, seed: int, stages: tuple[str, ...] = ("grpo",)) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "model.safetensors").write_bytes(f"{path}".encode())  # distinct weights per checkpoint
    subsets = {s: {"policy": grpo if s == "grpo" else "mid", "seed": seed} for s in stages}
    manifest = {"paradigm": paradigm, "preset": "tiny", "base": "/m/base", "items": "pool", "seed": seed,
                "difficulty_table": "/t.parquet", "subsets": subsets, "stages": [{"stage": s} for s in stages]}  # fmt: skip
    (path / "manifest.json").write_text(json.dumps(manifest))
    return path


def _run(path: Path) -> pd.DataFrame:
    return pd.DataFrame(
        {"item_id": ["a", "b"], "score": [1.0, 0.0], "weights_hash": [weights_hash(path)] * 2}
    )


def test_seeds_of_the_same_settings_are_one_arm(tmp_path: Path) -> None:
    root = tmp_path / "train"
    runs = {"base": pd.DataFrame({"item_id": ["a"], "score": [1.0], "weights_hash": ["feed"]})}
    for seed in range(3):
        runs[f"mh{seed}"] = _run(
            _checkpoint(root / "grpo-mid-hard" / f"seed{seed}", "grpo_only", "mid+hard", seed)
        )
        runs[f"rnd{seed}"] = _run(
            _checkpoint(root / f"grpo-random-s{seed}", "grpo_only", "random:mid+hard", seed)
        )
        sft = root / "sft-grpo" / f"seed{seed}"
        _checkpoint(sft / "sft", "sft_grpo", "hard", seed, stages=("sft",))  # a stage, not an arm member
        runs[f"sft{seed}"] = _run(_checkpoint(sft, "sft_grpo", "hard", seed, stages=("sft", "grpo")))
    _checkpoint(root / "grpo-mid-hard-unevaluated", "grpo_only", "hard", 0)  # no run: left out
    arms = arms_from_checkpoints(root, runs)
    assert arms == {"grpo-mid-hard": ["mh0", "mh1", "mh2"], "grpo-random": ["rnd0", "rnd1", "rnd2"],
                    "sft-grpo": ["sft0", "sft1", "sft2"]}  # fmt: skip


def test_a_folder_without_checkpoints_or_matches_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no trained checkpoint"):
        arms_from_checkpoints(tmp_path, {})
    _checkpoint(tmp_path / "a", "grpo_only", "hard", 0)
    with pytest.raises(InputError, match="none of its 1 checkpoint"):
        arms_from_checkpoints(tmp_path, {"base": pd.DataFrame({"weights_hash": ["feed"]})})


def test_arms_from_and_arm_are_not_given_together(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--arms-from: give it or --arm"):
        CompareConfig(runs=(tmp_path / "a", tmp_path / "b"), arms=("x=a,b",), arms_from=tmp_path)
