"""The plan MILP (see the package docstring for the formulation)."""

from __future__ import annotations

import math
import time
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix, lil_matrix

from magnerve import absorption as ab
from magnerve.adequacy import required_mean_intake
from magnerve.assessment import Assessment, assess
from magnerve.diary import Diary, DiaryEntry
from magnerve.foods._db import FoodDatabase, load_database
from magnerve.foods._parse import FoodRef, ParsedLine
from magnerve.interactions import thresholds
from magnerve.profile import Profile, Supplement
from magnerve.requirements import ReferenceIntake, reference_intake

__all__ = ["Plan", "PlanChange", "PlanError", "make_plan"]

FloatArray = npt.NDArray[np.float64]

_BIG_SLACK = 1e4
_NUTRIENTS = (
    "magnesium_mg",
    "energy_kcal",
    "calcium_mg",
    "zinc_mg",
    "sodium_mg",
    "vitamin_d_ug",
    "vitamin_b6_mg",
)
_CORE = ("magnesium_mg", "energy_kcal", "calcium_mg", "zinc_mg", "sodium_mg")


class PlanError(ValueError):
    """Bad plan options (unknown pattern or exclusion...)."""


@cache
def settings() -> dict[str, Any]:
    """The parsed ``data/plan.toml``."""
    return tomllib.loads(resources.files("magnerve.data").joinpath("plan.toml").read_text("utf-8"))


@dataclass(frozen=True, slots=True)
class PlanChange:
    """One step of a plan."""

    food_id: str
    description: str
    action: str  # add | remove | increase | decrease
    amount: float  # servings per day
    unit: str  # SR28 household measure
    grams: float  # per day
    meal: str | None
    magnesium_mg: float  # change per day

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "food": {"id": self.food_id, "description": self.description},
            "action": self.action,
            "amount": round(self.amount, 2),
            "unit": self.unit,
            "grams": round(self.grams, 1),
            "meal": self.meal,
            "magnesium_mg": round(self.magnesium_mg, 1),
        }

    def text(self) -> str:
        """Readable step, e.g. 'add 1 cup of Beans, black, ... at lunch'."""
        amt = f"{self.amount:g}" if self.amount == int(self.amount) else f"{self.amount:.1f}"
        where = f" at {self.meal}" if self.meal else ""
        if self.action == "remove":
            return f"Stop eating {self.description}{where} (now about {self.grams:.0f} g/day)"
        verb = {"add": "Add", "increase": "Eat", "decrease": "Eat", "remove": "Stop eating"}[
            self.action
        ]
        more = {"increase": " more", "decrease": " less"}.get(self.action, "")
        grams = f"{self.grams:.0f} g/day"
        return f"{verb} {amt} × {self.unit}{more} of {self.description}{where} ({grams})"


@dataclass(slots=True)
class Plan:
    """Result of :func:`make_plan`; ``to_dict()`` is the ``magnerve plan --json`` output."""

    status: str
    changes: list[PlanChange]
    supplement: dict[str, Any] | None
    before: dict[str, Any]
    after: dict[str, Any] | None
    target: dict[str, Any]
    conflicts: list[dict[str, Any]]
    binding: list[dict[str, Any]]
    worst_case: dict[str, Any] | None
    solve_ms: float
    notes: list[str] = field(default_factory=list)
    n_candidates: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "status": self.status,
            "changes": [c.to_dict() for c in self.changes],
            "steps": [c.text() for c in self.changes],
            "supplement": self.supplement,
            "before": self.before,
            "after": self.after,
            "target": self.target,
            "conflicts": self.conflicts,
            "binding_constraints": self.binding,
            "worst_case": self.worst_case,
            "solve_ms": round(self.solve_ms, 2),
            "n_candidates": self.n_candidates,
            "notes": self.notes,
            "disclaimer": "Education, not medical advice: discuss supplements and large diet "
            "changes with a clinician or dietitian.",
        }


def _summary(a: Assessment) -> dict[str, Any]:
    d = a.to_dict()
    return {
        "magnesium_mg": d["intake"]["mean"]["total_mg"],
        "food_mg": d["intake"]["mean"]["food_mg"],
        "supplements_mg": d["intake"]["mean"]["supplements_mg"],
        "absorbed_mg": d["absorption"]["mean_absorbed_mg"],
        "reference_equivalent_mg": d["absorption"]["reference_equivalent_mg"],
        "confidence_adequate": d["adequacy"].get("confidence_adequate"),
        "confidence_adequate_reference_equivalent": d["adequacy_reference_equivalent"].get(
            "confidence_adequate"
        ),
        "calcium_mg": d["intake"]["nutrients_mean"].get("calcium_mg"),
        "energy_kcal": d["intake"]["nutrients_mean"].get("energy_kcal"),
    }


