"""Formulate the plan's mixed-integer programme from an assessment (no solving here)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from magnerve.assessment import Assessment
from magnerve.diary import Diary
from magnerve.foods import food_category, load_database
from magnerve.registry import get_registry
from magnerve.requirements import RequirementError, reference_intake

from ._rules import (
    FloatArray,
    PlanOptions,
    _allowed,
    _choking,
    candidate_mask,
    current_total_mg,
    energy_need,
    families,
    magnesium_reference,
    meal_for,
    plan_data,
    plan_safety,
    plan_target,
    portion_scale,
    serving,
)

IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

BIG_SLACK = 1e4
"""Cost of one unit of an elastic (slack) column: a broken rule costs more than any plan
(a sanity bound, not physiological: it only has to dominate the other costs)."""

NUTRIENTS = (
    "magnesium_mg",
    "energy_kcal",
    "calcium_mg",
    "zinc_mg",
    "sodium_mg",
    "protein_g",
    "potassium_mg",
    "phosphorus_mg",
    "vitamin_d_ug",
    "vitamin_b6_mg",
)
_N_CORE = 8  # nutrients before the optional ones (vitamin D, B6) in NUTRIENTS


@dataclass(frozen=True, slots=True)
class SupplementOption:
    """One supplement dose the plan may choose.

    Attributes
    ----------
    form : str
        Magnesium salt (``data/plan.toml`` [supplements] forms).
    elemental_mg_per_day : float
        Elemental magnesium [mg/day].
    times_per_day : int
        Doses per day (split above ``split_above_mg``).
    """

    form: str
    elemental_mg_per_day: float
    times_per_day: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (the plan's ``supplement`` before its advice is added)."""
        per_dose = self.elemental_mg_per_day / self.times_per_day
        return {
            "form": self.form,
            "elemental_mg_per_day": self.elemental_mg_per_day,
            "times_per_day": self.times_per_day,
            "elemental_mg_per_dose": per_dose,
            "tablet_elemental_mg": per_dose,
            "tablets_per_dose": 1,
        }


