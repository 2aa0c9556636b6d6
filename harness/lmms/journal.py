"""A journal of generated responses, so that an interrupted evaluation continues where it stopped.

lmms-eval hands the model every request of a run in one `generate_until` call and writes nothing
until all of them are answered, and its own response cache (`--use_cache`) stores the answers only
after that call returns: a run killed after nine tenths of its generations keeps none of them.
`harness eval` therefore gives the `harness_vlm` plugin a journal folder: each batch's responses are
appended to `responses.rank<R>.jsonl` (flushed and fsynced) as soon as they exist, and a rerun of
the same command answers journaled requests from it. The runner names the folder after everything
that decides a response (model weights, model and generation arguments, seed, tasks, limit) and
deletes it once the records are written, so the journal is never a cache across different settings.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def request_key(task: str, split: str, doc_id: int, context: str, gen_kwargs: dict[str, Any],
                content: str | None) -> str:  # fmt: skip
    """What identifies one request's answer within a run: its document (and its content hash where
    the task gives one), its prompt and its generation settings."""
    payload = {"task": task, "split": split, "doc_id": doc_id, "content": content, "context": context,
               "gen_kwargs": gen_kwargs}  # fmt: skip
    text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


class ResponseJournal:
    """Responses by request key, read from every rank's file; appends go to this rank's file."""

    def __init__(self, folder: str | Path, rank: int = 0) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / f"responses.rank{rank}.jsonl"
        self.responses: dict[str, str] = {}
        for path in sorted(self.folder.glob("responses.rank*.jsonl")):
            self._read(path)
        # A line torn by an earlier kill must not swallow this run's first entry: end it once here.
        if self.path.exists() and self.path.stat().st_size > 0:
            with self.path.open("rb") as fh:
                fh.seek(-1, os.SEEK_END)
                torn = fh.read(1) != b"\n"
            if torn:
                with self.path.open("a", encoding="utf-8") as fh:
                    fh.write("\n")

    def _read(self, path: Path) -> None:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # the line a kill cut short: its request is simply generated again
                if isinstance(entry, dict) and isinstance(entry.get("response"), str) and "key" in entry:
                    self.responses[str(entry["key"])] = entry["response"]

    def __len__(self) -> int:
        return len(self.responses)

    def get(self, key: str) -> str | None:
        return self.responses.get(key)

    def append(self, entries: Iterable[tuple[str, str]]) -> None:
        """Record (key, response) pairs durably before the run moves on."""
        lines = []
        for key, response in entries:
            self.responses[key] = response
            lines.append(json.dumps({"key": key, "response": response}, ensure_ascii=False) + "\n")
        if not lines:
            return
        with self.path.open("a", encoding="utf-8") as fh:
            fh.writelines(lines)
            fh.flush()
            os.fsync(fh.fileno())


__all__ = ["ResponseJournal", "request_key"]
