"""PISM through lmms-eval on the embedded base model: exactness of the adaptive schedule, resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from harness.difficulty.pism import PISMConfig
from harness.difficulty.pism_runner import PISMRun, ScoreRequest
from harness.synth.models import ensure_embedded_model

pytestmark = pytest.mark.slow
TASK = "harness_synth_pool"
N_ITEMS = 8
# Fewer ratios and attempts than the default keep each run to a few lmms-eval rounds; exactness does
# not depend on them. The default configuration on 200 items is measured in `make bench`.
CONFIG = PISMConfig(ratios=(0.0, 0.3, 0.6, 0.9), k=4, tau=0.25)
KEYS = ["item_id", "pism_lambda_star", "pism_tier", "pism_never_fails", "content_hash"]


def _request(out: Path, full_curve: bool, limit: int = N_ITEMS) -> ScoreRequest:
    return ScoreRequest(
        model_path=str(ensure_embedded_model("tiny-base")),
        model_name="tiny-base",
        source_task=TASK,
        out=out,
        config=CONFIG,
        full_curve=full_curve,
        limit=limit,
        # The exhaustive sweep's single round (128 units) is split into evaluations of 40: chunking
        # must not change a result.
        chunk_units=40 if full_curve else 1000,
    )


@pytest.fixture(scope="module")
def adaptive(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return PISMRun(_request(tmp_path_factory.mktemp("adaptive"), full_curve=False)).run()


def test_adaptive_equals_exhaustive(adaptive: pd.DataFrame, tmp_path: Path) -> None:
    exhaustive = PISMRun(_request(tmp_path, full_curve=True)).run()
    assert adaptive[KEYS].equals(exhaustive[KEYS])
    assert exhaustive["pism_curve"].notna().all()  # the full sweep keeps the whole curve
    assert adaptive["pism_generations"].sum() < exhaustive["pism_generations"].sum()
    assert (exhaustive["pism_generations"] == 16).all()


def test_table_is_keyed_by_item_with_content_hash(adaptive: pd.DataFrame) -> None:
    assert adaptive["item_id"].is_unique and len(adaptive) == N_ITEMS
    assert adaptive["content_hash"].str.len().eq(16).all()
    assert set(adaptive["pism_tier"]) <= {"easy", "medium", "hard", "unsolved"}
    # What the K copies are is part of the table (the semantic masker's are one mask).
    assert (
        adaptive["pism_copies"].eq("K independent masks").all()
        and adaptive["engine"].str.startswith("hf ").all()
    )


def test_rerun_redoes_nothing(adaptive: pd.DataFrame, tmp_path: Path) -> None:
    out = tmp_path / "again"
    first = PISMRun(_request(out, full_curve=False, limit=4)).run()
    lines = (out / "attempts.jsonl").read_text().count("\n")
    again = PISMRun(_request(out, full_curve=False, limit=4)).run()
    assert (out / "attempts.jsonl").read_text().count("\n") == lines
    assert first[KEYS].equals(again[KEYS])


def test_other_settings_in_the_same_folder_are_refused(tmp_path: Path) -> None:
    PISMRun(_request(tmp_path, full_curve=False, limit=1))
    with pytest.raises(ValueError, match="other settings"):
        PISMRun(_request(tmp_path, full_curve=False, limit=2))


RUN_SCRIPT = """
import sys
from pathlib import Path
from harness.difficulty.pism import PISMConfig
from harness.difficulty.pism_runner import PISMRun, ScoreRequest
from harness.synth.models import ensure_embedded_model
cfg = PISMConfig(ratios=(0.0, 0.3, 0.6, 0.9), k=4, tau=0.25)
req = ScoreRequest(str(ensure_embedded_model("tiny-base")), "tiny-base", "harness_synth_pool", Path(sys.argv[1]),
                   cfg, limit=int(sys.argv[2]))
