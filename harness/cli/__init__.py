"""The `harness` command line: one sub-command per stage, each building its `harness.api` config.

Options come from the config dataclasses (harness.cli._build); a command only calls the stage and
prints what it returned. Every command handles errors the same way: one line, exit 2 for bad
input, exit 1 for a stage that failed; `harness --debug <command>` shows the traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from harness import api
from harness.cli._build import DEBUG, debug_from_env, err, errors_handled, stage_command
from harness.cli._render import by_tier_table, console, print_summaries, tier_table

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__, pretty_exceptions_enable=False)


@app.callback()
def main(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks instead of one-line errors.")
    ] = False,
) -> None:
    """Difficulty-aware evaluation harness for multimodal post-training."""
    DEBUG["on"] = debug or debug_from_env()


@stage_command(app, "eval", api.EvaluateConfig)
def eval_cmd(cfg: api.EvaluateConfig) -> None:
    """Evaluate a model on tasks with lmms-eval; write one record per item and print a table.

    Tasks: the embedded synthetic suite by default; `paper6` (or any of harness_mathvista_testmini,
    harness_mmvet, harness_ocrbench, harness_hallusion, harness_mmmu_val, harness_mmstar) for
    the paper's six benchmarks. The judge's API key is read from $HARNESS_JUDGE_API_KEY."""
    result = api.evaluate(cfg)
    print_summaries(result.summaries)
    for s in result.summaries:
        for column, rows in s.by_tier.items():
            console.print(by_tier_table(f"{s.task} by {column.split('_')[0].upper()} tier", rows))
    console.print(f"records: {result.folder}/<task>/records.parquet")


score_app = typer.Typer(no_args_is_help=True, help="Score item difficulty with a reference model.")
app.add_typer(score_app, name="score")


@stage_command(score_app, "pism", api.ScorePismConfig)
def score_pism_cmd(cfg: api.ScorePismConfig) -> None:
    """PISM: how much of the image can be hidden before the model stops solving each item."""
    result = api.score_pism(cfg)
    summary = tier_table(f"PISM tiers: {cfg.task} ({result.model}, {cfg.masker})", result.table["pism_tier"])
    summary.add_section()
    summary.add_row("generations", str(int(result.table["pism_generations"].sum())), "")
    console.print(summary)
    console.print(f"difficulty table: {result.table_path}")


@stage_command(score_app, "cmab", api.ScoreCmabConfig)
def score_cmab_cmd(cfg: api.ScoreCmabConfig) -> None:
    """CMAB: how evenly each correct answer's attention is split between image and text."""
    result = api.score_cmab(cfg)
    console.print(
        tier_table(f"CMAB tiers: {cfg.task} ({result.model}, {cfg.variant})", result.table["cmab_tier"])
    )
    console.print(f"difficulty table: {result.table_path}")


@stage_command(score_app, "merge", api.MergeScoresConfig)
def score_merge_cmd(cfg: api.MergeScoresConfig) -> None:
    """Join the shards of a PISM or CMAB run (score --shard i/N) into one difficulty table."""
    result = api.merge_scores(cfg)
    column = f"{cfg.method}_tier"
    console.print(tier_table(f"{cfg.method.upper()} tiers, {len(result.table)} items", result.table[column]))
    console.print(f"difficulty table: {result.table_path}")


@stage_command(app, "agree", api.AgreeConfig)
def agree_cmd(cfg: api.AgreeConfig) -> None:
    """Tier agreement of two difficulty tables: confusion table and Cohen's κ."""
    console.print(api.agree(cfg).markdown)


@stage_command(app, "select", api.SelectConfig)
def select_cmd(cfg: api.SelectConfig) -> None:
    """The training subset a policy selects from a difficulty table (ids written with --out)."""
    result = api.select(cfg)
    sel = result.selection
    counts = ", ".join(f"{tier} {n}" for tier, n in sel.counts.items())
    console.print(f"{sel.policy} (seed {sel.seed}): {sel.size} items ({counts}); table {sel.table_hash}")
    if result.path is not None:
        console.print(f"selection: {result.path}")


