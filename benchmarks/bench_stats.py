"""Cost of the paired bootstrap behind the report: 6 benchmarks x 1,500 items x 8 checkpoints.

    python benchmarks/bench_stats.py [--resamples 10000] [--repeats 3] [--out runs/bench/stats]

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
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from _common import headline, table, write

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
    parser.add_argument("--out", type=Path, default=Path("runs/bench/stats"))
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
        ("`bootstrap_against`, percentile (6 calls x 7 checkpoints)", 42, timed(against("percentile"), reps)),
        ("`bootstrap_against`, BCa", 42, timed(against("bca"), reps)),
        ("`paired_bootstrap`, percentile (42 separate calls)", 42, timed(pairs(False), reps)),
        ("`paired_bootstrap`, 500 clusters of 3 (42 calls)", 42, timed(pairs(True), reps)),
        ("baseline: `scipy.stats.bootstrap`, paired, vectorised (1 pair)", 1, scipy_one),
        ("baseline: naive Python loop (1 pair)", 1, naive),
    ]
    result = {
        "resamples": b_res,
        "repeats": reps,
        "grid": {"benchmarks": N_BENCH, "items": N_ITEMS, "checkpoints": N_CKPT},
        "rows": [
            {"what": name, "bootstraps": count, "seconds": sec, "speedup_vs_naive": naive / (sec / count)}
            for name, count, sec in rows
        ],
    }
    grid = rows[0][2]
    result["headline"] = headline(
        f"42 paired bootstraps (B = {b_res:,}) in {grid:.2f} s; {naive / (grid / 42):.0f}x a naive loop",
        "under 2 s", grid < 2,
    )  # fmt: skip
    write(args.out, result, section(result))


def section(result: dict) -> str:
    rows = result["rows"]
    body = table(
        ["what", "bootstraps", "total s", "ms per bootstrap", "speed-up vs naive loop"],
        "lrrrr",
        [
            [r["what"], r["bootstraps"], f"{r['seconds']:.3f}", f"{1000 * r['seconds'] / r['bootstraps']:.1f}",
             f"{r['speedup_vs_naive']:.1f}x"]
            for r in rows
        ],
    )  # fmt: skip
    grid_s = rows[0]["seconds"]
    verdict = "met" if grid_s < 2 else "NOT met"
    return f"""## Statistics: paired bootstrap at suite scale

`python benchmarks/bench_stats.py`: paired bootstrap (B = {result["resamples"]:,}) of 7 checkpoints
against a reference on 6 benchmarks x 1,500 items (8 checkpoints, 42 comparisons), against a naive
Python-loop bootstrap and `scipy.stats.bootstrap(paired=True)` of one pair in the same run; each time
the median of {result["repeats"]} run(s).

{body}

Target (under 2 s for the whole grid): **{verdict}** ({grid_s:.2f} s) when a benchmark's comparisons
share one resampling (`bootstrap_against`: the same index draws serve every checkpoint and give exactly
what pair-by-pair calls with the same seed give). Binary benchmarks use exact McNemar in `harness
compare`, which costs microseconds; the bootstrap matters for judge-scored and clustered ones.
"""


if __name__ == "__main__":
    main()
