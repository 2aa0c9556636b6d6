"""Sampled generation (what PISM spends its time on): batched seeded sampling vs one request at a time.

    python benchmarks/bench_sampling.py [--units 64] [--batches 8 16] [--out runs/bench/sampling]

Every arm generates the same sampled answers to the same prompts with the embedded model, in one
process, one arm after another. Arms: `harness_vlm` at batch 1 (the cost of the old path, which
generated every sampled request alone under its own torch seed whatever --batch-size said), at each
batch size of --batches (one `generate` per batch, each row under its own seeded noise), and the
engine's raw batched `generate(do_sample=True)` of the same inputs at the largest batch size (no
per-row seeds: what batching can gain at best). Reported: generations per second and the ratio to
batch 1; whether the batched answers equal batch 1's (they must: the answer of a unit never
depends on its batch).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import torch
from _common import headline, table, write
from lmms_eval.api.instance import Instance
from PIL import Image

from harness.lmms.plugin import HarnessVLM
from harness.synth.models import ensure_embedded_model

GEN = {"temperature": 0.7, "do_sample": True, "max_new_tokens": 48}


def _docs(n: int, side: int) -> list[dict[str, Any]]:
    return [{"item_id": f"unit-{i}", "image": Image.new("RGB", (side, side), (37 * i % 255, 90, 200 - i % 200))}
            for i in range(n)]  # fmt: skip


def _requests(n: int) -> list[Instance]:
    return [
        Instance("generate_until", (f"Question {i}: what colour is the picture? Answer with one word.",
                                    dict(GEN), lambda doc: [doc["image"]], i, "bench", "test"),
                 i, {"task": "bench", "doc_id": i, "repeats": 1})
        for i in range(n)
    ]  # fmt: skip


def _timed(fn: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _raw(vlm: HarnessVLM, docs: list[dict[str, Any]], requests: list[Instance], batch: int) -> None:
    """The engine alone: processor + generate(do_sample=True) per batch, nothing of the plugin."""
    torch.manual_seed(0)
    for start in range(0, len(requests), batch):
        chunk = list(range(start, min(start + batch, len(requests))))
        texts = [
            vlm.processor.apply_chat_template([vlm._messages(requests[i].args[0], [docs[i]["image"]])],
                                              add_generation_prompt=True, tokenize=False)[0]
            for i in chunk
        ]  # fmt: skip
        inputs = vlm._inputs(texts, [[docs[i]["image"]] for i in chunk])
        with torch.inference_mode():
            vlm.model.generate(**inputs, do_sample=True, temperature=GEN["temperature"], top_p=None, top_k=None,
                               max_new_tokens=GEN["max_new_tokens"], pad_token_id=vlm.tokenizer.pad_token_id)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--batches", type=int, nargs="+", default=[8, 16])
    parser.add_argument("--side", type=int, default=224, help="image side in pixels")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/sampling"))
    args = parser.parse_args()

    vlm = HarnessVLM(pretrained=str(ensure_embedded_model("tiny-base")), device="cpu", seed=0)
    docs = _docs(args.units, args.side)
    vlm.task_dict = {"bench": {"test": docs}}
    requests = _requests(args.units)

    arms: dict[str, dict[str, Any]] = {}
    vlm.batch_size_per_gpu = 1
    reference, seconds = _timed(lambda: vlm.generate_until(requests))
    arms["batch 1 (one request at a time, the old path's cost)"] = {"seconds": seconds, "same": True}
    for batch in args.batches:
        vlm.batch_size_per_gpu = batch
        answers, seconds = _timed(lambda: vlm.generate_until(requests))
        arms[f"batch {batch}, seeded per row"] = {"seconds": seconds, "same": answers == reference}
    _, seconds = _timed(lambda: _raw(vlm, docs, requests, max(args.batches)))
    arms[f"raw generate(do_sample=True), batch {max(args.batches)}"] = {"seconds": seconds, "same": None}

    base = next(iter(arms.values()))["seconds"]
    for arm in arms.values():
        arm["generations_per_s"] = args.units / arm["seconds"]
        arm["speedup"] = base / arm["seconds"]
    best_batch = f"batch {max(args.batches)}, seeded per row"
    raw = arms[f"raw generate(do_sample=True), batch {max(args.batches)}"]
    speedup = arms[best_batch]["speedup"]
    overhead = arms[best_batch]["seconds"] / raw["seconds"]
    same = all(a["same"] for a in arms.values() if a["same"] is not None)
    result = {
        "units": args.units, "batches": args.batches, "side": args.side, "gen_kwargs": GEN, "arms": arms,
        "speedup": speedup, "over_raw": overhead, "answers_identical": same,
        "headline": headline(
            f"batch {max(args.batches)}: {speedup:.1f}x the generations/s of one request at a time, "
            f"{overhead:.2f}x the raw engine's time; answers identical: {'yes' if same else 'NO'}",
            "at least 4x, within 1.25x of raw, identical answers",
            speedup >= 4 and overhead <= 1.25 and same,
        ),
    }  # fmt: skip
    rows = [[name, f"{a['seconds']:.1f}", f"{a['generations_per_s']:.2f}", f"{a['speedup']:.2f}x",
             {True: "yes", False: "NO", None: "-"}[a["same"]]] for name, a in arms.items()]  # fmt: skip
    body = table(["arm", "wall s", "generations/s", "vs batch 1", "answers = batch 1's"], "lrrrl", rows)
    section = f"""## Sampling: batched seeded sampling vs one request at a time

`python benchmarks/bench_sampling.py`: {args.units} sampled answers (temperature {GEN["temperature"]},
{GEN["max_new_tokens"]} new tokens) to prompts with one {args.side}x{args.side} image each, `tiny-base`,
one process, arms one after another.

{body}
"""
    write(args.out, result, section)


if __name__ == "__main__":
    main()
