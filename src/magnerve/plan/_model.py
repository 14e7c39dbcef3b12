"""The plan MILP (see the package docstring for the formulation)."""

from __future__ import annotations

import math
import re
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
from magnerve._servings import food_category, racc_grams
from magnerve.adequacy import required_mean_intake
from magnerve.assessment import Assessment, assess, supplement_daily
from magnerve.diary import Diary, DiaryEntry
from magnerve.errors import InputError
from magnerve.foods._db import FoodDatabase, load_database
from magnerve.foods._parse import FoodRef, ParsedLine
from magnerve.interactions import thresholds
from magnerve.profile import Profile, Supplement, medication_group
from magnerve.requirements import ReferenceIntake, RequirementError, reference_intake

__all__ = ["Plan", "PlanChange", "PlanError", "make_plan"]

FloatArray = npt.NDArray[np.float64]

_BIG_SLACK = 1e4
_SMALL_MODEL = (
    600  # columns below which reduced-cost fixing does not pay (benchmarks/bench_plan.py)
)
_NUTRIENTS = (
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
_CORE = ("magnesium_mg", "energy_kcal", "calcium_mg", "zinc_mg", "sodium_mg", "protein_g")
_N_CORE = 8  # nutrients before the optional ones (vitamin D, B6) in _NUTRIENTS


class PlanError(InputError):
    """Bad plan options (unknown pattern or exclusion...)."""


@cache
def settings() -> dict[str, Any]:
    """The parsed ``data/plan.toml``."""
    return tomllib.loads(resources.files("magnerve.data").joinpath("plan.toml").read_text("utf-8"))


@dataclass(frozen=True, slots=True)
class PlanChange:
    """One step of a plan.

    Attributes
    ----------
    food_id, description : str
        SR28 food.
    action : {"add", "increase", "decrease", "remove"}
    amount : float
        Household measures per day.
    unit : str
        The SR28 household measure.
    grams : float
        Grams per day.
    meal : str or None
    magnesium_mg : float
        Change of magnesium intake [mg/day].
    reason : str
        Why, in plain words.
    name : str
        Friendly food name.
    """

    food_id: str
    description: str
    action: str  # add | remove | increase | decrease
    amount: float  # servings per day
    unit: str  # SR28 household measure
    grams: float  # per day
    meal: str | None
    magnesium_mg: float  # change per day
    reason: str = ""
    name: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "food": {"id": self.food_id, "description": self.description, "name": self.name},
            "action": self.action,
            "amount": round(self.amount, 2),
            "unit": self.unit,
            "grams": round(self.grams, 1),
            "meal": self.meal,
            "magnesium_mg": round(self.magnesium_mg, 1),
            "reason": self.reason,
        }

    def text(self) -> str:
        """Readable step, e.g. 'Add ½ cup of cooked black beans at lunch (86 g/day): ...'."""
        name = self.name or self.description
        where = f" at {self.meal}" if self.meal else ""
        amt = _amount_text(self.amount)
        if self.action == "remove":
            head = f"Stop eating {name}{where} (now about {self.grams:.0f} g/day)"
        elif self.action == "decrease":
            how = {0.25: "a quarter less", 0.5: "half as much", 0.75: "a quarter as much"}.get(
                round(self.amount * 4) / 4, f"{self.amount:.0%} less"
            )
            head = f"Eat {how} {name}{where} (about {self.grams:.0f} g/day less)"
        elif self.action == "increase":
            head = f"Eat {amt} {_clean_unit(self.unit)} more {name}{where} ({self.grams:.0f} g/day)"
        else:
            head = f"Add {amt} {_clean_unit(self.unit)} of {name}{where} ({self.grams:.0f} g/day)"
        return f"{head}: {self.reason}" if self.reason else head


_FRACTIONS = {0.25: "¼", 0.5: "½", 0.75: "¾"}


def _clean_unit(unit: str) -> str:
    """A household measure as people say it: "cup, sliced" stays, "(yield ...)" and
    "with hulls, edible yield" go."""
    u = re.sub(r"\([^)]*\)", "", unit)
    u = re.sub(r",?\s*(edible yield|with hulls|NLEA serving)", "", u, flags=re.IGNORECASE)
    return " ".join(u.replace(" ,", ",").split()).strip(" ,") or unit


def _amount_text(x: float) -> str:
    whole = int(x + 1e-9)
    frac = round((x - whole) * 4) / 4
    if frac in _FRACTIONS:
        return (f"{whole} " if whole else "") + _FRACTIONS[frac]
    return f"{x:g}" if abs(x - round(x)) < 1e-9 else f"{x:.1f}"


@dataclass(slots=True)
class Plan:
    """Result of :func:`make_plan`; ``to_dict()`` is the ``magnerve plan --json`` output.

    ``status`` is "optimal" (a plan, possibly with no change when intake already meets the
    target), "refer" (no magnesium-raising plan: see ``referral``), "infeasible" or "error".
    """

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
    supplement_changes: list[dict[str, Any]] = field(default_factory=list)
    referral: dict[str, Any] | None = None
    safety: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    total_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "status": self.status,
            "summary": self.summary,
            "changes": [c.to_dict() for c in self.changes],
            "steps": [c.text() for c in self.changes],
            "supplement": self.supplement,
            "supplement_changes": self.supplement_changes,
            "referral": self.referral,
            "safety": self.safety,
            "before": self.before,
            "after": self.after,
            "target": self.target,
            "conflicts": self.conflicts,
            "binding_constraints": self.binding,
            "worst_case": self.worst_case,
            "solve_ms": round(self.solve_ms, 2),
            "total_ms": round(self.total_ms, 2),
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
        "protein_g": d["intake"]["nutrients_mean"].get("protein_g"),
        "potassium_mg": d["intake"]["nutrients_mean"].get("potassium_mg"),
        "phosphorus_mg": d["intake"]["nutrients_mean"].get("phosphorus_mg"),
        "energy_kcal": d["intake"]["nutrients_mean"].get("energy_kcal"),
    }


