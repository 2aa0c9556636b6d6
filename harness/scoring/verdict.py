"""What a benchmark scorer returns, and what it may ask of an LLM judge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

T = TypeVar("T")

# How a score was decided. "none" means the item is unscored (score None) and `note` says why.
METHODS = ("rule", "rule_approx", "judge", "none")


@dataclass(frozen=True)
class Verdict:
    """One scored response. `score` is None when the item could not be scored (never a default
    verdict); `parsed` is what was read from the response (None: nothing could be read)."""

    score: float | None
    parsed: str | None
    method: str = "rule"
    note: str | None = None


class JudgeError(RuntimeError):
    """The judge could not give a usable verdict (unreachable, timed out, or unparseable replies
    after every retry). The message says which, so the record can say why the item is unscored.
    Defined here, beside the protocol that raises it, so scorers can name it without the client."""


class JudgeLike(Protocol):
    """An LLM judge as scorers see it: `ask` sends chat messages and returns `parse(reply)`, raising
    JudgeError when no parseable reply could be had."""

    @property
    def identity(self) -> str: ...

    def ask(self, messages: list[dict[str, str]], parse: Callable[[str], T]) -> T: ...
