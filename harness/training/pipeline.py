"""The two paradigms the study compares, as one readable recipe each (torchtune style):

- `grpo_only`: base → GRPO on subset A
- `sft_grpo`:  base → SFT on subset S → GRPO on subset A

Subsets come from a difficulty table (harness.difficulty.selection). Every checkpoint directory gets
`manifest.json`: parent checkpoint (path and weights hash), paradigm, subsets (policy, seed, tier
counts, table hash; the item ids are in `selection_*.json` beside it), seed, the full config, and
library versions, so a result can always be traced to exactly what produced it.
"""

from __future__ import annotations

import io
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import datasets
import pandas as pd

from harness.core.files import atomic_write_json, folder_lock
from harness.core.tables import read_difficulty
from harness.difficulty.selection import Selection, select
from harness.models.loader import model_identity
from harness.training.data import grpo_dataset, sft_dataset, subset
from harness.training.grpo import GRPORecipe, grpo_recipe, grpo_train, load_preset
from harness.training.sft import SFTRecipe, sft_train

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
    grpo_overrides: dict[str, Any] = field(default_factory=dict)
    sft_overrides: dict[str, Any] = field(default_factory=dict)
    device: str = "cpu"


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("torch", "transformers", "trl", "datasets", "accelerate", "harness"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def training_items(task: str) -> datasets.Dataset:
    """The source task's documents (question, answer, image, ...) as a datasets.Dataset."""
    from harness.difficulty.source import load_source_docs
    from harness.lmms.task_utils import doc_image

    docs, _ = load_source_docs(task)
    rows = []
    for doc in docs:
        row = dict(doc)
        buf = io.BytesIO()
        doc_image(doc).save(buf, format="PNG")  # decoded and checked once, stored as PNG
        row["image"] = {"bytes": buf.getvalue(), "path": None}
        rows.append(row)
    ds = datasets.Dataset.from_list(rows)
    return ds.cast_column("image", datasets.Image())


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
    grpo = grpo_recipe(req.preset, **{**req.grpo_overrides, "seed": req.seed})
    out = Path(req.out)
    out.mkdir(parents=True, exist_ok=True)
    stages: list[dict[str, Any]] = []
    parent = str(req.base)
    if req.paradigm == "sft_grpo":
        assert req.sft_subset is not None
        sft_sel = _select(req, req.sft_subset, table)
        sft_sel.write(out / "selection_sft.json")
        sft_values = load_preset(req.preset, "sft")
        target_format = sft_values.pop("target_format", "think_answer")
        recipe = SFTRecipe(**{**sft_values, **req.sft_overrides, "seed": req.seed})
        data = sft_dataset(_pick(items, sft_sel), grpo.prompt_suffix, target_format)
        sft_dir = sft_train(parent, data, out / "sft", recipe, device=req.device)
        stages.append(
            {
                "stage": "sft",
                "selection": _summary(sft_sel),
                "config": {**asdict(recipe), "target_format": target_format},
            }
        )
        _manifest(sft_dir, parent, req, stages)
        parent = str(sft_dir)
    grpo_sel = _select(req, req.grpo_subset, table)
    grpo_sel.write(out / "selection_grpo.json")
    data = grpo_dataset(_pick(items, grpo_sel), grpo.prompt_suffix, grpo.system_prompt)
    grpo_train(parent, data, out, grpo, device=req.device)
    stages.append({"stage": "grpo", "selection": _summary(grpo_sel), "config": asdict(grpo)})
    _manifest(out, parent, req, stages)
    return out


__all__ = ["PARADIGMS", "GRPORecipe", "TrainRequest", "library_versions", "run", "training_items"]
