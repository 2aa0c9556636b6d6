"""One config per stage of the study, in the order a study runs.

Each is a frozen dataclass checked on construction (harness.api._config); the `harness` CLI derives
its options from these fields, so the help text here is the CLI's help.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harness.api._config import StageConfig, option
from harness.core.constants import DEFAULT_MODEL, DEFAULT_TASKS, POOL_TASK
from harness.core.errors import InputError
from harness.difficulty.pism import RATIOS
from harness.difficulty.shards import parse_shard
from harness.lmms.engines import check_engine
from harness.models.device import DEVICE_CHOICES, check_device

Masker = Literal["rect", "pixels", "patches", "semantic"]
Convention = Literal["text", "table_a"]
CmabVariant = Literal["paper", "released_code"]
Paradigm = Literal["grpo_only", "sft_grpo"]
VLLMMode = Literal["colocate", "server"]

_DEVICE_HELP = f"{DEVICE_CHOICES}; auto: CUDA when present, else CPU."
_PROCESSES_HELP = "Score in N local processes (one GPU each when there are N), then merge."
_SHARD_HELP = "Score only shard i/N of the items (0 <= i < N; e.g. a job array), into OUT/shards/<i>-of-<N>."
_JUDGE_URL = "OpenAI-compatible judge base URL, e.g. http://127.0.0.1:8000/v1."
Engine = Literal["hf", "vllm"]
_ENGINE_HELP = "hf (transformers in this process) or vllm (OpenAI-compatible vLLM servers; make vllm-setup)."
_VLLM_URL_HELP = (
    "Base URL of a running vLLM server (e.g. http://127.0.0.1:8000/v1); repeat for several, requests "
    "are spread across them. Default: start one (one per GPU with --processes)."
)
_ALLOW_UNSCORED = "Score a task whose answers need a judge without one (such items get tier 'unscored')."


def _check_sharding(shard: str | None, processes: int) -> None:
    if shard is not None:
        parse_shard(shard)
        if processes > 1:
            raise InputError("--shard and --processes: give one (--processes runs every shard itself)")


def _check_judge(url: str | None, model: str | None) -> None:
    if bool(url) != bool(model):
        raise InputError("--judge-url and --judge-model: give both, or neither")


def _check_scoring_judge(task: str, url: str | None, model: str | None, allow_unscored: bool) -> None:
    """A source task whose answers need a judge is refused without one: its items would be
    unscored, and a difficulty table of unscored items says nothing."""
    from harness.paper6.data import benchmarks_in

    _check_judge(url, model)
    needing = [b for b in benchmarks_in([task]) if b.needs_judge]
    if needing and not url and not allow_unscored:
        raise InputError(
            f"--task {task}: {needing[0].title} answers need a judge to be scored; give --judge-url and "
            "--judge-model, or --allow-unscored to leave such items unscored (tier 'unscored')"
        )


@dataclass(frozen=True)
class EvaluateConfig(StageConfig):
    """Evaluate a model on lmms-eval tasks: one record per item, a summary per task."""

    model: str = option(DEFAULT_MODEL, "Embedded model name, local model directory, or hub id.")
    tasks: tuple[str, ...] = option(
        DEFAULT_TASKS, "lmms-eval task names (comma-separated or repeated); paper6 for the six benchmarks."
    )
    out: Path = option(Path("runs/eval"), "Output folder: OUT/<model>/<task>/records.parquet.")
    processes: int = option(1, "Data-parallel processes through accelerate.", min=1)
    batch_size: int = option(1, "Requests per generation batch.", min=1)
    limit: int | None = option(None, "Evaluate only the first N items of each task.", min=1)
    device: str = option("auto", _DEVICE_HELP)
    engine: Engine = option("hf", _ENGINE_HELP)
    vllm_url: tuple[str, ...] = option((), _VLLM_URL_HELP)
    backend: str = option("harness_vlm", "lmms-eval model name for --engine hf (e.g. qwen2_5_vl).")
    model_args: str = option("", "Extra lmms-eval model_args, k=v,k=v.")
    gen_kwargs: str = option("", "lmms-eval --gen_kwargs override.")
    seed: int = option(0, "Seed of lmms-eval's random generators.")
    label: str | None = option(None, "Name of the output folder for this model.")
    black_images: bool = option(False, "Replace every image by a black one (measures image dependence).")
    difficulty: tuple[Path, ...] = option(
        (), "Difficulty table (PISM or CMAB difficulty.parquet or its run folder); repeatable."
    )
    data_dir: Path | None = option(None, "Local copies of the benchmark datasets.", envvar="HARNESS_DATA_DIR")
    judge_url: str | None = option(None, _JUDGE_URL, envvar="HARNESS_JUDGE_URL")
    judge_model: str | None = option(
        None, "Judge model name (as the server calls it).", envvar="HARNESS_JUDGE_MODEL"
    )
    judge_cache: Path | None = option(None, "Judge reply cache (sqlite).")
    quiet: bool = option(False, "Do not echo lmms-eval's output (it is always logged).")

    def check(self) -> None:
        # "a,b" and ("a", "b") name the same tasks (the CLI takes both forms).
        tasks = tuple(t.strip() for name in self.tasks for t in name.split(","))
        if not tasks or not all(tasks):
            raise InputError(f"--tasks: {','.join(self.tasks)!r} names an empty task")
        object.__setattr__(self, "tasks", tasks)
        check_device(self.device)
        _check_judge(self.judge_url, self.judge_model)
        check_engine(self.engine, self.vllm_url)
        if self.engine == "vllm" and self.backend != "harness_vlm":
            raise InputError("--backend: only with --engine hf (--engine vllm uses harness_vllm)")


@dataclass(frozen=True)
class ScorePismConfig(StageConfig):
    """PISM: how much of each item's image can be hidden before the model stops solving it."""

    task: str = option(help="Source task whose items are scored (e.g. harness_synth_mmstar).")
    out: Path = option(help="Run folder: attempts.jsonl, difficulty.parquet, survival.png.")
    model: str = option(DEFAULT_MODEL, "Reference model (embedded name or local directory).")
    masker: Masker = option("rect", "How a ratio λ of the image is hidden.")
    ratios: tuple[float, ...] = option(
        RATIOS, "Mask ratios λ, increasing from 0.0; repeatable.", flags=("--ratio",)
    )
    k: int = option(10, "Masked copies per ratio.", min=1)
    tau: float = option(0.1, "A ratio fails when P_c < tau.", min=0.0, max=1.0)
    temperature: float = option(0.7, "Sampling temperature of the attempts.", min=0.0)
    convention: Convention = option("text", "Tier boundaries: text (paper text) or table_a.")
    full_curve: bool = option(False, "Exhaustive sweep (every ratio, every attempt).")
    limit: int | None = option(None, "Score only the first N items.", min=1)
    batch_size: int = option(8, "Requests per generation batch.", min=1)
    wave: int = option(1, "Attempts per item per round in the adaptive schedule.", min=1)
    speculate: bool = option(
        False,
        "Fill each round's last batch with attempts the schedule may need next (same λ*, more generations).",
    )
    max_new_tokens: int = option(48, "Tokens generated per attempt.", min=1)
    device: str = option("auto", _DEVICE_HELP)
    processes: int = option(1, _PROCESSES_HELP, min=1)
    shard: str | None = option(None, _SHARD_HELP)
    engine: Engine = option("hf", _ENGINE_HELP)
    vllm_url: tuple[str, ...] = option((), _VLLM_URL_HELP)
    judge_url: str | None = option(None, _JUDGE_URL, envvar="HARNESS_JUDGE_URL")
    judge_model: str | None = option(
        None, "Judge model name (as the server calls it).", envvar="HARNESS_JUDGE_MODEL"
    )
    allow_unscored: bool = option(False, _ALLOW_UNSCORED)

    def check(self) -> None:
        check_device(self.device)
        _check_sharding(self.shard, self.processes)
        check_engine(self.engine, self.vllm_url)
        _check_scoring_judge(self.task, self.judge_url, self.judge_model, self.allow_unscored)


