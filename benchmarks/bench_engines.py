"""PISM at pool scale on each engine: one request at a time (the old path), batched HF, vLLM.

    python benchmarks/bench_engines.py [--items 200] [--exhaustive-items 32] [--today-items 12]
                                       [--batch 16] [--out runs/bench/engines]

One process, arms one after another, the same pool items, PISM config and seeds:
- `today`: HF at batch 1 (every sampled request generated alone, the cost of the path before
  batched seeded sampling), adaptive, on the first --today-items items (a rate, not a table);
- `hf`: HF at --batch, adaptive on --items items, and the exhaustive sweep on the first
  --exhaustive-items of them;
- `vllm`: a vLLM server (started here; its start-up is reported apart), the same two runs.
For each engine: generations per second; wall time per generation against the engine's raw
batched generation of the same units' prompts and masked images, every 4th batch of the adaptive
run's own (HF: processor + generate at --batch; vLLM: those requests all in flight at once, nothing
of lmms-eval); adaptive generations
against the oracle minimum (per item, from the exhaustive outcomes: attempts up to the first
success at each passing ratio, plus K at the failing one); identical λ* and tiers between the
adaptive and exhaustive runs.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from _common import headline, table, write

from harness.core.records import read_jsonl
from harness.difficulty.pism import PISMConfig
from harness.difficulty.pism_runner import PISMRun, ScoreRequest
from harness.difficulty.pism_task import doc_to_visual, expand_units
from harness.difficulty.source import load_source_docs
from harness.lmms.plugin import HarnessVLM, Request, Settings
from harness.lmms.vllm_plugin import HarnessVLLM
from harness.models.sampling import row_seed, seeded_sampling
from harness.models.vllm_server import ServerSpec, serving
from harness.synth.models import ensure_embedded_model

MODEL = "tiny-base"
KEYS = ["item_id", "pism_lambda_star", "pism_tier"]
# The raw engine runs every RAW_EVERY-th batch of the adaptive run's own units, in its order: the
# same batch composition as PISM's rounds (late rounds hold the masked images the model answers at
# length, and a batch lasts as long as its longest answer), at a quarter of the cost of all of them.
RAW_EVERY = 4


def pism(args: argparse.Namespace, name: str, engine: str, batch: int, items: int, full: bool,
         urls: list[str], speculate: bool = False) -> tuple[pd.DataFrame, float, Path]:  # fmt: skip
    out = args.out / name
    req = ScoreRequest(str(ensure_embedded_model(MODEL)), MODEL, args.task, out, PISMConfig(), full_curve=full,
                       batch_size=batch, limit=items, device="cpu", engine=engine, vllm_urls=tuple(urls),
                       speculate=speculate)  # fmt: skip
    start = time.perf_counter()
    df = PISMRun(req).run()
    return df, time.perf_counter() - start, out


def oracle_minimum(attempts: list[dict[str, Any]], cfg: PISMConfig) -> dict[str, int]:
    """Per item, the fewest generations that decide its λ* given the exhaustive outcomes (τ·K ≤ 1:
    a ratio passes at its first success and fails only after K failures)."""
    by_item: dict[str, dict[float, dict[int, bool]]] = {}
    for a in attempts:
        by_item.setdefault(a["item_id"], {}).setdefault(a["ratio"], {})[a["k"]] = bool(a["correct"])
    out = {}
    for item, ratios in by_item.items():
        spent = 0
        for ratio in cfg.ratios:
            outcomes = [ratios[ratio][k] for k in range(cfg.k)]
            if any(outcomes):
                spent += outcomes.index(True) + 1
            else:
                spent += cfg.k
                break
        out[item] = spent
    return out


def unit_inputs(args: argparse.Namespace, attempts: list[dict[str, Any]]) -> list[tuple[str, Any, str]]:
    """(prompt, masked images, unit seed key) of every RAW_EVERY-th batch of the units the adaptive
    run asked, in its order."""
    docs, prompts = load_source_docs(args.task, args.items)
    by_id = {str(d["item_id"]): (d, p) for d, p in zip(docs, prompts, strict=True)}
    chosen = [a for i, a in enumerate(attempts) if (i // args.batch) % RAW_EVERY == 0]
    out = []
    for a in chosen:
        doc, prompt = by_id[a["item_id"]]
        row = expand_units(doc, prompt, args.task, [(a["ratio"], a["k"])], PISMConfig().masker)[0]
        out.append((prompt, doc_to_visual(row), row["sample_seed"]))
    return out


def _request(prompt: str, images: list[Any], key: str) -> Request:
    content = [{"type": "image"} for _ in images] + [
        {"type": "text", "text": prompt.replace("<image>", "").strip()}
    ]
    return Request([{"role": "user", "content": content}], images, key)


def raw_hf(units: list[tuple[str, Any, str]], batch: int) -> float:
    """Seconds per generation of processor + generate at `batch`, nothing of the plugin or lmms-eval."""
    vlm = HarnessVLM(pretrained=str(ensure_embedded_model(MODEL)), device="cpu")
    cfg = PISMConfig()
    start = time.perf_counter()
    for i in range(0, len(units), batch):
        chunk = [_request(*u) for u in units[i : i + batch]]
        texts = [vlm.processor.apply_chat_template([r.messages], add_generation_prompt=True, tokenize=False)[0]
                 for r in chunk]  # fmt: skip
        inputs = vlm._inputs(texts, [r.images for r in chunk])
        kwargs = {"max_new_tokens": cfg.max_new_tokens, "do_sample": False, "top_p": None, "top_k": None,
                  "temperature": None, "pad_token_id": vlm.tokenizer.pad_token_id,
                  "logits_processor": seeded_sampling([row_seed(0, r.key) for r in chunk], cfg.temperature)}  # fmt: skip
        with torch.inference_mode():
            vlm.model.generate(**inputs, **kwargs)
    return (time.perf_counter() - start) / len(units)


def raw_vllm(units: list[tuple[str, Any, str]], urls: list[str]) -> float:
    """Seconds per generation with every request in flight at once (the plugin's HTTP client alone)."""
    client = HarnessVLLM(base_url="|".join(urls), model=MODEL, concurrency=len(units))
    cfg = PISMConfig()
    settings = Settings(cfg.max_new_tokens, cfg.temperature, None, [])
    start = time.perf_counter()
    client.generate([_request(*u) for u in units], settings)
    return (time.perf_counter() - start) / len(units)


def engine_arms(args: argparse.Namespace, engine: str, urls: list[str]) -> dict[str, Any]:
    cfg = PISMConfig()
    adaptive, seconds, out = pism(args, f"{engine}-adaptive", engine, args.batch, args.items, False, urls)
    full, _, full_out = pism(
        args, f"{engine}-exhaustive", engine, args.batch, args.exhaustive_items, True, urls
    )
    fast, fast_s, _ = pism(args, f"{engine}-speculative", engine, args.batch, args.items, False, urls, True)
    attempts = read_jsonl(out / "attempts.jsonl")
    units = unit_inputs(args, attempts)
    raw = raw_hf(units, args.batch) if engine == "hf" else raw_vllm(units, urls)
    subset = adaptive[adaptive["item_id"].isin(full["item_id"])].reset_index(drop=True)
    oracle = oracle_minimum(read_jsonl(full_out / "attempts.jsonl"), cfg)
    generations = int(adaptive["pism_generations"].sum())
    return {
        "items": len(adaptive),
        "generations": generations,
        "seconds": seconds,
        "generations_per_s": generations / seconds,
        "s_per_generation": seconds / generations,
        "raw_s_per_generation": raw,
        "overhead_ratio": (seconds / generations) / raw,
        "exhaustive_items": len(full),
        "adaptive_generations_on_subset": int(subset["pism_generations"].sum()),
        "oracle_minimum_on_subset": int(sum(oracle.values())),
        "identical_to_exhaustive": bool(subset[KEYS].equals(full[KEYS])),
        "speculative": {
            "generations": int(fast["pism_generations"].sum()),
            "seconds": fast_s,
            "identical": bool(fast[KEYS].equals(adaptive[KEYS])),
        },
        "tiers": adaptive["pism_tier"].value_counts().to_dict(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--exhaustive-items", type=int, default=32)
    parser.add_argument("--today-items", type=int, default=12)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--task", default="harness_synth_pool")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/engines"))
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)  # fresh timings: no resuming from an earlier run
    today, today_s, _ = pism(args, "today", "hf", 1, args.today_items, False, [])
    result: dict[str, Any] = {"items": args.items, "batch": args.batch, "task": args.task,
                              "today": {"items": len(today), "generations": int(today["pism_generations"].sum()),
                                        "seconds": today_s}}  # fmt: skip
    result["today"]["generations_per_s"] = result["today"]["generations"] / today_s
    result["hf"] = engine_arms(args, "hf", [])
    spec = ServerSpec(str(ensure_embedded_model(MODEL)), MODEL, "cpu")
    started = time.perf_counter()
    with serving([spec], args.out / "vllm-logs") as urls:
        result["vllm_startup_s"] = time.perf_counter() - started
        result["vllm"] = engine_arms(args, "vllm", urls)
    base = result["today"]["generations_per_s"]
    for engine in ("hf", "vllm"):
        result[engine]["vs_today"] = result[engine]["generations_per_s"] / base
    hf, vllm = result["hf"], result["vllm"]
    ok = (hf["vs_today"] >= 4 and vllm["vs_today"] >= 10 and max(hf["overhead_ratio"], vllm["overhead_ratio"]) <= 1.25
          and all(r["identical_to_exhaustive"] and r["adaptive_generations_on_subset"] == r["oracle_minimum_on_subset"]
                  for r in (hf, vllm)))  # fmt: skip
    result["headline"] = headline(
        f"batched HF {hf['vs_today']:.1f}x and vLLM {vllm['vs_today']:.1f}x the generations/s of one request at a "
        f"time; wall per generation {hf['overhead_ratio']:.2f}x / {vllm['overhead_ratio']:.2f}x the raw engine's; "
        "adaptive = oracle minimum and = exhaustive tiers: "
        f"{'yes' if all(r['identical_to_exhaustive'] for r in (hf, vllm)) else 'NO'}",
        "HF ≥ 4x, vLLM ≥ 10x, ≤ 1.25x raw, = oracle, identical", ok,
    )  # fmt: skip
    write(args.out, result, section(result))


