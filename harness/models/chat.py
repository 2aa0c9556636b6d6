"""The conversation a prompt becomes, the same for every engine and for training: an optional
system message, then one user turn with an image part per image (images first, in order) and the
prompt's text. Evaluation, PISM and CMAB send it (harness.lmms.plugin); SFT and GRPO train on it
(harness.training.data), so a checkpoint is trained on the prompts it is scored and evaluated on.
"""

from __future__ import annotations

from typing import Any


def chat_messages(text: str, n_images: int, system_prompt: str | None = None) -> list[dict[str, Any]]:
    """`text` is a task's prompt (its doc_to_text); lmms-eval's `<image>` markers are dropped, the
    images being placed as parts."""
    content: list[dict[str, Any]] = [{"type": "image"} for _ in range(n_images)]
    content.append({"type": "text", "text": text.replace("<image>", "").strip()})
    messages: list[dict[str, Any]] = []
    if system_prompt:
        # As parts, like the user turn: a `datasets` column of messages needs one type of content
        # (training), and every family's chat template renders it as the plain string.
        messages.append({"role": "system", "content": [{"type": "text", "text": system_prompt}]})
    messages.append({"role": "user", "content": content})
    return messages
