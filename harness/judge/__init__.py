"""Optional LLM judge for benchmark scorers (an OpenAI-compatible endpoint such as a local vLLM).

Importing this package is cheap: the `openai` client is loaded only when a judge first sends a
request, so scorers can name JudgeError without paying for it.
"""

from harness.judge.client import Judge, JudgeConfig, judge_from_env, timeout_from_env
from harness.scoring.verdict import JudgeError

__all__ = ["Judge", "JudgeConfig", "JudgeError", "judge_from_env", "timeout_from_env"]