def section(r: dict[str, Any]) -> str:
    cfg = PISMConfig()
    rows = [["one request at a time (HF, batch 1)", f"{r['today']['items']}", f"{r['today']['generations']:,}",
             f"{r['today']['seconds']:.0f}", f"{r['today']['generations_per_s']:.1f}", "1.00x", "-", "-", "-"]]  # fmt: skip
    for engine, label in (("hf", f"HF, batch {r['batch']}"), ("vllm", "vLLM server")):
        e = r[engine]
        rows.append([label, f"{e['items']}", f"{e['generations']:,}", f"{e['seconds']:.0f}",
                     f"{e['generations_per_s']:.1f}", f"{e['vs_today']:.2f}x",
                     f"{e['s_per_generation'] * 1000:.0f} / {e['raw_s_per_generation'] * 1000:.0f} ms "
                     f"({e['overhead_ratio']:.2f}x)",
                     f"{e['adaptive_generations_on_subset']:,} / {e['oracle_minimum_on_subset']:,}",
                     "yes" if e["identical_to_exhaustive"] else "NO"])  # fmt: skip
    spec = table(["engine", "generations (off / on)", "wall s (off / on)", "λ* and tiers"], "lrrl", [
        [engine, f"{r[engine]['generations']:,} / {r[engine]['speculative']['generations']:,}",
         f"{r[engine]['seconds']:.0f} / {r[engine]['speculative']['seconds']:.0f}",
         "identical" if r[engine]["speculative"]["identical"] else "DIFFERENT"]
        for engine in ("hf", "vllm")
    ])  # fmt: skip
    body = table(["arm", "items", "generations", "wall s", "generations/s", "vs one at a time",
                  "per generation: PISM / raw engine", f"adaptive / oracle ({r['vllm']['exhaustive_items']} items)",
                  "= exhaustive tiers"], "lrrrrrrrl", rows)  # fmt: skip
    return f"""## PISM on each engine: one request at a time, batched HF, vLLM

`python benchmarks/bench_engines.py --items {r["items"]}`: adaptive PISM ({cfg.masker} masker, K = {cfg.k},
τ = {cfg.tau}, temperature {cfg.temperature}, {cfg.max_new_tokens} new tokens) of the first {r["items"]} items of
`{r["task"]}` with `tiny-base`, one process, arms one after another; vLLM 0.32.0 (CPU build) as a server
started by the benchmark (start-up {r["vllm_startup_s"]:.0f} s, not counted). "Raw engine": every {RAW_EVERY}th batch of
the adaptive run's own units (prompts, masked images, seeds, in its order) generated by the engine alone
(HF: processor + `generate` at batch {r["batch"]}; vLLM: those requests all in flight at once). Oracle: per item, from the exhaustive sweep's outcomes, the
attempts up to the first success at each passing ratio plus K at the failing one.

{body}

Speculative next attempts (`--speculate`: the idle slots of each round's last batch filled with attempts the schedule
may ask for next), adaptive, the same {r["items"]} items:

{spec}

{r["headline"]["figure"]} (target: {r["headline"]["target"]}: **{"met" if r["headline"]["met"] else "NOT met"}**).
"""


if __name__ == "__main__":
    main()
