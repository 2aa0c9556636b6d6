"""Run lmms-eval as a subprocess and turn its sample logs into per-item records.

Why a subprocess: it is the route every lmms-eval user takes (and `accelerate launch` needs one for
data parallelism), and lmms-eval's Python API writes nothing to disk and tears down the model after
one call. lmms-eval's CLI exits 0 even when evaluation crashed, so success is judged by the files it
wrote, never by its exit code alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.core.constants import SAMPLER
from harness.core.errors import InputError, StageError
from harness.core.files import atomic_write_json, folder_lock
from harness.core.paths import data_root
from harness.core.records import config_hash, write_records
from harness.core.tables import TierTableError, attach_tiers, per_tier, read_difficulty, tier_column
from harness.lmms.engines import Engine, engine_for
from harness.lmms.samples import SampleLogError, read_sample_log, samples_to_records
from harness.models.device import resolve_device
from harness.models.loader import ModelIdentity, model_identity
from harness.paper6.data import benchmarks_in, check_local_data, data_dir, datasets_cache_env, include_path
from harness.report.metrics import task_metrics

DEFAULT_BACKEND = "harness_vlm"
# Settings that change what a model answers; device, batch size and process count must not.
_NON_SEMANTIC_MODEL_ARGS = {"pretrained", "device", "device_map", "batch_size", "journal"}


class EvalError(StageError):
    """An evaluation did not produce complete results; the message says why."""


@dataclass
class EvalConfig:
    """One `harness eval` run. `model` is an embedded model name, a local directory or a hub id."""

    model: str
    tasks: list[str]
    out: Path
    processes: int = 1
    batch_size: int = 1
    limit: int | None = None
    device: str | None = None
    backend: str = DEFAULT_BACKEND
    engine: str = "hf"  # hf: `backend` in lmms-eval's processes; vllm: harness_vllm and vLLM servers
    vllm_urls: list[str] = field(default_factory=list)  # running servers; none: started for the run
    model_args: str = ""
    gen_kwargs: str = ""
    seed: int = 0
    label: str | None = None
    extra_args: list[str] = field(default_factory=list)
    # Difficulty tables (PISM and/or CMAB) whose tiers are attached to records and reported.
    difficulty: list[Path] = field(default_factory=list)
    # An OpenAI-compatible judge (MM-Vet grading, MathVista extraction when rules fail).
    judge_url: str | None = None
    judge_model: str | None = None
    judge_cache: Path | None = None

    def resolved_device(self) -> str:
        return resolve_device(self.device)


@dataclass
class TaskSummary:
    task: str
    benchmark: str
    n: int
    n_scored: int
    score: float | None
    stderr: float | None
    records_path: str
    model: dict[str, Any]
    gen_config_hash: str
    task_version: str
    lmms_eval_metrics: dict[str, Any]
    metrics: dict[str, Any] = field(default_factory=dict)
    by_tier: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _label_for(model: str) -> str:
    name = Path(model.rstrip("/")).name or model
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def build_command(
    cfg: EvalConfig, model_path: str, raw_dir: Path, journal: Path | None = None, engine: Engine | None = None
) -> list[str]:
    """The lmms-eval command line (wrapped in `accelerate launch` when processes > 1). With a vLLM
    `engine`, one lmms-eval process sends every request to the engine's servers."""
    device = cfg.resolved_device()
    model_args = [f"pretrained={model_path}"]
    backend = cfg.backend
    if engine is not None and engine.name == "vllm":
        backend = engine.model
        model_args = [engine.model_args]
        if journal is not None:
            model_args.append(f"journal={journal}")
    elif cfg.backend == DEFAULT_BACKEND:
        model_args.append(f"device={device}")
        if journal is not None:
            model_args.append(f"journal={journal}")
    elif device == "cpu":
        model_args += ["device=cpu", "device_map=cpu"]
    if cfg.model_args:
        model_args.append(cfg.model_args)
    lmms = [
        "-m",
        "lmms_eval",
        "--model",
        backend,
        "--model_args",
        ",".join(model_args),
        "--tasks",
        ",".join(cfg.tasks),
        "--include_path",
        str(include_path()),
        "--batch_size",
        str(cfg.batch_size),
        "--log_samples",
        "--output_path",
        str(raw_dir),
        # Keep <think> blocks in responses: the harness extracts answers itself and stores raw output.
        "--reasoning_tags",
        "none",
        "--timezone",
        "UTC",
        "--seed",
        f"{cfg.seed},{cfg.seed},{cfg.seed},{cfg.seed}",
    ]
    if cfg.gen_kwargs:
        lmms += ["--gen_kwargs", cfg.gen_kwargs]
    if cfg.limit is not None:
        lmms += ["--limit", str(cfg.limit)]
    lmms += cfg.extra_args
    if cfg.processes <= 1 or (engine is not None and engine.name == "vllm"):
        return [sys.executable, *lmms]
    launch = [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--num_processes",
        str(cfg.processes),
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        "--main_process_port",
        str(_free_port()),
    ]
    if device == "cpu":
        launch.append("--cpu")
    return [*launch, *lmms]


