"""Difficulty-aware evaluation harness for multimodal post-training.

The stages of a study are functions of `harness.api`, re-exported here (`harness.evaluate(...)`,
`harness.EvaluateConfig(...)`). They load on first use, so `import harness.core.records` (or an
lmms-eval task importing a scorer) does not pay for the whole API.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.api import *  # noqa: F403

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    api = importlib.import_module("harness.api")
    if name in api.__all__:
        return getattr(api, name)
    raise AttributeError(f"module 'harness' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *importlib.import_module("harness.api").__all__])
