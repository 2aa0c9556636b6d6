"""Training examples come from the task itself: a pool task whose prompt (its doc_to_text) differs
from its `question` field, whose images live in another column and are two per item, trains on the
prompt and images evaluation shows the model, and on the answer the task's doc_to_target gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from harness.core.paths import TASKS_ENV, tasks_dir
from harness.synth.datasets import build_suite
from harness.training.config import stage
from harness.training.data import grpo_dataset, sft_dataset, training_items

TASK = "harness_test_options"
YAML = f"""
task: {TASK}
include: _default.yaml
dataset_kwargs:
  data_files:
    test: synth/mini/test.parquet
process_docs: !function options.process_docs
doc_to_text: !function options.doc_to_text
doc_to_visual: !function options.doc_to_visual
doc_to_target: !function options.doc_to_target
process_results: !function utils.process_results_mini
metadata:
  version: 1
"""
HOOKS = """
from PIL import ImageOps

from harness.core.images import decode_image, keep_image_bytes


def process_docs(dataset):
    return keep_image_bytes(dataset).rename_column("image", "figure")


def doc_to_text(doc, lmms_eval_specific_kwargs=None):
    return "Look at both views.\\n" + doc["question"] + "\\nAnswer with one word."


def doc_to_visual(doc):
    image = decode_image(doc["figure"], doc["item_id"])
    return [image, ImageOps.mirror(image)]


def doc_to_target(doc):
    return "gold:" + doc["answer"]
"""


@pytest.fixture(scope="module")
def task(tmp_path_factory: pytest.TempPathFactory) -> str:
    tasks = tmp_path_factory.mktemp("tasks")
    shutil.copytree(tasks_dir() / "harness_synth", tasks / "harness_synth")
    (tasks / "harness_synth" / f"{TASK}.yaml").write_text(YAML)
    (tasks / "harness_synth" / "options.py").write_text(HOOKS)
    build_suite("mini")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(TASKS_ENV, str(tasks))
        yield TASK


def test_items_carry_the_tasks_prompt_images_and_target(task: str) -> None:
    items = training_items(task)
    assert len(items) == 40
    row = items[0]
    question = training_items("harness_synth_mini")[0]
    assert (
        row["prompt"] == f"Look at both views.\n{question['prompt'].split(chr(10))[0]}\nAnswer with one word."
    )
    assert row["solution"] == f"gold:{question['solution']}"
    first, second = (np.asarray(image) for image in row["images"])
    assert first.shape == second.shape and np.array_equal(first[:, ::-1], second)  # both views, in order


def test_examples_are_the_conversation_evaluation_sends(task: str, tmp_path: Path) -> None:
    items = training_items(task).select(range(2))
    grpo = stage("grpo", "tiny", tmp_path, 0, "cpu")
    example = grpo_dataset(items, grpo.extras.prompt_suffix, "Be brief.")[0]
    # (Arrow gives every part of a column the same fields: an image part reads `text: None`.)
    prompt = [{**m, "content": [{k: v for k, v in part.items() if v is not None} for part in m["content"]]}
              for m in example["prompt"]]  # fmt: skip
    assert prompt == [
        {"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
        {"role": "user", "content": [{"type": "image"}, {"type": "image"},
                                     {"type": "text", "text": items[0]["prompt"]}]},
    ]  # fmt: skip
    assert len(example["images"]) == 2 and example["solution"] == items[0]["solution"]
    sft = sft_dataset(items, "", "answer_only")[0]
    assert sft["completion"][0]["content"][0]["text"] == f"<answer>{items[0]['solution']}</answer>"
    assert sft["prompt"][-1]["content"][-1]["text"] == items[0]["prompt"]