@dataclass(frozen=True)
class ScoreCmabConfig(StageConfig):
    """CMAB: how evenly each correct answer's attention is split between image and text."""

    task: str = option(help="Source task whose items are scored (e.g. harness_synth_mmstar).")
    out: Path = option(help="Run folder: items.jsonl, difficulty.parquet, cmab_hist.png.")
    model: str = option(DEFAULT_MODEL, "Reference model (embedded name or local directory).")
    variant: CmabVariant = option("paper", "ρ̄ as the paper defines it, or as its released code does.")
    released_layer: int | None = option(
        None,
        "released_code's layer (0-based). Default: the same depth fraction as the code's layer 20 of "
        "Qwen2.5-VL-7B's 28 (round(20·L/28)), so it means the same on a model of any depth.",
        min=0,
    )
    hard: tuple[float, float] = option((0.4, 1.6), "ρ̄ range of the hard tier (inclusive).")
    medium: tuple[float, float] = option((0.1, 1.9), "ρ̄ range of hard + medium.")
    max_new_tokens: int = option(64, "Tokens generated per answer.", min=1)
    limit: int | None = option(None, "Score only the first N items.", min=1)
    batch_size: int = option(8, "Requests per batch.", min=1)
    device: str = option("auto", _DEVICE_HELP)
    processes: int = option(1, _PROCESSES_HELP, min=1)
    shard: str | None = option(None, _SHARD_HELP)
    judge_url: str | None = option(None, _JUDGE_URL, envvar="HARNESS_JUDGE_URL")
    judge_model: str | None = option(
        None, "Judge model name (as the server calls it).", envvar="HARNESS_JUDGE_MODEL"
    )
    allow_unscored: bool = option(False, _ALLOW_UNSCORED)

    def check(self) -> None:
        check_device(self.device)
        _check_sharding(self.shard, self.processes)
        _check_scoring_judge(self.task, self.judge_url, self.judge_model, self.allow_unscored)
        if not (self.medium[0] <= self.hard[0] <= self.hard[1] <= self.medium[1]):
            raise InputError(f"--hard {self.hard} must lie inside --medium {self.medium}")


