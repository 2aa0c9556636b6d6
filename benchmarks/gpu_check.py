"""The first thing to run on a new GPU node: does every stage run on the GPU? (`make gpu-check`)

    python benchmarks/gpu_check.py [--out runs/gpu-check] [--items 16]

On a CUDA machine it runs the embedded model through `harness eval`, PISM scoring (HF, and vLLM
when a vLLM environment is installed: `make vllm-setup` with a CUDA build of vLLM) and CMAB scoring
with `--device auto`, one GRPO step in bf16 (and one with vLLM colocate rollouts, in the vLLM environment, which
`make vllm-setup` gives TRL and the harness), checks that auto chose CUDA and that each stage used the GPU (the device's
memory in use, sampled while the stage runs, so subprocesses and vLLM servers count too), and prints
one table (stage, device, items, seconds, peak GPU memory in use, ok). It exits 0 when every stage
ran on the GPU, 1 when one did not, and 2 (with one line) on a machine without CUDA. Without a vLLM
environment the vLLM row says so rather than being left out.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path
from typing import Any

LOGP_DIFF = "sampling/sampling_logp_difference/mean"  # TRL's |log p_vLLM - log p_trainer| per token


class MemorySampler:
    """Peak GPU memory in use by any process (cudaMemGetInfo) above the level at the start."""

    def __init__(self, torch: Any) -> None:
        self.torch = torch
        self.base = self._used()
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _used(self) -> float:
        free, total = self.torch.cuda.mem_get_info()
        return float(total - free) / 2**20

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self._used() - self.base)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return max(self.peak, self._used() - self.base)


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

    def stage(name: str, run: Any) -> None:
        sampler = MemorySampler(torch)
        start = time.perf_counter()
        try:
            n = run()
            error = ""
        except Exception as e:  # every stage is reported, whatever fails
            n, error = 0, f"{type(e).__name__}: {e}"[:160]
        seconds = time.perf_counter() - start
        peak = max(sampler.stop(), torch.cuda.max_memory_allocated() / 2**20)
        torch.cuda.reset_peak_memory_stats()
        ok = "yes" if peak > 0 and not error else f"NO {error or 'no GPU memory was used'}"
        rows.append([name, device, str(n), f"{seconds:.1f}", f"{peak:.0f} MiB", ok])

    out = args.out
    stage("eval (harness_vlm, lmms-eval subprocess)",
          lambda: len(api.evaluate(api.EvaluateConfig(tasks=("harness_synth_mini",), limit=args.items,
                                                      out=out / "eval", batch_size=8)).records))  # fmt: skip
    stage("PISM (HF, sampled, batched)",
          lambda: len(api.score_pism(api.ScorePismConfig(task="harness_synth_mmstar", out=out / "pism",
                                                         limit=args.items)).table))  # fmt: skip
    stage("CMAB (attention hooks)",
          lambda: len(api.score_cmab(api.ScoreCmabConfig(task="harness_synth_mmstar", out=out / "cmab",
                                                         limit=args.items)).table))  # fmt: skip
    import importlib.util
    import json
    import subprocess

    from harness.core.errors import InputError
    from harness.models.vllm_server import vllm_python

    def grpo_step(python: str, use_vllm: bool) -> int:
        """One GRPO step of the embedded model in bf16 by `harness train` under `python` (this
        environment, or the vLLM one, which holds TRL beside vLLM), its manifest saying so (TRL's
        config); with vLLM colocate rollouts, which must come from the trained policy (TRL's
        sampling_logp_difference, harness.training.vllm_rollouts)."""
        preset = out / "grpo-step.yaml"
        preset.parent.mkdir(parents=True, exist_ok=True)
        preset.write_text("grpo:\n  num_generations: 4\n  per_device_train_batch_size: 4\n  max_completion_length: 32\n"
                          "  bf16: true\n  activation_checkpointing: true\n  vllm_gpu_memory_utilization: 0.3\n")  # fmt: skip
        arm = out / ("grpo-vllm" if use_vllm else "grpo")
        subprocess.run([python, "-m", "harness.cli", "train", "--paradigm", "grpo_only", "--out", str(arm),
                        "--items", "harness_synth_mini", "--preset", str(preset), "--max-steps", "1",
                        *(["--use-vllm"] if use_vllm else [])], check=True)  # fmt: skip
        trl = json.loads((arm / "manifest.json").read_text())["stages"][-1]["config"]["trl"]
        if not trl["bf16"] or trl["use_vllm"] != use_vllm:
            raise RuntimeError(f"the run's config says bf16={trl['bf16']}, use_vllm={trl['use_vllm']}")
        if use_vllm:
            log = json.loads((arm / "train_log.json").read_text())["log"]
            diff = max(r[LOGP_DIFF] for r in log if LOGP_DIFF in r)
            if diff > 0.1:
                raise RuntimeError(
                    f"vLLM's rollouts differ from the policy: mean |Δ log p| {diff:.3f} per token"
                )
        return 1

    stage("GRPO step (TRL, bf16)", lambda: grpo_step(sys.executable, use_vllm=False))
    try:
        coloc = sys.executable if importlib.util.find_spec("vllm") is not None else str(vllm_python())
        stage("GRPO step (TRL, bf16, vLLM colocate)", lambda: grpo_step(coloc, use_vllm=True))
    except InputError as e:
        rows.append(["GRPO step (vLLM colocate)", "-", "-", "-", "-", f"not run: {e}"])

    try:
        vllm_python()
        stage("PISM (vLLM server)",
              lambda: len(api.score_pism(api.ScorePismConfig(task="harness_synth_mmstar", out=out / "pism-vllm",
                                                             limit=args.items, engine="vllm")).table))  # fmt: skip
    except InputError as e:
        rows.append(["PISM (vLLM server)", "-", "-", "-", "-", f"not run: {e}"])

    widths = [
        max(len(r[i]) for r in [["stage", "device", "items", "s", "GPU peak", "ok"], *rows]) for i in range(6)
    ]
    for row in [["stage", "device", "items", "s", "GPU peak", "ok"], *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    return 0 if all(r[5] == "yes" or r[5].startswith("not run") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