@stage_command(app, "train", api.TrainConfig)
def train_cmd(cfg: api.TrainConfig) -> None:
    """Train one arm of the study with TRL (GRPO-only or SFT+GRPO) from a difficulty-selected subset."""
    result = api.train(cfg)
    for path, reward in zip(result.checkpoints, result.rewards, strict=True):
        first, last = reward.get("first_tenth", float("nan")), reward.get("last_tenth", float("nan"))
        console.print(f"checkpoint: {path}  reward first/last tenth of steps: {first:.3f} → {last:.3f}")


@stage_command(app, "rescore", api.RescoreConfig)
def rescore_cmd(cfg: api.RescoreConfig) -> None:
    """Re-score stored responses of the six benchmarks (new judge, fixed scorer) without generating."""
    result = api.rescore(cfg)
    for f in result.files:
        old = "-" if f.score_before is None else f"{100 * f.score_before:.1f}"
        new = "-" if f.score_after is None else f"{100 * f.score_after:.1f}"
        kept = (
            f", {f.kept_after_judge_failure} kept their earlier score (judging failed)"
            if f.kept_after_judge_failure
            else ""
        )
        console.print(
            f"{f.path}: {f.changed} score(s) changed, {f.n_unscored} unscored{kept}; score {old} -> {new}"
        )
        for column, rows in f.by_tier.items():
            console.print(by_tier_table(f"{f.path.parent.name} by {column.split('_')[0].upper()} tier", rows))
    if result.judge_stats is not None:
        console.print(f"judge: {result.judge_stats}")


@stage_command(app, "compare", api.CompareConfig)
def compare_cmd(cfg: api.CompareConfig) -> None:
    """Paired comparison of checkpoints per benchmark and tier: CIs, p-values, MDE, forest plot.

    With --arm (two or more), arms are also compared by their per-seed scores (Welch t)."""
    result = api.compare(cfg)
    console.print(result.markdown)
    console.print(f"written: {', '.join(str(p) for p in result.paths.values())}")


@stage_command(app, "power", api.PowerConfig)
def power_cmd(cfg: api.PowerConfig) -> None:
    """Power of a paired comparison: the MDE for n items, or the n needed for an effect."""
    result = api.power(cfg)
    table = Table(title="paired power (exact McNemar)", caption=f"α = {cfg.alpha}, power = {cfg.power:.0%}")
    table.add_column("discordance", justify="right")
    table.add_column("MDE (points)" if cfg.n is not None else "items needed", justify="right")
    for row in result.table.itertuples():
        value = f"{row.mde_points:.1f}" if cfg.n is not None else str(row.items_needed)
        table.add_row(f"{row.discordance:.2f}", value)
    console.print(table)
    if cfg.n is not None:
        console.print(
            f"n = {cfg.n}: a gap smaller than the MDE is not detectable with {cfg.power:.0%} power."
        )


@stage_command(app, "leaderboard", api.LeaderboardConfig)
def leaderboard_cmd(cfg: api.LeaderboardConfig) -> None:
    """Add checkpoints to a suite's leaderboard and render it (leaderboards/<suite>/README.md)."""
    result = api.leaderboard(cfg)
    for path in result.written:
        console.print(f"entry: {path}")
    console.print(result.markdown)


