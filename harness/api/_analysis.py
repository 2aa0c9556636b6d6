"""`rescore`, `compare`, `leaderboard`, `gate`, `power`: what the records say, with statistics."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from harness.api._configs import CompareConfig, GateConfig, LeaderboardConfig, PowerConfig, RescoreConfig
from harness.core.errors import InputError
from harness.core.files import atomic_write, atomic_write_json, atomic_write_text, folder_lock
from harness.core.records import read_records, write_records
from harness.core.tables import attach_tiers, per_tier, read_difficulty, tier_column
from harness.report import compare as stats_compare
from harness.report import gate as stats_gate
from harness.report.arms import arms_from_checkpoints
from harness.stats import Decision


def _read(file: Path) -> pd.DataFrame:
    """A records file, or an error naming it (pyarrow's own message names only a buffer)."""
    try:
        return read_records(file)
    except InputError:
        raise
    except (OSError, ValueError) as e:
        raise InputError(f"{file}: not a readable records file ({e})") from e


@dataclass
class RescoredFile:
    path: Path
    changed: int
    n_unscored: int
    score_before: float | None
    score_after: float | None
    by_tier: dict[str, list[dict[str, Any]]]
    kept_after_judge_failure: int = 0  # judging failed; the earlier score was kept


@dataclass
class RescoreResult:
    files: list[RescoredFile]
    judge_stats: dict[str, Any] | None = None


def rescore(config: RescoreConfig) -> RescoreResult:
    """Score stored responses again (rules of the current scorers, and the judge if one is given).

    Every file is re-scored in memory first and only then are records and summary.json rewritten
    (each atomically), so a file that cannot be re-scored — or a judge that answers nothing —
    leaves every file as it was. An item whose judging fails keeps its earlier score."""
    from harness.core.paths import data_root
    from harness.judge import Judge, JudgeConfig, timeout_from_env
    from harness.paper6.rescore import rescore as rescore_records
    from harness.report.metrics import task_metrics

    judge = None
    if config.judge_url and config.judge_model:
        cache = config.judge_cache or data_root() / "judge-cache.sqlite"
        judge = Judge(JudgeConfig(base_url=config.judge_url, model=config.judge_model, cache_path=cache,
                                  timeout_s=timeout_from_env()))  # fmt: skip
    files = [config.path] if config.path.is_file() else sorted(config.path.rglob("records.parquet"))
    if not files:
        raise InputError(f"{config.path}: no records.parquet there")
    tables = [(p, read_difficulty(p)) for p in config.difficulty]
    with folder_lock(config.path if config.path.is_dir() else config.path.parent, "harness rescore"):
        staged = []
        for file in files:
            before = _read(file)
            result = rescore_records(before, judge)
            df = result.records
            by_tier = {}
            for table_path, table in tables:
                df = attach_tiers(df, table, str(table_path))
                by_tier[tier_column(table)] = per_tier(df, tier_column(table), task_metrics)
            staged.append((file, before, result, df, by_tier))
        done = []
        for file, before, result, df, by_tier in staged:
            write_records(df, file)
            metrics = task_metrics(df)
            summary_path = file.with_name("summary.json")
            if summary_path.exists():
                summary = json.loads(summary_path.read_text())
                summary.update(metrics=metrics, by_tier=by_tier or summary.get("by_tier", {}))
                summary.update(n_scored=metrics["n_scored"], score=metrics["score"])
                atomic_write_json(summary_path, summary)
            old = before["score"].dropna()
            done.append(RescoredFile(file, result.changed, int(metrics["n_unscored"]),
                                     float(old.mean()) if len(old) else None, metrics["score"], by_tier,
                                     result.kept_after_judge_failure))  # fmt: skip
    return RescoreResult(done, asdict(judge.stats) if judge is not None else None)


@dataclass
class CompareResult:
    """compare.md / .csv / .tex, forest.png (and seeds.csv with arms), plus the tables themselves."""

    paths: dict[str, Path]
    result: stats_compare.CompareResult = field(repr=False)
    seeds: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def rows(self) -> pd.DataFrame:
        return self.result.rows

    @property
    def markdown(self) -> str:
        return self.paths["md"].read_text()


def compare(config: CompareConfig) -> CompareResult:
    """Paired comparison of every run with the first, per benchmark and tier; arm-level tests when
    `config.arms` names the seeds of each arm."""

    settings = stats_compare.CompareConfig(level=config.level, alpha=config.alpha, q=config.q,
                                           effect=config.effect, n_resamples=config.resamples,
                                           seed=config.seed)  # fmt: skip
    loaded = stats_compare.load_runs(list(config.runs))
    for path in config.difficulty:
        table = read_difficulty(path)
        loaded = {name: attach_tiers(df, table, str(path)) for name, df in loaded.items()}
    arms = arms_from_checkpoints(config.arms_from, loaded) if config.arms_from else config.arm_runs()
    unknown = sorted({r for runs in arms.values() for r in runs} - set(loaded))
    if unknown:
        raise InputError(
            f"--arm names runs that are not compared: {', '.join(unknown)} (runs: {', '.join(loaded)})"
        )
    result = stats_compare.compare_runs(loaded, settings)
    with folder_lock(config.out, "harness compare"):
        return _write_comparison(config, settings, loaded, arms, result)


def _write_comparison(
    config: CompareConfig,
    settings: stats_compare.CompareConfig,
    loaded: dict[str, pd.DataFrame],
    arms: dict[str, list[str]],
    result: stats_compare.CompareResult,
) -> CompareResult:
    from harness.report.compare_render import write_all
    from harness.report.seeds import seed_table
    from harness.report.seeds import to_markdown as seeds_markdown

    paths = write_all(result, settings, config.out)
    seeds = None
    if arms:
        seeds = seed_table(arms, loaded, config.level)
        atomic_write(
            config.out / "seeds.csv", lambda tmp: seeds.to_csv(tmp, index=False, float_format="%.6g")
        )
        with paths["md"].open("a") as fh:
            fh.write("\n" + seeds_markdown(seeds))
        paths["seeds"] = config.out / "seeds.csv"
    settings_json = {**asdict(settings), "runs": [str(r) for r in config.runs], "arms": arms}
    atomic_write_json(config.out / "settings.json", settings_json)
    paths["settings"] = config.out / "settings.json"
    return CompareResult(paths, result, seeds)


@dataclass
class LeaderboardResult:
    entries: list[dict[str, Any]] = field(repr=False)
    written: list[Path]
    markdown: str
    path: Path


def leaderboard(config: LeaderboardConfig) -> LeaderboardResult:
    """Write an entry per run (per-item scores kept, so later comparisons stay paired) and render
    the suite's leaderboard with tie groups."""
    from harness.report.leaderboard import entry_from_records, read_entry, render, write_entry

    folder = config.dir / config.suite
    written = [
        write_entry(entry_from_records(records, name, config.suite), folder / f"{name}.json")
        for name, records in stats_compare.load_runs(list(config.runs)).items()
    ]
    entries = [read_entry(p) for p in sorted(folder.glob("*.json"))]
    if not entries:
        raise InputError(f"{folder}: no leaderboard entries (give run folders to add)")
    text = render(entries, config.alpha)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / "README.md", text)
    return LeaderboardResult(entries, written, text, folder / "README.md")


