"""A scriptable OpenAI-compatible chat-completions server for tests.

It is a real HTTP server (so the judge's HTTP client, timeouts and error handling are exercised as
they would be against vLLM) on 127.0.0.1, an ephemeral port, in a daemon thread. Each test scripts
it with `reply` (messages → content) and `enqueue(...)` one-off behaviours for the next requests:

- "timeout": wait `stall_s` seconds (longer than the client's timeout) before answering
- "500" (or any 3-digit status): an OpenAI-style error body with that status
- "429 retry-after=<value>" (any status): the same, with a `Retry-After: <value>` header
- "garbage": status 200 with a body that is not JSON (Content-Type text/html)
- "garbage_json": the same body but labelled Content-Type application/json
- "empty_choices": a well-formed completion whose `choices` is []
- "content:<text>": answer <text> instead of calling `reply`
- "body:<raw>": status 200, Content-Type application/json, body <raw> verbatim (odd shapes)

Every request is recorded (path, headers, JSON body, arrival time) in `requests`.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Messages = list[dict[str, str]]


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]  # header names lower-cased
    body: dict[str, Any] | None  # None when the body was not JSON
    at: float = 0.0  # time.monotonic() when the request arrived

    @property
    def messages(self) -> Messages:
        return list((self.body or {}).get("messages", []))


def _default_reply(messages: Messages) -> str:
    return "ok"


class FakeChatServer:
    """See the module docstring. Use as a context manager, or start()/stop()."""

    def __init__(self, reply: Callable[[Messages], str] = _default_reply, *, stall_s: float = 2.0) -> None:
        self.reply = reply
        self.stall_s = stall_s
        self.requests: list[RecordedRequest] = []
        self._queue: deque[str] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- scripting -------------------------------------------------------------------------------

    def enqueue(self, *behaviours: str) -> None:
        """One-off behaviours for the next len(behaviours) requests, in order."""
        with self._lock:
            self._queue.extend(behaviours)

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    # ---- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeChatServer:
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes any handler stalling on "timeout"
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeChatServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- called by the handler -------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> str | None:
        with self._lock:
            self.requests.append(request)
            return self._queue.popleft() if self._queue else None


@contextmanager
def fake_chat_server(
    reply: Callable[[Messages], str] = _default_reply, **kwargs: Any
) -> Iterator[FakeChatServer]:
    with FakeChatServer(reply, **kwargs) as server:
        yield server


class _Handler(BaseHTTPRequestHandler):
    owner: FakeChatServer
    protocol_version = "HTTP/1.1"  # keep-alive, as vLLM does

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in self.headers.items()}
        behaviour = self.owner._record(RecordedRequest(self.path, headers, body, time.monotonic()))

        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        if behaviour == "timeout":
            self.owner._stopping.wait(self.owner.stall_s)
            behaviour = None  # then answer normally (the client has given up by now)
        status, _, extra = (behaviour or "").partition(" retry-after=")
        if status.isdigit():
            error = {"error": {"message": "scripted failure", "type": "server_error"}}
            self._send(int(status), error, {"Retry-After": extra} if extra else None)
            return
        if behaviour == "garbage":
            self._send_raw(200, b"<html>this is not json", "text/html")
            return
        if behaviour is not None and behaviour.startswith("body:"):
            self._send_raw(200, behaviour[len("body:") :].encode("utf-8"), "application/json")
            return
        if behaviour == "garbage_json":
            self._send_raw(200, b"<html>this is not json", "application/json")
            return
        if body is None:
            self._send(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
            return
        if behaviour == "empty_choices":
            self._send(200, _completion(body, None))
            return
        if behaviour is not None and behaviour.startswith("content:"):
            content = behaviour[len("content:") :]
        elif behaviour is None:
            content = self.owner.reply(list(body.get("messages", [])))
        else:
            raise ValueError(f"unknown scripted behaviour {behaviour!r}")
        self._send(200, _completion(body, content))

    def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(payload).encode("utf-8"), "application/json", headers)

    def _send_raw(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (timeout) and closed the connection
            self.close_connection = True


def _completion(body: dict[str, Any], content: str | None) -> dict[str, Any]:
    """OpenAI's chat.completion shape; `content` None gives an empty `choices` list."""
    choices = (
        []
        if content is None
        else [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]
    )
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", ""),
        "choices": choices,
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
