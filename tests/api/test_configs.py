"""Stage configs are checked on construction: a bad value raises InputError naming the option, and
values are coerced to the declared types (lists to tuples, strings to paths, "a,b" task lists)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

import harness
from harness import api
from harness.core.constants import DEFAULT_MODEL, DEFAULT_TASKS

BAD: list[tuple[type[Any], dict[str, Any], str]] = [
    (api.EvaluateConfig, {"processes": 0}, "--processes: must be at least 1"),
    (api.EvaluateConfig, {"batch_size": -1}, "--batch-size"),
    (api.EvaluateConfig, {"limit": 0}, "--limit"),
    (api.EvaluateConfig, {"device": "gpu"}, "--device: 'gpu'"),
    (api.EvaluateConfig, {"tasks": ("a,,b",)}, "--tasks"),
    (api.EvaluateConfig, {"judge_url": "http://x/v1"}, "--judge-url and --judge-model"),
    (api.EvaluateConfig, {"batch_size": "8"}, "--batch-size: expected int"),
    (api.ScorePismConfig, {"task": "t", "out": "o", "masker": "blur"}, "--masker: 'blur' is not one of"),
    (api.ScorePismConfig, {"task": "t", "out": "o", "tau": 1.5}, "--tau: must be at most 1.0"),
    (api.ScorePismConfig, {"task": "t", "out": "o", "convention": "table_b"}, "--convention"),
    (api.ScoreCmabConfig, {"task": "t", "out": "o", "variant": "mine"}, "--variant"),
    (api.ScoreCmabConfig, {"task": "t", "out": "o", "hard": (0.05, 1.6)}, "--hard"),
    (api.ScoreCmabConfig, {"task": "t", "out": "o", "hard": (0.4,)}, "--hard: expected 2 values"),
    (
        api.TrainConfig,
        {"paradigm": "rlhf", "out": "o"},
        "--paradigm: 'rlhf' is not one of grpo_only, sft_grpo",
    ),
    (api.TrainConfig, {"paradigm": "sft_grpo", "out": "o"}, "--sft-subset: sft_grpo needs"),
    (api.TrainConfig, {"paradigm": "grpo_only", "out": "o", "sft_subset": "mid"}, "--sft-subset: grpo_only"),
    (
        api.TrainConfig,
        {"paradigm": "grpo_only", "out": "o", "grpo_subset": "hard"},
        "--grpo-subset 'hard' needs --difficulty",
    ),
    (api.TrainConfig, {"paradigm": "grpo_only", "out": "o", "seeds": ()}, "--seed"),
    (api.CompareConfig, {"runs": ("a",)}, "give at least two run folders"),
    (api.CompareConfig, {"runs": ("a", "b"), "arms": ("x",)}, "--arm 'x': expected NAME=RUN1,RUN2"),
    (api.CompareConfig, {"runs": ("a", "b"), "arms": ("x=a", "x=b")}, "--arm 'x' is given twice"),
    (api.CompareConfig, {"runs": ("a", "b"), "level": 1.5}, "--level"),
    (api.GateConfig, {"candidate": "c", "baseline": "b", "margin": -0.1}, "--margin: must be at least 0"),
    (api.PowerConfig, {}, "give exactly one of --n"),
    (api.PowerConfig, {"n": 100, "effect": 0.02}, "give exactly one of --n"),
    (api.PowerConfig, {"n": 100, "discordance": (0.0,)}, "--discordance: 0.0"),
    (api.RescoreConfig, {"path": "r", "judge_model": "m"}, "--judge-url and --judge-model"),
]


@pytest.mark.parametrize(
    ("config", "kwargs", "message"), BAD, ids=[f"{c.__name__}-{m[:24]}" for c, _, m in BAD]
)
def test_bad_values_name_the_option(config: type[Any], kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(api.InputError, match="^" + re.escape(message)):
        config(**kwargs)


def test_values_are_coerced_to_the_declared_types() -> None:
    cfg = api.EvaluateConfig(
        tasks=["harness_synth_mmstar,harness_synth_mmmu"], out="runs/x", difficulty=["a.parquet"]
    )
    assert cfg.tasks == ("harness_synth_mmstar", "harness_synth_mmmu")
    assert cfg.out == Path("runs/x") and cfg.difficulty == (Path("a.parquet"),)
    assert api.PowerConfig(n=10, discordance=[1]).discordance == (1.0,)
    # "~" is expanded whether the path comes as a string (Python) or a Path (the CLI, an env var).
    home = Path.home()
    assert api.EvaluateConfig(data_dir=Path("~/bench")).data_dir == home / "bench"
    assert api.EvaluateConfig(data_dir=" ~/bench ").data_dir == home / "bench"
    assert api.CompareConfig(runs=["a", "b"], arms=["x=a, b"]).arm_runs() == {"x": ["a", "b"]}


def test_configs_are_frozen_and_defaults_are_the_embedded_study() -> None:
    cfg = api.EvaluateConfig()
    assert (cfg.model, cfg.tasks) == (DEFAULT_MODEL, DEFAULT_TASKS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.model = "other"  # type: ignore[misc]
    # dataclasses.replace re-checks: a derived config is as valid as a constructed one.
    with pytest.raises(api.InputError):
        dataclasses.replace(cfg, processes=0)


def test_the_api_is_reexported_from_the_package() -> None:
    for name in api.__all__:
        assert getattr(harness, name) is getattr(api, name)
    assert {"evaluate", "score_pism", "score_cmab", "agree", "select", "train", "rescore", "compare",
            "leaderboard", "gate", "power"} <= set(api.__all__)  # fmt: skip
    with pytest.raises(AttributeError):
        harness.no_such_stage  # noqa: B018


def test_every_field_documents_itself() -> None:
    for name in api.__all__:
        obj = getattr(api, name)
        if isinstance(obj, type) and name.endswith("Config"):
            for f in dataclasses.fields(obj):
                assert f.metadata.get("help"), f"{name}.{f.name} has no help text"


@pytest.mark.parametrize("stage", ["ScorePismConfig", "ScoreCmabConfig"])
def test_scoring_a_judge_needed_task_without_a_judge_is_refused(
    stage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a judge, MM-Vet's answers are all unscored: a difficulty table of nothing but
    'unscored' tiers, an hour of scoring later. Refused unless asked for."""
    for var in ("HARNESS_JUDGE_URL", "HARNESS_JUDGE_MODEL"):
        monkeypatch.delenv(var, raising=False)
    config = getattr(api, stage)
    with pytest.raises(
        api.InputError, match=r"--task harness_mmvet: MM-Vet answers need a judge.*--allow-unscored"
    ):
        config(task="harness_mmvet", out=tmp_path)
    assert config(task="harness_mmvet", out=tmp_path, allow_unscored=True).allow_unscored
    judged = config(task="harness_mmvet", out=tmp_path, judge_url="http://127.0.0.1:8000/v1", judge_model="j")
    assert judged.judge_model == "j"
    config(task="harness_synth_mmvet", out=tmp_path)  # rule-scored: nothing to refuse
