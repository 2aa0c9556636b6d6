"""The paper's Tables 1-4 re-read: which of its claimed gaps could its benchmarks detect at all?

The paper (arXiv 2511.06722) reports one seed per arm, no error bars, and gaps of 0.5-2 points. For a
paired comparison of two checkpoints on the same n items the minimum detectable effect (MDE, 80% power,
two-sided α = 0.05) depends on the discordance ψ = P(a ≠ b), the share of items the two disagree on.
Fine-tuned siblings of one base model typically disagree on 10-30% of items, so ψ ∈ {0.10, 0.20, 0.30}.

- Binary benchmarks (MathVista, OCRBench, HallusionBench aAcc, MMMU, MMStar): the exact McNemar MDE
  and power of `harness.stats.power`. HallusionBench questions are clustered in figure sets, so its
  real MDE is larger than this (design effect > 1).
- MM-Vet (0-1 judge scores): the normal approximation MDE = (z_{1-α/2} + z_{power}) σ_d / √n with
  σ_d = √ψ, reading ψ as the mean squared per-item score difference (the discordance for 0/1 scores,
  at most the share of items scored differently). Judge noise adds to σ_d, so its real MDE is larger.

Comparison rule: in each table the reference arm is GRPO-only on the mid+hard tier sample (the
paper's proposed difficulty-stratified arm); every other arm of the same table is compared with it on
every benchmark, gap = reference - arm in points (positive: the proposed arm is ahead). A gap is
"detectable" when |gap| >= MDE. Where |gap| > ψ that ψ is impossible for the pair (they disagree on at
least |gap| of the items), so its power is computed at ψ = |gap|.

Regenerate the committed copy with `python -m harness.report.paper`.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import pandas as pd
from scipy.stats import norm

from harness.core.errors import InputError
from harness.stats.power import mde_paired, power_paired

# The paper's published numbers ship with the package; the rendered tables go to PAPER_DIR
# (relative to the working directory: the repository commits them under leaderboards/paper).
PAPER_CSV = Path(__file__).resolve().parent / "data" / "paper_reported_results.csv"
PAPER_DIR = Path("leaderboards") / "paper"
COLUMNS = ("table", "difficulty_method", "training_pool", "paradigm", "sft_subset", "grpo_subset",
           "benchmark", "score")  # fmt: skip
PARADIGMS = ("grpo_only", "sft_grpo")
# Benchmark sizes for the power analysis of the paper's claims; HallusionBench as lmms-eval's image
# split (951 questions), the one its numbers are usually reported on (`harness_hallusion` runs 1,129).
SIZES: dict[str, int] = {"mathvista": 1000, "mmvet": 218, "ocrbench": 1000, "hallusionbench": 951,
                         "mmmu": 900, "mmstar": 1500}  # fmt: skip
TITLES = {"mathvista": "MathVista testmini", "mmvet": "MM-Vet", "ocrbench": "OCRBench",
          "hallusionbench": "HallusionBench (image, aAcc)", "mmmu": "MMMU val", "mmstar": "MMStar"}  # fmt: skip
NOTES = {"mmvet": "continuous 0-1 judge scores: normal approximation, σ_d = √ψ; judge noise makes it larger",
         "hallusionbench": "questions clustered in figure sets: the real MDE is larger"}  # fmt: skip
CONTINUOUS = ("mmvet",)
DISCORDANCES = (0.10, 0.20, 0.30)
REFERENCE = ("grpo_only", "mid+hard")


class PaperDataError(InputError):
    """The paper results file is malformed (the message says where)."""


def load_paper_results(path: str | Path) -> pd.DataFrame:
    """Read and validate paper_reported_results.csv (one row per table, arm and benchmark)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"paper results not found: {path}")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise PaperDataError(f"{path}: missing columns {missing} (expected {list(COLUMNS)})")
    df = df[list(COLUMNS)].copy()
    for col in ("table", "score"):
        values = pd.to_numeric(df[col], errors="coerce")
        bad = df.index[values.isna()].tolist()
        if bad:
            raise PaperDataError(f"{path}: non-numeric {col} on data rows {[i + 2 for i in bad[:5]]}")
        df[col] = values.astype(int) if col == "table" else values.astype(float)
    bad = df.index[~df["paradigm"].isin(PARADIGMS)].tolist()
    if bad:
        raise PaperDataError(f"{path}: paradigm must be one of {PARADIGMS} (rows {[i + 2 for i in bad[:5]]})")
    sft_wrong = (df["paradigm"] == "sft_grpo") != (df["sft_subset"] != "")
    if sft_wrong.any() or (df["grpo_subset"] == "").any():
        raise PaperDataError(f"{path}: sft_subset must be set exactly for sft_grpo rows, grpo_subset always")
    dup = df.duplicated(["table", "paradigm", "sft_subset", "grpo_subset", "benchmark"])
    if dup.any():
        raise PaperDataError(
            f"{path}: duplicate (table, arm, benchmark) on rows {[i + 2 for i in df.index[dup][:5]]}"
        )
    arms = zip(df["paradigm"], df["sft_subset"], df["grpo_subset"], strict=True)
    return df.assign(arm=[_arm(str(p), str(s), str(g)) for p, s, g in arms])


