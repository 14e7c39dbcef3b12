"""Output schema of ``magnerve assess --json`` (``Assessment.to_dict``), also the assessment
part of ``magnerve demo --json`` and of ``Analysis.to_dict``."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from magnerve.schemas._base import Closed, Num

__all__ = [
    "AbsorptionOut",
    "AdequacyOut",
    "AdequacyReferenceEquivalentOut",
    "AssessmentOut",
    "ConditionsOut",
    "DayIntakeOut",
    "EgfrOut",
    "EnergyReportingOut",
    "FindingOut",
    "GrainsOut",
    "IntakeSummaryOut",
    "InteractionOut",
    "KidneyOut",
    "MarkerOut",
    "MdsOut",
    "MeanIntakeOut",
    "MnsiOut",
    "MnsiPartOut",
    "NoAdequacyOut",
    "PersonOut",
    "RecognisedConditionOut",
    "ReferenceIntakeOut",
    "SafetyOut",
    "SupplementDailyOut",
    "TopFoodSourceOut",
]


class PersonOut(Closed):
    """The person assessed (the profile's ``[person]``)."""

    age: Num = Field(description="Age [years].")
    sex: Literal["female", "male"]
    pregnant: bool
    lactating: bool
    weight_kg: Num | None = Field(description="Body weight [kg].")


class DayIntakeOut(Closed):
    """Magnesium intake of one day [mg/day]."""

    date: dt.date = Field(description="Day (ISO 8601).")
    food_mg: Num | None = Field(description="From food [mg]; null when unknown.")
    water_mg: Num | None = Field(description="From drinking water [mg]; null when unknown.")
    supplements_mg: Num = Field(description="From supplements [mg].")
    total_mg: Num | None = Field(description="Food + water + supplements [mg].")


class MeanIntakeOut(Closed):
    """Mean magnesium intake per day [mg/day]."""

    food_mg: Num | None = Field(description="From food [mg/day].")
    water_mg: Num | None = Field(description="From drinking water [mg/day].")
    supplements_mg: Num = Field(description="From supplements [mg/day].")
    total_mg: Num | None = Field(description="Total [mg/day].")


class SupplementDailyOut(Closed):
    """A supplement of the profile, per day."""

    name: str
    form: str | None = Field(description="Magnesium salt, e.g. 'glycinate'.")
    magnesium_mg_per_dose: Num = Field(description="Elemental magnesium per dose [mg].")
    doses_per_day: Num = Field(description="Doses per day [1/day].")
    magnesium_mg: Num = Field(description="Elemental magnesium [mg/day].")
    zinc_mg: Num = Field(description="Zinc [mg/day].")
    calcium_mg: Num = Field(description="Calcium [mg/day].")
    vitamin_d_ug: Num = Field(description="Vitamin D [µg/day].")
    vitamin_b6_mg: Num = Field(description="Vitamin B6 [mg/day].")
    notes: list[str] = Field(description="How the elemental dose was found.")


class TopFoodSourceOut(Closed):
    """A food providing magnesium."""

    id: str = Field(description="SR28 NDB number.")
    description: str = Field(description="SR28 description.")
    magnesium_mg_per_day: Num = Field(description="Magnesium from it [mg/day].")


class IntakeSummaryOut(Closed):
    """Magnesium intake from food, water and supplements."""

    unit: Literal["mg/day"] = Field(description="Unit of the magnesium figures.")
    days: list[DayIntakeOut] = Field(description="Per day, in date order.")
    mean: MeanIntakeOut = Field(description="Mean per day.")
    n_days: int = Field(description="Days in the diary.")
    water_note: str = Field(description="How the water magnesium was found.")
    supplements: list[SupplementDailyOut] = Field(description="The profile's supplements.")
    nutrients_mean: dict[str, Num | None] = Field(
        description="Nutrient key -> mean per day from food [the nutrient's unit per day] "
        "(plus 'caffeine_from_cups_mg' [mg/day] when coffee is given in cups)."
    )
    nutrients_complete: dict[str, bool] = Field(
        description="Nutrient key -> true when every line had a value."
    )
    top_food_sources: list[TopFoodSourceOut] = Field(description="Up to 10, largest first.")


class AbsorptionOut(Closed):
    """Modelled absorption: a sensitivity, not the verdict."""

    absorbed_mg_per_day: list[Num] = Field(description="Absorbed magnesium per day [mg/day].")
    mean_absorbed_mg: Num | None = Field(description="Mean absorbed [mg/day].")
    by_source_mg: dict[str, Num] = Field(
        description="Source (food, water, supplements) -> mean absorbed [mg/day]."
    )
    fraction_absorbed: Num | None = Field(description="Mean absorbed / mean intake [0-1].")
    reference_fraction: Num | None = Field(
        description="Fraction absorbed from the EAR in 3 meals of an ordinary mixed diet [0-1]; "
        "null without an EAR."
    )
    reference_equivalent_mg: Num | None = Field(
        description="Mean absorbed / reference fraction [mg/day]."
    )
    sensitivity_ratio: Num = Field(description="Effective / actual intake [-], within the band.")
    sensitivity_band: list[Num] = Field(description="Lower and upper limit of the ratio [-].")
    effective_intake_mg: Num | None = Field(description="Mean intake x sensitivity ratio [mg/day].")
    baseline: str
    role: str
    model: str
    confidence: str


class _AdequacyCore(Closed):
    mean_intake: Num = Field(description="Mean total intake [mg/day].")
    n_days: int = Field(description="Days observed.")
    ear: Num = Field(description="Estimated Average Requirement [mg/day].")
    requirement_sd: Num = Field(description="SD of requirements [mg/day].")
    within_person_sd: Num = Field(description="Day-to-day SD of intake [mg/day].")
    d: Num = Field(description="mean_intake - ear [mg/day].")
    sd_d: Num = Field(description="SD of d [mg/day].")
    z: Num = Field(description="d / sd_d [-].")
    confidence_adequate: Num | None = Field(
        description="Confidence that usual intake meets the requirement [0-1]; null when the "
        "method is declined."
    )
    required_mean_intake: Num | None = Field(
        description="Mean intake needed for the target confidence [mg/day]."
    )
    target_confidence: Num | None = Field(description="Target confidence [0-1].")


class AdequacyOut(_AdequacyCore):
    """IOM 2000 individual adequacy of total intake: the verdict."""

    rda: Num | None = Field(description="Recommended Dietary Allowance [mg/day].")
    within_person_sd_source: str = Field(description="Where the within-person SD came from.")
    basis: str
    within_person_cv: Num | None = Field(
        description="Day-to-day coefficient of variation of intake [-]."
    )
    declined: str | None = Field(
        default=None,
        description="Present when the method is declined: why (the CV is too large).",
    )


class AdequacyReferenceEquivalentOut(_AdequacyCore):
    """Adequacy of intake x the absorption sensitivity ratio (a sensitivity)."""

    basis: str
    sensitivity_ratio: Num = Field(description="Ratio applied to the intake [-].")
    declined: str | None = Field(
        default=None, description="Present when the method is declined: why."
    )


class NoAdequacyOut(Closed):
    """No adequacy: no EAR for this life stage, or no day with a known intake (``{}``)."""


class ReferenceIntakeOut(Closed):
    """Reference intakes of one authority for the person's life stage."""

    nutrient: str
    authority: Literal["iom", "efsa", "faowho"]
    unit: str = Field(description="Unit of every value, e.g. 'mg/day'.")
    life_stage: str = Field(description="e.g. 'male 51-70 y'.")
    ear: Num | None = Field(description="Estimated Average Requirement [unit].")
    rda: Num | None = Field(description="Recommended Dietary Allowance [unit].")
    ai: Num | None = Field(description="Adequate Intake [unit].")
    rni: Num | None = Field(description="Recommended Nutrient Intake [unit].")
    ul: Num | None = Field(description="Tolerable Upper Intake Level [unit].")
    requirement_sd: Num | None = Field(description="SD of requirements [unit].")
    ul_scope: str = Field(description="What the UL applies to (supplemental, total, none).")
    source: str = Field(description="Citation.")
    confidence: str = Field(description="How sure the values are.")


class EgfrOut(Closed):
    """Kidney filtration."""

    value: Num | None = Field(description="eGFR [mL/min/1.73 m²].")
    source: str = Field(description="Given, computed (CKD-EPI 2021) or unknown.")


class MdsOut(Closed):
    """Magnesium Depletion Score."""

    score: int = Field(description="Points [-].")
    components: dict[str, int] = Field(description="Component -> points.")
    group: str = Field(description="Group label.")
    score_range: list[int] = Field(description="Lowest and highest possible score.")
    notes: list[str]
    reference: str = Field(description="Citation.")


class MarkerOut(Closed):
    """An interpreted laboratory value."""

    value: Num = Field(description="In `unit`.")
    unit: str
    status: str = Field(description="Machine-readable status, e.g. 'low', 'normal'.")
    message: str
    caveats: list[str]
    sources: list[str]


class InteractionOut(Closed):
    """A partner-nutrient check (Ca:Mg, zinc, vitamin D, B6)."""

    id: str
    status: str
    value: Num | None = Field(description="In `unit`; null when unknown.")
    unit: str
    message: str
    evidence: list[str] = Field(description="Evidence registry ids.")
    source: str


class GrainsOut(Closed):
    """Grain foods eaten [g over the diary] and the whole-grain share."""

    whole: Num = Field(description="Whole grains [g].")
    refined: Num = Field(description="Refined grains [g].")
    unclassified: Num = Field(description="Grain foods not classified [g].")
    whole_share: Num | None = Field(
        description="Whole / (whole + refined) [0-1]; null without grains."
    )


class MnsiPartOut(Closed):
    """An MNSI part score (screening, not diagnosis)."""

    score: Num
    max_score: Num
    abnormal: bool = Field(description="Score at or above the cut-off.")
    cutoff: Num
    answered: int = Field(description="Items answered.")
    missing: list[str] = Field(description="Items not answered (counted as 0).")
    note: str


class MnsiOut(Closed):
    """Michigan Neuropathy Screening Instrument, the parts given in the profile."""

    history: MnsiPartOut | None = Field(default=None, description="Patient questionnaire.")
    exam: MnsiPartOut | None = Field(default=None, description="Physical examination.")


class FindingOut(Closed):
    """A finding with its mechanism and evidence."""

    id: str
    severity: str
    title: str
    message: str
    mechanism: list[str] = Field(description="Chain from the factor to nerve health.")
    strength_of_evidence: str
    evidence: list[str] = Field(description="Evidence registry ids.")
    citations: list[str]


class SafetyOut(Closed):
    """Supplement safety."""

    supplements_need_clinician: bool
    reason: str | None
    supplemental_magnesium_mg: Num = Field(description="Supplemental magnesium [mg/day].")
    supplemental_ul_mg: Num | None = Field(
        description="Upper level for supplemental magnesium [mg/day]."
    )
    above_ul: bool
    drug_spacing: list[str] = Field(description="Medicine classes to space doses from.")
    refer: bool = Field(description="Advanced kidney disease: refer, no plan.")


class RecognisedConditionOut(Closed):
    """A condition as written and as recognised."""

    text: str = Field(description="As written.")
    key: str = Field(description="magnerve's condition id.")
    category: str
    rule: str = Field(description="none, malabsorption, clinician or refer.")
    ckd_stage: str | None = Field(description="KDIGO category, e.g. 'G3a'.")


class ConditionsOut(Closed):
    """The profile's conditions."""

    recognised: list[RecognisedConditionOut]
    unrecognised: list[str]


class KidneyOut(Closed):
    """Kidney status from the eGFR and the conditions."""

    stage: str | None = Field(
        description="KDIGO G category ('G1' ... 'G5'), 'unknown' for kidney disease of unstated "
        "stage; null when kidney function is unknown."
    )
    rule: str
    source: str
    label: str


class EnergyReportingOut(Closed):
    """Energy under-reporting check (Goldberg cut-off)."""

    energy_kcal: Num | None = Field(description="Mean reported energy [kcal/day].")
    bmr_kcal: Num | None = Field(description="Schofield BMR [kcal/day].")
    energy_to_bmr: Num | None = Field(description="Energy / BMR [-].")
    goldberg_cutoff: Num = Field(description="Cut-off for the number of days [-].")
    under_reporting: bool | None
    magnesium_mg_per_1000_kcal: Num | None = Field(description="Magnesium density [mg/1000 kcal].")
    message: str
    source: str


class AssessmentOut(Closed):
    """``magnerve assess --json``: screening and education, not diagnosis."""

    disclaimer: str
    person: PersonOut
    intake: IntakeSummaryOut
    absorption: AbsorptionOut
    adequacy: AdequacyOut | NoAdequacyOut
    adequacy_reference_equivalent: AdequacyReferenceEquivalentOut | NoAdequacyOut
    reference_intakes: dict[str, ReferenceIntakeOut] = Field(
        description="'magnesium' (IOM), and 'magnesium_efsa', 'magnesium_faowho' when defined."
    )
    egfr: EgfrOut
    mds: MdsOut
    serum: MarkerOut | None = Field(description="Serum magnesium, when measured.")
    markers: dict[str, MarkerOut] = Field(
        description="Marker (serum, rbc, urine_24h, femg) -> interpretation."
    )
    interactions: list[InteractionOut]
    grains: GrainsOut
    mnsi: MnsiOut
    findings: list[FindingOut]
    safety: SafetyOut
    conditions: ConditionsOut
    kidney: KidneyOut
    energy_reporting: EnergyReportingOut | None
    notes: list[str]