@stage_command(app, "gate", api.GateConfig)
def gate_cmd(cfg: api.GateConfig) -> None:
    """CI gate: PASS if the candidate is not worse than the baseline by more than the margin.

    Exit 0 on PASS (and on INCONCLUSIVE unless --strict), 1 on FAIL, 2 on bad input."""
    from harness.stats import Decision

    result = api.gate(cfg)
    table = Table(title=f"non-inferiority gate: margin {100 * cfg.margin:.1f} points, {cfg.level:.0%} CI")
    for col in ("scope", "baseline", "candidate", "δ [CI]", "decision"):
        table.add_column(col, justify="left" if col in ("scope", "decision") else "right")
    detail = result.detail
    for scope, ni in [("macro (suite)", detail.overall), *detail.per_task.items()]:
        r = ni.result
        table.add_row(scope, f"{100 * r.mean_a:.1f}", f"{100 * r.mean_b:.1f}",
                      f"{100 * r.delta:+.1f} [{100 * r.ci_low:.1f}, {100 * r.ci_high:.1f}]", ni.decision.value)  # fmt: skip
    console.print(table)
    for report in detail.reports:
        if report.n_excluded or report.warnings:
            err.print("\n".join(report.lines()), highlight=False)
    if result.decision is Decision.FAIL:
        err.print(
            "[bold red]gate: FAIL[/] (the candidate is worse than the baseline by more than the margin)"
        )
    elif result.decision is Decision.INCONCLUSIVE and detail.not_compared:
        err.print(f"[bold yellow]gate: INCONCLUSIVE[/] (no item of {', '.join(detail.not_compared)} could be "
                  "paired with the baseline: see the alignment report above)")  # fmt: skip
    elif result.decision is Decision.INCONCLUSIVE:
        err.print(
            "[bold yellow]gate: INCONCLUSIVE[/] (the interval straddles the margin: more items are needed)"
        )
    else:
        console.print("[bold green]gate: PASS[/]")
    if not result.passed:
        raise typer.Exit(1)


@app.command("paper")
def paper_cmd(
    out: Annotated[Path | None, typer.Option(help="Output folder (default: leaderboards/paper).")] = None,
) -> None:
    """Re-render the paper's published tables with each benchmark's minimum detectable effect."""
    from harness.report.paper import PAPER_CSV, PAPER_DIR, render_paper

    with errors_handled("paper"):
        for path in render_paper(PAPER_CSV, out or PAPER_DIR):
            console.print(f"written: {path}")


@app.command("export-verl")
def export_verl_cmd(
    out: Annotated[Path, typer.Option(help="Folder for train.parquet, reward.py, run_grpo.sh, manifest.json.")],
    subset: Annotated[str, typer.Option(help="Selection policy (mid+hard, hard, random:mid+hard, full, ...).")] = "full",
    difficulty: Annotated[Path | None, typer.Option(help="Difficulty table the subset comes from.")] = None,
    items: Annotated[str, typer.Option(help="Source task whose items are the training pool.")] = "harness_synth_pool",
    preset: Annotated[str, typer.Option(help="Preset whose prompt settings the export uses.")] = "paper",
    model_path: Annotated[str, typer.Option(help="Model verl trains (written into run_grpo.sh).")] = "Qwen/Qwen2.5-VL-7B-Instruct",
    seed: Annotated[int, typer.Option(help="Seed of a random control selection.")] = 0,
    n_gpus: Annotated[int, typer.Option(min=1, help="GPUs per node in the launch script.")] = 8,
) -> None:  # fmt: skip
    """Export a selected training subset, the reward function and a launch script for verl (Ray)."""
    from harness.training.verl_export import export_subset

    with errors_handled("export-verl"):
        paths = export_subset(out, subset, difficulty, items, preset, model_path, seed, n_gpus)
    for name, path in paths.items():
        console.print(f"{name}: {path}")


@app.command("demo")
def demo_cmd(
    quick: Annotated[bool, typer.Option(help="A few minutes: small subsets, few steps.")] = False,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default runs/demo or runs/demo-quick).")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Jobs side by side, one process each (default: one per core, at most 8)."),
    ] = None,
) -> None:
    """The paper's study end to end on the embedded default: score, select, train, evaluate, report.
    Re-running continues an interrupted demo."""
    from dataclasses import replace

    from harness.demo import DemoConfig, run_demo

    folder = out or Path("runs/demo-quick" if quick else "runs/demo")
    cfg = DemoConfig.quick_config(folder) if quick else DemoConfig(out=folder)
    with errors_handled("demo"):
        report = run_demo(cfg if workers is None else replace(cfg, workers=workers))
    console.print(report.read_text())
    console.print(f"report: {report}")


if __name__ == "__main__":
    sys.exit(app())
