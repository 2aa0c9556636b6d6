"""An LLM judge over an OpenAI-compatible chat-completions endpoint (in practice a local vLLM).

Scorers that need a model's opinion (MM-Vet's 0–1 grading, MathVista's answer extraction) call
`Judge.ask(messages, parse)`. What this module guarantees, and why:

- Every verdict is reproducible and cheap to recompute: replies that parsed are cached by a hash of
  (model, temperature, max_tokens, messages), so a re-score asks the judge only for what is new.
  Replies that did not parse are never cached, so a later re-score retries them.
- Failures are explicit: the official `openai` client runs with max_retries=0 and this class does
  its own retries (exponential backoff), treating transport errors, timeouts, HTTP errors, bodies
  that are not a chat completion, and replies `parse` rejects (ValueError) alike. An overloaded
  server's 429/503 `Retry-After` is honoured (capped), since retrying sooner only fails again, and
  the per-request timeout is configurable (HARNESS_JUDGE_TIMEOUT) so a hung judge is given up on
  in seconds rather than minutes. When every
  attempt fails it raises JudgeError naming the endpoint, the model and the last cause, so the
  record can say why the item is unscored.
- The API key is a secret: it is read from an environment variable at call time, sent only as the
  Bearer header, and kept out of the identity, the cache, log lines and exception text.

`openai` is imported on first use, not at import time: scorers import this package to name
JudgeError, and most runs never talk to a judge.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from harness.judge.cache import ReplyCache, request_key
from harness.scoring.verdict import JudgeError

if TYPE_CHECKING:
    from harness.scoring.verdict import JudgeLike

log = logging.getLogger(__name__)

T = TypeVar("T")

# vLLM accepts any key unless started with --api-key; "EMPTY" is its documented placeholder.
_NO_KEY = "EMPTY"
# The longest wait between two attempts, whatever the base delay and attempt number.
_MAX_BACKOFF_S = 30.0
# HTTP statuses worth retrying; any other 4xx is the request's fault and would fail again.
_RETRYABLE_4XX = frozenset({408, 409, 429})
# Statuses whose Retry-After header says when the server will take requests again (RFC 9110).
_RETRY_AFTER_STATUSES = frozenset({429, 503})
# The longest Retry-After obeyed: a misconfigured server must not park a run for hours.
_MAX_RETRY_AFTER_S = 60.0
# The per-request timeout unless the config (or HARNESS_JUDGE_TIMEOUT) says otherwise.
_DEFAULT_TIMEOUT_S = 60.0


def strip_userinfo(url: str) -> str:
    """`url` without any user:password@ (identities and messages must not carry credentials)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    return f"{scheme}://{netloc.rpartition('@')[2]}{slash}{path}"


@dataclass(frozen=True)
class JudgeConfig:
    """Where the judge is and how it is asked. `timeout_s` bounds each HTTP request. `retries`
    counts attempts after the first; attempt i+1 waits `backoff_s * 2**i` seconds (at most 30)
    after attempt i fails, or longer when a 429/503 carries Retry-After (at most 60)."""

    base_url: str  # e.g. "http://127.0.0.1:8000/v1"
    model: str
    api_key_env: str = "HARNESS_JUDGE_API_KEY"
    temperature: float = 0.0
    max_tokens: int = 256
    timeout_s: float = _DEFAULT_TIMEOUT_S
    retries: int = 3
    backoff_s: float = 0.5
    cache_path: Path | None = None
    # After this many asks in a row end in JudgeError, further asks that the cache cannot answer
    # fail at once: a dead judge must not cost every remaining item its full retries and timeouts.
    give_up_after: int = 5

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(
                f"judge base_url must start with http:// or https://: {strip_userinfo(self.base_url)!r}"
            )
        if not self.model:
            raise ValueError("judge model must be a non-empty name")
        bad_timeout = not (math.isfinite(self.timeout_s) and self.timeout_s > 0)
        if self.max_tokens <= 0 or bad_timeout or self.retries < 0 or self.backoff_s < 0:
            raise ValueError(
                f"judge needs max_tokens > 0, timeout_s > 0, retries >= 0, backoff_s >= 0 "
                f"(got {self.max_tokens}, {self.timeout_s}, {self.retries}, {self.backoff_s})"
            )

    def identity(self) -> dict[str, Any]:
        """What decides the verdicts, stored with every judged record: never the key or password."""
        return {
            "model": self.model,
            "base_url": strip_userinfo(self.base_url),
            "temperature": float(self.temperature),
            "max_tokens": self.max_tokens,
        }

    def api_key(self) -> str:
        """The key as the environment has it now (so a rotated key takes effect without a restart)."""
        return os.environ.get(self.api_key_env) or _NO_KEY


