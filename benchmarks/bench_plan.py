"""Plan optimiser: solve time and whole-plan time, with all SR28 foods and with the filtered
set, next to baselines solved in the same run on the same formulation.

* ``solve``: :func:`magnerve.plan.solve` (reduced-cost fixing over HiGHS), its ``solve_ms``
  (the solver calls only);
* ``total``: :func:`magnerve.plan.make_plan` from an existing assessment, its ``total_ms``
  (formulate + solve + interpret, with the full-model re-assessments and the duals);
* baselines: HiGHS (``scipy.optimize.milp``) on the whole formulation without reduced-cost
  fixing, and PuLP + CBC on the same formulation (``pip install ".[bench]"``); each objective
  is printed, so the speed-up is for the same optimum.

Targets (issue 10): solve over all foods <= 50 ms, with ``solve_ms`` the solve only and a
separate total. Run: ``python benchmarks/bench_plan.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from magnerve.assessment import assess
from magnerve.datasets import load_demo
from magnerve.plan import Formulation, PlanOptions, formulate, make_plan, solve

TARGET_SOLVE_MS = 50.0


def plain_highs(f: Formulation) -> float:
    """HiGHS on the whole formulation (no reduced-cost fixing); the objective."""
    res = milp(
        f.c,
        constraints=LinearConstraint(f.A.tocsr(), f.row_lower, f.row_upper),
        integrality=f.integrality,
        bounds=Bounds(f.lb, f.ub),
        options={"mip_rel_gap": 1e-3},
    )
    return float(res.fun)


def pulp_cbc(f: Formulation) -> float:
    """PuLP + CBC on the same formulation; the objective."""
    import pulp

    prob = pulp.LpProblem("plan", pulp.LpMinimize)
    xs = [
        pulp.LpVariable(
            f"x{j}",
            lowBound=float(f.lb[j]),
            upBound=None if not np.isfinite(f.ub[j]) else float(f.ub[j]),
            cat="Integer" if f.integrality[j] else "Continuous",
        )
        for j in range(f.n_columns)
    ]
    prob += pulp.lpSum(float(c) * x for c, x in zip(f.c, xs, strict=True) if c)
    A = f.A.tocsr()
    for r in range(A.shape[0]):
        lo, hi = f.row_lower[r], f.row_upper[r]
        row = slice(A.indptr[r], A.indptr[r + 1])
        expr = pulp.lpSum(
            float(v) * xs[j] for j, v in zip(A.indices[row], A.data[row], strict=True)
        )
        if np.isfinite(lo):
            prob += expr >= float(lo)
        if np.isfinite(hi):
            prob += expr <= float(hi)
    prob.solve(pulp.PULP_CBC_CMD(msg=False, gapRel=1e-3))
    return float(pulp.value(prob.objective))


def timed(fn: Callable[[], Any], n: int) -> tuple[list[float], Any]:
    """Wall times [ms] of n calls, and the last result."""
    out = []
    res = None
    for _ in range(n):
        t = time.perf_counter()
        res = fn()
        out.append((time.perf_counter() - t) * 1000)
    return out, res


def _ms(xs: list[float]) -> str:
    return f"median {statistics.median(xs):6.1f} ms (min {min(xs):.1f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15, help="runs of the solve and the plan")
    args = ap.parse_args()
    diary, profile = load_demo()
    a = assess(diary, profile)
    make_plan(diary, profile, scope="all", assessment=a)  # warm caches (index, servings)
    ok = True
    for scope in ("filtered", "all"):
        opts = PlanOptions(scope=scope)
        t_form, f = timed(lambda o=opts: formulate(a, o, diary=diary), 5)
        sols = [solve(f) for _ in range(args.repeat)]
        solve_ms = [s.solve_ms for s in sols]
        plans = [make_plan(diary, profile, scope=scope, assessment=a) for _ in range(args.repeat)]
        total_ms = [p.total_ms for p in plans]
        t_plain, z_plain = timed(lambda f=f: plain_highs(f), 3)
        print(
            f"{scope}: {f.n_candidates} candidate foods, {f.n_columns} columns x "
            f"{f.A.shape[0]} rows; objective {sols[-1].objective:.4f}"
        )
        print(f"  formulate                         {_ms(t_form)}")
        print(f"  solve (solve_ms, solver only)     {_ms(solve_ms)}")
        print(f"  whole plan (total_ms)             {_ms(total_ms)}")
        m = statistics.median(solve_ms)
        print(
            f"  baseline HiGHS, whole model       {_ms(t_plain)}  "
            f"objective {z_plain:.4f}  ({statistics.median(t_plain) / m:.1f}x)"
        )
        try:
            t_cbc, z_cbc = timed(lambda f=f: pulp_cbc(f), 3)
        except ImportError:
            print("  baseline PuLP + CBC: not installed (pip install '.[bench]')")
        else:
            print(
                f"  baseline PuLP + CBC, whole model  {_ms(t_cbc)}  "
                f"objective {z_cbc:.4f}  ({statistics.median(t_cbc) / m:.1f}x)"
            )
        if scope == "all":
            ok = m <= TARGET_SOLVE_MS
            print(
                f"  target: solve over all foods <= {TARGET_SOLVE_MS:.0f} ms: "
                f"{'met' if ok else 'NOT met'} ({m:.1f} ms)"
            )
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
