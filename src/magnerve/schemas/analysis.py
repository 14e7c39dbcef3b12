"""Output schema of ``Analysis.to_dict`` (the whole pipeline, :func:`magnerve.analyse`)."""

from __future__ import annotations

from pydantic import Field

from magnerve.schemas._base import Closed, Num
from magnerve.schemas.assessment import AssessmentOut
from magnerve.schemas.plan import PlanOut

__all__ = ["AnalysisOut", "ModelsOut", "ReferenceDataOut", "StepTimeOut", "TrajectoryOut"]


class TrajectoryOut(Closed):
    """A simulated time course of the three-pool homeostasis model (a model, not a
    measurement)."""

    days: list[Num] = Field(description="Time [d].")
    serum_mmol_l: list[Num] = Field(description="Serum magnesium [mmol/L].")
    exchangeable_mg: list[Num] = Field(description="Magnesium in the three pools [mg].")
    urine_mg: list[Num] = Field(description="Urinary magnesium [mg/day].")
    total_body_mg: list[Num] = Field(description="Body magnesium [mg].")


class ModelsOut(Closed):
    """Homeostasis trajectories (the ``models`` step)."""

    notes: list[str] = Field(description="Model inputs and assumptions, in words.")
    series: dict[str, TrajectoryOut] = Field(
        description="Scenario ('current intake', 'plan') -> trajectory."
    )


class ReferenceDataOut(Closed):
    """Provenance of the reference data."""

    hash: str = Field(description="Content hash of the reference data files.")


class StepTimeOut(Closed):
    """How long a step took."""

    step: str = Field(description="assess, plan or models.")
    ms: Num = Field(description="Duration [ms].")


class AnalysisOut(Closed):
    """``Analysis.to_dict()``: the assessment, the plan, the models and provenance."""

    assessment: AssessmentOut
    plan: PlanOut | None = Field(description="Present when the plan step ran.")
    models: ModelsOut | None = Field(description="Present when the models step ran.")
    reference_data: ReferenceDataOut
    steps: list[StepTimeOut]
