"""Assessment: a thin orchestrator over the pure functions of each stage.

diary + profile -> intake (food, water, supplements) -> absorption -> adequacy ->
interactions, clinical markers -> risk findings. The result is pure data
(:class:`Assessment`), rendered elsewhere (CLI, JSON, HTML report).

Screening and education, not diagnosis.
"""

from __future__ import annotations

import contextlib
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from magnerve import absorption as ab
from magnerve._gc import paused as paused_gc
from magnerve.adequacy import assess_individual, individual_adequacy
from magnerve.clinical import (
    MarkerReading,
    egfr_ckd_epi_2021,
    femg_percent,
    interpret_femg,
    interpret_rbc_magnesium,
    interpret_serum_magnesium,
    interpret_urine_magnesium,
    magnesium_depletion_score,
    mnsi_exam_score,
    mnsi_history_score,
)
from magnerve.conditions import ConditionSet, KidneyStatus, kidney_status, recognise
from magnerve.diary import Diary
from magnerve.energy import EnergyReporting, energy_reporting
from magnerve.foods._db import load_database
from magnerve.intake import intake
from magnerve.interactions import (
    Interaction,
    ca_mg_ratio,
    grain_share,
    vitamin_b6_check,
    vitamin_d_check,
    zinc_check,
)
from magnerve.profile import Profile, Supplement, medication_group
from magnerve.registry import get_registry, registry_cache
from magnerve.requirements import RequirementError, reference_intake
from magnerve.risk import Finding, findings_for

if TYPE_CHECKING:  # pragma: no cover
    from magnerve._sections import SaltForm

__all__ = ["Assessment", "SupplementDaily", "assess", "diary_supplements", "supplement_daily"]

_NUTRIENTS = [
    "magnesium_mg",
    "calcium_mg",
    "zinc_mg",
    "phosphorus_mg",
    "potassium_mg",
    "sodium_mg",
    "vitamin_d_ug",
    "vitamin_b6_mg",
    "fiber_g",
    "energy_kcal",
    "protein_g",
    "caffeine_mg",
    "alcohol_g",
    "water_g",
]


def _forms() -> Mapping[str, SaltForm]:
    """Magnesium salts by name (the typed ``supplement_forms.toml``)."""
    return get_registry().section("supplement_forms").forms


def diary_supplements(diary: Diary) -> list[SupplementDaily]:
    """Supplement rows of a diary (Cronometer exports) as daily supplements: per product, the
    mean per day over the diary's days (days with food or supplement rows).

    Parameters
    ----------
    diary : Diary

    Returns
    -------
    list of SupplementDaily
    """
    rows = getattr(diary, "supplements", [])
    if not rows:
        return []
    days = {e.date for e in diary.entries} | {r.date for r in rows}
    n_days = max(len(days), 1)
    by_name: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        by_name[r.name].append(r)
    out = []
    for name, rs in by_name.items():
        daily = [supplement_daily(r.to_profile_supplement()) for r in rs]
        forms = {d.form for d in daily if d.form}
        total = sum(d.magnesium_mg for d in daily)
        per_dose = total / len(rs) if rs else 0.0
        out.append(
            SupplementDaily(
                name,
                forms.pop() if len(forms) == 1 else None,
                per_dose,
                len(rs) / n_days,
                True,
                False,
                total / n_days,
                sum(d.zinc_mg for d in daily) / n_days,
                sum(d.calcium_mg for d in daily) / n_days,
                sum(d.vitamin_d_ug for d in daily) / n_days,
                sum(d.vitamin_b6_mg for d in daily) / n_days,
                [f"from {len(rs)} diary row(s) over {n_days} day(s)"],
            )
        )
    return out


@registry_cache.bounded(16384)
def _oxalate_rich(description: str) -> bool:
    """True for an oxalate-rich food (``interactions.toml`` [oxalate] words); cached per
    description (a long diary repeats its foods)."""
    d = description.lower()
    return any(w in d for w in get_registry().section("interactions").oxalate_words)


@registry_cache
def _cv_limit() -> float:
    """The largest within-person CV for the IOM individual method (``within_person_sd.toml``
    ``meta.cv_limit``, IOM 2000 Appendix B) [-]."""
    return float(get_registry().section("within_person_sd").cv_limit)


