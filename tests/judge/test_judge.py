"""The LLM judge against a real local HTTP server speaking OpenAI's chat-completions protocol."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from harness.judge import Judge, JudgeConfig, JudgeError, judge_from_env
from harness.judge.cache import ReplyCache
from tests.judge.server import FakeChatServer, Messages

SECRET = "sk-test-S3CRET-value-0123456789"
REPO = Path(__file__).resolve().parents[2]


def make_judge(base_url: str, **kwargs: Any) -> Judge:
    """Small timeout and backoff so failure paths stay fast."""
    settings: dict[str, Any] = {"timeout_s": 0.5, "retries": 2, "backoff_s": 0.01}
    settings.update(kwargs)
    return Judge(JudgeConfig(base_url=base_url, model="judge-m", **settings))


def parse_score(text: str) -> float:
    value = float(text.strip())  # ValueError for anything that is not a number
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"score {value} outside [0, 1]")
    return value


def user(text: str) -> Messages:
    return [{"role": "system", "content": "Grade 0 to 1."}, {"role": "user", "content": text}]


def last_user(messages: Messages) -> str:
    return messages[-1]["content"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---- normal replies and the cache -----------------------------------------------------------------


def test_normal_reply_sends_openai_request(chat_server: FakeChatServer) -> None:
    chat_server.reply = last_user
    with make_judge(chat_server.base_url) as judge:
        assert judge.ask(user("0.7"), parse_score) == 0.7
        assert judge.stats.as_dict() == {"requests": 1, "cache_hits": 0, "failed_attempts": 0, "failures": 0}
    (request,) = chat_server.requests
    assert request.path == "/v1/chat/completions"
    assert request.body is not None
    assert request.body["model"] == "judge-m"
    assert request.body["messages"] == user("0.7")
    assert request.body["temperature"] == 0.0
    assert request.body["max_tokens"] == 256


def test_second_identical_ask_is_a_cache_hit(chat_server: FakeChatServer) -> None:
    chat_server.reply = last_user
    with make_judge(chat_server.base_url) as judge:
        assert judge.ask(user("1"), parse_score) == 1.0
        assert judge.ask(user("1"), parse_score) == 1.0
        assert judge.stats.requests == 1 and judge.stats.cache_hits == 1
    assert len(chat_server.requests) == 1


def test_cache_persists_across_instances_and_ignores_the_url(
    chat_server: FakeChatServer, tmp_path: Path
) -> None:
    chat_server.reply = last_user
    cache = tmp_path / "sub" / "judge.sqlite"
    with make_judge(chat_server.base_url, cache_path=cache) as judge:
        assert judge.ask(user("0.25"), parse_score) == 0.25
    # Same model and request, served elsewhere (here: nowhere): answered from the file.
    with make_judge(f"http://127.0.0.1:{free_port()}/v1", cache_path=cache) as judge:
        assert judge.ask(user("0.25"), parse_score) == 0.25
        assert judge.stats.cache_hits == 1 and judge.stats.requests == 0
    assert len(chat_server.requests) == 1


def test_different_requests_are_different_keys(chat_server: FakeChatServer, tmp_path: Path) -> None:
    chat_server.reply = last_user
    cache = tmp_path / "judge.sqlite"
    with make_judge(chat_server.base_url, cache_path=cache) as judge:
        assert judge.ask(user("0.1"), parse_score) == 0.1
        assert judge.ask(user("0.2"), parse_score) == 0.2
    with make_judge(chat_server.base_url, cache_path=cache, max_tokens=8) as judge:
        assert judge.ask(user("0.1"), parse_score) == 0.1
    with make_judge(chat_server.base_url, cache_path=cache, temperature=0.5) as judge:
        assert judge.ask(user("0.1"), parse_score) == 0.1
    assert len(chat_server.requests) == 4


def test_cached_reply_that_no_longer_parses_is_asked_again(chat_server: FakeChatServer) -> None:
    chat_server.reply = lambda messages: "yes"
    with make_judge(chat_server.base_url) as judge:
        assert judge.ask(user("q"), str.upper) == "YES"
        assert judge.ask(user("q"), lambda text: text == "yes" or _raise()) is True  # parses: a hit
        chat_server.reply = lambda messages: "0.5"
        assert judge.ask(user("q"), parse_score) == 0.5  # "yes" is not a score: asked again
        assert judge.ask(user("q"), parse_score) == 0.5  # and the new reply replaced it
    assert len(chat_server.requests) == 2


def _raise() -> bool:
    raise ValueError("no")


# ---- retries and failures ---------------------------------------------------------------------------


def test_timeout_then_success(chat_server: FakeChatServer) -> None:
    chat_server.reply = last_user
    chat_server.enqueue("timeout")
    with make_judge(chat_server.base_url) as judge:
        assert judge.ask(user("0.5"), parse_score) == 0.5
        assert judge.stats.requests == 2 and judge.stats.failed_attempts == 1 and judge.stats.failures == 0


def test_all_attempts_time_out(chat_server: FakeChatServer) -> None:
    chat_server.reply = last_user
    chat_server.enqueue("timeout", "timeout", "timeout")
    with make_judge(chat_server.base_url) as judge:
        start = time.monotonic()
        with pytest.raises(JudgeError) as info:
            judge.ask(user("0.5"), parse_score)
        assert time.monotonic() - start < 3.0
        message = str(info.value)
        assert message.startswith(f"judge at {chat_server.base_url} (model judge-m): timed out")
        assert message.endswith("after 3 attempts")
        assert judge.stats.failures == 1 and judge.stats.failed_attempts == 3
        # Nothing was cached: the same ask goes to the server again.
        assert judge.ask(user("0.5"), parse_score) == 0.5
    assert len(chat_server.requests) == 4


FAILURES = [
    ("500", "HTTP 500"),
    ("503", "HTTP 503"),
    ("429", "HTTP 429"),
    ("garbage", "reply body is not JSON: '<html>this is not json'"),
    ("garbage_json", "malformed JSON reply body"),
    ("empty_choices", "reply has no choices"),
    ('body:{"object": "error"}', "reply has no choices"),
    (
        'body:{"choices": [{"index": 0, "message": {"role": "assistant", "content": null}}]}',
        "reply has no message content",
    ),
    ("content:banana", "unparseable reply 'banana'"),
]


@pytest.mark.parametrize(("behaviour", "cause"), FAILURES, ids=[f[0][:16] for f in FAILURES])
def test_every_attempt_failing_raises_naming_the_cause(
    chat_server: FakeChatServer, behaviour: str, cause: str
) -> None:
    chat_server.reply = last_user
    chat_server.enqueue(behaviour, behaviour, behaviour)
    with make_judge(chat_server.base_url) as judge:
        with pytest.raises(JudgeError, match="after 3 attempts") as info:
            judge.ask(user("0.9"), parse_score)
        assert f"judge at {chat_server.base_url} (model judge-m): {cause}" in str(info.value)
        assert len(chat_server.requests) == 3
        assert judge.stats.failures == 1
        assert judge.ask(user("0.9"), parse_score) == 0.9  # not cached: asked again


@pytest.mark.parametrize("behaviour", [f[0] for f in FAILURES], ids=[f[0][:16] for f in FAILURES])
def test_one_failure_is_retried(chat_server: FakeChatServer, behaviour: str) -> None:
    chat_server.reply = last_user
    chat_server.enqueue(behaviour)
    with make_judge(chat_server.base_url) as judge:
        assert judge.ask(user("0.9"), parse_score) == 0.9
    assert len(chat_server.requests) == 2


@pytest.mark.parametrize("status", ["400", "401", "404"])
def test_client_errors_are_not_retried(chat_server: FakeChatServer, status: str) -> None:
    chat_server.enqueue(status)
    with make_judge(chat_server.base_url) as judge, pytest.raises(JudgeError) as info:
        judge.ask(user("0.9"), parse_score)
    assert f"HTTP {status}" in str(info.value) and str(info.value).endswith("after 1 attempt")
    assert len(chat_server.requests) == 1


def test_unparseable_content_is_retried_and_not_cached(chat_server: FakeChatServer, tmp_path: Path) -> None:
    chat_server.reply = lambda messages: "banana"
    cache = tmp_path / "judge.sqlite"
    with make_judge(chat_server.base_url, cache_path=cache) as judge:
        with pytest.raises(JudgeError) as info:
            judge.ask(user("q"), parse_score)
        assert str(info.value).startswith(
            f"judge at {chat_server.base_url} (model judge-m): unparseable reply 'banana'"
        )
        assert str(info.value).endswith("after 3 attempts")
    assert len(chat_server.requests) == 3
    assert len(ReplyCache(cache)) == 0
    chat_server.reply = lambda messages: "0.3"
    with make_judge(chat_server.base_url, cache_path=cache) as judge:
        assert judge.ask(user("q"), parse_score) == 0.3
    assert len(chat_server.requests) == 4


def test_connection_refused_fails_quickly() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    with make_judge(url, timeout_s=5.0) as judge:
        start = time.monotonic()
        with pytest.raises(JudgeError, match=r"connection failed .* after 3 attempts"):
            judge.ask(user("q"), parse_score)
        assert time.monotonic() - start < 2.0
        assert judge.stats.requests == 3 and judge.stats.failures == 1


def test_retries_zero_means_one_attempt(chat_server: FakeChatServer) -> None:
    chat_server.enqueue("500")
    with (
        make_judge(chat_server.base_url, retries=0) as judge,
        pytest.raises(JudgeError, match=r"after 1 attempt$"),
    ):
        judge.ask(user("0.9"), parse_score)
    assert len(chat_server.requests) == 1


# ---- secrets and identity ---------------------------------------------------------------------------


def test_api_key_is_sent_but_never_stored_or_shown(
    chat_server: FakeChatServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_JUDGE_API_KEY", SECRET)
    # A reply that echoes the key, then fails to parse: the error quotes the reply.
    chat_server.reply = lambda messages: f"my key is {SECRET}" if last_user(messages) == "echo" else "0.4"
    cache = tmp_path / "cache" / "judge.sqlite"
    with make_judge(chat_server.base_url, cache_path=cache) as judge:
        assert judge.ask(user("x"), parse_score) == 0.4
        with pytest.raises(JudgeError) as info:
            judge.ask(user("echo"), parse_score)
        identity = judge.identity
        monkeypatch.setenv("HARNESS_JUDGE_API_KEY", "sk-rotated")  # read at call time
        assert judge.ask(user("y"), parse_score) == 0.4
    assert chat_server.requests[0].headers["authorization"] == f"Bearer {SECRET}"
    assert chat_server.requests[-1].headers["authorization"] == "Bearer sk-rotated"
    assert SECRET not in identity
    assert SECRET not in str(info.value) and "***" in str(info.value)
    for path in cache.parent.iterdir():  # the database and any -wal / -shm files
        assert SECRET.encode() not in path.read_bytes(), path


def test_missing_key_is_sent_as_empty(chat_server: FakeChatServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARNESS_JUDGE_API_KEY", raising=False)
    with make_judge(chat_server.base_url) as judge:
        judge.ask(user("q"), str)
    assert chat_server.requests[0].headers["authorization"] == "Bearer EMPTY"


def test_identity_strips_credentials_from_the_url() -> None:
    config = JudgeConfig(base_url="http://alice:pa55word@127.0.0.1:8000/v1", model="Qwen/Qwen2.5-72B")
    assert config.identity() == {
        "model": "Qwen/Qwen2.5-72B",
        "base_url": "http://127.0.0.1:8000/v1",
        "temperature": 0.0,
        "max_tokens": 256,
    }
    judge = Judge(config)
    assert judge.identity == (
        '{"base_url":"http://127.0.0.1:8000/v1","max_tokens":256,"model":"Qwen/Qwen2.5-72B","temperature":0.0}'
    )
    judge.close()


def test_error_text_strips_credentials_from_the_url() -> None:
    url = f"http://alice:pa55word@127.0.0.1:{free_port()}/v1"
    with make_judge(url, retries=0) as judge, pytest.raises(JudgeError) as info:
        judge.ask(user("q"), str)
    assert "pa55word" not in str(info.value) and "alice" not in str(info.value)


@pytest.mark.parametrize(
    "bad",
    [{"base_url": "127.0.0.1:8000"}, {"model": ""}, {"retries": -1}, {"timeout_s": 0}, {"max_tokens": 0}],
)
def test_config_rejects_nonsense(bad: dict[str, Any]) -> None:
    settings: dict[str, Any] = {"base_url": "http://127.0.0.1:8000/v1", "model": "m", **bad}
    with pytest.raises(ValueError):
        JudgeConfig(**settings)


# ---- configuration from the environment -------------------------------------------------------------


def test_judge_from_env_both_set(tmp_path: Path) -> None:
    env = {
        "HARNESS_JUDGE_URL": "http://127.0.0.1:8000/v1",
        "HARNESS_JUDGE_MODEL": "judge-m",
        "HARNESS_JUDGE_CACHE": str(tmp_path / "j.sqlite"),
    }
    judge = judge_from_env(env)
    assert judge is not None
    assert judge.config.base_url == "http://127.0.0.1:8000/v1" and judge.config.model == "judge-m"
    assert judge.config.cache_path == tmp_path / "j.sqlite"
    judge.close()


def test_judge_from_env_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HARNESS_JUDGE_URL", "HARNESS_JUDGE_MODEL", "HARNESS_JUDGE_CACHE"):
        monkeypatch.delenv(name, raising=False)
    assert judge_from_env() is None
    monkeypatch.setenv("HARNESS_JUDGE_URL", "http://127.0.0.1:8000/v1")
    monkeypatch.setenv("HARNESS_JUDGE_MODEL", "judge-m")
    judge = judge_from_env()
    assert judge is not None and judge.config.cache_path is None
    judge.close()


def test_judge_from_env_neither_set() -> None:
    assert judge_from_env({}) is None
    assert judge_from_env({"HARNESS_JUDGE_URL": "", "HARNESS_JUDGE_MODEL": " "}) is None


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"HARNESS_JUDGE_URL": "http://127.0.0.1:8000/v1"}, "HARNESS_JUDGE_MODEL is not"),
        ({"HARNESS_JUDGE_MODEL": "judge-m"}, "HARNESS_JUDGE_URL is not"),
    ],
)
def test_judge_from_env_one_without_the_other(env: dict[str, str], missing: str) -> None:
    with pytest.raises(ValueError, match=missing):
        judge_from_env(env)


# ---- packaging and the cache file -------------------------------------------------------------------


def test_importing_the_package_does_not_load_openai() -> None:
    code = "import sys, harness.judge; assert 'openai' not in sys.modules, 'openai imported eagerly'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


_WRITER = """
import sys
from pathlib import Path
from harness.judge.cache import ReplyCache
cache = ReplyCache(Path(sys.argv[1]))
for i in range(200):
    cache.put(f"{sys.argv[2]}-{i}", "reply " * 20)
