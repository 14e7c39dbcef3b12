"""Solve the plan's mixed-integer programme with HiGHS.

HiGHS is called through ``highspy`` (its own Python bindings) when installed: importing
``scipy.optimize`` for ``milp`` costs about 0.3 s of a command's start-up (it brings
``scipy.linalg``, ``scipy.fft`` and ``scipy.special``), ``highspy`` about 20 ms. The model and
the options are those ``scipy.optimize.milp`` and ``linprog(method="highs")`` pass to the same
solver, so both routes give the same plan (checked on every persona by
``tests/test_registry_loaders.py``); ``scipy.optimize`` is the fallback without ``highspy``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from ._formulate import CSRMatrix, Formulation
from ._rules import FloatArray

BACKEND = "auto"
"""Which HiGHS bindings: ``"highspy"``, ``"scipy"`` or ``"auto"`` (highspy when installed)."""

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
    A: CSRMatrix | Any,
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

    Small models (fewer than :data:`SMALL_MODEL` columns) go to HiGHS directly. ``A`` is a
    :class:`~magnerve.plan._formulate.CSRMatrix` (a ``scipy.sparse`` matrix or a dense array is
    converted).

    Returns
    -------
    tuple
        ``x`` for all columns (None when the solver failed) and the solver's message.
    """
    A = CSRMatrix.from_any(A)
    is_live = ub > lb  # columns fixed at their bound need no variable
    live, fixed = np.flatnonzero(is_live), np.flatnonzero(~is_live)
    if fixed.size:
        shift = A.columns(fixed) @ lb[fixed]
        lo, hi = lo - shift, hi - shift
    A = A.columns(live)
    cost_l, integ_l, lb_l, ub_l = cost[live], integrality[live], lb[live], ub[live]

    def run(cols: npt.NDArray[np.intp]) -> tuple[FloatArray | None, str]:
        res_x, message = _milp(
            cost_l[cols], A.columns(cols), lo, hi, integ_l[cols], lb_l[cols], ub_l[cols]
        )
        if res_x is None:
            return None, message
        x = lb.copy()
        x[live[cols]] = res_x
        return x, message

    n_l = len(live)
    if n_l < SMALL_MODEL:  # small models: HiGHS alone is faster than fixing first
        return run(np.arange(n_l))
    a_ub_parts = []
    b_ub = []
    fin_hi = np.isfinite(hi)
    fin_lo = np.isfinite(lo)
    if fin_hi.any():
        a_ub_parts.append(A.rows(np.flatnonzero(fin_hi)))
        b_ub.append(hi[fin_hi])
    if fin_lo.any():
        a_ub_parts.append(-A.rows(np.flatnonzero(fin_lo)))
        b_ub.append(-lo[fin_lo])
    # HiGHS's presolve costs more than it saves on this wide, short LP (about 4x here; the
    # relaxation needs only a handful of simplex iterations): solve_lp runs it without
    lp = solve_lp(cost_l, CSRMatrix.vstack(a_ub_parts), np.concatenate(b_ub), lb_l, ub_l)
    if lp is None:
        return run(np.arange(n_l))
    d = lp.lower_marginals
    at_lb = lp.x <= lb_l + 1e-9
    support = np.flatnonzero(~at_lb)
    # continuous columns (slacks) are cheap: always kept; integer columns enter by reduced cost
    cont = np.flatnonzero(integ_l == 0)
    order = np.argsort(np.where(at_lb & (integ_l == 1), d, np.inf))
    seed = _union(n_l, support, cont, order[:30])
    first, first_msg = run(seed)
    if first is None:
        return run(np.arange(n_l))
    upper = float(cost_l @ first[live])
    keep = np.flatnonzero(~at_lb | (d <= upper - lp.objective + 1e-7))
    in_seed = np.zeros(n_l, dtype=bool)
    in_seed[seed] = True
    if in_seed[keep].all():
        return first, first_msg  # the final MIP would be the restricted one again
    final, msg = run(_union(n_l, keep, seed))
    return (final, msg) if final is not None else (first, first_msg)


