"""Where a generated answer's attention goes: image tokens, other input tokens, text before the image.

`answer_attention` runs one teacher-forced forward pass over prompt + answer and, inside a hook on
every decoder layer's self-attention, reduces the attention rows of the answer positions to three
masses per (layer, answer token), heads averaged:

    image      attention onto image-token positions (the config's image token, checked against
               the processor's: `harness.models.families.image_token_id`)
    text       attention onto every other *input* position (prompt text and template)
    pre_text   attention onto the input positions before the first image token (what the authors'
               released code called "text")

The row that produced answer token j is the position just before it, exactly as in
`generate(output_attentions=True)`, so the two agree (`masses_from_generate` computes the reference).

Two strategies, same numbers:
- `rows` (Qwen2-VL / Qwen2.5-VL / Qwen3-VL attention): the model runs with its own attention kernel (sdpa is
  fine) and the hook recomputes softmax(QKᵀ) for the answer rows only, so the extra memory is
  O(answer × sequence) per layer instead of O(sequence²).
- `eager`: any architecture run with eager attention; the hook reduces the layer's full attention
  matrix and drops it before the next layer runs (at most one layer's matrix alive at a time).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from harness.models.families import config_image_token, family_of

MASSES = ("image", "text", "pre_text")


@dataclass
class AnswerAttention:
    """One answer's attention masses, `masses[layer, token, (image, text, pre_text)]`."""

    masses: np.ndarray
    n_image: int
    n_text: int
    n_pre_text: int


def answer_ids(generated: torch.Tensor, stop: set[int]) -> list[list[int]]:
    """Each row's generated token ids up to (without) its first stop token (end of sequence, pad)."""
    out = []
    for row in generated.tolist():
        ids: list[int] = []
        for tok in row:
            if tok in stop:
                break
            ids.append(tok)
        out.append(ids)
    return out


def decoder_attention_modules(model: torch.nn.Module) -> list[torch.nn.Module]:
    """The language model's self-attention modules, in layer order."""
    layers = None
    for name in ("model.language_model.layers", "model.layers", "language_model.model.layers"):
        obj: Any = model
        try:
            for part in name.split("."):
                obj = getattr(obj, part)
        except AttributeError:
            continue
        layers = obj
        break
    if layers is None:
        raise TypeError(f"{type(model).__name__}: cannot find the decoder layers")
    return [layer.self_attn for layer in layers]


def _teacher_forced_batch(
    inputs: dict[str, torch.Tensor], answers: Sequence[Sequence[int]], pad_id: int
) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """Prompt (pads stripped) + answer per row, left-padded again, and the input-position mask.

    Per-token tensors besides the ids (such as `mm_token_type_ids`) follow the same layout, with 0
    for answer and padding positions; everything else (pixel values, grids) passes unchanged.
    """
    ids, mask = inputs["input_ids"], inputs["attention_mask"].bool()
    per_token = [k for k, v in inputs.items() if k != "attention_mask" and v.shape[:2] == ids.shape]
    lengths = [int(m.sum()) + len(a) for m, a in zip(mask, answers, strict=True)]
    width = max(lengths)
    out = {k: torch.zeros((len(lengths), width), dtype=inputs[k].dtype, device=ids.device) for k in per_token}
    out["input_ids"].fill_(pad_id)
    out["attention_mask"] = torch.zeros((len(lengths), width), dtype=inputs["attention_mask"].dtype)
    is_input = torch.zeros((len(lengths), width), dtype=torch.bool)
    for i, (answer, n) in enumerate(zip(answers, lengths, strict=True)):
        start, n_in = width - n, int(mask[i].sum())
        for k in per_token:
            out[k][i, start : start + n_in] = inputs[k][i][mask[i]]
        out["input_ids"][i, start + n_in :] = torch.tensor(list(answer), dtype=ids.dtype)
        out["attention_mask"][i, start:] = 1
        is_input[i, start : start + n_in] = True
    rest = {k: v for k, v in inputs.items() if k not in out}
    return {**rest, **out}, is_input


def _position_masks(ids: torch.Tensor, is_input: torch.Tensor, image_token_id: int) -> torch.Tensor:
    """(batch, seq, 3) float masks: image, text (non-image input), pre_text (input before the image)."""
    image = (ids == image_token_id) & is_input
    text = is_input & ~image
    seen_image = torch.cumsum(image.int(), dim=1) > 0
    pre_text = text & ~seen_image
    return torch.stack([image, text, pre_text], dim=-1).float()


def _row_probs(module: Any, kwargs: dict[str, Any], rows: slice) -> torch.Tensor:
    """softmax(QKᵀ·scale + mask) for the query positions `rows` only: (batch, heads, rows, seq)."""
    hidden = kwargs["hidden_states"]
    bsz, seq, _ = hidden.shape
    head_dim = module.head_dim
    # Heads counted from the projection: Qwen3's attention modules have no `num_heads`.
    q = module.q_proj(hidden[:, rows])
    q = q.view(bsz, q.shape[1], -1, head_dim).transpose(1, 2)
    k = module.k_proj(hidden).view(bsz, seq, -1, head_dim).transpose(1, 2)
    if hasattr(module, "q_norm"):  # Qwen3-style per-head norms
        q, k = module.q_norm(q), module.k_norm(k)
    cos, sin = kwargs["position_embeddings"]
    lib = sys.modules[type(module).__module__]
    q, _ = lib.apply_rotary_pos_emb(q, q, cos[:, rows], sin[:, rows])
    k, _ = lib.apply_rotary_pos_emb(k, k, cos, sin)
    k = lib.repeat_kv(k, module.num_key_value_groups)
    scores = torch.matmul(q, k.transpose(2, 3)) * module.scaling
    mask = kwargs.get("attention_mask")
    if mask is None:
        positions = torch.arange(seq, device=hidden.device)
        allowed = positions[None, :] <= positions[rows][:, None]
        scores = scores.masked_fill(~allowed, float("-inf"))
    elif mask.dtype == torch.bool:
        scores = scores.masked_fill(~mask[:, :, rows, :seq], float("-inf"))
    else:
        scores = scores + mask[:, :, rows, :seq]
    return torch.softmax(scores, dim=-1, dtype=torch.float32)


