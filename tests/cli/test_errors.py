"""Every command handles errors one way: bad input gives one line naming the item or option on
stderr and exit 2, never a traceback; `--debug` shows the traceback instead."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app

BASELINE = "leaderboards/harness_synth6/tiny-base.json"


def _cases(tmp: Path) -> list[tuple[list[str], str]]:
    broken = tmp / "broken.parquet"
    broken.write_text("not parquet")
    text_only = tmp / "gpt2"  # a model directory of no vision-language family: refused by its config
    text_only.mkdir()
    (text_only / "config.json").write_text('{"model_type": "gpt2"}')
    return [
        (["eval", "--model", str(text_only), "--quiet"], "model_type 'gpt2' is not an image-text-to-text"),
        (
            [
                "score",
                "cmab",
                "--task",
                "harness_synth_pool",
                "--out",
                str(tmp / "c"),
                "--model",
                str(text_only),
            ],
            "model_type 'gpt2'",
        ),
        (["eval", "--model", str(tmp / "nowhere"), "--quiet"], "--model"),
        (["eval", "--judge-url", "http://127.0.0.1:9/v1"], "--judge-url and --judge-model"),
        (["eval", "--device", "tpu"], "--device: 'tpu'"),
        (["eval", "--difficulty", str(tmp / "none.parquet"), "--quiet"], "difficulty table not found"),
        (["eval", "--data-dir", str(tmp / "nodata"), "--tasks", "harness_mmstar"], "--data-dir"),
        (
            [
                "score",
                "pism",
                "--task",
                "harness_synth_pool",
                "--out",
                str(tmp / "p"),
                "--model",
                str(tmp / "m"),
            ],
            "--model",
        ),
        (
            ["score", "pism", "--task", "harness_synth_poool", "--out", str(tmp / "p")],
            "--task: no task named 'harness_synth_poool'",
        ),
        (
            ["score", "cmab", "--task", "harness_synth6", "--out", str(tmp / "c")],
            "--task: 'harness_synth6' is a group",
        ),
        (
            ["score", "pism", "--task", "harness_synth_pool", "--out", str(tmp / "p"), "--masker", "bogus"],
            "--masker: 'bogus' is not one of",
        ),
        (
            ["score", "pism", "--task", "harness_synth_pool", "--out", str(tmp / "p"), "--k", "0"],
            "--k: must be at least 1",
        ),
        (
            ["score", "pism", "--task", "harness_synth_pool", "--out", str(tmp / "p"), "--limit", "0"],
            "--limit: must be at least 1",
        ),
        (
            ["score", "pism", "--task", "harness_synth_pool", "--out", str(tmp / "p"), "--limit", "-1"],
            "--limit: must be at least 1",
        ),
        (
            ["score", "pism", "--task", "harness_synth_pool", "--out", str(tmp), "--model", str(broken)],
            "is not a model directory",
        ),
        (["rescore", str(broken)], str(broken)),
        (["score", "pism", "--task", "t", "--out", str(tmp / "p"), "--shard", "2/2"], "--shard: '2/2'"),
        (
            ["score", "cmab", "--task", "t", "--out", str(tmp / "c"), "--shard", "0/2", "--processes", "2"],
            "--shard and --processes",
        ),
        (["score", "pism", "--task", "t", "--out", str(tmp / "p"), "--device", "tpu"], "--device: 'tpu'"),
        (["score", "merge", str(tmp / "nothing")], "no shards/<i>-of-<N> folders"),
        (["score", "cmab", "--task", "t", "--out", str(tmp / "c"), "--hard", "0.01", "1.6"], "--hard"),
        (["agree", str(tmp / "a.parquet"), str(tmp / "b.parquet")], "difficulty table not found"),
        (["select", "--difficulty", str(tmp / "none")], "difficulty table not found"),
        (["train", "--paradigm", "sft_grpo", "--out", str(tmp / "t")], "--sft-subset"),
        (
            ["train", "--paradigm", "grpo_only", "--out", str(tmp / "t"), "--grpo-subset", "hard"],
            "--difficulty",
        ),
        (["rescore", str(tmp)], "no records.parquet"),
        (["rescore", str(tmp), "--judge-model", "m"], "--judge-url and --judge-model"),
        (["compare", str(tmp)], "at least two run folders"),
        (["compare", str(tmp / "a"), str(tmp / "b")], "no records under"),
        (["compare", str(tmp / "a"), str(tmp / "b"), "--arm", "seeds"], "--arm 'seeds'"),
        (["power"], "exactly one of --n"),
        (["power", "--n", "100", "--discordance", "1.5"], "--discordance"),
        (["leaderboard", str(tmp / "nothing")], "no records under"),
        (["gate", "--candidate", str(tmp), "--baseline", BASELINE, "--margin", "0.02"], "no records under"),
        (
            ["gate", "--candidate", str(tmp), "--baseline", str(tmp / "none.json"), "--margin", "0.02"],
            "no records under",
        ),
        (["export-verl", "--out", str(tmp / "v"), "--subset", "hard"], "--subset 'hard' needs --difficulty"),
    ]


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    for args, expected in _cases(tmp_path):
        result = runner.invoke(app, args)
        where = f"harness {' '.join(args)}"
        assert result.exit_code == 2, f"{where}: exit {result.exit_code}\n{result.output}"
        assert "Traceback" not in result.output, where
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert lines and lines[-1].startswith("harness "), f"{where}: {result.stderr!r}"
        assert expected in lines[-1], f"{where}: {lines[-1]!r} does not say {expected!r}"
        assert len(lines) == 1, f"{where}: more than one line:\n{result.stderr}"


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--debug", "compare", str(tmp_path / "a"), str(tmp_path / "b")])
    assert isinstance(result.exception, FileNotFoundError)


def test_an_unexpected_error_is_reported_as_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness import api

    def broken(config: api.PowerConfig) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(api, "power", broken)
    result = CliRunner().invoke(app, ["power", "--n", "100"])
    assert result.exit_code == 1
    assert (
        "unexpected ZeroDivisionError (a bug; --debug shows the traceback): division by zero" in result.stderr
    )
    assert "Traceback" not in result.output


def test_a_full_disk_says_that_a_rerun_continues(monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from harness import api

    def full(config: api.PowerConfig) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "runs/eval/x/records.parquet")

    monkeypatch.setattr(api, "power", full)
    result = CliRunner().invoke(app, ["power", "--n", "100"])
    assert result.exit_code == 1
    (line,) = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert line.startswith("harness power: failed: [Errno 28] No space left on device")
    assert "rerun the same command" in line and "Traceback" not in result.output
