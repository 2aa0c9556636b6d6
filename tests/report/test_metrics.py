"""answer_concentration: a run's most common answer against the targets', from records as
`harness eval` writes them (responses observed from the embedded model before and after GRPO)."""

from __future__ import annotations

import pandas as pd
import pytest

from harness.report.metrics import answer_concentration


def _records(parsed: list[str | None], targets: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"parsed_answer": parsed, "target": targets})


@pytest.mark.parametrize(
    ("parsed", "targets", "top", "share", "target_share"),
    [
        # Observed after GRPO at lr 1e-4: "yes" to most HallusionBench-like questions.
        (["yes", "yes", "yes", "no"], ["yes", "no", "no", "yes"], "yes", 0.75, 0.5),
        # Case and whitespace do not make a second answer; the targets' spelling neither.
        (["A", " a", "B", "C"], ["a", "B", "c", "D"], "a", 0.5, 0.25),
        # A truncated response has no parsed answer: it counts as the answer "".
        ([None, None, "2", "3"], ["2", "3", "4", "4"], "", 0.5, 0.5),
    ],
)
def test_top_answer_share(parsed, targets, top, share, target_share) -> None:
    got = answer_concentration(_records(parsed, targets))
    assert got == {"n": 4, "top_answer": top, "top_share": share, "target_top_share": target_share}


def test_empty_run() -> None:
    assert answer_concentration(_records([], []))["top_share"] is None