def answer_attention(
    model: Any,
    inputs: dict[str, torch.Tensor],
    answers: Sequence[Sequence[int]],
    pad_id: int,
    strategy: str = "auto",
    image_token_id: int | None = None,
) -> list[AnswerAttention]:
    """Attention masses of each row's answer, from one teacher-forced forward pass.

    `inputs` is the processor output for the prompts (left padding allowed); `answers` the generated
    token ids per row, without padding or end-of-sequence tokens; `image_token_id` the image token
    (`harness.models.families.image_token_id`; default: the config's, unchecked). `auto` is the
    family's strategy (`rows` for the Qwen families), or `eager` for a model loaded with eager attention.
    """
    attn_impl = getattr(model.config, "_attn_implementation", None)
    family = family_of(model.config)
    if strategy == "auto":
        strategy = "eager" if attn_impl == "eager" else family.cmab_strategy
    if strategy == "eager" and attn_impl != "eager":
        raise ValueError(
            f"strategy 'eager' needs the model loaded with attn_implementation='eager' "
            f"({model.config.model_type} is loaded with {attn_impl!r})"
        )
    if strategy == "rows" and family.cmab_strategy != "rows":
        raise ValueError(
            f"strategy 'rows' recomputes attention the way the Qwen families compute it; for "
            f"model_type {model.config.model_type!r} load the model with attn_implementation='eager'"
        )
    if strategy not in ("rows", "eager"):
        raise ValueError(f"unknown strategy {strategy!r}; use 'rows', 'eager' or 'auto'")
    if image_token_id is None:
        image_token_id = config_image_token(model.config)
    if image_token_id is None:
        raise ValueError(
            f"model_type {model.config.model_type!r}: the config names no image token; pass image_token_id"
        )
    batch, is_input = _teacher_forced_batch(inputs, answers, pad_id)
    ids = batch["input_ids"]
    pos = _position_masks(ids, is_input, image_token_id)
    width, longest = ids.shape[1], max((len(a) for a in answers), default=0)
    # Rows that produced the answers: the position before each answer token.
    rows = slice(width - longest - 1, width - 1)
    per_layer: list[torch.Tensor] = []

    def reduce(probs: torch.Tensor) -> None:
        # Heads averaged, then summed over the positions of each kind: (batch, rows, 3).
        per_layer.append(torch.einsum("brs,bsm->brm", probs.mean(dim=1), pos))

    def rows_hook(module: torch.nn.Module, args: Any, kwargs: dict[str, Any], output: Any) -> None:
        with torch.no_grad():
            reduce(_row_probs(module, kwargs, rows))

    def eager_hook(module: torch.nn.Module, args: Any, kwargs: dict[str, Any], output: Any) -> Any:
        reduce(output[1][:, :, rows].float())
        return (output[0], None, *output[2:])  # free this layer's matrix before the next layer

    hook = rows_hook if strategy == "rows" else eager_hook
    handles = [m.register_forward_hook(hook, with_kwargs=True) for m in decoder_attention_modules(model)]
    try:
        if longest:
            with torch.inference_mode():
                model(**batch, use_cache=False)
    finally:
        for h in handles:
            h.remove()
    stacked = torch.stack(per_layer, dim=1).cpu().numpy() if per_layer else None  # (batch, L, rows, 3)
    out = []
    for i, answer in enumerate(answers):
        n = len(answer)
        masses = stacked[i, :, longest - n :] if stacked is not None and n else np.zeros((0, 0, 3))
        counts = pos[i].sum(dim=0).int().tolist()
        out.append(AnswerAttention(np.asarray(masses, dtype=np.float64), *counts))
    return out


def masses_from_generate(
    attentions: Sequence[Sequence[torch.Tensor]],
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    answer_lengths: Sequence[int],
    image_token_id: int,
) -> list[AnswerAttention]:
    """The same masses from `generate(output_attentions=True, return_dict_in_generate=True)`: the
    reference the hook path is tested and benchmarked against (it keeps every layer's attention)."""
    width = input_ids.shape[1]
    pos = _position_masks(input_ids, attention_mask.bool(), image_token_id)
    out = []
    for i, n in enumerate(answer_lengths):
        steps = []
        # Keys a row can see: the input, then the answer so far (no image or text positions there).
        seen = torch.cat([pos[i], torch.zeros((max(n, 1), 3), dtype=pos.dtype)])
        for step in range(n):
            total = width + step
            # A sliding-window layer's cache (Gemma 3) keeps only the last keys: align them right.
            rows = [layer[i, :, -1, :].float().mean(dim=0) for layer in attentions[step]]
            steps.append(
                torch.stack([row[-total:] @ seen[max(total - row.shape[0], 0) : total] for row in rows])
            )
        masses = torch.stack(steps, dim=1).numpy() if steps else np.zeros((0, 0, 3))
        counts = pos[i].sum(dim=0).int().tolist()
        out.append(AnswerAttention(np.asarray(masses, dtype=np.float64), *counts))
    return out
