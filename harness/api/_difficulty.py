"""`score_pism`, `score_cmab`, `agree`, `select`: item difficulty, its tiers and training subsets."""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from harness.api._configs import (
    AgreeConfig,
    MergeScoresConfig,
    ScoreCmabConfig,
    ScorePismConfig,
    SelectConfig,
)
from harness.core.errors import InputError
from harness.core.files import atomic_write_text
from harness.core.tables import read_difficulty, tier_column, tier_counts
from harness.difficulty.agreement import Agreement, tier_agreement
from harness.difficulty.selection import Selection
from harness.difficulty.selection import select as select_items
from harness.difficulty.shards import merge as merge_shards
from harness.difficulty.shards import parse_shard
from harness.evaluation.runner import resolve_model
from harness.models.device import resolve_device, spread


@dataclass
class ScoreResult:
    """A difficulty run: its folder, the table (one row per item, with the tier) and its plot."""

    out: Path
    table: pd.DataFrame = field(repr=False)
    table_path: Path
    plot: Path
    model: str

    @property
    def tier_column(self) -> str:
        return tier_column(self.table)

    def tier_counts(self) -> pd.Series:
        return tier_counts(self.table[self.tier_column])


def score_pism(config: ScorePismConfig) -> ScoreResult:
    """PISM difficulty of `config.task`'s items (or of one shard of them, or in several processes);
    resumes an interrupted run in the same folder."""
    from harness.difficulty.pism import PISMConfig, TierThresholds
    from harness.difficulty.pism_runner import PISMRun, ScoreRequest
    from harness.difficulty.plots import plot_pism

    try:
        pism = PISMConfig(ratios=config.ratios, k=config.k, tau=config.tau, temperature=config.temperature,
                          masker=config.masker, thresholds=TierThresholds(convention=config.convention),
                          max_new_tokens=config.max_new_tokens)  # fmt: skip
    except ValueError as e:
        raise InputError(str(e)) from e
    model_path, identity = resolve_model(config.model)
    if config.processes > 1 and config.engine == "hf":
        table = _in_processes(config, "pism")
        return ScoreResult(config.out, table, config.out / "difficulty.parquet",
                           plot_pism(table, pism, config.out), identity.name)  # fmt: skip
    # With vLLM, one process spreads the units over the servers (one per GPU with --processes).
    req = ScoreRequest(model_path=model_path, model_name=identity.name, source_task=config.task, out=config.out,
                       config=pism, full_curve=config.full_curve, wave=config.wave, speculate=config.speculate,
                       batch_size=config.batch_size, limit=config.limit, device=resolve_device(config.device),
                       shard=parse_shard(config.shard) if config.shard else None, engine=config.engine,
                       vllm_urls=config.vllm_url, servers=config.processes)  # fmt: skip
    run = PISMRun(req)
    with judge_env(config.judge_url, config.judge_model):
        table = run.run()
    return ScoreResult(
        run.out, table, run.out / "difficulty.parquet", plot_pism(table, pism, run.out), identity.name
    )


def score_cmab(config: ScoreCmabConfig) -> ScoreResult:
    """CMAB difficulty of `config.task`'s items (or of one shard of them, or in several processes);
    resumes an interrupted run in the same folder."""
    from harness.difficulty.cmab import CMABConfig
    from harness.difficulty.cmab_runner import CMABRequest, CMABRun
    from harness.difficulty.plots import plot_cmab

    model_path, identity = resolve_model(config.model)
    cmab = CMABConfig(variant=config.variant, released_layer=config.released_layer, hard=config.hard,
                      medium=config.medium, max_new_tokens=config.max_new_tokens)  # fmt: skip
    if config.processes > 1:
        table = _in_processes(config, "cmab")
        return ScoreResult(config.out, table, config.out / "difficulty.parquet",
                           plot_cmab(table, cmab, config.out), identity.name)  # fmt: skip
    req = CMABRequest(model_path, identity.name, config.task, config.out, cmab, batch_size=config.batch_size,
                      limit=config.limit, device=resolve_device(config.device),
                      shard=parse_shard(config.shard) if config.shard else None)  # fmt: skip
    run = CMABRun(req)
    with judge_env(config.judge_url, config.judge_model):
        table = run.run()
    out = run.run_dir.out
    return ScoreResult(out, table, out / "difficulty.parquet", plot_cmab(table, cmab, out), identity.name)


@contextlib.contextmanager
def judge_env(url: str | None, model: str | None) -> Iterator[None]:
    """The judge the source task's scorer consults (it reads HARNESS_JUDGE_URL / _MODEL), for the
    run's duration."""
    from harness.paper6.tasks import configured_judge

    values = {"HARNESS_JUDGE_URL": url, "HARNESS_JUDGE_MODEL": model}
    old = {k: os.environ.get(k) for k in values}
    for key, value in values.items():
        if value:
            os.environ[key] = value
    configured_judge.cache_clear()
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        configured_judge.cache_clear()


def _score_shard(config: ScorePismConfig | ScoreCmabConfig) -> None:
    """One shard in a worker process (module-level, so a spawned process can import it)."""
    (score_pism if isinstance(config, ScorePismConfig) else score_cmab)(config)  # type: ignore[arg-type]


def _in_processes(config: ScorePismConfig | ScoreCmabConfig, method: str) -> pd.DataFrame:
    """`config.processes` shards, each in its own spawned process and device, then merged. A shard
    that fails stops the run with its error; finished shards are kept (a rerun resumes them)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    n = config.processes
    devices = spread(resolve_device(config.device), n)
    shards = [dataclasses.replace(config, processes=1, shard=f"{i}/{n}", device=devices[i]) for i in range(n)]
    with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn")) as pool:
        for future in [pool.submit(_score_shard, shard) for shard in shards]:
            future.result()
    return merge_shards(config.out, method.upper())


@dataclass
class MergeResult:
    out: Path
    table: pd.DataFrame = field(repr=False)
    table_path: Path


def merge_scores(config: MergeScoresConfig) -> MergeResult:
    """The shards of a PISM or CMAB run joined into OUT/difficulty.parquet (settings checked)."""
    table = merge_shards(config.out, config.method.upper())
    return MergeResult(config.out, table, config.out / "difficulty.parquet")


@dataclass
class AgreeResult:
    agreement: Agreement
    markdown: str
    path: Path | None


def agree(config: AgreeConfig) -> AgreeResult:
    """Agreement of two difficulty tables' tiers (confusion table, Cohen's κ with its CI)."""
    tables = [read_difficulty(p) for p in (config.first, config.second)]
    columns = [tier_column(t) for t in tables]
    names = [
        f"{c.split('_')[0].upper()} ({_run_name(p)})"
        for c, p in zip(columns, (config.first, config.second), strict=True)
    ]
    try:
        agreement = tier_agreement(tables[0], tables[1], columns[0], columns[1])
    except ValueError as e:
        raise InputError(str(e)) from e
    text = agreement.to_markdown(*names)
    if config.out is not None:
        atomic_write_text(config.out, text)
    return AgreeResult(agreement, text, config.out)


def _run_name(path: Path) -> str:
    return path.name if path.is_dir() else path.parent.name


@dataclass
class SelectResult:
    selection: Selection
    path: Path | None


def select(config: SelectConfig) -> SelectResult:
    """The items of a training subset (a tier policy, or a size-matched seeded random control)."""
    try:
        selection = select_items(read_difficulty(config.difficulty), config.policy, config.seed)
    except (ValueError, KeyError) as e:
        raise InputError(str(e)) from e
    path = selection.write(config.out) if config.out is not None else None
    return SelectResult(selection, path)