# -- foods: categories, servings, candidates --------------------------------------------------


def portion_scale(age: float, energy_kcal: float | None) -> float:
    """Portion factor: 1 for adults; for children reported energy / 2,000 kcal within
    ``[child_portion_scale_min, child_portion_scale_max]`` (``data/plan.toml``)."""
    lim = settings()["limits"]
    if age >= 18:
        return 1.0
    e = energy_kcal or 0.0
    s = e / float(lim["reference_energy_kcal"]) if e > 0 else lim["child_portion_scale_min"]
    return float(min(max(s, lim["child_portion_scale_min"]), lim["child_portion_scale_max"]))


def _serving(db: FoodDatabase, i: int, scale: float) -> tuple[str, float, float] | None:
    """A food's plan serving: (household measure, amount of it, grams) near its RACC x scale."""
    s = settings()["serving"]
    target = racc_grams(db.descriptions[i], db.group_codes[i]) * scale
    measures = [m for m in db.measures.get(db.ids[i], ()) if m.grams_per_unit > 0]
    if not measures:
        return None
    best = None
    for m in measures:
        g = m.grams_per_unit
        amt = max(0.5, round(target / g * 2) / 2)  # half of it is a quarter-unit step
        if amt > 4:
            continue
        err = abs(math.log(amt * g / target))
        desc = m.description
        if "(" in desc or "yield" in desc or "unit" in desc or "NLEA" in desc:
            err += 0.5  # prefer plain household measures ("cup", "oz", "slice")
        if best is None or err < best[0]:
            best = (err, desc, amt, amt * g)
    if best is None or not (s["min_g"] <= best[3] <= s["max_g"]) or best[0] > 0.5 + math.log(2.0):
        return None
    return best[1], best[2], best[3]


@cache
def familiar_food_ids() -> frozenset[str]:
    """SR28 ids of the familiar foods the plan may add (``data/familiar_foods.toml``)."""
    text = resources.files("magnerve.data").joinpath("familiar_foods.toml").read_text("utf-8")
    data = tomllib.loads(text)["foods"]
    return frozenset(str(v) for sect in data.values() for v in sect.values())


def _choking(desc: str, group: str) -> bool:
    c = settings()["children"]
    d = desc.lower()
    if any(w in d for w in c["choking_except_words"]):
        return False
    return group in c["choking_groups"] or any(w in d for w in c["choking_words"])


def _candidate_mask(
    db: FoodDatabase,
    pattern: str,
    exclude: Sequence[str],
    exclude_foods: Sequence[str],
    scope: str,
    age: float,
    eaten: frozenset[str] = frozenset(),
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
    names = [n.strip().lower() for n in exclude_foods if n.strip()]
    from magnerve.foods._search import get_index

    idx = get_index()
    add_words = cfg["additions"]["exclude_words"]
    avoid = set(cfg["patterns"][pattern].get("avoid_adding_groups", []))
    avoid |= set(cfg["additions"]["avoid_groups"])
    cols = [db.nutrient_position(k) for k in _CORE]
    known: npt.NDArray[np.bool_] = np.asarray(~np.isnan(db.matrix[:, cols]).any(axis=1))
    young = age < float(cfg["children"]["choking_age_below"])
    raw_groups = set(cfg["additions"]["raw_excluded_groups"])
    familiar = familiar_food_ids() | eaten
    raw_except = cfg["additions"]["raw_except_words"]
    mask = np.zeros(len(db), dtype=bool)
    for i, (desc, group) in enumerate(zip(db.descriptions, db.group_codes, strict=True)):
        if not known[i] or any(_excluded(desc, group, r) for r in rules):
            continue
        low = desc.lower()
        if any(n in low for n in names) or any(w in low for w in add_words) or group in avoid:
            continue
        if young and _choking(desc, group):
            continue
        if (
            group in raw_groups
            and ("raw" in low or "uncooked" in low)
            and not any(w in low for w in raw_except)
        ):
            continue
        if scope == "filtered" and db.ids[i] not in familiar:
            continue
        if scope == "all" and (idx.is_brand(i) or idx.is_baby(i) or idx.is_restaurant(i)):
            continue
        mask[i] = True
    return mask


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


# -- safety -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Safety:
    refer: bool
    supplement_allowed: bool
    with_clinician: list[str]
    monitor: list[str]
    no_rise: list[str]  # nutrients that must not rise (potassium, phosphorus)
    medicine_review: list[str]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "refer": self.refer,
            "supplement_with_clinician": bool(self.with_clinician),
            "clinician_reasons": self.with_clinician,
            "monitor": self.monitor,
            "must_not_rise": self.no_rise,
            "medicine_review": self.medicine_review,
        }


