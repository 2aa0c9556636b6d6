"""The `harness` command line: a thin layer over the modules (one sub-command per stage)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer import Option

from harness.core.constants import TIERS

if TYPE_CHECKING:
    import pandas as pd

    from harness.evaluation.runner import TaskSummary

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console(stderr=False)
err = Console(stderr=True)


@app.callback()
def main() -> None:
    """Difficulty-aware evaluation harness for multimodal post-training."""


_EXTRA_METRICS = ("fAcc", "qAcc", "macro_l2")


def _by_tier_table(title: str, rows: list[dict[str, Any]]) -> Table:
    """Metrics per tier (scores in %); unscored items and approximate scores are shown, not hidden."""
    extras = [m for m in _EXTRA_METRICS if any(m in r for r in rows)]
    table = Table(title=title)
    for col in ("tier", "n", "scored", "score", *extras):
        table.add_column(col, justify="left" if col == "tier" else "right")
    for r in rows:
        score = "-" if r["score"] is None else f"{100 * r['score']:.1f}" + (" ≈" if r["approximate"] else "")
        table.add_row(
            r["tier"],
            str(r["n"]),
            str(r["n_scored"]),
            score,
            *(f"{100 * r[m]:.1f}" if m in r else "-" for m in extras),
        )
    if any(r["approximate"] for r in rows):
        table.caption = "≈ approximate: rule-based MM-Vet score (no judge configured)"
    return table


def _print_summaries(summaries: list[TaskSummary]) -> None:
    table = Table(title="harness eval", show_lines=False)
    for col in ("task", "benchmark", "model", "n", "scored", "score", "± s.e."):
        table.add_column(col, justify="right" if col in {"n", "scored", "score", "± s.e."} else "left")
    for s in summaries:
        table.add_row(
            s.task,
            s.benchmark,
            s.model["name"],
            str(s.n),
            str(s.n_scored),
            "-"
            if s.score is None
            else f"{100 * s.score:.1f}" + (" ≈" if s.metrics.get("approximate") else ""),
            "-" if s.stderr is None else f"{100 * s.stderr:.1f}",
        )
    scored = [s.score for s in summaries if s.score is not None]
    if len(summaries) > 1 and scored:
        n = sum(s.n for s in summaries)
        macro = 100 * sum(scored) / len(scored)
        table.add_section()
        table.add_row(
            "macro mean", "", "", str(n), str(sum(s.n_scored for s in summaries)), f"{macro:.1f}", ""
        )
    console.print(table)


@app.command("eval")
def eval_cmd(
    model: Annotated[
        str | None, Option(help="Embedded model name, local model directory, or hub id.")
    ] = None,
    tasks: Annotated[str | None, Option(help="Comma-separated lmms-eval task names.")] = None,
    out: Annotated[Path, Option(help="Output folder: OUT/<model>/<task>/records.parquet.")] = Path(
        "runs/eval"
    ),
    processes: Annotated[int, Option(min=1, help="Data-parallel processes through accelerate.")] = 1,
    batch_size: Annotated[int, Option(min=1)] = 1,
    limit: Annotated[int | None, Option(help="Evaluate only the first N items of each task.")] = None,
    device: Annotated[str | None, Option(help="cpu or cuda (default: cuda when available).")] = None,
    backend: Annotated[str, Option(help="lmms-eval model name (e.g. qwen2_5_vl, vllm).")] = "harness_vlm",
    model_args: Annotated[str, Option(help="Extra lmms-eval model_args, k=v,k=v.")] = "",
    gen_kwargs: Annotated[str, Option(help="lmms-eval --gen_kwargs override.")] = "",
    label: Annotated[str | None, Option(help="Name of the output folder for this model.")] = None,
    black_images: Annotated[
        bool, Option(help="Replace every image by a black one (measures image dependence).")
    ] = False,
    quiet: Annotated[bool, Option(help="Do not echo lmms-eval's output (it is always logged).")] = False,
    difficulty: Annotated[
        list[Path] | None,
        Option(help="Difficulty table (PISM or CMAB difficulty.parquet or its run folder); repeatable."),
    ] = None,
    data_dir: Annotated[
        Path | None, Option(help="Local copies of the benchmark datasets (default: $HARNESS_DATA_DIR).")
    ] = None,
    judge_url: Annotated[
        str | None, Option(help="OpenAI-compatible judge base URL, e.g. http://127.0.0.1:8000/v1.")
    ] = None,
    judge_model: Annotated[str | None, Option(help="Judge model name (as the server calls it).")] = None,
    judge_cache: Annotated[Path | None, Option(help="Judge reply cache (sqlite).")] = None,
) -> None:
    """Evaluate a model on tasks with lmms-eval; write one record per item and print a table.

    Tasks: the embedded synthetic suite by default; `paper6` (or any of harness_mathvista_testmini,
    harness_mmvet, harness_ocrbench, harness_hallusion_image, harness_mmmu_val, harness_mmstar) for
    the paper's six benchmarks. The judge's API key is read from $HARNESS_JUDGE_API_KEY."""
    from harness.evaluation.runner import EvalConfig, EvalError, evaluate, resolve_model
    from harness.synth.datasets import ensure_task_data
    from harness.synth.models import DEFAULT_MODEL
    from harness.synth.suite import DEFAULT_TASKS

    if black_images:
        model_args = ",".join(filter(None, [model_args, "image_ablation=black"]))
    task_list = [t.strip() for t in (tasks or ",".join(DEFAULT_TASKS)).split(",") if t.strip()]
    cfg = EvalConfig(
        model=model or DEFAULT_MODEL,
        tasks=task_list,
        out=out,
        processes=processes,
        batch_size=batch_size,
        limit=limit,
        device=device,
        backend=backend,
        model_args=model_args,
        gen_kwargs=gen_kwargs,
        label=label,
        difficulty=list(difficulty or []),
        judge_url=judge_url or os.environ.get("HARNESS_JUDGE_URL") or None,
        judge_model=judge_model or os.environ.get("HARNESS_JUDGE_MODEL") or None,
        judge_cache=judge_cache,
    )
    if data_dir is not None:
        os.environ["HARNESS_DATA_DIR"] = str(data_dir.expanduser().resolve())
    if bool(cfg.judge_url) != bool(cfg.judge_model):
        err.print("[bold red]harness eval:[/] give both --judge-url and --judge-model, or neither")
        raise typer.Exit(2)
    try:
        ensure_task_data(task_list)
        model_path, identity = resolve_model(cfg.model)
        if black_images and not label:
            cfg.label = f"{identity.name}-black-images"
        summaries = evaluate(cfg, model_path, identity, quiet=quiet)
    except EvalError as e:
        err.print(f"[bold red]harness eval failed:[/] {e}", markup=True, highlight=False)
        raise typer.Exit(1) from e
    _print_summaries(summaries)
    for s in summaries:
        for column, rows in s.by_tier.items():
            console.print(_by_tier_table(f"{s.task} by {column.split('_')[0].upper()} tier", rows))
    console.print(f"records: {Path(out) / (cfg.label or identity.name)}/<task>/records.parquet")


score_app = typer.Typer(no_args_is_help=True, help="Score item difficulty with a reference model.")
app.add_typer(score_app, name="score")


@score_app.command("pism")
def score_pism_cmd(
    task: Annotated[str, Option(help="Source task whose items are scored (e.g. harness_synth_mmstar).")],
    out: Annotated[Path, Option(help="Run folder: attempts.jsonl, difficulty.parquet, plots.")],
    model: Annotated[str | None, Option(help="Reference model (embedded name or local directory).")] = None,
    masker: Annotated[str, Option(help="rect | pixels | patches | semantic")] = "rect",
    k: Annotated[int, Option(help="Masked copies per ratio.")] = 10,
    tau: Annotated[float, Option(help="A ratio fails when P_c < tau.")] = 0.1,
    temperature: Annotated[float, Option()] = 0.7,
    convention: Annotated[str, Option(help="Tier boundaries: text (paper text) or table_a.")] = "text",
    full_curve: Annotated[bool, Option(help="Exhaustive sweep (every ratio, every attempt).")] = False,
    limit: Annotated[int | None, Option(help="Score only the first N items.")] = None,
    batch_size: Annotated[int, Option(min=1)] = 8,
    wave: Annotated[int, Option(min=1, help="Attempts per item per round in the adaptive schedule.")] = 1,
) -> None:
    """PISM: how much of the image can be hidden before the model stops solving each item."""
    from harness.difficulty.pism import PISMConfig, TierThresholds
    from harness.difficulty.pism_runner import PISMRun, ScoreRequest
    from harness.difficulty.plots import plot_pism
    from harness.evaluation.runner import resolve_model
    from harness.synth.models import DEFAULT_MODEL

    model_path, identity = resolve_model(model or DEFAULT_MODEL)
    cfg = PISMConfig(
        k=k, tau=tau, temperature=temperature, masker=masker, thresholds=TierThresholds(convention=convention)
    )
    req = ScoreRequest(
        model_path=model_path,
        model_name=identity.name,
        source_task=task,
        out=out,
        config=cfg,
        full_curve=full_curve,
        wave=wave,
        batch_size=batch_size,
        limit=limit,
    )
    table = PISMRun(req).run()
    plot_pism(table, cfg, out)
    summary = _tier_table(f"PISM tiers: {task} ({identity.name}, {masker})", table["pism_tier"])
    summary.add_section()
    summary.add_row("generations", str(int(table["pism_generations"].sum())), "")
    console.print(summary)
    console.print(f"difficulty table: {out / 'difficulty.parquet'}")


def _tier_table(title: str, tiers: pd.Series) -> Table:
    counts = tiers.value_counts().reindex(list(TIERS), fill_value=0)
    table = Table(title=title)
    for col in ("tier", "items", "share"):
        table.add_column(col, justify="right" if col != "tier" else "left")
    for name, n in counts.items():
        table.add_row(str(name), str(int(n)), f"{100 * n / max(len(tiers), 1):.1f}%")
    return table


@score_app.command("cmab")
def score_cmab_cmd(
    task: Annotated[str, Option(help="Source task whose items are scored (e.g. harness_synth_mmstar).")],
    out: Annotated[Path, Option(help="Run folder: items.jsonl, difficulty.parquet, cmab_hist.png.")],
    model: Annotated[str | None, Option(help="Reference model (embedded name or local directory).")] = None,
    variant: Annotated[str, Option(help="paper (DESIGN §5) or released_code.")] = "paper",
    released_layer: Annotated[
        int | None, Option(help="released_code's layer (0-based; default: 20/28 of the depth).")
    ] = None,
    hard: Annotated[tuple[float, float], Option(help="ρ̄ range of the hard tier (inclusive).")] = (0.4, 1.6),
    medium: Annotated[tuple[float, float], Option(help="ρ̄ range of hard + medium.")] = (0.1, 1.9),
    max_new_tokens: Annotated[int, Option(min=1)] = 64,
    limit: Annotated[int | None, Option(help="Score only the first N items.")] = None,
    batch_size: Annotated[int, Option(min=1)] = 8,
) -> None:
    """CMAB: how evenly each correct answer's attention is split between image and text."""
    from harness.difficulty.cmab import CMABConfig
    from harness.difficulty.cmab_runner import CMABRequest, CMABRun
    from harness.difficulty.plots import plot_cmab
    from harness.evaluation.runner import resolve_model
    from harness.synth.models import DEFAULT_MODEL

    model_path, identity = resolve_model(model or DEFAULT_MODEL)
    cfg = CMABConfig(
        variant=variant,
        released_layer=released_layer,
        hard=hard,
        medium=medium,
        max_new_tokens=max_new_tokens,
    )
    req = CMABRequest(model_path, identity.name, task, out, cfg, batch_size=batch_size, limit=limit)
    table = CMABRun(req).run()
    plot_cmab(table, cfg, out)
    console.print(_tier_table(f"CMAB tiers: {task} ({identity.name}, {variant})", table["cmab_tier"]))
    console.print(f"difficulty table: {out / 'difficulty.parquet'}")