@dataclass
class GateResult:
    """The gate's decision on the macro score and per task; `passed` applies `strict`."""

    decision: Decision
    passed: bool
    detail: stats_gate.GateResult = field(repr=False)


def gate(config: GateConfig) -> GateResult:
    """Paired non-inferiority of a candidate against a committed leaderboard entry."""
    from harness.report.leaderboard import read_entry

    records = next(iter(stats_compare.load_runs([config.candidate]).values()))
    detail = stats_gate.gate(
        records, read_entry(config.baseline), config.margin, config.level, config.resamples
    )
    passed = detail.decision is Decision.PASS or (
        detail.decision is Decision.INCONCLUSIVE and not config.strict
    )
    return GateResult(detail.decision, passed, detail)


@dataclass
class PowerResult:
    """Per discordance rate: the MDE (points) for `n` items, or the items needed for `effect`."""

    table: pd.DataFrame
    config: PowerConfig


def power(config: PowerConfig) -> PowerResult:
    from harness.stats import mde_paired, required_n

    rows = []
    for rate in config.discordance:
        if config.n is not None:
            rows.append(
                {
                    "discordance": rate,
                    "mde_points": 100 * mde_paired(config.n, rate, config.alpha, config.power),
                }
            )
        else:
            assert config.effect is not None
            rows.append(
                {
                    "discordance": rate,
                    "items_needed": required_n(config.effect, rate, config.alpha, config.power),
                }
            )
    return PowerResult(pd.DataFrame(rows), config)