@dataclass(frozen=True, slots=True)
class SupplementDaily:
    """Daily amounts from one supplement product.

    Attributes
    ----------
    name : str
    magnesium_mg_per_dose : float
        Elemental magnesium per dose [mg].
    doses_per_day : float
    magnesium_mg, zinc_mg, calcium_mg, vitamin_d_ug, vitamin_b6_mg : float
        Per day.
    notes : list of str
    """

    name: str
    form: str | None
    magnesium_mg_per_dose: float
    doses_per_day: float
    with_food: bool
    enteric_coated: bool
    magnesium_mg: float
    zinc_mg: float
    calcium_mg: float
    vitamin_d_ug: float
    vitamin_b6_mg: float
    notes: list[str] = field(default_factory=list)


def supplement_daily(s: Supplement) -> SupplementDaily:
    """Elemental magnesium and partner nutrients per day from a supplement entry.

    Elemental magnesium is taken from ``elemental_mg``; else from ``salt_mg`` x the elemental
    fraction of ``form`` (and ``hydrate``) in ``data/supplement_forms.toml``.

    Raises
    ------
    ValueError
        ``salt_mg`` with an unknown or missing form.
    """
    notes: list[str] = []
    form = (s.form or "").strip().lower() or None
    if s.elemental_mg is not None:
        per_dose = s.elemental_mg
    elif s.salt_mg is not None:
        forms = _forms()
        if form is None or form not in forms:
            raise ValueError(
                f"supplement {s.name!r}: salt_mg needs a known form ({', '.join(forms)}); "
                "or give elemental_mg from the label"
            )
        entry = forms[form]
        frac = entry.elemental_fraction
        if s.hydrate:
            hyd = entry.hydrates.get(s.hydrate.lower())
            if hyd is None:
                raise ValueError(f"supplement {s.name!r}: unknown hydrate {s.hydrate!r} for {form}")
            frac = hyd.elemental_fraction
        per_dose = s.salt_mg * frac
        notes.append(f"{s.salt_mg:g} mg {form} = {per_dose:.0f} mg elemental magnesium")
    else:
        per_dose = 0.0
    from magnerve.profile import _conversions

    ug_per_iu = float(_conversions()["vitamin_d"]["ug_per_iu"])
    vit_d = (s.vitamin_d_ug or 0.0) + (s.vitamin_d_iu or 0.0) * ug_per_iu
    n = s.times_per_day
    return SupplementDaily(
        s.name,
        form,
        per_dose,
        n,
        s.with_food,
        s.enteric_coated,
        per_dose * n,
        (s.zinc_mg or 0.0) * n,
        (s.calcium_mg or 0.0) * n,
        vit_d * n,
        (s.vitamin_b6_mg or 0.0) * n,
        notes,
    )