@app.command("rescore")
def rescore_cmd(
    path: Annotated[Path, typer.Argument(help="A records.parquet, or a folder searched for them.")],
    judge_url: Annotated[str | None, Option(help="OpenAI-compatible judge base URL.")] = None,
    judge_model: Annotated[str | None, Option(help="Judge model name.")] = None,
    judge_cache: Annotated[Path | None, Option(help="Judge reply cache (sqlite).")] = None,
    difficulty: Annotated[
        list[Path] | None, Option(help="Difficulty table(s) to report tiers from; repeatable.")
    ] = None,
) -> None:
    """Re-score stored responses of the six benchmarks (new judge, fixed scorer) without generating."""
    import json

    from harness.core.records import read_records, write_records
    from harness.core.tables import TierTableError, attach_tiers, per_tier, read_difficulty, tier_column
    from harness.judge import Judge, JudgeConfig
    from harness.paper6.rescore import RescoreError, rescore
    from harness.report.metrics import task_metrics

    if bool(judge_url) != bool(judge_model):
        err.print("[bold red]harness rescore:[/] give both --judge-url and --judge-model, or neither")
        raise typer.Exit(2)
    judge = None
    if judge_url and judge_model:
        from harness.core.paths import data_root

        cache = judge_cache or data_root() / "judge-cache.sqlite"
        judge = Judge(JudgeConfig(base_url=judge_url, model=judge_model, cache_path=cache))
    files = [path] if path.is_file() else sorted(path.rglob("records.parquet"))
    if not files:
        err.print(f"[bold red]harness rescore:[/] no records.parquet under {path}")
        raise typer.Exit(1)
    try:
        tables = [(p, read_difficulty(p)) for p in difficulty or []]
        for file in files:
            before = read_records(file)
            result = rescore(before, judge)
            df = result.records
            by_tier = {}
            for table_path, table in tables:
                df = attach_tiers(df, table, str(table_path))
                by_tier[tier_column(table)] = per_tier(df, tier_column(table), task_metrics)
            write_records(df, file)
            metrics = task_metrics(df)
            summary_path = file.with_name("summary.json")
            if summary_path.exists():
                summary = json.loads(summary_path.read_text())
                summary.update(metrics=metrics, by_tier=by_tier or summary.get("by_tier", {}))
                summary.update(n_scored=metrics["n_scored"], score=metrics["score"])
                summary_path.write_text(json.dumps(summary, indent=2) + "\n")
            old, new = before["score"].dropna(), metrics["score"]
            shown_old = f"{100 * old.mean():.1f}" if len(old) else "-"
            shown_new = "-" if new is None else f"{100 * new:.1f}"
            console.print(
                f"{file}: {result.changed} score(s) changed, {metrics['n_unscored']} unscored; "
                f"score {shown_old} -> {shown_new}"
            )
            for column, rows in by_tier.items():
                console.print(
                    _by_tier_table(f"{file.parent.name} by {column.split('_')[0].upper()} tier", rows)
                )
    except (RescoreError, TierTableError, FileNotFoundError) as e:
        err.print(f"[bold red]harness rescore failed:[/] {e}")
        raise typer.Exit(1) from e
    if judge is not None:
        console.print(f"judge: {judge.stats}")


