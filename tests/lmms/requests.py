"""lmms-eval generation requests over in-memory documents (task "t", split "test"), as lmms-eval
builds them, for tests that call a model plugin's `generate_until` directly."""

from __future__ import annotations

from typing import Any

from lmms_eval.api.instance import Instance


def image_requests(
    order: list[int] | range, gen_kwargs: dict[str, Any], prompt: str = "What is shown in picture {i}?"
) -> list[Instance]:
    """One request per document index in `order`, showing the document's `image`."""
    return [
        Instance("generate_until", (prompt.format(i=i), dict(gen_kwargs), lambda doc: [doc["image"]], i, "t", "test"),
                 i, {"task": "t", "doc_id": i, "repeats": 1})
        for i in order
    ]  # fmt: skip
