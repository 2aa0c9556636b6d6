"""Embedded models: `tiny-base` ships with the package; `tiny-random` is built locally on first use."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from harness.core.paths import PACKAGE_DIR, data_root
from harness.models.tiny import TinyVLMConfig, build_tiny_vlm

# SFT-trained on the synthetic `pretrain` suite; regenerate byte for byte with
#   python -m harness.training.base_model --out harness/synth/assets/tiny-base --seed 0
SHIPPED_BASE = PACKAGE_DIR / "synth" / "assets" / "tiny-base"


def _build_tiny_random(out: Path) -> Path:
    return build_tiny_vlm(out, TinyVLMConfig(seed=0))


EMBEDDED_MODELS: dict[str, Callable[[Path], Path] | None] = {
    # The base model of the embedded study: has learnt the synthetic suite, mid-range accuracy.
    "tiny-base": None,
    # Random weights: exercises every code path, solves nothing.
    "tiny-random": _build_tiny_random,
}


def ensure_embedded_model(name: str, root: Path | None = None) -> Path:
    """Path of an embedded model, building it if needed (a half-built directory is rebuilt)."""
    builder = EMBEDDED_MODELS[name]
    if builder is None:
        if not (SHIPPED_BASE / "model.safetensors").exists():
            raise FileNotFoundError(
                f"shipped model missing at {SHIPPED_BASE}; regenerate it with "
                "`python -m harness.training.base_model --out harness/synth/assets/tiny-base`"
            )
        return SHIPPED_BASE
    out = (root or data_root()) / "models" / name
    if (out / "model.safetensors").exists() and (out / "processor_config.json").exists():
        return out
    tmp = out.with_name(out.name + ".building")
    builder(tmp)
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    return out
