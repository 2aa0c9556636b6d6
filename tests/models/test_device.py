"""`--device auto` means CUDA when present; scoring runners put the resolved device in their model
arguments (they used to write device=cpu, so a GPU node scored on its CPU)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from harness.api import ScoreCmabConfig, ScorePismConfig, score_cmab, score_pism
from harness.core.errors import InputError
from harness.difficulty.cmab_runner import CMABRun
from harness.difficulty.pism_runner import PISMRun
from harness.models.device import resolve_device


def _cuda(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)


@pytest.mark.parametrize(("count", "spec", "want"), [
    (2, "auto", "cuda"), (2, None, "cuda"), (0, "auto", "cpu"), (2, "cpu", "cpu"), (2, "cuda:1", "cuda:1"),
    (1, "cuda", "cuda"),
])  # fmt: skip
def test_resolution(monkeypatch: pytest.MonkeyPatch, count: int, spec: str | None, want: str) -> None:
    _cuda(monkeypatch, count)
    assert resolve_device(spec) == want


@pytest.mark.parametrize(("count", "spec", "match"), [
    (0, "cuda", "no CUDA device"), (2, "cuda:2", "2 CUDA device"), (2, "gpu", "not auto, cpu, cuda"),
])  # fmt: skip
def test_refusals_name_the_option(monkeypatch: pytest.MonkeyPatch, count: int, spec: str, match: str) -> None:
    _cuda(monkeypatch, count)
    with pytest.raises(InputError, match=f"--device.*{match}"):
        resolve_device(spec)


class _Stop(Exception):
    pass


@pytest.mark.parametrize("method", ["pism", "cmab"])
def test_scoring_runs_on_cuda_when_it_is_there(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, method: str
) -> None:
    _cuda(monkeypatch, 1)
    seen: list[str] = []
    runner: Any = PISMRun if method == "pism" else CMABRun

    def stop(self: Any) -> None:  # the run's model arguments, then nothing runs on this CUDA-less machine
        seen.append(self.model_args())
        raise _Stop

    monkeypatch.setattr(runner, "run", stop)
    config: Any = ScorePismConfig if method == "pism" else ScoreCmabConfig
    stage: Any = score_pism if method == "pism" else score_cmab
    with pytest.raises(_Stop):
        stage(config(task="harness_synth_mmstar", out=tmp_path / method))
    assert "device=cuda" in seen[0] and "device=cpu" not in seen[0]
    with pytest.raises(InputError, match="--device"):
        config(task="harness_synth_mmstar", out=tmp_path, device="tpu")