def _union(n: int, *parts: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """Sorted distinct positions in ``parts`` (each within ``[0, n)``): ``np.union1d``
    without its first-call import of ``numpy.ma`` (about 15 ms of a command's start-up)."""
    mask = np.zeros(n, dtype=bool)
    for p in parts:
        mask[p] = True
    return np.flatnonzero(mask)


@dataclass(frozen=True, slots=True)
class LPSolution:
    """An optimal LP solution (see :func:`solve_lp`).

    Attributes
    ----------
    x : numpy.ndarray
        Column values.
    objective : float
        ``c @ x``.
    row_marginals : numpy.ndarray
        Duals of the ``A_ub x <= b_ub`` rows (scipy's ``ineqlin.marginals``).
    lower_marginals : numpy.ndarray
        Reduced costs of the columns at their lower bound, 0 for the others (scipy's
        ``lower.marginals``).
    """

    x: FloatArray
    objective: float
    row_marginals: FloatArray
    lower_marginals: FloatArray


def solve_lp(
    cost: FloatArray, A_ub: CSRMatrix | Any, b_ub: FloatArray, lb: FloatArray, ub: FloatArray
) -> LPSolution | None:
    """``min cost @ x`` s.t. ``A_ub x <= b_ub``, ``lb <= x <= ub`` by HiGHS's dual simplex
    without presolve: ``scipy.optimize.linprog(method="highs", options={"presolve": False})``.

    ``A_ub`` is a :class:`~magnerve.plan._formulate.CSRMatrix` (a ``scipy.sparse`` matrix or a
    dense array is converted).

    Returns
    -------
    LPSolution or None
        None unless HiGHS reports an optimal solution.
    """
    A = CSRMatrix.from_any(A_ub)
    if _use_highspy():
        return _highs_lp(cost, A, b_ub, lb, ub)
    from scipy.optimize import linprog

    res = linprog(
        cost,
        A_ub=A.tocsr(),
        b_ub=b_ub,
        bounds=np.column_stack([lb, ub]),
        method="highs",
        options={"presolve": False},
    )
    if res.status != 0:
        return None
    return LPSolution(
        np.asarray(res.x, dtype=np.float64),
        float(res.fun),
        np.asarray(res.ineqlin.marginals, dtype=np.float64),
        np.asarray(res.lower.marginals, dtype=np.float64),
    )


@cache
def _highspy() -> Any:
    """The ``highspy`` module, or None when it is not installed."""
    try:
        import highspy
    except ImportError:
        return None
    return highspy


def _use_highspy() -> bool:
    if BACKEND == "scipy":
        return False
    return _highspy() is not None


_MIP_OK = ("kOptimal", "kTimeLimit", "kIterationLimit", "kSolutionLimit")
# scipy's wording of the HiGHS model status (scipy.optimize._linprog_highs), so that a solver
# message reads the same whichever bindings ran
_SCIPY_WORDS = {
    "kOptimal": "Optimization terminated successfully. ",
    "kTimeLimit": "Time limit reached. ",
    "kIterationLimit": "Iteration limit reached. ",
    "kInfeasible": "The problem is infeasible. ",
    "kUnbounded": "The problem is unbounded. ",
    "kUnboundedOrInfeasible": "The problem is unbounded or infeasible. ",
}


def _highs_run(
    cost: FloatArray,
    A: CSRMatrix,
    row_lower: FloatArray,
    row_upper: FloatArray,
    lb: FloatArray,
    ub: FloatArray,
    integrality: FloatArray | None,
    options: dict[str, Any],
) -> tuple[Any, Any]:
    """Pass the model and the options to a new HiGHS instance and run it: (instance, status)."""
    hs = _highspy()
    h = hs.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    for key, value in options.items():
        h.setOptionValue(key, value)
    lp = hs.HighsLp()
    n_row, n_col = A.shape
    lp.num_col_ = n_col
    lp.num_row_ = n_row
    lp.col_cost_ = cost
    lp.col_lower_ = lb
    lp.col_upper_ = ub
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = n_col
    lp.a_matrix_.num_row_ = n_row
    start, index, value = A.to_csc()  # what scipy passes: csc_matrix(A)
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value.astype(np.float64)
    if integrality is not None:
        kinds = {0: hs.HighsVarType.kContinuous, 1: hs.HighsVarType.kInteger}
        lp.integrality_ = [kinds[int(i)] for i in integrality]
    h.passModel(lp)
    h.run()
    return h, h.getModelStatus()


def _message(h: Any, status: Any) -> str:
    words = _SCIPY_WORDS.get(status.name, "")
    return f"{words}(HiGHS Status {int(status)}: {h.modelStatusToString(status)})"


def _milp(
    cost: FloatArray,
    A: CSRMatrix,
    lo: FloatArray,
    hi: FloatArray,
    integrality: FloatArray,
    lb: FloatArray,
    ub: FloatArray,
) -> tuple[FloatArray | None, str]:
    """``scipy.optimize.milp`` with :data:`MIP_OPTIONS`: (x or None, message)."""
    if not _use_highspy():
        from scipy.optimize import Bounds, LinearConstraint, milp

        res = milp(
            cost,
            constraints=LinearConstraint(A.tocsr(), lo, hi),
            integrality=integrality,
            bounds=Bounds(lb, ub),
            options=MIP_OPTIONS,
        )
        return (None if res.x is None else np.asarray(res.x)), str(res.message)
    f64 = np.float64
    h, status = _highs_run(
        cost.astype(f64),
        A,
        np.asarray(lo, f64),
        np.asarray(hi, f64),
        np.asarray(lb, f64),
        np.asarray(ub, f64),
        integrality,
        dict(MIP_OPTIONS),
    )
    info = h.getInfo()
    failed = status.name not in _MIP_OK or (
        status.name != "kOptimal" and info.objective_function_value == _highspy().kHighsInf
    )
    if failed:
        return None, _message(h, status)
    return np.array(h.getSolution().col_value), _message(h, status)


def _highs_lp(
    cost: FloatArray, A_ub: CSRMatrix, b_ub: FloatArray, lb: FloatArray, ub: FloatArray
) -> LPSolution | None:
    f64 = np.float64
    h, status = _highs_run(
        np.asarray(cost, f64),
        A_ub,
        np.full(A_ub.shape[0], -np.inf),
        np.asarray(b_ub, f64),
        np.asarray(lb, f64),
        np.asarray(ub, f64),
        None,
        {"presolve": "off"},
    )
    if status.name != "kOptimal":
        return None
    sol = h.getSolution()
    col_dual = np.array(sol.col_dual)
    at_lower = np.array([s.name == "kLower" for s in h.getBasis().col_status], dtype=bool)
    return LPSolution(
        np.array(sol.col_value),
        float(h.getInfo().objective_function_value),
        np.array(sol.row_dual),
        np.where(at_lower, col_dual, 0.0),
    )
