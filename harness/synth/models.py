"""Embedded models: `tiny-base` ships with the package; `tiny-random` is built locally on first use."""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Callable
from pathlib import Path

from harness.core.paths import PACKAGE_DIR, data_root
from harness.models.tiny import TINY_FAMILIES, TinyVLMConfig, build_tiny_vlm
from harness.models.tiny_generic import GENERIC_TINY_FAMILIES, build_tiny_generic

# SFT-trained on the synthetic `pretrain` suite; regenerate byte for byte with
#   python -m harness.training.base_model --out harness/synth/assets/tiny-base --seed 0
SHIPPED_BASE = PACKAGE_DIR / "synth" / "assets" / "tiny-base"


def _build_tiny_random(out: Path) -> Path:
    return build_tiny_vlm(out, TinyVLMConfig(seed=0))


def _tiny_random_of(family: str) -> Callable[[Path], Path]:
    def build(out: Path) -> Path:
        if family == "gemma3":
            # Gemma scales its embeddings by sqrt(hidden): at tiny-random's wide 0.2 every answer
            # is newlines (entropy ~0.001); at Qwen's own 0.02 answers vary with input and seed.
            return build_tiny_generic(out, family, TinyVLMConfig(seed=0, initializer_range=0.02))
        if family in GENERIC_TINY_FAMILIES:
            return build_tiny_generic(out, family, TinyVLMConfig(seed=0))
        return build_tiny_vlm(out, TinyVLMConfig(seed=0), family=family)

    return build


EMBEDDED_MODELS: dict[str, Callable[[Path], Path] | None] = {
    # The base model of the embedded study: has learnt the synthetic suite, mid-range accuracy.
    "tiny-base": None,
    # Random weights: exercises every code path, solves nothing.
    "tiny-random": _build_tiny_random,
    # The same, one per first-class family (harness.models.families) and two generic ones, each
    # from its family's own config.
    **{
        f"tiny-random-{family}": _tiny_random_of(family)
        for family in (*TINY_FAMILIES, *GENERIC_TINY_FAMILIES)
    },
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
    if _built(out):
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    # Processes that want the same model at once (test workers, data-parallel ranks) wait for the
    # first one's build rather than write into the same folder.
    with (out.parent / f".{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _built(out):
            return out
        tmp = out.with_name(out.name + ".building")
        shutil.rmtree(tmp, ignore_errors=True)
        builder(tmp)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    return out


def _built(out: Path) -> bool:
    return (out / "model.safetensors").exists() and (out / "processor_config.json").exists()
