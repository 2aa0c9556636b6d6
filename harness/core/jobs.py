"""Independent jobs run side by side, one worker process per core (the demo's scheduler).

Scoring one task, training one arm × seed and evaluating one model share no state: each writes its
own folder and resumes from it. Torch on the tiny model gains little from a second thread (the
Makefile sets `OMP_NUM_THREADS=1`), so on N cores N single-threaded jobs at once finish the study in
about 1/N of the time. Every job is seeded on its own, so the results do not depend on the number
of workers or the order the jobs finish in.

A worker runs one job after another, as a one-worker run does in its own process: its imports
(some 15 s of lmms-eval, transformers and TRL) are paid once per worker, not once per job.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Job:
    """`fn(*args)` once every job named in `after` has finished; `fn` must be a module-level
    function and `args` picklable (a worker is a separate process)."""

    label: str
    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()
    after: tuple[str, ...] = ()


def _single_threaded() -> None:
    # Runs before the job is unpickled, so torch, imported by the job, reads it; importing torch
    # here would cost every job a second of start-up for nothing.
    os.environ["OMP_NUM_THREADS"] = "1"
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def _check(jobs: Sequence[Job]) -> None:
    labels = [j.label for j in jobs]
    if len(set(labels)) != len(labels):
        raise ValueError(f"jobs: a label is used twice in {labels}")
    seen: set[str] = set()
    for job in jobs:  # dependencies must come earlier in the list, which also rules out cycles
        missing = [d for d in job.after if d not in seen]
        if missing:
            raise ValueError(f"job {job.label!r} waits for {missing}, which are not listed before it")
        seen.add(job.label)


def run_jobs(
    jobs: Sequence[Job],
    workers: int,
    log: Callable[[str], None] = print,
    seconds: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Run every job, at most `workers` at once, each as soon as the jobs it waits for are done;
    the earliest-listed ready job goes first. Returns each job's result by label, and fills
    `seconds` with each job's wall time. The first job that fails stops the run: the jobs in
    flight finish (so their folders are whole), no new one starts, and its exception is raised."""
    _check(jobs)
    seconds = {} if seconds is None else seconds
    results: dict[str, Any] = {}
    if workers <= 1:  # in this process, in list order: dependencies come first by construction
        for job in jobs:
            log(f"start {job.label}")
            t0 = time.time()
            results[job.label] = job.fn(*job.args)
            seconds[job.label] = time.time() - t0
            log(f"done {job.label} ({seconds[job.label]:.0f} s)")
        return results
    waiting = list(jobs)
    running: dict[Future[Any], Job] = {}
    started: dict[str, float] = {}
    context = multiprocessing.get_context("spawn")  # fork would copy torch's threads and locks
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_single_threaded) as pool:
        while waiting or running:
            for job in [j for j in waiting if all(d in results for d in j.after)]:
                if len(running) >= workers:
                    break
                waiting.remove(job)
                log(f"start {job.label}")
                started[job.label] = time.time()
                running[pool.submit(job.fn, *job.args)] = job
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                job = running.pop(future)
                error = future.exception()
                if error is not None:
                    log(f"{job.label} failed; waiting for the {len(running)} job(s) still running")
                    wait(running)
                    raise error
                results[job.label] = future.result()
                seconds[job.label] = time.time() - started[job.label]
                log(f"done {job.label} ({seconds[job.label]:.0f} s)")
    return results
