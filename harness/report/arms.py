"""Arms from the checkpoints' own manifests, so that `harness compare --arms-from runs/train` needs
no run names typed: checkpoints that differ only in their seed are one arm (same paradigm, subset
policies, preset, base model, training items and difficulty table), and each checkpoint is matched to
the compared run whose records carry its weights hash (`weights_hash`, written by `harness eval`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from harness.core.errors import InputError
from harness.models.loader import weights_hash

_SEED_DIR = re.compile(r"^seed\d+$")  # OUT/seed<N>, as `harness train` names several seeds
_SEED_SUFFIX = re.compile(r"[-_](?:s|seed)\d+$")  # <arm>-s<N>, as the embedded study names them


def _arm_key(manifest: dict[str, Any]) -> str:
    policies = {stage: sub.get("policy") for stage, sub in manifest.get("subsets", {}).items()}
    parts = [manifest.get(k) for k in ("paradigm", "preset", "base", "items", "difficulty_table")]
    return json.dumps([parts, policies], sort_keys=True, default=str)


def _arm_name(checkpoint: Path, manifest: dict[str, Any]) -> str:
    if _SEED_DIR.match(checkpoint.name):
        return checkpoint.parent.name
    stripped = _SEED_SUFFIX.sub("", checkpoint.name)
    if stripped != checkpoint.name:
        return stripped
    grpo = manifest.get("subsets", {}).get("grpo", {}).get("policy", "?")
    return f"{manifest.get('paradigm', '?')}:{grpo}"


def arms_from_checkpoints(root: Path, runs: dict[str, pd.DataFrame]) -> dict[str, list[str]]:
    """{arm name: [compared run names, one per seed]} for the final checkpoints under `root`
    (an SFT stage's own checkpoint is not an arm's member); checkpoints no compared run evaluated
    are left out."""
    by_weights: dict[str, str] = {}
    for name, df in runs.items():
        for digest in df["weights_hash"].dropna().unique() if "weights_hash" in df else []:
            by_weights[str(digest)] = name
    arms: dict[str, tuple[str, list[str]]] = {}
    found = 0
    for path in sorted(Path(root).rglob("manifest.json")):
        manifest = json.loads(path.read_text())
        if (manifest.get("stages") or [{}])[-1].get("stage") != "grpo":
            continue  # the SFT stage of an sft_grpo run
        found += 1
        run = by_weights.get(str(weights_hash(path.parent)))
        if run is None:
            continue
        name, members = arms.setdefault(_arm_key(manifest), (_arm_name(path.parent, manifest), []))
        members.append(run)
    if not found:
        raise InputError(
            f"--arms-from {root}: no trained checkpoint (manifest.json of `harness train`) under it"
        )
    out: dict[str, list[str]] = {}
    for name, members in arms.values():
        while name in out:  # two arms whose folders read alike
            name += "'"
        out[name] = members
    if not out:
        raise InputError(f"--arms-from {root}: none of its {found} checkpoint(s) is among the compared runs "
                         "(evaluate them with `harness eval --model CHECKPOINT` first)")  # fmt: skip
    return out