@app.command("compare")
def compare_cmd(
    runs: Annotated[
        list[Path], typer.Argument(help="Run folders (OUT/<model>); the first is the reference.")
    ],
    out: Annotated[Path, Option(help="Where compare.md/.csv/.tex and forest.png go.")] = Path("runs/compare"),
    difficulty: Annotated[
        list[Path] | None, Option(help="Difficulty table to take tiers from (else the records' own).")
    ] = None,
    level: Annotated[float, Option(help="Confidence level of intervals.")] = 0.95,
    alpha: Annotated[float, Option(help="Significance level (after Holm).")] = 0.05,
    q: Annotated[float, Option(help="Benjamini-Hochberg FDR over tier cells.")] = 0.1,
    effect: Annotated[
        float, Option(help="Smallest δ worth detecting (fraction): above-MDE cells are underpowered.")
    ] = 0.02,
    resamples: Annotated[int, Option(help="Bootstrap / permutation resamples.")] = 10_000,
    seed: Annotated[int, Option()] = 0,
    arm: Annotated[
        list[str] | None,
        Option(help="NAME=RUN1,RUN2,... : runs (folder names) that are seeds of one arm; repeatable."),
    ] = None,
) -> None:
    """Paired comparison of checkpoints per benchmark and tier: CIs, p-values, MDE, forest plot.

    With --arm (two or more), arms are also compared by their per-seed scores (Welch t)."""
    import json
    from dataclasses import asdict

    from harness.core.tables import TierTableError, attach_tiers, read_difficulty
    from harness.report.compare import CompareConfig, compare_runs, load_runs
    from harness.report.compare_render import write_all

    cfg = CompareConfig(level=level, alpha=alpha, q=q, effect=effect, n_resamples=resamples, seed=seed)
    try:
        if len(runs) < 2:
            raise ValueError("give at least two run folders: the reference first, then the checkpoints")
        loaded = load_runs(runs)
        for path in difficulty or []:
            table = read_difficulty(path)
            loaded = {name: attach_tiers(df, table, str(path)) for name, df in loaded.items()}
        result = compare_runs(loaded, cfg)
    except (ValueError, FileNotFoundError, TierTableError) as e:
        err.print(f"[bold red]harness compare:[/] {e}")
        raise typer.Exit(1) from e
    paths = write_all(result, cfg, out)
    if arm:
        from harness.report.seeds import seed_table
        from harness.report.seeds import to_markdown as seeds_markdown

        try:
            arms = {a.split("=", 1)[0]: a.split("=", 1)[1].split(",") for a in arm if "=" in a}
            table = seed_table(arms, loaded, level)
        except (ValueError, IndexError) as e:
            err.print(f"[bold red]harness compare --arm:[/] {e}")
            raise typer.Exit(1) from e
        table.to_csv(out / "seeds.csv", index=False, float_format="%.6g")
        with paths["md"].open("a") as fh:
            fh.write("\n" + seeds_markdown(table))
        paths["seeds"] = out / "seeds.csv"
    (out / "settings.json").write_text(
        json.dumps({**asdict(cfg), "runs": [str(r) for r in runs]}, indent=2) + "\n"
    )
    console.print(paths["md"].read_text())
    console.print(f"written: {', '.join(str(p) for p in paths.values())}")


