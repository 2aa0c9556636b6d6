"""A persistent key → reply cache for judge calls.

Re-scoring a run (a scorer fix, a new report) should not pay for, or depend on, the judge again:
identical requests get the reply they got before. sqlite3 from the standard library gives that
with no new dependency; WAL mode and one committed transaction per `put` mean a process killed
mid-run loses at most the reply in flight, and several processes (data-parallel scorers) may open
the same file, sqlite's own locking keeping it consistent.

Only a hash of the request is stored (never the endpoint, never the API key).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path

# Wait this long for another process's write lock before giving up.
_BUSY_TIMEOUT_S = 30.0


def request_key(model: str, temperature: float, max_tokens: int, messages: list[dict[str, str]]) -> str:
    """The cache key of one request: what decides the reply (model, sampling, messages), not where
    the model is served, so moving the server keeps the cache valid."""
    payload = {
        "model": model,
        "temperature": float(temperature),
        "max_tokens": int(max_tokens),
        "messages": messages,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _switch_to_wal(conn: sqlite3.Connection) -> None:
    """`PRAGMA journal_mode=WAL`, retried while the file is locked, up to the busy timeout.

    Switching needs an exclusive lock. When two connections open the same new file at the same
    moment, each holds the shared lock the other must see released, and sqlite answers "database
    is locked" at once rather than wait its busy timeout (its deadlock avoidance): data-parallel
    scorers starting together lost a process to it. Later writes are single statements that start
    from no transaction, for which sqlite does wait.
    """
    deadline = time.monotonic() + _BUSY_TIMEOUT_S
    delay = 0.002
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(2 * delay, 0.1)


class ReplyCache:
    """sqlite-backed get/put of reply strings; in memory (gone at exit) when `path` is None."""

    def __init__(self, path: Path | None) -> None:
        if path is None:
            target = ":memory:"
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            target = str(path)
        self.path = path
        # isolation_level=None: autocommit, so each put is its own committed transaction.
        # lmms-eval calls process_results from worker threads: one connection, shared under a lock.
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            target, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        if path is not None:
            _switch_to_wal(self._conn)
        self._conn.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, reply TEXT NOT NULL)")

    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT reply FROM replies WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, key: str, reply: str) -> None:
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO replies (key, reply) VALUES (?, ?)", (key, reply))

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
