"""Datasets for TRL trainers, built from any task's items (a parquet file with image bytes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import datasets

# The answer format GRPO rewards; SFT targets use it too unless configured otherwise (docs/architecture.md §7).
TARGET_FORMATS = {
    "think_answer": "<think>{rationale}</think><answer>{answer}</answer>",
    "answer_only": "<answer>{answer}</answer>",
    "plain": "{answer}",
}


def target_text(answer: str, rationale: str = "", target_format: str = "think_answer") -> str:
    if target_format not in TARGET_FORMATS:
        raise ValueError(f"unknown target format {target_format!r}; known: {sorted(TARGET_FORMATS)}")
    return TARGET_FORMATS[target_format].format(answer=answer, rationale=rationale)


def user_prompt(question: str, prompt_suffix: str) -> list[dict[str, Any]]:
    """The conversation the evaluator sends: one image, then the question text (plugin order)."""
    content = [{"type": "image"}, {"type": "text", "text": f"{question}{prompt_suffix}".strip()}]
    return [{"role": "user", "content": content}]


def sft_dataset(
    items: str | Path | datasets.Dataset,
    prompt_suffix: str,
    target_format: str = "think_answer",
) -> datasets.Dataset:
    """prompt / completion / images examples (TRL's conversational prompt-completion format)."""
    ds = items if isinstance(items, datasets.Dataset) else _load(items)

    def convert(row: dict[str, Any]) -> dict[str, Any]:
        target = target_text(row["answer"], row.get("rationale") or "", target_format)
        return {
            "prompt": user_prompt(row["question"], prompt_suffix),
            "completion": [{"role": "assistant", "content": [{"type": "text", "text": target}]}],
            "images": [row["image"]],
        }

    return ds.map(convert, remove_columns=ds.column_names)


def _load(path: str | Path) -> datasets.Dataset:
    return datasets.load_dataset("parquet", data_files=str(path), split="train")


def grpo_dataset(
    items: str | Path | datasets.Dataset,
    prompt_suffix: str,
    system_prompt: str | None = None,
) -> datasets.Dataset:
    """prompt / images / solution examples for GRPOTrainer; the reward functions receive the
    `solution`, `answer_type`, `choices` and `keywords` columns with each completion."""
    ds = items if isinstance(items, datasets.Dataset) else _load(items)
    missing = {"question", "answer", "image"} - set(ds.column_names)
    if missing:
        raise ValueError(f"training items need {sorted(missing)} columns (have {ds.column_names})")

    def convert(row: dict[str, Any]) -> dict[str, Any]:
        prompt = user_prompt(row["question"], prompt_suffix)
        if system_prompt:
            prompt = [{"role": "system", "content": [{"type": "text", "text": system_prompt}]}, *prompt]
        return {
            "prompt": prompt,
            "images": [row["image"]],
            "solution": str(row["answer"]),
            "answer_type": row.get("answer_type"),
            "choices": row.get("choices"),
            "keywords": row.get("keywords"),
            "item_id": str(row.get("item_id", "")),
        }

    return ds.map(convert, remove_columns=ds.column_names)


def subset(items: datasets.Dataset, item_ids: list[str]) -> datasets.Dataset:
    """The rows of `items` whose item_id is selected (in the selection's order); unknown ids raise."""
    index = {str(i): k for k, i in enumerate(items["item_id"])}
    missing = [i for i in item_ids if i not in index]
    if missing:
        raise ValueError(f"{len(missing)} selected item(s) are not in the training items, e.g. {missing[:3]}")
    return items.select([index[i] for i in item_ids])
