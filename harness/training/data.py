"""Training examples for TRL's trainers, built from a task's own prompts and images.

`training_items(task)` reads any lmms-eval task with item ids through the task itself: each item's
prompt is the task's `doc_to_text`, its images the task's `doc_to_visual` (any column, several
images, in order), its solution the task's `doc_to_target`, i.e. exactly what evaluation, PISM and
CMAB show the model. `sft_dataset` and `grpo_dataset` turn such items into TRL's conversational
formats with the conversation every engine sends (harness.models.chat), plus the preset's
`prompt_suffix` (the answer format the reward checks) where the task's prompt does not ask for it.
"""

from __future__ import annotations

from typing import Any

import datasets

from harness.models.chat import chat_messages

# The answer format GRPO rewards; SFT targets use it too unless configured otherwise (docs/architecture.md §7).
TARGET_FORMATS = {
    "think_answer": "<think>{rationale}</think><answer>{answer}</answer>",
    "answer_only": "<answer>{answer}</answer>",
    "plain": "{answer}",
}
# Item fields the rewards read beside the solution (harness.training.rewards), carried when present.
REWARD_FIELDS = ("answer_type", "choices", "keywords")
ITEM_FEATURES = datasets.Features(
    {
        "item_id": datasets.Value("string"),
        "prompt": datasets.Value("string"),
        "images": datasets.Sequence(datasets.Image()),
        "solution": datasets.Value("string"),
        "rationale": datasets.Value("string"),
        "answer_type": datasets.Value("string"),
        "choices": datasets.Sequence(datasets.Value("string")),
        "keywords": datasets.Sequence(datasets.Value("string")),
    }
)


def target_text(answer: str, rationale: str = "", target_format: str = "think_answer") -> str:
    if target_format not in TARGET_FORMATS:
        raise ValueError(f"unknown target format {target_format!r}; known: {sorted(TARGET_FORMATS)}")
    return TARGET_FORMATS[target_format].format(answer=answer, rationale=rationale)


def _strings(value: Any) -> list[str] | None:
    return None if value is None else [str(v) for v in value]


def training_items(task: str) -> datasets.Dataset:
    """Every item of `task` as the task shows it: item_id, prompt, images, solution, and the
    fields the rewards read (ITEM_FEATURES). Items the task shows no image are kept (a text-only
    question trains like any other)."""
    from harness.difficulty.source import load_source_targets, png_bytes, source_images

    docs, prompts, targets = load_source_targets(task)
    rows = []
    for doc, prompt, target in zip(docs, prompts, targets, strict=True):
        rows.append({
            "item_id": str(doc["item_id"]),
            "prompt": prompt,
            # Decoded and checked once (source_images), stored losslessly.
            "images": [{"bytes": png_bytes(image), "path": None} for image in source_images(doc, task)],
            "solution": target,
            "rationale": str(doc.get("rationale") or ""),
            "answer_type": None if doc.get("answer_type") is None else str(doc["answer_type"]),
            "choices": _strings(doc.get("choices")),
            "keywords": _strings(doc.get("keywords")),
        })  # fmt: skip
    return datasets.Dataset.from_list(rows, features=ITEM_FEATURES)


def sft_dataset(
    items: datasets.Dataset, prompt_suffix: str = "", target_format: str = "think_answer"
) -> datasets.Dataset:
    """prompt / completion / images examples (TRL's conversational prompt-completion format)."""

    def convert(row: dict[str, Any]) -> dict[str, Any]:
        target = target_text(row["solution"], row.get("rationale") or "", target_format)
        return {
            "prompt": chat_messages(f"{row['prompt']}{prompt_suffix}", len(row["images"])),
            "completion": [{"role": "assistant", "content": [{"type": "text", "text": target}]}],
            "images": row["images"],
        }

    return items.map(convert, remove_columns=items.column_names)


def grpo_dataset(
    items: datasets.Dataset, prompt_suffix: str = "", system_prompt: str | None = None
) -> datasets.Dataset:
    """prompt / images / solution examples for GRPOTrainer; the reward functions receive the
    `solution`, `answer_type`, `choices` and `keywords` columns with each completion."""

    def convert(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "prompt": chat_messages(f"{row['prompt']}{prompt_suffix}", len(row["images"]), system_prompt),
            "images": row["images"],
            "solution": row["solution"],
            **{name: row.get(name) for name in REWARD_FIELDS},
            "item_id": row["item_id"],
        }

    return items.map(convert, remove_columns=items.column_names)


def subset(items: datasets.Dataset, item_ids: list[str]) -> datasets.Dataset:
    """The rows of `items` whose item_id is selected (in the selection's order); unknown ids raise."""
    index = {str(i): k for k, i in enumerate(items["item_id"])}
    missing = [i for i in item_ids if i not in index]
    if missing:
        raise ValueError(f"{len(missing)} selected item(s) are not in the training items, e.g. {missing[:3]}")
    return items.select([index[i] for i in item_ids])
