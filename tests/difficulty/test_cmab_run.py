"""CMAB through lmms-eval on the embedded base model: table, resume, variants, agreement with PISM."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from harness.difficulty.cmab import CMABConfig
from harness.difficulty.cmab_runner import CMABRequest, CMABRun
from harness.synth.models import ensure_embedded_model

pytestmark = pytest.mark.slow
TASK = "harness_synth_mmstar"
N_ITEMS = 10


def _request(out: Path, config: CMABConfig | None = None, limit: int = N_ITEMS) -> CMABRequest:
    return CMABRequest(
        model_path=str(ensure_embedded_model("tiny-base")),
        model_name="tiny-base",
        source_task=TASK,
        out=out,
        config=config or CMABConfig(),
        batch_size=4,
        chunk=6,
        limit=limit,
    )


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cmab")


@pytest.fixture(scope="module")
def table(run_dir: Path) -> pd.DataFrame:
    return CMABRun(_request(run_dir)).run()


def test_table_has_one_scored_row_per_item(table: pd.DataFrame) -> None:
    assert len(table) == N_ITEMS and table["item_id"].is_unique
    assert table["content_hash"].str.len().eq(16).all()
    assert set(table["cmab_tier"]) <= {"easy", "medium", "hard", "unsolved"}
    assert table["cmab_correct"].any(), "tiny-base should answer some MMStar-like items"
    correct = table[table["cmab_correct"]]
    assert (correct["cmab_tier"] != "unsolved").all()
    assert (table.loc[~table["cmab_correct"], "cmab_tier"] == "unsolved").all()
    assert (correct["cmab_rho"] > 0).all() and (correct["cmab_answer_tokens"] > 0).all()


def test_rerun_and_other_variant_reuse_the_log(table: pd.DataFrame, run_dir: Path) -> None:
    chunks = sorted((run_dir / "chunks").iterdir())
    assert len(chunks) == 2  # 10 items in chunks of 6
    again = CMABRun(_request(run_dir)).run()
    pd.testing.assert_frame_equal(again, table)
    released = CMABRun(_request(run_dir, CMABConfig(variant="released_code"))).run()
    assert sorted((run_dir / "chunks").iterdir()) == chunks  # the model ran no more
    assert released["cmab_rho"].equals(released["cmab_rho_released"])
    assert not released["cmab_rho"].equals(table["cmab_rho"])


def test_interrupted_run_finishes_without_duplicates(table: pd.DataFrame, tmp_path: Path) -> None:
    CMABRun(_request(tmp_path, limit=6)).run()  # "interrupted" after the first chunk
    (tmp_path / "config.json").unlink()  # same settings but a larger limit: allowed for this test
    with open(tmp_path / "items.jsonl", "a") as fh:
        fh.write('{"item_id": "torn')  # a line cut by the kill
    finished = CMABRun(_request(tmp_path)).run()
    pd.testing.assert_frame_equal(finished, table)
    lines = (tmp_path / "items.jsonl").read_text().splitlines()
    assert len(lines) == N_ITEMS


def test_other_model_settings_are_refused(run_dir: Path, table: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="other settings"):
        CMABRun(_request(run_dir, CMABConfig(max_new_tokens=8)))


def test_cli_scores_plots_and_compares(table: pd.DataFrame, run_dir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from harness.cli import app

    runner = CliRunner()
    args = ["score", "cmab", "--task", TASK, "--out", str(run_dir), "--limit", str(N_ITEMS)]
    result = runner.invoke(app, [*args, "--model", str(ensure_embedded_model("tiny-base"))])
    assert result.exit_code == 0, result.output
    assert "CMAB tiers" in result.output and (run_dir / "cmab_hist.png").stat().st_size > 0
    other = table.assign(cmab_tier=["unsolved"] * len(table)).rename(columns={"cmab_tier": "pism_tier"})
    other.to_parquet(tmp_path / "pism.parquet")
    md = tmp_path / "agree.md"
    result = runner.invoke(
        app, ["agree", str(tmp_path / "pism.parquet"), str(run_dir / "difficulty.parquet"), "--out", str(md)]
    )
    assert result.exit_code == 0, result.output
    assert f"Tier agreement on {N_ITEMS} items" in md.read_text()
