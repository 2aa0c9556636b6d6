"""Tiny models of two families the harness runs through its generic adapter: LLaVA and Gemma 3.

Like `harness.models.tiny`, each starts from transformers' own config classes for the family (their
defaults: the published LLaVA-1.5 / Gemma 3 configurations) with only the sizes scaled down, a
byte-level BPE tokenizer trained offline that carries the family's special tokens, its processor
class and a chat template with its scaffolding. Gemma 3 keeps what makes it different: sliding-window
layers interleaved with full-attention ones (the window is smaller than a prompt, so it bites),
image tokens framed by <start_of_image> / <end_of_image>, and a pooled image projection.

Both are standard Hugging Face directories loaded by `AutoProcessor` (these processors need
torchvision, which the harness environment has).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from transformers import (
    AutoModelForImageTextToText,
    CLIPImageProcessor,
    CLIPVisionConfig,
    Gemma3Config,
    Gemma3ImageProcessor,
    Gemma3Processor,
    Gemma3TextConfig,
    GenerationConfig,
    LlamaConfig,
    LlavaConfig,
    LlavaProcessor,
    PreTrainedTokenizerFast,
    SiglipVisionConfig,
)

from harness.models.tiny import BASE_CORPUS, TinyVLMConfig, byte_level_bpe, text_sizes, write_tiny_config

GENERIC_TINY_FAMILIES = ("llava", "gemma3")
IMAGE_SIDE = 32  # pixels; 8-pixel patches: a 4 x 4 grid

# LLaVA-1.5's template (llava-hf): "USER: <image>\n{text} ASSISTANT:", images before the text.
LLAVA_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] != 'system' %}{{ message['role'].upper() + ': ' }}{% endif %}"
    "{% if message['content'] is string %}{{ message['content'] + ' ' }}{% else %}"
    "{% for content in message['content'] %}{% if content['type'] == 'image' %}{{ '<image>\n' }}{% endif %}{% endfor %}"
    "{% for content in message['content'] %}{% if content['type'] == 'text' %}{{ content['text'] + ' ' }}{% endif %}{% endfor %}"
    "{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}"
)

# Gemma 3's template for what the harness sends (text and image parts, no system turn).
GEMMA3_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% set role = 'model' if message['role'] == 'assistant' else message['role'] %}"
    "<start_of_turn>{{ role }}\n"
    "{% if message['content'] is string %}{{ message['content'] | trim }}{% else %}"
    "{% for item in message['content'] %}"
    "{% if item['type'] == 'image' %}<start_of_image>{% elif item['type'] == 'text' %}{{ item['text'] | trim }}{% endif %}"
    "{% endfor %}{% endif %}<end_of_turn>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)

_SPECIAL = {
    "llava": ["<unk>", "<s>", "</s>", "<pad>", "<image>"],
    "gemma3": ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>", "<start_of_image>",
               "<end_of_image>", "<image_soft_token>"],
}  # fmt: skip


def _tokenizer(family: str, corpus: Iterable[str], vocab_size: int) -> PreTrainedTokenizerFast:
    tok = byte_level_bpe(corpus, vocab_size, _SPECIAL[family])
    if family == "llava":
        names: dict[str, Any] = {"unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>",
                                 "extra_special_tokens": {"image_token": "<image>"}}  # fmt: skip
        template = LLAVA_CHAT_TEMPLATE
    else:
        names = {"unk_token": "<unk>", "bos_token": "<bos>", "eos_token": "<end_of_turn>", "pad_token": "<pad>",
                 "extra_special_tokens": {"image_token": "<image_soft_token>", "boi_token": "<start_of_image>",
                                          "eoi_token": "<end_of_image>"}}  # fmt: skip
        template = GEMMA3_CHAT_TEMPLATE
    wrapped = PreTrainedTokenizerFast(tokenizer_object=tok, clean_up_tokenization_spaces=False, **names)
    wrapped.chat_template = template
    wrapped.padding_side = "left"
    return wrapped


def build_tiny_generic(
    out_dir: str | Path, family: str, config: TinyVLMConfig | None = None, corpus: Iterable[str] = ()
) -> Path:
    """Build, initialise (seeded) and save a tiny model of `family` (GENERIC_TINY_FAMILIES)."""
    if family not in GENERIC_TINY_FAMILIES:
        raise ValueError(f"no tiny generic model for family {family!r}; choose from {GENERIC_TINY_FAMILIES}")
    cfg = config or TinyVLMConfig()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = _tokenizer(family, [*BASE_CORPUS, *cfg.extra_corpus, *corpus], cfg.vocab_size)
    ids = {t: int(tokenizer.convert_tokens_to_ids(t)) for t in _SPECIAL[family]}  # type: ignore[arg-type]
    text = text_sizes(cfg, len(tokenizer))
    vision: dict[str, Any] = {
        "hidden_size": cfg.vision_hidden_size,
        "intermediate_size": cfg.vision_intermediate_size,
        "num_hidden_layers": cfg.vision_depth,
        "num_attention_heads": cfg.vision_num_heads,
        "image_size": IMAGE_SIDE,
        "patch_size": 8,
    }
    processor: Any
    image_processor: Any
    if family == "llava":
        eos, pad = ids["</s>"], ids["<pad>"]
        model_config: Any = LlavaConfig(
            vision_config=CLIPVisionConfig(**vision, projection_dim=cfg.vision_hidden_size),
            text_config=LlamaConfig(**text, bos_token_id=ids["<s>"], eos_token_id=eos, pad_token_id=pad),
            image_token_index=ids["<image>"],
            image_seq_length=(IMAGE_SIDE // 8) ** 2,
            tie_word_embeddings=True,
        )
        image_processor = CLIPImageProcessor(
            size={"shortest_edge": IMAGE_SIDE}, crop_size={"height": IMAGE_SIDE, "width": IMAGE_SIDE}
        )
        processor = LlavaProcessor(image_processor, tokenizer, patch_size=8, vision_feature_select_strategy="default",
                                   num_additional_image_tokens=1, chat_template=LLAVA_CHAT_TEMPLATE)  # fmt: skip
    else:
        eos, pad = ids["<end_of_turn>"], ids["<pad>"]
        tokens_per_image = 4  # the 4 x 4 patch grid average-pooled to 2 x 2
        model_config = Gemma3Config(
            text_config=Gemma3TextConfig(
                **text, head_dim=cfg.head_dim(), query_pre_attn_scalar=cfg.head_dim(), sliding_window=8,
                layer_types=["sliding_attention", "full_attention"] * (cfg.num_hidden_layers // 2),
                bos_token_id=ids["<bos>"], eos_token_id=eos, pad_token_id=pad,
            ),
            vision_config=SiglipVisionConfig(**vision),
            mm_tokens_per_image=tokens_per_image,
            boi_token_index=ids["<start_of_image>"],
            eoi_token_index=ids["<end_of_image>"],
            image_token_index=ids["<image_soft_token>"],
            tie_word_embeddings=True,
        )  # fmt: skip
        image_processor = Gemma3ImageProcessor(
            size={"height": IMAGE_SIDE, "width": IMAGE_SIDE}, image_mean=[0.5] * 3, image_std=[0.5] * 3
        )
        processor = Gemma3Processor(image_processor, tokenizer, chat_template=GEMMA3_CHAT_TEMPLATE,
                                    image_seq_length=tokens_per_image)  # fmt: skip
    torch.manual_seed(cfg.seed)
    model = AutoModelForImageTextToText.from_config(model_config).eval()
    model.generation_config = GenerationConfig(
        eos_token_id=eos, pad_token_id=pad, do_sample=False, max_new_tokens=64
    )
    model.save_pretrained(out)
    processor.save_pretrained(out)
    write_tiny_config(out, cfg, family)
    return out
