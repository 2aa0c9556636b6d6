"""Image-only Qwen2-VL / Qwen2.5-VL / Qwen3-VL processors that load with or without torchvision.

transformers 5.x builds `Qwen2_5_VLProcessor` with a video processor, and the video processor needs
torchvision. On CPU machines torchvision may be missing or broken (docs/architecture.md §9), and nothing in this
harness feeds video. This subclass drops the video processor and uses the PIL image backend; on disk
it is an ordinary `Qwen2_5_VLProcessor` directory, so `AutoProcessor` loads it wherever torchvision
works.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers import AutoTokenizer, Qwen2_5_VLProcessor, Qwen3VLProcessor
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

_QWEN_TOKENS = {
    "image": "<|image_pad|>",
    "video": "<|video_pad|>",
    "vision_start": "<|vision_start|>",
    "vision_end": "<|vision_end|>",
}


def _qwen_tokens(processor: Any, tokenizer: Any, *names: str) -> None:
    """The Qwen processors' token bookkeeping: `<name>_token` and `<name>_token_id` for each name,
    from the tokenizer's own attribute or Qwen's default token."""
    for name in names:
        token = getattr(tokenizer, f"{name}_token", None) or _QWEN_TOKENS[name]
        setattr(processor, f"{name}_token", token)
        setattr(processor, f"{name}_token_id", tokenizer.convert_tokens_to_ids(token))


class ImageOnlyQwen2_5_VLProcessor(Qwen2_5_VLProcessor):
    """`Qwen2_5_VLProcessor` without the video processor (so no torchvision import)."""

    def __init__(
        self,
        image_processor: Any = None,
        tokenizer: Any = None,
        chat_template: str | None = None,
        **kwargs: Any,
    ) -> None:
        # Skip Qwen2_5_VLProcessor.__init__'s signature (it lists video_processor as an attribute);
        # reproduce its token bookkeeping and call ProcessorMixin directly.
        _qwen_tokens(self, tokenizer, "image", "video")
        super(Qwen2_5_VLProcessor, self).__init__(image_processor, tokenizer, chat_template=chat_template)

    def to_dict(self) -> dict[str, Any]:
        # Saved as the standard class so that AutoProcessor (with torchvision) loads the same directory.
        out = super().to_dict()
        out["processor_class"] = "Qwen2_5_VLProcessor"
        out["video_processor"] = _video_processor_dict(out.get("image_processor", {}))
        return out


class ImageOnlyQwen3VLProcessor(Qwen3VLProcessor):
    """`Qwen3VLProcessor` without the video processor (so no torchvision import)."""

    def __init__(
        self,
        image_processor: Any = None,
        tokenizer: Any = None,
        chat_template: str | None = None,
        **kwargs: Any,
    ) -> None:
        # As above, with Qwen3VLProcessor's bookkeeping (it also names the vision start/end tokens).
        _qwen_tokens(self, tokenizer, "image", "video")
        super(Qwen3VLProcessor, self).__init__(image_processor, tokenizer, chat_template=chat_template)
        _qwen_tokens(self, tokenizer, "vision_start", "vision_end")

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["processor_class"] = "Qwen3VLProcessor"
        out["video_processor"] = {
            **_video_processor_dict(out.get("image_processor", {})),
            "video_processor_type": "Qwen3VLVideoProcessor",
        }
        return out


def _video_processor_dict(image: dict[str, Any]) -> dict[str, Any]:
    """The video processor entry a standard Qwen2_5_VLProcessor expects, mirroring the image settings.

    Written as plain data (not built from Qwen2VLVideoProcessor) because that class needs torchvision.
    """
    shared = ("patch_size", "temporal_patch_size", "merge_size", "image_mean", "image_std", "size")
    return {
        **{k: image[k] for k in shared if k in image},
        "do_convert_rgb": True,
        "do_resize": True,
        "do_rescale": True,
        "do_normalize": True,
        "rescale_factor": 1 / 255,
        "resample": 3,
        "do_sample_frames": False,
        "video_processor_type": "Qwen2VLVideoProcessor",
    }


def load_processor(path: str | Path, **image_kwargs: Any) -> ImageOnlyQwen2_5_VLProcessor:
    """Load an image-only processor from a Qwen2-VL or Qwen2.5-VL directory (ours or an official
    checkpoint; the two processors differ only in the class name)."""
    return ImageOnlyQwen2_5_VLProcessor(*_parts(Path(path), image_kwargs))


def load_qwen3_processor(path: str | Path, **image_kwargs: Any) -> ImageOnlyQwen3VLProcessor:
    """Load an image-only processor from a Qwen3-VL directory (ours or an official checkpoint)."""
    return ImageOnlyQwen3VLProcessor(*_parts(Path(path), image_kwargs))


def _parts(path: Path, image_kwargs: dict[str, Any]) -> tuple[Any, Any, str | None]:
    """(PIL image processor, tokenizer, chat template) of a Qwen-VL directory."""
    import json

    tokenizer = AutoTokenizer.from_pretrained(path)
    cfg: dict[str, Any] = {}
    for name in ("preprocessor_config.json", "processor_config.json"):
        f = path / name
        if f.exists():
            data = json.loads(f.read_text())
            cfg.update(data.get("image_processor", data))
    keep = {
        "min_pixels",
        "max_pixels",
        "patch_size",
        "temporal_patch_size",
        "merge_size",
        "image_mean",
        "image_std",
        "size",
    }
    kwargs = {k: v for k, v in cfg.items() if k in keep}
    kwargs.update(image_kwargs)
    image_processor = Qwen2VLImageProcessorPil(**kwargs)
    chat_template = getattr(tokenizer, "chat_template", None)
    template_file = path / "chat_template.jinja"
    if template_file.exists():
        chat_template = template_file.read_text()
    return image_processor, tokenizer, chat_template