PISMRun(req).run()
"""


def test_killed_run_resumes_to_the_same_table(adaptive: pd.DataFrame, tmp_path: Path) -> None:
    cmd = [sys.executable, "-c", RUN_SCRIPT, str(tmp_path), str(N_ITEMS)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    attempts = tmp_path / "attempts.jsonl"
    deadline = time.time() + 600
    while time.time() < deadline and proc.poll() is None:
        if attempts.exists() and attempts.read_text().count("\n") >= N_ITEMS:
            break
        time.sleep(0.1)
    assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read()[-2000:]!r}"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with attempts.open("a") as fh:  # as if killed in the middle of a write
        fh.write('{"item_id": "pool-000')
    resumed = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    table = pd.read_parquet(tmp_path / "difficulty.parquet")
    assert table[KEYS].equals(adaptive[KEYS])


def test_slices_compose_to_the_whole_run(adaptive: pd.DataFrame, tmp_path: Path) -> None:
    """`offset` + `limit` score a slice of the items; slices give the whole run's rows (the bench
    splits its items over worker processes this way)."""
    req = _request(tmp_path, full_curve=False, limit=3)
    req.offset = N_ITEMS - 3
    part = PISMRun(req).run()
    expected = adaptive.iloc[N_ITEMS - 3 :].reset_index(drop=True)
    assert part[KEYS].equals(expected[KEYS])


def test_one_model_load_and_one_task_build_for_every_round(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every round used to be a fresh `simple_evaluate(model="harness_vlm", tasks=["harness_pism"])`,
    which loaded the model again (and lmms-eval's clean() deleted it afterwards) and built the task
    again from its YAML and the round's parquet."""
    import lmms_eval.evaluator
    import lmms_eval.tasks

    from harness.lmms import plugin

    loads: list[str] = []
    builds: list[object] = []
    real, real_tasks = plugin.load_model_and_processor, lmms_eval.tasks.get_task_dict

    def counted(path: str, **kwargs: object) -> object:
        loads.append(path)
        return real(path, **kwargs)

    def counted_tasks(names: list[object], *args: object, **kwargs: object) -> object:
        builds.extend(n for n in names if isinstance(n, str))  # a built Task object is not a build
        return real_tasks(names, *args, **kwargs)

    monkeypatch.setattr(plugin, "load_model_and_processor", counted)
    monkeypatch.setattr(lmms_eval.tasks, "get_task_dict", counted_tasks)
    monkeypatch.setattr(lmms_eval.evaluator, "get_task_dict", counted_tasks)  # its own reference
    table = PISMRun(_request(tmp_path, full_curve=False, limit=3)).run()
    rounds = list((tmp_path / "rounds").iterdir())
    assert len(rounds) > 1 and len(loads) == 1 and builds.count("harness_pism") == 1, (
        len(rounds),
        loads,
        builds,
    )
    assert len(table) == 3


def _api_config(out: Path, **kwargs: object) -> object:
    from harness.api import ScorePismConfig

    return ScorePismConfig(task=TASK, out=out, ratios=CONFIG.ratios, k=CONFIG.k, tau=CONFIG.tau, limit=N_ITEMS,
                           device="cpu", **kwargs)  # type: ignore[arg-type]  # fmt: skip


def test_two_processes_and_merged_shards_give_the_one_process_table(
    adaptive: pd.DataFrame, tmp_path: Path
) -> None:
    from harness.api import MergeScoresConfig, merge_scores, score_pism

    two = score_pism(_api_config(tmp_path / "two", processes=2))  # type: ignore[arg-type]
    assert two.table[KEYS].equals(adaptive[KEYS])
    assert (tmp_path / "two" / "difficulty.parquet").exists() and two.plot.exists()
    # Each process scored one shard, as `--shard i/2` would in a cluster job (the same call), into
    # OUT/shards/<i>-of-2; merged again by `harness score merge`: the same table.
    for i in range(2):
        part = pd.read_parquet(tmp_path / "two" / "shards" / f"{i}-of-2" / "difficulty.parquet")
        assert 0 < len(part) < N_ITEMS
    (tmp_path / "two" / "difficulty.parquet").unlink()
    merged = merge_scores(MergeScoresConfig(out=tmp_path / "two", method="pism"))
    assert merged.table[KEYS].equals(adaptive[KEYS])


def test_speculative_attempts_change_nothing_but_the_cost(adaptive: pd.DataFrame, tmp_path: Path) -> None:
    """Filling the tail rounds' idle batch slots with attempts that may be needed next: the same λ*
    and tiers (every unit has its own seed), more generations, fewer rounds."""
    req = _request(tmp_path, full_curve=False)
    req.speculate, req.batch_size = True, 16
    fast = PISMRun(req).run()
    assert fast[KEYS].equals(adaptive[KEYS])
    assert fast["pism_generations"].sum() > adaptive["pism_generations"].sum()
    rounds = len(list((tmp_path / "rounds").iterdir()))
    plain = PISMRun(_request(tmp_path / "plain", full_curve=False))
    plain.run()
    assert rounds < len(list((tmp_path / "plain" / "rounds").iterdir()))