def _serving(db: FoodDatabase, ndb: str) -> tuple[str, float] | None:
    s = settings()["serving"]
    measures = db.measures.get(ndb, ())
    if db.group_codes[db.index[ndb]] in s["ounce_groups"]:  # nuts and seeds: about 1 oz
        best = min(measures, key=lambda m: abs(m.grams_per_unit - s["ounce_g"]), default=None)
        if best is not None and best.grams_per_unit <= 2 * s["ounce_g"]:
            return best.description, best.grams_per_unit
    for m in measures:
        g = m.grams_per_unit
        if s["min_g"] <= g <= s["max_g"]:
            return m.description, g
    return None


def _excluded(desc: str, group: str, rule: dict[str, Any]) -> bool:
    d = desc.lower()
    if group in rule.get("groups", rule.get("exclude_groups", [])):
        return True
    words = rule.get("words", rule.get("exclude_words", []))
    if not any(w in d for w in words):
        return False
    exceptions = rule.get("except_words", rule.get("exclude_words_except", []))
    hit = [w for w in words if w in d]
    # an exception word covers the hit ("peanut butter" is not dairy butter)
    return not all(any(w in e and e in d for e in exceptions) for w in hit)


def _candidate_mask(
    db: FoodDatabase, pattern: str, exclude: Sequence[str], exclude_foods: Sequence[str], scope: str
) -> npt.NDArray[np.bool_]:
    cfg = settings()
    if pattern not in cfg["patterns"]:
        raise PlanError(f"unknown pattern {pattern!r}; use one of {', '.join(cfg['patterns'])}")
    rules = [cfg["patterns"][pattern]]
    for ex in exclude:
        key = ex.strip().lower().replace("-", "_").replace(" ", "_")
        if key not in cfg["exclusions"]:
            raise PlanError(f"unknown exclusion {ex!r}; use one of {', '.join(cfg['exclusions'])}")
        rules.append(cfg["exclusions"][key])
    names = [n.strip().lower() for n in exclude_foods]
    from magnerve.foods._search import get_index

    idx = get_index()
    add_words = cfg["additions"]["exclude_words"]
    avoid = set(cfg["patterns"][pattern].get("avoid_adding_groups", []))
    avoid |= set(cfg["additions"]["avoid_groups"])
    cols = [db.nutrient_position(k) for k in _CORE]
    known: npt.NDArray[np.bool_] = np.asarray(~np.isnan(db.matrix[:, cols]).any(axis=1))
    mask = np.zeros(len(db), dtype=bool)
    for i, (desc, group) in enumerate(zip(db.descriptions, db.group_codes, strict=True)):
        if not known[i] or any(_excluded(desc, group, r) for r in rules):
            continue
        low = desc.lower()
        if any(n in low for n in names) or any(w in low for w in add_words) or group in avoid:
            continue
        if scope == "filtered" and (
            idx._brand[i] or idx._baby[i] or idx._restaurant[i] or not db.survey[i]
        ):
            continue
        mask[i] = True
    return mask


def _allowed(
    db: FoodDatabase, i: int, pattern: str, exclude: Sequence[str], names: Sequence[str]
) -> bool:
    cfg = settings()
    rules = [cfg["patterns"][pattern]] + [
        cfg["exclusions"][e.strip().lower().replace("-", "_").replace(" ", "_")] for e in exclude
    ]
    desc, group = db.descriptions[i], db.group_codes[i]
    if any(_excluded(desc, group, r) for r in rules):
        return False
    return not any(n.strip().lower() in desc.lower() for n in names)


_MEAL_PREF = {
    "0800": ("breakfast",),
    "0100": ("breakfast", "snack", "lunch"),
    "0900": ("breakfast", "snack"),
    "1200": ("snack", "breakfast"),
    "1900": ("snack",),
    "1600": ("lunch", "dinner"),
    "1100": ("dinner", "lunch"),
    "2000": ("dinner", "lunch"),
}


