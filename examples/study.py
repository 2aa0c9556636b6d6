"""The embedded study from Python, through `harness.api` only (notebook-style: run it cell by cell).

Difficulty of the training pool (PISM and CMAB) → their agreement → a mid+hard subset and its
size-matched random control → GRPO on each → the base model and both checkpoints on the six
synthetic benchmarks → paired comparison, power, leaderboard, and the regression gate.

    python examples/study.py                 # a few minutes on a laptop CPU
    python examples/study.py --pool 64 --bench 40 --steps 20 --out runs/example

Everything runs on the embedded tiny model and data, offline; every stage resumes if interrupted.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness import api


def study(out: Path, pool: int, bench: int, steps: int) -> dict[str, object]:
    # %% 1. How hard is each pool item for the base model?
    pism = api.score_pism(
        api.ScorePismConfig(
            task="harness_synth_pool", out=out / "pism", limit=pool, ratios=(0.0, 0.3, 0.6, 0.9), k=2
        )
    )
    cmab = api.score_cmab(api.ScoreCmabConfig(task="harness_synth_pool", out=out / "cmab", limit=pool))
    print("PISM tiers:", pism.tier_counts().to_dict())
    print("CMAB tiers:", cmab.tier_counts().to_dict())
    agreement = api.agree(api.AgreeConfig(first=pism.table_path, second=cmab.table_path))
    print(f"PISM/CMAB agreement: κ = {agreement.agreement.kappa:.2f}")

    # %% 2. Which items to train on: mid+hard, and a random control of the same size.
    subset = api.select(api.SelectConfig(difficulty=pism.table_path, policy="mid+hard"))
    print(f"mid+hard: {subset.selection.size} items {subset.selection.counts}")

    # %% 3. One GRPO checkpoint per arm.
    arms = {}
    for name, policy in (("grpo-mid-hard", "mid+hard"), ("grpo-random", "random:mid+hard")):
        cfg = api.TrainConfig(paradigm="grpo_only", out=out / "checkpoints" / name, grpo_subset=policy,
                              difficulty=pism.table_path, max_steps=steps)  # fmt: skip
        arms[name] = api.train(cfg).checkpoints[0]

    # %% 4. The base model and each checkpoint on the six synthetic benchmarks, one record per item.
    def evaluate(model: str, label: str) -> api.EvaluateResult:
        cfg = api.EvaluateConfig(
            model=model, label=label, out=out / "eval", limit=bench, batch_size=8, quiet=True
        )
        return api.evaluate(cfg)

    base = evaluate("tiny-base", "tiny-base")
    runs = [base, *(evaluate(str(path), name) for name, path in arms.items())]
    for run in runs:
        macro = run.records.groupby("task")["score"].mean().mean()
        print(f"{run.folder.name}: macro accuracy {100 * macro:.1f} over {len(run.records)} items")

    # %% 5. Did training help, where, and can these items tell?
    comparison = api.compare(
        api.CompareConfig(runs=tuple(r.folder for r in runs), out=out / "compare", resamples=2000)
    )
    print(comparison.markdown.split("\n\n")[0])
    mde = api.power(api.PowerConfig(n=bench, discordance=(0.2,)))
    print(f"MDE at {bench} items, 20% discordance: {mde.table['mde_points'].iloc[0]:.1f} points")

    # %% 6. A leaderboard with tie groups, and the gate a CI would run on a new checkpoint.
    board = api.leaderboard(
        api.LeaderboardConfig(runs=tuple(r.folder for r in runs), dir=out / "leaderboards")
    )
    gate = api.gate(
        api.GateConfig(candidate=runs[1].folder, baseline=board.written[0], margin=0.05, resamples=2000)
    )
    print(f"gate of {runs[1].folder.name} against tiny-base (margin 5 points): {gate.decision.value}")
    return {"pism": pism, "cmab": cmab, "agreement": agreement, "comparison": comparison,
            "leaderboard": board, "gate": gate, "runs": runs}  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path("runs/example"))
    parser.add_argument("--pool", type=int, default=32, help="pool items scored")
    parser.add_argument("--bench", type=int, default=20, help="items per benchmark")
    parser.add_argument("--steps", type=int, default=4, help="GRPO steps per arm")
    args = parser.parse_args()
    study(args.out, args.pool, args.bench, args.steps)
