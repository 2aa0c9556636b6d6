"""The `harness` command line: a thin layer over the modules (one sub-command per stage)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console(stderr=False)
err = Console(stderr=True)


@app.callback()
def main() -> None:
    """Difficulty-aware evaluation harness for multimodal post-training."""


def _print_summaries(summaries: list) -> None:  # list[TaskSummary]
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
    console.print(table)


@app.command("eval")
def eval_cmd(
    model: str = typer.Option(None, help="Embedded model name, local model directory, or hub id."),
    tasks: str = typer.Option(None, help="Comma-separated lmms-eval task names (from tasks/ or built in)."),
    out: Path = typer.Option(Path("runs/eval"), help="Output folder: OUT/<model>/<task>/records.parquet."),
    processes: int = typer.Option(1, min=1, help="Data-parallel processes through accelerate."),
    batch_size: int = typer.Option(1, min=1),
    limit: int = typer.Option(None, help="Evaluate only the first N items of each task."),
    device: str = typer.Option(None, help="cpu or cuda (default: cuda when available)."),
    backend: str = typer.Option("harness_vlm", help="lmms-eval model name (e.g. qwen2_5_vl, vllm)."),
    model_args: str = typer.Option("", help="Extra lmms-eval model_args, k=v,k=v."),
    gen_kwargs: str = typer.Option("", help="lmms-eval --gen_kwargs override."),
    label: str = typer.Option(None, help="Name of the output folder for this model."),
    quiet: bool = typer.Option(False, help="Do not echo lmms-eval's output (it is always logged)."),
) -> None:
    """Evaluate a model on tasks with lmms-eval; write one record per item and print a table."""
    from harness.lmms.runner import EvalConfig, EvalError, evaluate, resolve_model
    from harness.synth.datasets import ensure_task_data
    from harness.synth.models import DEFAULT_MODEL
    from harness.synth.suite import DEFAULT_TASKS

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
        summaries = evaluate(cfg, model_path, identity, quiet=quiet)
    except EvalError as e:
        err.print(f"[bold red]harness eval failed:[/] {e}", markup=True, highlight=False)
        raise typer.Exit(1) from e
    _print_summaries(summaries)
    console.print(f"records: {Path(out) / (label or identity.name)}/<task>/records.parquet")


if __name__ == "__main__":
    sys.exit(app())
