"""The plan's rules: settings, options, candidate foods, portions, safety and the target.

Everything here reads ``data/plan.toml`` (and the food database); nothing solves anything.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from magnerve.adequacy import required_mean_intake
from magnerve.assessment import Assessment, supplement_daily
from magnerve.errors import InputError
from magnerve.foods import FoodDatabase, food_family, food_flags, load_database, racc_grams
from magnerve.profile import Profile, Supplement, medication_group
from magnerve.registry import PlanData, WordRule, get_registry, registry_cache
from magnerve.requirements import ReferenceIntake

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

CORE_NUTRIENTS = ("magnesium_mg", "energy_kcal", "calcium_mg", "zinc_mg", "sodium_mg", "protein_g")
"""Nutrients a candidate food must have an SR28 value for."""


class PlanError(InputError):
    """Bad plan options (unknown pattern or exclusion...)."""


def _option_error(field: str, message: str) -> PlanError:
    err = PlanError(message)
    err.loc = ("options", field)
    return err


def settings() -> Mapping[str, Any]:
    """``data/plan.toml`` of the active registry as written (read-only tables; lists as
    tuples). The plan reads the typed section (:func:`plan_data`)."""
    return plan_data().raw


def plan_data() -> PlanData:
    """The typed ``data/plan.toml`` of the active registry."""
    return get_registry().section("plan")


def _exclusion_key(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """What the person asks of a plan (validated on creation; see :func:`make_plan`).

    Attributes
    ----------
    pattern : {"omnivore", "pescatarian", "vegetarian", "vegan"}
    exclude : tuple of str
        Exclusions from ``data/plan.toml`` (tree_nuts, peanuts, gluten, soy, dairy, fish,
        shellfish, egg).
    exclude_foods : tuple of str
        Words of foods never to suggest (e.g. "liver").
    supplements : bool
        Offer a magnesium supplement when food cannot reach the target.
    supplement_forms : tuple of str or None
        Forms the plan may suggest (default: ``data/plan.toml`` [supplements] forms).
    target : "ear", "rda" or float
        The EAR, the RDA, or a confidence of adequacy in (0, 1).
    fewest_changes : bool
        Penalise each new food more (fewer, larger changes).
    scope : {"filtered", "all"}
        Candidate foods: familiar and eaten foods, or all generic SR28 foods.
    ca_mg_band : {"none", "upper", "both"}
        Ca:Mg as a constraint (adults only); advice only by default.

    Raises
    ------
    PlanError
        For an unknown pattern, exclusion, target, scope or Ca:Mg band (``loc`` names it).
    """

    pattern: str = "omnivore"
    exclude: tuple[str, ...] = ()
    exclude_foods: tuple[str, ...] = ()
    supplements: bool = True
    supplement_forms: tuple[str, ...] | None = None
    target: str | float = "rda"
    fewest_changes: bool = False
    scope: str = "filtered"
    ca_mg_band: str = "none"

    def __post_init__(self) -> None:
        cfg = plan_data()
        if self.ca_mg_band not in ("upper", "both", "none"):
            raise _option_error("ca_mg_band", "ca_mg_band must be 'none', 'upper' or 'both'")
        if self.pattern not in cfg.patterns:
            raise _option_error(
                "pattern",
                f"unknown pattern {self.pattern!r}; use one of {', '.join(cfg.patterns)}",
            )
        for ex in self.exclude:
            if _exclusion_key(ex) not in cfg.exclusions:
                raise _option_error(
                    "exclude",
                    f"unknown exclusion {ex!r}; use one of {', '.join(cfg.exclusions)}",
                )
        if self.scope not in ("filtered", "all"):
            raise _option_error("scope", "scope must be 'filtered' or 'all'")
        if isinstance(self.target, str):
            if self.target not in ("ear", "rda"):
                raise _option_error(
                    "target", "target must be 'ear', 'rda' or a confidence between 0 and 1"
                )
        elif not 0 < float(self.target) < 1:
            raise _option_error("target", "a confidence target must be between 0 and 1, e.g. 0.9")


# -- the target -------------------------------------------------------------------------------


def magnesium_reference(a: Assessment) -> ReferenceIntake:
    """The magnesium reference intake of the assessed person, with an EAR and RDA.

    Raises
    ------
    PlanError
        When the life stage has no EAR/RDA (no target can be set).
    """
    ref = ReferenceIntake(**a.reference["magnesium"])
    if ref.ear is None or ref.rda is None or ref.requirement_sd is None:
        raise PlanError("no EAR/RDA for this life stage: a magnesium target cannot be set")
    return ref


def plan_target(a: Assessment, target: str | float) -> tuple[float, dict[str, Any]]:
    """Magnesium intake target [mg/day] and its description (the plan's ``target``).

    Parameters
    ----------
    a : Assessment
        The person's assessment (its adequacy gives the within-person SD).
    target : "ear", "rda" or float
        A confidence in (0, 1) asks for the mean intake giving that confidence of adequacy
        with the diary's number of days (IOM 2000).
    """
    ref = magnesium_reference(a)
    assert ref.ear is not None and ref.rda is not None and ref.requirement_sd is not None
    if isinstance(target, str):
        if target not in ("ear", "rda"):
            raise _option_error(
                "target", "target must be 'ear', 'rda' or a confidence between 0 and 1"
            )
        target_mg = float(ref.ear if target == "ear" else ref.rda)
        info: dict[str, Any] = {"kind": target}
    else:
        if not 0 < float(target) < 1:
            raise _option_error("target", "a confidence target must be between 0 and 1, e.g. 0.9")
        within = float(a.adequacy.get("within_person_sd") or 0.0)
        if a.adequacy.get("declined") or within <= 0:
            raise _option_error(
                "target",
                "a confidence target needs the IOM individual method, which is declined for "
                "this diary ("
                + str(a.adequacy.get("declined", "no within-person SD"))
                + "); use --target ear or rda",
            )
        target_mg = required_mean_intake(
            float(target),
            max(len(a.days), 1),
            ear=ref.ear,
            requirement_sd=ref.requirement_sd,
            within_person_sd=within,
        )
        info = {"kind": "confidence", "confidence": float(target)}
    info.update(
        {
            "magnesium_mg": target_mg,
            "reference_equivalent_mg": target_mg,
            "basis": "total magnesium intake (food, water, supplements) against the target; "
            "absorption is shown as a sensitivity",
        }
    )
    return target_mg, info


def current_total_mg(a: Assessment) -> float:
    """Mean total magnesium intake (food, water, supplements) [mg/day], as reported."""
    return float(a.to_dict()["intake"]["mean"]["total_mg"] or 0.0)


# -- foods: portions, candidates, families ----------------------------------------------------


def portion_scale(age: float, energy_kcal: float | None) -> float:
    """Portion factor: 1 for adults; for children reported energy / 2,000 kcal within
    ``[child_portion_scale_min, child_portion_scale_max]`` (``data/plan.toml``)."""
    lim = plan_data().limits
    if age >= 18:
        return 1.0
    e = energy_kcal or 0.0
    s = e / float(lim.reference_energy_kcal) if e > 0 else lim.child_portion_scale_min
    return float(min(max(s, lim.child_portion_scale_min), lim.child_portion_scale_max))


@registry_cache.bounded(65536)
def serving(i: int, scale: float) -> tuple[str, float, float] | None:
    """A food's plan serving: (household measure, amount of it, grams) near its RACC x scale.

    Parameters
    ----------
    i : int
        Database row of the food.
    scale : float
        Portion factor (:func:`portion_scale`).
    """
    db = load_database()
    cfg = plan_data()
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
    if (
        best is None
        or not (cfg.serving_min_g <= best[3] <= cfg.serving_max_g)
        or best[0] > 0.5 + math.log(2.0)
    ):
        return None
    return best[1], best[2], best[3]


@registry_cache
def familiar_food_ids() -> frozenset[str]:
    """SR28 ids of the familiar foods the plan may add (``data/familiar_foods.toml``)."""
    lists = get_registry().section("familiar_foods").lists
    return frozenset(str(v) for sect in lists.values() for v in sect.values())


def _choking(desc: str, group: str) -> bool:
    c = plan_data().children
    d = desc.lower()
    if any(w in d for w in c.choking_except_words):
        return False
    return group in c.choking_groups or any(w in d for w in c.choking_words)


def _as_rule(table: Mapping[str, Any]) -> WordRule:
    """A ``[patterns.*]`` or ``[exclusions.*]`` table as written, as its typed rule."""
    return WordRule(
        tuple(table.get("groups", table.get("exclude_groups", ()))),
        tuple(table.get("words", table.get("exclude_words", ()))),
        tuple(table.get("except_words", table.get("exclude_words_except", ()))),
        tuple(table.get("avoid_adding_groups", ())),
    )


def _excluded(desc: str, group: str, rule: WordRule | Mapping[str, Any]) -> bool:
    """Food ``desc`` of SR28 ``group`` is ruled out by a pattern or exclusion (a typed rule,
    or its ``plan.toml`` table as written)."""
    if not isinstance(rule, WordRule):
        rule = _as_rule(rule)
    d = desc.lower()
    if group in rule.groups:
        return True
    words = rule.words
    if not any(w in d for w in words):
        return False
    exceptions = rule.except_words
    hit = [w for w in words if w in d]
    # an exception word covers the hit ("peanut butter" is not dairy butter)
    return not all(any(w in e and e in d for e in exceptions) for w in hit)


def _allowed(
    db: FoodDatabase, i: int, pattern: str, exclude: Sequence[str], names: Sequence[str]
) -> bool:
    cfg = plan_data()
    rules = [cfg.patterns[pattern]] + [cfg.exclusions[_exclusion_key(e)] for e in exclude]
    desc, group = db.descriptions[i], db.group_codes[i]
    if any(_excluded(desc, group, r) for r in rules):
        return False
    return not any(n.strip().lower() in desc.lower() for n in names)


@registry_cache.bounded(16)
def _rules(pattern: str, exclude: tuple[str, ...]) -> tuple[WordRule, ...]:
    cfg = plan_data()
    return (cfg.patterns[pattern], *(cfg.exclusions[_exclusion_key(e)] for e in exclude))


@cache
def _known_core() -> BoolArray:
    """Foods with an SR28 value for every core nutrient."""
    db = load_database()
    cols = [db.nutrient_position(k) for k in CORE_NUTRIENTS]
    known: BoolArray = np.asarray(~np.isnan(db.matrix[:, cols]).any(axis=1))
    known.flags.writeable = False
    return known


def _may_add(
    i: int, pattern: str, exclude: tuple[str, ...], names: tuple[str, ...], young: bool
) -> bool:
    """The pattern, the exclusions and the addition rules allow adding food row ``i``."""
    cfg = plan_data()
    db = load_database()
    if not _known_core()[i]:
        return False
    desc, group = db.descriptions[i], db.group_codes[i]
    if any(_excluded(desc, group, r) for r in _rules(pattern, exclude)):
        return False
    low = desc.lower()
    adds = cfg.additions
    avoid = {*cfg.patterns[pattern].avoid_adding_groups, *adds.avoid_groups}
    if any(n in low for n in names) or any(w in low for w in adds.exclude_words):
        return False
    if group in avoid or (young and _choking(desc, group)):
        return False
    return not (
        group in adds.raw_excluded_groups
        and ("raw" in low or "uncooked" in low)
        and not any(w in low for w in adds.raw_except_words)
    )


@registry_cache.bounded(64)
def _rule_mask(
    pattern: str, exclude: tuple[str, ...], names: tuple[str, ...], young: bool
) -> BoolArray:
    """:func:`_may_add` for every food (read-only)."""
    n = len(load_database())
    mask = np.fromiter(
        (_may_add(i, pattern, exclude, names, young) for i in range(n)), dtype=bool, count=n
    )
    mask.flags.writeable = False
    return mask


def candidate_mask(
    db: FoodDatabase,
    options: PlanOptions,
    age: float,
    eaten: frozenset[str] = frozenset(),
) -> BoolArray:
    """Foods the plan may add, in database row order.

    Parameters
    ----------
    db : FoodDatabase
    options : PlanOptions
        Pattern, exclusions and scope ("filtered": familiar foods and those eaten; "all": every
        generic food, no branded, baby or restaurant foods).
    age : float
        Age [years]; no whole nuts, seeds or popcorn below ``[children] choking_age_below``.
    eaten : frozenset of str
        SR28 ids the person already eats.
    """
    names = tuple(n.strip().lower() for n in options.exclude_foods if n.strip())
    young = age < float(plan_data().children.choking_age_below)
    rules = (options.pattern, tuple(options.exclude), names, young)
    if options.scope == "filtered":  # a few hundred foods: no need to judge all 8,789
        out: BoolArray = np.zeros(len(db), dtype=bool)
        for k in familiar_food_ids() | eaten:
            i = db.index.get(k)
            if i is not None and _may_add(i, *rules):
                out[i] = True
        return out
    out = _rule_mask(*rules) & food_flags().generic
    return out


def families(db: FoodDatabase, rows: Sequence[int]) -> list[list[int]]:
    """Positions in ``rows`` grouped by food family (:func:`magnerve.foods.food_family`, e.g.
    "spinach" for raw and cooked spinach); only families with two or more members."""
    fams: dict[str, list[int]] = {}
    for k, i in enumerate(rows):
        fams.setdefault(food_family(db.descriptions[i]), []).append(k)
    return [m for m in fams.values() if len(m) > 1]


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


def meal_for(group: str, meals: Sequence[str]) -> str | None:
    """The meal where a food of an SR28 group is usually eaten, among the diary's meals."""
    if not meals:
        return None
    for m in _MEAL_PREF.get(group, ("lunch", "dinner")):
        for have in meals:
            if m in have.lower():
                return have
    return meals[len(meals) // 2]


# -- safety -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Safety:
    """How safety shapes a plan (see ``data/plan.toml`` [safety]).

    Attributes
    ----------
    refer : bool
        Advanced kidney disease: no magnesium-raising plan.
    supplement_allowed : bool
        A supplement may be offered at all.
    with_clinician : list of str
        Reasons a supplement needs the clinician's agreement.
    monitor : list of str
        What to monitor with a supplement.
    no_rise : list of str
        Nutrient keys that must not rise (potassium, phosphorus).
    medicine_review : list of str
        Medicines to review.
    notes : list of str
    """

    refer: bool
    supplement_allowed: bool
    with_clinician: list[str]
    monitor: list[str]
    no_rise: list[str]
    medicine_review: list[str]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (the plan's ``safety``)."""
        return {
            "refer": self.refer,
            "supplement_with_clinician": bool(self.with_clinician),
            "clinician_reasons": self.with_clinician,
            "monitor": self.monitor,
            "must_not_rise": self.no_rise,
            "medicine_review": self.medicine_review,
        }


def plan_safety(base: Assessment) -> Safety:
    """Safety routing of a plan from the assessment (kidney, serum, medicines, pregnancy,
    age, conditions)."""
    cfg = plan_data()
    sc = cfg.safety
    mon = cfg.supplements.monitor
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
    if serum is not None and serum.value < float(sc.serum_low_mmol_l):
        reasons.append(f"serum magnesium {serum.value:.2f} mmol/L, below {sc.serum_low_mmol_l:g}")
    classes = p.medication_classes()
    diuretic = bool(classes & medication_group("magnesium_wasting_diuretics"))
    if "ppi" in classes and diuretic:
        reasons.append("a proton-pump inhibitor with a diuretic")
        monitor += mon["ppi_diuretic"]
    if "ppi" in classes:
        review.append(sc.ppi_review)
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
        p.medication_classes() & set(sc.clinician_only_medication_classes)
    )
    return Safety(kid.refer, allowed, reasons, monitor, [*dict.fromkeys(no_rise)], review, notes)


def supplement_review(
    profile: Profile, ul: float | None, refer: bool
) -> tuple[Profile, list[dict[str, Any]]]:
    """Reduce, split or switch the person's own magnesium supplements (safety first).

    Parameters
    ----------
    profile : Profile
    ul : float or None
        Upper level for supplemental magnesium [mg/day].
    refer : bool
        Advanced kidney disease: every supplement becomes "ask before continuing".

    Returns
    -------
    tuple
        The profile with the reviewed supplements (the same object when nothing changes) and
        the changes, each with a reason.
    """
    cfg = plan_data().supplements
    poor = set(cfg.poorly_absorbed_forms)
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
        step = float(cfg.dose_step_mg)
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
            form = str(cfg.switch_to)
            upd.update({"form": form, "salt_mg": None, "hydrate": None})
            reasons.append(f"magnesium {d.form} is poorly absorbed; " + str(cfg.form_reason))
        times = d.doses_per_day
        if per_day > float(cfg.split_above_mg) and times < 2:
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


def energy_need(a: Assessment) -> float | None:
    """Estimated energy need [kcal/day]: Schofield BMR x the sedentary PAL (Black 2000,
    ``data/energy.toml`` [goldberg] pal), when body weight is known."""
    e = a.energy
    if e is None or e.bmr_kcal is None:
        return None
    return float(e.bmr_kcal * get_registry().section("energy").goldberg.pal)
