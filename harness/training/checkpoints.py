"""Checkpoints as a stage goes, and a killed stage resumed from its last one.

A stage's trainer writes `OUT/_trainer/checkpoint-N` every `save_steps` (transformers' own format:
weights, optimizer, scheduler, RNG states, trainer state). Before it trains, the stage's settings
(everything that decides its result: TRL's whole config, the harness's additions, the starting
weights, the examples) go to `OUT/_trainer/run.json`. A later run on the same folder with the same
settings resumes from the last checkpoint; with other settings it is refused, naming the first
setting that differs. A stage whose final model is written (`train_log.json` last, with the same
settings) is not trained again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import datasets
from transformers.trainer import TRAINER_STATE_NAME

from harness.core.errors import InputError
from harness.core.files import atomic_write_json
from harness.models.loader import model_identity
from harness.training.config import Stage

RUN_FILE = "run.json"
LOG_FILE = "train_log.json"
# Fields of TRL's config that name where things go rather than what is trained.
_WHERE = {"output_dir", "logging_dir", "run_name", "hub_model_id", "disable_tqdm", "report_to"}


def examples_hash(data: datasets.Dataset) -> str:
    """What the examples are, without their pixels: every column but the images, row by row (an
    item's images are fixed by its id and source task)."""
    digest = hashlib.sha256()
    text = data.remove_columns([c for c in ("images", "image") if c in data.column_names])
    for row in text.to_list():
        digest.update(json.dumps(row, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def run_settings(stage: Stage, base: str | Path, data: datasets.Dataset) -> dict[str, Any]:
    config = stage.to_dict()
    trl = {k: v for k, v in config["trl"].items() if k not in _WHERE}
    return {
        "trl": json.loads(json.dumps(trl, default=str)),  # as it reads back from run.json
        "harness": config["harness"],
        "processes": stage.args.world_size,
        "base_weights": model_identity(base).weights_hash,
        "examples": examples_hash(data),
    }


def _first_difference(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> str:
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            found = _first_difference(a, b, f"{prefix}{key}.")
            if found:
                return found
        elif a != b:
            return f"{prefix}{key}: {a!r} there, {b!r} now"
    return ""


def finished(out: Path, settings: dict[str, Any]) -> bool:
    """Whether `out` holds this stage's final model, trained with these settings."""
    log = out / LOG_FILE
    if not log.exists():
        return False
    _refuse_other(
        json.loads(log.read_text()).get("settings") or {}, settings, f"{out}: holds a model trained"
    )
    return True


def _refuse_other(earlier: dict[str, Any], settings: dict[str, Any], what: str) -> None:
    if earlier != settings:
        raise InputError(f"{what} with other settings ({_first_difference(earlier, settings)}); "
                         "use another --out, or remove it")  # fmt: skip


def resume_point(out: Path, settings: dict[str, Any]) -> str | None:
    """The last checkpoint of this stage's earlier, unfinished run in `out` (None: start afresh);
    records the settings for the next resume. A run there with other settings is refused."""
    trainer_dir = out / "_trainer"
    run_file = trainer_dir / RUN_FILE
    if run_file.exists():
        _refuse_other(json.loads(run_file.read_text()), settings, f"{out}: holds an unfinished run")
    trainer_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(run_file, settings, indent=1)
    last = last_complete_checkpoint(trainer_dir)
    return str(last) if last else None


def last_complete_checkpoint(trainer_dir: Path) -> Path | None:
    """The newest checkpoint the trainer finished writing. transformers writes a checkpoint in
    place, `trainer_state.json` last, and its own `get_last_checkpoint` takes the highest number
    even when a kill cut that one short, which then fails to resume."""
    complete = [p for p in trainer_dir.glob("checkpoint-*") if p.name.split("-")[-1].isdigit()
                and (p / TRAINER_STATE_NAME).is_file()]  # fmt: skip
    return max(complete, key=lambda p: int(p.name.split("-")[-1]), default=None)


def save_final(trainer: Any, out: Path) -> None:
    """The stage's final model and processor in `out` (gathering ZeRO-3 shards), without the
    pickled `training_args.bin` the Trainer adds: the settings are in train_log.json as JSON, and a
    `.bin` beside the weights would count in the checkpoint's weights hash."""
    trainer.save_model(str(out))
    if trainer.is_world_process_zero():
        (out / "training_args.bin").unlink(missing_ok=True)


def write_log(
    out: Path, settings: dict[str, Any], stage: Stage, history: list[dict[str, Any]], resumed_from: str | None
) -> None:
    """The stage's log, written last: its presence says the final model is complete."""
    config = stage.to_dict()
    # Places inside `out` are written relative to it, so that a log reads the same wherever the
    # model was trained (the shipped base model's log named the scratch folder it was built in).
    for key in ("output_dir", "logging_dir"):
        place = config["trl"].get(key)
        if isinstance(place, str) and Path(place).is_relative_to(out):
            config["trl"][key] = str(Path(place).relative_to(out))
    payload = {"settings": settings, "config": config, "resumed_from": resumed_from, "log": history}
    atomic_write_json(out / LOG_FILE, payload, default=str)


__all__ = [
    "examples_hash",
    "finished",
    "last_complete_checkpoint",
    "resume_point",
    "run_settings",
    "write_log",
]
