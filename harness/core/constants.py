"""Names every layer shares, defined once: difficulty tiers and the columns that carry them."""

from __future__ import annotations

# Difficulty tiers, easiest first (PISM and CMAB give the same four: docs/architecture.md §4, §5).
TIERS: tuple[str, ...] = ("easy", "medium", "hard", "unsolved")
# Items whose difficulty could not be measured: a unit's answer was left unscored by the source task
# (a judge-needed item without a judge). Counted and reported, never selected for training, and
# never mistaken for a failure (which would make them "unsolved").
UNSCORED = "unscored"
# Items a difficulty table does not cover: reported as their own group, never dropped.
UNTIERED = "untiered"
TIER_ORDER: tuple[str, ...] = (*TIERS, UNSCORED, UNTIERED)
# The record / difficulty-table columns that hold a tier, one per difficulty method.
TIER_COLUMNS: tuple[str, ...] = ("pism_tier", "cmab_tier")

# The embedded default study: the model, tasks and training pool used when none are named.
DEFAULT_MODEL = "tiny-base"
DEFAULT_TASKS: tuple[str, ...] = ("harness_synth6",)
POOL_TASK = "harness_synth_pool"

# The sampler of sampled answers (harness.models.sampling), named in a scoring run's settings:
# answers drawn by another sampler are other answers, so a run folder holding them is not resumed.
SAMPLER = "gumbel-max, one seed per unit (harness.models.sampling)"
