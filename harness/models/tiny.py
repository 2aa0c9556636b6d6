"""Tiny vision-language models built offline: config, a locally trained tokenizer, a processor.

Nothing here touches the Hugging Face hub. Each family's model starts from transformers' own config
class for it, whose defaults are the real family's published configuration (Qwen2-VL-7B,
Qwen2.5-VL-7B, Qwen3-VL), with only the sizes scaled down; the tokenizer carries the family's
special tokens in Qwen's order and the chat template its scaffolding. The result is a standard
Hugging Face directory (config, safetensors weights, tokenizer, processor, chat template), so every
tool that takes such a path (lmms-eval, TRL, vLLM, our loader) takes it too. Built deterministically
from a seed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import (
    AutoModelForImageTextToText,
    GenerationConfig,
    PretrainedConfig,
    Qwen2_5_VLConfig,
    Qwen2Tokenizer,
    Qwen2VLConfig,
    Qwen3VLConfig,
    Qwen3VLMoeConfig,
)
from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

from harness.models.processor import ImageOnlyQwen2_5_VLProcessor, ImageOnlyQwen3VLProcessor

# Qwen2-VL's special tokens, in Qwen's order, so ids mean the same roles as in the real model.
SPECIAL_TOKENS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
]

# The Qwen-VL chat turns: images as vision_start/image_pad/vision_end, then the text.
_QWEN_TURNS = (
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content %}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'text' %}{{ content['text'] }}{% endif %}"
    "{% endfor %}<|im_end|>\n{% endif %}"
)
_GENERATION_PROMPT = "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"

# The Qwen2-VL chat template: a system turn by default.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "{% endif %}" + _QWEN_TURNS + "{% endfor %}" + _GENERATION_PROMPT
)

# Qwen3-VL's template, for what the harness sends (text and image parts; no tools, no video): the
# same turns without Qwen2's default system turn.
QWEN3_CHAT_TEMPLATE = "{% for message in messages %}" + _QWEN_TURNS + "{% endfor %}" + _GENERATION_PROMPT

# What `build_tiny_vlm(family=...)` builds.
TINY_FAMILIES = ("qwen2_5_vl", "qwen2_vl", "qwen3_vl", "qwen3_vl_moe")

# Text the tokenizer always learns, whatever corpus it is given: chat scaffolding and answer format.
BASE_CORPUS = [
    "system\nYou are a helpful assistant.",
    "user\n",
    "assistant\n",
    "<think>Look at the image.</think><answer>A</answer>",
    "<think> </think> <answer> </answer>",
    "Answer with the option's letter from the given choices directly.",
    "Answer the question using a single word or phrase.",
    "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 A B C D E yes no",
]


@dataclass(frozen=True)
class TinyVLMConfig:
    """Sizes of the tiny model. Defaults keep the weights at a few MB and CPU steps fast."""

    vocab_size: int = 1024
    hidden_size: int = 128
    intermediate_size: int = 384
    num_hidden_layers: int = 4
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    # mrope_section must sum to head_dim / 2 (head_dim = hidden_size / num_attention_heads).
    mrope_section: tuple[int, int, int] = (4, 6, 6)
    vision_depth: int = 2
    vision_hidden_size: int = 64
    vision_intermediate_size: int = 128
    vision_num_heads: int = 2
    patch_size: int = 14
    # Image budget in pixels: 112x112 images become 8x8 patches, 16 merged image tokens.
    min_pixels: int = 56 * 56
    max_pixels: int = 112 * 112
    max_position_embeddings: int = 2048
    # Wider than Qwen's 0.02 so that an untrained model's greedy output depends on its input
    # (at 0.02 it emits the same newline for everything, which makes record comparisons vacuous).
    initializer_range: float = 0.2
    seed: int = 0
    extra_corpus: tuple[str, ...] = field(default=())

    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads


def byte_level_bpe(corpus: Iterable[str], vocab_size: int, special_tokens: list[str]) -> Tokenizer:
    """A byte-level BPE tokenizer trained on `corpus`, with `special_tokens` first, in order."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=special_tokens,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(list(corpus), trainer=trainer)
    return tok


