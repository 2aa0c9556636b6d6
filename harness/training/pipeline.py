"""The two paradigms the study compares, as one readable recipe each (torchtune style):

- `grpo_only`: base → GRPO on subset A
- `sft_grpo`:  base → SFT on subset S → GRPO on subset A

Subsets come from a difficulty table (harness.difficulty.selection). Every checkpoint directory gets
`manifest.json`: parent checkpoint (path and weights hash), paradigm, subsets (policy, seed, tier
counts, table hash; the item ids are in `selection_*.json` beside it), seed, the full config, and
library versions, so a result can always be traced to exactly what produced it.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
import pandas as pd

from harness.core.files import atomic_write_json, folder_lock
from harness.core.tables import read_difficulty
from harness.difficulty.selection import Selection, select
from harness.models.loader import config_dtype, model_identity
from harness.training.config import stage
from harness.training.data import grpo_dataset, sft_dataset, subset, training_items
from harness.training.grpo import grpo_train
from harness.training.sft import sft_train

PARADIGMS = ("grpo_only", "sft_grpo")


@dataclass
class TrainRequest:
    paradigm: str
    base: str  # model directory
    items: str  # source task whose documents are the training pool, e.g. harness_synth_pool
    out: Path
    grpo_subset: str = "full"
    sft_subset: str | None = None
    difficulty: Path | None = None
    preset: str = "tiny"
    seed: int = 0
    # Fields of the preset's stages by name (TRL's or the harness's), over the preset.
    grpo_overrides: dict[str, Any] = field(default_factory=dict)
    sft_overrides: dict[str, Any] = field(default_factory=dict)
    device: str = "cpu"


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("torch", "transformers", "trl", "datasets", "accelerate", "deepspeed", "vllm", "harness"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _select(req: TrainRequest, policy: str, table: pd.DataFrame | None) -> Selection:
    if table is None:
        if policy != "full":
            raise ValueError(f"subset {policy!r} needs a difficulty table (--difficulty)")
        return Selection("full", req.seed, "", "", {}, [])  # empty ids: every item
    return select(table, policy, seed=req.seed)


def _pick(items: datasets.Dataset, sel: Selection) -> datasets.Dataset:
    return items if not sel.item_ids and sel.policy == "full" else subset(items, sel.item_ids)


def _manifest(stage_dir: Path, parent: str, req: TrainRequest, stages: list[dict[str, Any]]) -> None:
    ident = model_identity(parent)
    manifest = {
        "paradigm": req.paradigm,
        "parent": {"path": ident.path, "weights_hash": ident.weights_hash},
        "base": str(req.base),
        "items": req.items,
        "subsets": {s["stage"]: s["selection"] for s in stages},
        "seed": req.seed,
        "preset": req.preset,
        "stages": stages,
        "difficulty_table": str(req.difficulty) if req.difficulty else None,
        "versions": library_versions(),
    }
    atomic_write_json(stage_dir / "manifest.json", manifest, indent=1, default=str)


def _summary(sel: Selection) -> dict[str, Any]:
    return {k: v for k, v in sel.manifest().items() if k != "item_ids"}


def run(req: TrainRequest) -> Path:
    """Train one arm; returns the final checkpoint directory (req.out)."""
    if req.paradigm not in PARADIGMS:
        raise ValueError(f"unknown paradigm {req.paradigm!r}; known: {PARADIGMS}")
    if req.paradigm == "sft_grpo" and not req.sft_subset:
        raise ValueError("sft_grpo needs --sft-subset")
    if req.paradigm == "grpo_only" and req.sft_subset:
        raise ValueError("grpo_only takes no SFT subset (use --paradigm sft_grpo)")
    with folder_lock(Path(req.out), "harness train"):  # a second run on this folder is refused
        return _run(req)


def _run(req: TrainRequest) -> Path:
    table = read_difficulty(req.difficulty) if req.difficulty else None
    items = training_items(req.items)
    out = Path(req.out)
    out.mkdir(parents=True, exist_ok=True)
    dtype = config_dtype(req.base)
    grpo = stage("grpo", req.preset, out, req.seed, req.device, dtype, req.grpo_overrides)
    stages: list[dict[str, Any]] = []
    parent = str(req.base)
    if req.paradigm == "sft_grpo":
        assert req.sft_subset is not None
        sft_sel = _select(req, req.sft_subset, table)
        sft_sel.write(out / "selection_sft.json")
        sft = stage("sft", req.preset, out / "sft", req.seed, req.device, dtype, req.sft_overrides)
        data = sft_dataset(_pick(items, sft_sel), grpo.extras.prompt_suffix, sft.extras.target_format)
        sft_dir = sft_train(parent, data, out / "sft", sft)
        stages.append({"stage": "sft", "selection": _summary(sft_sel), "config": sft.to_dict()})
        _manifest(sft_dir, parent, req, stages)
        parent = str(sft_dir)
    grpo_sel = _select(req, req.grpo_subset, table)
    grpo_sel.write(out / "selection_grpo.json")
    data = grpo_dataset(_pick(items, grpo_sel), grpo.extras.prompt_suffix, grpo.extras.system_prompt)
    grpo_train(parent, data, out, grpo)
    stages.append({"stage": "grpo", "selection": _summary(grpo_sel), "config": grpo.to_dict()})
    _manifest(out, parent, req, stages)
    return out


__all__ = ["PARADIGMS", "TrainRequest", "library_versions", "run"]