@app.command("power")
def power_cmd(
    n: Annotated[int | None, Option(help="Items in the benchmark (gives the MDE).")] = None,
    effect: Annotated[float | None, Option(help="Target δ as a fraction (gives the required n).")] = None,
    discordance: Annotated[
        list[float] | None, Option(help="Share of items two checkpoints disagree on; repeatable.")
    ] = None,
    alpha: Annotated[float, Option()] = 0.05,
    power: Annotated[float, Option()] = 0.8,
) -> None:
    """Power of a paired comparison: the MDE for n items, or the n needed for an effect."""
    from harness.stats import mde_paired, required_n

    if (n is None) == (effect is None):
        err.print("[bold red]harness power:[/] give exactly one of --n (for the MDE) or --effect (for n)")
        raise typer.Exit(2)
    rates = discordance or [0.1, 0.2, 0.3]
    table = Table(title="paired power (exact McNemar)", caption=f"α = {alpha}, power = {power:.0%}")
    table.add_column("discordance", justify="right")
    table.add_column("MDE (points)" if n is not None else "items needed", justify="right")
    for rate in rates:
        if n is not None:
            value = f"{100 * mde_paired(n, rate, alpha, power):.1f}"
        else:
            assert effect is not None
            value = str(required_n(effect, rate, alpha, power))
        table.add_row(f"{rate:.2f}", value)
    console.print(table)
    if n is not None:
        console.print(f"n = {n}: a gap smaller than the MDE is not detectable with {power:.0%} power.")


