"""Cost of the paired bootstrap behind the report: 6 benchmarks x 1,500 items x 8 checkpoints.

    python benchmarks/bench_stats.py [--resamples 10000] [--repeats 3]

What is timed: the 42 comparisons a report makes (per benchmark, 7 checkpoints against the reference
checkpoint), each a paired item bootstrap with 10,000 resamples, percentile CI and shift p-value:

- `bootstrap_against`: one call per benchmark, the 7 comparisons sharing one index matrix;
- the same with BCa intervals (adds the jackknife and per-column quantiles);
- `paired_bootstrap`: 42 separate calls, one per comparison;
- `paired_bootstrap` with clusters (500 images of 3 items each), 42 calls;
- baseline, in the same run: a naive Python loop (draw indices, take the mean difference, 10,000
  times) on one benchmark x pair, and scipy.stats.bootstrap(paired=True, vectorized) on the same pair.
  Per-comparison cost is compared with the naive loop's as a ratio.

Scores are binary with a latent item difficulty shared by all checkpoints (as in the calibration
tests); the cost does not depend on the score values. Times are the median of --repeats runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np

N_BENCH, N_ITEMS, N_CKPT = 6, 1500, 8


def make_scores(seed: int = 0) -> np.ndarray:
    """(benchmarks x checkpoints x items) 0/1 scores; checkpoint k is k percentage points better."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(N_BENCH, 1, N_ITEMS))
    gain = 0.04 * np.arange(N_CKPT)[None, :, None]
    p = 1 / (1 + np.exp(-(0.2 + 1.5 * z + gain)))
    return (rng.random((N_BENCH, N_CKPT, N_ITEMS)) < p).astype(np.float64)


def naive_bootstrap(a: np.ndarray, b: np.ndarray, n_resamples: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    d = b - a
    out = []
    for _ in range(n_resamples):
        idx = rng.integers(0, d.shape[0], d.shape[0])
        out.append(float(d[idx].mean()))
    lo, hi = np.quantile(out, [0.025, 0.975])
    return float(lo), float(hi)


def timed(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from scipy import stats as sps

    from harness.stats import bootstrap_against, paired_bootstrap

    scores, b_res, reps = make_scores(), args.resamples, args.repeats
    cluster = np.repeat(np.arange(N_ITEMS // 3), 3)

    def against(method: str) -> Callable[[], object]:
        return lambda: [bootstrap_against(s[0], s[1:], b_res, 0, 0.95, method) for s in scores]  # type: ignore[arg-type]

    def pairs(clustered: bool) -> Callable[[], object]:
        c = cluster if clustered else None
        return lambda: [
            paired_bootstrap(s[0], s[k], None, b_res, 0, cluster=c) for s in scores for k in range(1, 8)
        ]

    a, b = scores[0, 0], scores[0, 1]
    naive = timed(lambda: naive_bootstrap(a, b, b_res, 0), 1)
    scipy_one = timed(
        lambda: sps.bootstrap(
            (a, b),
            lambda x, y, axis: np.mean(y - x, axis=axis),
            paired=True,
            vectorized=True,
            n_resamples=b_res,
            method="percentile",
            rng=np.random.default_rng(0),
        ),
        reps,
    )
    rows = [
        ("bootstrap_against, percentile (6 calls x 7 checkpoints)", 42, timed(against("percentile"), reps)),
        ("bootstrap_against, BCa (6 calls x 7 checkpoints)", 42, timed(against("bca"), reps)),
        ("paired_bootstrap, percentile (42 calls)", 42, timed(pairs(False), reps)),
        ("paired_bootstrap, 500 clusters of 3 (42 calls)", 42, timed(pairs(True), reps)),
        ("baseline: scipy.stats.bootstrap paired, vectorized (1 pair)", 1, scipy_one),
        ("baseline: naive Python loop (1 pair)", 1, naive),
    ]
    print(
        f"{N_BENCH} benchmarks x {N_ITEMS} items x {N_CKPT} checkpoints, B = {b_res}; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, numpy {np.__version__}, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, median of {reps}\n"
    )
    print("| what | bootstraps | total s | ms per bootstrap | speed-up vs naive loop |")
    print("|---|---:|---:|---:|---:|")
    for name, count, seconds in rows:
        per = seconds / count
        print(f"| {name} | {count} | {seconds:.3f} | {1000 * per:.1f} | {naive / per:.0f}x |")


if __name__ == "__main__":
    main()
