"""Both paradigms, a few steps each on the embedded base model: checkpoints reload and generate,
manifests are complete, and the same seed gives identical weights."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import datasets as hf
import pandas as pd
import pytest
import torch

from harness.models.loader import load_model_and_processor
from harness.synth.datasets import build_suite
from harness.training.pipeline import TrainRequest, run

pytestmark = pytest.mark.slow
TIERS = ["easy", "medium", "hard", "unsolved"]
# Both rewards, and room for a whole answer (tiny-base's run 20-30 tokens; at 24 every completion of
# a step can be cut short alike), so a two-step run sees reward differences within a group (and so a
# gradient).
GRPO = {"max_steps": 2, "per_device_train_batch_size": 4, "num_generations": 4, "max_completion_length": 32,
        "rewards": ["accuracy", "format"]}  # fmt: skip
SFT = {"max_steps": 2, "per_device_train_batch_size": 4, "num_train_epochs": 1}


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    items = hf.load_dataset("parquet", data_files=str(build_suite("mini")), split="train")
    path = tmp_path_factory.mktemp("difficulty") / "difficulty.parquet"
    pd.DataFrame({"item_id": items["item_id"], "content_hash": items["content_hash"],
                  "pism_tier": [TIERS[i % 4] for i in range(len(items))]}).to_parquet(path)  # fmt: skip
    return path


def _base() -> str:
    from harness.synth.models import ensure_embedded_model

    return str(ensure_embedded_model("tiny-base"))


def _weights(path: Path) -> str:
    return hashlib.sha256((path / "model.safetensors").read_bytes()).hexdigest()


def _request(out: Path, table: Path, paradigm: str, seed: int = 0) -> TrainRequest:
    return TrainRequest(
        paradigm=paradigm, base=_base(), items="harness_synth_mini", out=out, difficulty=table,
        grpo_subset="mid+hard", sft_subset="easy" if paradigm == "sft_grpo" else None, preset="tiny",
        seed=seed, grpo_overrides=GRPO, sft_overrides=SFT,
    )  # fmt: skip


def _generates(path: Path) -> None:
    model, processor = load_model_and_processor(path)
    from PIL import Image

    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What colour?"}]}]
    text = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    inputs = processor(text=[text], images=[Image.new("RGB", (56, 56), "red")], return_tensors="pt")
    with torch.inference_mode():
        out = model.generate(**inputs, max_new_tokens=4, do_sample=False)
    assert out.shape[1] > inputs["input_ids"].shape[1]


def test_grpo_only(tmp_path: Path, table: Path) -> None:
    out = run(_request(tmp_path / "a", table, "grpo_only"))
    _generates(out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["paradigm"] == "grpo_only" and manifest["seed"] == 0
    assert manifest["parent"]["weights_hash"] and manifest["versions"]["trl"]
    grpo = manifest["subsets"]["grpo"]
    assert grpo["policy"] == "mid+hard" and set(grpo["counts"]) == {"medium", "hard"} and grpo["table_hash"]
    assert len(json.loads((out / "selection_grpo.json").read_text())["item_ids"]) == grpo["size"]
    log = json.loads((out / "train_log.json").read_text())["log"]
    assert any("reward" in step for step in log) and (out / "reward.png").exists()
    # Training moved the weights; same seed, same weights; another seed, other weights. Without a
    # group whose rewards differ there is no gradient to move them: then the settings above are wrong.
    assert any(step.get("reward_std", 0) > 0 for step in log), "no group with differing rewards"
    assert _weights(out) != _weights(Path(_base()))
    again = run(_request(tmp_path / "b", table, "grpo_only"))
    assert _weights(again) == _weights(out)
    other = run(_request(tmp_path / "c", table, "grpo_only", seed=1))
    assert _weights(other) != _weights(out)


def test_sft_grpo(tmp_path: Path, table: Path) -> None:
    out = run(_request(tmp_path / "s", table, "sft_grpo"))
    _generates(out)
    _generates(out / "sft")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["paradigm"] == "sft_grpo"
    assert manifest["parent"]["path"] == str((out / "sft").resolve())
    assert (
        manifest["subsets"]["sft"]["policy"] == "easy" and manifest["subsets"]["grpo"]["policy"] == "mid+hard"
    )
    assert [s["stage"] for s in manifest["stages"]] == ["sft", "grpo"]
    assert manifest["stages"][0]["config"]["harness"]["target_format"] == "think_answer"
    grpo = manifest["stages"][1]["config"]["trl"]  # TRL's whole config, defaults included
    assert grpo["max_steps"] == 2 and grpo["loss_type"] and "scale_rewards" in grpo and "epsilon" in grpo


def test_bad_requests(tmp_path: Path, table: Path) -> None:
    with pytest.raises(ValueError, match="needs --sft-subset"):
        run(TrainRequest("sft_grpo", _base(), "harness_synth_mini", tmp_path))
    with pytest.raises(ValueError, match="needs a difficulty table"):
        run(TrainRequest("grpo_only", _base(), "harness_synth_mini", tmp_path, grpo_subset="hard"))


def test_export_verl_cli_selects_the_subset(tmp_path: Path, table: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "verl"
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "export-verl", "--out", str(out), "--subset", "random:mid+hard",
         "--difficulty", str(table), "--items", "harness_synth_mini", "--seed", "3"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    selection = json.loads((out / "selection.json").read_text())
    rows = pd.read_parquet(out / "train.parquet")
    assert len(rows) == selection["size"] == 20
    assert sorted(r["item_id"] for r in rows["extra_info"]) == selection["item_ids"]
    assert (out / "run_grpo.sh").exists() and (out / "reward.py").exists()