@dataclass
class JudgeStats:
    """Counters for reporting: HTTP requests sent, asks answered from the cache, attempts that
    failed (each retry counts), and asks that ended in JudgeError."""

    requests: int = 0
    cache_hits: int = 0
    failed_attempts: int = 0
    failures: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class _BadReply(Exception):
    """An attempt's failure, already described in words safe to show (no key). `retry_after_s`:
    how long the server asked us to wait (a 429/503's Retry-After), None when it did not say."""

    def __init__(self, cause: str, *, retryable: bool = True, retry_after_s: float | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.retryable = retryable
        self.retry_after_s = retry_after_s


class Judge:
    """Asks one model at one endpoint; see the module docstring. Satisfies scoring's JudgeLike."""

    def __init__(self, config: JudgeConfig) -> None:
        self.config = config
        self.stats = JudgeStats()
        self._failures_in_a_row = 0
        self._last_error = ""
        self._cache = ReplyCache(config.cache_path)
        self._client: Any = None  # openai.OpenAI, built on first request

    @property
    def identity(self) -> str:
        """The config's identity as compact sorted JSON (the records' `judge` field)."""
        return json.dumps(self.config.identity(), sort_keys=True, separators=(",", ":"))

    def ask(self, messages: list[dict[str, str]], parse: Callable[[str], T]) -> T:
        """`parse(reply)` for the judge's reply to `messages`, from the cache when possible.
        Raises JudgeError when no attempt produced a reply that `parse` accepts."""
        cfg = self.config
        key = request_key(cfg.model, cfg.temperature, cfg.max_tokens, messages)
        cached = self._cache.get(key)
        if cached is not None:
            try:
                value = parse(cached)
            except ValueError:
                pass  # parse changed since the reply was stored: ask again
            else:
                self.stats.cache_hits += 1
                return value

        if cfg.give_up_after and self._failures_in_a_row >= cfg.give_up_after:
            self.stats.failures += 1
            raise JudgeError(
                f"judge given up after {self._failures_in_a_row} failed items in a row "
                f"(last: {self._last_error}); re-score later to fill these items in"
            )
        attempts = cfg.retries + 1
        last: _BadReply | None = None
        for attempt in range(attempts):
            if last is not None:
                time.sleep(_wait_s(cfg.backoff_s, attempt, last.retry_after_s))
            try:
                content = self._request(messages)
                try:
                    value = parse(content)
                except ValueError as exc:
                    raise _BadReply(f"unparseable reply {_clip(content)!r} ({_clip(str(exc))})") from None
            except _BadReply as bad:
                last = bad
                self.stats.failed_attempts += 1
                log.info("%s (attempt %d of %d)", self._describe(bad.cause), attempt + 1, attempts)
                if not bad.retryable:
                    break
                continue
            self._cache.put(key, content)
            self._failures_in_a_row = 0
            return value

        assert last is not None
        self.stats.failures += 1
        self._failures_in_a_row += 1
        tried = attempt + 1
        self._last_error = self._describe(f"{last.cause} after {tried} attempt{'s' if tried != 1 else ''}")
        raise JudgeError(self._last_error)

    def close(self) -> None:
        """Release the HTTP connections and the cache file."""
        if self._client is not None:
            self._client.close()
            self._client = None
        self._cache.close()

    def __enter__(self) -> Judge:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- one attempt -----------------------------------------------------------------------------

    def _request(self, messages: list[dict[str, str]]) -> str:
        """One POST; returns choices[0].message.content or raises _BadReply saying what went wrong."""
        import openai

        cfg = self.config
        key = cfg.api_key()
        if self._client is None:
            # A cluster's HTTP(S)_PROXY would swallow requests to a local server (and the error says
            # "connection refused"), so loopback endpoints ignore proxy environment variables.
            http_client = openai.DefaultHttpxClient(trust_env=False) if _is_loopback(cfg.base_url) else None
            self._client = openai.OpenAI(
                base_url=cfg.base_url,
                api_key=key,
                timeout=cfg.timeout_s,
                max_retries=0,
                http_client=http_client,
            )
        self.stats.requests += 1
        try:
            result = self._client.chat.completions.create(
                model=cfg.model,
                messages=messages,
                temperature=cfg.temperature,
                max_tokens=cfg.max_tokens,
                # The key as of now, not as of the client's construction.
                extra_headers={"Authorization": f"Bearer {key}"},
            )
        except openai.APITimeoutError:
            raise _BadReply(f"timed out (timeout {cfg.timeout_s:g}s)") from None
        except openai.APIConnectionError as exc:
            raise _BadReply(f"connection failed ({exc.__cause__ or exc})") from None
        except openai.APIStatusError as exc:
            status = exc.status_code
            retryable = status >= 500 or status in _RETRYABLE_4XX
            wait = (
                _retry_after_s(exc.response.headers.get("retry-after"))
                if status in _RETRY_AFTER_STATUSES
                else None
            )
            raise _BadReply(
                f"HTTP {status} {_clip(str(exc))!r}", retryable=retryable, retry_after_s=wait
            ) from None
        except openai.OpenAIError as exc:
            raise _BadReply(f"client error {type(exc).__name__}: {_clip(str(exc))}") from None
        except ValueError:  # openai lets json.JSONDecodeError through for a non-JSON application/json body
            raise _BadReply("malformed JSON reply body") from None
        return _content_of(result)

    def _describe(self, what: str) -> str:
        """A message for logs and JudgeError. `what` may quote the server or the reply, which could
        in principle echo a credential, so the key and the URL's userinfo are blanked here."""
        cfg = self.config
        text = f"judge at {strip_userinfo(cfg.base_url)} (model {cfg.model}): {what}"
        userinfo = cfg.base_url.partition("://")[2].partition("/")[0].rpartition("@")[0]
        for secret in (cfg.api_key(), userinfo):
            if secret and secret != _NO_KEY:
                text = text.replace(secret, "***")
        return text


def _content_of(result: object) -> str:
    """choices[0].message.content, checked by hand: without strict validation the openai client
    returns a bare str for a non-JSON 200 body and an unvalidated object for any JSON body."""
    if isinstance(result, str):
        raise _BadReply(f"reply body is not JSON: {_clip(result)!r}")
    choices = getattr(result, "choices", None)
    if not isinstance(choices, list) or not choices:
        raise _BadReply("reply has no choices")
    content = getattr(getattr(choices[0], "message", None), "content", None)
    if not isinstance(content, str):
        raise _BadReply("reply has no message content")
    return content


def _wait_s(backoff_s: float, attempt: int, retry_after_s: float | None) -> float:
    """The pause before attempt number `attempt` (1 = the first retry): the exponential backoff,
    or the server's Retry-After when that is longer, capped so one header cannot stall a run."""
    backoff = min(backoff_s * 2 ** (attempt - 1), _MAX_BACKOFF_S)
    if retry_after_s is None:
        return backoff
    return max(backoff, min(retry_after_s, _MAX_RETRY_AFTER_S))


def _retry_after_s(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP date (RFC 9110 10.2.3).
    None when absent or unreadable, so the backoff applies; a date in the past gives 0."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # "-0000": an HTTP date is GMT all the same
            when = when.replace(tzinfo=timezone.utc)
        seconds = when.timestamp() - time.time()
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host == "localhost" or host == "::1" or host.startswith("127.")


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def judge_from_env(environ: Mapping[str, str] | None = None) -> Judge | None:
    """The judge configured by HARNESS_JUDGE_URL and HARNESS_JUDGE_MODEL (optional cache file:
    HARNESS_JUDGE_CACHE; per-request timeout in seconds: HARNESS_JUDGE_TIMEOUT, default 60; key:
    HARNESS_JUDGE_API_KEY), or None when neither is set. One without the other, or a timeout
    that is not a positive number, is a configuration mistake, so it raises ValueError."""
    env = os.environ if environ is None else environ
    url = env.get("HARNESS_JUDGE_URL", "").strip()
    model = env.get("HARNESS_JUDGE_MODEL", "").strip()
    if not url and not model:
        return None
    if not url or not model:
        missing, present = (
            ("HARNESS_JUDGE_URL", "HARNESS_JUDGE_MODEL")
            if not url
            else ("HARNESS_JUDGE_MODEL", "HARNESS_JUDGE_URL")
        )
        raise ValueError(f"{present} is set but {missing} is not: set both to use a judge, or neither")
    cache = env.get("HARNESS_JUDGE_CACHE", "").strip()
    return Judge(
        JudgeConfig(
            base_url=url,
            model=model,
            timeout_s=timeout_from_env(env),
            cache_path=Path(cache).expanduser() if cache else None,
        )
    )


def timeout_from_env(environ: Mapping[str, str] | None = None) -> float:
    """The judge's per-request timeout from HARNESS_JUDGE_TIMEOUT (seconds), 60 when unset or
    blank. Anything but a positive finite number raises ValueError naming the variable: a typo
    must not silently mean "wait a minute per request" again."""
    env = os.environ if environ is None else environ
    name = "HARNESS_JUDGE_TIMEOUT"
    raw = env.get(name, "").strip()
    if not raw:
        return _DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value


if TYPE_CHECKING:

    def _satisfies_protocol(judge: Judge) -> JudgeLike:
        return judge