@app.command("leaderboard")
def leaderboard_cmd(
    runs: Annotated[
        list[Path] | None, typer.Argument(help="Run folders (OUT/<model>) to add or update.")
    ] = None,
    suite: Annotated[str, Option(help="Suite name: the folder under --dir.")] = "harness_synth6",
    root: Annotated[Path, Option("--dir", help="Leaderboards folder.")] = Path("leaderboards"),
    alpha: Annotated[float, Option(help="Significance level that separates ranks.")] = 0.05,
) -> None:
    """Add checkpoints to a suite's leaderboard and render it (leaderboards/<suite>/README.md)."""
    from harness.report.compare import load_runs
    from harness.report.leaderboard import entry_from_records, read_entry, render, write_entry

    folder = root / suite
    try:
        for name, records in load_runs(list(runs or [])).items():
            path = write_entry(entry_from_records(records, name, suite), folder / f"{name}.json")
            console.print(f"entry: {path}")
        entries = [read_entry(p) for p in sorted(folder.glob("*.json"))]
    except (ValueError, FileNotFoundError) as e:
        err.print(f"[bold red]harness leaderboard:[/] {e}")
        raise typer.Exit(1) from e
    text = render(entries, alpha)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.md").write_text(text)
    console.print(text)


@app.command("gate")
def gate_cmd(
    candidate: Annotated[Path, Option(help="The candidate's run folder (OUT/<model>) or records file.")],
    baseline: Annotated[
        Path, Option(help="A committed leaderboard entry (leaderboards/<suite>/<name>.json).")
    ],
    margin: Annotated[
        float, Option(help="Non-inferiority margin on the macro score, as a fraction (0.02 = 2 points).")
    ],
    level: Annotated[float, Option(help="Two-sided confidence level of the interval.")] = 0.95,
    strict: Annotated[bool, Option(help="Treat an inconclusive result as a failure (exit 1).")] = False,
    resamples: Annotated[int, Option()] = 10_000,
) -> None:
    """CI gate: PASS if the candidate is not worse than the baseline by more than the margin."""
    from harness.report.compare import load_runs
    from harness.report.gate import gate
    from harness.report.leaderboard import read_entry
    from harness.stats import Decision

    try:
        records = next(iter(load_runs([candidate]).values()))
        result = gate(records, read_entry(baseline), margin, level, resamples)
    except (ValueError, FileNotFoundError) as e:
        err.print(f"[bold red]harness gate:[/] {e}")
        raise typer.Exit(2) from e
    table = Table(title=f"non-inferiority gate: margin {100 * margin:.1f} points, {level:.0%} CI")
    for col in ("scope", "baseline", "candidate", "δ [CI]", "decision"):
        table.add_column(col, justify="left" if col in ("scope", "decision") else "right")
    for scope, ni in [("macro (suite)", result.overall), *result.per_task.items()]:
        r = ni.result
        table.add_row(scope, f"{100 * r.mean_a:.1f}", f"{100 * r.mean_b:.1f}",
                      f"{100 * r.delta:+.1f} [{100 * r.ci_low:.1f}, {100 * r.ci_high:.1f}]", ni.decision.value)  # fmt: skip
    console.print(table)
    for report in result.reports:
        if report.n_excluded or report.warnings:
            err.print("\n".join(report.lines()), highlight=False)
    if result.decision is Decision.FAIL:
        err.print(
            "[bold red]gate: FAIL[/] (the candidate is worse than the baseline by more than the margin)"
        )
        raise typer.Exit(1)
    if result.decision is Decision.INCONCLUSIVE:
        err.print(
            "[bold yellow]gate: INCONCLUSIVE[/] (the interval straddles the margin: more items are needed)"
        )
        raise typer.Exit(1 if strict else 0)
    console.print("[bold green]gate: PASS[/]")