@dataclass(frozen=True, slots=True)
class Formulation:
    """The plan's mixed-integer linear programme, as plain numpy data.

    Minimise ``c @ x`` subject to ``row_lower <= A @ x <= row_upper``, ``lb <= x <= ub`` and
    ``x[j]`` integer where ``integrality[j] == 1``. Columns, in order:

    * ``add`` columns: half servings added of ``foods[add_foods[k]]``;
    * ``remove`` columns: quarters of the current amount removed of ``foods[remove_foods[k]]``
      (fixed at 4, all of it, for foods outside the pattern or excluded);
    * ``option`` columns: binary choice of ``options[k]``;
    * ``slack`` columns: elastic copies of the soft rows (``soft_rows``, the first rows of
      ``A``), ``slack_sign`` +1 relaxing a lower bound and -1 an upper bound, each costing
      :data:`BIG_SLACK`, so that an infeasible plan names the broken rules.

    Only columns that can be non-zero exist: foods that cannot be added have no ``add``
    column, foods that may not be reduced no ``remove`` column, rows that are bounded on one
    side only one slack. All arrays are read-only.

    Attributes
    ----------
    c, A, row_lower, row_upper, lb, ub, integrality
        The programme (``A`` a :class:`CSRMatrix`, ``A.tocsr()`` the scipy matrix; bounds
        may be infinite).
    add_foods, remove_foods : numpy.ndarray of int
        Food position of each ``add`` / ``remove`` column.
    slack_rows : numpy.ndarray of int
        Soft row of each slack column.
    slack_sign : numpy.ndarray of float
    soft_rows : tuple of str
        Names of the soft rows (``magnesium_target``, ``energy``, ``calcium_floor`` ...).
    foods : tuple of str
        SR28 ids of the foods in the model (candidates and foods eaten now), by database row.
    food_rows : numpy.ndarray of int
        Their database rows.
    serving_unit : tuple of str
        Household measure of a plan serving ("" when the food has none).
    serving_amount, serving_grams : numpy.ndarray of float
        Amount of that measure in one serving, and its grams [g] (0 when none).
    current_grams : numpy.ndarray of float
        Current mean amount [g/day].
    categories : tuple of str
        Plan category of each food (``data/servings.toml``).
    meals : tuple of str or None
        Meal where a change of the food goes.
    forced, candidate, unknown_optional : numpy.ndarray of bool
        Must go (pattern, exclusions); may be added; lacks vitamin D or B6 in SR28.
    options : tuple of SupplementOption
    target_mg : float
        Magnesium intake target [mg/day].
    current_mg : float
        Current total magnesium intake [mg/day].
    target : dict
        The plan's ``target`` description.
    n_candidates : int
        Foods that may be added.
    notes : tuple of str
        Notes made while formulating (choking hazards, Ca:Mg advice).
    options_asked : PlanOptions
    supplement_allowed : bool
        A supplement was allowed (asked for, and safe to offer).
    """

    c: FloatArray
    A: CSRMatrix
    row_lower: FloatArray
    row_upper: FloatArray
    lb: FloatArray
    ub: FloatArray
    integrality: FloatArray
    add_foods: IntArray
    remove_foods: IntArray
    slack_rows: IntArray
    slack_sign: FloatArray
    soft_rows: tuple[str, ...]
    foods: tuple[str, ...]
    food_rows: IntArray
    serving_unit: tuple[str, ...]
    serving_amount: FloatArray
    serving_grams: FloatArray
    current_grams: FloatArray
    categories: tuple[str, ...]
    meals: tuple[str | None, ...]
    forced: BoolArray
    candidate: BoolArray
    unknown_optional: BoolArray
    options: tuple[SupplementOption, ...]
    target_mg: float
    current_mg: float
    target: dict[str, Any]
    n_candidates: int
    notes: tuple[str, ...]
    options_asked: PlanOptions
    supplement_allowed: bool

    @property
    def n_columns(self) -> int:
        """Number of variables."""
        return len(self.c)

    @property
    def add_columns(self) -> slice:
        """Columns of half servings added."""
        return slice(0, len(self.add_foods))

    @property
    def remove_columns(self) -> slice:
        """Columns of quarters removed."""
        n = len(self.add_foods)
        return slice(n, n + len(self.remove_foods))

    @property
    def option_columns(self) -> slice:
        """Columns of the supplement options."""
        n = len(self.add_foods) + len(self.remove_foods)
        return slice(n, n + len(self.options))

    @property
    def slack_columns(self) -> slice:
        """Elastic columns of the soft rows."""
        return slice(len(self.add_foods) + len(self.remove_foods) + len(self.options), None)


