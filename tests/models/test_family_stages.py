"""Every stage on each family's tiny model (Qwen2.5-VL, the embedded default, is what the rest of the
suite runs): `harness eval` end to end, PISM (adaptive == exhaustive, the same answer per unit under
both schedules), and one GRPO step that changes the weights and reloads. CMAB's hook == reference
per family is in test_attention.py."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import datasets as hf
import pandas as pd
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from harness.cli import app
from harness.core.records import read_jsonl
from harness.difficulty.pism import PISMConfig
from harness.difficulty.pism_runner import PISMRun, ScoreRequest
from harness.models.families import family_of
from harness.models.loader import load_model_and_processor
from harness.synth.models import ensure_embedded_model
from harness.training.config import stage
from harness.training.data import grpo_dataset, sft_dataset, training_items
from harness.training.grpo import grpo_train
from harness.training.rewards import REWARD_FUNCS, completion_text
from harness.training.sft import sft_train

pytestmark = pytest.mark.slow
FAMILIES = ["qwen2_vl", "qwen3_vl", "qwen3_vl_moe", "llava", "gemma3"]
PISM = PISMConfig(ratios=(0.0, 0.5), k=3, tau=0.34, max_new_tokens=12)


@pytest.fixture(scope="module", params=FAMILIES)
def family(request: pytest.FixtureRequest, harness_home: Path) -> tuple[str, Path]:
    return request.param, ensure_embedded_model(f"tiny-random-{request.param}")


def test_eval_end_to_end(family: tuple[str, Path], tmp_path: Path) -> None:
    name, _ = family
    # The CLI in this process (its imports are loaded already); lmms-eval runs in its own, as always.
    args = ["eval", "--model", f"tiny-random-{name}", "--tasks", "harness_synth_mini", "--limit", "4",
            "--batch-size", "2", "--out", str(tmp_path), "--quiet"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output[-3000:]
    records = pd.read_parquet(next(tmp_path.rglob("records.parquet")))
    assert len(records) == 4 and records["item_id"].is_unique
    assert set(records["model"]) == {f"tiny-random-{name}"}
    assert all(e.startswith("hf transformers") for e in records["engine"])
    assert records["response"].notna().all() and records["weights_hash"].notna().all()


def test_pism_adaptive_equals_exhaustive(family: tuple[str, Path], tmp_path: Path) -> None:
    name, path = family

    def run(full: bool) -> tuple[pd.DataFrame, Path]:
        out = tmp_path / ("full" if full else "adaptive")
        req = ScoreRequest(
            str(path), name, "harness_synth_pool", out, PISM, full_curve=full, limit=3, batch_size=4
        )
        return PISMRun(req).run(), out

    (adaptive, a_out), (full, f_out) = run(False), run(True)
    keys = ["item_id", "pism_lambda_star", "pism_tier"]
    assert adaptive[keys].equals(full[keys])
    # The units both schedules asked got the same sampled answer, in other batches and rounds.
    asked = {a["unit"]: a["response"] for a in read_jsonl(a_out / "attempts.jsonl")}
    swept = {a["unit"]: a["response"] for a in read_jsonl(f_out / "attempts.jsonl")}
    assert asked and set(asked) <= set(swept)
    assert all(asked[u] == swept[u] for u in asked)


def _digest(model: torch.nn.Module) -> str:
    h = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def _reloads_and_generates(out: Path, base: Path) -> None:
    before, _ = load_model_and_processor(base)
    after, processor = load_model_and_processor(out)
    assert _digest(after) != _digest(before)
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What colour?"}]}]
    text = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    inputs = processor(text=[text], images=[[Image.new("RGB", (56, 56), "red")]], return_tensors="pt")
    with torch.inference_mode():
        generated = after.generate(**inputs, max_new_tokens=4, do_sample=False)
    assert generated.shape[1] > inputs["input_ids"].shape[1]


def _mini(n: int) -> hf.Dataset:
    return training_items("harness_synth_mini").select(range(n))


def test_one_sft_step_with_the_tower_frozen(family: tuple[str, Path], tmp_path: Path) -> None:
    _, path = family
    # No warm-up: one step of a warm-up schedule has a learning rate of 0.
    one = {"max_steps": 1, "per_device_train_batch_size": 2, "learning_rate": 1e-3, "warmup_steps": 0,
           "lr_scheduler_type": "constant", "freeze_vision_tower": True, "logging_steps": 1}  # fmt: skip
    sft = stage("sft", "tiny", tmp_path / "sft", 0, "cpu", overrides=one)
    out = sft_train(path, sft_dataset(_mini(2)), tmp_path / "sft", sft)
    _reloads_and_generates(out, path)
    base = load_model_and_processor(path)[0]
    tower = [n for n, _ in family_of(base.config).vision_tower_parameters(base)]
    before, after = base.state_dict(), load_model_and_processor(out)[0].state_dict()
    assert tower and all(torch.equal(before[n], after[n]) for n in tower)  # the frozen tower did not move


def _text_hash_reward(completions: list[Any], **kwargs: Any) -> list[float | None]:
    """A reward random weights earn unevenly: accuracy and format are 0 for every random completion
    (their advantages, and so a first step's gradient, are zero), and two random completions often
    have the same length; a hash of the text tells any two different completions apart."""
    return [int(hashlib.sha256(completion_text(c).encode()).hexdigest()[:8], 16) / 2**32 for c in completions]


def test_one_grpo_step_changes_the_weights_and_reloads(
    family: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, path = family
    monkeypatch.setitem(REWARD_FUNCS, "text_hash", _text_hash_reward)
    items = _mini(2)
    one = {"num_generations": 2, "per_device_train_batch_size": 2, "max_steps": 1, "max_completion_length": 8,
           "learning_rate": 1e-3, "rewards": ["text_hash"], "temperature": 1.0}  # fmt: skip
    grpo = stage("grpo", "tiny", tmp_path / "grpo", 0, "cpu", overrides=one)
    out = grpo_train(path, grpo_dataset(items), tmp_path / "grpo", grpo)
    _reloads_and_generates(out, path)
