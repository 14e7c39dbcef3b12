"""Food-level diaries for many people: person-day totals equal the core's intake, every row is
aggregated or a counted problem, and the cohort estimate equals that of the same numbers in
an NHANES-style file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from cohort_synth import write
from typer.testing import CliRunner

import magnerve
from magnerve.cli import app
from magnerve.cohort import (
    CohortFileError,
    aggregate_diaries,
    cohort_from_diaries,
    cohort_prevalence,
    diary_totals,
)

EXAMPLE = Path(__file__).parents[2] / "examples" / "diary_week.csv"


def _example_for(persons: list[int]) -> pl.DataFrame:
    base = pl.read_csv(EXAMPLE, infer_schema=False)
    return pl.concat([base.with_columns(pl.lit(str(p)).alias("person")) for p in persons])


def test_totals_equal_the_core_intake(tmp_path):
    p = tmp_path / "d.csv"
    _example_for([7, 8]).write_csv(p)
    res = diary_totals(p)
    assert res.problem_counts == {} and res.n_aggregated == res.n_rows
    days = magnerve.intake(magnerve.read_diary(EXAMPLE)).to_dict()["days"]
    assert res.totals.height == 2 * len(days)
    for person in (7.0, 8.0):
        mine = res.totals.filter(pl.col("person") == person)
        for day, row in zip(days, mine.iter_rows(named=True), strict=True):
            assert str(row["date"]) == day["date"]
            for key in ("magnesium_mg", "calcium_mg", "energy_kcal"):
                assert row[key] == pytest.approx(day["nutrients"][key]["value"], abs=1e-3)


def test_each_distinct_food_resolved_once(tmp_path, monkeypatch):
    import magnerve.diary as diary

    calls: list[int] = []
    real = diary.read_diary_text

    def counting(text, *a, **k):
        calls.append(text.count("\n") - 1)
        return real(text, *a, **k)

    monkeypatch.setattr(diary, "read_diary_text", counting)
    p = tmp_path / "d.csv"
    big = _example_for(list(range(1, 201)))
    big.write_csv(p)
    res = diary_totals(p)
    distinct = big.select("food", "unit", pl.col("amount").is_not_null()).unique().height
    assert res.n_rows == big.height == 200 * 73 and sum(calls) == distinct == res.n_foods


BAD = """person,date,food,amount,unit
1,2024-03-01,30 g almonds,,
1,2024-03-01,banana,1/2,
,2024-03-01,banana,1,
abc,2024-03-01,banana,1,
1,2024-13-01,banana,1,
1,1850-01-01,banana,1,
1,2024-03-01,,1,cup
1,2024-03-01,banana,lots,
1,2024-03-01,banana,-1,
1,2024-03-01,xyzzy frobnicate,1,g
1,2024-03-01,magnesium citrate,1,
1,2024-03-01,rice,30,kg
2,2024-03-02,12061,30,g
"""


def test_every_row_is_aggregated_or_a_counted_problem(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text(BAD)
    res = diary_totals(p)
    assert res.n_rows == 13
    assert res.n_aggregated == 3
    assert res.problem_counts == {
        "amount": 2,
        "date": 2,
        "food": 2,
        "no_food": 1,
        "person": 2,
        "portion": 1,
    }
    assert res.n_aggregated + sum(res.problem_counts.values()) == res.n_rows
    listed = res.problems
    assert listed["row"].to_list() == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    why = dict(zip(listed["row"], listed["detail"], strict=True))
    assert why[4] == "person is not a number: abc"
    assert "lots" in why[8] and "xyzzy" in why[10] and "supplement" in why[11]
    assert "25,000 g" in why[12]
    one = res.totals.filter(pl.col("person") == 1.0).row(0, named=True)
    banana = magnerve.foods.parse_line("1 medium banana").grams
    assert one["n_rows"] == 2
    expect = magnerve.intake(
        magnerve.read_diary_text(
            f"date,food,amount,unit\n2024-03-01,30 g almonds,,\n2024-03-01,09040,{banana / 2},g\n",
            "csv",
        )
    ).to_dict()["days"][0]["nutrients"]["magnesium_mg"]["value"]
    assert one["magnesium_mg"] == pytest.approx(expect, abs=1e-3)


def test_parquet_with_ndb_numbers_and_streaming(tmp_path):
    rng = np.random.default_rng(5)
    ndbs = [12061, 9040, 1077, 11457, 20037]  # almonds, banana, milk, spinach, brown rice
    n = 3000
    df = pl.DataFrame(
        {
            "person": rng.integers(1, 101, n),
            "date": pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 1, 3), eager=True).sample(
                n, with_replacement=True, seed=1
            ),
            "ndb": rng.choice(ndbs, n).astype(np.int32),
            "amount": np.round(rng.uniform(5, 200, n), 1),
            "unit": ["g"] * n,
        }
    )
    pq = tmp_path / "d.parquet"
    df.write_parquet(pq)
    csv = tmp_path / "d.csv"
    df.with_columns(pl.col("ndb").cast(pl.String).str.zfill(5).alias("food")).drop("ndb").write_csv(
        csv
    )
    a = aggregate_diaries(pq)
    b = aggregate_diaries(pq, streaming=True)
    c = aggregate_diaries(csv)
    assert a.height == df.select("person", "date").unique().height
    assert int(a["n_rows"].sum()) == n
    assert a.equals(b.sort("person", "date")) or np.allclose(
        a["magnesium_mg"].to_numpy(), b["magnesium_mg"].to_numpy(), rtol=1e-12
    )
    np.testing.assert_allclose(a["magnesium_mg"].to_numpy(), c["magnesium_mg"].to_numpy())
    per_100g = {k: magnerve.foods.get_food(f"{k:05d}").nutrients["magnesium_mg"] for k in ndbs}
    want = (
        df.with_columns(
            (pl.col("amount") * pl.col("ndb").replace_strict(per_100g) / 100).alias("mg")
        )
        .group_by("person", "date")
        .agg(pl.col("mg").sum())
        .sort("person", "date")
    )
    np.testing.assert_allclose(a["magnesium_mg"].to_numpy(), want["mg"].to_numpy(), rtol=1e-9)


def _persons(n: int, seed: int = 3) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "SEQN": np.arange(1, n + 1),
            "RIAGENDR": rng.integers(1, 3, n),
            "RIDAGEYR": rng.integers(19, 80, n).astype(float),
            "WTDRD1": np.round(rng.uniform(1e3, 5e4, n), 2),
            "SDMVSTRA": np.arange(n) % 4 + 1,
            "SDMVPSU": (np.arange(n) // 4) % 2 + 1,
        }
    )


def _diary(n: int) -> pl.DataFrame:
    base = pl.read_csv(EXAMPLE, infer_schema=False)
    dates = base["date"].unique().sort().to_list()
    parts = []
    for k in range(1, n + 1):
        chosen = [dates[k % 7], dates[(k + 3) % 7]] if k % 5 else [dates[k % 7]]
        if k == 1:
            chosen = dates[:3]  # a third day: aggregated, not used by the 2-day estimate
        parts.append(base.filter(pl.col("date").is_in(chosen)).with_columns(person=pl.lit(str(k))))
    parts.append(base.head(4).with_columns(person=pl.lit("999")))  # not in the person table
    return pl.concat(parts)


@pytest.fixture(scope="module")
def cohort_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("diaries")
    persons = _persons(62)  # persons 61 and 62 have no diary
    diary = d / "diary.csv"
    _diary(60).write_csv(diary)
    return diary, write(persons, d / "persons.csv"), persons


def test_cohort_equals_the_same_numbers_as_a_person_day_file(cohort_files, tmp_path):
    diary, persons_path, persons = cohort_files
    r = cohort_from_diaries(diary, persons=persons_path, method="probability")
    d = r.to_dict()
    assert d["excluded"]["no_day1_intake"] == 2
    dd = d["diaries"]
    assert dd["rows_with_problems"] == {"person_not_in_person_table": 4}
    assert dd["persons_not_in_person_table"] == 1
    assert dd["days_after_the_second_not_used"] == 1
    assert dd["rows"] == dd["rows_aggregated"] + 4
    # the same day totals written as an NHANES-style file by hand
    t = aggregate_diaries(diary).filter(pl.col("person") <= 60)
    t = t.with_columns(pl.col("date").rank("ordinal").over("person").alias("k"))
    day = {
        k: t.filter(pl.col("k") == k).select(
            pl.col("person").alias("SEQN"),
            pl.col("magnesium_mg").alias(f"DR{k}TMAGN"),
            pl.col("calcium_mg").alias(f"DR{k}TCALC"),
            pl.col("energy_kcal").alias(f"DR{k}TKCAL"),
        )
        for k in (1, 2)
    }
    wide = (
        persons.with_columns(pl.col("SEQN").cast(pl.Float64))
        .join(day[1], on="SEQN", how="left")
        .join(day[2], on="SEQN", how="left")
    )
    nh = cohort_prevalence(write(wide, tmp_path / "wide.parquet"), method="probability")
    want = nh.to_dict()
    for key in ("overall", "groups", "distributions"):  # equal up to float summation order
        assert json.dumps(d[key]) == json.dumps(want[key]) or _close(d[key], want[key]), key


def _close(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9, abs=1e-12)
    return a == b


def test_distributions_by_group(cohort_files):
    diary, persons_path, _ = cohort_files
    r = cohort_from_diaries(diary, persons=persons_path)
    dist = r.distributions()
    assert set(dist["measure"]) == {"ca_mg_ratio", "mg_per_1000kcal"}
    assert dist.filter(pl.col("sex") == "all")["n"].to_list() == [r.n_persons, r.n_persons]
    qs = dist.select("p10", "p25", "p50", "p75", "p90").to_numpy()
    assert (np.diff(qs, axis=1) >= 0).all() and (qs > 0).all()


def test_cli_diaries_json_and_out(cohort_files, tmp_path):
    diary, persons_path, _ = cohort_files
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app,
        [
            "cohort",
            str(diary),
            "--diaries",
            "--persons",
            str(persons_path),
            "--json",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert set(data) >= {"n_persons", "overall", "groups", "diaries", "distributions"}
    assert (out / "distributions.csv").is_file()
    assert "Distributions by group" in (out / "summary.html").read_text()


def test_cli_usage_and_input_errors(cohort_files, tmp_path):
    diary, persons_path, persons = cohort_files
    run = CliRunner().invoke
    res = run(app, ["cohort", str(diary), "--diaries"])
    assert res.exit_code == 2 and "--diaries needs --persons" in res.output
    bad = write(
        persons.with_columns(
            pl.when(pl.col("SEQN") == 5).then(3).otherwise(pl.col("RIAGENDR")).alias("RIAGENDR")
        ),
        tmp_path / "bad.csv",
    )
    res = run(app, ["cohort", str(diary), "--diaries", "--persons", str(bad)])
    assert res.exit_code == 1 and "SEQN 5: RIAGENDR is 3" in res.output
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("person,day,food\n1,2024-01-01,banana\n")
    res = run(app, ["cohort", str(nocol), "--diaries", "--persons", str(persons_path)])
    assert res.exit_code == 1 and "missing: date" in res.output
    with pytest.raises(CohortFileError, match="not XPT"):
        diary_totals(write(persons, tmp_path / "p.xpt").with_name("p.xpt"))


def test_dask_engine_equals_polars(cohort_files):
    diary, _, _ = cohort_files
    a = diary_totals(diary)
    b = diary_totals(diary, engine="dask")
    assert b.problem_counts == a.problem_counts and b.n_rows == a.n_rows
    assert b.totals.select("person", "date", "n_rows").equals(
        a.totals.select("person", "date", "n_rows")
    )
    np.testing.assert_allclose(
        b.totals["magnesium_mg"].to_numpy(), a.totals["magnesium_mg"].to_numpy(), rtol=1e-12
    )


# ------------------------------------------- the fast row pass against the rules, row by row

_NDBS = [12061, 9040, 1077, 11457, 20037]  # almonds, banana, milk, spinach, brown rice


def _numeric_diary(problem: str, seed: int) -> pl.DataFrame:
    """A numeric Parquet-style diary (Int64 person, Date, Int32 ndb, amount in g) with one
    kind of bad row planted (or several: ``mixed``), so each row check of the fast pass
    is switched on alone."""
    rng = np.random.default_rng(seed)
    n = 400
    person: list[int | None] = rng.integers(1, 40, n).tolist()
    days = rng.integers(0, 3, n)
    date: list[object] = [(np.datetime64("2024-01-01") + int(d)).astype(object) for d in days]
    ndb = rng.choice(_NDBS, n).astype(np.int32).tolist()
    amount: list[float] = np.round(rng.uniform(5, 200, n), 1).tolist()
    bad = rng.choice(n, 25, replace=False)
    kinds = ["person", "date", "amount", "food", "portion"] if problem == "mixed" else [problem]
    for j, i in enumerate(bad):
        kind = kinds[j % len(kinds)]
        if kind == "person":
            person[i] = None
        elif kind == "date":
            date[i] = None if j % 2 else np.datetime64("1850-06-01").astype(object)
        elif kind == "amount":
            amount[i] = -1.0 if j % 2 else float("inf")
        elif kind == "food":
            ndb[i] = 99999  # no SR28 food has it
        elif kind == "portion":
            amount[i] = 30_000.0
    return pl.DataFrame(
        {"person": person, "date": date, "ndb": ndb, "amount": amount, "unit": ["g"] * n},
        schema={
            "person": pl.Int64,
            "date": pl.Date,
            "ndb": pl.Int32,
            "amount": pl.Float64,
            "unit": pl.String,
        },
    )


def _by_the_rules(df: pl.DataFrame) -> tuple[dict[tuple[float, str], list[float]], dict[str, int]]:
    """Row by row in Python, in the documented order of the checks: person, date, amount,
    food, portion (25 kg); otherwise amount x SR28 value per 100 g, summed per person-day."""
    per_100g = {}
    for k in _NDBS:
        nutrients = magnerve.foods.get_food(f"{k:05d}").nutrients
        per_100g[k] = (nutrients["magnesium_mg"], nutrients["calcium_mg"])
    sums: dict[tuple[float, str], list[float]] = {}
    counts: dict[str, int] = {}
    for r in df.iter_rows(named=True):
        a = r["amount"]
        if r["person"] is None:
            reason = "person"
        elif r["date"] is None or not 1900 <= r["date"].year <= 2100:
            reason = "date"
        elif a < 0 or np.isinf(a):
            reason = "amount"
        elif r["ndb"] not in per_100g:
            reason = "food"
        elif a > 25_000:
            reason = "portion"
        else:
            mg, ca = per_100g[r["ndb"]]
            s = sums.setdefault((float(r["person"]), str(r["date"])), [0.0, 0.0, 0])
            s[0] += a * mg / 100
            s[1] += a * ca / 100
            s[2] += 1
            continue
        counts[reason] = counts.get(reason, 0) + 1
    return sums, counts


@pytest.mark.parametrize(
    "problem", ["none", "person", "date", "amount", "food", "portion", "mixed"]
)
def test_fast_row_pass_equals_the_rules_row_by_row(tmp_path, problem):
    df = _numeric_diary(problem, seed=len(problem))
    pq = tmp_path / "d.parquet"
    df.write_parquet(pq)
    want, want_counts = _by_the_rules(df)
    for streaming in (False, True):
        res = diary_totals(pq, streaming=streaming)
        assert res.problem_counts == want_counts
        assert res.n_rows == df.height == res.n_aggregated + sum(want_counts.values())
        got = {
            (r["person"], str(r["date"])): [r["magnesium_mg"], r["calcium_mg"], r["n_rows"]]
            for r in res.totals.iter_rows(named=True)
        }
        assert got.keys() == want.keys()
        for k, (mg, ca, n) in want.items():
            assert got[k][0] == pytest.approx(mg, rel=1e-12)
            assert got[k][1] == pytest.approx(ca, rel=1e-12)
            assert got[k][2] == n
        assert res.totals["person"].to_list() == sorted(res.totals["person"].to_list())
        assert res.problems.height == sum(want_counts.values())
        assert set(res.problems["reason"]) == set(want_counts)


def test_person_day_key_falls_back_for_fractional_or_huge_person_ids(tmp_path):
    base = _numeric_diary("none", seed=9)
    want, _ = _by_the_rules(base)
    for shift, cast in ((0.5, pl.Float64), (2**62, pl.Int64)):
        df = base.with_columns((pl.col("person").cast(cast) + shift).alias("person"))
        df = df.with_columns(
            pl.when(pl.int_range(pl.len()) == 0)
            .then(pl.lit(1, dtype=cast))
            .otherwise(pl.col("person"))
            .alias("person")
        )
        pq = tmp_path / "d.parquet"
        df.write_parquet(pq)
        res = diary_totals(pq)
        assert res.n_aggregated == df.height and res.problem_counts == {}
        assert res.totals.height == df.select("person", "date").unique().height
        assert set(res.totals["person"]) == set(df["person"].cast(pl.Float64))
        total = sum(v[0] for v in want.values())
        assert float(res.totals["magnesium_mg"].sum()) == pytest.approx(total, rel=1e-12)
        assert res.totals["person"].to_list() == sorted(res.totals["person"].to_list())
