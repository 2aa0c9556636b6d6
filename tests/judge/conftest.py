"""Fixtures for judge tests: a scriptable OpenAI-compatible server (tests/judge/server.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.judge.server import FakeChatServer


@pytest.fixture
def chat_server() -> Iterator[FakeChatServer]:
    """A fresh server per test; it stalls 1.5 s on "timeout" (tests use a 0.5 s client timeout)."""
    with FakeChatServer(stall_s=1.5) as server:
        yield server
