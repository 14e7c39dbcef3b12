"""Solve the plan's mixed-integer programme (scipy.optimize.milp / HiGHS)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix, vstack

from ._formulate import Formulation
from ._rules import FloatArray

SMALL_MODEL = 600
"""Columns below which reduced-cost fixing does not pay (a solver tuning, measured by
``benchmarks/bench_plan.py``; not a nutritional number)."""

MIP_OPTIONS = {"time_limit": 20.0, "mip_rel_gap": 1e-3}
"""HiGHS options: a time limit [s] and the relative MIP gap (solver settings)."""


@dataclass(frozen=True, slots=True)
class Solution:
    """The solved programme.

    Attributes
    ----------
    status : {"optimal", "infeasible", "error"}
        "infeasible" when an elastic (slack) column had to be used: some rule is broken;
        "error" when the solver gave no solution.
    x : numpy.ndarray or None
        Values of all columns of the :class:`Formulation` (None on error).
    objective : float or None
        ``c @ x``.
    solve_ms : float
        Time of the solver calls only [ms].
    message : str
        The solver's message.
    """

    status: str
    x: FloatArray | None
    objective: float | None
    solve_ms: float
    message: str


def solve(formulation: Formulation) -> Solution:
    """Solve a plan formulation exactly (up to the MIP gap), with reduced-cost fixing.

    Parameters
    ----------
    formulation : Formulation

    Returns
    -------
    Solution
        ``solve_ms`` times the solver only, not the formulation or its interpretation.
    """
    f = formulation
    t = time.perf_counter()
    x, message = solve_milp(f.c, f.A, f.row_lower, f.row_upper, f.integrality, f.lb, f.ub)
    ms = (time.perf_counter() - t) * 1000.0
    if x is None:
        return Solution("error", None, None, ms, message)
    x.flags.writeable = False
    status = "infeasible" if np.any(x[f.slack_columns] > 1e-6) else "optimal"
    return Solution(status, x, float(f.c @ x), ms, message)


def solve_milp(
    cost: FloatArray,
    A: csr_matrix,
    lo: FloatArray,
    hi: FloatArray,
    integrality: FloatArray,
    lb: FloatArray,
    ub: FloatArray,
) -> tuple[FloatArray | None, str]:
    """Solve ``min cost @ x`` s.t. ``lo <= A x <= hi``, ``lb <= x <= ub``, by reduced-cost fixing.

    1. LP relaxation over all columns (HiGHS) -> bound ``z_LP`` and reduced costs ``d_j``.
    2. A restricted MIP over the LP support and the columns with the smallest reduced costs
       gives an incumbent ``U``.
    3. Any column at its lower bound with ``d_j > U - z_LP`` cannot be non-zero in a solution
       better than ``U`` (standard reduced-cost fixing), so the final MIP keeps only the other
       columns; the result is optimal for the full model (up to the MIP gap).

    Small models (fewer than :data:`SMALL_MODEL` columns) go to HiGHS directly.

    Returns
    -------
    tuple
        ``x`` for all columns (None when the solver failed) and the solver's message.
    """
    n = len(cost)
    live = np.flatnonzero(ub > lb)  # columns fixed at their bound need no variable
    fixed = np.setdiff1d(np.arange(n), live)
    if fixed.size:
        shift = A[:, fixed] @ lb[fixed]
        lo, hi = lo - shift, hi - shift
    A, cost_l, integ_l, lb_l, ub_l = A[:, live], cost[live], integrality[live], lb[live], ub[live]

    def run(cols: npt.NDArray[np.intp]) -> tuple[FloatArray | None, str]:
        res = milp(
            cost_l[cols],
            constraints=LinearConstraint(A[:, cols], lo, hi),
            integrality=integ_l[cols],
            bounds=Bounds(lb_l[cols], ub_l[cols]),
            options=MIP_OPTIONS,
        )
        if res.x is None:
            return None, str(res.message)
        x = lb.copy()
        x[live[cols]] = res.x
        return x, str(res.message)

    n_l = len(live)
    if n_l < SMALL_MODEL:  # small models: HiGHS alone is faster than fixing first
        return run(np.arange(n_l))
    a_ub_parts = []
    b_ub = []
    fin_hi = np.isfinite(hi)
    fin_lo = np.isfinite(lo)
    if fin_hi.any():
        a_ub_parts.append(A[np.flatnonzero(fin_hi)])
        b_ub.append(hi[fin_hi])
    if fin_lo.any():
        a_ub_parts.append(-A[np.flatnonzero(fin_lo)])
        b_ub.append(-lo[fin_lo])
    lp = linprog(
        cost_l,
        A_ub=vstack(a_ub_parts).tocsr(),
        b_ub=np.concatenate(b_ub),
        bounds=np.column_stack([lb_l, ub_l]),
        method="highs",
        # HiGHS's presolve costs more than it saves on this wide, short LP (about 4x here;
        # the relaxation needs only a handful of simplex iterations)
        options={"presolve": False},
    )
    if lp.status != 0:
        return run(np.arange(n_l))
    d = lp.lower.marginals
    at_lb = lp.x <= lb_l + 1e-9
    support = np.flatnonzero(~at_lb)
    # continuous columns (slacks) are cheap: always kept; integer columns enter by reduced cost
    cont = np.flatnonzero(integ_l == 0)
    order = np.argsort(np.where(at_lb & (integ_l == 1), d, np.inf))
    seed = np.union1d(np.union1d(support, cont), order[:30])
    first, first_msg = run(seed)
    if first is None:
        return run(np.arange(n_l))
    upper = float(cost_l @ first[live])
    keep = np.flatnonzero(~at_lb | (d <= upper - lp.fun + 1e-7))
    if np.isin(keep, seed).all():
        return first, first_msg  # the final MIP would be the restricted one again
    final, msg = run(np.union1d(keep, seed))
    return (final, msg) if final is not None else (first, first_msg)
