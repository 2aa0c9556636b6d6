"""Batches of harness_vlm requests are cut per generation settings, in order (fast: no model)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from harness.lmms.plugin import settings_batches


def _req(**gen: Any) -> Any:
    return SimpleNamespace(args=("context", gen, None, 0, "task", "test"))


def test_batches_never_mix_settings_and_keep_the_order() -> None:
    long, short, sampled = (
        {"max_new_tokens": 48},
        {"max_new_tokens": 3},
        {"max_new_tokens": 48, "temperature": 0.7},
    )
    requests = [_req(**long), _req(**short), _req(**long), _req(**sampled), _req(**short), _req(**long)]
    assert settings_batches(requests, list(range(6)), 2) == [[0, 2], [5], [1, 4], [3]]
    assert settings_batches(requests, [1, 2, 5], 8) == [[1], [2, 5]]
    # Key order inside the settings does not make another group.
    assert settings_batches([_req(a=1, b=2), _req(b=2, a=1)], [0, 1], 8) == [[0, 1]]