def _safety(base: Assessment) -> _Safety:
    cfg = settings()
    sc = cfg["safety"]
    mon = cfg["supplements"]["monitor"]
    p = base.profile
    person = p.person
    kid = base.kidney
    reasons: list[str] = []
    monitor: list[str] = []
    no_rise: list[str] = []
    review: list[str] = []
    notes: list[str] = []
    if kid.clinician:
        reasons.append(f"{kid.label} ({kid.source})")
        monitor += mon["kidney"]
        if kid.reduced_function:
            no_rise += ["potassium_mg", "phosphorus_mg"]
    elif base.egfr is not None and 30 <= base.egfr < 60:
        reasons.append(f"eGFR {base.egfr:.0f} (30-59)")
        monitor += mon["kidney"]
        no_rise += ["potassium_mg", "phosphorus_mg"]
    serum = base.markers.get("serum")
    if serum is not None and serum.value < float(sc["serum_low_mmol_l"]):
        reasons.append(f"serum magnesium {serum.value:.2f} mmol/L, below 0.75")
    classes = p.medication_classes()
    diuretic = bool(classes & medication_group("magnesium_wasting_diuretics"))
    if "ppi" in classes and diuretic:
        reasons.append("a proton-pump inhibitor with a diuretic")
        monitor += mon["ppi_diuretic"]
    if "ppi" in classes:
        review.append(sc["ppi_review"])
    if person.pregnant:
        reasons.append("pregnancy")
        monitor += mon["pregnancy"]
    if person.age < 18:
        reasons.append("age under 18")
        monitor += mon["child"]
    for c in base.conditions.recognised:
        if c.category != "kidney" and c.rule in ("clinician", "malabsorption"):
            reasons.append(c.text)
    if base.conditions.unrecognised:
        reasons.append(
            "condition(s) magnerve does not recognise: " + ", ".join(base.conditions.unrecognised)
        )
    monitor = [*dict.fromkeys([*monitor, *mon["default"]])] if reasons else []
    allowed = not kid.refer and not (
        p.medication_classes() & set(sc.get("clinician_only_medication_classes", []))
    )
    return _Safety(kid.refer, allowed, reasons, monitor, [*dict.fromkeys(no_rise)], review, notes)


def _supplement_review(
    profile: Profile, ul: float | None, refer: bool
) -> tuple[Profile, list[dict[str, Any]]]:
    """Reduce, split or switch the person's own magnesium supplements (safety first).

    Returns the profile with the reviewed supplements and the changes, each with a reason.
    """
    cfg = settings()["supplements"]
    poor = set(cfg["poorly_absorbed_forms"])
    daily = [supplement_daily(s) for s in profile.supplements]
    total = sum(d.magnesium_mg for d in daily)
    if total <= 0:
        return profile, []
    changes: list[dict[str, Any]] = []
    if refer:
        for s, d in zip(profile.supplements, daily, strict=True):
            if d.magnesium_mg > 0:
                changes.append(
                    {
                        "supplement": s.name,
                        "action": "ask before continuing",
                        "from_mg_per_day": round(d.magnesium_mg, 1),
                        "to_mg_per_day": None,
                        "reason": "with advanced kidney disease magnesium can build up in the "
                        "blood: ask your kidney doctor before taking any more",
                    }
                )
        return profile, changes
    scale = 1.0
    if ul is not None and total > ul:
        scale = ul / total
    new: list[Supplement] = []
    for s, d in zip(profile.supplements, daily, strict=True):
        if d.magnesium_mg <= 0:
            new.append(s)
            continue
        per_day = d.magnesium_mg * scale
        step = float(cfg["dose_step_mg"])
        if scale < 1.0:
            per_day = max(step, math.floor(per_day / step) * step)
        form = d.form
        upd: dict[str, Any] = {}
        reasons: list[str] = []
        if scale < 1.0:
            reasons.append(
                f"together your supplements give {total:.0f} mg/day, above the {ul:g} mg/day "
                "upper level for supplemental magnesium (diarrhoea is the first sign of too much)"
            )
        if form in poor:
            form = str(cfg["switch_to"])
            upd.update({"form": form, "salt_mg": None, "hydrate": None})
            reasons.append(f"magnesium {d.form} is poorly absorbed; " + str(cfg["form_reason"]))
        times = d.doses_per_day
        if per_day > float(cfg["split_above_mg"]) and times < 2:
            times = 2
            reasons.append(
                "split into two doses with meals: smaller doses are absorbed better (Fine 1991)"
            )
        if not s.with_food:
            upd["with_food"] = True
            reasons.append(
                "take it with a meal: absorbed better and gentler on the gut (Sabatier 2002)"
            )
        if not reasons:
            new.append(s)
            continue
        upd.update(
            {"elemental_mg": round(per_day / times, 1), "times_per_day": times, "salt_mg": None}
        )
        new.append(s.model_copy(update=upd))
        action = "reduce" if scale < 1.0 else ("switch" if form != d.form else "adjust")
        changes.append(
            {
                "supplement": s.name,
                "action": action,
                "from_mg_per_day": round(d.magnesium_mg, 1),
                "to_mg_per_day": round(per_day, 1),
                "form": form,
                "times_per_day": times,
                "with_food": True,
                "reason": "; ".join(reasons),
            }
        )
    return profile.model_copy(update={"supplements": new}), changes


def _energy_need(a: Assessment) -> float | None:
    """Estimated energy need [kcal/day]: Schofield BMR x the sedentary PAL 1.55 (Black 2000),
    when body weight is known."""
    e = a.energy
    if e is None or e.bmr_kcal is None:
        return None
    from magnerve.energy import _data as energy_data

    return float(e.bmr_kcal * energy_data()["goldberg"]["pal"])


def _conflict_message(name: str) -> str:
    return {
        "magnesium_target": "no realistic combination of foods reaches the magnesium target "
        "within the portion limits",
        "energy_up": "the additions would add too much energy",
        "energy_down": "removals would cut energy too far",
        "calcium_floor": "calcium would fall below its requirement",
        "protein_floor": "protein would fall below its requirement",
        "potassium_no_rise": "potassium must not rise (kidney disease)",
        "phosphorus_no_rise": "phosphorus must not rise (kidney disease)",
        "supplement_ul": "supplemental magnesium would exceed the upper level",
        "sodium_limit": "sodium would rise above its limit",
        "zinc_ul": "zinc would exceed its upper level",
        "vitamin_d_ul": "vitamin D would exceed its upper level",
        "vitamin_b6_efsa_ul": "vitamin B6 would exceed the EFSA upper level",
    }.get(name, name.replace("_", " "))


