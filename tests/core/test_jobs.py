"""The job runner (the demo's scheduler): dependencies first, jobs side by side in real worker processes, the first
failure stops new jobs and is raised, and the same results whatever the number of workers."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from harness.core.jobs import Job, run_jobs


def _stamp(
    folder: str, name: str, pause: float, needs: tuple[str, ...] = (), meets: str = ""
) -> dict[str, int]:
    """Record which process ran this job; fail if a job it needs has not finished, or if the job
    it `meets` does not start while this one runs (a rendezvous: only two jobs at once pass it)."""
    for other in needs:
        assert (Path(folder) / f"{other}.done").exists(), f"{name} started before {other} finished"
    (Path(folder) / f"{name}.started").write_text("")
    deadline = time.time() + 60
    while meets and not (Path(folder) / f"{meets}.started").exists():
        assert time.time() < deadline, f"{meets} did not start while {name} ran"
        time.sleep(0.05)
    time.sleep(pause)
    (Path(folder) / f"{name}.done").write_text("")
    return {"pid": os.getpid(), "threads": int(os.environ["OMP_NUM_THREADS"])}


def _fail(folder: str) -> None:
    raise ValueError("item pool-00003: no image")


def _plan(folder: Path) -> list[Job]:
    f = str(folder)
    return [
        Job("score pool", _stamp, (f, "score", 0.2)),
        Job("train a", _stamp, (f, "a", 0.0, ("score",), "b"), after=("score pool",)),
        Job("train b", _stamp, (f, "b", 0.0, ("score",), "a"), after=("score pool",)),
        Job("evaluate a", _stamp, (f, "eval-a", 0.1, ("a",)), after=("train a",)),
    ]


@pytest.mark.slow  # a few seconds: each job is a freshly spawned process
def test_two_workers_run_independent_jobs_at_once_after_their_dependencies(tmp_path: Path) -> None:
    seconds: dict[str, float] = {}
    results = run_jobs(_plan(tmp_path), workers=2, log=lambda _: None, seconds=seconds)
    assert list(seconds) and set(results) == {"score pool", "train a", "train b", "evaluate a"}
    assert len({r["pid"] for r in results.values()}) == 2, "not two worker processes"
    assert {r["pid"] for r in results.values()}.isdisjoint({os.getpid()})
    assert all(r["threads"] == 1 for r in results.values())


def test_one_worker_runs_in_list_order_in_this_process(tmp_path: Path) -> None:
    plan = [
        j if not j.label.startswith("train") else Job(j.label, _stamp, j.args[:4], j.after)
        for j in _plan(tmp_path)
    ]
    results = run_jobs(plan, workers=1, log=lambda _: None)
    assert list(results) == ["score pool", "train a", "train b", "evaluate a"]
    assert {r["pid"] for r in results.values()} == {os.getpid()}


@pytest.mark.slow
def test_a_failed_job_is_raised_and_starts_nothing_after_it(tmp_path: Path) -> None:
    f = str(tmp_path)
    jobs = [
        Job("score pool", _fail, (f,)),
        Job("slow", _stamp, (f, "slow", 3.0)),
        Job("train a", _stamp, (f, "a", 0.1), after=("score pool",)),
        Job("later", _stamp, (f, "later", 0.1)),
    ]
    with pytest.raises(ValueError, match="pool-00003"):
        run_jobs(jobs, workers=2, log=lambda _: None)
    assert (tmp_path / "slow.done").exists(), "the job in flight was not left to finish"
    assert not (tmp_path / "a.done").exists() and not (tmp_path / "later.done").exists()


@pytest.mark.parametrize(
    ("jobs", "message"),
    [
        ([Job("a", _fail), Job("a", _fail)], "used twice"),
        ([Job("b", _fail, after=("a",)), Job("a", _fail)], "not listed before it"),
        ([Job("a", _fail, after=("a",))], "not listed before it"),
    ],
)
def test_plans_that_could_not_finish_are_refused(jobs: list[Job], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        run_jobs(jobs, workers=2, log=lambda _: None)
