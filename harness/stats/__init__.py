"""Paired statistics for comparing checkpoints item by item (docs/architecture.md §8)."""

from harness.stats.align import Aligned, AlignmentReport, align
from harness.stats.effects import (
    Decision,
    InteractionResult,
    NonInferiority,
    SeedLevelResult,
    interaction,
    noninferiority,
    seed_level,
)
from harness.stats.multiple import benjamini_hochberg, holm
from harness.stats.paired import (
    PairedResult,
    bootstrap_against,
    clustered_se,
    compare,
    mcnemar,
    paired_bootstrap,
    paired_clustered,
    sign_flip_permutation,
)
from harness.stats.power import mde_paired, power_paired, required_n

__all__ = [
    "Aligned",
    "AlignmentReport",
    "Decision",
    "InteractionResult",
    "NonInferiority",
    "PairedResult",
    "SeedLevelResult",
    "align",
    "benjamini_hochberg",
    "bootstrap_against",
    "clustered_se",
    "compare",
    "holm",
    "interaction",
    "mcnemar",
    "mde_paired",
    "noninferiority",
    "paired_bootstrap",
    "paired_clustered",
    "power_paired",
    "required_n",
    "seed_level",
    "sign_flip_permutation",
]
