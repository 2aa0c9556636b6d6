"""Agreement of our scorers with each official scorer, measured on the golden corpora.

A row is *rule-decidable* when the official scorer decides it by rule (`official` is not null: not
a GPT verdict) and deterministically (not MMMU's `random.choice` for an unparsed answer). On those
rows our scorer must give the official score, except where the think-aware answer extractor, which
every scorer shares on purpose, reads another answer part than the raw response the official code
sees (`cause: "extraction"`: reasoning blocks, an unclosed <think>, <answer> tags, \\boxed{}). Any
other disagreement fails this test. Rows the official pipeline hands to GPT must either be read by a
documented rule or stay unscored without a judge: none is silently given a verdict.

`python -m pytest tests/scoring/test_agreement.py -s` prints the table quoted in the notes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.scoring import score_hallusion, score_mathvista, score_mmmu, score_mmstar, score_ocrbench

GOLDEN = Path(__file__).parent / "golden"

SCORERS: dict[str, Callable[[dict[str, Any]], float | None]] = {
    "hallusion": lambda r: score_hallusion(r["response"], r["gt_answer"]).score,
    "mathvista": lambda r: score_mathvista(r["response"], r["fields"], None).score,
    "mmmu": lambda r: score_mmmu(r["response"], r["question_type"], r.get("options", []), r["target"]).score,
    "mmstar": lambda r: score_mmstar(r["response"], r["target"]).score,
    "ocrbench": lambda r: score_ocrbench(r["response"], r["answers"], r["dataset"]).score,
}


def _rows(name: str) -> list[dict[str, Any]]:
    lines = (GOLDEN / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _agreement(name: str) -> dict[str, Any]:
    rows = _rows(name)
    decidable = [r for r in rows if r["official"] is not None and not r.get("official_random")]
    disagree = [r for r in decidable if float(SCORERS[name](r)) != float(r["official"])]
    by_judge = [r for r in rows if r["official"] is None]
    return {
        "rows": len(rows),
        "decidable": decidable,
        "disagree": disagree,
        "unexplained": [r for r in disagree if r.get("cause") != "extraction"],
        "judge_rows": len(by_judge),
        "judge_rows_unscored": sum(SCORERS[name](r) is None for r in by_judge),
        "random_rows": sum(bool(r.get("official_random")) for r in rows),
    }


# HallusionBench has no rule-decidable row: its official scorer asks GPT about every answer.
@pytest.mark.parametrize("name", sorted(set(SCORERS) - {"hallusion"}))
def test_every_disagreement_is_the_shared_extractor(name: str) -> None:
    result = _agreement(name)
    assert result["decidable"], f"{name}: no rule-decidable row in the corpus"
    assert not result["unexplained"], [(r["kind"], r["response"][:80]) for r in result["unexplained"]]
    # Without the extractor's rows, agreement is complete.
    plain = [r for r in result["decidable"] if r.get("cause") != "extraction"]
    assert plain and all(float(SCORERS[name](r)) == float(r["official"]) for r in plain)


def test_agreement_table() -> None:
    lines = ["benchmark  rows  rule-decidable  agree  extractor-only  GPT-judged(rule|unscored)  random"]
    for name in sorted(SCORERS):
        a = _agreement(name)
        n, d = len(a["decidable"]), len(a["disagree"])
        judged = f"{a['judge_rows'] - a['judge_rows_unscored']}|{a['judge_rows_unscored']}"
        lines.append(
            f"{name:<10} {a['rows']:>4} {n:>15} {n - d:>6} {d:>15} {judged:>26} {a['random_rows']:>7}"
        )
        assert not a["unexplained"]
        # A GPT-judged row our rules cannot read is unscored, never given a default verdict.
        for row in (r for r in _rows(name) if r["official"] is None and r.get("ours", 0) is None):
            assert SCORERS[name](row) is None, (name, row["response"][:80])
    print("\n" + "\n".join(lines))
