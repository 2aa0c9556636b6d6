"""The embedded default: which tasks `harness eval` runs when none are named."""

DEFAULT_TASKS = ["harness_synth_mini"]
