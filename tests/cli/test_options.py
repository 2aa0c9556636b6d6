"""The CLI is derived from the stage configs: every field is an option (or argument) of its
command, with the field's help and default, and the parsed values build the same config."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import typer

from harness import api
from harness.cli import app
from harness.cli._build import build

COMMANDS = {
    ("eval",): api.EvaluateConfig,
    ("score", "pism"): api.ScorePismConfig,
    ("score", "cmab"): api.ScoreCmabConfig,
    ("agree",): api.AgreeConfig,
    ("select",): api.SelectConfig,
    ("train",): api.TrainConfig,
    ("rescore",): api.RescoreConfig,
    ("compare",): api.CompareConfig,
    ("leaderboard",): api.LeaderboardConfig,
    ("gate",): api.GateConfig,
    ("power",): api.PowerConfig,
}


def _command(path: tuple[str, ...]) -> Any:
    # Typer builds click-like commands (its own vendored click): looked up by duck typing.
    cmd: Any = typer.main.get_command(app)
    for name in path:
        cmd = cmd.commands[name]
    return cmd


@pytest.mark.parametrize("path", list(COMMANDS), ids=[" ".join(p) for p in COMMANDS])
def test_every_config_field_is_an_option_with_its_help(path: tuple[str, ...]) -> None:
    config = COMMANDS[path]
    params = {p.name: p for p in _command(path).params}
    fields = {f.name: f for f in dataclasses.fields(config)}
    assert set(params) == set(fields)
    for name, f in fields.items():
        param = params[name]
        if param.param_type_name == "option":
            assert param.help.startswith(f.metadata["help"])
            assert f"--{name.replace('_', '-')}" in param.opts
        assert param.required == (f.default is dataclasses.MISSING)


def test_parsed_values_build_the_config() -> None:
    ctx = _command(("compare",)).make_context(
        "compare", ["a", "b", "--arm", "x=a", "--level", "0.9", "--difficulty", "d.parquet"]
    )
    cfg = build(api.CompareConfig, dict(ctx.params))
    assert cfg == api.CompareConfig(
        runs=(Path("a"), Path("b")), arms=("x=a",), level=0.9, difficulty=(Path("d.parquet"),)
    )
    ctx = _command(("eval",)).make_context("eval", ["--tasks", "a,b", "--tasks", "c"])
    assert build(api.EvaluateConfig, dict(ctx.params)).tasks == ("a", "b", "c")
    ctx = _command(("train",)).make_context(
        "train", ["--paradigm", "grpo_only", "--out", "o", "--seed", "1", "--seed", "2"]
    )
    assert build(api.TrainConfig, dict(ctx.params)).seeds == (1, 2)
    assert (
        build(api.EvaluateConfig, dict(_command(("eval",)).make_context("eval", []).params))
        == api.EvaluateConfig()
    )
