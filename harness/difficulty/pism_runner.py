"""Run PISM scoring through lmms-eval in rounds, resumably, and reduce it to a difficulty table.

Each round asks, for every undecided item, only the (λ, k) attempts that can still change its λ*
(`ItemState.next_units`), or every attempt under `full_curve`. A round is one in-process lmms-eval
evaluation of the `harness_pism` task over that round's units, by one model instance loaded once
for the whole run (one process keeps lmms-eval's import, task indexing and the model load off
every round). Every finished attempt is appended to `attempts.jsonl` at once,
so a killed run restarts where it stopped and never redoes or duplicates a unit.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import datasets
import pandas as pd
from tqdm import tqdm

from harness.core.constants import SAMPLER
from harness.core.files import folder_lock
from harness.core.records import config_hash
from harness.difficulty.maskers import COPIES
from harness.difficulty.pism import ItemState, PISMConfig, exhaustive_units, summarise
from harness.difficulty.pism_task import expand_units, unit_id
from harness.difficulty.run_dir import RunDir, ScoringTask, evaluate_rows, scoring_model
from harness.difficulty.shards import shard_dir, shard_of
from harness.difficulty.source import load_source_docs, scoring_items
from harness.lmms.engines import Engine, engine_for, hf_engine
from harness.lmms.task_utils import RECORD_METRIC

PISM_TASK = "harness_pism"
UNITS_FILE = "units.parquet"  # harness/tasks/harness_pism reads it relative to the working directory
_STRING = datasets.Value("string")
UNIT_FEATURES = datasets.Features(
    {
        **{k: _STRING for k in ("item_id", "pism_item_id", "pism_masker", "source_task")},
        **{k: _STRING for k in ("source_doc", "prompt", "sample_seed")},
        "pism_ratio": datasets.Value("float64"),
        "pism_k": datasets.Value("int64"),
        "pism_cell": datasets.Value("int64"),
        "images": datasets.Sequence(datasets.Image()),  # source_row: PNG cells, in order
    }
)


@dataclass
class ScoreRequest:
    model_path: str
    model_name: str
    source_task: str
    out: Path
    config: PISMConfig
    full_curve: bool = False
    wave: int = 1
    batch_size: int = 8
    limit: int | None = None
    offset: int = 0  # score `limit` items from this position of the source task on
    # Units per lmms-eval evaluation: a round larger than this (the exhaustive sweep's first round
    # is every unit) is split, so results reach attempts.jsonl as they go.
    chunk_units: int = 1000
    seed: int = 0
    device: str = "cpu"  # a concrete device (harness.models.device.resolve_device): cpu, cuda, cuda:N
    shard: tuple[int, int] | None = None  # (i, N): only the items of shard i of N (harness.difficulty.shards)
    engine: str = "hf"  # hf | vllm (harness.lmms.engines)
    # Extra attempts that may be needed next, when fewer units are left than the engine batches:
    # λ* and tiers unchanged, more generations, less wall time (bench_engines measures both).
    speculate: bool = False
    vllm_urls: tuple[str, ...] = ()  # running vLLM servers; none: started for the run
    servers: int = 1  # vLLM servers started for the run (one per GPU)


def unit_outcome(score: float | None) -> bool | None:
    """An attempt's outcome from the source task's score: solved only at full marks; None (unscored,
    e.g. a judge-needed answer without a judge) stays None, never a failure."""
    return None if score is None else score == 1.0


class PISMRun:
    """A resumable scoring run rooted at `out` (attempts.jsonl, config.json, difficulty.parquet)."""

    def __init__(self, req: ScoreRequest) -> None:
        self.req = req
        self.out = shard_dir(req.out, *req.shard) if req.shard else Path(req.out)
        identity = {
            "model": req.model_path,
            "source_task": req.source_task,
            "config": asdict(req.config),
            "seed": req.seed,
            "sampler": SAMPLER,
            "engine": req.engine,  # HF and vLLM sampled answers differ
            "limit": req.limit,
            **({"offset": req.offset} if req.offset else {}),
            **({"shard": "{}/{}".format(*req.shard)} if req.shard else {}),
        }
        self.run_dir = RunDir(self.out, identity, "attempts.jsonl", "PISM")
        self._model: Any = None  # the lmms-eval model, loaded at the first round
        self.engine: Engine | None = None  # set while the run runs
        self.task = ScoringTask(PISM_TASK, UNIT_FEATURES, UNITS_FILE)  # built at the first round

    def load_states(self, item_ids: list[str]) -> dict[str, ItemState]:
        states = {i: ItemState(i) for i in item_ids}
        for row in self.run_dir.read():
            if row["item_id"] in states:
                states[row["item_id"]].record(row["ratio"], row["k"], bool(row["correct"]))
        return states

    def plan(self, states: dict[str, ItemState]) -> dict[str, list[tuple[float, int]]]:
        cfg = self.req.config
        if self.req.full_curve:
            return {
                i: [u for u in exhaustive_units(cfg) if u[1] not in s.outcomes.get(u[0], {})]
                for i, s in states.items()
            }
        planned = {i: s.next_units(cfg, self.req.wave) for i, s in states.items()}
        if self.req.speculate:
            self._speculate(states, planned)
        return planned

    def _speculate(self, states: dict[str, ItemState], planned: dict[str, list[tuple[float, int]]]) -> None:
        """Fill the round's last engine batch (all of it when fewer units are left than one batch):
        those slots would be generated empty-handed anyway. One extra unit per open item in turn."""
        batch = self.model().batch_size
        total = sum(len(u) for u in planned.values())
        room = -total % batch
        extra = {i: states[i].speculative_units(self.req.config, u, room) for i, u in planned.items() if u}
        while room > 0 and any(extra.values()):
            for i, candidates in extra.items():
                if candidates and room > 0:
                    planned[i].append(candidates.pop(0))
                    room -= 1

    def run(self) -> pd.DataFrame:
        with folder_lock(self.out, "harness score pism"):  # a second run on this folder is refused
            return self._run()

    def _run(self) -> pd.DataFrame:
        req = self.req
        with engine_for(req.engine, req.model_path, req.model_name, req.device, req.seed, self.out,
                        req.vllm_urls, req.servers) as engine:  # fmt: skip
            self.engine = engine
            try:
                return self._rounds()
            finally:
                self.engine, self._model = None, None

    def _rounds(self) -> pd.DataFrame:
        cfg = self.req.config
        docs, prompts = load_source_docs(self.req.source_task, self.req.limit, self.req.offset)
        if self.req.shard:
            docs, prompts = shard_of(docs, prompts, *self.req.shard)
        # Each item's images are PNG-encoded once per run, not once per unit of every round; items
        # with no image are left out (harness.difficulty.source says why).
        items = scoring_items(docs, prompts, self.req.source_task, "PISM")
        docs = items.docs
        by_id = {str(d["item_id"]): (d, p) for d, p in zip(docs, items.prompts, strict=True)}
        common = {str(d["item_id"]): row for d, row in zip(docs, items.rows, strict=True)}
        states = self.load_states(list(by_id))
        bar = tqdm(total=len(states), desc="PISM items decided", unit="item")
        round_no = 0
        while True:
            planned = {i: u for i, u in self.plan(states).items() if u}
            decided = len(states) - len(planned)
            spent = sum(s.generations() for s in states.values())
            bar.n = decided
            bar.set_postfix(generations=spent, round=round_no)
            bar.refresh()
            if not planned:
                break
            for item in set(common) - set(planned):
                del common[item]  # decided: its images are not needed again
            rows = [
                row
                for item, units in planned.items()
                for row in expand_units(
                    by_id[item][0],
                    by_id[item][1],
                    self.req.source_task,
                    units,
                    cfg.masker,
                    common=common[item],
                )
            ]
            for start in range(0, len(rows), self.req.chunk_units):
                chunk = rows[start : start + self.req.chunk_units]
                for result in self._evaluate(chunk, round_no):
                    states[result["item_id"]].record(result["ratio"], result["k"], result["correct"])
                spent = sum(s.generations() for s in states.values())
                bar.set_postfix(generations=spent, round=round_no)
            round_no += 1
        bar.close()
        return self.write_table(states, docs)

    def _evaluate(self, rows: list[dict[str, Any]], round_no: int) -> list[dict[str, Any]]:
        """One lmms-eval evaluation of the round's units; appends each attempt to attempts.jsonl."""
        cfg = self.req.config
        samples = evaluate_rows(
            rows,
            self.task,
            self.out / "rounds" / f"{round_no:03d}-{int(time.time() * 1000)}",
            self.model(),
            f"temperature={cfg.temperature},do_sample=True,max_new_tokens={cfg.max_new_tokens}",
        )
        out = []
        for sample in samples:
            meta = sample[RECORD_METRIC]["meta"]
            out.append(
                {
                    "item_id": meta["pism_item_id"],
                    "ratio": meta["pism_ratio"],
                    "k": meta["pism_k"],
                    "correct": unit_outcome(sample[RECORD_METRIC]["score"]),
                    "unit": unit_id(meta["pism_item_id"], meta["pism_ratio"], meta["pism_k"]),
                    "response": (sample.get("filtered_resps") or [""])[0],
                }
            )
        self.run_dir.append(out)
        return out

    def model_args(self) -> str:
        """The model_args of this run's rounds (with vLLM: of its servers, once they run)."""
        if self.engine is not None:
            return self.engine.model_args
        return hf_engine(self.req.model_path, self.req.device, self.req.seed).model_args

    def model(self) -> Any:
        """The engine's lmms-eval model, loaded once per run and kept across rounds."""
        if self._model is None:
            assert self.engine is not None, "model() is called while the run runs"
            self._model = scoring_model(self.engine.model, self.engine.model_args, self.req.batch_size)
        return self._model

    def write_table(self, states: dict[str, ItemState], docs: list[dict[str, Any]]) -> pd.DataFrame:
        cfg = self.req.config
        hashes = {str(d["item_id"]): d.get("content_hash") or "" for d in docs}
        rows = []
        for item, state in states.items():
            row = summarise(state, cfg)
            row["content_hash"] = hashes[item]
            row["source_task"] = self.req.source_task
            row["model"] = self.req.model_name
            row["engine"] = self.engine.version if self.engine else self.req.engine
            row["pism_config_hash"] = config_hash(asdict(cfg))
            row["pism_copies"] = COPIES[cfg.masker]
            rows.append(row)
        df = pd.DataFrame(rows).sort_values("item_id").reset_index(drop=True)
        self.run_dir.write_table(df)
        return df