def _meal_for(group: str, meals: Sequence[str]) -> str | None:
    if not meals:
        return None
    for m in _MEAL_PREF.get(group, ("lunch", "dinner")):
        for have in meals:
            if m in have.lower():
                return have
    return meals[len(meals) // 2]


def _supplement_options(ul: float | None, allowed_forms: Sequence[str]) -> list[dict[str, Any]]:
    s = settings()["supplements"]
    opts = []
    for form in allowed_forms:
        for size in s["tablet_elemental_mg"]:
            for tabs in range(1, s["max_tablets_per_dose"] + 1):
                for times in s["times_per_day"]:
                    daily = size * tabs * times
                    if ul is not None and daily > ul:
                        continue
                    opts.append(
                        {
                            "form": form,
                            "tablet_elemental_mg": size,
                            "tablets_per_dose": tabs,
                            "times_per_day": times,
                            "elemental_mg_per_day": daily,
                        }
                    )
    return opts


def _modified_diary(
    diary: Diary,
    removed_share: dict[str, float],
    added: list[tuple[int, float, str | None]],
    db: FoodDatabase,
) -> Diary:
    """Apply a plan to every day of the diary (removals scale current portions; additions are
    new lines at the chosen meal)."""
    entries: list[DiaryEntry] = []
    days = sorted({e.date for e in diary.entries})
    line = max((e.line for e in diary.entries), default=0)
    for e in diary.entries:
        if e.parsed is not None and e.parsed.food.id in removed_share:
            keep = 1.0 - removed_share[e.parsed.food.id]
            if keep <= 1e-9:
                continue
            e = replace(e, parsed=replace(e.parsed, grams=e.parsed.grams * keep))
        entries.append(e)
    for i, grams, meal in added:
        for d in days:
            line += 1
            parsed = ParsedLine(
                "plan", FoodRef(db.ids[i], db.descriptions[i]), grams, "g", grams, None, 1.0
            )
            entries.append(DiaryEntry(line, d, None, meal, parsed, name=db.descriptions[i]))
    return Diary(entries, [], diary.source + " + plan", len(entries))


def make_plan(
    diary: Diary,
    profile: Profile,
    *,
    pattern: str = "omnivore",
    exclude: Sequence[str] = (),
    exclude_foods: Sequence[str] = (),
    supplements: bool = True,
    supplement_forms: Sequence[str] | None = None,
    target: str | float = "rda",
    fewest_changes: bool = False,
    scope: str = "filtered",
    ca_mg_band: str = "upper",
) -> Plan:
    """Optimise the diet (and optionally a supplement) to reach a magnesium target.

    Parameters
    ----------
    diary, profile
        The person's diary (problems handled) and validated profile.
    pattern : {"omnivore", "pescatarian", "vegetarian", "vegan"}
    exclude : sequence of str
        Exclusions from ``data/plan.toml`` (tree_nuts, peanuts, gluten, soy, dairy, fish,
        shellfish, egg).
    exclude_foods : sequence of str
        Words of foods never to suggest (e.g. "liver").
    supplements : bool
        Offer a magnesium supplement (never at eGFR < 30 or with CKD).
    target : "ear", "rda" or a confidence in (0, 1)
        Reference-equivalent magnesium target: the EAR, the RDA, or the mean intake giving that
        confidence of adequacy with the diary's number of days (IOM 2000).
    fewest_changes : bool
        Penalise each new food more (fewer, larger changes).
    scope : {"filtered", "all"}
        Candidate foods: generic survey foods (default) or all SR28 foods.
    ca_mg_band : {"upper", "both", "none"}
        Keep the Ca:Mg intake ratio at or below 2.8 (default), within 1.7-2.8 ("both"), or
        unconstrained. The lower bound is opt-in: with low calcium it pushes the optimiser to
        *remove* magnesium-rich foods.

    Returns
    -------
    Plan
    """
    t_start = time.perf_counter()
    cfg = settings()
    db = load_database()
    person = profile.person
    base = assess(diary, profile)
    before = _summary(base)
    notes: list[str] = []
    ref = ReferenceIntake(**base.reference["magnesium"])  # already computed by the assessment
    if ref.ear is None or ref.rda is None or ref.requirement_sd is None:
        raise PlanError("no EAR/RDA for this life stage: a magnesium target cannot be set")
    n_days = max(len(base.days), 1)
    if isinstance(target, str):
        if target not in ("ear", "rda"):
            raise PlanError("target must be 'ear', 'rda' or a confidence between 0 and 1")
        target_mg = float(ref.ear if target == "ear" else ref.rda)
        target_info: dict[str, Any] = {"kind": target, "reference_equivalent_mg": target_mg}
    else:
        if not 0 < float(target) < 1:
            raise PlanError("a confidence target must be between 0 and 1, e.g. 0.9")
        within = base.adequacy.get("within_person_sd", 85.9)
        target_mg = required_mean_intake(
            float(target),
            n_days,
            ear=ref.ear,
            requirement_sd=ref.requirement_sd,
            within_person_sd=within,
        )
        target_info = {
            "kind": "confidence",
            "confidence": float(target),
            "reference_equivalent_mg": target_mg,
        }

    # safety: supplements allowed?
    safety = cfg["safety"]
    clinician_only = bool(
        set(profile.health.conditions) & set(safety["clinician_only_conditions"])
        or profile.medication_classes() & set(safety["clinician_only_medication_classes"])
    )
    ckd = base.safety["supplements_need_clinician"] or clinician_only
    allow_supp = supplements and not ckd
    if supplements and ckd:
        notes.append(
            "no supplement offered: eGFR < 30, kidney disease or a clinician-only condition "
            "(ask a clinician)"
        )
    forms = list(supplement_forms or cfg["supplements"]["forms"])

    # current diet per food [g/day] and meals
    cur_g: dict[str, float] = {}
    meal_of: dict[str, Counter[str]] = {}
    for e in diary.entries:
        if e.parsed is None:
            continue
        cur_g[e.parsed.food.id] = cur_g.get(e.parsed.food.id, 0.0) + e.parsed.grams / n_days
        meal_of.setdefault(e.parsed.food.id, Counter())[e.meal or ""] += 1
    meals = sorted({e.meal for e in diary.entries if e.meal}, key=lambda m: m.lower())

    mask = _candidate_mask(db, pattern, exclude, exclude_foods, scope)
    cand: list[int] = []
    serving: dict[int, tuple[str, float]] = {}
    for i in np.flatnonzero(mask).tolist():
        sv = _serving(db, db.ids[i])
        if sv is not None:
            cand.append(i)
            serving[i] = sv
    current = [db.index[k] for k in cur_g]
    for i in current:
        if i not in serving:
            serving[i] = _serving(db, db.ids[i]) or ("100 g", 100.0)
    forced_out = [i for i in current if not _allowed(db, i, pattern, exclude, exclude_foods)]
    var_foods = sorted(set(cand) | set(current))
    nf = len(var_foods)
    pos = {i: k for k, i in enumerate(var_foods)}

    # nutrients per serving, NaN -> 0 only for current foods (their totals are lower bounds)
    cols = [db.nutrient_position(k) for k in _NUTRIENTS]
    g = np.array([serving[i][1] for i in var_foods])
    per = db.matrix[np.ix_(var_foods, cols)] * (g[:, None] / 100.0)
    unknown_optional: npt.NDArray[np.bool_] = np.asarray(np.isnan(per[:, 5:]).any(axis=1))
    per = np.nan_to_num(per, nan=0.0)
    mg, kcal, ca, zn, na, vd, b6 = (per[:, j] for j in range(len(_NUTRIENTS)))

    # linearised absorption per serving
    p = ab.parameters()
    occ_per_day = max(
        1.0, sum(1 for _ in {(e.date, e.meal or e.time) for e in diary.entries}) / n_days
    )
    food_mg_day = before["food_mg"] or 0.0
    load = food_mg_day / occ_per_day
    span = 2.0 * float(ref.rda)  # chord over a wide range: conservative for large additions
    chord = (ab.absorbed_mg(load + span) - ab.absorbed_mg(load)) / span
    avg_fa = ab.absorbed_mg(load) / load if load > 0 else chord
    water_col = db.nutrient_position("water_g")
    phy_mmol = np.array(
        [
            (
                ab.phytate_mg(
                    db.descriptions[i],
                    db.group_codes[i],
                    serving[i][1],
                    float(db.matrix[i, water_col]),
                )
                or 0.0
            )
            / p.phytic_acid_molar_mass
            for i in var_foods
        ]
    )
    meal_absorbed = ab.absorbed_mg(load)
    add_abs = chord * mg - meal_absorbed * p.phytate_per_mmol * phy_mmol
    rem_abs = avg_fa * mg - meal_absorbed * p.phytate_per_mmol * phy_mmol  # loss when removed
    fr = base.reference_fraction
    add_re = add_abs / fr
    rem_re = rem_abs / fr

    cur_serv = np.array([cur_g.get(db.ids[i], 0.0) / serving[i][1] for i in var_foods])
    # Removal (or swap) is offered only for foods that are poorer magnesium sources per kcal
    # than the diet as a whole, or that the pattern/exclusions rule out: a plan never asks to
    # eat less of a good magnesium source.
    diet_density = (before["food_mg"] or 0.0) / max(cur_tot_energy(base), 1.0)
    food_density = np.divide(mg, kcal, out=np.full(nf, np.inf), where=kcal > 0)
    removable = food_density < diet_density
    is_new = cur_serv == 0
    is_cand = np.array([i in set(cand) for i in var_foods])
    opts = _supplement_options(ref.ul, forms) if allow_supp else []
    no = len(opts)
    opt_re = []
    for o in opts:
        dose = o["tablet_elemental_mg"] * o["tablets_per_dose"]
        abs_day = (
            o["times_per_day"]
            * ab.absorb_occasion(
                ab.Occasion("s", doses=(ab.Dose(dose, o["form"]),), is_meal=False)
            ).absorbed_mg
        )
        opt_re.append(abs_day / fr)
    opt_re_a = np.array(opt_re)
    opt_mg = np.array([o["elemental_mg_per_day"] for o in opts])

    # variables: [p (nf), m (nf), y (no), slacks (2 ns)]
    w = cfg["weights"]
    lim = cfg["limits"]
    max_add = float(lim["max_servings_added_per_food"])
    new_cost = w["new_food_fixed"] * (w["fewest_changes_multiplier"] if fewest_changes else 1.0)
    # a new food's fixed cost is spread over its servings (no binary per food: keeps the MIP
    # small enough to solve in milliseconds)
    c_p = np.where(is_new, w["add_new"] + new_cost, w["keep_familiar"])
    # among equally costly additions prefer magnesium-dense foods (a tie-breaker worth at
    # most half a serving's cost)
    c_p = c_p - w["magnesium_density_preference"] * np.minimum(mg / 100.0, 1.0)
    c_m = np.full(nf, w["keep_familiar"])
    c_y = np.full(no, w["supplement"])

    cur_tot = base.to_dict()["intake"]["nutrients_mean"]
    mg_total = before["magnesium_mg"] or 0.0
    ca_total = (cur_tot.get("calcium_mg") or 0.0) + sum(s.calcium_mg for s in base.supplements)
    kcal_cur = cur_tot.get("energy_kcal") or 0.0
    zn_cur = (cur_tot.get("zinc_mg") or 0.0) + sum(s.zinc_mg for s in base.supplements)
    vd_cur = (cur_tot.get("vitamin_d_ug") or 0.0) + sum(s.vitamin_d_ug for s in base.supplements)
    b6_cur = (cur_tot.get("vitamin_b6_mg") or 0.0) + sum(s.vitamin_b6_mg for s in base.supplements)
    na_cur = cur_tot.get("sodium_mg") or 0.0
    zn_ul = reference_intake("zinc", age=person.age, sex=person.sex).ul or math.inf
    vd_ul = reference_intake("vitamin_d", age=person.age, sex=person.sex).ul or math.inf
    b6_ul = float(thresholds()["vitamin_b6"]["efsa_ul_mg_per_day"])
    na_lim = max(na_cur, float(lim["sodium_cdrr_mg"]))
    re_now = before["reference_equivalent_mg"] or 0.0
    band = thresholds()["ca_mg_ratio"]
    supp_mg_now = sum(s.magnesium_mg for s in base.supplements)

    # constraint rows: name, coefficients on p, m, y, lower, upper (for the change)
    rows: list[tuple[str, FloatArray, FloatArray, FloatArray, float, float]] = []

    def row(
        name: str, vp: FloatArray, vm: FloatArray, vy: FloatArray, lo: float, hi: float
    ) -> None:
        rows.append((name, vp, vm, vy, lo, hi))

    margin = float(lim["linearisation_margin_mg"])
    row("magnesium_target", add_re, -rem_re, opt_re_a, target_mg + margin - re_now, math.inf)
    tol = lim["energy_tolerance"] * kcal_cur
    row("energy", kcal, -kcal, np.zeros(no), -tol, tol)
    if ca_mg_band not in ("upper", "both", "none"):
        raise PlanError("ca_mg_band must be 'upper', 'both' or 'none'")
    lo_r, hi_r = band["low_band_below"], band["high_band_above"]
    if ca_mg_band == "both":  # Ca - 1.7 Mg >= 0 on totals (supplement Mg counts as Mg)
        row(
            "ca_mg_ratio_low",
            ca - lo_r * mg,
            -(ca - lo_r * mg),
            -lo_r * opt_mg,
            -(ca_total - lo_r * mg_total),
            math.inf,
        )
    elif mg_total and ca_total / mg_total < lo_r:
        notes.append(
            f"Ca:Mg is {ca_total / mg_total:.2f}, below {lo_r}: more calcium-rich foods would "
            "help; the lower bound is not enforced by default (it would favour less magnesium)"
        )
    if ca_mg_band in ("upper", "both"):  # Ca - 2.8 Mg <= 0
        row(
            "ca_mg_ratio_high",
            ca - hi_r * mg,
            -(ca - hi_r * mg),
            -hi_r * opt_mg,
            -math.inf,
            -(ca_total - hi_r * mg_total),
        )
    row("zinc_ul", zn, -zn, np.zeros(no), -math.inf, zn_ul - zn_cur)
    row("vitamin_d_ul", vd, -vd, np.zeros(no), -math.inf, vd_ul - vd_cur)
    row("vitamin_b6_efsa_ul", b6, -b6, np.zeros(no), -math.inf, max(b6_ul - b6_cur, 0.0))
    row("sodium_limit", na, -na, np.zeros(no), -math.inf, na_lim - na_cur)
    if no:
        row(
            "supplement_ul",
            np.zeros(nf),
            np.zeros(nf),
            opt_mg,
            -math.inf,
            (ref.ul or math.inf) - supp_mg_now,
        )

    ns = len(rows)
    nvar = 2 * nf + no + 2 * ns
    fam_rows = _families(db, var_foods, is_cand)
    A = lil_matrix((ns + 2 + len(fam_rows), nvar))
    lo_b = np.empty(ns + 2 + len(fam_rows))
    hi_b = np.empty(ns + 2 + len(fam_rows))
    for r, members in enumerate(fam_rows, start=ns + 2):
        A[r, members] = 1.0
        lo_b[r], hi_b[r] = 0.0, float(cfg["additions"]["max_servings_per_family"])
    for r, (_, vp, vm, vy, lo, hi) in enumerate(rows):
        A[r, 0:nf] = vp
        A[r, nf : 2 * nf] = vm
        if no:
            A[r, 2 * nf : 2 * nf + no] = vy
        # elastic slacks: +s_lo relaxes the lower bound, -s_hi relaxes the upper bound
        A[r, 2 * nf + no + r] = 1.0
        A[r, 2 * nf + no + ns + r] = -1.0
        lo_b[r], hi_b[r] = lo, hi
    # servings of new foods in total, and at most one supplement option
    A[ns, 0:nf] = is_new.astype(float)
    lo_b[ns], hi_b[ns] = 0.0, float(lim["max_new_foods"]) * max_add
    if no:
        A[ns + 1, 2 * nf : 2 * nf + no] = 1.0
    lo_b[ns + 1], hi_b[ns + 1] = 0.0, 1.0

    lb = np.zeros(nvar)
    ub = np.concatenate(
        [
            np.where(is_cand, max_add, 0.0),  # p: only candidates can be increased
            np.where(removable, cur_serv, 0.0),  # m: only poorer-than-average sources
            np.ones(no),
            np.full(2 * ns, np.inf),
        ]
    )
    for i in forced_out:  # foods outside the pattern/exclusions must go
        lb[nf + pos[i]] = ub[nf + pos[i]] = cur_serv[pos[i]]
    integrality = np.concatenate([np.ones(nf), np.zeros(nf), np.ones(no), np.zeros(2 * ns)])
    cost = np.concatenate([c_p, c_m, c_y, np.full(2 * ns, _BIG_SLACK)])
    A_csr = csr_matrix(A)

    result = None
    plan_after: Assessment | None = None
    chosen: _Solution | None = None
    extra = 0.0
    for _attempt in range(3):
        lo_try = lo_b.copy()
        lo_try[0] += extra
        result = solve_milp(cost, A_csr, lo_try, hi_b, integrality, lb, ub)
        if result.x is None:
            break
        x = result.x
        slack = x[2 * nf + no :]
        if np.any(slack > 1e-6):
            break
        chosen = _Solution(
            diary,
            profile,
            db,
            var_foods,
            serving,
            cur_serv,
            opts,
            meals,
            meal_of,
            x[:nf],
            x[nf : 2 * nf],
            x[2 * nf : 2 * nf + no],
        )
        plan_after = chosen.evaluate()
        re_after = plan_after.to_dict()["absorption"]["reference_equivalent_mg"] or 0.0
        if re_after >= target_mg - 1e-6:
            break
        extra += (target_mg - re_after) + margin
        notes.append(
            f"linearised model over-estimated by {target_mg - re_after:.1f} mg; target raised "
            "and solved again"
        )
    solve_ms = (time.perf_counter() - t_start) * 1000.0

    if result is None or result.x is None:
        return Plan(
            "error",
            [],
            None,
            before,
            None,
            target_info,
            [{"constraint": "solver", "message": result.message if result else "not run"}],
            [],
            None,
            solve_ms,
            notes,
            len(cand),
        )
    slack = result.x[2 * nf + no :]
    if np.any(slack > 1e-6) or chosen is None:
        conflicts = []
        for r, (name, *_rest) in enumerate(rows):
            s_lo, s_hi = slack[r], slack[ns + r]
            if s_lo > 1e-6 or s_hi > 1e-6:
                conflicts.append(
                    {
                        "constraint": name,
                        "shortfall": round(float(s_lo), 2) if s_lo > 1e-6 else None,
                        "excess": round(float(s_hi), 2) if s_hi > 1e-6 else None,
                    }
                )
        return Plan(
            "infeasible",
            [],
            None,
            before,
            None,
            target_info,
            conflicts,
            [],
            None,
            solve_ms,
            notes,
            len(cand),
        )

    changes = chosen.changes()
    supp = chosen.supplement()
    if supp is not None:
        supp["with_food"] = False
        supp["note"] = "take the doses apart from each other and from interacting medicines"
    assert plan_after is not None
    after = _summary(plan_after)
    binding = _binding(rows, var_foods, nf, no, ns, A_csr, lo_b, hi_b, cost, lb, ub)
    worst = chosen.worst_case(target_mg)
    for cls in base.safety["drug_spacing"]:
        notes.append(
            f"space magnesium and {cls.replace('_', ' ')} doses (see the medicine's leaflet)"
        )
    notes += _levers(base)
    if nf and bool(unknown_optional[chosen.pv > 0.5].any()):
        notes.append(
            "some added foods have no SR28 value for vitamin D or B6: those limits used "
            "known values"
        )
    return Plan(
        "optimal",
        changes,
        supp,
        before,
        after,
        target_info,
        [],
        binding,
        worst,
        solve_ms,
        notes,
        len(cand),
    )


@dataclass(slots=True)
class _Result:
    x: FloatArray | None
    message: str


def solve_milp(
    cost: FloatArray,
    A: csr_matrix,
    lo: FloatArray,
    hi: FloatArray,
    integrality: FloatArray,
    lb: FloatArray,
    ub: FloatArray,
) -> _Result:
    """Solve the MILP exactly, fast, by reduced-cost fixing.

    1. LP relaxation over all columns (HiGHS) -> bound ``z_LP`` and reduced costs ``d_j``.
    2. A restricted MIP over the LP support and the columns with the smallest reduced costs
       gives an incumbent ``U``.
    3. Any column at its lower bound with ``d_j > U - z_LP`` cannot be non-zero in a solution
       better than ``U`` (standard reduced-cost fixing), so the final MIP keeps only the other
       columns; the result is optimal for the full model (up to the MIP gap).
    """
    n = len(cost)
    live = np.flatnonzero(ub > lb)  # columns fixed at their bound need no variable
    fixed = np.setdiff1d(np.arange(n), live)
    if fixed.size:
        shift = A[:, fixed] @ lb[fixed]
        lo, hi = lo - shift, hi - shift
    A, cost_l, integ_l, lb_l, ub_l = A[:, live], cost[live], integrality[live], lb[live], ub[live]

    def run(cols: npt.NDArray[np.intp]) -> _Result:
        res = milp(
            cost_l[cols],
            constraints=LinearConstraint(A[:, cols], lo, hi),
            integrality=integ_l[cols],
            bounds=Bounds(lb_l[cols], ub_l[cols]),
            options={"time_limit": 20.0, "mip_rel_gap": 1e-3},
        )
        if res.x is None:
            return _Result(None, str(res.message))
        x = lb.copy()
        x[live[cols]] = res.x
        return _Result(x, str(res.message))

    a_ub_parts = []
    b_ub = []
    fin_hi = np.isfinite(hi)
    fin_lo = np.isfinite(lo)
    from scipy.sparse import vstack

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
    )
    n_l = len(live)
    if lp.status != 0:
        return run(np.arange(n_l))
    d = lp.lower.marginals
    at_lb = lp.x <= lb_l + 1e-9
    support = np.flatnonzero(~at_lb)
    # continuous columns (removals, slacks) are cheap: always kept; integer columns enter by
    # reduced cost
    cont = np.flatnonzero(integ_l == 0)
    order = np.argsort(np.where(at_lb & (integ_l == 1), d, np.inf))
    seed = np.union1d(np.union1d(support, cont), order[:30])
    first = run(seed)
    if first.x is None:
        return run(np.arange(n_l))
    upper = float(cost_l @ first.x[live])
    keep = np.flatnonzero(~at_lb | (d <= upper - lp.fun + 1e-7))
    if len(keep) == len(seed) and np.array_equal(keep, seed):
        return first
    final = run(np.union1d(keep, seed))
    return final if final.x is not None else first


