"""Risk findings with mechanism chains and citations from the evidence registry.

Each rule looks at an :class:`~magnerve.assessment.Assessment` and, when it applies, emits a
:class:`Finding` whose mechanism, strength of evidence and citations come from
``data/evidence.toml`` (so every statement is traceable). Severity levels:
``urgent`` (see a clinician promptly), ``high``, ``moderate``, ``low``, ``info``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from magnerve._bounds import bound
from magnerve._text import format_probability, hardness_class, plain_label
from magnerve.interactions import interaction_title
from magnerve.profile import medication_group, water_hardness_mg_l
from magnerve.registry import get_registry

if TYPE_CHECKING:  # pragma: no cover
    from magnerve._sections import InteractionsData
    from magnerve.assessment import Assessment

__all__ = ["RULES", "Finding", "evidence", "findings_for", "rule"]

SEVERITY_ORDER = {"urgent": 0, "high": 1, "moderate": 2, "low": 3, "info": 4}


def evidence() -> Mapping[str, Mapping[str, Any]]:
    """The evidence registry, by id, as written in ``data/evidence.toml`` of the active
    registry: the read-only ``raw`` view of its typed section (the typed entries are
    ``get_registry().section("evidence").entries``)."""
    return get_registry().section("evidence").raw


@dataclass(frozen=True, slots=True)
class Finding:
    """A statement about the person, with why it matters and how sure it is.

    Attributes
    ----------
    id : str
    severity : str
    title : str
    message : str
        What was found, about this person.
    mechanism : list of str
        Chain from the factor to nerve health (from the evidence registry).
    strength : str
        Strength of evidence of the mechanism (established ... contradicted).
    evidence_ids : list of str
    citations : list of str
    """

    id: str
    severity: str
    title: str
    message: str
    mechanism: list[str]
    strength: str
    evidence_ids: list[str] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "id": self.id,
            "severity": self.severity,
            "title": self.title,
            "message": self.message,
            "mechanism": list(self.mechanism),
            "strength_of_evidence": self.strength,
            "evidence": list(self.evidence_ids),
            "citations": list(self.citations),
        }


def _finding(fid: str, severity: str, title: str, message: str, *ev_ids: str) -> Finding:
    reg = get_registry().section("evidence").entries
    mech: list[str] = []
    cites: list[str] = []
    strengths: list[str] = []
    for eid in ev_ids:
        e = reg[eid]  # KeyError = a rule cites an id missing from the registry (a bug)
        if not mech:
            mech = list(e.mechanism)
        strengths.append(e.strength)
        for c in e.citations:
            t = c.text + ("" if c.verified else " [citation not verified]")
            if t not in cites:
                cites.append(t)
    return Finding(
        fid, severity, title, message, mech, strengths[0] if strengths else "", list(ev_ids), cites
    )


def _water_message(
    source: str | None, hardness: str | None, mg_l: float | None, low_mg_l: float
) -> str:
    """The drinking-water finding's text, naming the USGS hardness class when known."""
    if source == "filtered_ro":
        lead = "Reverse-osmosis filtered water has almost all of its magnesium removed"
    elif hardness is not None:
        h = water_hardness_mg_l(hardness)
        lead = (
            f"Your drinking water is {hardness_class(h)} ({h:.0f} mg/L as calcium carbonate, "
            "USGS classes) and supplies little magnesium"
        )
    else:
        lead = "Your drinking water supplies little magnesium"
    if mg_l is None:
        return lead + "."
    return f"{lead} (about {mg_l:.1f} mg/L; at least {low_mg_l:g} mg/L is suggested)."


def _thresholds() -> InteractionsData:
    """The typed ``interactions.toml`` of the active registry (risk thresholds)."""
    return get_registry().section("interactions")


RULES: list[Callable[[Assessment, Sequence[Finding]], list[Finding]]] = []


def rule(
    fn: Callable[[Assessment, Sequence[Finding]], list[Finding]],
) -> Callable[[Assessment, Sequence[Finding]], list[Finding]]:
    """Register a finding rule: a function of the assessment (and the findings of the rules
    before it) returning its findings. Rules run in registration order."""
    RULES.append(fn)
    return fn


def findings_for(a: Assessment) -> list[Finding]:
    """All findings for an assessment (every registered rule, in order), most severe first."""
    out: list[Finding] = []
    for r in RULES:
        out += r(a, out)
    out.sort(key=lambda f: SEVERITY_ORDER.get(f.severity, 9))
    return out


