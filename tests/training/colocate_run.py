"""One short GRPO run with vLLM colocate rollouts, run by tests/training/test_vllm_colocate.py in the
vLLM environment (vLLM pins transformers < 5.20, so TRL and vLLM share a process only there).

argv: OUT PRESET [stale]. The reward is a hash of the completion's text, so every group of rollouts
has reward variance and every step moves the weights (the accuracy reward of a random model is 0 for
a whole group: no gradient, and a weight sync nobody could tell from none). "stale" turns the
repaired CPU weight sync off, to show that the test notices rollouts from old weights.
"""

from __future__ import annotations

import sys
import zlib
from pathlib import Path
from typing import Any

from harness import api
from harness.api import TrainConfig
from harness.training import rewards, vllm_rollouts


def text_hash(completions: list[Any], **_: Any) -> list[float]:
    texts = [c if isinstance(c, str) else c[-1]["content"] for c in completions]
    return [zlib.crc32(str(t).encode()) % 7 / 6 for t in texts]


if __name__ == "__main__":
    out, preset = Path(sys.argv[1]), sys.argv[2]
    rewards.REWARD_FUNCS["text_hash"] = text_hash
    if sys.argv[3:] == ["stale"]:
        vllm_rollouts._reload_sync = lambda gen: lambda: None
    api.train(TrainConfig(paradigm="grpo_only", out=out, preset=preset, use_vllm=True, device="cpu"))