def _families(db: FoodDatabase, var_foods: list[int], is_cand: FloatArray) -> list[list[int]]:
    """Candidate columns grouped by food family (the SR28 segment that names the food, e.g.
    "Spinach" for raw and cooked spinach); only families with two or more members."""
    from magnerve.foods._search import _head_segment, _split_description, get_index

    idx = get_index()
    cats = {tuple(c) for c in _category_heads()}
    fams: dict[str, list[int]] = {}
    for k, i in enumerate(var_foods):
        if not is_cand[k]:
            continue
        segs = _split_description(db.descriptions[i])
        h = _head_segment(segs, cats, idx._brand_words)
        key = segs[h][1].lower() if h >= 0 else db.descriptions[i].lower()
        fams.setdefault(key, []).append(k)
    return [m for m in fams.values() if len(m) > 1]


@cache
def _category_heads() -> list[list[str]]:
    from magnerve.foods._search import _lexicon, tokenize

    return [tokenize(c) for c in _lexicon()["classes"]["category_heads"]]


def cur_tot_energy(a: Assessment) -> float:
    """Mean energy intake of an assessment [kcal/day]."""
    return float(a.nutrients_mean.get("energy_kcal") or 0.0)


def _rounded_removal(m: float, current: float) -> float:
    """Removals as people can follow them: whole remaining portion, or quarter servings;
    the full model re-assesses the rounded plan, so reported results stay exact."""
    if m <= 1e-9:
        return 0.0
    if m >= current - 0.125:
        return float(current)
    return round(m * 4) / 4


