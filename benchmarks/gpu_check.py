"""The first thing to run on a new GPU node: does every stage run on the GPU? (`make gpu-check`)

    python benchmarks/gpu_check.py [--out runs/gpu-check] [--items 16]

On a CUDA machine it runs the embedded model through `harness eval`, PISM scoring and CMAB scoring
with `--device auto`, checks that auto chose CUDA and that the in-process stages allocated GPU
memory, and prints one table (stage, device, items, seconds, peak GPU memory, ok). It exits 0 when
every stage ran on the GPU, 1 when one did not, and 2 (with one line) on a machine without CUDA.
vLLM is not a harness engine yet; the table says so rather than skipping it silently.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any


def _peak_mib(torch: Any) -> float:
    return torch.cuda.max_memory_allocated() / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/gpu-check"))
    parser.add_argument("--items", type=int, default=16)
    args = parser.parse_args()

    import torch

    from harness.models.device import resolve_device

    if not torch.cuda.is_available():
        print(f"gpu-check: no CUDA device here (torch {torch.__version__}, CUDA build {torch.version.cuda})")
        return 2
    device = resolve_device("auto")
    props = torch.cuda.get_device_properties(0)
    print(f"GPU: {props.name}, {props.total_memory / 2**30:.0f} GiB, {torch.cuda.device_count()} device(s); "
          f"torch {torch.__version__}, CUDA {torch.version.cuda}; --device auto -> {device}")  # fmt: skip

    from harness import api

    rows: list[list[str]] = []

    def stage(name: str, run: Any, in_process: bool) -> None:
        torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        try:
            n = run()
            error = ""
        except Exception as e:  # every stage is reported, whatever fails
            n, error = 0, f"{type(e).__name__}: {e}"[:120]
        seconds = time.perf_counter() - start
        peak = _peak_mib(torch) if in_process else float("nan")
        used = peak > 0 if in_process else not error
        rows.append([name, device, str(n), f"{seconds:.1f}", "-" if not in_process else f"{peak:.0f} MiB",
                     "yes" if used and not error else f"NO {error}"])  # fmt: skip

    out = args.out
    stage("eval (harness_vlm, lmms-eval subprocess)",
          lambda: len(api.evaluate(api.EvaluateConfig(tasks=("harness_synth_mini",), limit=args.items,
                                                      out=out / "eval", batch_size=8)).records), False)  # fmt: skip
    stage("PISM (sampled, batched)",
          lambda: len(api.score_pism(api.ScorePismConfig(task="harness_synth_mmstar", out=out / "pism",
                                                         limit=args.items)).table), True)  # fmt: skip
    stage("CMAB (attention hooks)",
          lambda: len(api.score_cmab(api.ScoreCmabConfig(task="harness_synth_mmstar", out=out / "cmab",
                                                         limit=args.items)).table), True)  # fmt: skip
    rows.append(["PISM with vLLM", "-", "-", "-", "-", "not available: no vLLM engine in the harness yet"])

    widths = [
        max(len(r[i]) for r in [["stage", "device", "items", "s", "GPU peak", "ok"], *rows]) for i in range(6)
    ]
    for row in [["stage", "device", "items", "s", "GPU peak", "ok"], *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    return 0 if all(r[5] == "yes" for r in rows[:3]) else 1


if __name__ == "__main__":
    sys.exit(main())
