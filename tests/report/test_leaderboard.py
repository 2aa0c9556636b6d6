"""Leaderboard entries keep per-item scores; ranks share tie groups; the CI gate decides PASS /
FAIL / INCONCLUSIVE by paired non-inferiority on the macro score, with the documented exit codes."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.core.errors import InputError
from harness.core.records import to_frame, write_records
from harness.report.compare import load_runs
from harness.report.gate import gate
from harness.report.leaderboard import (
    entry_from_records,
    entry_records,
    read_entry,
    render,
    tie_groups,
    write_entry,
)
from harness.stats import Decision
from harness.synth.datasets import BENCHMARK_ITEMS
from tests.report.test_compare import _small_run, build_runs


@pytest.fixture
def runs(tmp_path: Path) -> dict[str, pd.DataFrame]:
    return load_runs(build_runs(tmp_path / "runs"))


def test_entry_round_trips_its_items(runs: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    entry = entry_from_records(runs["base"], "base", "suite")
    back = read_entry(write_entry(entry, tmp_path / "base.json"))
    items = entry_records(back)
    assert len(items) == len(runs["base"]) and set(items.task) == set(runs["base"].task)
    per_task = runs["base"].groupby("task").score.mean()
    assert entry["macro"]["score"] == pytest.approx(per_task.mean())
    lo, hi = entry["macro"]["ci"]
    assert lo < entry["macro"]["score"] < hi


def test_ties_share_the_leaders_rank(runs: dict[str, pd.DataFrame]) -> None:
    entries = [entry_from_records(df, name, "suite") for name, df in runs.items()]
    twin = entry_from_records(runs["grpo-mid-hard"], "twin", "suite")
    ranks = tie_groups([*entries, twin])
    by_name = dict(zip([e["checkpoint"] for e in [*entries, twin]], ranks, strict=True))
    assert by_name["grpo-mid-hard"] == by_name["twin"] == 1  # identical scores: not separable
    assert by_name["base"] > 1
    text = render([*entries, twin])
    assert "| 1= | grpo-mid-hard |" in text and "| 1= | twin |" in text


def _candidate(runs: dict[str, pd.DataFrame], flip: float, seed: int = 7) -> pd.DataFrame:
    """The baseline's records with a share of its right answers turned wrong."""
    df = runs["base"].copy()
    rng = np.random.default_rng(seed)
    right = df.index[(df.score == 1.0) & (rng.random(len(df)) < flip)]
    df.loc[right, "score"] = 0.0
    return df


@pytest.mark.parametrize(("flip", "margin", "expected"), [
    (0.0, 0.02, Decision.PASS), (0.35, 0.02, Decision.FAIL), (0.06, 0.02, Decision.INCONCLUSIVE),
])  # fmt: skip
def test_gate_decisions(
    runs: dict[str, pd.DataFrame], flip: float, margin: float, expected: Decision
) -> None:
    baseline = entry_from_records(runs["base"], "base", "suite")
    result = gate(_candidate(runs, flip), baseline, margin, n_resamples=2000)
    assert result.decision is expected, result.overall.result
    assert set(result.per_task) == set(runs["base"].task)


def test_gate_refuses_a_candidate_missing_a_task(runs: dict[str, pd.DataFrame]) -> None:
    baseline = entry_from_records(runs["base"], "base", "suite")
    with pytest.raises(ValueError, match="no records for harness_synth_mmvet"):
        gate(runs["base"].query("task != 'harness_synth_mmvet'"), baseline, 0.02)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow  # 8-10 s: in `make test`, kept out of the edit loop (`make test-fast`)
