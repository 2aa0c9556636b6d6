"""Export a selected training subset, its reward function and a launch script for verl (Ray).

TRL covers one machine; multi-node GRPO runs go through verl (docs/architecture.md §7). verl needs the data as
parquet in its RL dataset schema, a reward function it can import by path, and a long list of
Hydra overrides. Writing all three from the same selection keeps a verl run comparable with a TRL
run: same items, same prompt, and a reward that is the harness's own source text.

`train.parquet` schema (one row per item; verl's multimodal convention, as in its geo3k example):

- `data_source` (str): a name for the data; passed to the reward function.
- `prompt` (list of {"role", "content"} str messages): an optional system message, then the user
  message "<image>...{prompt}{suffix}", the prompt being the source task's own doc_to_text. verl
  replaces each "<image>" placeholder with the next entry of `images`; the images come first, as
  the harness's evaluator sends them.
- `images` (list of {"bytes": PNG bytes, "path": None}): the task's images of the item, in order
  (the layout of a Hugging Face Image cell, which verl's image loader reads).
- `ability` (str): "visual_reasoning".
- `reward_model` ({"style": "rule", "ground_truth": str}): the gold answer.
- `extra_info` ({"split", "index", "item_id", "question", "answer", "answer_type", "choices",
  "keywords"}): `compute_score` reads answer_type, choices and keywords from it; choices and
  keywords are null when an item has none.

`reward.py` is the text of `harness/training/rewards.py` with the text of the answer extractor it
imports (`harness/scoring/extract.py`, stdlib-only) written in place of the import, so it runs
without the harness installed; verl calls its `compute_score`.
`run_grpo.sh` launches `verl.trainer.main_ppo` with the paper preset (G = 8, temperature 1.0,
β = 0.001 as a KL loss, lr 5e-7, one epoch, completion ≤ 1024 tokens). `manifest.json` records
counts, the reward file's sha256 and the harness version.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import re
import stat
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
import pyarrow.parquet as pq

from harness.core.files import atomic_write, atomic_write_json, atomic_write_text
from harness.core.images import decode_image
from harness.scoring import extract
from harness.training import rewards

ABILITY = "visual_reasoning"
DEFAULT_MODEL = "Qwen/Qwen2.5-VL-7B-Instruct"  # the paper preset's model class

_MESSAGES = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
SCHEMA = pa.schema(
    [
        ("data_source", pa.string()),
        ("prompt", _MESSAGES),
        ("images", pa.list_(pa.struct([("bytes", pa.binary()), ("path", pa.string())]))),
        ("ability", pa.string()),
        ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.string())])),
        (
            "extra_info",
            pa.struct(
                [
                    ("split", pa.string()),
                    ("index", pa.int64()),
                    ("item_id", pa.string()),
                    ("question", pa.string()),
                    ("answer", pa.string()),
                    ("answer_type", pa.string()),
                    ("choices", pa.list_(pa.string())),
                    ("keywords", pa.list_(pa.string())),
                ]
            ),
        ),
    ]
)


def _png_bytes(image: Any, where: str) -> bytes:
    buf = io.BytesIO()
    decode_image(image, where).save(buf, format="PNG")
    return buf.getvalue()


def _strings(values: Any) -> list[str] | None:
    return [str(v) for v in values] if values is not None and len(values) else None


def verl_row(
    row: Mapping[str, Any], index: int, data_source: str, system_prompt: str | None, prompt_suffix: str
) -> dict[str, Any]:
    """One training item (harness.training.data.training_items) in verl's schema (see module
    docstring)."""
    item_id = str(row.get("item_id", index))
    question, answer = str(row["prompt"]), str(row["solution"])
    images = list(row["images"])
    prompt = [{"role": "system", "content": system_prompt}] if system_prompt else []
    text = f"{question}{prompt_suffix}".replace("<image>", "").strip()
    prompt.append({"role": "user", "content": "<image>" * len(images) + text})
    return {
        "data_source": data_source,
        "prompt": prompt,
        "images": [
            {"bytes": _png_bytes(image, f"item_id={item_id!r} image {i + 1}"), "path": None}
            for i, image in enumerate(images)
        ],
        "ability": ABILITY,
        "reward_model": {"style": "rule", "ground_truth": answer},
        "extra_info": {
            "split": "train",
            "index": index,
            "item_id": item_id,
            "question": question,
            "answer": answer,
            "answer_type": row.get("answer_type"),
            "choices": _strings(row.get("choices")),
            "keywords": _strings(row.get("keywords")),
        },
    }


def launch_script(model_path: str, n_gpus: int, n_items: int) -> str:
    """run_grpo.sh: verl's GRPO trainer on the exported files, paper preset, overridable by env/args."""
    return f"""#!/usr/bin/env bash
# GRPO with verl on {n_items} exported items (written by harness.training.verl_export).
# Environment: MODEL, NNODES, N_GPUS_PER_NODE, TRAIN_BATCH_SIZE, MINI_BATCH_SIZE, ROLLOUT_TP,
# MAX_PROMPT_LENGTH, OUTPUT_DIR, EXPERIMENT, SAVE_FREQ, PYTHON (default python3). Extra arguments are
# passed on as Hydra overrides (`--cfg job --resolve` prints the composed config without training).
set -euo pipefail

HERE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
MODEL="${{MODEL:-{model_path}}}"
NNODES="${{NNODES:-1}}"
N_GPUS_PER_NODE="${{N_GPUS_PER_NODE:-{n_gpus}}}"
TRAIN_BATCH_SIZE="${{TRAIN_BATCH_SIZE:-32}}"
MINI_BATCH_SIZE="${{MINI_BATCH_SIZE:-16}}"
ROLLOUT_TP="${{ROLLOUT_TP:-1}}"
MAX_PROMPT_LENGTH="${{MAX_PROMPT_LENGTH:-2048}}"
OUTPUT_DIR="${{OUTPUT_DIR:-$HERE/checkpoints}}"
EXPERIMENT="${{EXPERIMENT:-grpo_paper}}"
SAVE_FREQ="${{SAVE_FREQ:-50}}"

# Overrides, by group:
#  algorithm  - GRPO advantages (group-relative, no critic); KL goes in the loss, not the reward.
#  data       - the exported parquet (also given as val_files, which verl requires; validation
#               is off below), prompt/response limits (completion <= 1024 tokens), image column.
#  actor      - lr 5e-7, KL loss with beta = 0.001, no entropy bonus.
#  rollout    - vLLM, G = 8 samples per prompt at temperature 1.0.
#  reward     - reward.py, the harness's own accuracy reward (compute_score), under reward.* (verl
#               0.9's main_ppo reads only reward.custom_reward_function; the older top-level
#               custom_reward_function still composes, and is ignored).
#  trainer    - one epoch, GPUs and nodes, no validation, a checkpoint every SAVE_FREQ steps under
#               OUTPUT_DIR (verl saves only when save_freq > 0; its default, -1, ends a run with
#               none), and a relaunch resuming from the last one (resume_mode=auto).
"${{PYTHON:-python3}}" -m verl.trainer.main_ppo \\
    algorithm.adv_estimator=grpo \\
    algorithm.use_kl_in_reward=False \\
    data.train_files="$HERE/train.parquet" \\
    data.val_files="$HERE/train.parquet" \\
    data.train_batch_size="$TRAIN_BATCH_SIZE" \\
    data.max_prompt_length="$MAX_PROMPT_LENGTH" \\
    data.max_response_length=1024 \\
    data.filter_overlong_prompts=True \\
    data.truncation=error \\
    data.image_key=images \\
    actor_rollout_ref.model.path="$MODEL" \\
    actor_rollout_ref.actor.optim.lr=5e-7 \\
    actor_rollout_ref.actor.ppo_mini_batch_size="$MINI_BATCH_SIZE" \\
    actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=2 \\
    actor_rollout_ref.actor.use_kl_loss=True \\
    actor_rollout_ref.actor.kl_loss_coef=0.001 \\
    actor_rollout_ref.actor.kl_loss_type=low_var_kl \\
    actor_rollout_ref.actor.entropy_coeff=0 \\
    actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu=4 \\
    actor_rollout_ref.rollout.name=vllm \\
    actor_rollout_ref.rollout.n=8 \\
    actor_rollout_ref.rollout.temperature=1.0 \\
    actor_rollout_ref.rollout.tensor_model_parallel_size="$ROLLOUT_TP" \\
    actor_rollout_ref.rollout.gpu_memory_utilization=0.6 \\
    actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=4 \\
    reward.custom_reward_function.path="$HERE/reward.py" \\
    reward.custom_reward_function.name=compute_score \\
    trainer.total_epochs=1 \\
    trainer.nnodes="$NNODES" \\
    trainer.n_gpus_per_node="$N_GPUS_PER_NODE" \\
    trainer.val_before_train=False \\
    trainer.test_freq=-1 \\
    trainer.save_freq="$SAVE_FREQ" \\
    trainer.resume_mode=auto \\
    trainer.logger='["console"]' \\
    trainer.project_name=harness_grpo \\
    trainer.experiment_name="$EXPERIMENT" \\
    trainer.default_local_dir="$OUTPUT_DIR" \\
    "$@"
"""


