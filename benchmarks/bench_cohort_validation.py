"""Validation of the cohort usual-intake methods against a KNOWN truth (issue 13).

1. Repeated synthetic cohorts (default 50 x 2,000 adults 31+ y, men and women, 2-day design
   with one day only for 15 %): true usual intakes skewed (gamma, or lognormal with
   ``--usual lognormal``: the NCI model's own assumption), day-to-day variation
   heteroscedastic (daily = usual x a mean-1 factor with CV 0.45, lognormal by default or
   gamma with ``--noise gamma``, so the within-person SD grows with intake), unequal
   weights, 10 strata x 2 PSUs. For each cohort the weighted share of
   TRUE usual intakes below the EAR is the truth; the estimates of ``--usual shrink``,
   ``--usual nci`` and the one-day distribution (day-1 intakes taken as usual) are compared
   with it. Prints mean (signed) error, mean absolute error and max absolute error. The
   ``oracle`` row is P(true usual < EAR | recalls) with the simulation's own distributions and
   parameters, averaged with the weights: the Bayes estimator of the cohort's true share, so
   its errors are the floor that no method can beat on average (the truth is one draw of
   the persons' day-to-day variation).
2. IOM 2000 (Appendix D, Table D-1 style) conditions for the EAR cut-point method: the true
   prevalence P(requirement > usual intake) against the cut-point share (usual < EAR) when
   (a) requirements are symmetric and intake variance exceeds requirement variance
   (unbiased), (b) intake variance is below requirement variance, (c) requirements are
   skewed (EAR = median), computed on 400,000 simulated persons with intake independent of
   requirement. All parameters are synthetic.

Run: ``python benchmarks/bench_cohort_validation.py [--reps 50] [--n 2000] [--seed 1]``
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from magnerve.cohort import estimate_prevalence
from magnerve.requirements import reference_intake

#: Synthetic cohort settings (not physiological data): gamma shape and mean of usual
#: intake per sex, within-person CV, share with two days.
SHAPE = 7.0
MEAN_USUAL = {1: 380.0, 2: 290.0}
WITHIN_CV = 0.45
SECOND_DAY_SHARE = 0.85
#: The oracle (Bayes) estimate of each cohort, by seed (filled by :func:`synthetic_cohort`).
ORACLE: dict[int, float] = {}


def _prior_pdf(t: np.ndarray, mean: float, usual_dist: str) -> np.ndarray:
    """Density of the TRUE usual intake of the simulation [per mg/day]."""
    if usual_dist == "lognormal":
        sb = float(np.sqrt(np.log1p(1.0 / SHAPE)))
        return stats.lognorm.pdf(t, sb, scale=mean * np.exp(-sb * sb / 2))
    return stats.gamma.pdf(t, SHAPE, scale=mean / SHAPE)


def _factor_pdf(f: np.ndarray, noise: str) -> np.ndarray:
    """Density of the simulation's mean-1 day-to-day factor."""
    if noise == "gamma":
        k = 1.0 / WITHIN_CV**2
        return stats.gamma.pdf(f, k, scale=1.0 / k)
    s = float(np.sqrt(np.log1p(WITHIN_CV**2)))
    return stats.lognorm.pdf(f, s, scale=np.exp(-s * s / 2))


def oracle_share(
    d1: np.ndarray,
    d2: np.ndarray,
    mean: np.ndarray,
    ear: np.ndarray,
    noise: str,
    usual_dist: str,
) -> np.ndarray:
    """P(true usual < EAR | the person's recalls) with the simulation's TRUE distributions and
    parameters (numerical integration on a grid): the Bayes estimator of the weighted share,
    i.e. the smallest mean squared error any estimator can reach on these data."""
    out = np.empty(d1.size)
    for m in np.unique(mean):
        i = np.flatnonzero(mean == m)
        grid = np.linspace(m * 0.05, m * 4.0, 4000)
        prior = _prior_pdf(grid, float(m), usual_dist)
        like = _factor_pdf(d1[i, None] / grid[None, :], noise) / grid[None, :]
        two = ~np.isnan(d2[i])
        like[two] *= _factor_pdf(d2[i][two, None] / grid[None, :], noise) / grid[None, :]
        post = like * prior[None, :]
        below = grid[None, :] < ear[i, None]
        out[i] = (post * below).sum(axis=1) / post.sum(axis=1)
    return out


