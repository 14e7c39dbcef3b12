"""Bad input: a clear InputError naming the column and the person, exit 1, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from cohort_synth import make_cohort, write
from typer.testing import CliRunner

from magnerve.cli import app
from magnerve.cohort import (
    CohortFileError,
    DesignError,
    cohort_prevalence,
    read_cohort,
)
from magnerve.errors import InputError


def _csv_with(tmp_path: Path, column: str, row: int, text: str) -> Path:
    df = make_cohort(40, seed=2, infants=False)
    lines = df.write_csv().splitlines()
    j = lines[0].split(",").index(column)
    cells = lines[row + 1].split(",")
    cells[j] = text
    lines[row + 1] = ",".join(cells)
    p = tmp_path / "bad.csv"
    p.write_text("\n".join(lines) + "\n")
    return p


def _flat(s: str) -> str:
    return " ".join(s.split())


CASES = [
    ("RIAGENDR", 5, "3", ["SEQN 10006", "RIAGENDR is 3", "1 = male or 2 = female"]),
    ("DR1TMAGN", 7, "-12.5", ["SEQN 10008", "DR1TMAGN is -12.5", "cannot be negative"]),
    ("DR2TMAGN", 3, "-1", ["SEQN 10004", "DR2TMAGN is -1"]),
    ("DR1TMAGN", 2, "lots", ["DR1TMAGN must be a number", "'lots'", "SEQN 10003"]),
    ("RIDAGEYR", 4, "forty", ["RIDAGEYR must be a number", "'forty'"]),
    ("RIDAGEYR", 4, "", ["SEQN 10005", "RIDAGEYR (age) is missing"]),
    ("RIDAGEYR", 4, "200", ["SEQN 10005", "RIDAGEYR (age) is 200"]),
    ("WTDRD1", 1, "0", ["SEQN 10002", "WTDRD1", "above 0"]),
    ("SDMVPSU", 1, "", ["SEQN 10002", "SDMVPSU (survey design) is missing"]),
    ("SEQN", 1, "10001", ["SEQN 10001 appears 2 times"]),
    # found by an outside hostile-input check: infinite and implausible values ran through
    ("WTDRD1", 2, "inf", ["SEQN 10003", "WTDRD1 is inf", "finite"]),
    ("DR1TMAGN", 2, "inf", ["SEQN 10003", "DR1TMAGN is inf", "finite"]),
    ("DR1TMAGN", 2, "1e400", ["SEQN 10003", "finite"]),
    ("DR2TMAGN", 2, "99999999", ["SEQN 10003", "DR2TMAGN is 1e+08", "plausible"]),
]


@pytest.mark.parametrize(("column", "row", "text", "expect"), CASES)
def test_bad_value_api_and_cli(tmp_path, column, row, text, expect):
    p = _csv_with(tmp_path, column, row, text)
    with pytest.raises(InputError) as info:
        read_cohort(p)
    msg = str(info.value)
    for part in expect:
        assert part in msg, (part, msg)
    assert info.value.loc == (column,)
    res = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["cohort", str(p), "--json"])
    assert res.exit_code == 1
    assert "Traceback" not in res.output
    assert expect[0] in _flat(res.stderr)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xpt"])
def test_missing_columns_named(tmp_path, fmt):
    df = make_cohort(20, seed=1).drop("SDMVSTRA", "DR2TMAGN")
    p = write(df, tmp_path / f"c.{fmt}")
    with pytest.raises(CohortFileError, match=r"missing column\(s\) DR2TMAGN, SDMVSTRA"):
        read_cohort(p)


def test_non_numeric_in_parquet_string_column(tmp_path):
    df = make_cohort(20, seed=1).with_columns(pl.col("RIAGENDR").cast(pl.String))
    df = df.with_columns(
        pl.when(pl.col("SEQN") == 10004)
        .then(pl.lit("F"))
        .otherwise(pl.col("RIAGENDR"))
        .alias("RIAGENDR")
    )
    with pytest.raises(CohortFileError, match=r"RIAGENDR must be a number.*'F' \(SEQN 10004\)"):
        read_cohort(write(df, tmp_path / "s.parquet"))


def test_unknown_format_and_unreadable_xpt(tmp_path):
    p = tmp_path / "c.xlsx"
    p.write_text("x")
    with pytest.raises(CohortFileError, match=r"use \.csv, \.parquet or \.xpt"):
        read_cohort(p)
    q = tmp_path / "c.xpt"
    q.write_text("not a transport file")
    with pytest.raises(CohortFileError, match="SAS transport"):
        read_cohort(q)


def test_single_psu_stratum(tmp_path):
    df = make_cohort(60, seed=1, infants=False)
    df = df.with_columns(
        pl.when(pl.col("SDMVSTRA") == 3).then(1).otherwise(pl.col("SDMVPSU")).alias("SDMVPSU")
    )
    with pytest.raises(DesignError, match="stratum SDMVSTRA 3 has only one PSU"):
        cohort_prevalence(write(df, tmp_path / "c.parquet"))


def test_bad_day_of_week(tmp_path):
    df = make_cohort(40, seed=2, infants=False).with_columns(
        pl.lit(3).alias("DR1DAY"), pl.lit(9).alias("DR2DAY")
    )
    with pytest.raises(CohortFileError, match="DR2DAY"):
        read_cohort(write(df, tmp_path / "c.csv"))


def test_usage_errors_exit_2(tmp_path):
    p = write(make_cohort(30, seed=1), tmp_path / "c.csv")
    r = CliRunner()
    assert r.invoke(app, ["cohort", str(tmp_path / "none.csv")]).exit_code == 2
    assert r.invoke(app, ["cohort", str(p), "--scheduler", "tcp://127.0.0.1:1"]).exit_code == 2
    assert r.invoke(app, ["cohort", str(p), "--engine", "spark"]).exit_code == 2


def test_real_entry_point_no_traceback(tmp_path):
    p = _csv_with(tmp_path, "RIAGENDR", 0, "3")
    res = subprocess.run(
        [sys.executable, "-c", "from magnerve.cli import main; main()", "cohort", str(p)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert "RIAGENDR is 3" in _flat(res.stderr)


def test_pregnant_male_in_the_person_file_is_refused(tmp_path):
    df = make_cohort(40, seed=2, infants=False)
    cohort = tmp_path / "c.csv"
    df.write_csv(cohort)
    male = df.filter(pl.col("RIAGENDR") == 1)["SEQN"][0]
    persons = tmp_path / "p.csv"
    pl.DataFrame({"SEQN": [male], "RIDEXPRG": [1]}).write_csv(persons)
    with pytest.raises(InputError, match="RIDEXPRG = 1"):
        read_cohort(cohort, persons=persons)


def test_chart_to_an_unwritable_place_is_checked_before_the_work(tmp_path):
    df = make_cohort(40, seed=2, infants=False)
    cohort = tmp_path / "c.csv"
    df.write_csv(cohort)
    r = CliRunner().invoke(app, ["cohort", str(cohort), "--chart", str(tmp_path / "no" / "c.svg")])
    assert r.exit_code == 1, r.output
    assert "does not exist" in " ".join(r.output.split())  # rich wraps a long temporary path
    r = CliRunner().invoke(app, ["cohort", str(cohort), "--chart", str(cohort)])
    assert r.exit_code == 1 and "input file" in " ".join(r.output.split())