@dataclass(frozen=True)
class MergeScoresConfig(StageConfig):
    """Join the shards of a PISM or CMAB run (OUT/shards/<i>-of-<N>) into OUT/difficulty.parquet."""

    out: Path = option(help="The run folder the shards were written under (their --out).", argument=True)
    method: Literal["pism", "cmab"] = option("pism", "Which difficulty method the shards ran.")


@dataclass(frozen=True)
class AgreeConfig(StageConfig):
    """Tier agreement of two difficulty tables: confusion table and Cohen's κ."""

    first: Path = option(help="A difficulty.parquet (PISM or CMAB run) or its run folder.", argument=True)
    second: Path = option(help="Another difficulty table.", argument=True)
    out: Path | None = option(None, "Also write the result as Markdown here.")


@dataclass(frozen=True)
class SelectConfig(StageConfig):
    """A training subset from a difficulty table: tiers by policy, or a size-matched random control."""

    difficulty: Path = option(help="Difficulty table (difficulty.parquet or its run folder).")
    policy: str = option(
        "mid+hard", "mid+hard | hard | mid | easy | unsolved | full | random:<policy> (size-matched)."
    )
    seed: int = option(0, "Seed of a random control.")
    out: Path | None = option(None, "Write the selection (ids, tier counts, table hash) as JSON here.")


