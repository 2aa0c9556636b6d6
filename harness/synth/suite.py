"""The embedded default: which tasks `harness eval` runs when none are named, and their prompt."""

from harness.core.constants import DEFAULT_TASKS

__all__ = ["DEFAULT_TASKS", "PROMPT_SUFFIX"]
# Appended to every synthetic question (harness/tasks/harness_synth/_default.yaml says the same; a test
# checks they agree). SFT targets are written in this format, which GRPO's reward then checks.
PROMPT_SUFFIX = "\nThink briefly, then give the final answer as <answer>...</answer>."