def _arm(paradigm: str, sft: str, grpo: str) -> str:
    return f"GRPO {grpo}" if paradigm == "grpo_only" else f"SFT {sft} → GRPO {grpo}"


def _z(alpha: float, power: float) -> float:
    return float(norm.ppf(1 - alpha / 2) + norm.ppf(power))


def _mde(n: int, psi: float, continuous: bool, alpha: float, power: float) -> float:
    return _z(alpha, power) * math.sqrt(psi / n) if continuous else mde_paired(n, psi, alpha, power)


def _power(n: int, delta: float, psi: float, continuous: bool, alpha: float) -> float:
    psi = max(psi, abs(delta))  # a pair differing by |δ| disagrees on at least |δ| of the items
    if not continuous:
        return power_paired(n, delta, psi, alpha)
    shift, z = math.sqrt(n / psi) * abs(delta), float(norm.ppf(1 - alpha / 2))
    return float(norm.cdf(shift - z) + norm.cdf(-shift - z))


def mde_table(
    sizes: Mapping[str, int],
    discordances: Sequence[float] = DISCORDANCES,
    alpha: float = 0.05,
    power: float = 0.8,
    continuous: Collection[str] = CONTINUOUS,
) -> pd.DataFrame:
    """Benchmark × discordance → MDE in points (index: benchmark, columns: the discordances)."""
    rows = {
        b: [100 * _mde(n, p, b in continuous, alpha, power) for p in discordances] for b, n in sizes.items()
    }
    out = pd.DataFrame.from_dict(rows, orient="index", columns=list(discordances))
    out.index.name = "benchmark"
    return out


def claimed_gaps(
    results: pd.DataFrame,
    sizes: Mapping[str, int] = SIZES,
    discordances: Sequence[float] = DISCORDANCES,
    alpha: float = 0.05,
    power: float = 0.8,
    continuous: Collection[str] = CONTINUOUS,
) -> pd.DataFrame:
    """Every arm vs its table's GRPO-only mid+hard arm: gap, and MDE/power/detectable at each ψ."""
    unknown = sorted(set(results["benchmark"]) - set(sizes))
    if unknown:
        raise PaperDataError(f"no benchmark size for {unknown}")
    mde = mde_table(sizes, discordances, alpha, power, continuous).to_dict("index")
    rows = []
    for table, group in results.groupby("table", sort=True):
        is_ref = (group["paradigm"] == REFERENCE[0]) & (group["grpo_subset"] == REFERENCE[1])
        if not is_ref.any():
            raise PaperDataError(f"table {table} has no {REFERENCE} reference arm")
        ref = dict(zip(group.loc[is_ref, "benchmark"], group.loc[is_ref, "score"], strict=True))
        for r in group[~is_ref].to_dict("records"):
            bench = str(r["benchmark"])
            if bench not in ref:
                continue
            n, gap = sizes[bench], round(float(ref[bench]) - float(r["score"]), 3)
            row: dict[str, object] = {
                "table": table, "difficulty_method": r["difficulty_method"], "training_pool": r["training_pool"],
                "benchmark": bench, "n": n, "reference": _arm(REFERENCE[0], "", REFERENCE[1]), "arm": r["arm"],
                "contrast": "vs SFT+GRPO" if r["paradigm"] == "sft_grpo" else f"vs {r['arm']}",
                "reference_score": float(ref[bench]), "arm_score": r["score"], "gap": gap,
            }  # fmt: skip
            for p in discordances:
                m = float(mde[bench][p])
                row[f"mde_{p:.2f}"] = round(m, 3)
                row[f"power_{p:.2f}"] = round(_power(n, gap / 100, p, bench in continuous, alpha), 4)
                row[f"detectable_{p:.2f}"] = abs(gap) >= m
            rows.append(row)
    return pd.DataFrame(rows)


