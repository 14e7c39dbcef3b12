"""Output schema of ``magnerve plan --json`` (``Plan.to_dict``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from magnerve.schemas._base import Closed, Num
from magnerve.schemas.assessment import KidneyOut

__all__ = [
    "BindingConstraintOut",
    "ConflictOut",
    "PlanChangeOut",
    "PlanFoodOut",
    "PlanOut",
    "PlanSafetyOut",
    "PlanSummaryOut",
    "PlanSupplementOut",
    "PlanTargetOut",
    "ReferralOut",
    "SupplementChangeOut",
    "WorstCaseOut",
]


class PlanFoodOut(Closed):
    """The food of a plan step."""

    id: str = Field(description="SR28 NDB number.")
    description: str = Field(description="SR28 description.")
    name: str = Field(description="Friendly name ('cooked spinach').")


class PlanChangeOut(Closed):
    """One food step of a plan."""

    food: PlanFoodOut
    action: Literal["add", "increase", "decrease", "remove"]
    amount: Num = Field(description="Household measures per day [-], rounded to 2 decimals.")
    unit: str = Field(description="The SR28 household measure.")
    grams: Num = Field(description="Grams per day [g/day], rounded to 1 decimal.")
    meal: str | None = Field(description="Meal to change.")
    magnesium_mg: Num = Field(description="Change of magnesium intake [mg/day].")
    reason: str = Field(description="Why, in plain words.")


class PlanSupplementOut(Closed):
    """The supplement a plan suggests (only when food cannot reach the target)."""

    form: str = Field(description="Magnesium salt, e.g. 'glycinate'.")
    elemental_mg_per_day: Num = Field(description="Elemental magnesium [mg/day].")
    times_per_day: Num = Field(description="Doses per day [1/day].")
    elemental_mg_per_dose: Num = Field(description="Elemental magnesium per dose [mg].")
    tablet_elemental_mg: Num = Field(description="Elemental magnesium per tablet [mg].")
    tablets_per_dose: int = Field(description="Tablets per dose [-].")
    with_food: bool
    reason: str
    with_clinician: bool
    clinician_reasons: list[str]
    monitor: list[str]
    note: str


class SupplementChangeOut(Closed):
    """A change to one of the person's own supplements (reduce, switch, split, ask)."""

    supplement: str = Field(description="The supplement's name in the profile.")
    action: Literal["reduce", "switch", "adjust", "ask before continuing"]
    from_mg_per_day: Num = Field(description="Elemental magnesium now [mg/day].")
    to_mg_per_day: Num | None = Field(
        description="Elemental magnesium after [mg/day]; null for 'ask before continuing'."
    )
    form: str | None = Field(default=None, description="Form after the change.")
    times_per_day: Num | None = Field(default=None, description="Doses per day [1/day].")
    with_food: bool | None = Field(default=None, description="Take it with a meal.")
    reason: str = Field(description="Why, in words.")


class ReferralOut(Closed):
    """Who to see instead of a plan (advanced kidney disease)."""

    to: str
    reason: str
    kidney: KidneyOut


class PlanSafetyOut(Closed):
    """Safety routing of the plan."""

    refer: bool
    supplement_with_clinician: bool
    clinician_reasons: list[str]
    monitor: list[str]
    must_not_rise: list[str] = Field(description="Nutrients that must not rise.")
    medicine_review: list[str]


class PlanSummaryOut(Closed):
    """Intake before or after the plan (means per day)."""

    magnesium_mg: Num | None = Field(description="Total magnesium [mg/day].")
    food_mg: Num | None = Field(description="Magnesium from food [mg/day].")
    supplements_mg: Num | None = Field(description="Magnesium from supplements [mg/day].")
    absorbed_mg: Num | None = Field(description="Modelled absorbed magnesium [mg/day].")
    reference_equivalent_mg: Num | None = Field(
        description="Absorbed / reference fraction [mg/day]."
    )
    confidence_adequate: Num | None = Field(description="Confidence of adequacy [0-1].")
    confidence_adequate_reference_equivalent: Num | None = Field(
        description="The same for the reference-equivalent intake [0-1]."
    )
    calcium_mg: Num | None = Field(description="Calcium from food [mg/day].")
    protein_g: Num | None = Field(description="Protein [g/day].")
    potassium_mg: Num | None = Field(description="Potassium [mg/day].")
    phosphorus_mg: Num | None = Field(description="Phosphorus [mg/day].")
    energy_kcal: Num | None = Field(description="Energy [kcal/day].")


class PlanTargetOut(Closed):
    """The magnesium target."""

    kind: Literal["ear", "rda", "confidence"]
    confidence: Num | None = Field(
        default=None, description="Present for kind 'confidence': the target [0-1]."
    )
    magnesium_mg: Num = Field(description="Target total intake [mg/day].")
    reference_equivalent_mg: Num = Field(description="The same target [mg/day].")
    basis: str


class ConflictOut(Closed):
    """A rule the plan could not meet (status 'infeasible' or 'error')."""

    constraint: str
    shortfall: Num | None = Field(default=None, description="Amount missing [the rule's unit].")
    excess: Num | None = Field(default=None, description="Amount over [the rule's unit].")
    message: str


class BindingConstraintOut(Closed):
    """A rule that limits the plan, with its shadow price."""

    constraint: str
    side: str = Field(description="'lower' or 'upper' bound.")
    dual: Num = Field(description="Marginal cost of the rule [-].")


class WorstCaseOut(Closed):
    """Absorption sensitivity of the planned intake over the Km range."""

    effective_intake_mg_by_km: dict[str, Num] = Field(
        description="'km_<Km>' -> effective intake [mg/day]."
    )
    worst_effective_intake_mg: Num = Field(description="Lowest effective intake [mg/day].")
    reference_equivalent_mg_by_km: dict[str, Num] = Field(
        description="'km_<Km>' -> reference-equivalent intake [mg/day]."
    )
    worst_reference_equivalent_mg: Num = Field(description="Lowest of them [mg/day].")
    meets_target_in_worst_case: bool
    note: str


class PlanOut(Closed):
    """``magnerve plan --json``: education, not medical advice."""

    status: Literal["optimal", "refer", "infeasible", "error"]
    summary: str
    changes: list[PlanChangeOut]
    steps: list[str] = Field(description="The changes as sentences.")
    supplement: PlanSupplementOut | None
    supplement_changes: list[SupplementChangeOut]
    referral: ReferralOut | None
    safety: PlanSafetyOut
    before: PlanSummaryOut
    after: PlanSummaryOut | None
    target: PlanTargetOut
    conflicts: list[ConflictOut]
    binding_constraints: list[BindingConstraintOut]
    worst_case: WorstCaseOut | None
    solve_ms: Num = Field(description="Time of the solve [ms].")
    total_ms: Num = Field(description="Time of the whole plan [ms].")
    n_candidates: int = Field(description="Candidate foods considered.")
    notes: list[str]
    disclaimer: str
