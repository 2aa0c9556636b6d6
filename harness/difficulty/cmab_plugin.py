"""lmms-eval model plugin `harness_cmab`: answers like `harness_vlm`, plus each answer's CMAB statistics.

After generating, one teacher-forced pass over prompt + answer reduces the answer's attention to
image / text masses (`harness.models.attention`); ρ̄ under both definitions (the paper's and
the released code's) travels to the task's `process_results` as a JSON payload after the answer,
so lmms-eval's per-sample log carries it. `split_payload` separates the two again.
"""

from __future__ import annotations

import json
import math
from typing import Any

import torch

from harness.difficulty.cmab import released_layer_index, rho_paper, rho_released
from harness.lmms.plugin import HarnessVLM
from harness.models.attention import answer_attention
from harness.models.families import family_of_path, image_token_id

PAYLOAD_MARKER = "\n<<cmab>>"


def split_payload(response: str) -> tuple[str, dict[str, Any] | None]:
    """(answer, CMAB statistics) of a `harness_cmab` response; statistics None when absent."""
    answer, sep, payload = response.partition(PAYLOAD_MARKER)
    return answer, (json.loads(payload) if sep else None)


def _finite(x: float) -> float | None:
    return None if math.isnan(x) or math.isinf(x) else x


class HarnessCMAB(HarnessVLM):
    """`harness_vlm` whose responses end with a CMAB payload (see `split_payload`)."""

    def __init__(self, *args: Any, attention_strategy: str = "auto", released_layer: int | str | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        # A family whose attention the `rows` strategy does not know runs with eager attention, so
        # that CMAB reads its full attention matrices (harness.models.families).
        pretrained = kwargs.get("pretrained", args[0] if args else "")
        if not kwargs.get("attn_implementation") and family_of_path(pretrained).cmab_strategy == "eager":
            kwargs["attn_implementation"] = "eager"
        super().__init__(*args, **kwargs)
        self.attention_strategy = attention_strategy
        self.image_token_id = image_token_id(self.model.config, self.processor)
        self.released_layer = None if released_layer in (None, "", "None") else int(released_layer)

    def _finish(
        self, inputs: dict[str, torch.Tensor], answers: list[list[int]], until: list[str]
    ) -> list[str]:
        # Statistics cover every generated token, also any after a stop string cut from the text.
        texts = super()._finish(inputs, answers, until)
        stats = answer_attention(
            self.model, inputs, answers, self.tokenizer.pad_token_id, strategy=self.attention_strategy,
            image_token_id=self.image_token_id,
        )  # fmt: skip
        layers = int(self.model.config.get_text_config().num_hidden_layers)
        out = []
        for text, att, answer in zip(texts, stats, answers, strict=True):
            payload = {
                "rho_paper": _finite(rho_paper(att)),
                "rho_released": _finite(rho_released(att, self.released_layer)),
                "released_layer": released_layer_index(layers, self.released_layer),
                "layers": layers,
                "answer_tokens": len(answer),
                "image_tokens": att.n_image,
                "text_tokens": att.n_text,
                "pre_image_text_tokens": att.n_pre_text,
            }
            out.append(text + PAYLOAD_MARKER + json.dumps(payload, sort_keys=True))
        return out
