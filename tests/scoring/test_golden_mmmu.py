"""MMMU (validation) golden corpus: realistic responses scored as the official MMMU scorer scores them.

Official scorer: MMMU-Benchmark/MMMU, mmmu/utils/eval_utils.py (formerly eval/eval_utils.py):
`parse_multi_choice_response` then `eval_multi_choice` for multiple-choice questions,
`parse_open_response` (with `extract_numbers`, `normalize_str`) then `eval_open` for open ones, as
mmmu/main_parse_and_eval.py calls them on the whole response. Each row of golden/mmmu.jsonl holds
`official`, that scorer's result on the text it sees (a list-literal gold as the list the official
answer file stores); `official_random` marks rows where the official parser finds nothing and picks
`random.choice` (`official` is then the score of a miss). Where our scorer deliberately differs (see
harness/scoring/mmmu.py), `ours` and a `difference` note as well. Our scorer must give `ours` where it
is given, else `official`.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from harness.scoring import score_mmmu

ROWS: list[dict[str, Any]] = [
    json.loads(line)
    for line in (Path(__file__).parent / "golden" / "mmmu.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
KINDS = ("letter", "paren", "answer_phrase", "several_letters", "option_text", "lowercase", "latex")
KINDS += ("r1_think", "truncated", "refusal", "empty", "units", "thousands", "number", "text")


def test_corpus_shape() -> None:
    counts = Counter(row["kind"] for row in ROWS)
    types = Counter(row["question_type"] for row in ROWS)
    print(f"MMMU golden rows: {len(ROWS)} {dict(types)}, per kind: {dict(sorted(counts.items()))}")
    assert types["multiple-choice"] >= 40 and types["open"] >= 40
    assert all(counts[kind] > 0 for kind in KINDS), counts
    for row in ROWS:
        assert row["official"] in (0, 1), row
        assert ("options" in row) == (row["question_type"] == "multiple-choice"), row
        assert ("ours" in row) == ("difference" in row), row
        if row.get("official_random"):  # we never guess: a deliberate difference, whatever we read
            assert row["official"] == 0 and "ours" in row, row
        elif "ours" in row:
            assert row["ours"] != row["official"], row


def test_golden_scores() -> None:
    wrong = []
    for row in ROWS:
        got = score_mmmu(row["response"], row["question_type"], row.get("options", []), row["target"]).score
        if got != row.get("ours", row["official"]):
            wrong.append((row["kind"], row["response"], row["target"], row.get("ours", row["official"]), got))
    assert not wrong, wrong