cache.close()
"""


def test_cache_files_opened_at_the_same_moment(tmp_path: Path) -> None:
    # Two connections switching one new file to WAL at once: without a retry sqlite refuses one at
    # once ("database is locked", no busy wait), in about 1 trial in 10 here; 200 trials.
    failures: list[BaseException] = []

    def open_and_put(path: Path, barrier: threading.Barrier, name: str) -> None:
        barrier.wait()
        try:
            cache = ReplyCache(path)
            cache.put(name, "reply")
            cache.close()
        except BaseException as err:
            failures.append(err)

    for trial in range(200):
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=open_and_put, args=(tmp_path / f"{trial}.sqlite", barrier, name))
            for name in ("a", "b")
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []
    assert all(len(ReplyCache(p)) == 2 for p in tmp_path.glob("*.sqlite"))


def test_cache_file_shared_by_processes(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), name], cwd=REPO)
        for name in ("a", "b", "c")
    ]
    assert [w.wait(timeout=60) for w in writers] == [0, 0, 0]
    cache = ReplyCache(path)
    assert len(cache) == 600
    assert cache.get("b-199") == "reply " * 20
    cache.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_memory_cache_when_no_path() -> None:
    cache = ReplyCache(None)
    assert cache.get("k") is None
    cache.put("k", "v")
    assert cache.get("k") == "v" and len(cache) == 1
    cache.close()


def test_identity_is_valid_json() -> None:
    judge = Judge(JudgeConfig(base_url="http://127.0.0.1:8000/v1", model="m", temperature=0.2))
    assert json.loads(judge.identity)["temperature"] == 0.2
    judge.close()


def test_local_judge_ignores_proxy_variables(
    chat_server: FakeChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{free_port()}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with make_judge(chat_server.base_url, retries=0) as judge:
        assert judge.ask(user("q"), str) == "ok"
    assert len(chat_server.requests) == 1


def test_a_dead_judge_is_given_up_after_several_failed_items(chat_server: FakeChatServer) -> None:
    judge = Judge(
        JudgeConfig(base_url=chat_server.base_url, model="m", retries=1, backoff_s=0.0, give_up_after=2)
    )
    chat_server.enqueue("500", "500", "500", "500")
    for i in range(2):
        with pytest.raises(JudgeError, match="500"):
            judge.ask([{"role": "user", "content": f"q{i}"}], str)
    sent = len(chat_server.requests)
    with pytest.raises(JudgeError, match="given up after 2 failed items"):
        judge.ask([{"role": "user", "content": "q3"}], str)
    assert len(chat_server.requests) == sent  # failed at once, nothing sent


def test_one_judge_serves_several_threads(tmp_path: Path) -> None:
    """lmms-eval scores documents from worker threads; the judge and its cache are shared."""
    from concurrent.futures import ThreadPoolExecutor

    server = FakeChatServer(lambda messages: messages[-1]["content"].upper()).start()
    judge = Judge(JudgeConfig(base_url=server.base_url, model="m", cache_path=tmp_path / "c.sqlite"))
    asks = [[{"role": "user", "content": f"q{i % 5}"}] for i in range(20)]
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda m: judge.ask(m, str), asks))
    server.stop()
    assert replies == [f"Q{i % 5}" for i in range(20)]


# ---- Retry-After and the request timeout ------------------------------------------------------------


@pytest.mark.parametrize("status", ["429", "503"])
def test_retry_after_seconds_is_honoured(chat_server: FakeChatServer, status: str) -> None:
    chat_server.reply = last_user
    chat_server.enqueue(f"{status} retry-after=1")
    with make_judge(chat_server.base_url, backoff_s=0.01) as judge:
        assert judge.ask(user("0.6"), parse_score) == 0.6
    first, second = chat_server.requests
    assert 0.9 <= second.at - first.at < 2.5  # the server's 1 s, not the 0.01 s backoff


def _record_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the judge asks for between attempts, without waiting them."""
    sleeps: list[float] = []
    monkeypatch.setattr("harness.judge.client.time.sleep", sleeps.append)
    return sleeps


