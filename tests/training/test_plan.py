"""The 7B-shaped dry run: Qwen2.5-VL-7B's shapes on the meta device give its published parameter
count, the model-state memory follows DeepSpeed's accounting, and the configs the README's launch
commands use are read by the tools they are meant for (TRL's config classes, accelerate's loader)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.models.loader import load_model
from harness.training.plan import GiB, accelerate_settings, main, plan

ZERO3 = Path(__file__).parents[2] / "configs" / "accelerate" / "deepspeed_zero3.yaml"


def test_qwen2_5_vl_7b_shapes_give_its_parameter_count_and_memory() -> None:
    p = plan(shape="qwen2_5_vl_7b", gpus=8, zero_stage=3, reference=True)
    assert p.parameters == 8_292_166_656  # the released checkpoint's count ("8.29B params")
    assert (p.layers, p.hidden_size) == (28, 3584)
    per_gpu = p.per_gpu()
    # 16 bytes per trained parameter (bf16 weights and grads, fp32 master + Adam m, v) + the bf16
    # reference copy, all split over 8 GPUs by ZeRO-3.
    assert per_gpu["total"] == pytest.approx((16 + 2) * p.parameters / 8 / GiB)
    assert plan(shape="qwen2_5_vl_7b", gpus=8, zero_stage=2, reference=False).per_gpu()["weights (bf16)"] == (
        pytest.approx(2 * p.parameters / GiB)
    )  # below stage 3 every GPU holds all the weights


def test_a_checkpoint_is_counted_from_its_config_alone(tiny_model: Path) -> None:
    p = plan(tiny_model, gpus=1, freeze_vision_tower=True)
    assert p.parameters == sum(t.numel() for t in load_model(tiny_model).parameters())
    assert p.vision_parameters > 0 and p.trainable == p.parameters - p.vision_parameters


def test_the_shipped_accelerate_config_is_read_by_accelerate(tmp_path: Path) -> None:
    assert accelerate_settings(ZERO3) == (8, 3)
    broken = tmp_path / "broken.yaml"
    broken.write_text("compute_environment: LOCAL_MACHINE\ndistributed_type: NOT_A_TYPE\n")
    with pytest.raises(ValueError):
        accelerate_settings(broken)


def test_the_dry_run_command(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["--shape", "qwen2_5_vl_7b", "--preset", "paper", "--accelerate-config", str(ZERO3)]) == 0
    out = capsys.readouterr().out
    assert "8,292,166,656" in out and "8 processes, ZeRO-3" in out and "trl.GRPOConfig" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("grpo:\n  epochs: 1\n")
    assert main(["--shape", "qwen2_5_vl_7b", "--preset", str(bad)]) == 2
    assert "epochs" in capsys.readouterr().err
