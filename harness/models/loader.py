"""One loader for every vision-language model directory the harness touches (tiny or real).

Loads the model and its family's processor (`harness.models.families`: image-only for the Qwen
families, so they work whether or not torchvision imports), refusing an unsupported directory with a
message naming its model type before any weights are read.
Also computes the model identity recorded with every result: resolved path plus a hash of the
weight files, so two runs on "the same path" with different weights never look comparable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch
from transformers import AutoConfig, AutoModelForImageTextToText, PreTrainedModel

from harness.models.families import family_of_path


@dataclass(frozen=True)
class ModelIdentity:
    """What answered: a path (or hub id) and, for local directories, a hash of its weights."""

    name: str
    path: str
    weights_hash: str | None

    def as_record_fields(self) -> dict[str, str | None]:
        return {"model": self.name, "checkpoint": self.path, "weights_hash": self.weights_hash}


def weights_hash(path: str | Path) -> str | None:
    """sha256 over the model's weight files (sorted by name); None for non-local models."""
    p = Path(path)
    if not p.is_dir():
        return None
    files = sorted([*p.glob("*.safetensors"), *p.glob("*.bin")])
    if not files:
        return None
    # Keyed by each file's size and modification time: a training stage hashes its base before it
    # trains and again for the manifest after, and a 7B checkpoint is 16 GB of reading each time.
    return _hash_files(tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files))


@lru_cache(maxsize=64)
def _hash_files(files: tuple[tuple[str, int, int], ...]) -> str:
    h = hashlib.sha256()
    for name, _, _ in files:
        h.update(Path(name).name.encode())
        with open(name, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()[:16]


def model_identity(path: str | Path, name: str | None = None) -> ModelIdentity:
    p = Path(path)
    resolved = str(p.resolve()) if p.exists() else str(path)
    return ModelIdentity(name=name or p.name or str(path), path=resolved, weights_hash=weights_hash(p))


def load_model(
    path: str | Path,
    device: str | torch.device | None = "cpu",
    dtype: torch.dtype | str = "auto",
    attn_implementation: str | None = None,
) -> PreTrainedModel:
    """Load a vision-language model (eval mode) onto `device`; None leaves it where loading put it
    (for a trainer, which places it, or shards it under DeepSpeed ZeRO-3, itself)."""
    kwargs: dict[str, Any] = {"dtype": dtype}
    if attn_implementation:
        kwargs["attn_implementation"] = attn_implementation
    model: PreTrainedModel = AutoModelForImageTextToText.from_pretrained(str(path), **kwargs)
    if device is not None:
        model.to(device)  # type: ignore[arg-type]  # transformers' overloads of .to confuse mypy
    return model.eval()


def config_dtype(path: str | Path) -> torch.dtype | None:
    """The dtype a checkpoint's config declares its weights in (None when it declares none)."""
    config = AutoConfig.from_pretrained(str(path))
    text = getattr(config, "text_config", None) or config
    dtype = getattr(config, "dtype", None) or getattr(text, "dtype", None)
    if isinstance(dtype, str):
        return getattr(torch, dtype.removeprefix("torch."), None)
    return dtype if isinstance(dtype, torch.dtype) else None


def load_model_and_processor(
    path: str | Path,
    device: str | torch.device | None = "cpu",
    dtype: torch.dtype | str = "auto",
    attn_implementation: str | None = None,
    **image_kwargs: Any,
) -> tuple[PreTrainedModel, Any]:
    """The model (eval mode) and its processor; `UnsupportedModel` (a ValueError naming the model
    type) for a directory no family covers."""
    family = family_of_path(path)
    processor = family.load_processor(Path(path), image_kwargs)
    return load_model(path, device, dtype, attn_implementation), processor
