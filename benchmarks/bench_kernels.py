"""Array kernels: each kernel on N elements (default 1,000,000) vectorised, against the
scalar path called in a Python loop over the same N elements in the same run (the baseline a
cohort had before the kernels took arrays). Checks that both give the same numbers.

Run: ``python benchmarks/bench_kernels.py [--n 1000000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from magnerve.absorption import absorbed_mg, phytate_factor
from magnerve.adequacy import confidence_above, individual_adequacy, required_mean_intake
from magnerve.clinical import (
    egfr_ckd_epi_2021,
    femg_percent,
    femg_status,
    interpret_femg,
    interpret_rbc_magnesium,
    interpret_serum_magnesium,
    interpret_urine_magnesium,
    magnesium_depletion_score,
    mds_score,
    rbc_magnesium_status,
    serum_magnesium_status,
    urine_magnesium_status,
)

EAR = {"ear": 265.0, "requirement_sd": 26.5}


def cases(n: int) -> list[tuple[str, Callable[[], Any], Callable[[], Any]]]:
    rng = np.random.default_rng(2024)
    load = rng.uniform(0, 800, n)
    phy = rng.uniform(0, 3, n)
    scr = rng.uniform(0.3, 6, n)
    age = rng.uniform(18, 95, n)
    sex = rng.choice(np.array(["female", "male"]), n)
    diuretic = rng.random(n) < 0.2
    ppi = rng.random(n) < 0.15
    egfr = rng.uniform(10, 130, n)
    drinks = rng.uniform(0, 4, n)
    serum = rng.uniform(0.4, 1.2, n)
    rbc = rng.uniform(3, 8, n)
    urine = rng.uniform(5, 300, n)
    femg = rng.uniform(0.5, 8, n)
    mean = rng.uniform(100, 600, n)
    days = rng.integers(1, 15, n)
    within = rng.uniform(40, 150, n)
    conf = rng.uniform(0.5, 0.99, n)
    u_cr = rng.uniform(50, 200, n)

    # Python lists for the loops: what a scalar caller iterates over
    L = {k: v.tolist() for k, v in locals().items() if isinstance(v, np.ndarray)}
    z = zip

    return [
        (
            "absorbed_mg",
            lambda: absorbed_mg(load),
            lambda: [absorbed_mg(x) for x in L["load"]],
        ),
        (
            "phytate_factor",
            lambda: phytate_factor(phy),
            lambda: [phytate_factor(x) for x in L["phy"]],
        ),
        (
            "egfr_ckd_epi_2021",
            lambda: egfr_ckd_epi_2021(scr, age, sex),
            lambda: [egfr_ckd_epi_2021(c, a, s) for c, a, s in z(L["scr"], L["age"], L["sex"])],
        ),
        (
            "mds_score",
            lambda: mds_score(
                diuretic=diuretic, ppi=ppi, egfr=egfr, drinks_per_day=drinks, sex=sex
            ),
            lambda: [
                magnesium_depletion_score(diuretic=d, ppi=p, egfr=e, drinks_per_day=k, sex=s).score
                for d, p, e, k, s in z(L["diuretic"], L["ppi"], L["egfr"], L["drinks"], L["sex"])
            ],
        ),
        (
            "serum_magnesium_status",
            lambda: serum_magnesium_status(serum),
            lambda: [interpret_serum_magnesium(x).status for x in L["serum"]],
        ),
        (
            "rbc_magnesium_status",
            lambda: rbc_magnesium_status(rbc),
            lambda: [interpret_rbc_magnesium(x).status for x in L["rbc"]],
        ),
        (
            "urine_magnesium_status",
            lambda: urine_magnesium_status(urine, serum),
            lambda: [interpret_urine_magnesium(u, s).status for u, s in z(L["urine"], L["serum"])],
        ),
        (
            "femg_percent",
            lambda: femg_percent(urine, scr, serum, u_cr),
            lambda: [
                femg_percent(u, c, s, k)
                for u, c, s, k in z(L["urine"], L["scr"], L["serum"], L["u_cr"])
            ],
        ),
        (
            "femg_status",
            lambda: femg_status(femg, serum),
            lambda: [interpret_femg(f, s).status for f, s in z(L["femg"], L["serum"])],
        ),
        (
            "individual_adequacy",
            lambda: individual_adequacy(mean, days, within_person_sd=within, **EAR).z,
            lambda: [
                individual_adequacy(m, d, within_person_sd=w, **EAR).z
                for m, d, w in z(L["mean"], L["days"], L["within"])
            ],
        ),
        (
            "required_mean_intake",
            lambda: required_mean_intake(conf, days, within_person_sd=within, **EAR),
            lambda: [
                required_mean_intake(c, d, within_person_sd=w, **EAR)
                for c, d, w in z(L["conf"], L["days"], L["within"])
            ],
        ),
        (
            "confidence_above",
            lambda: confidence_above(mean, days, 350.0, within),
            lambda: [
                confidence_above(m, d, 350.0, w) for m, d, w in z(L["mean"], L["days"], L["within"])
            ],
        ),
    ]


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="elements per kernel")
    ap.add_argument("--repeat", type=int, default=3, help="vectorised runs (best is shown)")
    args = ap.parse_args()
    print(f"{args.n:,} elements; vectorised: best of {args.repeat}; scalar loop: 1 run")
    print(f"{'kernel':<24}{'vectorised':>12}{'scalar loop':>14}{'speed-up':>11}  same")
    total_v = total_s = 0.0
    for name, vec, loop in cases(args.n):
        tv, v = best(vec, args.repeat)
        ts, s = best(loop, 1)
        same = np.array_equal(np.asarray(v), np.asarray(s))
        total_v += tv
        total_s += ts
        print(f"{name:<24}{tv * 1e3:>10.1f}ms{ts:>13.2f}s{ts / tv:>10.0f}x  {same}")
    print(
        f"{'all kernels':<24}{total_v * 1e3:>10.1f}ms{total_s:>13.2f}s{total_s / total_v:>10.0f}x"
    )


if __name__ == "__main__":
    main()