@app.command("paper")
def paper_cmd(
    out: Annotated[Path | None, Option(help="Output folder (default: leaderboards/paper).")] = None,
) -> None:
    """Re-render the paper's published tables with each benchmark's minimum detectable effect."""
    from harness.report.paper import PAPER_CSV, PAPER_DIR, render_paper

    for path in render_paper(PAPER_CSV, out or PAPER_DIR):
        console.print(f"written: {path}")


@app.command("train")
def train_cmd(
    paradigm: Annotated[str, Option(help="grpo_only (base → GRPO) or sft_grpo (base → SFT → GRPO).")],
    out: Annotated[Path, Option(help="Checkpoint directory (manifest.json, train_log.json, reward.png).")],
    grpo_subset: Annotated[
        str, Option(help="mid+hard | hard | mid | easy | unsolved | full | random:<policy>.")
    ] = "full",
    sft_subset: Annotated[str | None, Option(help="SFT subset (sft_grpo only).")] = None,
    difficulty: Annotated[Path | None, Option(help="Difficulty table the subsets come from.")] = None,
    items: Annotated[
        str, Option(help="Source task whose items are the training pool.")
    ] = "harness_synth_pool",
    model: Annotated[str | None, Option(help="Base model (embedded name or local directory).")] = None,
    preset: Annotated[str, Option(help="tiny | paper | path to a preset YAML.")] = "tiny",
    seed: Annotated[list[int] | None, Option(help="Seed; repeat for several seeds (OUT/seed<N>).")] = None,
    max_steps: Annotated[int | None, Option(help="Override the preset's GRPO steps.")] = None,
    device: Annotated[str | None, Option(help="cpu or cuda (default: cuda when available).")] = None,
    use_vllm: Annotated[bool, Option(help="Generate GRPO rollouts with vLLM (GPU, TRL's use_vllm).")] = False,
) -> None:
    """Train one arm of the study with TRL (GRPO-only or SFT+GRPO) from a difficulty-selected subset."""
    import torch

    from harness.evaluation.runner import resolve_model
    from harness.synth.models import DEFAULT_MODEL
    from harness.train.pipeline import TrainRequest, run
    from harness.train.plots import reward_summary

    base, _ = resolve_model(model or DEFAULT_MODEL)
    seeds = seed or [0]
    dev = device or ("cuda" if torch.cuda.is_available() else "cpu")
    overrides: dict[str, Any] = {"max_steps": max_steps, "use_vllm": use_vllm or None}
    for s in seeds:
        target = out / f"seed{s}" if len(seeds) > 1 else out
        req = TrainRequest(paradigm=paradigm, base=base, items=items, out=target, grpo_subset=grpo_subset,
                           sft_subset=sft_subset, difficulty=difficulty, preset=preset, seed=s,
                           grpo_overrides={k: v for k, v in overrides.items() if v is not None}, device=dev)  # fmt: skip
        try:
            path = run(req)
        except (ValueError, FileNotFoundError) as e:
            err.print(f"[bold red]harness train:[/] {e}")
            raise typer.Exit(1) from e
        import json

        summary = reward_summary(json.loads((path / "train_log.json").read_text())["log"])
        console.print(f"checkpoint: {path}  reward first/last tenth of steps: "
                      f"{summary.get('first_tenth', float('nan')):.3f} → {summary.get('last_tenth', float('nan')):.3f}")  # fmt: skip