@dataclass(slots=True)
class _Solution:
    """A solved plan with what is needed to describe and re-assess it."""

    diary: Diary
    profile: Profile
    db: FoodDatabase
    var_foods: list[int]
    serving: dict[int, tuple[str, float]]
    cur_serv: FloatArray
    opts: list[dict[str, Any]]
    meals: list[str]
    meal_of: dict[str, Counter[str]]
    pv: FloatArray
    mv: FloatArray
    yv: FloatArray

    def meal(self, i: int) -> str | None:
        ndb = self.db.ids[i]
        if ndb in self.meal_of:
            return self.meal_of[ndb].most_common(1)[0][0] or None
        return _meal_for(self.db.group_codes[i], self.meals)

    def changes(self) -> list[PlanChange]:
        db = self.db
        mg_col = db.nutrient_position("magnesium_mg")
        out = []
        for k, i in enumerate(self.var_foods):
            removal = _rounded_removal(self.mv[k], self.cur_serv[k])
            delta = float(round(self.pv[k]) - removal)
            if abs(delta) < 1e-3:
                continue
            unit, g = self.serving[i]
            mg = float(np.nan_to_num(db.matrix[i, mg_col])) * g / 100.0
            if self.cur_serv[k] == 0:
                action = "add"
            elif delta > 0:
                action = "increase"
            elif removal >= self.cur_serv[k] - 1e-6:
                action = "remove"
            else:
                action = "decrease"
            out.append(
                PlanChange(
                    db.ids[i],
                    db.descriptions[i],
                    action,
                    abs(delta),
                    unit,
                    abs(delta) * g,
                    self.meal(i),
                    delta * mg,
                )
            )
        out.sort(key=lambda c: -abs(c.magnesium_mg))
        return out

    def inputs(self) -> tuple[dict[str, float], list[tuple[int, float, str | None]]]:
        removed: dict[str, float] = {}
        added: list[tuple[int, float, str | None]] = []
        for k, i in enumerate(self.var_foods):
            rm = _rounded_removal(self.mv[k], self.cur_serv[k])
            if rm > 0 and self.cur_serv[k] > 0:
                removed[self.db.ids[i]] = min(1.0, rm / float(self.cur_serv[k]))
            n = round(self.pv[k])
            if n > 0:
                added.append((i, n * self.serving[i][1], self.meal(i)))
        return removed, added

    def supplement(self) -> dict[str, Any] | None:
        if not self.opts or self.yv.max() <= 0.5:
            return None
        return dict(self.opts[int(np.argmax(self.yv))])

    def evaluate(self, km: float | None = None) -> Assessment:
        removed, added = self.inputs()
        profile = self.profile
        o = self.supplement()
        if o is not None:
            s = Supplement(
                name=f"magnesium {o['form']} (plan)",
                form=o["form"],
                elemental_mg=o["tablet_elemental_mg"] * o["tablets_per_dose"],
                times_per_day=o["times_per_day"],
                with_food=False,
            )
            profile = profile.model_copy(update={"supplements": [*profile.supplements, s]})
        return assess(
            _modified_diary(self.diary, removed, added, self.db), profile, absorption_km=km
        )

    def worst_case(self, target_mg: float) -> dict[str, Any]:
        """Reference-equivalent intake at both ends of the absorption Km range."""
        lo, hi = ab._data()["model"]["km"]["range"]
        res = {
            f"km_{km:g}": self.evaluate(km).to_dict()["absorption"]["reference_equivalent_mg"]
            for km in (lo, hi)
        }
        worst = min(res.values())
        return {
            "reference_equivalent_mg_by_km": res,
            "worst_reference_equivalent_mg": worst,
            "meets_target_in_worst_case": worst >= target_mg - 1e-6,
            "note": "absorption half-saturation constant Km varied over its plausible range "
            "(36-66 mg)",
        }


