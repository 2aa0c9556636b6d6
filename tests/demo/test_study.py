"""The demo's plan of jobs: every arm × seed trained on the pool's tiers and then evaluated, the
base model evaluated at once, every benchmark tiered; nothing starts before what it reads exists."""

from __future__ import annotations

from pathlib import Path

from harness.demo import ARMS, BENCHMARK_TASKS, POOL, DemoConfig
from harness.demo.study import evaluate_model, plan, score_task, train_arm


def test_the_plan_trains_each_arm_and_seed_after_the_pool_is_tiered(tmp_path: Path) -> None:
    cfg = DemoConfig(out=tmp_path, seeds=(0, 1, 2))
    jobs = {j.label: j for j in plan(cfg, "/models/tiny-base")}
    names = [f"{arm}-s{seed}" for arm in ARMS for seed in cfg.seeds]
    assert set(jobs) == {
        *(f"score {t}" for t in [POOL, *BENCHMARK_TASKS]),
        "evaluate tiny-base",
        *(f"train {n}" for n in names),
        *(f"evaluate {n}" for n in names),
    }
    assert jobs["evaluate tiny-base"].after == () and jobs["evaluate tiny-base"].fn is evaluate_model
    for name in names:
        train, evaluate = jobs[f"train {name}"], jobs[f"evaluate {name}"]
        assert train.fn is train_arm and train.after == (f"score {POOL}",)
        assert evaluate.after == (f"train {name}",)
        assert evaluate.args[2] == str((tmp_path / "checkpoints" / name).resolve())
    assert all(jobs[f"score {t}"].fn is score_task for t in BENCHMARK_TASKS)
    # First in line: the pool's tiers, which every training job waits for.
    assert next(iter(jobs)) == f"score {POOL}"


def test_workers_default_to_the_cores_and_do_not_change_the_quick_sizes(tmp_path: Path) -> None:
    full, quick = DemoConfig(out=tmp_path), DemoConfig.quick_config(tmp_path)
    assert 1 <= full.workers <= 8 and quick.workers == full.workers
    assert quick.grpo_steps < full.grpo_steps and quick.seeds == (0, 1)
