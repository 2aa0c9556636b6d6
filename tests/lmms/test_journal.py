"""The response journal behind resumable evaluations: durable appends, torn lines, several ranks."""

from __future__ import annotations

from pathlib import Path

from harness.lmms.journal import ResponseJournal, request_key


def test_responses_survive_a_new_process_and_a_torn_last_line(tmp_path: Path) -> None:
    first = ResponseJournal(tmp_path, rank=0)
    first.append([("a", "<answer>A</answer>"), ("b", "résumé, 42")])
    with first.path.open("a") as fh:
        fh.write('{"key": "c", "respo')  # the kill came in the middle of a write
    again = ResponseJournal(tmp_path, rank=0)
    assert len(again) == 2 and again.get("b") == "résumé, 42" and again.get("c") is None
    again.append([("c", "C")])  # starts on a fresh line, not glued to the torn one
    assert ResponseJournal(tmp_path).get("c") == "C" and len(ResponseJournal(tmp_path)) == 3


def test_every_ranks_file_is_read(tmp_path: Path) -> None:
    ResponseJournal(tmp_path, rank=0).append([("a", "x")])
    ResponseJournal(tmp_path, rank=1).append([("b", "y")])
    both = ResponseJournal(tmp_path, rank=0)
    assert both.get("a") == "x" and both.get("b") == "y"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["responses.rank0.jsonl", "responses.rank1.jsonl"]


def test_the_key_follows_document_prompt_and_settings() -> None:
    base = request_key("t", "test", 0, "What?", {"max_new_tokens": 8}, "h1")
    assert base == request_key("t", "test", 0, "What?", {"max_new_tokens": 8}, "h1")
    assert base != request_key("t", "test", 0, "What?", {"max_new_tokens": 9}, "h1")
    assert base != request_key("t", "test", 0, "Why?", {"max_new_tokens": 8}, "h1")
    assert base != request_key("t", "test", 0, "What?", {"max_new_tokens": 8}, "h2")
    assert base != request_key("t", "test", 1, "What?", {"max_new_tokens": 8}, "h1")
    assert base != request_key("t", "test", 0, "What?", {"max_new_tokens": 8}, None)
