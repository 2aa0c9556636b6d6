"""Small copies of the six benchmarks in their real hub schemas and file layouts.

Column names, Arrow/HF feature types, image encoding (PNG/JPEG bytes in an Image feature), id fields
and the repository layout (`data/<split>-00000-of-00001.parquet`; MMStar's single root parquet named
by its README's `configs`) follow each hub dataset, so the tasks load them exactly as they would
load a downloaded copy. Items cover the awkward cases: odd image modes and sizes, several images,
list answers, float precision stored as float64, options as a Python-literal string.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import datasets as hf
from PIL import Image

S = hf.Value("string")


def _image(
    color: tuple[int, int, int], size: tuple[int, int] = (56, 56), mode: str = "RGB", fmt: str = "PNG"
) -> dict[str, Any]:
    image = Image.new("RGB", size, color)
    if mode != "RGB":
        image = image.convert(mode)
    buf = io.BytesIO()
    image.save(buf, format=fmt)
    return {"bytes": buf.getvalue(), "path": None}


def _write(root: Path, name: str, split: str, rows: list[dict[str, Any]], features: hf.Features) -> Path:
    columns = {k: [r[k] for r in rows] for k in features}
    ds = hf.Dataset.from_dict(columns, features=features)
    path = root / name / "data" / f"{split}-00000-of-00001.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.to_parquet(str(path))
    return path.parent.parent


def mathvista(root: Path) -> Path:
    meta = hf.Features(
        {
            "category": S, "context": S, "grade": S, "img_height": hf.Value("int64"),
            "img_width": hf.Value("int64"), "language": S, "skills": hf.Sequence(S), "source": S,
            "split": S, "task": S,
        }
    )  # fmt: skip
    features = hf.Features(
        {
            "pid": S, "question": S, "image": S, "decoded_image": hf.Image(), "choices": hf.Sequence(S),
            "unit": S, "precision": hf.Value("float64"), "answer": S, "question_type": S,
            "answer_type": S, "metadata": meta, "query": S,
        }
    )  # fmt: skip
    items = [
        ("1", "What is the colour of the square?", ["red", "blue", "green"], None, None, "blue", "multi_choice", "text"),
        ("2", "How many circles are there?", None, None, None, "3", "free_form", "integer"),
        ("3", "What is the length of the bar?", None, "cm", 1.0, "2.5", "free_form", "float"),
        ("4", "What is the ratio of the areas?", None, None, 2.0, "0.33", "free_form", "float"),
        ("5", "List the heights of the bars.", None, None, None, "[1, 2, 3]", "free_form", "list"),
        ("6", "Is the triangle larger than the square?", ["Yes", "No"], None, None, "No", "multi_choice", "text"),
    ]  # fmt: skip
    rows = []
    for i, (pid, q, choices, unit, precision, answer, qtype, atype) in enumerate(items):
        rows.append(
            {
                "pid": pid, "question": q, "image": f"images/{pid}.jpg",
                "decoded_image": _image((40 * i, 90, 200), size=(64 + 8 * i, 48), mode="RGBA" if i == 2 else "RGB"),
                "choices": choices, "unit": unit, "precision": precision, "answer": answer,
                "question_type": qtype, "answer_type": atype,
                "metadata": {
                    "category": "math-targeted-vqa", "context": "synthetic scene", "grade": "elementary school",
                    "img_height": 48, "img_width": 64 + 8 * i, "language": "english",
                    "skills": ["arithmetic reasoning"], "source": "fixture", "split": "testmini",
                    "task": "figure question answering",
                },
                "query": f"Hint: Please answer the question.\nQuestion: {q}",
            }
        )  # fmt: skip
    return _write(root, "MathVista", "testmini", rows, features)


def mmvet(root: Path) -> Path:
    features = hf.Features(
        {
            "question_id": S,
            "image": hf.Image(),
            "question": S,
            "answer": S,
            "image_source": S,
            "capability": S,
        }
    )
    items = [
        ("v1_0", "What is x in the equation?", "-1<AND>-5", "rec,ocr,math"),
        ("v1_1", "What colour is the car?", "red", "rec"),
        ("v1_2", "How many apples are there?", "3<OR>three", "rec,know"),
        ("v1_3", "What is written on the sign?", "STOP", "ocr"),
    ]
    rows = [
        {"question_id": qid, "image": _image((10, 60 * i, 90), mode="L" if i == 1 else "RGB", fmt="JPEG"),
         "question": q, "answer": a, "image_source": "fixture", "capability": cap}
        for i, (qid, q, a, cap) in enumerate(items)
    ]  # fmt: skip
    return _write(root, "MMVet", "test", rows, features)


def ocrbench(root: Path) -> Path:
    features = hf.Features(
        {"dataset": S, "question": S, "question_type": S, "answer": hf.Sequence(S), "image": hf.Image()}
    )
    items = [
        ("IIIT5K", "what is written in the image?", "Regular Text Recognition", ["COFFEE"]),
        ("HME100k", "Please write out the expression of the formula in the image using LaTeX format.",
         "Handwritten Mathematical Expression Recognition", ["x ^ { 2 } + 1"]),
        ("docVQA", "What is the date on the letter? ", "Doc-oriented VQA", ["May 5, 1998", "5/5/1998"]),
        ("IIIT5K", "what is written in the image?", "Regular Text Recognition", ["tea"]),
    ]  # fmt: skip
    rows = [
        {"dataset": d, "question": q, "question_type": t, "answer": a,
         "image": _image((200, 200 - 40 * i, 30), size=(120, 32), mode="P" if i == 3 else "RGB", fmt="JPEG" if i != 3 else "PNG")}
        for i, (d, q, t, a) in enumerate(items)
    ]  # fmt: skip
    return _write(root, "OCRBench", "test", rows, features)


def hallusion(root: Path) -> Path:
    """Both hub splits, as lmms-lab/HallusionBench has them: `image` and `non_image` (the VS questions
    asked without a figure: visual_input "0", figure "0", no image)."""
    names = ["category", "subcategory", "visual_input", "set_id", "figure_id", "sample_note", "question_id",
             "question", "gt_answer_details", "gt_answer", "filename"]  # fmt: skip
    features = hf.Features({**{n: S for n in names}, "image": hf.Image()})
    rows = []
    # One VD set: two figures (original, edited) x two questions. One VS chart set: the question
    # without the chart, on the chart, and on an edited chart.
    for cat, sub, vin, set_id, fig, qid, q, gt in [
        ("VD", "illusion", "1", "0", "0", "0", "Is the left line longer than the right line?", "0"),
        ("VD", "illusion", "1", "0", "0", "1", "Are the two lines the same length?", "1"),
        ("VD", "illusion", "1", "0", "1", "0", "Is the left line longer than the right line?", "1"),
        ("VD", "illusion", "1", "0", "1", "1", "Are the two lines the same length?", "0"),
        ("VS", "chart", "0", "3", "0", "0", "Did the sales of company X rise in 2020?", "1"),
        ("VS", "chart", "1", "3", "1", "0", "According to the chart, did sales rise in 2020?", "1"),
        ("VS", "chart", "2", "3", "2", "0", "According to the chart, did sales rise in 2020?", "0"),
    ]:
        rows.append(
            {"category": cat, "subcategory": sub, "visual_input": vin, "set_id": set_id, "figure_id": fig,
             "sample_note": "fixture", "question_id": qid, "question": q,
             "gt_answer_details": "Yes." if gt == "1" else "No.", "gt_answer": gt,
             "filename": None if vin == "0" else f"./hallusion_bench/{cat}/{sub}/{set_id}_{fig}.png",
             "image": None if vin == "0" else _image((30 + 50 * int(fig), 30, 30), size=(80, 60))}
        )  # fmt: skip
    _write(root, "HallusionBench", "non_image", [r for r in rows if r["visual_input"] == "0"], features)
    return _write(root, "HallusionBench", "image", [r for r in rows if r["visual_input"] != "0"], features)


def mmmu(root: Path) -> Path:
    images = {f"image_{i}": hf.Image() for i in range(1, 8)}
    names = ["id", "question", "options", "explanation"]
    tail = ["img_type", "answer", "topic_difficulty", "question_type", "subfield"]
    features = hf.Features({**{n: S for n in names}, **images, **{n: S for n in tail}})
    items = [
        ("validation_Art_Theory_1", "Which colour dominates <image 1>?", "['red', 'blue', 'green', 'yellow']", "B", "multiple-choice"),
        ("validation_Math_2", "Compare <image 2> with <image 1>. Which is larger?", "['the first', 'the second']", "A", "multiple-choice"),
        ("validation_Physics_3", "What is the speed in m/s shown in <image 1>?", "[]", "12.5", "open"),
        ("validation_Economics_4", "What is the value of GDP growth? <image 1>", "[]", "['2.1', '2.10']", "open"),
    ]  # fmt: skip
    rows = []
    for i, (iid, q, opts, ans, qtype) in enumerate(items):
        row = {"id": iid, "question": q, "options": opts, "explanation": "",
               "img_type": "['Diagrams']", "answer": ans, "topic_difficulty": "Medium",
               "question_type": qtype, "subfield": "fixture"}  # fmt: skip
        for k in range(1, 8):
            row[f"image_{k}"] = _image((20 * k, 100, 20 * i), size=(48, 40 + 4 * k)) if k <= 2 else None
        rows.append(row)
    return _write(root, "MMMU", "validation", rows, features)


def mmstar(root: Path) -> Path:
    features = hf.Features(
        {
            "index": hf.Value("int64"), "question": S, "image": hf.Image(), "answer": S, "category": S,
            "l2_category": S, "meta_info": {"source": S, "split": S, "image_path": S},
        }
    )  # fmt: skip
    items = [
        ("What colour is the circle?\nOptions: A: red, B: blue, C: green, D: yellow", "A", "coarse perception", "image scene and topic"),
        ("How many squares are there?\nOptions: A: 1, B: 2, C: 3, D: 4", "C", "fine-grained perception", "object counting"),
        ("Which shape is largest?\nOptions: A: circle, B: square, C: triangle, D: star", "B", "instance reasoning", "single-instance reasoning"),
        ("What is 2 + 3?\nOptions: A: 4, B: 5, C: 6, D: 7", "B", "math", "numeric commonsense and calculation"),
    ]  # fmt: skip
    rows = [
        {"index": i, "question": q, "image": _image((60 * i, 20, 220), size=(512 if i == 0 else 64, 64)),
         "answer": a, "category": c, "l2_category": l2,
         "meta_info": {"source": "fixture", "split": "val", "image_path": f"images/{i}.jpg"}}
        for i, (q, a, c, l2) in enumerate(items)
    ]  # fmt: skip
    folder = root / "MMStar"
    folder.mkdir(parents=True, exist_ok=True)
    hf.Dataset.from_dict({k: [r[k] for r in rows] for k in features}, features=features).to_parquet(
        str(folder / "mmstar.parquet")
    )
    (folder / "README.md").write_text(
        '---\nconfigs:\n- config_name: val\n  data_files:\n  - split: val\n    path: "mmstar.parquet"\n---\n# MMStar (fixture)\n'
    )
    return folder


BUILDERS = {
    "mathvista": mathvista,
    "mmvet": mmvet,
    "ocrbench": ocrbench,
    "hallusion": hallusion,
    "mmmu": mmmu,
    "mmstar": mmstar,
}


def build_all(root: Path) -> Path:
    for build in BUILDERS.values():
        build(root)
    return root