def _harness_version() -> str:
    try:
        return importlib.metadata.version("harness")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


_EXTRACT_IMPORT = re.compile(r"^from harness\.scoring\.extract import [^\n]*\n", re.MULTILINE)
_FUTURE = "from __future__ import annotations\n"


def reward_file_text() -> str:
    """rewards.py as one self-contained file: the extractor's source in place of its import."""
    source = Path(rewards.__file__).read_text()
    inlined = Path(extract.__file__).read_text()
    if len(_EXTRACT_IMPORT.findall(source)) != 1 or inlined.count(_FUTURE) != 1:
        raise RuntimeError("verl_export: rewards.py or extract.py no longer has the expected imports")
    inlined = inlined.replace(_FUTURE, "")  # a __future__ import is legal only at the top of a file
    block = (
        f"# ---- harness/scoring/extract.py, inlined by harness.training.verl_export ----\n{inlined}# ----\n"
    )
    return _EXTRACT_IMPORT.sub(lambda _: block, source)


def export_verl(
    rows: datasets.Dataset | Iterable[Mapping[str, Any]],
    out_dir: Path,
    data_source: str = "harness_synth",
    system_prompt: str | None = None,
    prompt_suffix: str = "",
    model_path: str = DEFAULT_MODEL,
    n_gpus: int = 8,
) -> dict[str, Path]:
    """Write train.parquet, reward.py, run_grpo.sh and manifest.json under `out_dir`.
    Rows need question, answer and image; answer_type, choices, keywords and item_id are optional.
    Returns the written paths by name (train, reward, launch, manifest)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    records = [verl_row(r, i, data_source, system_prompt, prompt_suffix) for i, r in enumerate(rows)]
    if not records:
        raise ValueError("export_verl: no rows to export")
    paths = {
        "train": out_dir / "train.parquet",
        "reward": out_dir / "reward.py",
        "launch": out_dir / "run_grpo.sh",
        "manifest": out_dir / "manifest.json",
    }
    atomic_write(
        paths["train"], lambda tmp: pq.write_table(pa.Table.from_pylist(records, schema=SCHEMA), tmp)
    )

    reward_source = reward_file_text().encode()
    atomic_write(paths["reward"], lambda tmp: tmp.write_bytes(reward_source))

    atomic_write_text(paths["launch"], launch_script(model_path, n_gpus, len(records)))
    mode = paths["launch"].stat().st_mode
    paths["launch"].chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)

    types = Counter(str(r["extra_info"]["answer_type"]) for r in records)
    manifest = {
        "data_source": data_source,
        "n_items": len(records),
        "answer_types": dict(sorted(types.items())),
        "system_prompt": system_prompt,
        "prompt_suffix": prompt_suffix,
        "model_path": model_path,
        "n_gpus_per_node": n_gpus,
        "reward_sha256": hashlib.sha256(reward_source).hexdigest(),
        "reward_function": "reward.py:compute_score",
        "harness_version": _harness_version(),
        "files": {name: path.name for name, path in paths.items()},
    }
    atomic_write_json(paths["manifest"], manifest)
    return paths


def export_subset(
    out: Path,
    subset: str = "full",
    difficulty: Path | None = None,
    items: str = "harness_synth_pool",
    preset: str = "paper",
    model_path: str = DEFAULT_MODEL,
    seed: int = 0,
    n_gpus: int = 8,
) -> dict[str, Path]:
    """`harness export-verl`: the pool task's items, narrowed to a selection policy of a difficulty
    table (selection.json beside the export), exported with the preset's prompt settings."""
    from harness.core.errors import InputError
    from harness.core.tables import read_difficulty
    from harness.difficulty.selection import select
    from harness.training.config import load_preset
    from harness.training.data import subset as take
    from harness.training.data import training_items

    if difficulty is None and subset != "full":
        raise InputError(f"--subset {subset!r} needs --difficulty")
    rows = training_items(items)
    if difficulty is not None:
        sel = select(read_difficulty(difficulty), subset, seed)
        rows = take(rows, sel.item_ids)
        sel.write(out / "selection.json")
    extras = load_preset(preset)["harness"].get("grpo") or {}
    return export_verl(rows, out, system_prompt=extras.get("system_prompt"), prompt_suffix=extras.get("prompt_suffix", ""),
                       model_path=model_path, n_gpus=n_gpus)  # fmt: skip
