"""The harness from Python: one function per stage of the study, each taking its config.

    from harness import api
    pism = api.score_pism(api.ScorePismConfig(task="harness_synth_pool", out=Path("runs/pism")))
    arm = api.train(api.TrainConfig(paradigm="grpo_only", out=Path("runs/ckpt"),
                                    grpo_subset="mid+hard", difficulty=pism.table_path))
    base = api.evaluate(api.EvaluateConfig(out=Path("runs/eval")))
    ckpt = api.evaluate(api.EvaluateConfig(model=str(arm.checkpoints[0]), out=Path("runs/eval")))
    report = api.compare(api.CompareConfig(runs=(base.folder, ckpt.folder)))

Configs are frozen dataclasses checked on construction (a bad value raises InputError naming the
option); results carry the paths written and the tables in memory. The `harness` CLI is built
from the same configs. A runnable study: examples/study.py.
"""

import importlib
from typing import TYPE_CHECKING, Any

from harness.api._configs import (
    AgreeConfig,
    CompareConfig,
    EvaluateConfig,
    GateConfig,
    LeaderboardConfig,
    MergeScoresConfig,
    PowerConfig,
    RescoreConfig,
    ScoreCmabConfig,
    ScorePismConfig,
    SelectConfig,
    TrainConfig,
)
from harness.core.errors import InputError, StageError

if TYPE_CHECKING:
    from harness.api._analysis import (
        CompareResult,
        GateResult,
        LeaderboardResult,
        PowerResult,
        RescoredFile,
        RescoreResult,
        compare,
        gate,
        leaderboard,
        power,
        rescore,
    )
    from harness.api._difficulty import (
        AgreeResult,
        MergeResult,
        ScoreResult,
        SelectResult,
        agree,
        merge_scores,
        score_cmab,
        score_pism,
        select,
    )
    from harness.api._evaluate import EvaluateResult, evaluate
    from harness.api._train import TrainResult, train
    from harness.evaluation.runner import EvalError

# The stage functions load their stage (torch, lmms-eval, TRL, ...) on first use, so building a
# config, or the CLI's --help, stays fast.
_LAZY = {
    **dict.fromkeys(("CompareResult", "GateResult", "LeaderboardResult", "PowerResult", "RescoredFile",
                     "RescoreResult", "compare", "gate", "leaderboard", "power", "rescore"), "harness.api._analysis"),
    **dict.fromkeys(("AgreeResult", "MergeResult", "ScoreResult", "SelectResult", "agree", "merge_scores",
                     "score_cmab", "score_pism", "select"),
                    "harness.api._difficulty"),
    **dict.fromkeys(("EvaluateResult", "evaluate"), "harness.api._evaluate"),
    **dict.fromkeys(("TrainResult", "train"), "harness.api._train"),
    "EvalError": "harness.evaluation.runner",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'harness.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "AgreeConfig",
    "AgreeResult",
    "CompareConfig",
    "CompareResult",
    "EvalError",
    "EvaluateConfig",
    "EvaluateResult",
    "GateConfig",
    "GateResult",
    "InputError",
    "LeaderboardConfig",
    "LeaderboardResult",
    "MergeResult",
    "MergeScoresConfig",
    "PowerConfig",
    "PowerResult",
    "RescoreConfig",
    "RescoreResult",
    "RescoredFile",
    "ScoreCmabConfig",
    "ScorePismConfig",
    "ScoreResult",
    "SelectConfig",
    "SelectResult",
    "StageError",
    "TrainConfig",
    "TrainResult",
    "agree",
    "compare",
    "evaluate",
    "gate",
    "leaderboard",
    "merge_scores",
    "power",
    "rescore",
    "score_cmab",
    "score_pism",
    "select",
    "train",
]
