"""Run CMAB scoring through lmms-eval in chunks, resumably, and reduce it to a difficulty table.

Each chunk is one in-process lmms-eval evaluation of the `harness_cmab` task with the
`harness_cmab` model (greedy answers plus their attention statistics). Every finished item is
appended to `items.jsonl` at once, so a killed run resumes with the next unfinished item. The
table (same keys as PISM's: item_id, content_hash, source_task, model) is rebuilt from the log, so
the variant and thresholds can change without re-running the model.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import datasets
import pandas as pd
from tqdm import tqdm

from harness.core.constants import UNSCORED
from harness.core.files import folder_lock
from harness.core.records import config_hash
from harness.difficulty.cmab import CMABConfig, cmab_tier
from harness.difficulty.cmab_task import cmab_rows
from harness.difficulty.run_dir import RunDir, ScoringTask, evaluate_rows, scoring_model
from harness.difficulty.shards import shard_dir, shard_of
from harness.difficulty.source import load_source_docs, scoring_items
from harness.lmms.task_utils import RECORD_METRIC

CMAB_TASK = "harness_cmab"
ROWS_FILE = "rows.parquet"  # harness/tasks/harness_cmab reads it relative to the working directory
_STRING = datasets.Value("string")
ROW_FEATURES = datasets.Features(
    {
        **{k: _STRING for k in ("item_id", "source_task", "source_doc", "prompt")},
        "images": datasets.Sequence(datasets.Image()),  # source_row: PNG cells, in order
    }
)


@dataclass
class CMABRequest:
    model_path: str
    model_name: str
    source_task: str
    out: Path
    config: CMABConfig
    batch_size: int = 8
    chunk: int = 64  # items per lmms-eval evaluation: what an interruption can cost at most
    limit: int | None = None
    device: str = "cpu"  # a concrete device (harness.models.device.resolve_device): cpu, cuda, cuda:N
    shard: tuple[int, int] | None = None  # (i, N): only the items of shard i of N (harness.difficulty.shards)


class CMABRun:
    def __init__(self, req: CMABRequest) -> None:
        self.req = req
        cfg = req.config
        # What the model computes; the variant and thresholds only shape the table.
        identity = {
            "model": req.model_path,
            "source_task": req.source_task,
            "limit": req.limit,
            "max_new_tokens": cfg.max_new_tokens,
            "released_layer": cfg.released_layer,
        }
        if req.shard:
            identity["shard"] = "{}/{}".format(*req.shard)
        out = shard_dir(req.out, *req.shard) if req.shard else Path(req.out)
        self.run_dir = RunDir(out, identity, "items.jsonl", "CMAB")
        self._model: Any = None  # the lmms-eval model, loaded at the first chunk
        self.task = ScoringTask(CMAB_TASK, ROW_FEATURES, ROWS_FILE)  # built at the first chunk

    def model_args(self) -> str:
        """harness_cmab's model_args for this run's chunks."""
        layer = self.req.config.released_layer
        released = "" if layer is None else f",released_layer={layer}"
        return f"pretrained={self.req.model_path},device={self.req.device}{released}"

    def model(self) -> Any:
        """harness_cmab, loaded once per run and kept across chunks."""
        if self._model is None:
            self._model = scoring_model("harness_cmab", self.model_args(), self.req.batch_size)
        return self._model

    def run(self) -> pd.DataFrame:
        with folder_lock(self.run_dir.out, "harness score cmab"):  # a second run on this folder is refused
            return self._run()

    def _run(self) -> pd.DataFrame:
        docs, prompts = load_source_docs(self.req.source_task, self.req.limit)
        if self.req.shard:
            docs, prompts = shard_of(docs, prompts, *self.req.shard)
        done = {row["item_id"] for row in self.run_dir.read()}
        todo = [(d, p) for d, p in zip(docs, prompts, strict=True) if str(d["item_id"]) not in done]
        bar = tqdm(total=len(docs), initial=len(docs) - len(todo), desc="CMAB items", unit="item")
        for start in range(0, len(todo), self.req.chunk):
            part = todo[start : start + self.req.chunk]
            # Encoded a chunk at a time (a pool's PNGs would not all fit in memory); items with no
            # image are left out (harness.difficulty.source says why).
            items = scoring_items([d for d, _ in part], [p for _, p in part], self.req.source_task, "CMAB")
            if items.docs:
                rows = cmab_rows(items.docs, items.prompts, self.req.source_task, commons=items.rows)
                self.run_dir.append(self._evaluate(rows, start // self.req.chunk))
            bar.update(len(part))
        bar.close()
        return self.write_table(docs)

    def _evaluate(self, rows: list[dict[str, Any]], chunk_no: int) -> list[dict[str, Any]]:
        cfg = self.req.config
        samples = evaluate_rows(
            rows,
            self.task,
            self.run_dir.out / "chunks" / f"{chunk_no:04d}-{int(time.time() * 1000)}",
            self.model(),
            f"temperature=0,do_sample=False,max_new_tokens={cfg.max_new_tokens}",
        )
        out = []
        for sample in samples:
            rec = sample[RECORD_METRIC]
            out.append(
                {
                    "item_id": rec["item_id"],
                    "correct": None if rec["score"] is None else rec["score"] == 1.0,
                    "source_score": rec["meta"].get("source_score"),
                    "parsed_answer": rec["parsed_answer"],
                    **{k: v for k, v in rec["meta"].items() if k != "source_score"},
                }
            )
        return out

    def write_table(self, docs: list[dict[str, Any]]) -> pd.DataFrame:
        table = cmab_table(self.run_dir.read(), self.req.config)
        hashes = {str(d["item_id"]): d.get("content_hash") or "" for d in docs}
        table = table[table["item_id"].isin(hashes)].copy()
        table["content_hash"] = table["item_id"].map(hashes)
        table["source_task"] = self.req.source_task
        table["model"] = self.req.model_name
        table = table.sort_values("item_id").reset_index(drop=True)
        self.run_dir.write_table(table)
        return table


def cmab_table(items: list[dict[str, Any]], cfg: CMABConfig) -> pd.DataFrame:
    """One row per item: ρ̄ under the chosen variant (and both, for comparison) and the tier."""
    rows = []
    for item in items:
        rho_bar = item["rho_paper"] if cfg.variant == "paper" else item["rho_released"]
        rho_bar = math.nan if rho_bar is None else float(rho_bar)
        correct = None if item["correct"] is None else bool(item["correct"])
        rows.append(
            {
                "item_id": item["item_id"],
                "cmab_correct": correct,
                "cmab_rho": rho_bar,
                "cmab_rho_paper": item["rho_paper"],
                "cmab_rho_released": item["rho_released"],
                "cmab_answer_tokens": item["answer_tokens"],
                # A correct answer without measurable balance (no tokens) cannot be tiered: unsolved.
                "cmab_tier": UNSCORED
                if correct is None
                else cmab_tier(rho_bar, correct and not math.isnan(rho_bar), cfg),
                "cmab_variant": cfg.variant,
                "cmab_config_hash": config_hash(asdict(cfg)),
            }
        )
    return pd.DataFrame(rows)