@dataclass(frozen=True)
class TrainConfig(StageConfig):
    """One arm of the study with TRL: GRPO-only, or SFT then GRPO, from difficulty-selected subsets."""

    paradigm: Paradigm = option(help="grpo_only (base → GRPO) or sft_grpo (base → SFT → GRPO).")
    out: Path = option(help="Checkpoint directory (manifest.json, train_log.json, reward.png).")
    grpo_subset: str = option("full", "mid+hard | hard | mid | easy | unsolved | full | random:<policy>.")
    sft_subset: str | None = option(None, "SFT subset (sft_grpo only).")
    difficulty: Path | None = option(None, "Difficulty table the subsets come from.")
    items: str = option(POOL_TASK, "Source task whose items are the training pool.")
    model: str = option(DEFAULT_MODEL, "Base model (embedded name or local directory).")
    preset: str = option("tiny", "tiny | paper | path to a preset YAML.")
    seeds: tuple[int, ...] = option((0,), "Seed; repeat for several seeds (OUT/seed<N>).", flags=("--seed",))
    max_steps: int | None = option(None, "Override the preset's GRPO steps.", min=1)
    device: str = option("auto", _DEVICE_HELP)
    use_vllm: bool = option(False, "Generate GRPO rollouts with vLLM (GPU, TRL's use_vllm).")
    vllm_mode: VLLMMode = option(
        "colocate",
        "With --use-vllm: colocate (vLLM inside each training process, sharing its GPU) or server "
        "(a `trl vllm-serve` you start on other GPUs; TRL's vllm_server_host/port in the preset).",
    )

    def check(self) -> None:
        check_device(self.device)
        if not self.seeds:
            raise InputError("--seed: give at least one seed")
        if self.vllm_mode != "colocate" and not self.use_vllm:
            raise InputError("--vllm-mode: needs --use-vllm")
        if self.use_vllm and importlib.util.find_spec("vllm") is None:
            # TRL imports vLLM inside the training process (both modes: the server mode's client
            # too); without it the run would fail after loading the model.
            raise InputError(
                "--use-vllm: vLLM is not installed beside TRL here (pip install -e '.[vllm]' on the GPU machines)"
            )
        if self.paradigm == "sft_grpo" and not self.sft_subset:
            raise InputError("--sft-subset: sft_grpo needs an SFT subset")
        if self.paradigm == "grpo_only" and self.sft_subset:
            raise InputError("--sft-subset: grpo_only takes no SFT subset (use --paradigm sft_grpo)")
        for name, policy in (("--grpo-subset", self.grpo_subset), ("--sft-subset", self.sft_subset)):
            if policy and policy != "full" and self.difficulty is None:
                raise InputError(f"{name} {policy!r} needs --difficulty")


@dataclass(frozen=True)
class RescoreConfig(StageConfig):
    """Re-score stored responses of the six benchmarks (new judge, fixed scorer) without generating."""

    path: Path = option(help="A records.parquet, or a folder searched for them.", argument=True)
    judge_url: str | None = option(None, _JUDGE_URL, envvar="HARNESS_JUDGE_URL")
    judge_model: str | None = option(None, "Judge model name.", envvar="HARNESS_JUDGE_MODEL")
    judge_cache: Path | None = option(None, "Judge reply cache (sqlite).")
    difficulty: tuple[Path, ...] = option((), "Difficulty table(s) to report tiers from; repeatable.")

    def check(self) -> None:
        _check_judge(self.judge_url, self.judge_model)


