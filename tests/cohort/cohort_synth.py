"""Synthetic NHANES-style cohorts written at test time (CSV, Parquet, SAS transport v5)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

COLUMNS = ["SEQN", "RIAGENDR", "RIDAGEYR", "DR1TMAGN", "DR2TMAGN", "WTDRD1", "SDMVSTRA", "SDMVPSU"]


def make_cohort(
    n: int = 600,
    seed: int = 1,
    *,
    second_day_share: float = 0.85,
    within_cv: float = 0.35,
    n_strata: int = 6,
    infants: bool = True,
) -> pl.DataFrame:
    """One row per person: skewed usual intakes, day-to-day noise, some with one day only,
    weights, and strata with two PSUs each (every stratum gets both PSUs)."""
    rng = np.random.default_rng(seed)
    sex = rng.integers(1, 3, n)
    age = rng.integers(0 if infants else 1, 81, n).astype(float)
    usual = rng.gamma(8.0, 35.0, n)
    d1 = usual * rng.lognormal(-(within_cv**2) / 2, within_cv, n)  # mean-preserving noise
    d2 = usual * rng.lognormal(-(within_cv**2) / 2, within_cv, n)
    d2[rng.uniform(size=n) > second_day_share] = np.nan
    stratum = np.arange(n) % n_strata + 1
    psu = (np.arange(n) // n_strata) % 2 + 1
    w = rng.uniform(1000.0, 50000.0, n)
    return pl.DataFrame(
        {
            "SEQN": np.arange(10001, 10001 + n, dtype=np.int64),
            "RIAGENDR": sex.astype(np.int64),
            "RIDAGEYR": age,
            "DR1TMAGN": np.round(d1, 1),
            "DR2TMAGN": np.round(d2, 1),
            "WTDRD1": np.round(w, 2),
            "SDMVSTRA": stratum.astype(np.int64),
            "SDMVPSU": psu.astype(np.int64),
        }
    ).with_columns(pl.col("DR2TMAGN").fill_nan(None))


def write(df: pl.DataFrame, path: Path) -> Path:
    """Write ``df`` in the format of ``path``'s suffix (.csv, .parquet, .xpt)."""
    if path.suffix == ".csv":
        df.write_csv(path)
    elif path.suffix == ".parquet":
        df.write_parquet(path)
    elif path.suffix == ".xpt":
        import pyreadstat

        pdf = df.with_columns(pl.col(pl.Int64).cast(pl.Float64)).to_pandas()
        pyreadstat.write_xport(pdf, str(path), file_format_version=5, table_name="DEMO")
    else:
        raise ValueError(path.suffix)
    return path
