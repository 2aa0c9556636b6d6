"""Files are written whole or not at all (unique temporary names, so concurrent writers never tear
each other's file), and an output folder takes one run at a time (issue: two runs on one --out both
generated everything and could tear records.parquet)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.core.files import LOCK_NAME, FolderInUse, atomic_write, atomic_write_text, folder_lock

HOLD = """
import sys, time
from pathlib import Path
from harness.core.files import folder_lock
with folder_lock(Path(sys.argv[1]), "a test holder"):
    print("held", flush=True)
    time.sleep(120)
"""


def _hold(folder: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = atomic_write_text(tmp_path / "summary.json", "old\n")

    def broken(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        atomic_write(path, broken)
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


def test_two_writers_never_share_a_temporary_file(tmp_path: Path) -> None:
    seen: list[Path] = []
    atomic_write(tmp_path / "a", lambda tmp: seen.append(tmp) or tmp.write_text("1"))
    atomic_write(tmp_path / "a", lambda tmp: seen.append(tmp) or tmp.write_text("2"))
    assert seen[0] != seen[1] and all(p.parent == tmp_path for p in seen)
    assert (tmp_path / "a").read_text() == "2"


def test_a_held_folder_is_refused_naming_the_holder(tmp_path: Path) -> None:
    held = rf"in use by harness eval \(pid {os.getpid()} on "
    with folder_lock(tmp_path, "harness eval"), pytest.raises(FolderInUse, match=held):  # noqa: SIM117
        with folder_lock(tmp_path, "harness eval"):
            pass
    with folder_lock(tmp_path, "harness eval"):  # released: free again
        pass
    assert (tmp_path / LOCK_NAME).exists()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    proc = _hold(tmp_path)
    with pytest.raises(FolderInUse, match=rf"pid {proc.pid}"), folder_lock(tmp_path, "second"):
        pass
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with folder_lock(tmp_path, "second"):
        pass


@pytest.mark.slow
def test_a_second_eval_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = _hold(out / "tiny-random")
    try:
        started = time.time()
        cli = subprocess.run(
            [sys.executable, "-m", "harness.cli", "eval", "--model", "tiny-random", "--tasks", "harness_synth_mini",
             "--limit", "2", "--out", str(out), "--quiet"],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    finally:
        proc.kill()
        proc.wait()
    assert cli.returncode == 2, cli.stderr
    last = cli.stderr.strip().splitlines()[-1]  # (building the embedded model may print progress first)
    assert last.startswith("harness eval: ") and f"is in use by a test holder (pid {proc.pid}" in last
    assert "Traceback" not in cli.stderr
    assert not list(out.glob("tiny-random/lmms_eval/*"))  # refused before lmms-eval started
    assert time.time() - started < 60
