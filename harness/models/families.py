"""Model families: what every stage of the harness needs from a vision-language architecture.

A `Family` says how to load a directory's processor (image-only for the Qwen families, so no
torchvision is needed), how CMAB reads its decoder attention (`rows`: the family's attention is
known well enough to recompute the answer rows; `eager`: the model runs with eager attention and the
full matrices are reduced layer by layer), where its vision encoder is, and which model types it
covers. Which input positions are image tokens comes from the config's image token, checked against
the processor's (`image_token_id`), never from a hard-coded id.

First-class families are tested stage by stage on tiny models built from their real configs
(`harness.models.tiny`); any other `AutoModelForImageTextToText` architecture goes through the
generic family, whose processor is `AutoProcessor` and whose CMAB strategy is `eager`. Architectures
whose images never enter the decoder sequence as tokens are refused with the reason, before any
generation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transformers import AutoConfig, PretrainedConfig
from transformers.models.auto.modeling_auto import MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES


class UnsupportedModel(ValueError):
    """A model directory the harness cannot run; the message names its model type and why."""


def _qwen2_processor(path: Path, image_kwargs: dict[str, Any]) -> Any:
    from harness.models.processor import load_processor

    return load_processor(path, **image_kwargs)


def _qwen3_processor(path: Path, image_kwargs: dict[str, Any]) -> Any:
    from harness.models.processor import load_qwen3_processor

    return load_qwen3_processor(path, **image_kwargs)


def _auto_processor(path: Path, image_kwargs: dict[str, Any]) -> Any:
    from transformers import AutoProcessor

    if image_kwargs:
        raise UnsupportedModel(
            f"{path}: min_pixels / max_pixels are Qwen image-processor settings; "
            "set this family's image size in its preprocessor_config.json"
        )
    return AutoProcessor.from_pretrained(str(path))


@dataclass(frozen=True)
class Family:
    """One model family as the harness uses it."""

    name: str
    model_types: tuple[str, ...]
    load_processor: Callable[[Path, dict[str, Any]], Any]
    cmab_strategy: str  # what CMAB's `auto` strategy uses: "rows" or "eager"
    # Parameter-name prefixes of the vision encoder, and of the parts inside it that project into
    # the language model (trained with it when the encoder is frozen or slowed down).
    tower: tuple[str, ...] = ("model.vision_tower.", "model.vision_model.", "model.visual.")
    projector: tuple[str, ...] = ()

    def vision_tower_parameters(self, model: Any) -> list[tuple[str, Any]]:
        """(name, parameter) of the vision encoder's own blocks and patch embedding, projector excluded."""
        names = [name for name, _ in model.named_parameters()]
        prefix = next((p for p in self.tower if any(n.startswith(p) for n in names)), None)
        if prefix is None:
            raise UnsupportedModel(f"{type(model).__name__}: no vision encoder under {self.tower}")
        return [(n, p) for n, p in model.named_parameters()
                if n.startswith(prefix) and not n.startswith(self.projector)]  # fmt: skip


# Qwen2-VL and Qwen2.5-VL: one processor, the vision encoder under `visual` with its merger inside.
_QWEN2_VISION: dict[str, Any] = {"tower": ("model.visual.",), "projector": ("model.visual.merger.",)}
FAMILIES: tuple[Family, ...] = (
    Family("qwen2_vl", ("qwen2_vl",), _qwen2_processor, "rows", **_QWEN2_VISION),
    Family("qwen2_5_vl", ("qwen2_5_vl",), _qwen2_processor, "rows", **_QWEN2_VISION),
    Family(
        "qwen3_vl",
        ("qwen3_vl", "qwen3_vl_moe"),
        _qwen3_processor,
        "rows",
        tower=("model.visual.",),
        projector=("model.visual.merger.", "model.visual.deepstack_merger_list."),
    ),
)
GENERIC = Family("generic", (), _auto_processor, "eager")

# Image-text-to-text architectures whose images do not enter the decoder as tokens of the input
# sequence: CMAB's image/text split of an answer's attention, and the chat prompts with image
# placeholders every stage builds, have nothing to stand on.
REFUSED: dict[str, str] = {
    "mllama": "images enter through cross-attention layers, not as tokens in the decoder sequence",
    "blip-2": "images enter as learned query embeddings with no image token in the sequence",
    "instructblip": "images enter as learned query embeddings with no image token in the sequence",
    "pix2struct": "an encoder-decoder whose decoder never sees image tokens",
    "florence2": "an encoder-decoder whose decoder never sees image tokens",
    "kosmos-2": "images enter as latent query embeddings, not as the processor's image tokens",
}


def family_of(config: PretrainedConfig) -> Family:
    """The family of a model config; `UnsupportedModel` naming the model type when there is none."""
    model_type = str(getattr(config, "model_type", ""))
    if model_type in REFUSED:
        raise UnsupportedModel(f"model_type {model_type!r} is not supported: {REFUSED[model_type]}")
    for family in FAMILIES:
        if model_type in family.model_types:
            return family
    if model_type not in MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES:
        raise UnsupportedModel(
            f"model_type {model_type!r} is not an image-text-to-text model "
            "(transformers has no AutoModelForImageTextToText class for it)"
        )
    return GENERIC


def family_of_path(path: str | Path) -> Family:
    """The family of a model directory (or hub id), read from its config alone."""
    try:
        config = AutoConfig.from_pretrained(str(path))
    except ValueError as err:  # an unknown model_type: transformers' own message names it
        raise UnsupportedModel(f"{path}: {err}") from err
    try:
        return family_of(config)
    except UnsupportedModel as err:
        raise UnsupportedModel(f"{path}: {err}") from None


def config_image_token(config: PretrainedConfig) -> int | None:
    """The image token id a model config names (`image_token_id`, or LLaVA-style `image_token_index`)."""
    for name in ("image_token_id", "image_token_index"):
        if getattr(config, name, None) is not None:
            return int(getattr(config, name))
    return None


def image_token_id(config: PretrainedConfig, processor: Any) -> int:
    """The id of the token whose positions carry image features in the decoder sequence.

    The config's id is what the model itself replaces with image features, so it decides; the
    processor must expand images into that token (its `image_token_id`, or its tokenizer's where
    the processor's names the image's opening token instead, as Gemma 3's does), else the two
    disagree about where the image is and the model is refused.
    """
    tokenizer = getattr(processor, "tokenizer", processor)
    from_config = config_image_token(config)
    candidates = {int(t) for t in (getattr(processor, "image_token_id", None),
                                   getattr(tokenizer, "image_token_id", None)) if t is not None}  # fmt: skip
    if from_config is None and not candidates:
        raise UnsupportedModel(
            f"model_type {config.model_type!r}: neither its processor nor its config names an image "
            "token, so no input position can be told to be an image"
        )
    if from_config is None:
        if len(candidates) > 1:
            raise UnsupportedModel(f"model_type {config.model_type!r}: the config names no image token "
                                   f"and the processor names several {sorted(candidates)}")  # fmt: skip
        return candidates.pop()
    if candidates and from_config not in candidates:
        raise UnsupportedModel(
            f"model_type {config.model_type!r}: the config's image token id {from_config} is not the "
            f"processor's ({sorted(candidates)})"
        )
    return from_config
