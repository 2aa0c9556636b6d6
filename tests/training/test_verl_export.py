"""The verl export: schema, pixels, a reward that scores as the harness's, a valid launch script."""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from harness.training.rewards import accuracy_reward
from harness.training.verl_export import ABILITY, export_verl

SYSTEM = "Think in <think></think>, answer in <answer></answer>."


def _image(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8), "RGB")


def _png(image: Image.Image) -> dict[str, bytes]:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return {"bytes": buf.getvalue()}


ROWS: list[dict[str, Any]] = [
    {"item_id": "c1", "prompt": "Which color is the cube?", "solution": "B", "answer_type": "letter",
     "choices": ["red", "blue", "green"], "keywords": [], "images": [_image(0)]},
    {"item_id": "n1", "prompt": "How many cubes?", "solution": "12", "answer_type": "number",
     "choices": [], "keywords": [], "images": [_png(_image(1))]},
    {"item_id": "y1", "prompt": "Is there a sphere?", "solution": "yes", "answer_type": "yesno",
     "choices": None, "keywords": None, "images": [_image(2)]},
    {"item_id": "o1", "prompt": "Describe the cube.", "solution": "red cube", "answer_type": "open",
     "choices": [], "keywords": ["red", "cube"], "images": [_image(3)]},
]  # fmt: skip


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("verl")
    return export_verl(
        ROWS, out, system_prompt=SYSTEM, prompt_suffix=" Answer briefly.", model_path="/m/x", n_gpus=4
    )


def test_files_written(exported: dict[str, Path]) -> None:
    assert set(exported) == {"train", "reward", "launch", "manifest"}
    assert [p.name for p in exported.values()] == [
        "train.parquet",
        "reward.py",
        "run_grpo.sh",
        "manifest.json",
    ]
    assert all(p.is_file() for p in exported.values())


def test_parquet_schema_with_datasets(exported: dict[str, Path]) -> None:
    ds = datasets.load_dataset("parquet", data_files=str(exported["train"]), split="train")
    assert set(ds.column_names) == {
        "data_source",
        "prompt",
        "images",
        "ability",
        "reward_model",
        "extra_info",
    }
    assert len(ds) == len(ROWS)
    for i, (row, src) in enumerate(zip(ds, ROWS, strict=True)):
        assert row["data_source"] == "harness_synth"
        assert row["ability"] == ABILITY
        assert row["prompt"] == [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"<image>{src['prompt']} Answer briefly."},
        ]
        assert row["prompt"][-1]["content"].count("<image>") == len(row["images"]) == 1
        assert row["reward_model"] == {"style": "rule", "ground_truth": src["solution"]}
        info = row["extra_info"]
        assert info["index"] == i and info["split"] == "train"
        assert info["item_id"] == src["item_id"] and info["answer_type"] == src["answer_type"]
        assert info["question"] == src["prompt"] and info["answer"] == src["solution"]
        assert info["choices"] == (src["choices"] or None)
        assert info["keywords"] == (src["keywords"] or None)


def test_images_keep_their_pixels(exported: dict[str, Path]) -> None:
    df = pd.read_parquet(exported["train"])
    for cell, src in zip(df["images"], ROWS, strict=True):
        assert len(cell) == 1
        got = Image.open(io.BytesIO(cell[0]["bytes"]))
        assert got.format == "PNG"
        original = (
            src["images"][0]
            if isinstance(src["images"][0], Image.Image)
            else Image.open(io.BytesIO(src["images"][0]["bytes"]))
        )
        assert np.array_equal(np.asarray(got.convert("RGB")), np.asarray(original.convert("RGB")))


def test_no_system_message_when_none(tmp_path: Path) -> None:
    ds = datasets.Dataset.from_list(
        [{k: v for k, v in ROWS[1].items() if k != "images"} | {"images": [_image(1)]}]
    )
    paths = export_verl(ds, tmp_path, data_source="mine")
    df = pd.read_parquet(paths["train"])
    assert [dict(m) for m in df["prompt"][0]] == [{"role": "user", "content": "<image>How many cubes?"}]
    assert df["data_source"][0] == "mine"