def test_gate_cli_exit_codes(runs: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    entry = write_entry(entry_from_records(runs["base"], "base", "suite"), tmp_path / "base.json")
    codes = {}
    for flip, label in [(0.0, "pass"), (0.35, "fail"), (0.06, "unsure")]:
        cand = _candidate(runs, flip)
        for task, part in cand.groupby("task"):
            write_records(part, tmp_path / label / str(task) / "records.parquet")
        args = [
            "gate",
            "--candidate",
            str(tmp_path / label),
            "--baseline",
            str(entry),
            "--margin",
            "0.02",
            "--resamples",
            "2000",
        ]
        codes[label] = _cli(*args).returncode
        if label == "unsure":
            codes["strict"] = _cli(*args, "--strict").returncode
    assert codes == {"pass": 0, "fail": 1, "unsure": 0, "strict": 1}
    assert (
        _cli(
            "gate", "--candidate", str(tmp_path / "nope"), "--baseline", str(entry), "--margin", "0.02"
        ).returncode
        == 2
    )


def test_committed_baseline_is_a_valid_entry() -> None:
    entry = read_entry(Path(__file__).parents[2] / "leaderboards" / "harness_synth6" / "tiny-base.json")
    assert entry["checkpoint"] == "tiny-base" and len(entry["tasks"]) == 6
    assert all(len(t["items"]) >= BENCHMARK_ITEMS for t in entry["tasks"].values())


def test_concurrent_entry_writers_never_tear_the_file(runs: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    entries = {name: entry_from_records(runs[name], name, "suite") for name in ("base", "grpo-random")}
    path, errors = tmp_path / "entry.json", []

    def writer(name: str) -> None:
        try:
            for _ in range(20):
                write_entry(entries[name], path)
        except BaseException as e:  # a vanished or torn temporary file surfaces here
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(name,)) for name in entries]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert read_entry(path)["checkpoint"] in entries
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == [path.name]


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"content_hash": "new"}, "12 item(s) with different content"),
        ({"score": None}, "12 unscored item(s)"),
    ],
)
def test_gate_with_nothing_aligned_is_an_input_error_with_the_alignment_report(
    override: dict[str, object], reason: str
) -> None:
    baseline = entry_from_records(_small_run("ref"), "ref", "suite")
    with pytest.raises(InputError) as info:
        gate(_small_run("new", harness_a=override, harness_b=override), baseline, 0.02, n_resamples=200)
    message = str(info.value)
    assert "no item could be compared" in message and message.count(reason) == 2
    assert "harness_a: 0 items aligned" in message and "harness_b: 0 items aligned" in message


def test_gate_reports_a_task_it_could_not_compare_and_does_not_pass_without_it() -> None:
    ref = _small_run("ref", n=400)
    baseline = entry_from_records(ref, "ref", "suite")
    candidate = ref.copy()
    candidate.loc[candidate.task == "harness_b", "content_hash"] = "new"
    result = gate(candidate, baseline, 0.05, n_resamples=200)
    assert result.not_compared == ["harness_b"] and set(result.per_task) == {"harness_a"}
    assert result.per_task["harness_a"].decision is Decision.PASS  # identical items, 400 of them
    # ... but the suite's macro score was not measured on harness_b: no PASS for the suite.
    assert result.decision is Decision.INCONCLUSIVE
    assert any("harness_b: 0 items aligned" in line for r in result.reports for line in r.lines())


def _one_task(scores: list[float], name: str) -> pd.DataFrame:
    return to_frame([{"item_id": f"q{i}", "benchmark": "b", "task": "harness_b", "model": name,
                      "response": "", "target": "", "score": s, "content_hash": f"h{i}"}
                     for i, s in enumerate(scores)])  # fmt: skip


def test_gate_does_not_pass_on_eight_items() -> None:
    """One item of eight gained, none lost: every resampled mean difference is ≥ 0, so the
    percentile bootstrap's lower bound is 0 (PASS at any margin); 8 items cannot show that."""
    a = [1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0]
    b = [1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0]
    baseline = entry_from_records(_one_task(a, "ref"), "ref", "suite")
    result = gate(_one_task(b, "new"), baseline, 0.02, n_resamples=2000)
    assert result.per_task["harness_b"].decision is Decision.INCONCLUSIVE
    assert result.decision is Decision.INCONCLUSIVE, result.overall.result
    assert result.overall.ci[0] < -0.02 < result.overall.result.delta
    # Identical answers on 8 items are no more evidence.
    assert gate(_one_task(a, "new"), baseline, 0.02).decision is Decision.INCONCLUSIVE


def test_gate_passes_a_clear_improvement_on_many_items(runs: dict[str, pd.DataFrame]) -> None:
    baseline = entry_from_records(runs["base"], "base", "suite")
    better = runs["base"].copy()
    better.loc[better.score < 1.0, "score"] = 1.0  # every wrong answer right, continuous scores maxed
    result = gate(better, baseline, 0.0, n_resamples=2000)
    assert result.decision is Decision.PASS and result.overall.ci[0] > 0


def test_an_entry_missing_a_suite_task_is_flagged_and_not_ranked_as_comparable(
    runs: dict[str, pd.DataFrame],
) -> None:
    """Issue: a task missing from one checkpoint's run silently dropped out of its macro score."""
    full = entry_from_records(runs["base"], "base", "suite")
    partial = entry_from_records(
        runs["grpo-mid-hard"].query("task != 'harness_synth_mmvet'"), "partial", "suite"
    )
    text = render([full, partial])
    assert "| partial |" in text
    assert "partial: no records for harness_synth_mmvet" in text
    assert "its macro score covers fewer benchmarks" in text
