"""`make gpu-check` on a machine without CUDA: one line saying so, exit 2 (the GPU path runs where
a GPU is lent; the device choice it relies on is tested in tests/models/test_device.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu_check.py"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA: run make gpu-check itself")
def test_without_cuda_it_says_so_and_exits_2(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout.strip().startswith("gpu-check: no CUDA device here")
    assert len(proc.stdout.strip().splitlines()) == 1 and not list(tmp_path.iterdir())