@app.command("export-verl")
def export_verl_cmd(
    out: Annotated[Path, Option(help="Folder for train.parquet, reward.py, run_grpo.sh, manifest.json.")],
    subset: Annotated[
        str, Option(help="Selection policy (mid+hard, hard, random:mid+hard, full, ...).")
    ] = "full",
    difficulty: Annotated[Path | None, Option(help="Difficulty table the subset comes from.")] = None,
    items: Annotated[
        str, Option(help="Source task whose items are the training pool.")
    ] = "harness_synth_pool",
    preset: Annotated[str, Option(help="Preset whose prompt settings the export uses.")] = "paper",
    model_path: Annotated[
        str, Option(help="Model verl trains (written into run_grpo.sh).")
    ] = "Qwen/Qwen2.5-VL-7B-Instruct",
    seed: Annotated[int, Option(help="Seed of a random control selection.")] = 0,
    n_gpus: Annotated[int, Option(help="GPUs per node in the launch script.")] = 8,
) -> None:
    """Export a selected training subset, the reward function and a launch script for verl (Ray)."""

    from harness.core.tables import read_difficulty
    from harness.difficulty.selection import select
    from harness.train.data import subset as take
    from harness.train.grpo import grpo_recipe
    from harness.train.pipeline import training_items
    from harness.train.verl_export import export_verl

    try:
        rows = training_items(items)
        if difficulty is not None:
            sel = select(read_difficulty(difficulty), subset, seed)
            rows = take(rows, sel.item_ids)
            sel.write(out / "selection.json")
        elif subset != "full":
            raise ValueError(f"subset {subset!r} needs --difficulty")
        recipe = grpo_recipe(preset)
        paths = export_verl(rows, out, system_prompt=recipe.system_prompt, prompt_suffix=recipe.prompt_suffix,
                            model_path=model_path, n_gpus=n_gpus)  # fmt: skip
    except (ValueError, FileNotFoundError) as e:
        err.print(f"[bold red]harness export-verl:[/] {e}")
        raise typer.Exit(1) from e
    for name, path in paths.items():
        console.print(f"{name}: {path}")