def needs_hub(cfg: EvalConfig) -> bool:
    """Whether the run downloads: a hub model id, or one of the six benchmarks with no local copy.
    Otherwise it runs offline (the embedded suite and models need nothing from the network)."""
    hub_model = not Path(cfg.model).expanduser().exists() and "/" in cfg.model
    return hub_model or (bool(benchmarks_in(cfg.tasks)) and data_dir() is None)


def _env(cfg: EvalConfig | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if cfg is not None and (cfg.judge_url or cfg.judge_model):
        env["HARNESS_JUDGE_URL"] = cfg.judge_url or ""
        env["HARNESS_JUDGE_MODEL"] = cfg.judge_model or ""
        env["HARNESS_JUDGE_CACHE"] = str(cfg.judge_cache or data_root() / "judge-cache.sqlite")
    local = data_dir()
    if local is not None:
        env.update(datasets_cache_env(local))  # never another copy's cached items
    if cfg is None or not needs_hub(cfg):
        for key in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
            env.setdefault(key, "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    # lmms-eval's MathVista utils read this at import time; an empty value keeps them importable.
    env.setdefault("OPENAI_API_KEY", "")
    return env


def _run_streaming(
    cmd: list[str], cwd: Path, log_path: Path, quiet: bool, env: dict[str, str] | None = None
) -> int:
    """Run cmd, copying its output to log_path (and to stderr unless quiet)."""
    with log_path.open("w") as log:
        log.write("$ " + " ".join(cmd) + "\n")
        log.flush()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env or _env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            if not quiet:
                sys.stderr.write(line)
        return proc.wait()


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt)\b.*$", re.MULTILINE)


def _failure_cause(log_path: Path) -> str:
    """Why a run failed, from its log: every distinct exception raised (root causes first, since
    lmms-eval re-raises them wrapped, e.g. in tenacity's RetryError), else the log's tail."""
    text = _ANSI.sub("", log_path.read_text(errors="replace"))
    causes = list(dict.fromkeys(m.group(0).strip() for m in _EXCEPTION_LINE.finditer(text)))
    if causes:
        return "\n".join(causes[:10])
    errors = [ln for ln in text.splitlines() if "ERROR" in ln]
    return "\n".join(errors[-10:] or text.splitlines()[-15:])


def _find_results(raw_dir: Path) -> Path | None:
    found = sorted(raw_dir.rglob("*_results.json"))
    return found[-1] if found else None


def _expand_tasks(requested: list[str], results: dict[str, Any]) -> list[str]:
    """Requested names with groups replaced by their subtasks (as lmms-eval reports them)."""
    groups: dict[str, list[str]] = results.get("group_subtasks", {})
    out: list[str] = []
    for name in requested:
        subtasks = groups.get(name)
        out.extend(_expand_tasks(subtasks, results) if subtasks else [name])
    return out


def gen_config_hash(cfg: EvalConfig, task_config: dict[str, Any]) -> str:
    """Hash of everything that changes what the model is asked and how it decodes."""
    model_args = {
        k: v
        for k, v in (kv.split("=", 1) for kv in cfg.model_args.split(",") if "=" in kv)
        if k not in _NON_SEMANTIC_MODEL_ARGS
    }
    return config_hash(
        {
            "backend": cfg.backend,
            **({"engine": cfg.engine} if cfg.engine != "hf" else {}),
            "model_args": model_args,
            "cli_gen_kwargs": cfg.gen_kwargs,
            "generation_kwargs": task_config.get("generation_kwargs"),
            "prompt_kwargs": task_config.get("lmms_eval_specific_kwargs"),
            "seed": cfg.seed,
        }
    )


def evaluate(
    cfg: EvalConfig, model_path: str, identity: ModelIdentity, quiet: bool = False
) -> list[TaskSummary]:
    """Run lmms-eval once for all tasks; write records and summaries; raise EvalError on any failure."""
    model_dir = Path(cfg.out) / (cfg.label or identity.name)
    with folder_lock(model_dir, "harness eval"):  # a second run on this folder is refused
        return _evaluate(cfg, model_path, identity, model_dir, quiet)


def _evaluate(
    cfg: EvalConfig, model_path: str, identity: ModelIdentity, model_dir: Path, quiet: bool
) -> list[TaskSummary]:
    run_id = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{os.getpid()}"
    raw_dir = (model_dir / "lmms_eval" / run_id).resolve()
    raw_dir.mkdir(parents=True, exist_ok=True)
    log_path = raw_dir / "lmms_eval.log"
    # Read difficulty tables and check local data before the model loads, so bad paths fail fast.
    try:
        tables = [(p, read_difficulty(p)) for p in cfg.difficulty]
        check_local_data(cfg.tasks)
    except FileNotFoundError as e:
        raise InputError(str(e)) from e
    journal = journal_dir(cfg, identity, model_dir) if cfg.backend == DEFAULT_BACKEND else None
    # vLLM servers (when the run starts its own) live as long as the lmms-eval process.
    with engine_for(cfg.engine, model_path, identity.name, cfg.resolved_device(), cfg.seed, raw_dir,
                    cfg.vllm_urls, cfg.processes) as engine:  # fmt: skip
        cmd = build_command(cfg, model_path, raw_dir, journal, engine)
        started = time.time()
        rc = _run_streaming(cmd, data_root(), log_path, quiet, _env(cfg))
        wall = time.time() - started

    results_path = _find_results(raw_dir)
    if rc != 0 or results_path is None:
        why = f"exit code {rc}" if rc != 0 else "lmms-eval wrote no results file"
        kept = _journaled(journal)
        resume = (
            f"\n{kept} generated responses are kept in {journal}: rerun the same command to continue."
            if kept
            else ""
        )
        raise EvalError(f"evaluation failed ({why}); log: {log_path}\n{_failure_cause(log_path)}{resume}")
    results = json.loads(results_path.read_text())
    summaries = []
    for task in _expand_tasks(cfg.tasks, results):
        if task not in results.get("results", {}):
            raise EvalError(
                f"task {task!r} is missing from lmms-eval's results; log: {log_path}\n{_failure_cause(log_path)}"
            )
        samples = sorted(raw_dir.rglob(f"*_samples_{task}.jsonl"))
        if not samples:
            raise EvalError(f"task {task!r}: lmms-eval wrote no sample log; log: {log_path}")
        task_config = results.get("configs", {}).get(task, {})
        expected = results.get("n-samples", {}).get(task, {}).get("effective")
        try:
            rows = read_sample_log(samples[-1])
        except SampleLogError as e:
            raise EvalError(str(e)) from e
        if expected is not None and len(rows) != expected:
            raise EvalError(f"task {task!r}: {len(rows)} logged samples, expected {expected}")
        gch = gen_config_hash(cfg, task_config)
        version = str(results.get("versions", {}).get(task, ""))
        df = samples_to_records(rows, task=task, identity=identity, gen_config_hash=gch, task_version=version,
                                engine=engine.version if cfg.backend == DEFAULT_BACKEND else cfg.backend)  # fmt: skip
        by_tier: dict[str, list[dict[str, Any]]] = {}
        for table_path, table in tables:
            try:
                df = attach_tiers(df, table, str(table_path))
            except TierTableError as e:
                raise InputError(f"task {task!r}: {e}") from e
            by_tier[tier_column(table)] = per_tier(df, tier_column(table), task_metrics)
        records_path = write_records(df, model_dir / task / "records.parquet")
        scored = df["score"].dropna()
        n_scored = int(scored.size)
        summary = TaskSummary(
            task=task,
            benchmark=str(df["benchmark"].iloc[0]) if len(df) else task,
            n=len(df),
            n_scored=n_scored,
            score=float(scored.mean()) if n_scored else None,
            stderr=float(scored.std(ddof=1) / n_scored**0.5) if n_scored > 1 else None,
            records_path=str(records_path),
            model=asdict(identity),
            gen_config_hash=gch,
            task_version=version,
            lmms_eval_metrics=results["results"][task],
            metrics=task_metrics(df),
            by_tier=by_tier,
        )
        payload = {**asdict(summary), "wall_seconds": round(wall, 2), "command": cmd, "log": str(log_path)}
        atomic_write_json(model_dir / task / "summary.json", payload)
        summaries.append(summary)
    if journal is not None:
        shutil.rmtree(journal, ignore_errors=True)  # every record is written: nothing left to resume
        with contextlib.suppress(OSError):
            journal.parent.rmdir()  # only when no other run's journal is in there
    return summaries


def journal_dir(cfg: EvalConfig, identity: ModelIdentity, model_dir: Path) -> Path:
    """Where `harness_vlm` journals responses for this exact run (see harness/lmms/journal.py): named
    after everything that decides an answer, so a rerun with other settings starts afresh."""
    key = config_hash({"model": identity.path, "weights": identity.weights_hash, "model_args": cfg.model_args,
                       "gen_kwargs": cfg.gen_kwargs, "seed": cfg.seed, "tasks": cfg.tasks, "limit": cfg.limit,
                       "data_dir": str(data_dir() or ""), "engine": cfg.engine, "sampler": SAMPLER})  # fmt: skip
    return (model_dir / "partial" / key).resolve()


def _journaled(journal: Path | None) -> int:
    if journal is None or not journal.exists():
        return 0
    return sum(p.read_text(errors="replace").count("\n") for p in journal.glob("responses.rank*.jsonl"))


def resolve_model(model: str) -> tuple[str, ModelIdentity]:
    """(path or hub id to load, identity to record). Embedded names are built on first use."""
    from harness.models.families import UnsupportedModel, family_of_path
    from harness.synth.models import EMBEDDED_MODELS, ensure_embedded_model

    if model in EMBEDDED_MODELS:
        path = ensure_embedded_model(model)
        return str(path), model_identity(path, name=model)
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "config.json").exists():
            raise InputError(f"--model: {path} is not a model directory (no config.json)")
        try:
            family_of_path(path)  # refused here, before lmms-eval starts or any weights are read
        except UnsupportedModel as err:
            raise InputError(f"--model: {err}") from None
        return str(path.resolve()), model_identity(path)
    if re.fullmatch(r"[\w.-]+/[\w.-]+", model) and not model.startswith("."):
        # A hub id such as Qwen/Qwen2.5-VL-7B-Instruct (needs network or a populated HF cache).
        return model, ModelIdentity(name=_label_for(model), path=model, weights_hash=None)
    raise InputError(f"--model: {model!r} is not an embedded model, a local directory or a hub id")