def _md(df: pd.DataFrame) -> list[str]:
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    return [head, "|" + "---|" * len(df.columns), *("| " + " | ".join(map(str, r)) + " |" for r in df.values)]


def _headline(gaps: pd.DataFrame, discordances: Sequence[float]) -> list[str]:
    """Detectable gaps per contrast and ψ, as "k of M" (all gaps, then those favouring the reference)."""
    below = len(gaps) - int(gaps[f"detectable_{discordances[0]:.2f}"].sum())
    groups = [("all", gaps), ("all favouring the reference", gaps[gaps["gap"] > 0])]
    groups += [(str(name), g) for name, g in gaps.groupby("contrast", sort=False)]
    table = pd.DataFrame({"Contrast": [name for name, _ in groups]})
    for p in discordances:
        table[f"detectable at ψ={p:.2f}"] = [
            f"{int(g[f'detectable_{p:.2f}'].sum())} of {len(g)}" for _, g in groups
        ]
    head = f"**{below} of {len(gaps)} claimed gaps are below the MDE even at {discordances[0]:.0%} discordance.**"
    return [head, "", *_md(table)]


def render_paper(csv_path: str | Path, out_dir: str | Path) -> list[Path]:
    """Write out_dir/paper_tables.md and out_dir/paper_gaps.csv (deterministic)."""
    results, out_dir = load_paper_results(csv_path), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    gaps, mde = claimed_gaps(results), mde_table(SIZES)
    benches = list(dict.fromkeys(results["benchmark"]))
    lines = ["# The paper's tables, re-read", "",
             f"Source: `{Path(csv_path).name}` (arXiv 2511.06722, Tables 1-4; one seed, no error bars). "
             "Generated by `python -m harness.report.paper`; do not edit.", "",
             "Reference arm in each table: GRPO-only on mid+hard (the paper's proposed difficulty-stratified "
             "sample). Gap = reference - arm, in points. Detectable: |gap| >= MDE at 80% power, two-sided "
             "α = 0.05, for discordance ψ = share of items two checkpoints disagree on (fine-tuned "
             "siblings of one base model typically disagree on 10-30% of items).", "",
             "## Headline", "", *_headline(gaps, DISCORDANCES), ""]  # fmt: skip
    for (table, method, pool), group in results.groupby(["table", "difficulty_method", "training_pool"]):
        wide = group.pivot(index="arm", columns="benchmark", values="score")
        wide = wide.loc[list(dict.fromkeys(group["arm"])), benches].map(lambda v: f"{v:g}")
        lines += [f"## Table {table}: {str(method).upper()}, {pool} pool", "",
                  *_md(wide.reset_index().rename(columns={**TITLES, "arm": "Arm"})), ""]  # fmt: skip
    mde_md = pd.DataFrame(
        {"Benchmark": [TITLES.get(b, b) for b in mde.index], "n": [SIZES[b] for b in mde.index]}
    )
    for p in DISCORDANCES:
        mde_md[f"MDE ψ={p:.2f}"] = [f"{v:.2f}" for v in mde[p]]
    mde_md["Note"] = [NOTES.get(b, "exact McNemar") for b in mde.index]
    lines += ["## Minimum detectable effect (points, 80% power, α = 0.05)", "", *_md(mde_md), ""]
    lines += ["## Claimed gaps", "", "Cells: detectable at 80% power or not (power to detect the gap).", ""]
    for table, group in gaps.groupby("table"):
        cells = pd.DataFrame({"Benchmark": group["benchmark"].map(TITLES), "Arm": group["arm"],
                              "Gap": group["gap"].map(lambda v: f"{v:+.2f}")})  # fmt: skip
        for p in DISCORDANCES:
            cells[f"ψ={p:.2f}"] = [
                f"{'✓ detectable' if d else '✗ below MDE'} ({pw:.2f})"
                for d, pw in zip(group[f"detectable_{p:.2f}"], group[f"power_{p:.2f}"], strict=True)
            ]
        lines += ["### Table " + str(table), "", *_md(cells), ""]
    md, csv = out_dir / "paper_tables.md", out_dir / "paper_gaps.csv"
    md.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    gaps.to_csv(csv, index=False, lineterminator="\n")
    return [md, csv]


if __name__ == "__main__":
    for written in render_paper(PAPER_CSV, PAPER_DIR):
        print(written)