_CATEGORY_REASON = {
    "legumes": "beans, lentils and peas are among the richest everyday sources of magnesium",
    "soy": "soy foods such as tofu are good sources of magnesium",
    "nuts_seeds": "nuts and seeds are among the richest sources of magnesium (a small handful)",
    "nut_butters": "nut and seed butters carry the magnesium of the nuts",
    "whole_grains": "whole grains keep the magnesium that refining removes",
    "hot_cereal": "whole-grain cereals keep the magnesium that refining removes",
    "breakfast_cereals": "a whole-grain cereal adds magnesium at breakfast",
    "vegetables": "vegetables add magnesium and fibre",
    "oxalate_greens": "leafy greens are rich in magnesium, though their oxalate lowers how much "
    "is absorbed (kept to one portion)",
    "fruits": "fruit adds some magnesium",
    "milk": "milk adds magnesium and calcium",
    "yogurt": "yogurt adds magnesium and calcium",
    "fish": "fish adds magnesium",
}


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
    ca_mg_band: str = "none",
    assessment: Assessment | None = None,
) -> Plan:
    """Plan food changes (and, only if needed, a supplement) to reach a magnesium target, safely.

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
        Offer a magnesium supplement when food cannot reach the target (never with advanced
        kidney disease; "with your clinician" where a condition calls for it).
    supplement_forms : sequence of str, optional
        Forms the plan may suggest (default: ``data/plan.toml`` [supplements] forms).
    target : "ear", "rda" or a confidence in (0, 1)
        Magnesium intake target [mg/day]: the EAR, the RDA, or the mean intake giving that
        confidence of adequacy with the diary's number of days (IOM 2000). Intake is judged
        against the EAR (IOM 2000); absorption is reported as a sensitivity.
    fewest_changes : bool
        Penalise each new food more (fewer, larger changes).
    scope : {"filtered", "all"}
        Candidate foods: generic survey foods (default) or all SR28 foods.
    ca_mg_band : {"none", "upper", "both"}
        Ca:Mg is advice for adults, not a constraint (default "none"); "upper" keeps it at or
        below 2.8 and "both" within 1.7-2.8 (adults only; calcium never below its EAR).
    assessment : Assessment, optional
        The assessment of this diary and profile, when already made (it is not made again).

    Returns
    -------
    Plan
    """
    t_start = time.perf_counter()
    cfg = settings()
    db = load_database()
    person = profile.person
    if ca_mg_band not in ("upper", "both", "none"):
        raise PlanError("ca_mg_band must be 'none', 'upper' or 'both'")
    base0 = assessment if assessment is not None else assess(diary, profile)
    ref = ReferenceIntake(**base0.reference["magnesium"])
    if ref.ear is None or ref.rda is None or ref.requirement_sd is None:
        raise PlanError("no EAR/RDA for this life stage: a magnesium target cannot be set")
    safety = _safety(base0)
    notes: list[str] = list(safety.notes)
    before = _summary(base0)

    # the person's own supplements first: reduce above the UL, switch poorly absorbed forms
    profile2, supp_changes = _supplement_review(profile, ref.ul, safety.refer)
    base = assess(diary, profile2) if profile2 is not profile else base0

    n_days = max(len(base.days), 1)
    if isinstance(target, str):
        if target not in ("ear", "rda"):
            raise PlanError("target must be 'ear', 'rda' or a confidence between 0 and 1")
        target_mg = float(ref.ear if target == "ear" else ref.rda)
        target_info: dict[str, Any] = {"kind": target}
    else:
        if not 0 < float(target) < 1:
            raise PlanError("a confidence target must be between 0 and 1, e.g. 0.9")
        within = float(base.adequacy.get("within_person_sd") or 0.0)
        if base.adequacy.get("declined") or within <= 0:
            raise PlanError(
                "a confidence target needs the IOM individual method, which is declined for "
                "this diary ("
                + str(base.adequacy.get("declined", "no within-person SD"))
                + "); use --target ear or rda"
            )
        target_mg = required_mean_intake(
            float(target),
            n_days,
            ear=ref.ear,
            requirement_sd=ref.requirement_sd,
            within_person_sd=within,
        )
        target_info = {"kind": "confidence", "confidence": float(target)}
    target_info.update(
        {
            "magnesium_mg": target_mg,
            "reference_equivalent_mg": target_mg,
            "basis": "total magnesium intake (food, water, supplements) against the target; "
            "absorption is shown as a sensitivity",
        }
    )

    def finish(status: str, **kw: Any) -> Plan:
        return Plan(
            status,
            kw.get("changes", []),
            kw.get("supplement"),
            before,
            kw.get("after"),
            target_info,
            kw.get("conflicts", []),
            kw.get("binding", []),
            kw.get("worst"),
            kw.get("solver_ms", 0.0),
            notes,
            kw.get("n_candidates", 0),
            supp_changes,
            kw.get("referral"),
            safety.to_dict(),
            kw.get("summary", ""),
            (time.perf_counter() - t_start) * 1000.0,
        )

    # advanced kidney disease: refer, no magnesium- or potassium-raising plan
    if safety.refer:
        sc = cfg["safety"]
        return finish(
            "refer",
            after=before,
            referral={
                "to": sc["refer_to_kidney"],
                "reason": sc["refer_reason_kidney"],
                "kidney": base.kidney.to_dict(),
            },
            summary=f"Please see {sc['refer_to_kidney']}: {base.kidney.label}. magnerve does "
            "not make a magnesium plan at this stage of kidney disease.",
        )

    cur_total = float(base.to_dict()["intake"]["mean"]["total_mg"] or 0.0)
    if cur_total >= target_mg - 1e-9:
        after = _summary(base)
        msg = (
            f"Your magnesium intake ({cur_total:.0f} mg/day) already meets the target "
            f"({target_mg:.0f} mg/day): no change is needed for magnesium."
        )
        notes += [*safety.medicine_review, *_levers(base)]
        return finish("optimal", after=after, summary=msg)

    allow_supp = supplements and safety.supplement_allowed
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

    energy_now = float(base.nutrients_mean.get("energy_kcal") or 0.0)
    scale = portion_scale(person.age, energy_now)
    mask = _candidate_mask(db, pattern, exclude, exclude_foods, scope, person.age, frozenset(cur_g))
    mg_col = db.nutrient_position("magnesium_mg")
    lim = cfg["limits"]
    cand: list[int] = []
    serving: dict[int, tuple[str, float, float]] = {}
    for i in np.flatnonzero(mask).tolist():
        sv = _serving(db, i, scale)
        if sv is None:
            continue
        if float(db.matrix[i, mg_col]) * sv[2] / 200.0 < float(lim["min_change_mg"]):
            continue  # half a serving adds too little magnesium to be worth a step
        cand.append(i)
        serving[i] = sv
    current = [db.index[k] for k in cur_g]
    forced_out = [i for i in current if not _allowed(db, i, pattern, exclude, exclude_foods)]
    if person.age < float(cfg["children"]["choking_age_below"]):
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
    cand_set = set(cand)

    cols = [db.nutrient_position(k) for k in _NUTRIENTS]
    serv_g = np.array([serving[i][2] if i in serving else 0.0 for i in var_foods])
    per100 = db.matrix[np.ix_(var_foods, cols)]
    unknown_optional: npt.NDArray[np.bool_] = np.asarray(np.isnan(per100[:, _N_CORE:]).any(axis=1))
    per100 = np.nan_to_num(per100, nan=0.0)
    # additions are counted in half servings (½ cup, ½ oz ...): realistic and finer steps
    per = per100 * (serv_g[:, None] / 200.0)  # per added half serving
    cur_grams = np.array([cur_g.get(db.ids[i], 0.0) for i in var_foods])
    quarter = per100 * (cur_grams[:, None] / 400.0)  # per quarter of the current amount
    j = {k: n for n, k in enumerate(_NUTRIENTS)}

    is_new = cur_grams == 0
    is_cand = np.array([i in cand_set for i in var_foods])
    cats = [food_category(db.descriptions[i], db.group_codes[i]) for i in var_foods]
    diet_density = float(base.nutrients_mean.get("magnesium_mg") or 0.0) / max(energy_now, 1.0)
    q_kcal = quarter[:, j["energy_kcal"]]
    q_mg = quarter[:, j["magnesium_mg"]]
    dens = np.divide(q_mg, q_kcal, out=np.full(nf, np.inf), where=q_kcal > 0)
    removable = (
        (cur_grams >= float(lim["min_removable_g"]))
        & (cur_grams * per100[:, j["energy_kcal"]] / 100.0 >= float(lim["min_removable_kcal"]))
        & (dens < diet_density)
    )
    forced = np.zeros(nf, dtype=bool)
    for i in forced_out:
        forced[pos[i]] = True

    # supplement options: elemental mg/day in steps, up to the UL left by current supplements
    supp_now = sum(s.magnesium_mg for s in base.supplements)
    ul_left = (ref.ul if ref.ul is not None else math.inf) - supp_now
    opts: list[dict[str, Any]] = []
    if allow_supp and ul_left > 0:
        sc = cfg["supplements"]
        step = float(sc["dose_step_mg"])
        gap = target_mg - cur_total
        top = min(ul_left, math.ceil(gap / step) * step + step)
        dose = step
        form = forms[0]
        while dose <= top + 1e-9:
            times = 2 if dose > float(sc["split_above_mg"]) else 1
            opts.append(
                {
                    "form": form,
                    "elemental_mg_per_day": dose,
                    "times_per_day": times,
                    "elemental_mg_per_dose": dose / times,
                    "tablet_elemental_mg": dose / times,
                    "tablets_per_dose": 1,
                }
            )
            dose += step
    no = len(opts)
    opt_mg = np.array([o["elemental_mg_per_day"] for o in opts])

    w = cfg["weights"]
    pref = cfg["preference"]
    new_cost = w["new_food_fixed"] * (w["fewest_changes_multiplier"] if fewest_changes else 1.0)
    c_p = np.where(is_new, w["add_new"] + new_cost, w["keep_familiar"]).astype(float)
    c_p -= w["magnesium_density_preference"] * np.minimum(per[:, j["magnesium_mg"]] / 100.0, 1.0)
    c_p -= np.array([pref["prefer_discount"] if c in pref["prefer"] else 0.0 for c in cats])
    c_p += np.array([pref["oxalate_surcharge"] if c == "oxalate_greens" else 0.0 for c in cats])
    c_p = np.maximum(c_p, 0.05)
    c_q = np.full(nf, float(w["remove_quarter"]))
    c_y = w["supplement"] + w["supplement_per_100mg"] * opt_mg / 100.0

    # constraint rows on the change: name, coefficients on p (servings added), q (quarters
    # removed), y (supplement option), lower, upper
    rows: list[tuple[str, FloatArray, FloatArray, FloatArray, float, float]] = []
    zeros_y = np.zeros(no)

    def nut(k: str) -> tuple[FloatArray, FloatArray]:
        return per[:, j[k]], quarter[:, j[k]]

    def row(name: str, key: str, lo: float, hi: float, vy: FloatArray | None = None) -> None:
        vp, vq = nut(key)
        rows.append((name, vp, -vq, zeros_y if vy is None else vy, lo, hi))

    row("magnesium_target", "magnesium_mg", target_mg - cur_total, math.inf, opt_mg)
    down = float(lim["energy_tolerance_down"])
    if (
        person.age < 18
        or person.pregnant
        or person.lactating
        or (base.energy is not None and base.energy.under_reporting)
    ):
        down = 0.0
    up = max(float(lim["energy_tolerance_up"]) * energy_now, float(lim["energy_room_min_kcal"]))
    need = _energy_need(base)
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
    b6_ul = float(thresholds()["vitamin_b6"]["efsa_ul_mg_per_day"])
    zn_now = float(nm.get("zinc_mg") or 0.0) + sum(s.zinc_mg for s in base.supplements)
    vd_now = float(nm.get("vitamin_d_ug") or 0.0) + sum(s.vitamin_d_ug for s in base.supplements)
    b6_now = float(nm.get("vitamin_b6_mg") or 0.0) + sum(s.vitamin_b6_mg for s in base.supplements)
    na_now = float(nm.get("sodium_mg") or 0.0)
    row("zinc_ul", "zinc_mg", -math.inf, max(zn_ul - zn_now, 0.0))
    row("vitamin_d_ul", "vitamin_d_ug", -math.inf, max(vd_ul - vd_now, 0.0))
    row("vitamin_b6_efsa_ul", "vitamin_b6_mg", -math.inf, max(b6_ul - b6_now, 0.0))
    row("sodium_limit", "sodium_mg", -math.inf, max(na_now, float(lim["sodium_cdrr_mg"])) - na_now)
    band = thresholds()["ca_mg_ratio"]
    ca_tot = ca_now + sum(s.calcium_mg for s in base.supplements)
    if person.age >= 18 and ca_mg_band in ("upper", "both"):
        hi_r = float(band["high_band_above"])
        vp = per[:, j["calcium_mg"]] - hi_r * per[:, j["magnesium_mg"]]
        vq = quarter[:, j["calcium_mg"]] - hi_r * quarter[:, j["magnesium_mg"]]
        rows.append(
            ("ca_mg_ratio_high", vp, -vq, -hi_r * opt_mg, -math.inf, -(ca_tot - hi_r * cur_total))
        )
        if ca_mg_band == "both":
            lo_r = float(band["low_band_below"])
            vp = per[:, j["calcium_mg"]] - lo_r * per[:, j["magnesium_mg"]]
            vq = quarter[:, j["calcium_mg"]] - lo_r * quarter[:, j["magnesium_mg"]]
            rows.append(
                ("ca_mg_ratio_low", vp, -vq, -lo_r * opt_mg, -(ca_tot - lo_r * cur_total), math.inf)
            )
    elif person.age >= 18 and cur_total > 0:
        ratio = ca_tot / cur_total
        if ratio < float(band["low_band_below"]) or ratio > float(band["high_band_above"]):
            notes.append(
                f"calcium-to-magnesium ratio {ratio:.1f} (suggested 1.7-2.8, Rosanoff 2016): "
                "advice only, not a plan constraint"
            )

    ns = len(rows)
    # linking rows: category caps, family caps, new-food count, one supplement option
    e_scale = min(max(energy_now / float(lim["reference_energy_kcal"]), 0.5), 1.5)
    caps = cfg["category_caps"]
    cat_rows: list[tuple[list[int], float]] = []
    for c in sorted(set(cats)):
        members = [k for k in range(nf) if cats[k] == c and is_cand[k]]
        if not members:
            continue
        cap = float(caps.get(c, caps["other"]))
        cap = 0.0 if cap == 0 else 2.0 * max(1.0, math.floor(cap * e_scale))  # half servings
        cat_rows.append((members, cap))
    fam_rows = [
        (m, 2.0 * float(cfg["additions"]["max_servings_per_family"]))
        for m in _families(db, var_foods, is_cand)
    ]
    link = [*cat_rows, *fam_rows]
    nvar = 2 * nf + no + 2 * ns
    n_rows = ns + len(link) + 2
    A = lil_matrix((n_rows, nvar))
    lo_b = np.empty(n_rows)
    hi_b = np.empty(n_rows)
    for r, (_, vp, vq, vy, lo, hi) in enumerate(rows):
        A[r, 0:nf] = vp
        A[r, nf : 2 * nf] = vq
        if no:
            A[r, 2 * nf : 2 * nf + no] = vy
        A[r, 2 * nf + no + r] = 1.0  # +s_lo relaxes the lower bound
        A[r, 2 * nf + no + ns + r] = -1.0  # -s_hi relaxes the upper bound
        lo_b[r], hi_b[r] = lo, hi
    for r, (members, cap) in enumerate(link, start=ns):
        A[r, members] = 1.0
        lo_b[r], hi_b[r] = 0.0, cap
    r_new = ns + len(link)
    A[r_new, 0:nf] = is_new.astype(float)
    lo_b[r_new] = 0.0
    hi_b[r_new] = 2.0 * float(lim["max_new_foods"]) * float(lim["max_servings_per_new_food"])
    if no:
        A[r_new + 1, 2 * nf : 2 * nf + no] = 1.0
    lo_b[r_new + 1], hi_b[r_new + 1] = 0.0, 1.0

    lb = np.zeros(nvar)
    ub_p = 2.0 * np.where(
        is_new, float(lim["max_servings_per_new_food"]), float(lim["max_extra_servings_familiar"])
    )
    # variety: no single food carries more than half of the magnesium gap, beyond its
    # smallest portion (one half serving)
    half_mg = per[:, j["magnesium_mg"]]
    gap = target_mg - cur_total
    share_cap = np.floor(
        np.divide(
            float(lim["max_share_of_gap"]) * gap, half_mg, out=np.full(nf, 99.0), where=half_mg > 0
        )
    )
    ub_p = np.minimum(ub_p, np.maximum(share_cap, 1.0))
    ub = np.concatenate(
        [
            np.where(is_cand & ~forced, ub_p, 0.0),
            np.where(removable | forced, 4.0, 0.0),
            np.ones(no),
            np.full(2 * ns, np.inf),
        ]
    )
    lb[nf : 2 * nf] = np.where(forced, 4.0, 0.0)
    integrality = np.concatenate([np.ones(2 * nf), np.ones(no), np.zeros(2 * ns)])
    cost = np.concatenate([c_p, c_q, c_y, np.full(2 * ns, _BIG_SLACK)])
    A_csr = csr_matrix(A)
    t_solve = time.perf_counter()
    result = solve_milp(cost, A_csr, lo_b, hi_b, integrality, lb, ub)
    solver_ms = (time.perf_counter() - t_solve) * 1000.0
    if result.x is None:
        return finish(
            "error",
            conflicts=[{"constraint": "solver", "message": result.message}],
            n_candidates=len(cand),
            summary="The optimiser failed; please report this.",
        )
    x = result.x
    slack = x[2 * nf + no :]
    if np.any(slack > 1e-6):
        conflicts = []
        for r, (name, *_rest) in enumerate(rows):
            s_lo, s_hi = slack[r], slack[ns + r]
            if s_lo > 1e-6 or s_hi > 1e-6:
                conflicts.append(
                    {
                        "constraint": name,
                        "shortfall": round(float(s_lo), 2) if s_lo > 1e-6 else None,
                        "excess": round(float(s_hi), 2) if s_hi > 1e-6 else None,
                        "message": _conflict_message(name),
                    }
                )
        msg = "No plan meets every rule: " + "; ".join(str(c["message"]) for c in conflicts) + "."
        if not allow_supp and supplements:
            msg += " A supplement is not offered here; ask your clinician."
        return finish("infeasible", conflicts=conflicts, n_candidates=len(cand), summary=msg)

    sol = _Solution(
        diary,
        profile2,
        db,
        var_foods,
        serving,
        cur_grams,
        opts,
        meals,
        meal_of,
        np.round(x[:nf]),
        np.round(x[nf : 2 * nf]),
        x[2 * nf : 2 * nf + no],
    )
    changes = sol.changes(cats, forced, pattern, exclude, exclude_foods)
    supp = sol.supplement()
    if supp is not None:
        supp["with_food"] = True
        supp["reason"] = "food changes within realistic portions do not reach the target; " + str(
            cfg["supplements"]["form_reason"]
        )
        supp["with_clinician"] = bool(safety.with_clinician)
        supp["clinician_reasons"] = safety.with_clinician
        supp["monitor"] = safety.monitor
        supp["note"] = "take it with meals, apart from interacting medicines" + (
            "; only with your clinician's agreement" if safety.with_clinician else ""
        )
    plan_after = sol.evaluate()
    after = _summary(plan_after)
    binding = _binding(rows, var_foods, nf, no, ns, A_csr, lo_b, hi_b, cost, lb, ub)
    worst = sol.worst_case(target_mg)
    for cls in base.safety["drug_spacing"]:
        notes.append(
            f"space magnesium and {cls.replace('_', ' ')} doses (see the medicine's leaflet)"
        )
    notes += safety.medicine_review
    notes += _levers(base)
    if nf and bool(unknown_optional[sol.pv > 0.5].any()):
        notes.append(
            "some added foods have no SR28 value for vitamin D or B6: those limits used "
            "known values"
        )
    n_steps = len(changes) + (1 if supp else 0) + len(supp_changes)
    summary = (
        f"{n_steps} {'step takes' if n_steps == 1 else 'steps take'} magnesium intake from "
        f"{cur_total:.0f} to "
        f"{after['magnesium_mg']:.0f} mg/day (target {target_mg:.0f})."
    )
    if supp and safety.with_clinician:
        summary += (
            " The supplement only with your clinician: " + "; ".join(safety.with_clinician) + "."
        )
    return finish(
        "optimal",
        changes=changes,
        supplement=supp,
        after=after,
        binding=binding,
        worst=worst,
        n_candidates=len(cand),
        summary=summary,
        solver_ms=solver_ms,
    )


