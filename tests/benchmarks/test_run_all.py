"""`make bench`'s runner: one run writes a page with the machine, a summary and each section."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_stats_run_writes_the_page_but_not_the_record(tmp_path: Path) -> None:
    record = (ROOT / "BENCHMARKS.md").read_text()
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run_all.py"), "--quick", "--only", "stats", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (ROOT / "BENCHMARKS.md").read_text() == record  # a smoke run never replaces the record
    page = (tmp_path / "BENCHMARKS.md").read_text()
    result = json.loads((tmp_path / "stats" / "result.json").read_text())
    assert "## Machine" in page and "OMP_NUM_THREADS=1" in page
    assert result["headline"]["figure"] in page  # the summary row comes from this run's figures
    assert "## Statistics: paired bootstrap at suite scale" in page
    assert f"{result['rows'][0]['seconds']:.3f}" in page
    assert "## PISM" not in page  # benchmarks not run are not reported


def test_a_failing_benchmark_is_reported_not_hidden(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import run_all
    finally:
        sys.path.pop(0)
    broken = run_all.Bench("broken", "bench_stats.py", (), ("--resamples", "many"), "a benchmark that fails")
    result, seconds = run_all.run_one(broken, tmp_path, quick=True)
    assert result is None
    assert "--resamples: invalid int value" in (tmp_path / "broken" / "log.txt").read_text()
    machine = run_all.machine()
    page = run_all.render([broken], {"broken": (None, seconds)}, tmp_path, machine, machine, "test", seconds)
    assert "| a benchmark that fails | FAILED (log: " in page