@dataclass(frozen=True)
class CompareConfig(StageConfig):
    """Paired comparison of checkpoints per benchmark and tier: CIs, p-values, MDE, forest plot."""

    runs: tuple[Path, ...] = option(
        help="Run folders (OUT/<model>); the first is the reference.", argument=True
    )
    out: Path = option(Path("runs/compare"), "Where compare.md/.csv/.tex and forest.png go.")
    difficulty: tuple[Path, ...] = option((), "Difficulty table to take tiers from (else the records' own).")
    level: float = option(0.95, "Confidence level of intervals.", min=0.5, max=0.999)
    alpha: float = option(0.05, "Significance level (after Holm).", min=0.0, max=1.0)
    q: float = option(0.1, "Benjamini-Hochberg FDR over tier cells.", min=0.0, max=1.0)
    effect: float = option(
        0.02, "Smallest δ worth detecting (fraction): above-MDE cells are underpowered.", min=0.0
    )
    resamples: int = option(10_000, "Bootstrap / permutation resamples.", min=100)
    seed: int = option(0, "Seed of the resampling.")
    arms: tuple[str, ...] = option(
        (),
        "NAME=RUN1,RUN2,... : runs (folder names) that are seeds of one arm; repeatable.",
        flags=("--arm",),
    )
    arms_from: Path | None = option(
        None,
        "A folder of `harness train` checkpoints: arms from their manifests (seeds of the same "
        "settings), each checkpoint matched to the compared run of its weights. Instead of --arm.",
    )

    def check(self) -> None:
        if len(self.runs) < 2:
            raise InputError("give at least two run folders: the reference first, then the checkpoints")
        if self.arms and self.arms_from is not None:
            raise InputError("--arms-from: give it or --arm, not both")
        self.arm_runs()

    def arm_runs(self) -> dict[str, list[str]]:
        """--arm NAME=RUN1,RUN2 entries as {name: [run folder names]}."""
        out: dict[str, list[str]] = {}
        for entry in self.arms:
            name, sep, runs = entry.partition("=")
            folders = [r.strip() for r in runs.split(",") if r.strip()]
            if not sep or not name.strip() or not folders:
                raise InputError(f"--arm {entry!r}: expected NAME=RUN1,RUN2,...")
            if name.strip() in out:
                raise InputError(f"--arm {name.strip()!r} is given twice")
            out[name.strip()] = folders
        return out


@dataclass(frozen=True)
class LeaderboardConfig(StageConfig):
    """Add checkpoints to a suite's leaderboard and render it (leaderboards/<suite>/README.md)."""

    runs: tuple[Path, ...] = option((), "Run folders (OUT/<model>) to add or update.", argument=True)
    suite: str = option("harness_synth6", "Suite name: the folder under --dir.")
    dir: Path = option(Path("leaderboards"), "Leaderboards folder.")
    alpha: float = option(0.05, "Significance level that separates ranks.", min=0.0, max=1.0)


@dataclass(frozen=True)
class GateConfig(StageConfig):
    """CI gate: PASS if the candidate is not worse than the baseline by more than the margin."""

    candidate: Path = option(help="The candidate's run folder (OUT/<model>) or records file.")
    baseline: Path = option(help="A committed leaderboard entry (leaderboards/<suite>/<name>.json).")
    margin: float = option(
        help="Non-inferiority margin on the macro score, as a fraction (0.02 = 2 points).", min=0.0, max=1.0
    )
    level: float = option(0.95, "Two-sided confidence level of the interval.", min=0.5, max=0.999)
    strict: bool = option(False, "Treat an inconclusive result as a failure (exit 1).")
    resamples: int = option(10_000, "Bootstrap resamples.", min=100)


@dataclass(frozen=True)
class PowerConfig(StageConfig):
    """Power of a paired comparison: the MDE for n items, or the n needed for an effect."""

    n: int | None = option(None, "Items in the benchmark (gives the MDE).", min=2)
    effect: float | None = option(None, "Target δ as a fraction (gives the required n).", min=0.0, max=1.0)
    discordance: tuple[float, ...] = option(
        (0.1, 0.2, 0.3), "Share of items two checkpoints disagree on; repeatable."
    )
    alpha: float = option(0.05, "Significance level.", min=0.0, max=1.0)
    power: float = option(0.8, "Target power.", min=0.0, max=1.0)

    def check(self) -> None:
        if (self.n is None) == (self.effect is None):
            raise InputError("give exactly one of --n (for the MDE) or --effect (for n)")
        if not self.discordance:
            raise InputError("--discordance: give at least one rate")
        for rate in self.discordance:
            if not 0 < rate <= 1:
                raise InputError(f"--discordance: {rate} is not in (0, 1]")
