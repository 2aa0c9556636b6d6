"""GRPO rollouts from vLLM inside the training process (TRL's `vllm_mode="colocate"`), repaired.

Two faults of the pinned TRL (1.16) with vLLM (0.32), both found by running one colocate GRPO step of
the embedded Qwen2.5-VL (tests/training/test_vllm_colocate.py):

1. **Image tokens expanded twice.** TRL sends vLLM the prompt as token ids from the HF processor,
   where each image is already a run of N image tokens, together with the raw images. vLLM's
   multimodal processor always expands an image's placeholder itself (it replaces the first image
   token with its own N), so the model generated from 2N - 1 image tokens, N - 1 of them embedded as
   text. The rollouts then come from another prompt than the one the trainer scores them under: on
   the embedded model TRL's own `sampling/sampling_logp_difference/mean` was 1.74 nats per token
   (≈ 0 when both see the same prompt), and importance weights near 0. Fix: each run of image
   tokens goes to vLLM as one token, and the prompt vLLM expanded must equal the trainer's, token
   for token (else the two processors disagree on an image's size, and the run stops).
2. **Weight sync on CPU.** vLLM's CPU backend repacks each linear layer's weight for oneDNN and drops
   the original, so TRL's per-parameter `model.load_weights` fails ("'Parameter' object has no
   attribute 'weight_loader'"). On CPU the weights go through vLLM's own in-place
   `reload_weights`, which restores the layout, loads and repacks. GPUs keep TRL's path.

Server mode (`trl vllm-serve`) is untouched: TRL 1.16 sends the server images alone and places
the returned features at the trainer's own image tokens, so fault 1 does not arise there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from trl import GRPOTrainer


def collapse_image_runs(ids: Sequence[int], image_token: int) -> list[int]:
    """`ids` with each run of consecutive `image_token`s reduced to one (a placeholder per image)."""
    out: list[int] = []
    for token in ids:
        if not (token == image_token and out and out[-1] == image_token):
            out.append(token)
    return out


def _checked_generate(generate: Callable[..., tuple], image_token: int) -> Callable[..., tuple]:
    def wrapped(prompts: list[list[int]], images: Any, num_generations: int, profiler: Any = None) -> tuple:
        if images is None:
            return generate(prompts, images, num_generations, profiler)
        sent = [collapse_image_runs(p, image_token) for p in prompts]
        prompt_ids, *rest = generate(sent, images, num_generations, profiler)
        for i, (ours, theirs) in enumerate(zip(prompts, prompt_ids, strict=True)):
            if list(ours) != list(theirs):
                raise RuntimeError(
                    f"vLLM rollouts: prompt {i} of the batch has {list(theirs).count(image_token)} image tokens "
                    f"after vLLM's processor and {list(ours).count(image_token)} after the trainer's; "
                    "their image sizes (min_pixels/max_pixels) must agree"
                )
        return (prompts, *rest)

    return wrapped


def _reload_sync(vllm_generation: Any) -> Callable[[], None]:
    def sync_weights() -> None:
        # TRL's own iterator: it gathers ZeRO-3 shards and names parameters as vLLM's loader expects.
        weights = list(vllm_generation._iter_named_params())
        vllm_generation.llm.collective_rpc(
            "reload_weights", kwargs={"weights_iterator": weights, "is_checkpoint_format": True}
        )
        vllm_generation.llm.reset_prefix_cache()

    return sync_weights


def repair_colocate(trainer: GRPOTrainer, image_token: int) -> None:
    """Apply both fixes to a GRPOTrainer built with `use_vllm=True, vllm_mode="colocate"`."""
    gen = getattr(trainer, "vllm_generation", None)
    if gen is None or gen.mode != "colocate":
        return
    from vllm.platforms import current_platform

    # On the instance, not the class: only this trainer's rollouts are changed.
    gen.generate = _checked_generate(gen.generate, image_token)
    if current_platform.is_cpu():
        gen.sync_weights = _reload_sync(gen)


__all__ = ["collapse_image_runs", "repair_colocate"]
