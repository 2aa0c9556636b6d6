"""`harness compare`: the paired report on fixed fixture records is byte-identical to the golden file
(UPDATE_GOLDEN=1 rewrites it after a deliberate change), and its numbers are the statistics layer's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.core.errors import InputError
from harness.core.records import to_frame, write_records
from harness.report.compare import CompareConfig, compare_runs, load_runs
from harness.report.compare_render import to_markdown
from harness.stats import holm, mcnemar

GOLDEN = Path(__file__).parent / "golden" / "compare.md"
TIERS = ["easy", "medium", "hard", "unsolved"]


def _records(
    name: str, shift: float, rng: np.random.Generator, latent: np.ndarray
) -> list[dict[str, object]]:
    rows = []
    for task, bench, n, continuous, clustered in [
        ("harness_synth_mmstar", "synth_mmstar", 240, False, False),
        ("harness_synth_mmvet", "synth_mmvet", 120, True, False),
        ("harness_hallusion", "hallusion", 90, False, True),
    ]:
        for i in range(n):
            p = float(np.clip(latent[i] + shift, 0, 1))
            score = (
                round(p * rng.random() + (1 - p) * 0.2 * rng.random(), 2)
                if continuous
                else float(rng.random() < p)
            )
            rows.append({
                "item_id": f"{bench}-{i:03d}", "benchmark": bench, "task": task, "model": name,
                "response": "", "target": "", "score": score, "content_hash": f"h{i}",
                "cluster": f"set{i // 6}" if clustered else None, "pism_tier": TIERS[i % 4] if i % 10 else None,
                "gen_config_hash": "g", "task_version": "1",
            })  # fmt: skip
    return rows


def build_runs(root: Path) -> list[Path]:
    latent = np.random.default_rng(0).random(240)
    paths = []
    for k, (name, shift) in enumerate([("base", 0.0), ("grpo-mid-hard", 0.12), ("grpo-random", 0.01)]):
        rows = _records(name, shift, np.random.default_rng(100 + k), latent)
        for task in {r["task"] for r in rows}:
            write_records([r for r in rows if r["task"] == task], root / name / str(task) / "records.parquet")
        paths.append(root / name)
    return paths


CFG = CompareConfig(n_resamples=2000, seed=0)


def test_report_matches_the_golden_file(tmp_path: Path) -> None:
    result = compare_runs(load_runs(build_runs(tmp_path)), CFG)
    text = to_markdown(result, CFG)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()


def test_numbers_are_the_statistics_layers(tmp_path: Path) -> None:
    runs = load_runs(build_runs(tmp_path))
    rows = compare_runs(runs, CFG).rows
    a = runs["base"].query("task == 'harness_synth_mmstar'").sort_values("item_id").score.to_numpy()
    b = runs["grpo-mid-hard"].query("task == 'harness_synth_mmstar'").sort_values("item_id").score.to_numpy()
    row = rows.query("checkpoint == 'grpo-mid-hard' and benchmark == 'synth_mmstar' and tier == 'all'").iloc[
        0
    ]
    ref = mcnemar(a, b)
    assert (row.delta, row.p, row.d_low) == (ref.delta, ref.p_value, ref.ci_low)
    tops = rows.query("checkpoint == 'grpo-mid-hard' and tier == 'all'")
    assert np.allclose(tops.p_adj, holm(tops.p.to_numpy()))
    # The clustered benchmark uses the cluster-robust test; the continuous one permutation + bootstrap.
    methods = dict(zip(tops.benchmark, rows.loc[tops.index, "method"], strict=True))
    assert "clust" in methods["hallusion"] and "permutation" in methods["synth_mmvet"]
    # Every tier cell, and untiered items, are reported; tier counts add up to the benchmark's n.
    cells = rows.query("checkpoint == 'grpo-random' and benchmark == 'synth_mmstar'")
    assert cells.query("tier != 'all'").n.sum() == cells.query("tier == 'all'").n.iloc[0] == 240
    assert set(rows.flag) <= {"significant", "not significant", "underpowered"}
    assert (rows.query("checkpoint == 'grpo-random' and tier == 'all'").flag != "significant").all()


def test_unaligned_items_are_reported(tmp_path: Path) -> None:
    paths = build_runs(tmp_path)
    f = paths[1] / "harness_synth_mmstar" / "records.parquet"
    df = pd.read_parquet(f)
    df.loc[0, "content_hash"] = "changed"
    write_records(df.iloc[:-1], f)
    result = compare_runs(load_runs(paths), CFG)
    text = to_markdown(result, CFG)
    assert "1 item(s) with different content" in text and "1 item(s) missing" in text
    assert result.rows.query("benchmark == 'synth_mmstar' and tier == 'all'").n.iloc[0] == 238


def test_cli_writes_every_format(tmp_path: Path) -> None:
    paths = build_runs(tmp_path / "runs")
    out = tmp_path / "cmp"
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "compare", *map(str, paths), "--out", str(out), "--resamples", "2000"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in ("compare.md", "compare.csv", "compare.tex", "forest.png", "interaction.csv"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "compare.md").read_text() == GOLDEN.read_text()
    assert "significant" in proc.stdout
    assert json.loads((out / "settings.json").read_text())["n_resamples"] == 2000


@pytest.mark.parametrize("bad", ["one", "disjoint"])
def test_cli_refuses_what_cannot_be_compared(tmp_path: Path, bad: str) -> None:
    paths = build_runs(tmp_path / "runs")
    if bad == "disjoint":
        other = tmp_path / "runs" / "other" / "harness_x" / "records.parquet"
        write_records([{"item_id": "1", "benchmark": "x", "task": "harness_x", "model": "o", "response": "",
                        "target": "", "score": 1.0}], other)  # fmt: skip
        args = [str(paths[0]), str(other.parent.parent)]
    else:
        args = [str(paths[0])]
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "compare", *args, "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode != 0 and "harness compare" in proc.stderr


def _small_run(name: str, n: int = 12, **per_task: dict[str, object]) -> pd.DataFrame:
    """Two tasks of n binary items; `per_task[task]` overrides columns (content_hash, score) there."""
    rows = []
    for task in ("harness_a", "harness_b"):
        for i in range(n):
            row = {"item_id": f"{task}-{i}", "benchmark": task.removeprefix("harness_"), "task": task,
                   "model": name, "response": "", "target": "", "score": float((i * 7 + len(name)) % 3 > 0),
                   "content_hash": f"h{i}", "gen_config_hash": "g", "task_version": "1"}  # fmt: skip
            row.update(per_task.get(task, {}))
            rows.append(row)
    return to_frame(rows)


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"content_hash": "new"}, "12 item(s) with different content"),
        ({"score": None}, "12 unscored item(s)"),
    ],
)
def test_nothing_aligned_is_an_input_error_with_the_alignment_report(
    override: dict[str, object], reason: str
) -> None:
    runs = {"ref": _small_run("ref"), "new": _small_run("new", harness_a=override, harness_b=override)}
    with pytest.raises(InputError) as info:
        compare_runs(runs, CFG)
    message = str(info.value)
    assert "no item could be compared" in message
    assert "harness_a: 0 items aligned" in message and "harness_b: 0 items aligned" in message
    assert message.count(reason) == 2


def test_a_task_that_does_not_align_is_reported_the_others_compared() -> None:
    runs = {"ref": _small_run("ref"), "new": _small_run("new", harness_b={"content_hash": "new"})}
    result = compare_runs(runs, CFG)
    assert set(result.rows.benchmark) == {"a"} and result.not_compared == ["harness_b"]
    text = to_markdown(result, CFG)
    assert "not compared (no item aligned): harness_b" in text
    assert "12 item(s) with different content" in text


def test_a_task_missing_from_a_run_is_listed_not_dropped() -> None:
    """Issue: a task present in one run and missing in another vanished from the comparison."""
    ref = _small_run("ref")
    new = _small_run("new")
    result = compare_runs({"ref": ref, "new": new[new["task"] == "harness_a"]}, CFG)
    assert set(result.rows.benchmark) == {"a"}
    assert result.missing_tasks == {"harness_b": ["new"]}
    assert "harness_b: no records in new (not compared)" in to_markdown(result, CFG)
    with pytest.raises(ValueError, match=r"no task in common.*ref: harness_a, harness_b; new: harness_c"):
        other = ref[ref["task"] == "harness_a"].assign(task="harness_c")
        compare_runs({"ref": ref, "new": other}, CFG)