def _import_roots(source: str) -> set[str]:
    tree = ast.parse(source)
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    return {n.split(".")[0] for n in names}


def _load_exported_reward(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location("exported_verl_reward", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_exported_reward_scores_like_the_harness(exported: dict[str, Path]) -> None:
    source = exported["reward"].read_text()
    assert _import_roots(source) <= set(sys.stdlib_module_names) | {"__future__", "math_verify"}
    module = _load_exported_reward(exported["reward"])
    df = pd.read_parquet(exported["train"])
    samples = {
        "c1": ["<think>x</think><answer>B</answer>", "<answer>blue</answer>", "<answer>A, B, C</answer>",
               "<think>B</think>", "<answer>A</answer><answer>B</answer>", "B",
               "<think>B it is <answer>B</answer> or"],
        "n1": ["<answer>12</answer>", "<answer>12.0</answer>", "<answer>not 12 but 13</answer>",
               "<answer>13</answer>", "12 <answer></answer>"],
        "y1": ["<answer>yes</answer>", "<answer>yes and no</answer>", "<answer>no</answer>"],
        "o1": ["<answer>red cube</answer>", "<answer>a red cube</answer>", "<answer>blue cube</answer>"],
    }  # fmt: skip
    scores = []
    for row in df.to_dict("records"):  # as verl sees the row: numpy arrays for lists
        info, gold = row["extra_info"], row["reward_model"]["ground_truth"]
        src = next(r for r in ROWS if r["item_id"] == info["item_id"])
        for text in samples[info["item_id"]]:
            got = module.compute_score(row["data_source"], text, gold, info)
            want = accuracy_reward(
                [text], [src["solution"]], [src["answer_type"]], [src["choices"]], [src["keywords"]]
            )
            assert got == want[0], (info["item_id"], text)
            scores.append(got)
    assert 0 < sum(scores) < len(scores)  # the samples include both right and gamed answers


def test_launch_script(exported: dict[str, Path]) -> None:
    script = exported["launch"]
    assert os.access(script, os.X_OK)
    subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text()
    for override in [
        "algorithm.adv_estimator=grpo",
        "actor_rollout_ref.rollout.n=8",
        "actor_rollout_ref.rollout.temperature=1.0",
        "actor_rollout_ref.actor.use_kl_loss=True",
        "actor_rollout_ref.actor.kl_loss_coef=0.001",
        "actor_rollout_ref.actor.optim.lr=5e-7",
        "trainer.total_epochs=1",
        "data.max_response_length=1024",
        "custom_reward_function.name=compute_score",
        'custom_reward_function.path="$HERE/reward.py"',
        'data.train_files="$HERE/train.parquet"',
        'N_GPUS_PER_NODE="${N_GPUS_PER_NODE:-4}"',
        'MODEL="${MODEL:-/m/x}"',
        'SAVE_FREQ="${SAVE_FREQ:-50}"',  # verl saves only when save_freq > 0
        'trainer.save_freq="$SAVE_FREQ"',
        "trainer.resume_mode=auto",
    ]:
        assert override in text, override


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_launch_script_is_shellcheck_clean(exported: dict[str, Path]) -> None:
    subprocess.run(["shellcheck", str(exported["launch"])], check=True)


def test_manifest(exported: dict[str, Path]) -> None:
    manifest = json.loads(exported["manifest"].read_text())
    assert manifest["n_items"] == len(ROWS)
    assert manifest["answer_types"] == {"letter": 1, "number": 1, "open": 1, "yesno": 1}
    assert manifest["data_source"] == "harness_synth"
    assert manifest["reward_sha256"] == hashlib.sha256(exported["reward"].read_bytes()).hexdigest()
    assert manifest["harness_version"]


def test_empty_selection_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no rows"):
        export_verl([], tmp_path)