@dataclass(slots=True)
class _Solution:
    """A solved plan with what is needed to describe and re-assess it."""

    diary: Diary
    profile: Profile
    db: FoodDatabase
    var_foods: list[int]
    serving: dict[int, tuple[str, float, float]]
    cur_grams: FloatArray
    opts: list[dict[str, Any]]
    meals: list[str]
    meal_of: dict[str, Counter[str]]
    pv: FloatArray  # servings added
    qv: FloatArray  # quarters removed
    yv: FloatArray

    def meal(self, i: int) -> str | None:
        ndb = self.db.ids[i]
        if ndb in self.meal_of:
            return self.meal_of[ndb].most_common(1)[0][0] or None
        return _meal_for(self.db.group_codes[i], self.meals)

    def changes(
        self,
        cats: list[str],
        forced: npt.NDArray[np.bool_],
        pattern: str,
        exclude: Sequence[str],
        exclude_foods: Sequence[str],
    ) -> list[PlanChange]:
        from magnerve.foods import friendly_name

        db = self.db
        mg_col = db.nutrient_position("magnesium_mg")
        out = []
        for k, i in enumerate(self.var_foods):
            added = float(self.pv[k])
            removed_share = float(self.qv[k]) / 4.0
            mg100 = float(np.nan_to_num(db.matrix[i, mg_col]))
            name = friendly_name(db.descriptions[i])
            if added > 0.5:
                unit, amt, g = self.serving[i]
                added /= 2.0  # half servings -> servings
                mg = mg100 * g * added / 100.0
                familiar = self.cur_grams[k] > 0
                why = f"adds about {mg:.0f} mg of magnesium a day"
                if familiar:
                    why += "; you already eat it"
                cat_why = _CATEGORY_REASON.get(cats[k])
                if cat_why:
                    why += f"; {cat_why}"
                out.append(
                    PlanChange(
                        db.ids[i],
                        db.descriptions[i],
                        "increase" if familiar else "add",
                        amt * added,
                        unit,
                        g * added,
                        self.meal(i),
                        mg,
                        why,
                        name,
                    )
                )
            elif removed_share > 0:
                grams = float(self.cur_grams[k]) * removed_share
                mg = -mg100 * grams / 100.0
                if forced[k]:
                    why = (
                        f"not part of a {pattern} diet"
                        if not _allowed(db, i, pattern, (), ())
                        else "excluded by your choices ("
                        + ", ".join([str(x) for x in (*exclude, *exclude_foods)])
                        + ")"
                    )
                else:
                    why = (
                        "makes room for the added foods so that energy stays near what you eat "
                        "now; it gives little magnesium for its calories"
                    )
                action = "remove" if removed_share >= 1.0 - 1e-9 else "decrease"
                share_text = {0.25: "a quarter", 0.5: "half", 0.75: "three quarters"}
                out.append(
                    PlanChange(
                        db.ids[i],
                        db.descriptions[i],
                        action,
                        removed_share,
                        share_text.get(removed_share, f"{removed_share:.0%}")
                        + " of what you eat now:",
                        grams,
                        self.meal(i),
                        mg,
                        why,
                        name,
                    )
                )
        out.sort(key=lambda c: (c.action in ("remove", "decrease"), -abs(c.magnesium_mg)))
        return out

    def inputs(self) -> tuple[dict[str, float], list[tuple[int, float, str | None]]]:
        removed: dict[str, float] = {}
        added: list[tuple[int, float, str | None]] = []
        for k, i in enumerate(self.var_foods):
            if self.qv[k] > 0 and self.cur_grams[k] > 0:
                removed[self.db.ids[i]] = min(1.0, float(self.qv[k]) / 4.0)
            n = round(float(self.pv[k]))
            if n > 0:
                added.append((i, n * self.serving[i][2] / 2.0, self.meal(i)))
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
                elemental_mg=o["elemental_mg_per_dose"],
                times_per_day=o["times_per_day"],
                with_food=True,
            )
            profile = profile.model_copy(update={"supplements": [*profile.supplements, s]})
        return assess(
            _modified_diary(self.diary, removed, added, self.db), profile, absorption_km=km
        )

    def worst_case(self, target_mg: float) -> dict[str, Any]:
        """Absorption sensitivity: effective and reference-equivalent intake at both ends of
        the Km range."""
        lo, hi = ab._data()["model"]["km"]["range"]
        eff: dict[str, float] = {}
        re: dict[str, float] = {}
        for km in (lo, hi):
            d = self.evaluate(km).to_dict()["absorption"]
            eff[f"km_{km:g}"] = float(d["effective_intake_mg"] or 0.0)
            re[f"km_{km:g}"] = float(d["reference_equivalent_mg"] or 0.0)
        worst = min(eff.values())
        return {
            "effective_intake_mg_by_km": eff,
            "worst_effective_intake_mg": worst,
            "reference_equivalent_mg_by_km": re,
            "worst_reference_equivalent_mg": min(re.values()),
            "meets_target_in_worst_case": worst >= target_mg - 1e-6,
            "note": "absorption sensitivity: intake scaled by modelled absorption (band "
            "0.75-1.25), with the half-saturation constant Km over 36-66 mg",
        }


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

    if len(live) < _SMALL_MODEL:  # small models: HiGHS alone is faster than fixing first
        return run(np.arange(len(live)))
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
    from magnerve.clinical import markers

    caffeine = a.nutrients_mean.get("caffeine_mg") or 0.0
    drinks = (a.profile.lifestyle.alcohol_drinks_per_week or 0.0) / 7
    caffeine_high = float(thresholds()["lifestyle_thresholds"]["caffeine_high_mg_per_day"])
    hd = markers()["mds"]["components"]["heavy_drinking"]
    drinks_high = float(hd[f"drinks_per_day_above_{a.profile.person.sex}"])
    if caffeine > caffeine_high:
        out.append(
            f"lever: caffeine {caffeine:.0f} mg/day; cutting down reduces a small extra urinary "
            "magnesium loss (Kynast-Gales & Massey 1994: about 4 mg per day after two large doses)"
        )
    if drinks > drinks_high:
        out.append(
            f"lever: alcohol {drinks:.1f} drinks/day; drinking less reduces urinary magnesium loss "
            "(alcohol raises it acutely, Flink 1986)"
        )
    return out
