"""Embedded models: built locally on first use, cached under the data root."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from harness.models.tiny import TinyVLMConfig, build_tiny_vlm
from harness.paths import data_root


def _build_tiny_random(out: Path) -> Path:
    return build_tiny_vlm(out, TinyVLMConfig(seed=0))


EMBEDDED_MODELS: dict[str, Callable[[Path], Path]] = {
    # Random weights: exercises every code path, solves nothing.
    "tiny-random": _build_tiny_random,
}
DEFAULT_MODEL = "tiny-random"


def ensure_embedded_model(name: str, root: Path | None = None) -> Path:
    """Path of an embedded model, building it if absent (a half-built directory is rebuilt)."""
    out = (root or data_root()) / "models" / name
    if (out / "model.safetensors").exists() and (out / "processor_config.json").exists():
        return out
    tmp = out.with_name(out.name + ".building")
    EMBEDDED_MODELS[name](tmp)
    if out.exists():
        import shutil

        shutil.rmtree(out)
    tmp.rename(out)
    return out
