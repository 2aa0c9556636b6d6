import math
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import norm

from harness.report.paper import (
    PAPER_CSV,
    SIZES,
    PaperDataError,
    claimed_gaps,
    load_paper_results,
    mde_table,
    render_paper,
)
from harness.stats.power import mde_paired, power_paired

CSV = PAPER_CSV
# The rendered tables the repository commits.
PAPER_DIR = Path(__file__).resolve().parents[2] / "leaderboards" / "paper"
SHARED = Path("/work/shared/data")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "results.csv"
    path.write_text(text)
    return path


HEADER = "table,difficulty_method,training_pool,paradigm,sft_subset,grpo_subset,benchmark,score\n"


def test_load_committed_copy() -> None:
    df = load_paper_results(CSV)
    assert len(df) == 4 * 12 * 6
    assert set(df["benchmark"]) == set(SIZES)
    assert df["table"].dtype.kind == "i" and df["score"].dtype.kind == "f"
    assert "SFT mid → GRPO hard" in set(df["arm"]) and "GRPO mid+hard" in set(df["arm"])


@pytest.mark.parametrize("name", ["paper_reported_results.csv", "paper_tier_counts.csv"])
def test_copies_are_verbatim(name: str) -> None:
    if not (SHARED / name).exists():
        pytest.skip("shared data folder not present")
    assert (CSV.parent / name).read_bytes() == (SHARED / name).read_bytes()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("table,paradigm,benchmark,score\n1,grpo_only,mmmu,50\n", "missing columns"),
        (
            HEADER + "1,pism,reasoning,grpo_only,,mid+hard,mmmu,n/a\n",
            "non-numeric score on data rows \\[2\\]",
        ),
        (HEADER + "x,pism,reasoning,grpo_only,,mid+hard,mmmu,50\n", "non-numeric table"),
        (HEADER + "1,pism,reasoning,dpo,,mid+hard,mmmu,50\n", "paradigm must be one of"),
        (HEADER + "1,pism,reasoning,grpo_only,mid,hard,mmmu,50\n", "sft_subset must be set"),
        (HEADER + "1,pism,reasoning,sft_grpo,,hard,mmmu,50\n", "sft_subset must be set"),
        (HEADER + "1,pism,reasoning,grpo_only,,,mmmu,50\n", "grpo_subset always"),
        (HEADER + "1,pism,reasoning,grpo_only,,hard,mmmu,50\n" * 2, "duplicate"),
    ],
)
def test_validation_errors(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(PaperDataError, match=message):
        load_paper_results(_write(tmp_path, body))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="paper results not found"):
        load_paper_results(tmp_path / "nope.csv")


def test_gaps_need_reference_arm_and_sizes(tmp_path: Path) -> None:
    no_ref = load_paper_results(_write(tmp_path, HEADER + "1,pism,reasoning,grpo_only,,hard,mmmu,50\n"))
    with pytest.raises(PaperDataError, match=r"no .* reference arm"):
        claimed_gaps(no_ref)
    with pytest.raises(PaperDataError, match="no benchmark size for \\['mmmu'\\]"):
        claimed_gaps(no_ref, sizes={"mmstar": 1500})


def test_mde_table_matches_power_module() -> None:
    table = mde_table(SIZES)
    assert list(table.columns) == [0.10, 0.20, 0.30]
    for bench, n in SIZES.items():
        for psi in table.columns:
            if bench == "mmvet":  # continuous: normal approximation with sigma_d = sqrt(psi)
                want = (norm.ppf(0.975) + norm.ppf(0.8)) * math.sqrt(psi / n)
            else:
                want = mde_paired(n, psi)
            assert table.loc[bench, psi] == pytest.approx(100 * want, rel=1e-9)
    assert table.loc["mathvista", 0.10] == pytest.approx(2.87, abs=0.01)
    assert table.loc["mmvet", 0.10] == pytest.approx(6.00, abs=0.01)
    assert (table.diff(axis=1).iloc[:, 1:] > 0).all().all()  # more disagreement, larger MDE


def test_hand_checked_gaps() -> None:
    gaps = claimed_gaps(load_paper_results(CSV)).set_index(["table", "benchmark", "arm"])
    assert len(gaps) == 4 * 11 * 6 and (gaps["reference"] == "GRPO mid+hard").all()
    # Table 1, MMMU: 54.7 (GRPO mid+hard) - 50.7 (SFT mid -> GRPO hard) = 4.0 points; MDE at n = 900 is
    # 3.03 / 4.26 / 5.20 points at psi = 0.1 / 0.2 / 0.3: detectable only at 10% discordance.
    row = gaps.loc[(1, "mmmu", "SFT mid → GRPO hard")]
    assert row["gap"] == 4.0 and row["contrast"] == "vs SFT+GRPO"
    assert [row[f"detectable_{p}"] for p in ("0.10", "0.20", "0.30")] == [True, False, False]
    assert row["power_0.10"] == pytest.approx(power_paired(900, 0.04, 0.1), abs=1e-4)
    assert row["power_0.10"] > 0.8 > row["power_0.20"] > row["power_0.30"]
    # Table 1, MathVista: 68.3 vs GRPO random 68.2 (+0.1) is far below any MDE; vs fullset 53.4 (+14.9)
    # exceeds even psi = 0.1, so its power is computed at psi = |gap| = 0.149.
    tiny, huge = gaps.loc[(1, "mathvista", "GRPO random")], gaps.loc[(1, "mathvista", "GRPO fullset")]
    assert tiny["gap"] == pytest.approx(0.1) and not tiny[["detectable_0.10", "detectable_0.30"]].any()
    assert huge["gap"] == pytest.approx(14.9) and huge["detectable_0.30"]
    assert huge["power_0.10"] == pytest.approx(power_paired(1000, 0.149, 0.149), abs=1e-4)
    # A gap in the other direction keeps its sign: Table 2 MMMU, 54.4 vs fullset 55.7.
    assert gaps.loc[(2, "mmmu", "GRPO fullset"), "gap"] == pytest.approx(-1.3)


def test_render_deterministic_and_committed_copy_current(tmp_path: Path) -> None:
    first = render_paper(CSV, tmp_path / "a")
    second = render_paper(CSV, tmp_path / "b")
    assert [p.name for p in first] == ["paper_tables.md", "paper_gaps.csv"]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
        assert (PAPER_DIR / a.name).read_bytes() == a.read_bytes(), (
            f"{PAPER_DIR / a.name} is stale: run `python -m harness.report.paper`"
        )
    md = first[0].read_text(encoding="utf-8")
    assert "claimed gaps are below the MDE even at 10% discordance" in md
    assert "✓ detectable" in md and "✗ below MDE" in md and "## Table 4: CMAB, perception pool" in md
    assert len(pd.read_csv(first[1])) == 264
