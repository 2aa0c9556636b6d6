"""Which device a stage runs on: `auto` (CUDA when present, else CPU), `cpu`, `cuda` or `cuda:N`.

One rule for every stage (eval, PISM, CMAB, training), so a GPU node never scores on its CPU because
a runner wrote `device=cpu` into its model arguments, and an explicit CUDA request on a machine
without CUDA is refused up front instead of silently running on the CPU.
"""

from __future__ import annotations

import re

from harness.core.errors import InputError

DEVICE_CHOICES = "auto, cpu, cuda or cuda:N"
_DEVICE = re.compile(r"auto|cpu|cuda(?::\d+)?")


def check_device(spec: str | None) -> None:
    """InputError naming --device unless `spec` is None or one of DEVICE_CHOICES."""
    if spec is not None and not _DEVICE.fullmatch(spec):
        raise InputError(f"--device: {spec!r} is not {DEVICE_CHOICES}")


def spread(device: str, processes: int) -> list[str]:
    """The device of each of `processes` local processes: one GPU each when `device` is plain
    "cuda" and there are that many, else all on `device` (CPU, or one named GPU)."""
    import torch

    if device == "cuda" and torch.cuda.device_count() >= processes:
        return [f"cuda:{i}" for i in range(processes)]
    return [device] * processes


def resolve_device(spec: str | None) -> str:
    """The concrete device ("cpu", "cuda" or "cuda:N") for `spec` (None means auto)."""
    import torch

    check_device(spec)
    if spec in (None, "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if spec.startswith("cuda"):
        if not torch.cuda.is_available():
            raise InputError(f"--device {spec}: no CUDA device is available here (use auto or cpu)")
        index = int(spec.split(":")[1]) if ":" in spec else 0
        if index >= torch.cuda.device_count():
            raise InputError(f"--device {spec}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    return spec
