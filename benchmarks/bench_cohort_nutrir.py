"""magnerve's cohort engine against nutriR's own prevalence figures for magnesium.

nutriR (https://github.com/cfree14/nutriR, commit 8a77416b) ships habitual magnesium intake
distributions for 450 country x sex x age groups (gamma and log-normal fits), each with the EAR
and CV it used (CV 0.10, as magnerve's IOM table) and the prevalence of inadequate intake it
computed: the probability approach (nutriR's ``sev()``: the integral of
``(1 - Phi((x - EAR) / (CV EAR))) f(x)`` from 0 to twice the 99.9th percentile) and the EAR
cut-point on the best fit. ``scripts/extract_nutrir_magnesium.py`` wrote them to
``tests/data/nutrir_magnesium.csv``; nothing here needs R.

For each group, a cohort of ``n`` persons is written in NHANES form, with usual intakes at the
quantiles ``(i - 0.5) / n`` of nutriR's distribution, two identical recall days (no
within-person variation to remove), equal weights, and each intake scaled by ``350 / EAR`` so
that magnerve's EAR for its persons (men aged 40: 350 mg/day, SD 35) stands for nutriR's EAR:
both methods depend only on intake / EAR and the CV. ``magnerve.cohort.cohort_prevalence`` then
gives the cut-point and probability prevalence, compared with nutriR's figures.

Run: ``python benchmarks/bench_cohort_nutrir.py [--n 2000] [--limit K]`` (prints the largest
differences and a summary; ``--limit`` takes every K-th group).
"""

from __future__ import annotations

import argparse
import csv
import math
import statistics
import tempfile
import time
from pathlib import Path
from typing import Literal

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "nutrir_magnesium.csv"
EAR_MAGNERVE = 350.0  # men 31+ y, IOM 1997 (magnerve's data/dri_magnesium.toml)

Dist = Literal["gamma", "log-normal"]


def load_cases() -> list[dict[str, str]]:
    """nutriR's magnesium groups (one dict per CSV row)."""
    with DATA.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def quantile_intakes(case: dict[str, str], dist: Dist, n: int) -> np.ndarray:
    """Usual intakes [nutriR's mg/day] at the quantiles (i - 0.5) / n of a group's fit."""
    p = (np.arange(n) + 0.5) / n
    if dist == "gamma":
        shape, rate = float(case["g_shape"]), float(case["g_rate"])
        return np.asarray(stats.gamma.ppf(p, shape, scale=1.0 / rate), dtype=np.float64)
    meanlog, sdlog = float(case["ln_meanlog"]), float(case["ln_sdlog"])
    return np.asarray(stats.lognorm.ppf(p, sdlog, scale=math.exp(meanlog)), dtype=np.float64)


def write_cohort(intakes_mg: np.ndarray, path: Path) -> None:
    """An NHANES-form cohort file: men aged 40, two equal recall days, equal weights."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "SEQN",
                "RIAGENDR",
                "RIDAGEYR",
                "DR1TMAGN",
                "DR2TMAGN",
                "WTDRD1",
                "SDMVSTRA",
                "SDMVPSU",
            ]
        )
        for i, x in enumerate(intakes_mg):
            w.writerow([i + 1, 1, 40, f"{x:.6f}", f"{x:.6f}", 1000, 1 + i % 4, 1 + (i // 4) % 2])


def magnerve_percent(case: dict[str, str], dist: Dist, n: int, tmp: Path) -> tuple[float, float]:
    """magnerve's (cut-point, probability) prevalence [%] for a group's fit."""
    from magnerve.cohort import cohort_prevalence

    scaled = quantile_intakes(case, dist, n) * (EAR_MAGNERVE / float(case["ear"]))
    path = tmp / "cohort.csv"
    write_cohort(scaled, path)
    cut = cohort_prevalence(path, method="cutpoint").overall.estimate
    prob = cohort_prevalence(path, method="probability").overall.estimate
    return 100.0 * cut, 100.0 * prob


def compare(n: int, step: int = 1) -> list[dict[str, object]]:
    """One record per group and fit: nutriR's and magnerve's figures [%]."""
    out: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in load_cases()[::step]:
            for dist, key in (("gamma", "g_sev_ear"), ("log-normal", "ln_sev_ear")):
                if not case[key]:
                    continue
                cut, prob = magnerve_percent(case, dist, n, Path(tmp))  # type: ignore[arg-type]
                rec: dict[str, object] = {
                    "group": f"{case['country']} {case['sex']} {case['age_group']}",
                    "dist": dist,
                    "nutrir_probability": float(case[key]),
                    "magnerve_probability": prob,
                    "magnerve_cutpoint": cut,
                }
                if dist == case["best_dist"] and case["cutpoint_sev_ear"]:
                    rec["nutrir_cutpoint"] = float(case["cutpoint_sev_ear"])
                out.append(rec)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="persons per group (quantile points)")
    ap.add_argument("--limit", type=int, default=1, help="take every K-th group")
    args = ap.parse_args()
    t0 = time.perf_counter()
    recs = compare(args.n, args.limit)
    dt = time.perf_counter() - t0
    dp = [float(r["magnerve_probability"]) - float(r["nutrir_probability"]) for r in recs]  # type: ignore[arg-type]
    cut = [r for r in recs if "nutrir_cutpoint" in r]
    dc = [float(r["magnerve_cutpoint"]) - float(r["nutrir_cutpoint"]) for r in cut]  # type: ignore[arg-type]
    print(
        f"{len(recs)} fits of {len(recs) // 2 or 1}+ nutriR magnesium groups, {args.n} persons "
        f"each, {dt:.1f} s"
    )
    for name, d in (("probability approach", dp), ("cut-point (best fit)", dc)):
        a = [abs(x) for x in d]
        print(
            f"  {name:22s} n {len(d):4d}  mean diff {statistics.fmean(d):+.3f} pt  "
            f"mean |diff| {statistics.fmean(a):.3f}  max |diff| {max(a):.3f} pt"
        )
    worst = sorted(
        recs, key=lambda r: -abs(float(r["magnerve_probability"]) - float(r["nutrir_probability"]))
    )[:5]  # type: ignore[arg-type]
    print("largest probability-approach differences [%]:")
    for r in worst:
        print(
            f"  {r['group']:40s} {r['dist']:10s} nutriR {float(r['nutrir_probability']):7.3f}"  # type: ignore[arg-type]
            f"  magnerve {float(r['magnerve_probability']):7.3f}"  # type: ignore[arg-type]
        )


if __name__ == "__main__":
    main()