@pytest.mark.parametrize(
    ("behaviour", "backoff_s", "expected"),
    [
        ("429 retry-after=3600", 0.01, 60.0),  # capped: a server must not park a run for an hour
        ("503 retry-after=0", 0.3, 0.3),  # never below the backoff
        ("429 retry-after=0.2", 0.01, 0.2),
        ("429 retry-after=soon", 0.3, 0.3),  # unreadable: the backoff
        ("500 retry-after=5", 0.3, 0.3),  # only 429 and 503 are asked to wait
    ],
)
def test_retry_after_is_capped_and_floored_by_the_backoff(
    chat_server: FakeChatServer,
    monkeypatch: pytest.MonkeyPatch,
    behaviour: str,
    backoff_s: float,
    expected: float,
) -> None:
    sleeps = _record_sleeps(monkeypatch)
    chat_server.enqueue(behaviour)
    with make_judge(chat_server.base_url, backoff_s=backoff_s) as judge:
        assert judge.ask(user("q"), str) == "ok"
    assert sleeps == [pytest.approx(expected)]


def test_retry_after_http_date(chat_server: FakeChatServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from email.utils import formatdate

    sleeps = _record_sleeps(monkeypatch)
    chat_server.enqueue(
        f"429 retry-after={formatdate(time.time() + 30, usegmt=True)}",
        "503 retry-after=" + formatdate(0, usegmt=True),
    )
    with make_judge(chat_server.base_url, backoff_s=0.01) as judge:
        assert judge.ask(user("q"), str) == "ok"
    assert len(sleeps) == 2
    assert 25.0 <= sleeps[0] <= 30.0  # HTTP dates have whole seconds
    assert sleeps[1] == pytest.approx(0.02)  # a date in the past: the backoff (second attempt: 2x)


def test_timeout_from_the_environment_stops_a_hung_judge_quickly() -> None:
    env = {"HARNESS_JUDGE_URL": "", "HARNESS_JUDGE_MODEL": "judge-m", "HARNESS_JUDGE_TIMEOUT": "0.5"}
    with FakeChatServer(stall_s=30.0) as server:  # hung: answers only when stopped
        server.enqueue(*["timeout"] * 4)
        judge = judge_from_env({**env, "HARNESS_JUDGE_URL": server.base_url})
        assert judge is not None and judge.config.timeout_s == 0.5
        start = time.monotonic()
        with judge, pytest.raises(JudgeError, match=r"timed out \(timeout 0.5s\) after 4 attempts"):
            judge.ask(user("q"), str)
        assert time.monotonic() - start < 8.0  # 4 x 0.5 s timeouts + 0.5 + 1 + 2 s backoff


def test_timeout_defaults_to_60s() -> None:
    env = {"HARNESS_JUDGE_URL": "http://127.0.0.1:8000/v1", "HARNESS_JUDGE_MODEL": "judge-m"}
    for extra in ({}, {"HARNESS_JUDGE_TIMEOUT": " "}):
        judge = judge_from_env({**env, **extra})
        assert judge is not None and judge.config.timeout_s == 60.0
        judge.close()


@pytest.mark.parametrize("value", ["abc", "0", "-2", "nan", "inf", "30s"])
def test_timeout_from_the_environment_is_validated(value: str) -> None:
    env = {
        "HARNESS_JUDGE_URL": "http://127.0.0.1:8000/v1",
        "HARNESS_JUDGE_MODEL": "judge-m",
        "HARNESS_JUDGE_TIMEOUT": value,
    }
    with pytest.raises(ValueError, match=f"HARNESS_JUDGE_TIMEOUT.*{value!r}"):
        judge_from_env(env)
