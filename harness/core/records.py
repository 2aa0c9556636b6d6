"""The per-item record every stage reads and writes (docs/architecture.md §3), with parquet/jsonl I/O.

One record = one item answered by one model on one task. Records are stored as a table (one row per
record) with a fixed Arrow schema, and validated on every read and write: a bad record is reported
with its `item_id`, never silently coerced or dropped.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from harness.core.constants import TIERS, UNSCORED
from harness.core.errors import InputError
from harness.core.files import atomic_write, atomic_write_text


@dataclass
class Record:
    """One item answered by one model. `score` is None when the item could not be scored."""

    item_id: str
    benchmark: str
    task: str
    model: str
    response: str
    target: str
    score: float | None
    content_hash: str = ""
    dataset: str = ""
    checkpoint: str = ""
    weights_hash: str | None = None
    paradigm: str | None = None
    train_subset: str | None = None
    seed: int | None = None
    parsed_answer: str | None = None
    cluster: str | None = None
    pism_lambda_star: float | None = None
    pism_curve: list[float] | None = None
    pism_tier: str | None = None
    cmab_rho: float | None = None
    cmab_tier: str | None = None
    gen_config_hash: str = ""
    task_version: str = ""
    # What generated the response, e.g. "hf transformers 5.24.0" or "vllm 0.32.0": sampled answers
    # of different engines differ.
    engine: str = ""
    judge: str | None = None
    # Task-specific extras (skill, question type, why an item is unscored), as a JSON object string.
    meta: str = "{}"


_STR = pa.string()
_F64 = pa.float64()
SCHEMA = pa.schema(
    [
        ("item_id", _STR),
        ("benchmark", _STR),
        ("task", _STR),
        ("model", _STR),
        ("response", _STR),
        ("target", _STR),
        ("score", _F64),
        ("content_hash", _STR),
        ("dataset", _STR),
        ("checkpoint", _STR),
        ("weights_hash", _STR),
        ("paradigm", _STR),
        ("train_subset", _STR),
        ("seed", pa.int64()),
        ("parsed_answer", _STR),
        ("cluster", _STR),
        ("pism_lambda_star", _F64),
        ("pism_curve", pa.list_(_F64)),
        ("pism_tier", _STR),
        ("cmab_rho", _F64),
        ("cmab_tier", _STR),
        ("gen_config_hash", _STR),
        ("task_version", _STR),
        ("engine", _STR),
        ("judge", _STR),
        ("meta", _STR),
    ]
)
COLUMNS = SCHEMA.names
REQUIRED = ("item_id", "benchmark", "task", "model", "response", "target", "score")
_STRING_FIELDS = {f.name for f in SCHEMA if f.type == _STR}
_FLOAT_FIELDS = {"score", "pism_lambda_star", "cmab_rho"}


class RecordValidationError(InputError):
    """Raised when records are malformed; the message lists each problem with its item_id."""

    def __init__(self, problems: Sequence[str], source: str = "records") -> None:
        self.problems = list(problems)
        shown = "\n  ".join(self.problems[:20])
        more = f"\n  ... and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(f"{source}: {len(self.problems)} problem(s):\n  {shown}{more}")


def content_hash(question: str, image_bytes: bytes | Iterable[bytes] | None, answer: str) -> str:
    """Hash of what defines an item: question text, image bytes, answer. Detects changed data."""
    h = hashlib.sha256()
    h.update(question.encode("utf-8"))
    h.update(b"\x00")
    if isinstance(image_bytes, bytes | bytearray):
        image_bytes = [bytes(image_bytes)]
    for chunk in image_bytes or []:
        h.update(hashlib.sha256(chunk).digest())
    h.update(b"\x00")
    h.update(str(answer).encode("utf-8"))
    return h.hexdigest()[:16]


def config_hash(obj: Any) -> str:
    """Stable short hash of a JSON-serialisable configuration (generation settings, judge, ...)."""
    blob = json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _label(row: dict[str, Any], index: int) -> str:
    item = row.get("item_id")
    return f"item_id={item!r}" if item not in (None, "") else f"row {index}"


def _row_problems(row: dict[str, Any], index: int) -> list[str]:
    where = _label(row, index)
    out: list[str] = []
    for name in REQUIRED:
        value = row.get(name)
        if name == "score":
            if name not in row:
                out.append(f"{where}: missing field 'score'")
            continue
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out.append(f"{where}: missing field {name!r}")
    for name in _STRING_FIELDS:
        value = row.get(name)
        if value is not None and not isinstance(value, str):
            out.append(f"{where}: field {name!r} must be a string, got {type(value).__name__} {value!r}")
    if row.get("item_id") == "":
        out.append(f"{where}: empty item_id")
    for name in _FLOAT_FIELDS:
        value = row.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            out.append(f"{where}: field {name!r} must be a number, got {type(value).__name__} {value!r}")
        elif math.isnan(value):
            # NaN is ambiguous (failed? unscored?): unscored items carry None and say why in meta.
            out.append(f"{where}: field {name!r} is NaN (use None for an unscored item)")
    score = row.get("score")
    if (
        isinstance(score, int | float)
        and not isinstance(score, bool)
        and not math.isnan(score)
        and not 0.0 <= score <= 1.0
    ):
        out.append(f"{where}: score {score} outside [0, 1]")
    for tier_field in ("pism_tier", "cmab_tier"):
        tier = row.get(tier_field)
        if tier is not None and tier not in (*TIERS, UNSCORED):
            out.append(f"{where}: {tier_field} {tier!r} not one of {(*TIERS, UNSCORED)}")
    seed = row.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        out.append(f"{where}: field 'seed' must be an integer, got {seed!r}")
    meta = row.get("meta", "{}")
    if isinstance(meta, str):
        try:
            if not isinstance(json.loads(meta), dict):
                out.append(f"{where}: meta must be a JSON object")
        except json.JSONDecodeError:
            out.append(f"{where}: meta is not valid JSON")
    return out


def validate_rows(rows: Sequence[dict[str, Any]], source: str = "records") -> None:
    """Check required fields, types and duplicate item_ids within one (task, model). Raises on any."""
    problems: list[str] = []
    seen: dict[tuple[Any, Any, Any], int] = {}
    for i, row in enumerate(rows):
        problems.extend(_row_problems(row, i))
        key = (row.get("task"), row.get("model"), row.get("item_id"))
        if key[2] not in (None, ""):
            if key in seen:
                problems.append(
                    f"item_id={key[2]!r}: duplicate in task {key[0]!r} for model {key[1]!r} "
                    f"(rows {seen[key]} and {i})"
                )
            else:
                seen[key] = i
    if problems:
        raise RecordValidationError(problems, source)


def _to_python(value: Any) -> Any:
    """numpy/pandas scalars and arrays -> plain Python (so type checks see what the data means)."""
    if value is None:
        return None
    if hasattr(value, "tolist") and not isinstance(value, str):
        return value.tolist()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def frame_to_rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for raw in df.to_dict(orient="records"):
        row = {str(k): _to_python(v) for k, v in raw.items()}
        # pandas has no None for floats: in a frame (and in parquet read back), NaN is null, and a
        # null score means "unscored". Python inputs keep NaN as an error (see _row_problems).
        for k, v in row.items():
            if isinstance(v, float) and math.isnan(v):
                row[k] = None
        if isinstance(row.get("seed"), float) and float(row["seed"]).is_integer():
            row["seed"] = int(row["seed"])
        rows.append(row)
    return rows


def to_frame(records: Iterable[Record | dict[str, Any]], source: str = "records") -> pd.DataFrame:
    """Validate records (dataclasses or dicts) and return them as a DataFrame in schema order."""
    rows = []
    for r in records:
        rows.append(asdict(r) if isinstance(r, Record) else dict(r))
    for row in rows:
        for name in COLUMNS:
            if name not in REQUIRED:
                row.setdefault(name, _DEFAULTS.get(name))
    validate_rows(rows, source)
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    # A column of only None would otherwise become float NaN: keep missing strings as None.
    for name in _STRING_FIELDS:
        df[name] = df[name].astype(object).where(df[name].notna(), None)
    return df


_DEFAULTS = {f.name: f.default for f in fields(Record) if f.default is not MISSING}


def write_records(records: Iterable[Record | dict[str, Any]] | pd.DataFrame, path: str | Path) -> Path:
    """Validate and write records to .parquet or .jsonl (atomically: a crash never leaves half a file)."""
    path = Path(path)
    if path.suffix not in (".parquet", ".jsonl"):
        raise ValueError(f"{path}: records must be .parquet or .jsonl")
    rows = frame_to_rows(records) if isinstance(records, pd.DataFrame) else records
    df = to_frame(rows, str(path))
    if path.suffix == ".parquet":
        table = pa.Table.from_pandas(df, schema=SCHEMA, preserve_index=False)
        return atomic_write(path, lambda tmp: pq.write_table(table, tmp))
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in frame_to_rows(df))
    return atomic_write_text(path, text)


def _parquet_rows(table: pa.Table) -> list[dict[str, Any]]:
    """Rows of a records table, with the NaNs put back that pandas would read as null.

    In Arrow (and parquet) null and NaN are different values; pandas has only NaN, so after
    `to_pandas` an unscored item (null) and a NaN score look the same. Null means "unscored"; NaN is
    rejected like anywhere else (see `_row_problems`), so it is restored here for validation to see.
    """
    rows = frame_to_rows(table.to_pandas())
    for name in sorted(_FLOAT_FIELDS & set(table.column_names)):
        column = table.column(name)
        if not pa.types.is_floating(column.type):
            continue
        nan = pc.fill_null(pc.is_nan(column), False).to_numpy(zero_copy_only=False)
        for i in nan.nonzero()[0]:
            rows[int(i)][name] = math.nan
    return rows


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a jsonl file (blank lines skipped); a bad line raises ValueError naming file:line."""
    rows = []
    with Path(path).open() as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{n}: not valid JSON ({e.msg})") from e
    return rows


def read_records(path: str | Path) -> pd.DataFrame:
    """Read and validate records from .parquet or .jsonl; errors name the file and the item."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"records file not found: {path}")
    if path.suffix == ".parquet":
        # One open file: reading by path stats and opens it separately, and a writer's rename in
        # between would pair one file's footer with the other's pages.
        with path.open("rb") as fh:
            rows = _parquet_rows(pq.read_table(fh))
    elif path.suffix == ".jsonl":
        try:
            rows = read_jsonl(path)
        except ValueError as e:
            raise RecordValidationError([str(e)], str(path)) from e
    else:
        raise ValueError(f"{path}: records must be .parquet or .jsonl")
    return to_frame(rows, str(path))