def _binding(
    rows: list[tuple[str, FloatArray, FloatArray, FloatArray, float, float]],
    var_foods: list[int],
    nf: int,
    no: int,
    ns: int,
    A: csr_matrix,
    lo: FloatArray,
    hi: FloatArray,
    cost: FloatArray,
    lb: FloatArray,
    ub: FloatArray,
) -> list[dict[str, Any]]:
    """Binding constraints and their dual values from the LP relaxation."""
    rows_idx = list(range(ns))
    sub = A[rows_idx]
    a_ub_parts = []
    b_ub = []
    names = []
    for r in rows_idx:
        if math.isfinite(hi[r]):
            a_ub_parts.append(sub[r])
            b_ub.append(hi[r])
            names.append((rows[r][0], "upper"))
        if math.isfinite(lo[r]):
            a_ub_parts.append(-sub[r])
            b_ub.append(-lo[r])
            names.append((rows[r][0], "lower"))
    from scipy.sparse import vstack

    link = A[ns:]
    a_ub = vstack([*a_ub_parts, link, -link]).tocsr()
    b = np.concatenate(
        [
            b_ub,
            np.where(np.isfinite(hi[ns:]), hi[ns:], 1e9),
            np.where(np.isfinite(lo[ns:]), -lo[ns:], 1e9),
        ]
    )
    res = linprog(cost, A_ub=a_ub, b_ub=b, bounds=list(zip(lb, ub, strict=True)), method="highs")
    if res.status != 0:
        return []
    duals = res.ineqlin.marginals[: len(names)]
    out = []
    for (name, side), dual in zip(names, duals, strict=True):
        if abs(dual) > 1e-7:
            out.append({"constraint": name, "side": side, "dual": round(float(-dual), 4)})
    return out


def _levers(a: Assessment) -> list[str]:
    """Caffeine and alcohol offered as levers with their modelled (qualitative) effect."""
    out = []
    caffeine = a.nutrients_mean.get("caffeine_mg") or 0.0
    drinks = (a.profile.lifestyle.alcohol_drinks_per_week or 0.0) / 7
    if caffeine > 200:
        out.append(
            f"lever: caffeine {caffeine:.0f} mg/day; cutting down reduces a small extra urinary "
            "magnesium loss (Kynast-Gales & Massey 1994: about 4 mg per day after two large doses)"
        )
    if drinks > 1:
        out.append(
            f"lever: alcohol {drinks:.1f} drinks/day; drinking less reduces urinary magnesium loss "
            "(alcohol raises it acutely, Flink 1986)"
        )
    return out