def synthetic_cohort(
    n: int, seed: int, noise: str = "lognormal", usual_dist: str = "gamma"
) -> tuple[pl.DataFrame, float, float]:
    """A cohort table (as :func:`magnerve.cohort.read_cohort` returns) with its truth.

    Returns
    -------
    table, truth, one_day
        The table; the weighted share of true usual intakes below the EAR [fraction]; the
        weighted share of day-1 intakes below the EAR [fraction].
    """
    rng = np.random.default_rng(seed)
    sex = rng.integers(1, 3, n)
    age = rng.integers(31, 81, n).astype(float)
    mean = np.where(sex == 1, MEAN_USUAL[1], MEAN_USUAL[2])
    if usual_dist == "lognormal":  # same mean and CV as the gamma (1 / sqrt(SHAPE))
        sb = float(np.sqrt(np.log1p(1.0 / SHAPE)))
        usual = mean * rng.lognormal(-sb * sb / 2, sb, n)
    else:
        usual = rng.gamma(SHAPE, mean / SHAPE)
    if noise == "gamma":  # mean-1 gamma factor with CV WITHIN_CV (skewed on the log scale)
        k = 1.0 / WITHIN_CV**2
        d1 = usual * rng.gamma(k, 1.0 / k, n)
        d2 = usual * rng.gamma(k, 1.0 / k, n)
    else:  # mean-1 lognormal factor with CV WITHIN_CV
        s = float(np.sqrt(np.log1p(WITHIN_CV**2)))
        d1 = usual * rng.lognormal(-s * s / 2, s, n)
        d2 = usual * rng.lognormal(-s * s / 2, s, n)
    d2[rng.uniform(size=n) > SECOND_DAY_SHARE] = np.nan
    w = rng.uniform(500.0, 20000.0, n)
    ear = np.where(
        sex == 1,
        reference_intake("magnesium", age=45, sex="male").ear,
        reference_intake("magnesium", age=45, sex="female").ear,
    )
    truth = float(np.sum(w * (usual < ear)) / w.sum())
    one_day = float(np.sum(w * (d1 < ear)) / w.sum())
    oracle = oracle_share(d1, d2, mean, ear, noise, usual_dist)
    ORACLE[seed] = float(np.sum(w * oracle) / w.sum())
    table = pl.DataFrame(
        {
            "SEQN": np.arange(1, n + 1, dtype=np.float64),
            "RIAGENDR": sex.astype(np.float64),
            "RIDAGEYR": age,
            "DR1TMAGN": d1,
            "DR2TMAGN": d2,
            "WTDRD1": w,
            "SDMVSTRA": (np.arange(n) % 10 + 1).astype(np.float64),
            "SDMVPSU": ((np.arange(n) // 10) % 2 + 1).astype(np.float64),
            "RIDEXPRG": np.full(n, np.nan),
            "DSQTMAGN": np.full(n, np.nan),
        }
    ).with_columns(
        pl.col("DR2TMAGN", "RIDEXPRG", "DSQTMAGN").fill_nan(None),
        pl.lit(False).alias("pregnant"),
    )
    return table, truth, one_day


def repeated_study(
    reps: int, n: int, seed: int, noise: str = "lognormal", usual_dist: str = "gamma"
) -> dict[str, Any]:
    """Errors [fraction] of shrink, nci and one-day against the truth over ``reps`` cohorts."""
    errors: dict[str, list[float]] = {"shrink": [], "nci": [], "one day": [], "oracle": []}
    truths = []
    for r in range(reps):
        table, truth, one_day = synthetic_cohort(n, seed + r, noise, usual_dist)
        truths.append(truth)
        for usual in ("shrink", "nci"):
            est = estimate_prevalence(table, usual=usual).overall.estimate  # type: ignore[arg-type]
            errors[usual].append(est - truth)
        errors["one day"].append(one_day - truth)
        errors["oracle"].append(ORACLE[seed + r] - truth)
    return {"truth_mean": float(np.mean(truths)), "errors": errors}


def table_d1(n: int = 400_000, seed: int = 7) -> list[tuple[str, float, float]]:
    """(condition, true prevalence, cut-point share) for the IOM Table D-1 style cases."""
    rng = np.random.default_rng(seed)
    ear, out = 250.0, []
    cases = {
        "symmetric req, SD intake 80 > SD req 25": (
            rng.normal(300.0, 80.0, n),
            rng.normal(ear, 25.0, n),
        ),
        "symmetric req, SD intake 20 < SD req 60": (
            rng.normal(280.0, 20.0, n),
            rng.normal(ear, 60.0, n),
        ),
        "skewed req (lognormal, EAR = median), SD intake 80": (
            rng.normal(300.0, 80.0, n),
            ear * rng.lognormal(0.0, 0.5, n),
        ),
        "mean intake at the EAR, SD intake 20 < SD req 60": (
            rng.normal(ear, 20.0, n),
            rng.normal(ear, 60.0, n),
        ),
    }
    for name, (usual, req) in cases.items():
        out.append((name, float(np.mean(req > usual)), float(np.mean(usual < ear))))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--noise", choices=["lognormal", "gamma"], default="lognormal")
    ap.add_argument("--usual", choices=["gamma", "lognormal"], default="gamma")
    args = ap.parse_args()
    t0 = time.perf_counter()
    res = repeated_study(args.reps, args.n, args.seed, args.noise, args.usual)
    took = time.perf_counter() - t0
    print(
        f"{args.reps} cohorts x {args.n} persons, 2-day design ({SECOND_DAY_SHARE:.0%} with "
        f"day 2), {args.usual} usual intakes, {args.noise} day-to-day factor; "
        f"mean true prevalence {res['truth_mean'] * 100:.1f} %; {took:.1f} s"
    )
    print(f"{'method':<10}{'mean error':>12}{'mean |error|':>14}{'max |error|':>13}  [points]")
    for name, e in res["errors"].items():
        a = np.asarray(e) * 100
        print(f"{name:<10}{a.mean():>12.2f}{np.abs(a).mean():>14.2f}{np.abs(a).max():>13.2f}")
    print("\nEAR cut-point vs true prevalence P(requirement > usual) (IOM Table D-1 style)")
    print(f"{'condition':<55}{'true':>8}{'cut-point':>11}{'bias':>8}  [%]")
    for name, true, cut in table_d1():
        print(f"{name:<55}{true * 100:>8.1f}{cut * 100:>11.1f}{(cut - true) * 100:>8.1f}")


if __name__ == "__main__":
    main()
