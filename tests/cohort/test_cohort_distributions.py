"""Weighted quantiles, and distributions from an NHANES-style file with calcium and energy."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from cohort_synth import make_cohort, write
from hypothesis import given, settings
from hypothesis import strategies as st

from hypothesis_profiles import examples
from magnerve.cohort import cohort_prevalence
from magnerve.cohort._distributions import weighted_quantiles


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=60))
def test_equal_weights_give_the_inverted_cdf_quantiles(values):
    v = np.asarray(values)
    got = weighted_quantiles(v, np.ones_like(v))
    want = np.quantile(v, [0.1, 0.25, 0.5, 0.75, 0.9], method="inverted_cdf")
    np.testing.assert_allclose(got, want)


def test_integer_weights_equal_repeated_values():
    rng = np.random.default_rng(2)
    v, w = rng.gamma(3.0, 50.0, 200), rng.integers(1, 5, 200)
    np.testing.assert_allclose(
        weighted_quantiles(v, w.astype(float)),
        np.quantile(np.repeat(v, w), [0.1, 0.25, 0.5, 0.75, 0.9], method="inverted_cdf"),
    )


def test_nhanes_file_with_calcium_and_energy(tmp_path):
    df = make_cohort(500, seed=9, infants=False)
    rng = np.random.default_rng(9)
    df = df.with_columns(
        (pl.col("DR1TMAGN") * 3.0).alias("DR1TCALC"),  # Ca:Mg exactly 3 on every day
        (pl.col("DR2TMAGN") * 3.0).alias("DR2TCALC"),
        pl.Series("DR1TKCAL", rng.uniform(1200, 3000, 500)),
    )
    r = cohort_prevalence(write(df, tmp_path / "c.csv"))
    dist = r.distributions()
    ratio = dist.filter(pl.col("measure") == "ca_mg_ratio")
    qs = ratio.select("p10", "p25", "p50", "p75", "p90").to_numpy()
    np.testing.assert_allclose(qs[np.isfinite(qs)], 3.0)
    kcal = dist.filter((pl.col("measure") == "mg_per_1000kcal") & (pl.col("sex") == "all"))
    assert kcal["n"][0] == r.n_persons and kcal["p10"][0] < kcal["p90"][0]
    assert "distributions" in r.to_dict()
    plain = cohort_prevalence(write(make_cohort(300, seed=9), tmp_path / "p.csv"))
    assert plain.distributions().height == 0 and "distributions" not in plain.to_dict()


def _mds_persons(df: pl.DataFrame, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n = df.height
    egfr = rng.uniform(30.0, 120.0, n)
    egfr[rng.uniform(size=n) < 0.1] = np.nan  # some persons without an eGFR
    return pl.DataFrame(
        {
            "SEQN": df["SEQN"],
            "DIURETIC": rng.integers(0, 2, n),
            "PPI": rng.integers(0, 2, n),
            "DRINKS_PER_DAY": np.round(rng.gamma(1.0, 1.2, n), 1),
            "EGFR": egfr,
        }
    ).with_columns(pl.col("EGFR").fill_nan(None))


def test_mds_by_group_from_the_person_file(tmp_path):
    from magnerve.clinical import mds_score
    from magnerve.cohort._distributions import QUANTILES

    df = make_cohort(600, seed=4, infants=False)
    people = _mds_persons(df, seed=4)
    r = cohort_prevalence(
        write(df, tmp_path / "c.csv"), persons=write(people, tmp_path / "p.parquet")
    )
    mds = r.distributions().filter(pl.col("measure") == "mds")
    assert mds["unit"].unique().to_list() == ["points"]
    # the same by hand: persons with all four components, the core's score, weighted quantiles
    t = df.join(people, on="SEQN").filter(pl.col("EGFR").is_not_null())
    t = t.filter(pl.col("SEQN").is_in(r.persons["SEQN"].cast(pl.Int64).implode()))
    score = mds_score(
        diuretic=t["DIURETIC"].to_numpy() == 1,
        ppi=t["PPI"].to_numpy() == 1,
        egfr=t["EGFR"].to_numpy(),
        drinks_per_day=t["DRINKS_PER_DAY"].to_numpy(),
        sex=np.where(t["RIAGENDR"].to_numpy() == 1, "male", "female"),
    )
    overall = mds.filter(pl.col("sex") == "all").row(0, named=True)
    assert overall["n"] == t.height < r.n_persons
    want = weighted_quantiles(score.astype(float), t["WTDRD1"].to_numpy(), QUANTILES)
    got = [overall[f"p{round(q * 100)}"] for q in QUANTILES]
    np.testing.assert_array_equal(got, want)
    assert set(got) <= {0.0, 1.0, 2.0, 3.0, 4.0, 5.0} and got[0] < got[-1]
    groups = mds.filter(pl.col("sex") != "all")
    assert int(groups["n"].sum()) == t.height


def test_mds_components_are_checked(tmp_path):
    from magnerve.cohort import CohortFileError

    df = make_cohort(100, seed=5, infants=False)
    people = _mds_persons(df, seed=5)
    cohort = write(df, tmp_path / "c.csv")
    for col, value, words in (
        ("DIURETIC", 2, "DIURETIC is 2; use 1 = current use or 0 = none"),
        ("EGFR", -5.0, "EGFR is -5; it cannot be negative"),
        ("DRINKS_PER_DAY", -1.0, "DRINKS_PER_DAY is -1; it cannot be negative"),
    ):
        bad = people.with_columns(
            pl.when(pl.col("SEQN") == df["SEQN"][7])
            .then(pl.lit(value))
            .otherwise(pl.col(col))
            .cast(pl.Float64)
            .alias(col)
        )
        with pytest.raises(CohortFileError, match=f"SEQN {df['SEQN'][7]}: {words}"):
            cohort_prevalence(cohort, persons=write(bad, tmp_path / "bad.csv"))
