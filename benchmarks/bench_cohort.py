"""Cohort engine: a synthetic NHANES-style file of N persons (default 100,000) read and
prepared by the Polars engine and by the Dask engine (local cluster, two worker processes),
next to a baseline in the same run: pandas ``read_csv`` with ``to_numeric`` per column. Also
times the whole estimate (usual intakes + svy Taylor SEs) and checks both engines agree.

Run: ``python benchmarks/bench_cohort.py [--n 100000] [--format csv|parquet] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from magnerve.cohort import COHORT_COLUMNS, estimate_prevalence, read_cohort


def synthetic(n: int, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    usual = rng.gamma(8.0, 40.0, n)
    d2 = usual + rng.normal(0.0, 110.0, n)
    d2[rng.uniform(size=n) > 0.85] = np.nan
    return pl.DataFrame(
        {
            "SEQN": np.arange(1, n + 1),
            "RIAGENDR": rng.integers(1, 3, n),
            "RIDAGEYR": rng.integers(0, 81, n).astype(float),
            "DR1TMAGN": np.round(np.clip(usual + rng.normal(0.0, 110.0, n), 0, None), 1),
            "DR2TMAGN": np.round(np.clip(d2, 0, None), 1),
            "WTDRD1": np.round(rng.uniform(1000, 60000, n), 2),
            "SDMVSTRA": rng.integers(1, 16, n),
            "SDMVPSU": rng.integers(1, 3, n),
        }
    ).with_columns(pl.col("DR2TMAGN").fill_nan(None))


def pandas_baseline(path: Path) -> Any:
    import pandas as pd

    if path.suffix == ".csv":
        df = pd.read_csv(path, usecols=list(COHORT_COLUMNS), dtype=str, keep_default_na=False)
    else:
        df = pd.read_parquet(path, columns=list(COHORT_COLUMNS))
    for c in COHORT_COLUMNS:
        df[c] = pd.to_numeric(df[c].replace({"": None}), errors="coerce")
    return df.sort_values("SEQN")


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--format", choices=["csv", "parquet"], default="csv")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"cohort.{args.format}"
        df = synthetic(args.n)
        df.write_csv(path) if args.format == "csv" else df.write_parquet(path)
        mib = path.stat().st_size / 2**20
        print(f"{args.n:,} persons, {args.format} {mib:.1f} MiB; best of {args.repeat}")
        t_pd, _ = best(lambda: pandas_baseline(path), args.repeat)
        t_pl, a = best(lambda: read_cohort(path), args.repeat)
        t_dk, b = best(lambda: read_cohort(path, engine="dask"), 1)
        assert b.equals(a), "engines differ"
        t_est, res = best(lambda: estimate_prevalence(a), args.repeat)
        t_prob, _ = best(lambda: estimate_prevalence(a, method="probability"), 1)
        rows = [
            ("pandas read + to_numeric (baseline)", t_pd),
            ("polars engine: read, prepare, check", t_pl),
            ("dask engine incl. LocalCluster start (1 run)", t_dk),
            ("estimate: usual intakes + svy SEs (cutpoint)", t_est),
            ("estimate (probability approach, 1 run)", t_prob),
        ]
        for name, t in rows:
            print(f"  {name:<48} {t:8.3f} s  {args.n / t / 1e6:7.2f} M persons/s")
        print(f"  polars vs pandas baseline: {t_pd / t_pl:.1f}x faster")
        o = res.overall
        print(
            f"  prevalence below EAR {o.estimate:.4f} (SE {o.se:.4f}), {res.n_persons:,} persons; "
            "engines identical"
        )


if __name__ == "__main__":
    main()