@rule
def _rule_kidney(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: kidney."""
    out: list[Finding] = []
    if a.safety["supplements_need_clinician"]:
        k = a.kidney
        if k.refer:
            msg = (
                f"{k.label[0].upper()}{k.label[1:]} ({k.source}): the kidneys cannot remove extra "
                "magnesium or potassium. Do not start magnesium supplements or a "
                "magnesium-raising diet without your nephrologist and a renal dietitian."
            )
        else:
            msg = (
                f"{k.label[0].upper()}{k.label[1:]} ({k.source}): magnesium supplements only with "
                "your clinician, with blood tests; potassium and phosphorus should not rise "
                "without advice."
            )
        out.append(
            _finding(
                "kidney_function_supplements",
                "high",
                "Kidney function: ask before taking magnesium"
                if not k.refer
                else "Advanced kidney disease: see your kidney team",
                msg,
                "ckd_supplement_risk",
            )
        )
    return out


@rule
def _rule_unrecognised_condition(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: unrecognised condition."""
    out: list[Finding] = []
    if a.conditions.unrecognised:
        out.append(
            _finding(
                "condition_not_recognised",
                "moderate",
                "Condition not recognised",
                "magnerve does not know "
                + ", ".join(f"'{c}'" for c in a.conditions.unrecognised)
                + " and cannot judge whether it matters for magnesium: take supplements only with "
                "your clinician. Known conditions are listed in docs/profile.md.",
            )
        )
    return out


@rule
def _rule_energy_under_reporting(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: energy under reporting."""
    out: list[Finding] = []
    if a.energy is not None and a.energy.under_reporting:
        e = a.energy
        out.append(
            _finding(
                "energy_under_reporting",
                "moderate",
                "The diary may miss some food",
                f"Reported energy is {e.ratio:.2f} times your estimated basal metabolic rate, "
                f"below the {e.cutoff:.2f} expected for {len(a.days)} day(s) of records: "
                "magnesium intake is probably under-estimated too. Magnesium density "
                f"{e.magnesium_mg_per_1000_kcal or 0:.0f} mg per 1,000 kcal.",
                "energy_under_reporting",
            )
        )
    return out


@rule
def _rule_supplement_above_ul(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: supplement above ul."""
    out: list[Finding] = []
    if a.safety["above_ul"]:
        # a dose far above the UL is not "moderate": at the level associated with magnesium
        # toxicity (bounds.toml, flag_at) the finding is urgent
        toxic = bound("profile.supplements_magnesium_mg_per_day").flag_at
        urgent = toxic is not None and a.supplement_mg >= toxic
        message = (
            f"Supplements give {a.supplement_mg:.0f} mg/day of magnesium, above the "
            f"{a.safety['supplemental_ul_mg']:g} mg/day tolerable upper level for "
            "supplemental magnesium (food magnesium does not count)."
        )
        if urgent:
            message += (
                f" Doses of {toxic:,.0f} mg/day or more have been associated with magnesium "
                "toxicity (dangerously high blood magnesium), even with healthy kidneys: check "
                "the dose, and stop and see a clinician promptly if it is right."
            )
        out.append(
            _finding(
                "supplement_above_ul",
                "urgent" if urgent else "moderate",
                "Supplemental magnesium far above the upper level"
                if urgent
                else "Supplemental magnesium above the upper level",
                message,
                "supplement_ul",
            )
        )
    return out


@rule
def _rule_drug_spacing(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: drug spacing."""
    out: list[Finding] = []
    for cls in a.safety["drug_spacing"]:
        out.append(
            _finding(
                f"drug_spacing_{cls}",
                "moderate",
                f"Space magnesium and {plain_label(cls)} doses",
                "Magnesium (supplements, antacids) binds this medicine in the gut: take them "
                "hours apart as the medicine's leaflet says.",
                "drug_spacing",
            )
        )
    return out


@rule
def _rule_serum(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: serum."""
    out: list[Finding] = []
    serum = a.markers.get("serum")
    if serum is not None and serum.status == "very_low":
        out.append(
            _finding(
                "serum_very_low",
                "urgent",
                "Very low serum magnesium",
                serum.message,
                "serum_limitations",
            )
        )
    elif serum is not None and serum.status in ("low", "low_normal"):
        out.append(
            _finding(
                "serum_low",
                "high" if serum.status == "low" else "moderate",
                "Serum magnesium " + ("low" if serum.status == "low" else "low-normal"),
                serum.message + ". Serum holds under 1 % of body magnesium.",
                "serum_limitations",
            )
        )
    return out


@rule
def _rule_red_flag_symptoms(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: red flag symptoms."""
    out: list[Finding] = []
    p = a.profile
    symptoms = {s.lower() for s in p.neuropathy.symptoms}
    red = {
        "weakness",
        "rapidly_worsening",
        "foot_ulcer",
        "ulcer",
        "infection",
        "falls",
        "asymmetric",
    }
    if symptoms & red:
        out.append(
            _finding(
                "red_flag_symptoms",
                "urgent",
                "Symptoms that need prompt clinical care",
                "Reported: "
                + ", ".join(plain_label(s) for s in sorted(symptoms & red))
                + ". Please see a clinician soon; "
                "this tool cannot assess them.",
                "red_flags",
            )
        )
    return out


@rule
def _rule_intake_adequacy(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: intake adequacy."""
    out: list[Finding] = []
    adequacy = a.adequacy
    conf = a.adequacy.get("confidence_adequate")
    # -- intake and absorption ---------------------------------------------------------------
    if conf is not None:
        mean = adequacy["mean_intake"]
        if conf < 0.5:
            sev = "high" if conf < 0.15 else "moderate"
            out.append(
                _finding(
                    "intake_likely_inadequate",
                    sev,
                    "Magnesium intake likely below requirement",
                    f"Mean intake {mean:.0f} mg/day over {adequacy['n_days']} days vs EAR "
                    f"{adequacy['ear']:g} mg/day: {format_probability(conf)} confidence that usual "
                    "intake is adequate (IOM 2000 method).",
                    "mg_requirement_iom",
                    "food_sources",
                )
            )
        elif conf < 0.975:
            out.append(
                _finding(
                    "intake_uncertain",
                    "low",
                    "Magnesium intake possibly adequate",
                    f"Mean intake {mean:.0f} mg/day: {format_probability(conf)} confidence of "
                    f"adequacy; {adequacy.get('required_mean_intake', 0):.0f} mg/day would give "
                    "97.5 %.",
                    "mg_requirement_iom",
                    "food_sources",
                )
            )
    return out


@rule
def _rule_absorption_sensitivity(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: absorption sensitivity."""
    out: list[Finding] = []
    conf = a.adequacy.get("confidence_adequate")
    re_conf = a.adequacy_reference_equivalent.get("confidence_adequate")
    if re_conf is not None and conf is not None and re_conf < conf - 0.15:
        out.append(
            _finding(
                "absorption_lowers_status",
                "low",
                "If your meals absorb less than usual",
                "Your meals carry more of what lowers absorption (large single doses, phytate, "
                "oxalate-rich greens, poorly absorbed supplement forms) than an ordinary mixed "
                f"diet; if so, confidence of adequacy would be {format_probability(re_conf)} "
                "instead. A sensitivity from a model (low-to-medium confidence), not the verdict.",
                "phytate",
                "supplement_forms",
            )
        )
    return out


@rule
def _rule_ppi(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: ppi."""
    out: list[Finding] = []
    p = a.profile
    # -- medicines, kidney, alcohol (MDS) --------------------------------------------------
    classes = p.medication_classes()
    if "ppi" in classes:
        out.append(
            _finding(
                "ppi",
                "moderate",
                "Proton-pump inhibitor",
                "Long-term PPI use (mostly over a year) can lower magnesium absorption enough to "
                "cause hypomagnesaemia; ask about a serum magnesium check.",
                "ppi_hypomagnesaemia",
            )
        )
    return out


@rule
def _rule_diuretics(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: diuretics."""
    out: list[Finding] = []
    classes = a.profile.medication_classes()
    if classes & medication_group("magnesium_wasting_diuretics"):
        out.append(
            _finding(
                "diuretic",
                "moderate",
                "Loop or thiazide diuretic",
                "These diuretics increase urinary magnesium loss.",
                "diuretics",
            )
        )
    return out


@rule
def _rule_magnesium_wasting_medicines(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: magnesium wasting medicines."""
    out: list[Finding] = []
    classes = a.profile.medication_classes()
    wasting = sorted(classes & medication_group("renal_magnesium_wasting"))
    if wasting:
        out.append(
            _finding(
                "magnesium_wasting_medicines",
                "moderate",
                "Medicines that waste magnesium",
                "Taking " + ", ".join(plain_label(w) for w in wasting) + ": these increase "
                "magnesium loss; serum magnesium is usually monitored during treatment.",
                "renal_wasting_drugs",
            )
        )
    return out


@rule
def _rule_malabsorption(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: malabsorption."""
    out: list[Finding] = []
    gi = {c.text for c in a.conditions.recognised if c.category == "malabsorption"}
    if gi:
        out.append(
            _finding(
                "malabsorption",
                "moderate",
                "Condition that lowers magnesium absorption",
                "Listed: " + ", ".join(sorted(gi)) + ": less magnesium is "
                "absorbed and more is lost in the gut; the absorption estimate here does not "
                "model this and is likely too high.",
                "gi_malabsorption",
            )
        )
    return out


@rule
def _rule_calcium_very_high(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: calcium very high."""
    out: list[Finding] = []
    ca_limit = _thresholds().calcium_absorption.no_effect_up_to_mg_per_day
    ca_total = (a.nutrients_mean.get("calcium_mg") or 0.0) + sum(
        s.calcium_mg for s in a.supplements
    )
    if ca_total > ca_limit:
        out.append(
            _finding(
                "high_calcium",
                "low",
                "Very high calcium intake",
                f"About {ca_total:.0f} mg/day calcium, above the {ca_limit} mg/day up to which no "
                "effect on magnesium absorption was seen.",
                "calcium_absorption_competition",
            )
        )
    return out


@rule
def _rule_mds(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: mds."""
    out: list[Finding] = []
    mds = get_registry().section("clinical_markers").mds
    if a.mds.get("score", 0) >= mds.highest_group_from:
        out.append(
            _finding(
                "mds_high",
                "moderate",
                f"Magnesium Depletion Score {a.mds['score']} (of {mds.score_max})",
                f"A score of {mds.highest_group_from} or more is the highest-risk group in "
                "population studies.",
                "mds",
            )
        )
    return out


@rule
def _rule_diabetes(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: diabetes."""
    out: list[Finding] = []
    p = a.profile
    if p.health.diabetes != "none":
        out.append(
            _finding(
                "diabetes",
                "moderate",
                "Diabetes",
                "High blood glucose increases urinary magnesium loss; low magnesium has been "
                "associated with worse nerve function in type 2 diabetes (association, not proof "
                "of cause).",
                "diabetes_magnesuria",
                "diabetic_neuropathy_serum_mg",
            )
        )
    return out


@rule
def _rule_alcohol(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: alcohol."""
    out: list[Finding] = []
    p = a.profile
    drinks_week = p.lifestyle.alcohol_drinks_per_week or 0.0
    above = get_registry().section("clinical_markers").mds.drinks_per_day_above
    if drinks_week / 7 > above[p.person.sex]:
        out.append(
            _finding(
                "alcohol",
                "moderate",
                "Heavy drinking",
                f"{drinks_week:g} drinks/week: alcohol increases urinary magnesium loss.",
                "alcohol",
            )
        )
    return out


@rule
def _rule_caffeine(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: caffeine."""
    out: list[Finding] = []
    p = a.profile
    caffeine = (
        p.lifestyle.caffeine_mg_per_day
        or a.nutrients_mean.get("caffeine_from_cups_mg")
        or a.nutrients_mean.get("caffeine_mg")
    )
    lt = _thresholds().lifestyle
    if caffeine and caffeine > lt.caffeine_high_mg_per_day:
        out.append(
            _finding(
                "caffeine",
                "low",
                "High caffeine intake",
                f"About {caffeine:.0f} mg/day caffeine: a small extra urinary magnesium loss.",
                "caffeine",
            )
        )
    return out


@rule
def _rule_interactions(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: interactions."""
    out: list[Finding] = []
    # -- interactions ----------------------------------------------------------------------
    for it in a.interactions:
        if it.status in ("ok", "unknown"):
            continue
        sev = "high" if it.status in ("above_efsa_ul", "high_dose") else "moderate"
        out.append(
            _finding(
                f"interaction_{it.id}",
                sev,
                interaction_title(it.id, it.status),
                it.message,
                *it.evidence,
            )
        )
    return out


@rule
def _rule_grains(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: grains."""
    out: list[Finding] = []
    ws = a.grains.get("whole_share")
    if ws is not None and ws == ws and ws < 0.5:
        out.append(
            _finding(
                "refined_grains",
                "low",
                "Mostly refined grains",
                f"{ws:.0%} of classified grain foods (by weight) are whole grain; refining removes "
                "most of the magnesium of grains.",
                "refining_losses",
            )
        )
    return out


@rule
def _rule_water(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: water."""
    out: list[Finding] = []
    p = a.profile
    lt = _thresholds().lifestyle
    # -- environment -----------------------------------------------------------------------
    mg_l = p.water.magnesium()[0]
    if p.water.source == "filtered_ro" or (mg_l is not None and mg_l < lt.water_low_mg_per_l):
        out.append(
            _finding(
                "soft_water",
                "low",
                "Little magnesium from drinking water",
                _water_message(p.water.source, p.water.hardness, mg_l, lt.water_low_mg_per_l),
                "water_hardness",
            )
        )
    return out


@rule
def _rule_stress(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: stress."""
    out: list[Finding] = []
    p = a.profile
    lt = _thresholds().lifestyle
    if p.lifestyle.stress_pss10 is not None and p.lifestyle.stress_pss10 >= lt.pss10_high_from:
        out.append(
            _finding(
                "stress",
                "low",
                "High perceived stress",
                f"PSS-10 score {p.lifestyle.stress_pss10}: a stress-magnesium vicious circle is "
                "proposed but not established in humans.",
                "chronic_stress",
            )
        )
    return out


@rule
def _rule_heavy_metals(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: heavy metals."""
    out: list[Finding] = []
    p = a.profile
    if p.environment.occupational_lead or p.environment.occupational_cadmium:
        out.append(
            _finding(
                "heavy_metals",
                "low",
                "Occupational lead or cadmium exposure",
                "Heavy metals interfere with magnesium-dependent processes in experiments; human "
                "evidence for magnesium status is insufficient. Follow occupational health advice.",
                "heavy_metals_lead_cadmium",
            )
        )
    return out


@rule
def _rule_taurine(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: taurine."""
    out: list[Finding] = []
    taurate = [
        s.name for s in a.supplements if (s.form or "") == "taurate" or "taur" in s.name.lower()
    ]
    if taurate:
        out.append(
            _finding(
                "taurine",
                "info",
                "Taurine or magnesium taurate",
                "Claims that taurine improves magnesium retention rest on animal data only.",
                "taurine",
            )
        )
    return out


@rule
def _rule_b6_claims(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: b6 claims."""
    out: list[Finding] = []
    b6_supp = [s.name for s in a.supplements if s.vitamin_b6_mg > 0]
    if b6_supp and not any(f.id == "interaction_vitamin_b6" for f in found):
        out.append(
            _finding(
                "b6_claims",
                "info",
                "Vitamin B6 with magnesium",
                "B6 is often added to magnesium products; that it improves magnesium absorption "
                f"is not shown, and B6 above {_thresholds().vitamin_b6.efsa_ul_mg_per_day:g} "
                "mg/day can itself harm nerves.",
                "b6_mg_absorption",
                "b6_neuropathy_ul",
            )
        )
    return out


@rule
def _rule_nerves(a: Assessment, found: Sequence[Finding]) -> list[Finding]:
    """Rule: nerves."""
    out: list[Finding] = []
    symptoms = {s.lower() for s in a.profile.neuropathy.symptoms}
    # -- nerves ------------------------------------------------------------------------------
    hist = a.mnsi.get("history")
    exam = a.mnsi.get("exam")
    if (hist and hist["abnormal"]) or (exam and exam["abnormal"]) or symptoms:
        out.append(
            _finding(
                "neuropathy_symptoms",
                "moderate",
                "Nerve symptoms: screening, not diagnosis",
                "Reported symptoms or an abnormal MNSI score suggest neuropathy should be checked "
                "by a clinician. Magnesium may matter for nerve signalling, but oral magnesium has "
                "not beaten placebo for neuropathic pain.",
                "red_flags",
                "oral_mg_neuropathic_pain_rct",
                "nmda_block",
            )
        )
    return out
