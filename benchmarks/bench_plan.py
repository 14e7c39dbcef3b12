"""Plan optimiser: solve time with all SR28 foods and with the filtered set, against the same
model in plain scipy/HiGHS (no reduced-cost fixing) and in PuLP + CBC, in one run.

Targets (issue 4): median <= 100 ms over all foods; >= 5x faster than PuLP + CBC.
Run: ``pip install pulp && python benchmarks/bench_plan.py``.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

import magnerve.plan._model as model
from magnerve.datasets import load_demo

captured: list[tuple[Any, ...]] = []
_orig = model.solve_milp


def _capture(*args: Any) -> Any:
    captured.append(args)
    return _orig(*args)


def plain_highs(cost, A, lo, hi, integ, lb, ub):  # type: ignore[no-untyped-def]
    return milp(
        cost,
        constraints=LinearConstraint(A, lo, hi),
        integrality=integ,
        bounds=Bounds(lb, ub),
        options={"mip_rel_gap": 1e-3},
    )


def pulp_cbc(cost, A, lo, hi, integ, lb, ub):  # type: ignore[no-untyped-def]
    import pulp

    prob = pulp.LpProblem("plan", pulp.LpMinimize)
    xs = [
        pulp.LpVariable(
            f"x{j}",
            lowBound=float(lb[j]),
            upBound=None if not np.isfinite(ub[j]) else float(ub[j]),
            cat="Integer" if integ[j] else "Continuous",
        )
        for j in range(len(cost))
    ]
    prob += pulp.lpSum(float(c) * x for c, x in zip(cost, xs, strict=True) if c)
    A = A.tocsr()
    for r in range(A.shape[0]):
        row = A.getrow(r)
        expr = pulp.lpSum(float(v) * xs[j] for j, v in zip(row.indices, row.data, strict=True))
        if np.isfinite(lo[r]) and np.isfinite(hi[r]) and lo[r] == hi[r]:
            prob += expr == float(lo[r])
            continue
        if np.isfinite(lo[r]):
            prob += expr >= float(lo[r])
        if np.isfinite(hi[r]):
            prob += expr <= float(hi[r])
    prob.solve(pulp.PULP_CBC_CMD(msg=False, gapRel=1e-3))
    return pulp.value(prob.objective)


def timed(fn, args, n):  # type: ignore[no-untyped-def]
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn(*args)
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    diary, profile = load_demo()
    model.solve_milp = _capture
    for scope in ("filtered", "all"):
        captured.clear()
        t = time.perf_counter()
        plan = model.make_plan(diary, profile, scope=scope)
        total = (time.perf_counter() - t) * 1000
        args = captured[-1]
        n_vars = len(args[0])
        ours = timed(_orig, args, 7)
        plain = timed(plain_highs, args, 3)
        try:
            cbc = timed(pulp_cbc, args, 3)
        except ImportError:
            cbc = []
        m_ours, m_plain = statistics.median(ours), statistics.median(plain)
        print(
            f"{scope}: {plan.n_candidates} candidate foods, {n_vars} variables; whole plan "
            f"(assessments, solve, full-model check, duals, worst case) {total:.0f} ms; "
            f"solver {plan.solve_ms:.0f} ms"
        )
        print(f"  magnerve's solve_milp:          median {m_ours:.0f} ms")
        ratio = m_plain / m_ours
        print(f"  HiGHS on the full model:        median {m_plain:.0f} ms ({ratio:.1f}x)")
        if cbc:
            m_cbc = statistics.median(cbc)
            ratio = m_cbc / m_ours
            print(f"  PuLP + CBC on the full model:   median {m_cbc:.0f} ms ({ratio:.1f}x)")
        else:
            print("  PuLP not installed: pip install pulp")
    model.solve_milp = _orig


if __name__ == "__main__":
    main()