def train_tokenizer(corpus: Iterable[str], vocab_size: int) -> Qwen2Tokenizer:
    """Byte-level BPE trained on `corpus`, wrapped as a Qwen2 tokenizer with Qwen's special tokens."""
    tok = byte_level_bpe(corpus, vocab_size, SPECIAL_TOKENS)
    wrapped = Qwen2Tokenizer(
        tokenizer_object=tok,
        unk_token=None,  # type: ignore[arg-type]  # byte-level BPE never needs one
        bos_token=None,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=SPECIAL_TOKENS[1:],
        clean_up_tokenization_spaces=False,
    )
    wrapped.chat_template = CHAT_TEMPLATE
    wrapped.padding_side = "left"
    return wrapped


def build_tiny_vlm(
    out_dir: str | Path,
    config: TinyVLMConfig | None = None,
    corpus: Iterable[str] = (),
    family: str = "qwen2_5_vl",
) -> Path:
    """Build, initialise (seeded) and save a tiny model of `family` (TINY_FAMILIES) with its
    tokenizer and processor."""
    cfg = config or TinyVLMConfig()
    if family not in TINY_FAMILIES:
        raise ValueError(f"no tiny model for family {family!r}; choose from {TINY_FAMILIES}")
    if sum(cfg.mrope_section) * 2 != cfg.head_dim():
        raise ValueError(f"mrope_section {cfg.mrope_section} must sum to head_dim/2 = {cfg.head_dim() // 2}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    tokenizer = train_tokenizer([*BASE_CORPUS, *cfg.extra_corpus, *corpus], cfg.vocab_size)
    ids: dict[str, int] = {t: int(tokenizer.convert_tokens_to_ids(t)) for t in SPECIAL_TOKENS}  # type: ignore[arg-type]
    model_config = _model_config(family, cfg, ids, len(tokenizer))
    torch.manual_seed(cfg.seed)
    model = AutoModelForImageTextToText.from_config(model_config).eval()
    model.generation_config = GenerationConfig(
        bos_token_id=ids["<|endoftext|>"],
        eos_token_id=ids["<|im_end|>"],
        pad_token_id=ids["<|endoftext|>"],
        do_sample=False,
        max_new_tokens=64,
    )
    model.save_pretrained(out)

    # Qwen3-VL normalises pixels with mean = std = 0.5 where Qwen2/2.5-VL use CLIP's statistics.
    norm: dict[str, Any] = (
        {"image_mean": [0.5] * 3, "image_std": [0.5] * 3} if family.startswith("qwen3_vl") else {}
    )
    image_processor = Qwen2VLImageProcessorPil(
        min_pixels=cfg.min_pixels, max_pixels=cfg.max_pixels, patch_size=_patch_size(family, cfg), **norm
    )
    if family.startswith("qwen3_vl"):
        processor: Any = ImageOnlyQwen3VLProcessor(
            image_processor, tokenizer, chat_template=QWEN3_CHAT_TEMPLATE
        )
    else:
        processor = ImageOnlyQwen2_5_VLProcessor(image_processor, tokenizer, chat_template=CHAT_TEMPLATE)
    processor.save_pretrained(out)
    if family == "qwen2_vl":  # the same processor under Qwen2-VL's class name
        proc_file = out / "processor_config.json"
        proc_file.write_text(proc_file.read_text().replace('"Qwen2_5_VLProcessor"', '"Qwen2VLProcessor"'))
    write_tiny_config(out, cfg, family)
    return out


def write_tiny_config(out: Path, cfg: TinyVLMConfig, family: str) -> None:
    """`tiny_config.json`: the sizes a tiny model was built with, and its family (left out for
    Qwen2.5-VL, so the embedded models' files stay byte for byte what they were)."""
    meta = asdict(cfg) if family == "qwen2_5_vl" else {**asdict(cfg), "family": family}
    (out / "tiny_config.json").write_text(_json(meta))


def _patch_size(family: str, cfg: TinyVLMConfig) -> int:
    # Qwen3-VL's vision tower has 16-pixel patches where Qwen2/2.5-VL's have 14.
    return 16 if family.startswith("qwen3_vl") else cfg.patch_size


def text_sizes(cfg: TinyVLMConfig, vocab: int) -> dict[str, Any]:
    """The language model's sizes, shared by every tiny family's text config."""
    return {
        "vocab_size": vocab,
        "hidden_size": cfg.hidden_size,
        "intermediate_size": cfg.intermediate_size,
        "num_hidden_layers": cfg.num_hidden_layers,
        "num_attention_heads": cfg.num_attention_heads,
        "num_key_value_heads": cfg.num_key_value_heads,
        "max_position_embeddings": cfg.max_position_embeddings,
        "tie_word_embeddings": True,
        "initializer_range": cfg.initializer_range,
    }


def _model_config(family: str, cfg: TinyVLMConfig, ids: dict[str, int], vocab: int) -> PretrainedConfig:
    """The family's own config class (its defaults: the real model's configuration), scaled down."""
    text: dict[str, Any] = {
        **text_sizes(cfg, vocab),
        "rope_parameters": {
            "rope_type": "default",
            "rope_theta": 10000.0,
            "mrope_section": list(cfg.mrope_section),
        },
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|im_end|>"],
        "pad_token_id": ids["<|endoftext|>"],
    }
    vision: dict[str, Any] = {
        "depth": cfg.vision_depth,
        "num_heads": cfg.vision_num_heads,
        "patch_size": _patch_size(family, cfg),
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
        "initializer_range": cfg.initializer_range,
    }
    tokens: dict[str, Any] = {
        "image_token_id": ids["<|image_pad|>"],
        "video_token_id": ids["<|video_pad|>"],
        "vision_start_token_id": ids["<|vision_start|>"],
        "vision_end_token_id": ids["<|vision_end|>"],
        "tie_word_embeddings": True,
    }
    if family == "qwen2_5_vl":
        vision.update(hidden_size=cfg.vision_hidden_size, intermediate_size=cfg.vision_intermediate_size,
                      out_hidden_size=cfg.hidden_size, window_size=cfg.patch_size * 8,
                      fullatt_block_indexes=[cfg.vision_depth - 1])  # fmt: skip
        return Qwen2_5_VLConfig(text_config=text, vision_config=vision, **tokens,
                                initializer_range=cfg.initializer_range)  # type: ignore[call-arg]  # fmt: skip
    if family == "qwen2_vl":
        vision.update(embed_dim=cfg.vision_hidden_size, hidden_size=cfg.hidden_size,
                      mlp_ratio=cfg.vision_intermediate_size // cfg.vision_hidden_size)  # fmt: skip
        return Qwen2VLConfig(text_config=text, vision_config=vision, **tokens)
    if family.startswith("qwen3_vl"):
        # Qwen3 attention: explicit head_dim, per-head q/k norms; interleaved multimodal RoPE.
        text.update(head_dim=cfg.head_dim())
        text["rope_parameters"].update(mrope_interleaved=True)
        vision.update(hidden_size=cfg.vision_hidden_size, intermediate_size=cfg.vision_intermediate_size,
                      out_hidden_size=cfg.hidden_size, num_position_embeddings=64,  # an 8 x 8 grid
                      deepstack_visual_indexes=[0])  # fmt: skip
        if family == "qwen3_vl_moe":
            # Every decoder MLP a mixture of 4 experts, 2 per token (the real one: 128 and 8).
            text.update(
                num_experts=4, num_experts_per_tok=2, moe_intermediate_size=cfg.intermediate_size // 2
            )
            return Qwen3VLMoeConfig(text_config=text, vision_config=vision, **tokens)
        return Qwen3VLConfig(text_config=text, vision_config=vision, **tokens)
    raise ValueError(f"no tiny model for family {family!r}; choose from {TINY_FAMILIES}")


def _json(obj: object) -> str:
    import json

    return json.dumps(obj, indent=2, sort_keys=True) + "\n"