def _frozen(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    a.flags.writeable = False
    return a


@dataclass(frozen=True, slots=True, eq=False)
class CSRMatrix:
    """A sparse matrix in compressed sparse row form, as plain numpy arrays.

    The plan's constraint matrix without ``scipy.sparse``, whose import costs about 0.2 s of a
    command's start-up: HiGHS (``highspy``) takes the arrays directly. Rows keep their column
    indices sorted and without duplicates (scipy's canonical form), so the matrix, its
    products and its column-wise form are those ``scipy.sparse.csr_matrix`` gives.

    Attributes
    ----------
    data : numpy.ndarray of float
        Non-zero values, row by row.
    indices : numpy.ndarray of int
        Column of each value.
    indptr : numpy.ndarray of int
        Row ``r`` holds ``data[indptr[r]:indptr[r + 1]]`` (length ``n_rows + 1``).
    shape : tuple of int
        ``(n_rows, n_columns)``.
    """

    data: FloatArray
    indices: IntArray
    indptr: IntArray
    shape: tuple[int, int]

    @classmethod
    def from_dense(cls, a: npt.ArrayLike) -> CSRMatrix:
        """The non-zeros of a 2-D array (as ``csr_matrix(a)``)."""
        arr = np.asarray(a, dtype=np.float64)
        if arr.ndim != 2:
            raise ValueError(f"a 2-D array is needed, not {arr.ndim}-D")
        r, c = np.nonzero(arr)
        counts = np.bincount(r, minlength=arr.shape[0])
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.intp)
        return cls(arr[r, c], c.astype(np.intp), indptr, (arr.shape[0], arr.shape[1]))

    @classmethod
    def from_coo(
        cls, rows: npt.ArrayLike, cols: npt.ArrayLike, values: npt.ArrayLike, shape: tuple[int, int]
    ) -> CSRMatrix:
        """Entries given as (row, column, value) triplets, duplicates summed (as
        ``csr_matrix((values, (rows, cols)), shape)``)."""
        r = np.asarray(rows, dtype=np.intp).ravel()
        c = np.asarray(cols, dtype=np.intp).ravel()
        v = np.asarray(values, dtype=np.float64).ravel()
        if not len(r) == len(c) == len(v):
            raise ValueError("rows, cols and values differ in length")
        n_rows, n_cols = shape
        if len(r) and (r.min() < 0 or r.max() >= n_rows or c.min() < 0 or c.max() >= n_cols):
            raise ValueError(f"an entry lies outside the shape {shape}")
        order = np.lexsort((c, r))
        r, c, v = r[order], c[order], v[order]
        if len(r):
            first = np.concatenate([[True], (r[1:] != r[:-1]) | (c[1:] != c[:-1])])
            if not first.all():
                v = np.add.reduceat(v, np.flatnonzero(first))
                r, c = r[first], c[first]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(r, minlength=n_rows))])
        return cls(v, c, indptr.astype(np.intp), (int(n_rows), int(n_cols)))

    @classmethod
    def from_any(cls, a: Any) -> CSRMatrix:
        """A :class:`CSRMatrix`, a ``scipy.sparse`` matrix or array, or a dense 2-D array."""
        if isinstance(a, CSRMatrix):
            return a
        if hasattr(a, "tocoo"):  # scipy.sparse, without importing it
            coo = a.tocoo()
            return cls.from_coo(coo.row, coo.col, coo.data, (a.shape[0], a.shape[1]))
        return cls.from_dense(a)

    @staticmethod
    def vstack(parts: list[CSRMatrix]) -> CSRMatrix:
        """Rows of ``parts`` one below the other (as ``scipy.sparse.vstack``)."""
        if not parts:
            raise ValueError("nothing to stack")
        n_cols = parts[0].shape[1]
        if any(p.shape[1] != n_cols for p in parts):
            raise ValueError("the parts differ in their number of columns")
        offsets = np.cumsum([0] + [len(p.data) for p in parts[:-1]])
        indptr = np.concatenate(
            [[0]] + [p.indptr[1:] + off for p, off in zip(parts, offsets, strict=True)]
        )
        return CSRMatrix(
            np.concatenate([p.data for p in parts]),
            np.concatenate([p.indices for p in parts]),
            indptr.astype(np.intp),
            (sum(p.shape[0] for p in parts), n_cols),
        )

    @property
    def nnz(self) -> int:
        """Number of stored values."""
        return len(self.data)

    def row_of(self) -> IntArray:
        """Row of each stored value."""
        return np.repeat(np.arange(self.shape[0], dtype=np.intp), np.diff(self.indptr))

    def __matmul__(self, x: npt.ArrayLike) -> FloatArray:
        """``A @ x`` for a vector ``x``, summed in the order scipy's ``csr_matvec`` sums."""
        v = np.asarray(x, dtype=np.float64)
        if v.shape != (self.shape[1],):
            raise ValueError(f"a vector of length {self.shape[1]} is needed, not {v.shape}")
        return np.bincount(
            self.row_of(), weights=self.data * v[self.indices], minlength=self.shape[0]
        ).astype(np.float64)

    def __neg__(self) -> CSRMatrix:
        return CSRMatrix(-self.data, self.indices, self.indptr, self.shape)

    def rows(self, index: npt.ArrayLike) -> CSRMatrix:
        """The rows ``index`` (int positions, in that order), as ``A[index]``."""
        idx = np.asarray(index, dtype=np.intp).ravel()
        start, counts = self.indptr[idx], np.diff(self.indptr)[idx]
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.intp)
        take = np.repeat(start - indptr[:-1], counts) + np.arange(indptr[-1], dtype=np.intp)
        return CSRMatrix(self.data[take], self.indices[take], indptr, (len(idx), self.shape[1]))

    def columns(self, index: npt.ArrayLike) -> CSRMatrix:
        """The columns ``index`` (distinct int positions, in that order), as ``A[:, index]``."""
        idx = np.asarray(index, dtype=np.intp).ravel()
        if np.any(np.bincount(idx, minlength=self.shape[1]) > 1):  # (np.unique imports np.ma)
            raise ValueError("repeated column")
        new = np.full(self.shape[1], -1, dtype=np.intp)
        new[idx] = np.arange(len(idx), dtype=np.intp)
        col = new[self.indices]
        keep = col >= 0
        r, c, v = self.row_of()[keep], col[keep], self.data[keep]
        if len(idx) > 1 and np.any(np.diff(idx) < 0):  # another column order: sort each row
            order = np.lexsort((c, r))
            r, c, v = r[order], c[order], v[order]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(r, minlength=self.shape[0]))])
        return CSRMatrix(v, c, indptr.astype(np.intp), (self.shape[0], len(idx)))

    def to_csc(self) -> tuple[IntArray, IntArray, FloatArray]:
        """Column-wise form ``(start, row index, value)``, rows ascending within a column
        (as ``scipy.sparse.csc_matrix(A)``: what HiGHS takes)."""
        order = np.argsort(self.indices, kind="stable")
        counts = np.bincount(self.indices, minlength=self.shape[1])
        start = np.concatenate([[0], np.cumsum(counts)]).astype(np.intp)
        return start, self.row_of()[order], self.data[order]

    def toarray(self) -> FloatArray:
        """The dense matrix."""
        out = np.zeros(self.shape)
        out[self.row_of(), self.indices] = self.data
        return out

    def __array__(self, dtype: Any = None, copy: Any = None) -> FloatArray:
        a = self.toarray()
        return a if dtype is None else a.astype(dtype)

    def tocsr(self) -> Any:
        """The same matrix as a ``scipy.sparse.csr_matrix`` (imports scipy)."""
        from scipy.sparse import csr_matrix

        return csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)


