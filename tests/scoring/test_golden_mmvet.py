"""MM-Vet golden corpus: realistic responses, the judge's replies, and the score the official scorer gives.

Official scorer: yuweihao/MM-Vet, `mm-vet_evaluator.py` (function `runs`; `export_result` for the
totals) and its notebook twin `mm-vet_evaluator.ipynb`. The rules, as read there:

- Request (`runs`): one user message, the grading prompt (`prompt`, checked here by its SHA-256), a
  line break, then the question, the gold with every "<AND>"/"<OR>" padded by a space on each side,
  and the prediction exactly as it is in the result file (nothing is stripped or skipped: an empty
  prediction and a `<think>` block are sent as they are), joined by " | " with an empty last field, so
  the request ends in " | ". Sent with max_tokens=3, temperature 0.0.
- Reading a reply (`runs`): the text before its first " " (a plain space only), stripped, must be a
  float with neither `score > 1.0` nor `score < 0.0` (so float("NaN") passes). Otherwise it asks
  again, with the same request plus "\\nPredict the correctness of the answer (digit): " and a
  temperature 0.5 higher after each retry, and reads the new reply. Replies 1 to 5 are read; after the
  fifth fails, a sixth is fetched, not read, and the item scores 0.0. A RateLimitError is slept on and
  retried forever; other API errors end the .py script (the notebook retries them forever): no score.
- Per item (`export_result`): with the default --num_run 1 the item's score is that one grade (with
  --num_run 5, as in the paper, each run's total is computed and the totals averaged).

Each row of golden/mmvet.jsonl: `kind`, `question`, `answer` (gold), `response`, `judge_replies` (the
judge's replies in order, whatever the retry request looks like), `official` (the official score by
the rules above, null when it gives none, "NaN" for NaN), `note`. Where we deliberately differ:
`ours` and `difference` (and `judge_replies_ours` when our request differs, so the judge may answer
otherwise). `judge_sees`: the prediction our request carries when it is not the response (documented:
the judge sees the response without closed <think> blocks). `approx`: what `score_mmvet_approx`, the
no-judge stand-in, gives. `xfail` (with `xfail_check`: "score" or "request"): an undocumented
disagreement between our scorer and the official one; that check is expected to fail (strictly).

Our judge is modelled by ScriptedJudge: like harness.judge.client.Judge, it makes
JudgeConfig.retries + 1 attempts, each reply passed through the scorer's `parse`, and raises
JudgeError when none parses; unlike the official script it sends the same request each time.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from harness.judge.client import JudgeConfig
from harness.scoring import score_mmvet, score_mmvet_approx
from harness.scoring.mmvet import MM_VET_PROMPT
from harness.scoring.verdict import JudgeError

T = TypeVar("T")

ROWS: list[dict[str, Any]] = [
    json.loads(line)
    for line in (Path(__file__).parent / "golden" / "mmvet.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
KINDS: tuple[str, ...] = (
    "r1_think",
    "truncated_think",
    "answer_tag",
    "boxed",
    "latex",
    "number_units",
    "thousands",
    "letter",
)
KINDS += ("refusal", "empty", "and_gold", "or_gold", "meme", "judge_trailing", "judge_unparseable")
KINDS += ("judge_out_of_range", "judge_fails", "judge_unreachable")
# sha256 of `prompt` in yuweihao/MM-Vet mm-vet_evaluator.py (commit acde843).
OFFICIAL_PROMPT_SHA256 = "d1b3e0a5b4e72c888b77164489d705bba4dd149934fff564dfba6443d81afe3f"
OFFICIAL_READS = 5  # replies the official script reads before it records 0.0
ATTEMPTS = JudgeConfig(base_url="http://127.0.0.1:9/v1", model="judge").retries + 1


def official_request(question: str, answer: str, prediction: str) -> str:
    """The official request text, rebuilt from the rules in the module docstring."""
    gold = answer.replace("<AND>", " <AND> ").replace("<OR>", " <OR> ")
    return f"{MM_VET_PROMPT}\n{question} | {gold} | {prediction} | "


def official_grade(replies: list[str]) -> float | None:
    """The official item score for these replies (module docstring); None: it records none."""
    for reply in replies[:OFFICIAL_READS]:
        try:
            score = float(reply.split(" ")[0].strip())
        except ValueError:
            continue
        if not (score > 1.0 or score < 0.0):  # the official range check, which NaN passes
            return score
    if len(replies) < OFFICIAL_READS:
        return None  # the judge stopped answering: the official script never records the item
    return 0.0 if len(replies) > OFFICIAL_READS else None


def expected_official(row: dict[str, Any]) -> float | None:
    return math.nan if row["official"] == "NaN" else row["official"]


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, abs=1e-9)


class ScriptedJudge:
    """Gives `replies` in order to successive attempts, as harness.judge.client.Judge would."""

    identity = "scripted-judge"

    def __init__(self, replies: list[str]) -> None:
        self.replies = list(replies)
        self.asked: list[list[dict[str, str]]] = []

    def ask(self, messages: list[dict[str, str]], parse: Callable[[str], T]) -> T:
        for attempt in range(ATTEMPTS):
            self.asked.append(messages)
            if attempt >= len(self.replies):
                raise JudgeError("judge unreachable (connection refused)")
            try:
                return parse(self.replies[attempt])
            except ValueError:
                continue
        raise JudgeError(f"no parseable reply after {ATTEMPTS} attempts")


def _params(check: str) -> list[Any]:
    out = []
    for i, row in enumerate(ROWS):
        marks = []
        if row.get("xfail_check") == check:
            marks.append(pytest.mark.xfail(strict=True, reason=row["xfail"]))
        out.append(pytest.param(row, id=f"{i}-{row['kind']}", marks=marks))
    return out


def test_corpus_shape() -> None:
    counts = Counter(row["kind"] for row in ROWS)
    print(f"MM-Vet golden rows: {len(ROWS)}, per kind: {dict(sorted(counts.items()))}")
    assert 40 <= len(ROWS) <= 70
    assert all(counts[kind] > 0 for kind in KINDS), counts
    assert sum("approx" in row for row in ROWS) >= 20
    for row in ROWS:
        assert {
            "kind",
            "question",
            "answer",
            "response",
            "judge_replies",
            "official",
            "note",
        } <= row.keys(), row
        assert all(isinstance(r, str) for r in row["judge_replies"]), row
        assert ("ours" in row) == ("difference" in row), row
        assert ("xfail" in row) == (row.get("xfail_check") in ("score", "request")), row
        assert not ("ours" in row and "xfail" in row), row
        if "ours" in row:
            assert not same(row["ours"], expected_official(row)), row
        if "judge_sees" in row:
            assert row["judge_sees"] != row["response"] and "<think>" in row["response"].lower(), row
        # the corpus's official scores follow the official rules for its replies
        assert same(official_grade(row["judge_replies"]), expected_official(row)), row


def test_official_prompt_is_ours() -> None:
    assert hashlib.sha256(MM_VET_PROMPT.encode("utf-8")).hexdigest() == OFFICIAL_PROMPT_SHA256


@pytest.mark.parametrize("row", _params("score"))
def test_golden_score(row: dict[str, Any]) -> None:
    expected = row["ours"] if "ours" in row else expected_official(row)
    judge = ScriptedJudge(row.get("judge_replies_ours", row["judge_replies"]))
    verdict = score_mmvet(row["response"], row["question"], row["answer"], judge)
    assert same(verdict.score, expected), (row, verdict)
    if expected is None:
        assert verdict.method == "none" and (verdict.note or "").startswith("judge failed"), verdict
    else:
        assert verdict.method == "judge", verdict


@pytest.mark.parametrize("row", _params("request"))
def test_golden_request(row: dict[str, Any]) -> None:
    judge = ScriptedJudge(row.get("judge_replies_ours", row["judge_replies"]))
    score_mmvet(row["response"], row["question"], row["answer"], judge)
    assert judge.asked, row
    want = official_request(row["question"], row["answer"], row.get("judge_sees", row["response"]))
    for messages in judge.asked:
        assert messages == [{"role": "user", "content": want}], (row["kind"], messages[-1]["content"][-300:])


def test_requests_spot_check() -> None:
    """Three requests spelled out after the prompt: <AND> padding, an empty prediction, a <think> row."""
    tails = {
        0: "What is x in the equation? | -1 <AND> -5 | x = -1 or x = -5 | ",
        next(i for i, r in enumerate(ROWS) if r["kind"] == "empty"): (
            "What is the price difference between diesel and regular gasoline? | 0.11 |  | "
        ),
        next(i for i, r in enumerate(ROWS) if r.get("judge_sees") == "The living room is bigger."): (
            "Which room is bigger, the double garage or the living room? | double garage | The living room is bigger. | "
        ),
    }
    for i, tail in tails.items():
        row = ROWS[i]
        judge = ScriptedJudge(row["judge_replies"])
        score_mmvet(row["response"], row["question"], row["answer"], judge)
        assert judge.asked[0] == [{"role": "user", "content": MM_VET_PROMPT + "\n" + tail}], row


@pytest.mark.parametrize(
    "row", [pytest.param(r, id=f"{i}-{r['kind']}") for i, r in enumerate(ROWS) if "approx" in r]
)
def test_golden_approx(row: dict[str, Any]) -> None:
    verdict = score_mmvet_approx(row["response"], row["answer"])
    assert verdict.score == pytest.approx(row["approx"], abs=1e-9), (row, verdict)
    assert verdict.method == "rule_approx" and "approximate" in (verdict.note or "")
    assert score_mmvet(row["response"], row["question"], row["answer"], None) == verdict
