"""Harness overhead over raw model generation on the same items (issue: under 10%).

    python benchmarks/bench_overhead.py [--task harness_synth_mmstar] [--sizes 120 240]

Raw arm: the model and processor loaded once, the same chat prompts and images, greedy
`generate` in batches of 8 with the task's max_new_tokens; only generation is timed. Harness arm:
`harness eval --tasks TASK --limit N --batch-size 8` as a user runs it (subprocess, lmms-eval, records,
summary), wall time. Two sizes separate the fixed start-up cost (imports, model load, task index)
from the per-item cost: the marginal overhead is ((H(n2) − H(n1)) − (R(n2) − R(n1))) / (R(n2) − R(n1)).
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from harness.difficulty.source import load_source_docs
from harness.lmms.task_utils import doc_to_visual
from harness.models.loader import load_model_and_processor
from harness.synth.models import ensure_embedded_model

MAX_NEW_TOKENS = 48  # tasks/harness_synth/_default.yaml
BATCH = 8


def raw_generation(model_path: Path, docs: list[dict], prompts: list[str]) -> float:
    model, processor = load_model_and_processor(model_path)
    texts = [
        processor.apply_chat_template(
            [[{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": p}]}]],
            add_generation_prompt=True, tokenize=False,
        )[0]
        for p in prompts
    ]  # fmt: skip
    images = [doc_to_visual(d)[0] for d in docs]
    started = time.perf_counter()
    with torch.inference_mode():
        for i in range(0, len(texts), BATCH):
            inputs = processor(text=texts[i : i + BATCH], images=images[i : i + BATCH], padding=True,
                               padding_side="left", return_tensors="pt")  # fmt: skip
            model.generate(**inputs, max_new_tokens=MAX_NEW_TOKENS, do_sample=False,
                           pad_token_id=processor.tokenizer.pad_token_id)  # fmt: skip
    return time.perf_counter() - started


def harness_eval(task: str, n: int) -> float:
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "harness.cli", "eval", "--quiet", "--tasks", task, "--limit", str(n),
                        "--batch-size", str(BATCH), "--out", out], check=True, capture_output=True)  # fmt: skip
        return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", default="harness_synth_mmstar")
    ap.add_argument("--sizes", type=int, nargs=2, default=(120, 240))
    args = ap.parse_args()
    model_path = ensure_embedded_model("tiny-base")
    n1, n2 = args.sizes
    docs, prompts = load_source_docs(args.task, limit=n2)
    raw = {n: raw_generation(model_path, docs[:n], prompts[:n]) for n in (n1, n2)}
    wall = {n: harness_eval(args.task, n) for n in (n1, n2)}
    marginal_raw, marginal_h = raw[n2] - raw[n1], wall[n2] - wall[n1]
    print(f"{args.task}, tiny-base, batch {BATCH}, max_new_tokens {MAX_NEW_TOKENS}; {platform.machine()}, "
          f"{torch.get_num_threads()} torch threads")  # fmt: skip
    print("| items | raw generation s | harness eval s (wall) |")
    print("|--:|--:|--:|")
    for n in (n1, n2):
        print(f"| {n} | {raw[n]:.1f} | {wall[n]:.1f} |")
    print(
        f"\nfixed start-up of harness eval: {wall[n1] - raw[n1] * 1.0 - (marginal_h - marginal_raw) * n1 / (n2 - n1):.1f} s"
    )
    print(f"marginal per-item overhead: {100 * (marginal_h - marginal_raw) / marginal_raw:+.1f}% "
          f"({marginal_h / (n2 - n1) * 1000:.0f} vs {marginal_raw / (n2 - n1) * 1000:.0f} ms per item)")  # fmt: skip


if __name__ == "__main__":
    main()