_Row = tuple[str, FloatArray, FloatArray, FloatArray, float, float]


def formulate(assessment: Assessment, options: PlanOptions, *, diary: Diary) -> Formulation:
    """Build the plan's mixed-integer programme (see :mod:`magnerve.plan`).

    Parameters
    ----------
    assessment : Assessment
        The person's assessment (with their own supplements already reviewed).
    options : PlanOptions
    diary : Diary
        The diary assessed: current foods, amounts and meals.

    Returns
    -------
    Formulation

    Raises
    ------
    PlanError
        When no target can be set (life stage without an EAR, a confidence target without the
        IOM individual method).
    """
    base = assessment
    cfg = plan_data()
    db = load_database()
    person = base.profile.person
    ref = magnesium_reference(base)
    target_mg, target_info = plan_target(base, options.target)
    safety = plan_safety(base)
    notes: list[str] = []
    allow_supp = options.supplements and safety.supplement_allowed
    forms = list(options.supplement_forms or cfg.supplements.forms)
    cur_total = current_total_mg(base)
    n_days = max(len(base.days), 1)

    # current diet per food [g/day] and meals
    cur_g: dict[str, float] = {}
    meal_of: dict[str, Counter[str]] = {}
    for e in diary.entries:
        if e.parsed is None:
            continue
        cur_g[e.parsed.food.id] = cur_g.get(e.parsed.food.id, 0.0) + e.parsed.grams / n_days
        meal_of.setdefault(e.parsed.food.id, Counter())[e.meal or ""] += 1
    meals = sorted({e.meal for e in diary.entries if e.meal}, key=lambda m: m.lower())

    energy_now = float(base.nutrients_mean.get("energy_kcal") or 0.0)
    scale = portion_scale(person.age, energy_now)
    mask = candidate_mask(db, options, person.age, frozenset(cur_g))
    mg_col = db.nutrient_position("magnesium_mg")
    lim = cfg.limits
    min_change = float(lim.min_change_mg)
    cand: list[int] = []
    servings: dict[int, tuple[str, float, float]] = {}
    for i in np.flatnonzero(mask).tolist():
        sv = serving(i, scale)
        if sv is None:
            continue
        if float(db.matrix[i, mg_col]) * sv[2] / 200.0 < min_change:
            continue  # half a serving adds too little magnesium to be worth a step
        cand.append(i)
        servings[i] = sv
    current = [db.index[k] for k in cur_g]
    pattern, exclude, exclude_foods = options.pattern, options.exclude, options.exclude_foods
    forced_out = [i for i in current if not _allowed(db, i, pattern, exclude, exclude_foods)]
    if person.age < float(cfg.children.choking_age_below):
        hazards = [
            db.descriptions[i] for i in current if _choking(db.descriptions[i], db.group_codes[i])
        ]
        if hazards:
            notes.append(
                "choking hazard under 4 years (AAP 2010): "
                + "; ".join(hazards[:3])
                + " - offer nut butters or ground seeds instead of whole nuts and seeds"
            )
    var_foods = sorted(set(cand) | set(current))
    nf = len(var_foods)
    pos = {i: k for k, i in enumerate(var_foods)}

    cols = [db.nutrient_position(k) for k in NUTRIENTS]
    serv_g = np.array([servings[i][2] if i in servings else 0.0 for i in var_foods])
    per100 = db.matrix[np.ix_(var_foods, cols)]
    unknown_optional: BoolArray = np.asarray(np.isnan(per100[:, _N_CORE:]).any(axis=1))
    per100 = np.nan_to_num(per100, nan=0.0)
    # additions are counted in half servings (½ cup, ½ oz ...): realistic and finer steps
    per = per100 * (serv_g[:, None] / 200.0)  # per added half serving
    cur_grams = np.array([cur_g.get(db.ids[i], 0.0) for i in var_foods])
    quarter = per100 * (cur_grams[:, None] / 400.0)  # per quarter of the current amount
    j = {k: n for n, k in enumerate(NUTRIENTS)}

    is_new = cur_grams == 0
    is_cand = np.zeros(nf, dtype=bool)
    is_cand[[pos[i] for i in cand]] = True
    cats = [food_category(db.descriptions[i], db.group_codes[i]) for i in var_foods]
    diet_density = float(base.nutrients_mean.get("magnesium_mg") or 0.0) / max(energy_now, 1.0)
    q_kcal = quarter[:, j["energy_kcal"]]
    q_mg = quarter[:, j["magnesium_mg"]]
    dens = np.divide(q_mg, q_kcal, out=np.full(nf, np.inf), where=q_kcal > 0)
    removable = (
        (cur_grams >= float(lim.min_removable_g))
        & (cur_grams * per100[:, j["energy_kcal"]] / 100.0 >= float(lim.min_removable_kcal))
        & (dens < diet_density)
    )
    forced = np.zeros(nf, dtype=bool)
    for i in forced_out:
        forced[pos[i]] = True

    # supplement options: elemental mg/day in steps, up to the UL left by current supplements
    supp_now = sum(s.magnesium_mg for s in base.supplements)
    ul_left = (ref.ul if ref.ul is not None else math.inf) - supp_now
    opts: list[SupplementOption] = []
    if allow_supp and ul_left > 0:
        sc = cfg.supplements
        step = float(sc.dose_step_mg)
        gap = target_mg - cur_total
        top = min(ul_left, math.ceil(gap / step) * step + step)
        dose = step
        while dose <= top + 1e-9:
            opts.append(
                SupplementOption(forms[0], dose, 2 if dose > float(sc.split_above_mg) else 1)
            )
            dose += step
    no = len(opts)
    opt_mg = np.array([o.elemental_mg_per_day for o in opts])

    w = cfg.weights
    pref = cfg.preference
    new_cost = w.new_food_fixed * (w.fewest_changes_multiplier if options.fewest_changes else 1.0)
    c_p = np.where(is_new, w.add_new + new_cost, w.keep_familiar).astype(float)
    c_p -= w.magnesium_density_preference * np.minimum(per[:, j["magnesium_mg"]] / 100.0, 1.0)
    c_p -= np.array([pref.prefer_discount if c in pref.prefer else 0.0 for c in cats])
    c_p += np.array([pref.oxalate_surcharge if c == "oxalate_greens" else 0.0 for c in cats])
    c_p = np.maximum(c_p, 0.05)
    c_q = np.full(nf, float(w.remove_quarter))
    c_y = w.supplement + w.supplement_per_100mg * opt_mg / 100.0

    # soft rows on the change: name, coefficients on p (servings added), q (quarters removed),
    # y (supplement option), lower, upper
    rows: list[_Row] = []
    zeros_y = np.zeros(no)

    def row(name: str, key: str, lo: float, hi: float, vy: FloatArray | None = None) -> None:
        rows.append(
            (name, per[:, j[key]], -quarter[:, j[key]], zeros_y if vy is None else vy, lo, hi)
        )

    row("magnesium_target", "magnesium_mg", target_mg - cur_total, math.inf, opt_mg)
    down = float(lim.energy_tolerance_down)
    if (
        person.age < 18
        or person.pregnant
        or person.lactating
        or (base.energy is not None and base.energy.under_reporting)
    ):
        down = 0.0
    up = max(float(lim.energy_tolerance_up) * energy_now, float(lim.energy_room_min_kcal))
    need = energy_need(base)
    if need is not None and need > energy_now:
        # below the estimated need (BMR x 1.55): the plan may add up to it, and removes nothing
        up = max(up, need - energy_now)
        down = 0.0
    row("energy", "energy_kcal", -down * energy_now, up)
    nm = base.nutrients_mean
    ca_now = float(nm.get("calcium_mg") or 0.0)
    try:
        ca_ref = reference_intake("calcium", age=person.age, sex=person.sex)
        ca_floor = ca_ref.ear if ca_ref.ear is not None else ca_ref.ai
    except RequirementError:
        ca_floor = None
    if ca_floor is not None:
        row("calcium_floor", "calcium_mg", min(0.0, float(ca_floor) - ca_now), math.inf)
    try:
        pr = reference_intake(
            "protein",
            age=person.age,
            sex=person.sex,
            pregnant=person.pregnant,
            lactating=person.lactating,
        )
        pr_floor = pr.rda if pr.rda is not None else pr.ai
    except RequirementError:
        pr_floor = None
    if pr_floor is not None:
        pr_now = float(nm.get("protein_g") or 0.0)
        row("protein_floor", "protein_g", min(0.0, float(pr_floor) - pr_now), math.inf)
    for k in safety.no_rise:
        row(f"{k.split('_')[0]}_no_rise", k, -math.inf, 0.0)
    zn_ul = reference_intake("zinc", age=person.age, sex=person.sex).ul or math.inf
    vd_ul = reference_intake("vitamin_d", age=person.age, sex=person.sex).ul or math.inf
    inter = get_registry().section("interactions")
    b6_ul = float(inter.vitamin_b6.efsa_ul_mg_per_day)
    zn_now = float(nm.get("zinc_mg") or 0.0) + sum(s.zinc_mg for s in base.supplements)
    vd_now = float(nm.get("vitamin_d_ug") or 0.0) + sum(s.vitamin_d_ug for s in base.supplements)
    b6_now = float(nm.get("vitamin_b6_mg") or 0.0) + sum(s.vitamin_b6_mg for s in base.supplements)
    na_now = float(nm.get("sodium_mg") or 0.0)
    row("zinc_ul", "zinc_mg", -math.inf, max(zn_ul - zn_now, 0.0))
    row("vitamin_d_ul", "vitamin_d_ug", -math.inf, max(vd_ul - vd_now, 0.0))
    row("vitamin_b6_efsa_ul", "vitamin_b6_mg", -math.inf, max(b6_ul - b6_now, 0.0))
    row("sodium_limit", "sodium_mg", -math.inf, max(na_now, float(lim.sodium_cdrr_mg)) - na_now)
    band = inter.ca_mg_ratio
    ca_tot = ca_now + sum(s.calcium_mg for s in base.supplements)
    if person.age >= 18 and options.ca_mg_band in ("upper", "both"):
        hi_r = float(band.high_band_above)
        vp = per[:, j["calcium_mg"]] - hi_r * per[:, j["magnesium_mg"]]
        vq = quarter[:, j["calcium_mg"]] - hi_r * quarter[:, j["magnesium_mg"]]
        rows.append(
            ("ca_mg_ratio_high", vp, -vq, -hi_r * opt_mg, -math.inf, -(ca_tot - hi_r * cur_total))
        )
        if options.ca_mg_band == "both":
            lo_r = float(band.low_band_below)
            vp = per[:, j["calcium_mg"]] - lo_r * per[:, j["magnesium_mg"]]
            vq = quarter[:, j["calcium_mg"]] - lo_r * quarter[:, j["magnesium_mg"]]
            rows.append(
                ("ca_mg_ratio_low", vp, -vq, -lo_r * opt_mg, -(ca_tot - lo_r * cur_total), math.inf)
            )
    elif person.age >= 18 and cur_total > 0:
        ratio = ca_tot / cur_total
        lo_b, hi_b = float(band.low_band_below), float(band.high_band_above)
        if ratio < lo_b or ratio > hi_b:
            notes.append(
                f"calcium-to-magnesium ratio {ratio:.1f} (suggested {lo_b:g}-{hi_b:g}, "
                "Rosanoff 2016): advice only, not a plan constraint"
            )

    # variable bounds: at most the food's cap of half servings; no single food carries more
    # than half of the magnesium gap, beyond its smallest portion (one half serving)
    ub_p = 2.0 * np.where(
        is_new, float(lim.max_servings_per_new_food), float(lim.max_extra_servings_familiar)
    )
    half_mg = per[:, j["magnesium_mg"]]
    gap = target_mg - cur_total
    share_cap = np.floor(
        np.divide(
            float(lim.max_share_of_gap) * gap, half_mg, out=np.full(nf, 99.0), where=half_mg > 0
        )
    )
    ub_p = np.minimum(ub_p, np.maximum(share_cap, 1.0))

    # only columns that can be non-zero: additions of allowed candidates, removals of foods
    # that may be reduced (or must go), one slack per finite side of each soft row
    add = np.flatnonzero(is_cand & ~forced)
    rem = np.flatnonzero(removable | forced)
    ns = len(rows)
    lo_soft = np.array([r[4] for r in rows])
    hi_soft = np.array([r[5] for r in rows])
    slack_rows = np.concatenate(
        [np.flatnonzero(np.isfinite(lo_soft)), np.flatnonzero(np.isfinite(hi_soft))]
    )
    slack_sign = np.concatenate(
        [np.ones(int(np.isfinite(lo_soft).sum())), -np.ones(int(np.isfinite(hi_soft).sum()))]
    )
    na, nr, nsl = len(add), len(rem), len(slack_rows)
    o_add, o_rem, o_opt, o_sl = 0, na, na + nr, na + nr + no
    nvar = o_sl + nsl

    dense = np.zeros((ns, nvar))
    for r, (_, vp, vq, vy, _lo, _hi) in enumerate(rows):
        dense[r, o_add:o_rem] = vp[add]
        dense[r, o_rem:o_opt] = vq[rem]
        dense[r, o_opt:o_sl] = vy
    dense[slack_rows, o_sl + np.arange(nsl)] = slack_sign

    # linking rows: category caps, family caps, new-food count, one supplement option
    col_of = np.full(nf, -1)
    col_of[add] = np.arange(na)
    e_scale = min(max(energy_now / float(lim.reference_energy_kcal), 0.5), 1.5)
    caps = cfg.category_caps
    link: list[tuple[list[int], float]] = []
    for c in sorted(set(cats)):
        members = [k for k in range(nf) if cats[k] == c and is_cand[k]]
        if not members:
            continue
        cap = float(caps.get(c, caps["other"]))
        cap = 0.0 if cap == 0 else 2.0 * max(1.0, math.floor(cap * e_scale))  # half servings
        link.append((members, cap))
    cand_pos = np.flatnonzero(is_cand)
    fam_cap = 2.0 * float(cfg.additions.max_servings_per_family)
    for fam in families(db, [var_foods[k] for k in cand_pos]):
        link.append(([int(cand_pos[m]) for m in fam], fam_cap))
    r_i: list[int] = []
    c_i: list[int] = []
    lo_link: list[float] = []
    hi_link: list[float] = []
    for members, cap in link:
        live = [int(col_of[k]) for k in members if col_of[k] >= 0]
        if not live:
            continue  # every member is excluded: the row holds nothing
        r_i += [len(lo_link)] * len(live)
        c_i += live
        lo_link.append(0.0)
        hi_link.append(cap)
    new_cols = np.flatnonzero(is_new[add])
    r_i += [len(lo_link)] * len(new_cols)
    c_i += new_cols.tolist()
    lo_link.append(0.0)
    hi_link.append(2.0 * float(lim.max_new_foods) * float(lim.max_servings_per_new_food))
    if no:
        r_i += [len(lo_link)] * no
        c_i += list(range(o_opt, o_sl))
        lo_link.append(0.0)
        hi_link.append(1.0)
    link_m = CSRMatrix.from_coo(r_i, c_i, np.ones(len(r_i)), (len(lo_link), nvar))
    A = CSRMatrix.vstack([CSRMatrix.from_dense(dense), link_m])
    row_lower = np.concatenate([lo_soft, np.array(lo_link)])
    row_upper = np.concatenate([hi_soft, np.array(hi_link)])

    lb = np.zeros(nvar)
    lb[o_rem:o_opt] = np.where(forced[rem], 4.0, 0.0)
    ub = np.concatenate([ub_p[add], np.full(nr, 4.0), np.ones(no), np.full(nsl, np.inf)])
    integrality = np.concatenate([np.ones(na + nr + no), np.zeros(nsl)])
    cost = np.concatenate([c_p[add], c_q[rem], c_y, np.full(nsl, BIG_SLACK)])

    meal_list: list[str | None] = []
    for i in var_foods:
        ndb = db.ids[i]
        if ndb in meal_of:
            meal_list.append(meal_of[ndb].most_common(1)[0][0] or None)
        else:
            meal_list.append(meal_for(db.group_codes[i], meals))
    sv_list = [servings.get(i) for i in var_foods]
    for a in (row_lower, row_upper, lb, ub, integrality, cost, A.data, A.indices, A.indptr):
        _frozen(a)
    return Formulation(
        c=cost,
        A=A,
        row_lower=row_lower,
        row_upper=row_upper,
        lb=lb,
        ub=ub,
        integrality=integrality,
        add_foods=_frozen(add),
        remove_foods=_frozen(rem),
        slack_rows=_frozen(slack_rows),
        slack_sign=_frozen(slack_sign),
        soft_rows=tuple(r[0] for r in rows),
        foods=tuple(db.ids[i] for i in var_foods),
        food_rows=_frozen(np.array(var_foods, dtype=np.intp)),
        serving_unit=tuple(s[0] if s else "" for s in sv_list),
        serving_amount=_frozen(np.array([s[1] if s else 0.0 for s in sv_list])),
        serving_grams=_frozen(serv_g),
        current_grams=_frozen(cur_grams),
        categories=tuple(cats),
        meals=tuple(meal_list),
        forced=_frozen(forced),
        candidate=_frozen(is_cand),
        unknown_optional=_frozen(unknown_optional),
        options=tuple(opts),
        target_mg=target_mg,
        current_mg=cur_total,
        target=target_info,
        n_candidates=len(cand),
        notes=tuple(notes),
        options_asked=options,
        supplement_allowed=allow_supp,
    )