@app.command("demo")
def demo_cmd(
    quick: Annotated[bool, Option(help="A few minutes: small subsets, few steps.")] = False,
    out: Annotated[Path | None, Option(help="Output folder (default runs/demo or runs/demo-quick).")] = None,
) -> None:
    """The paper's study end to end on the embedded default: score, select, train, evaluate, report.
    Re-running continues an interrupted demo."""
    from harness.demo import DemoConfig, run_demo

    folder = out or Path("runs/demo-quick" if quick else "runs/demo")
    cfg = DemoConfig.quick_config(folder) if quick else DemoConfig(out=folder)
    report = run_demo(cfg)
    console.print(report.read_text())
    console.print(f"report: {report}")


@app.command("agree")
def agree_cmd(
    first: Annotated[Path, typer.Argument(help="A difficulty.parquet (PISM or CMAB run).")],
    second: Annotated[Path, typer.Argument(help="Another difficulty.parquet.")],
    out: Annotated[Path | None, Option(help="Also write the result as Markdown here.")] = None,
) -> None:
    """Tier agreement of two difficulty tables: confusion table and Cohen's κ."""
    import pandas as pd

    from harness.difficulty.agreement import tier_agreement

    tables = [pd.read_parquet(p) for p in (first, second)]
    cols = [next(c for c in ("pism_tier", "cmab_tier") if c in t.columns) for t in tables]
    names = [
        f"{c.split('_')[0].upper()} ({p.parent.name})" for c, p in zip(cols, (first, second), strict=True)
    ]
    try:
        result = tier_agreement(tables[0], tables[1], cols[0], cols[1])
    except ValueError as e:
        err.print(f"[bold red]harness agree:[/] {e}")
        raise typer.Exit(1) from e
    text = result.to_markdown(*names)
    console.print(text)
    if out:
        Path(out).write_text(text)


if __name__ == "__main__":
    sys.exit(app())
