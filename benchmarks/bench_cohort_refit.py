"""Replicate SEs of the NCI-model prevalence with and without refitting the model per
replicate weight set (issue 13, ``refit=True`` / ``--refit-replicates``).

1. One synthetic cohort (``bench_cohort_validation.synthetic_cohort``: adults 31+ y, 85 %
   with a second day, unequal weights, 10 strata x 2 PSUs): estimate, the replicate SE that
   takes the per-person values as fixed (svy, today's ``--variance jackknife|brr``: the
   baseline, same process), the SE with the model refitted per replicate, and the time of
   each, overall and by sex; plus, as an investigation only, the refit SE when every
   replicate gets FRESH Monte-Carlo draws instead of the same seed (not what magnerve does).
2. The honest check of an SE: over ``--reps`` cohorts (seeds 1, 2, ...) drawn from the same
   population, the empirical SD of the estimates across cohorts against the root mean
   square of each kind of SE (and the chi-square 95 % interval of that SD, which says how
   well ``--reps`` cohorts pin it down).

Run: ``python benchmarks/bench_cohort_refit.py [--n 2000] [--reps 20] [--variance jackknife]
[--usual gamma|lognormal] [--noise lognormal|gamma]``
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).parent))

from bench_cohort_validation import synthetic_cohort

import magnerve.cohort._estimate as _estimate
from magnerve.cohort import CohortResult, estimate_prevalence


def _timed(fn: Callable[[], CohortResult]) -> tuple[CohortResult, float]:
    t0 = time.perf_counter()
    r = fn()
    return r, time.perf_counter() - t0


def _fresh_seeds() -> Callable[[], None]:
    """Give every call of the usual-intake step its own seed (investigation only); returns
    the function that restores magnerve's behaviour (the same seed for every replicate)."""
    real = _estimate._usual
    calls = [0]

    def fresh(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        old = _estimate.NCI_SEED
        _estimate.NCI_SEED = old + calls[0]
        try:
            return real(*args, **kwargs)
        finally:
            _estimate.NCI_SEED = old

    _estimate._usual = fresh  # type: ignore[assignment]

    def restore() -> None:
        _estimate._usual = real  # type: ignore[assignment]

    return restore


def one_cohort(n: int, seed: int, usual_dist: str, noise: str) -> None:
    table, truth, _ = synthetic_cohort(n, seed, noise, usual_dist)
    print(
        f"One cohort: {n} persons, seed {seed}, {usual_dist} usual / {noise} day-to-day, "
        f"cut-point; true share in the cohort {truth * 100:.2f} %"
    )
    print(
        f"{'variance':<11}{'what':<34}{'estimate':>9}{'SE all':>9}{'SE men':>9}"
        f"{'SE women':>10}{'time [s]':>10}  [%]"
    )
    for variance in ("jackknife", "brr"):
        fixed, t_fixed = _timed(
            lambda v=variance: estimate_prevalence(table, usual="nci", variance=v)
        )
        refit, t_refit = _timed(
            lambda v=variance: estimate_prevalence(table, usual="nci", variance=v, refit=True)
        )
        restore = _fresh_seeds()
        try:
            fresh, t_fresh = _timed(
                lambda v=variance: estimate_prevalence(table, usual="nci", variance=v, refit=True)
            )
        finally:
            restore()
        rows = [
            ("fixed per-person values (baseline)", fixed, t_fixed),
            ("model refitted per replicate", refit, t_refit),
            ("refitted, fresh draws (not used)", fresh, t_fresh),
        ]
        for what, r, took in rows:
            g = {x.sex: x.prevalence.se for x in r.groups}
            print(
                f"{variance:<11}{what:<34}{r.overall.estimate * 100:>9.2f}"
                f"{r.overall.se * 100:>9.3f}{g['male'] * 100:>9.3f}{g['female'] * 100:>10.3f}"
                f"{took:>10.2f}"
            )


def repeated(
    reps: int, n: int, seed: int, variance: str, usual_dist: str, noise: str
) -> dict[str, np.ndarray]:
    """Estimates and both SEs (overall, men, women) over ``reps`` cohorts."""
    out: dict[str, list[list[float]]] = {"estimate": [], "se_fixed": [], "se_refit": []}
    for r in range(reps):
        table, _, _ = synthetic_cohort(n, seed + r, noise, usual_dist)
        res = estimate_prevalence(table, usual="nci", variance=variance, refit=True)  # type: ignore[arg-type]
        ps = [res.overall] + [g.prevalence for g in sorted(res.groups, key=lambda g: g.sex)]
        out["estimate"].append([p.estimate for p in ps])
        out["se_refit"].append([p.se for p in ps])
        out["se_fixed"].append([float(p.se_without_refit or np.nan) for p in ps])
    return {k: np.asarray(v) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--variance", choices=["jackknife", "brr"], default="jackknife")
    ap.add_argument("--usual", choices=["gamma", "lognormal"], default="gamma")
    ap.add_argument("--noise", choices=["lognormal", "gamma"], default="lognormal")
    ap.add_argument("--skip-one", action="store_true", help="only the repeated cohorts")
    args = ap.parse_args()
    if not args.skip_one:
        one_cohort(args.n, args.seed, args.usual, args.noise)
    if args.reps < 2:
        return
    t0 = time.perf_counter()
    res = repeated(args.reps, args.n, args.seed, args.variance, args.usual, args.noise)
    took = time.perf_counter() - t0
    print(
        f"\n{args.reps} cohorts x {args.n} persons (seeds {args.seed}-{args.seed + args.reps - 1}"
        f"), {args.usual} usual / {args.noise} day-to-day, {args.variance}; {took:.0f} s"
    )
    print(
        f"{'domain':<8}{'mean est.':>10}{'SD of est.':>12}{'SD 95 % interval':>20}"
        f"{'RMS SE fixed':>14}{'RMS SE refit':>14}{'closer':>8}  [%]"
    )
    df = args.reps - 1
    lo_f = np.sqrt(df / stats.chi2.ppf(0.975, df))
    hi_f = np.sqrt(df / stats.chi2.ppf(0.025, df))
    for k, name in enumerate(("all", "female", "male")):
        est = res["estimate"][:, k]
        sd = float(est.std(ddof=1))
        rms_f = float(np.sqrt(np.mean(res["se_fixed"][:, k] ** 2)))
        rms_r = float(np.sqrt(np.mean(res["se_refit"][:, k] ** 2)))
        closer = "refit" if abs(np.log(rms_r / sd)) < abs(np.log(rms_f / sd)) else "fixed"
        print(
            f"{name:<8}{est.mean() * 100:>10.2f}{sd * 100:>12.3f}"
            f"{f'{sd * lo_f * 100:.3f}-{sd * hi_f * 100:.3f}':>20}"
            f"{rms_f * 100:>14.3f}{rms_r * 100:>14.3f}{closer:>8}"
        )


if __name__ == "__main__":
    main()