@dataclass(slots=True)
class Assessment:
    """The result of :func:`assess`: pure data.

    See :meth:`to_dict` for the JSON layout (``magnerve assess --json``).
    """

    profile: Profile
    days: list[date]
    food_mg: list[float | None]
    water_mg_per_day: float | None
    water_note: str
    supplements: list[SupplementDaily]
    nutrients_mean: dict[str, float | None]
    nutrients_complete: dict[str, bool]
    absorbed_per_day: list[float]
    absorption_by_source: dict[str, float]
    reference_fraction: float
    adequacy: dict[str, Any]
    adequacy_reference_equivalent: dict[str, Any]
    reference: dict[str, Any]
    egfr: float | None
    egfr_source: str
    mds: dict[str, Any]
    markers: dict[str, MarkerReading]
    interactions: list[Interaction]
    grains: dict[str, float]
    mnsi: dict[str, Any]
    findings: list[Finding]
    food_sources: list[tuple[str, str, float]]
    notes: list[str]
    safety: dict[str, Any]
    conditions: ConditionSet = field(default_factory=ConditionSet)
    kidney: KidneyStatus = field(
        default_factory=lambda: KidneyStatus(None, "none", "unknown", "kidney function unknown")
    )
    energy: EnergyReporting | None = None
    water_calcium_mg_per_day: float | None = None
    absorption_sensitivity_ratio: float = 1.0

    @property
    def supplement_mg(self) -> float:
        """Supplemental magnesium per day [mg]."""
        return sum(s.magnesium_mg for s in self.supplements)

    def total_mg_per_day(self) -> list[float | None]:
        """Food + water + supplements per day [mg] (None where food is unknown)."""
        w = self.water_mg_per_day or 0.0
        return [None if f is None else f + w + self.supplement_mg for f in self.food_mg]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (``magnerve assess --json``).

        The dump of :class:`magnerve.schemas.AssessmentOut`, the published JSON Schema
        ``docs/schema/assess.json``: a key or type outside the schema raises.
        """
        from magnerve.schemas import AssessmentOut, dump

        totals = self.total_mg_per_day()
        known = [t for t in totals if t is not None]
        food_known = [f for f in self.food_mg if f is not None]
        mean_abs = float(np.mean(self.absorbed_per_day)) if self.absorbed_per_day else None
        raw = {
            "disclaimer": (
                "Screening and education, not diagnosis. Discuss results with a clinician."
            ),
            "person": self.profile.person.model_dump(),
            "intake": {
                "unit": "mg/day",
                "days": [
                    {
                        "date": d.isoformat(),
                        "food_mg": f,
                        "water_mg": self.water_mg_per_day,
                        "supplements_mg": self.supplement_mg,
                        "total_mg": t,
                    }
                    for d, f, t in zip(self.days, self.food_mg, totals, strict=True)
                ],
                "mean": {
                    "food_mg": float(np.mean(food_known)) if food_known else None,
                    "water_mg": self.water_mg_per_day,
                    "supplements_mg": self.supplement_mg,
                    "total_mg": float(np.mean(known)) if known else None,
                },
                "n_days": len(self.days),
                "water_note": self.water_note,
                "supplements": [
                    {
                        "name": s.name,
                        "form": s.form,
                        "magnesium_mg_per_dose": s.magnesium_mg_per_dose,
                        "doses_per_day": s.doses_per_day,
                        "magnesium_mg": s.magnesium_mg,
                        "zinc_mg": s.zinc_mg,
                        "calcium_mg": s.calcium_mg,
                        "vitamin_d_ug": s.vitamin_d_ug,
                        "vitamin_b6_mg": s.vitamin_b6_mg,
                        "notes": s.notes,
                    }
                    for s in self.supplements
                ],
                "nutrients_mean": self.nutrients_mean,
                "nutrients_complete": self.nutrients_complete,
                "top_food_sources": [
                    {"id": i, "description": d, "magnesium_mg_per_day": round(v, 2)}
                    for i, d, v in self.food_sources[:10]
                ],
            },
            "absorption": {
                "absorbed_mg_per_day": [round(a, 2) for a in self.absorbed_per_day],
                "mean_absorbed_mg": mean_abs,
                "by_source_mg": self.absorption_by_source,
                "fraction_absorbed": (mean_abs / float(np.mean(known)))
                if mean_abs is not None and known
                else None,
                "reference_fraction": self.reference_fraction,
                "reference_equivalent_mg": (mean_abs / self.reference_fraction)
                if mean_abs is not None
                else None,
                "sensitivity_ratio": self.absorption_sensitivity_ratio,
                "sensitivity_band": list(ab.parameters().sensitivity_band),
                "effective_intake_mg": float(np.mean(known)) * self.absorption_sensitivity_ratio
                if known
                else None,
                "baseline": "the EAR eaten in 3 meals of an ordinary mixed diet (its typical "
                "phytate included), so an ordinary diet is not penalised twice",
                "role": "sensitivity: adequacy's verdict is intake against the EAR (IOM 2000); "
                "absorption moves the effective intake only within the stated band",
                "model": "Fine 1991 saturable + linear per occasion, capped at the measured 65 %; "
                "phytate (Bohn 2004, estimated per food); oxalate-rich foods (Bohn 2004, spinach "
                "vs kale); water with meals (Sabatier 2002) and between meals (45.7 % measured); "
                "salt forms",
                "confidence": "low to medium: parameters derived from published anchor points",
            },
            "adequacy": self.adequacy,
            "adequacy_reference_equivalent": self.adequacy_reference_equivalent,
            "reference_intakes": self.reference,
            "egfr": {"value": self.egfr, "source": self.egfr_source},
            "mds": self.mds,
            "serum": self.markers["serum"].to_dict() if "serum" in self.markers else None,
            "markers": {k: v.to_dict() for k, v in self.markers.items()},
            "interactions": [i.to_dict() for i in self.interactions],
            "grains": self.grains,
            "mnsi": self.mnsi,
            "findings": [f.to_dict() for f in self.findings],
            "safety": self.safety,
            "conditions": self.conditions.to_dict(),
            "kidney": self.kidney.to_dict(),
            "energy_reporting": None if self.energy is None else self.energy.to_dict(),
            "notes": self.notes,
        }
        return dump(AssessmentOut.model_validate(raw))


def _occasions(
    diary: Diary,
    food_values: np.ndarray,
    supps: list[SupplementDaily],
    water_mg_l: float | None,
    profile: Profile,
) -> tuple[dict[date, list[ab.Occasion]], list[str]]:
    """Eating occasions per day: diary meals (or times), water and supplement doses."""
    db = load_database()
    notes: list[str] = []
    water_col = load_database().nutrient_position("water_g")
    # per line: its meal, and the phytate (NaN: unknown) and oxalate flag of its food; each
    # (food, grams) pair and each food is looked up once (long diaries repeat them)
    n = len(diary.entries)
    meal_keys: dict[tuple[date, str], int] = {}
    meal_of = np.empty(n, dtype=np.intp)
    phytate = np.full(n, np.nan)
    oxalate = np.zeros(n, dtype=bool)
    phy_memo: dict[tuple[str, float], float | None] = {}
    for k, e in enumerate(diary.entries):
        key = (e.date, (e.meal or e.time or "unspecified").lower())
        meal_of[k] = meal_keys.setdefault(key, len(meal_keys))
        parsed = e.parsed
        if parsed is None:
            continue
        oxalate[k] = _oxalate_rich(parsed.food.description)
        pk = (parsed.food.id, parsed.grams)
        if pk in phy_memo:
            ph = phy_memo[pk]
        else:
            i = db.index[parsed.food.id]
            ph = phy_memo[pk] = ab.phytate_mg(
                db.descriptions[i], db.group_codes[i], parsed.grams, float(db.matrix[i, water_col])
            )
        if ph is not None:
            phytate[k] = ph
    n_meals = len(meal_keys)
    v = np.asarray(food_values, dtype=np.float64)
    v_known = ~np.isnan(v)
    mg = np.zeros(n_meals)
    np.add.at(mg, meal_of, np.where(v_known, v, 0.0))  # line by line, in file order
    ox = np.zeros(n_meals)
    ox_lines = oxalate & v_known
    np.add.at(ox, meal_of[ox_lines], v[ox_lines])
    phy_known_line = ~np.isnan(phytate)
    phy = np.zeros(n_meals)
    np.add.at(phy, meal_of[phy_known_line], phytate[phy_known_line])
    phy_unknown = np.bincount(meal_of[~phy_known_line], minlength=n_meals) > 0
    by_meal: dict[tuple[date, str], dict[str, Any]] = {
        key: {"mg": m, "phytate": p, "phy_known": not u, "ox": o}
        for key, m, p, u, o in zip(
            meal_keys, mg.tolist(), phy.tolist(), phy_unknown.tolist(), ox.tolist(), strict=True
        )
    }
    days: dict[date, list[ab.Occasion]] = defaultdict(list)
    meals_by_day: dict[date, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for (d, m), slot in by_meal.items():
        meals_by_day[d].append((m, slot))
    water = profile.water
    liters = water.liters_per_day or 0.0
    water_day = (water_mg_l or 0.0) * liters
    for d, meals in meals_by_day.items():
        n_meals = len(meals)
        with_meals = bool(water.taken_with_meals)
        doses_food: list[list[ab.Dose]] = [[] for _ in meals]
        alone: list[ab.Occasion] = []
        for s in supps:
            if s.magnesium_mg_per_dose <= 0:
                continue
            n = max(1, round(s.doses_per_day))
            for j in range(n):
                dose = ab.Dose(
                    s.magnesium_mg_per_dose * s.doses_per_day / n, s.form, s.enteric_coated
                )
                if s.with_food and meals:
                    doses_food[j % n_meals].append(dose)
                else:
                    alone.append(ab.Occasion(f"{s.name} {j + 1}", doses=(dose,), is_meal=False))
        for j, (m, slot) in enumerate(meals):
            days[d].append(
                ab.Occasion(
                    f"{d} {m}",
                    food_mg=slot["mg"],
                    water_mg=water_day / n_meals if with_meals else 0.0,
                    doses=tuple(doses_food[j]),
                    phytate_mg=slot["phytate"],
                    is_meal=True,
                    oxalate_food_mg=slot["ox"],
                )
            )
        if water_day > 0 and not with_meals:
            p = ab.parameters()
            n_serv = max(1, round(liters / p.water_serving_l))
            days[d].extend(
                ab.Occasion(f"water {j + 1}", water_mg=water_day / n_serv, is_meal=False)
                for j in range(n_serv)
            )
        days[d].extend(alone)
    phy_total = sum(s["phytate"] for s in by_meal.values())
    n_days = max(len(meals_by_day), 1)
    notes.append(
        f"estimated phytate load {phy_total / n_days:.0f} mg/day (estimate from food groups)"
    )
    if any(not s["phy_known"] for s in by_meal.values()):
        notes.append(
            "phytate could not be estimated for some foods (mixed dishes, drinks): their "
            "phytate is counted as zero, so absorption may be overestimated"
        )
    return days, notes


def assess(
    diary: Diary, profile: Profile, *, authority: str = "iom", absorption_km: float | None = None
) -> Assessment:
    """Assess magnesium status from a diary and a profile.

    Parameters
    ----------
    diary : Diary
        Parsed diary (problems must have been handled by the caller).
    profile : Profile
        Validated profile.
    authority : str, default "iom"
        Reference intakes for display; the individual adequacy method uses the IOM EAR.
    absorption_km : float, optional
        Override the absorption model's half-saturation constant [mg] (sensitivity analysis).

    Returns
    -------
    Assessment
    """
    with paused_gc():  # a long diary makes tens of thousands of acyclic objects
        return _assess(diary, profile, authority, absorption_km)


def _assess(
    diary: Diary, profile: Profile, authority: str, absorption_km: float | None
) -> Assessment:
    """:func:`assess` (its body)."""
    person = profile.person
    notes: list[str] = []
    report = intake(diary, _NUTRIENTS, by_meal=False)  # the assessment needs only days
    keys = [n.key for n in report.nutrients]
    mg_j = keys.index("magnesium_mg")
    days = [d for d, _ in report.days]
    food_mg = [t[mg_j].value for _, t in report.days]
    means = report.mean_daily()
    nutrients_mean = {k: t.value for k, t in zip(keys, means, strict=True)}
    nutrients_complete = {k: t.complete for k, t in zip(keys, means, strict=True)}
    notes += [f"check: {f['message']}" for f in report.plausibility]
    if not means[mg_j].complete:
        notes.append(
            f"{len(means[mg_j].missing_lines)} diary line(s) have no magnesium value: food "
            "magnesium is a lower bound"
        )

    water_mg_l, water_note = profile.water.magnesium()
    water_day = None
    if profile.water.liters_per_day is not None and water_mg_l is not None:
        water_day = water_mg_l * profile.water.liters_per_day
    elif profile.water.liters_per_day:
        notes.append(f"drinking-water magnesium unknown: {water_note}")

    supps = [supplement_daily(s) for s in profile.supplements]
    diary_supps = diary_supplements(diary)
    if diary_supps:
        supps += diary_supps
        notes.append(
            f"{len(diary_supps)} supplement(s) from the diary counted as supplements (mean per "
            "day over the diary's days)"
            + (
                "; the profile lists supplements too: do not list the same product in both"
                if profile.supplements
                else ""
            )
        )
    supp_mg = sum(s.magnesium_mg for s in supps)

    # absorption
    occasions, occ_notes = _occasions(diary, report.values[:, mg_j], supps, water_mg_l, profile)
    notes += occ_notes
    # every occasion of every day in one array call; sums in the order of a loop over days
    day_occ = [occasions.get(d, []) for d in days]
    occ_abs = ab.absorb_occasions([o for occ in day_occ for o in occ], km=absorption_km)
    absorbed_all = occ_abs.absorbed_mg.tolist()
    absorbed_day: list[float] = []
    start = 0
    for occ in day_occ:
        absorbed_day.append(sum(absorbed_all[start : start + len(occ)]))
        start += len(occ)
    by_source = {"food": 0.0, "water": 0.0, "supplements": 0.0}
    for key, arr in (
        ("food", occ_abs.absorbed_food_mg),
        ("water", occ_abs.absorbed_water_mg),
        ("supplements", occ_abs.absorbed_supplement_mg),
    ):
        acc = 0.0
        for x in (arr / len(days)).tolist():
            acc += x
        by_source[key] = acc
    notes += sorted(occ_abs.flags)
    pre = profile.lifestyle.prebiotic_g_per_day
    if pre:
        studies = get_registry().section("absorption").studies
        pb = studies.get("prebiotic.vandenheuvel2009_scfos")
        dose = pb.extra["dose_g_per_day"]
        if 12 <= person.age < 15 and pre >= dose:
            factor = 1.0 + float(pb)
            absorbed_day = [x * factor for x in absorbed_day]
            by_source = {k: v * factor for k, v in by_source.items()}
            notes.append(
                f"prebiotic fibre {pre:g} g/day: absorption x {factor:g} (van den Heuvel 2009, "
                "adolescent girls)"
            )
        else:
            notes.append(
                f"prebiotic fibre {pre:g} g/day: the measured effect (+18 %, girls aged 12-14, "
                f"{dose:g} g/day scFOS) is not applied outside that group"
            )

    # reference intakes and adequacy
    ref = reference_intake(
        "magnesium",
        age=person.age,
        sex=person.sex,
        pregnant=person.pregnant,
        lactating=person.lactating,
    )
    reference = {"magnesium": ref.to_dict()}
    for other in ("efsa", "faowho"):
        with contextlib.suppress(RequirementError):
            reference[f"magnesium_{other}"] = reference_intake(
                "magnesium",
                age=person.age,
                sex=person.sex,
                pregnant=person.pregnant,
                lactating=person.lactating,
                authority=other,
            ).to_dict()
    totals = [f + (water_day or 0.0) + supp_mg for f in food_mg if f is not None]
    mean_total = float(np.mean(totals)) if totals else None
    ref_fraction = (
        ab.reference_fraction(ref.ear, km=absorption_km, age=person.age)
        if ref.ear
        else float("nan")
    )
    sens = 1.0
    adequacy: dict[str, Any] = {}
    adequacy_re: dict[str, Any] = {}
    if ref.ear is not None and mean_total is not None:
        res, _, within_src = assess_individual(
            "magnesium",
            mean_total,
            len(totals),
            age=person.age,
            sex=person.sex,
            pregnant=person.pregnant,
            lactating=person.lactating,
            target_confidence=0.975,
        )
        adequacy = {
            **res.to_dict(),
            "rda": ref.rda,
            "within_person_sd_source": within_src,
            "basis": "total intake (food + water + supplements), IOM 2000 individual method",
        }
        sens = ab.sensitivity_ratio(
            float(np.mean(absorbed_day)), mean_total, float(ref.ear), age=person.age
        )
        res_re = individual_adequacy(
            mean_total * sens,
            len(totals),
            ear=ref.ear,
            requirement_sd=ref.requirement_sd or 0.0,
            within_person_sd=res.within_person_sd,
        )
        adequacy_re = {
            **res_re.to_dict(),
            "basis": "sensitivity: intake x the ratio of modelled absorption to the reference "
            f"mixed diet's, limited to {ab.parameters().sensitivity_band[0]:g}-"
            f"{ab.parameters().sensitivity_band[1]:g}",
            "sensitivity_ratio": sens,
        }
        cv_max = float(_cv_limit())
        cv = res.within_person_sd / mean_total if mean_total > 0 else math.inf
        adequacy["within_person_cv"] = cv
        if cv > cv_max:
            reason = (
                f"the day-to-day variation of intake (CV {cv:.0%}) is above "
                f"{cv_max:.0%}: daily intakes are not normally distributed and the IOM "
                "individual method is unreliable (IOM 2000, Appendix B); compare the mean "
                "with the EAR and RDA instead, or record more days"
            )
            adequacy["declined"] = reason
            adequacy["confidence_adequate"] = None
            adequacy["required_mean_intake"] = None
            adequacy_re["declined"] = reason
            adequacy_re["confidence_adequate"] = None
            notes.append("individual adequacy method declined: " + reason)
    else:
        notes.append("no EAR for this life stage: adequacy by the IOM method is not possible")

    # kidney function and markers
    egfr, egfr_src = profile.health.egfr, "given"
    scr = profile.health.serum_creatinine_mg_dl or profile.labs.value("serum_creatinine")
    if egfr is None and scr is not None and person.age >= 18:
        egfr = egfr_ckd_epi_2021(scr, person.age, person.sex)
        egfr_src = "CKD-EPI 2021 from serum creatinine"
    elif egfr is None and scr is not None:
        egfr_src = "not computed: CKD-EPI is for adults (18 y and over)"
        notes.append(
            "eGFR not computed: the CKD-EPI equation is for adults; for a child, ask the "
            "paediatrician (a paediatric equation such as the bedside Schwartz needs height)"
        )
    elif egfr is None:
        egfr_src = "unknown"
    conds = recognise(profile.health.conditions)
    kidney = kidney_status(egfr, conds)
    if conds.unrecognised:
        notes.append(
            "condition(s) not recognised: "
            + ", ".join(repr(c) for c in conds.unrecognised)
            + " - magnerve cannot judge whether they matter for magnesium; supplements only "
            "with your clinician"
        )
    classes = profile.medication_classes()
    drinks = (profile.lifestyle.alcohol_drinks_per_week or 0.0) / 7.0
    mds = magnesium_depletion_score(
        diuretic=bool(classes & medication_group("mds_diuretics")),
        ppi="ppi" in classes,
        egfr=egfr,
        drinks_per_day=drinks,
        sex=person.sex,
    ).to_dict()
    marker: dict[str, MarkerReading] = {}
    serum = profile.labs.value("serum_magnesium")
    if serum is not None:
        marker["serum"] = interpret_serum_magnesium(serum)
    rbc = profile.labs.value("rbc_magnesium")
    if rbc is not None:
        marker["rbc"] = interpret_rbc_magnesium(rbc)
    urine = profile.labs.value("urine_magnesium_24h")
    if urine is not None:
        marker["urine_24h"] = interpret_urine_magnesium(urine, serum)
    u_cr = profile.labs.value("urine_creatinine")
    if urine is not None and serum is not None and u_cr and scr:
        # spot-urine FEMg needs same-sample urine Mg concentration; with 24-h values it is
        # only indicative
        from magnerve.clinical import markers as _markers

        mg_dl = _markers()["serum_magnesium"]["conversions"]["mg_dl_per_mmol_l"]
        f = femg_percent(urine, scr, serum * mg_dl, u_cr)
        marker["femg"] = interpret_femg(f, serum)

    # interactions
    ca = nutrients_mean.get("calcium_mg")
    water_ca_l, _water_ca_note = profile.water.calcium()
    liters = profile.water.liters_per_day
    water_ca_day = None if water_ca_l is None or liters is None else water_ca_l * liters
    if water_day and water_ca_day is None:
        notes.append(
            "drinking-water calcium unknown: Ca:Mg counts water magnesium but not water calcium "
            "(add calcium_mg_per_l, or hardness with calcium_share)"
        )
    ca_total = None if ca is None else ca + sum(s.calcium_mg for s in supps) + (water_ca_day or 0.0)
    inter = [ca_mg_ratio(ca_total, mean_total)]
    zn = nutrients_mean.get("zinc_mg")
    zn_supp = sum(s.zinc_mg for s in supps)
    inter.append(
        zinc_check(None if zn is None else zn + zn_supp, zn_supp, age=person.age, sex=person.sex)
    )
    vd = nutrients_mean.get("vitamin_d_ug")
    vd_total = (vd or 0.0) + sum(s.vitamin_d_ug for s in supps)
    inter.append(
        vitamin_d_check(
            vd_total, adequacy.get("confidence_adequate"), age=person.age, sex=person.sex
        )
    )
    b6 = nutrients_mean.get("vitamin_b6_mg")
    b6_supp = sum(s.vitamin_b6_mg for s in supps)
    inter.append(vitamin_b6_check(None if b6 is None else b6 + b6_supp, b6_supp))
    db = load_database()
    grains = grain_share(
        [
            (
                db.descriptions[db.index[e.parsed.food.id]],
                db.group_codes[db.index[e.parsed.food.id]],
                e.parsed.grams,
            )
            for e in diary.entries
            if e.parsed is not None
        ]
    )

    # food sources of magnesium (mean per day)
    src: dict[str, list[Any]] = {}
    n_days = max(len(days), 1)
    for e, row in zip(report.entries, report.values, strict=True):
        v = row[mg_j]
        if e.parsed is None or math.isnan(v):
            continue
        item = src.setdefault(e.parsed.food.id, [e.parsed.food.id, e.parsed.food.description, 0.0])
        item[2] += float(v) / n_days
    food_sources = sorted((tuple(x) for x in src.values()), key=lambda t: -t[2])

    # oxalate-rich foods (flag only)
    ox = sorted(
        {
            e.parsed.food.description
            for e in diary.entries
            if e.parsed is not None and _oxalate_rich(e.parsed.food.description)
        }
    )
    if ox:
        from magnerve.foods import friendly_name

        names = sorted({friendly_name(d) for d in ox})
        notes.append(
            "oxalate-rich foods eaten ("
            + ", ".join(names[:4])
            + "): their magnesium is absorbed less, modelled at "
            f"{ab.parameters().oxalate_factor:g} of other foods (Bohn 2004, spinach vs kale; "
            "low confidence)"
        )
    # caffeine from coffee cups (SR28 coffee per cup) when no mg figure is given
    cups = profile.lifestyle.coffee_cups_per_day
    if profile.lifestyle.caffeine_mg_per_day is None and cups is not None:
        coffee = db.index[get_registry().section("interactions").coffee_ndb]
        cup = next(m for m in db.measures[db.ids[coffee]] if m.description.startswith("cup"))
        per_cup = float(db.matrix[coffee, db.nutrient_position("caffeine_mg")]) * cup.grams / 100
        nutrients_mean["caffeine_from_cups_mg"] = cups * per_cup

    # MNSI
    mnsi: dict[str, Any] = {}
    nh = profile.neuropathy
    if nh.mnsi_history:
        mnsi["history"] = mnsi_history_score(nh.mnsi_history).to_dict()
    if nh.mnsi_exam:
        mnsi["exam"] = mnsi_exam_score(nh.mnsi_exam).to_dict()

    ckd = kidney.clinician
    safety = {
        "supplements_need_clinician": bool(ckd),
        "reason": f"{kidney.label} ({kidney.source}): magnesium can accumulate when the kidneys "
        "cannot remove it"
        if ckd
        else None,
        "supplemental_magnesium_mg": supp_mg,
        "supplemental_ul_mg": ref.ul,
        "above_ul": ref.ul is not None and supp_mg > ref.ul,
        "drug_spacing": sorted(classes & medication_group("spacing_from_magnesium")),
        "refer": kidney.refer,
    }
    energy = energy_reporting(
        nutrients_mean.get("energy_kcal"),
        nutrients_mean.get("magnesium_mg"),
        len(days),
        weight_kg=person.weight_kg,
        age=person.age,
        sex=person.sex,
        pregnant=person.pregnant,
    )
    if energy.under_reporting:
        notes.append(energy.message)
    assessment = Assessment(
        profile=profile,
        days=days,
        food_mg=food_mg,
        water_mg_per_day=water_day,
        water_note=water_note,
        supplements=supps,
        nutrients_mean=nutrients_mean,
        nutrients_complete=nutrients_complete,
        absorbed_per_day=absorbed_day,
        absorption_by_source=by_source,
        reference_fraction=ref_fraction,
        adequacy=adequacy,
        adequacy_reference_equivalent=adequacy_re,
        reference=reference,
        egfr=egfr,
        egfr_source=egfr_src,
        mds=mds,
        markers=marker,
        interactions=inter,
        grains=grains,
        mnsi=mnsi,
        findings=[],
        food_sources=[(str(a), str(b), float(c)) for a, b, c in food_sources],
        notes=notes,
        safety=safety,
        conditions=conds,
        kidney=kidney,
        energy=energy,
        water_calcium_mg_per_day=water_ca_day,
        absorption_sensitivity_ratio=sens,
    )
    assessment.findings = findings_for(assessment)
    return assessment
