"""The `harness` command line: a thin layer over the modules (one sub-command per stage)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from typer import Option

if TYPE_CHECKING:
    from harness.lmms.runner import TaskSummary

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console(stderr=False)
err = Console(stderr=True)


@app.callback()
def main() -> None:
    """Difficulty-aware evaluation harness for multimodal post-training."""


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
            "-" if s.score is None else f"{100 * s.score:.1f}",
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
) -> None:
    """Evaluate a model on tasks with lmms-eval; write one record per item and print a table."""
    from harness.lmms.runner import EvalConfig, EvalError, evaluate, resolve_model
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
    )
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
    console.print(f"records: {Path(out) / (label or identity.name)}/<task>/records.parquet")


if __name__ == "__main__":
    sys.exit(app())
