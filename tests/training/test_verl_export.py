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


def _image(seed: int, shape: tuple[int, int] = (12, 16)) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (*shape, 3), dtype=np.uint8), "RGB")


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
    # two images, one large and oddly sized (resized by the processor), markers in the task's prompt
    {"item_id": "m2", "prompt": "<image>\n<image>\nWhich image is brighter?", "solution": "A", "answer_type": "letter",
     "choices": ["first", "second"], "keywords": [], "images": [_image(4, (333, 500)), _image(5)]},
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
        n = len(src["images"])
        text = src["prompt"].replace("<image>", "").strip()
        assert row["prompt"] == [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": "<image>" * n + f"{text} Answer briefly."},
        ]
        assert row["prompt"][-1]["content"].count("<image>") == len(row["images"]) == n
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
        assert len(cell) == len(src["images"])
        for stored, image in zip(cell, src["images"], strict=True):
            got = Image.open(io.BytesIO(stored["bytes"]))
            assert got.format == "PNG"
            original = image if isinstance(image, Image.Image) else Image.open(io.BytesIO(image["bytes"]))
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
        "m2": ["<answer>A</answer>", "<answer>(A) first</answer>", "<answer>second</answer>"],
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
    subprocess.run(["bash", "-n", str(script)], check=True)  # what verl makes of it: below


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_launch_script_is_shellcheck_clean(exported: dict[str, Path]) -> None:
    subprocess.run(["shellcheck", str(exported["launch"])], check=True)


def test_manifest(exported: dict[str, Path]) -> None:
    manifest = json.loads(exported["manifest"].read_text())
    assert manifest["n_items"] == len(ROWS)
    assert manifest["answer_types"] == {"letter": 2, "number": 1, "open": 1, "yesno": 1}
    assert manifest["data_source"] == "harness_synth"
    assert manifest["reward_sha256"] == hashlib.sha256(exported["reward"].read_bytes()).hexdigest()
    assert manifest["harness_version"]


def test_empty_selection_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no rows"):
        export_verl([], tmp_path)


# ---- verl's own code on the export (the verl environment: make verl-setup) ----------------------

VERL_CHECK = Path(__file__).with_name("verl_check.py")
VERL_PYTHON = Path(__file__).parents[2] / ".venv-verl" / "bin" / "python"
SAMPLES = [
    "<think>x</think><answer>{gold}</answer>",
    "<answer>{gold} or not</answer>",
    "<answer>zz</answer>",
    "{gold}",
]


def _verl_python() -> Path:
    python = Path(os.environ.get("HARNESS_VERL_PYTHON", VERL_PYTHON))
    if not python.is_file():
        if os.environ.get("HARNESS_REQUIRE_VERL") == "1":
            pytest.fail(f"no verl environment at {python} (make verl-setup)")
        pytest.skip("no verl environment (make verl-setup)")
    return python


@pytest.fixture(scope="module")
def verl_seen(exported: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What verl 0.9 makes of the export: its composed and validated config, its dataset's prompts
    and image tokens, and its reward manager's scores (tests/training/verl_check.py)."""
    python = _verl_python()
    from harness.synth.models import ensure_embedded_model

    work = tmp_path_factory.mktemp("verl-check")
    responses = [[i, t.format(gold=row["solution"])] for i, row in enumerate(ROWS) for t in SAMPLES]
    (work / "responses.json").write_text(json.dumps(responses))
    model = ensure_embedded_model("tiny-base")
    done = subprocess.run([str(python), str(VERL_CHECK), str(exported["train"].parent), str(model),
                           str(work / "responses.json"), str(work / "seen.json")],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    seen: dict[str, Any] = json.loads((work / "seen.json").read_text())
    seen["responses"], seen["model"] = responses, model
    seen["reward_file"] = exported["reward"].resolve()  # run_grpo.sh names it by its real path
    return seen


@pytest.mark.slow
def test_verl_composes_and_validates_the_launch_config(verl_seen: dict[str, Any]) -> None:
    assert verl_seen["config"] == {
        "algorithm.adv_estimator": "grpo",
        "algorithm.use_kl_in_reward": False,
        "data.max_response_length": 1024,
        "actor_rollout_ref.actor.optim.lr": 5e-07,
        "actor_rollout_ref.actor.use_kl_loss": True,
        "actor_rollout_ref.actor.kl_loss_coef": 0.001,
        "actor_rollout_ref.rollout.n": 8,
        "actor_rollout_ref.rollout.temperature": 1.0,
        "actor_rollout_ref.rollout.name": "vllm",
        "trainer.save_freq": 50,  # verl saves only when > 0
        "trainer.resume_mode": "auto",
        "trainer.total_epochs": 1,
        "trainer.n_gpus_per_node": 8,
        # where verl 0.9's main_ppo reads it (a top-level custom_reward_function is ignored)
        "reward.custom_reward_function.path": str(verl_seen["reward_file"]),
        "reward.custom_reward_function.name": "compute_score",
    }


@pytest.mark.slow
def test_verl_dataset_shows_the_model_the_prompt_trl_trains_on(verl_seen: dict[str, Any]) -> None:
    from harness.core.images import decode_image
    from harness.models.families import family_of_path
    from harness.training.data import grpo_dataset

    assert verl_seen["n_items"] == len(ROWS)  # none filtered as overlong or failing to process
    processor = family_of_path(verl_seen["model"]).load_processor(Path(verl_seen["model"]), {})
    items = datasets.Dataset.from_list(
        [
            {k: v for k, v in r.items() if k != "images"}
            | {"images": [_png(decode_image(i, "")) for i in r["images"]]}
            for r in ROWS
        ]
    )
    trl_rows = grpo_dataset(items, " Answer briefly.", SYSTEM)
    for seen, row, src in zip(verl_seen["items"], trl_rows, ROWS, strict=True):
        assert seen["item_id"] == src["item_id"]
        text = processor.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=False)
        assert seen["prompt"] == text
        images = [decode_image(i, "") for i in src["images"]]
        ids = processor(text=[text], images=images, return_tensors="pt")["input_ids"][0]
        assert seen["image_tokens"] == int((ids == processor.image_token_id).sum()), src["item_id"]


@pytest.mark.slow
def test_verl_reward_manager_scores_like_the_harness(verl_seen: dict[str, Any]) -> None:
    want = [accuracy_reward([text], [ROWS[i]["solution"]], [ROWS[i]["answer_type"]], [ROWS[i]["choices"]],
                            [ROWS[i]["keywords"]])[0] for i, text in verl_seen["responses"]]  # fmt: skip
    assert verl_seen["rewards"] == want
    assert 0 < sum(want) < len(want)
