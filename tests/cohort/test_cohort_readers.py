"""Readers: CSV, Parquet and SAS transport (XPT v5) files give the same table and result."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from cohort_synth import make_cohort, write
from typer.testing import CliRunner

from magnerve.cli import app
from magnerve.cohort import cohort_prevalence, read_cohort


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("readers")
    df = make_cohort(400, seed=7)
    return {fmt: write(df, d / f"cohort.{fmt}") for fmt in ("csv", "parquet", "xpt")}


def test_xpt_is_sas_transport_v5(files):
    head = files["xpt"].read_bytes()[:80]
    assert head.startswith(b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!")


def test_formats_give_the_same_table(files):
    tables = {fmt: read_cohort(p) for fmt, p in files.items()}
    assert tables["csv"].height == 400
    assert tables["csv"]["DR2TMAGN"].null_count() > 0  # blank second days stay missing
    for fmt in ("parquet", "xpt"):
        assert tables[fmt].equals(tables["csv"]), fmt


def test_formats_give_the_same_result(files):
    results = {fmt: cohort_prevalence(p).to_dict() for fmt, p in files.items()}
    assert results["parquet"] == results["csv"]
    assert results["xpt"] == results["csv"]


def test_cli_json_contract(files):
    res = CliRunner().invoke(app, ["cohort", str(files["xpt"]), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert set(data) >= {"n_persons", "overall", "groups"}
    assert set(data["overall"]) >= {"prevalence_below_ear", "se", "ci95"}
    lo, hi = data["overall"]["ci95"]
    assert 0 <= lo <= data["overall"]["prevalence_below_ear"] <= hi <= 1
    assert data["groups"]
    for g in data["groups"]:
        assert set(g) >= {"sex", "age_group", "n", "prevalence_below_ear", "se"}
        assert g["sex"] in ("male", "female")
        assert 0.0 <= g["prevalence_below_ear"] <= 1.0 and g["se"] >= 0.0
    assert sum(g["n"] for g in data["groups"]) == data["n_persons"]


def test_missing_value_spellings_in_csv(tmp_path):
    df = make_cohort(60, seed=3, infants=False)
    text = df.write_csv()
    lines = text.splitlines()
    # the first person with no second day: write its blank as NA, the next as "."
    blanks = [i for i, line in enumerate(lines[1:], 1) if line.split(",")[4] == ""]
    assert len(blanks) >= 2
    for i, spelling in zip(blanks[:2], ("NA", "."), strict=True):
        cells = lines[i].split(",")
        cells[4] = spelling
        lines[i] = ",".join(cells)
    p = tmp_path / "na.csv"
    p.write_text("\n".join(lines) + "\n")
    assert read_cohort(p)["DR2TMAGN"].null_count() == df["DR2TMAGN"].null_count()


def test_parquet_nan_is_missing(tmp_path):
    df = make_cohort(60, seed=4, infants=False).with_columns(
        pl.col("DR2TMAGN").fill_null(float("nan"))
    )
    p = write(df, tmp_path / "nan.parquet")
    t = read_cohort(p)
    assert t["DR2TMAGN"].null_count() == df["DR2TMAGN"].is_nan().sum() > 0
