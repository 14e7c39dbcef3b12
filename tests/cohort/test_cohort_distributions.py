"""Weighted quantiles, and distributions from an NHANES-style file with calcium and energy."""

from __future__ import annotations

import numpy as np
import polars as pl
from cohort_synth import make_cohort, write
from hypothesis import given, settings
from hypothesis import strategies as st

from magnerve.cohort import cohort_prevalence
from magnerve.cohort._distributions import weighted_quantiles


@settings(max_examples=60, deadline=None)
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
