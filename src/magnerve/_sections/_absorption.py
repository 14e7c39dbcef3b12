"""Typed section of ``absorption.toml``: the absorption model's parameters, phytate by food
category and the studies they were read from (every number a :class:`SourcedValue`).

Builder ``_absorption``, found by name by :func:`magnerve._sections.build_section`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from magnerve._sections._base import (
    SourcedTree,
    SourcedValue,
    _At,
)


@dataclass(frozen=True, slots=True)
class AgeValue:
    """A value for an age band ``age_min <= age < age_max`` [years]."""

    age_min: float
    age_max: float
    value: float
    group: str


@dataclass(frozen=True, slots=True)
class AbsorptionModel:
    """``[model]`` of ``absorption.toml``: the parameters the absorption model uses."""

    vmax: SourcedValue
    km: SourcedValue
    linear_fraction: SourcedValue
    phytate_relative_reduction_per_mmol: SourcedValue
    phytic_acid_molar_mass: SourcedValue
    water_with_meal_factor: SourcedValue
    water_serving_l: SourcedValue
    poorly_soluble_salt_factor: SourcedValue
    poorly_soluble_forms: tuple[str, ...]
    phytate_max_mmol_measured: float
    meals_per_day_reference: SourcedValue
    fractional_absorption_max: SourcedValue
    water_between_meals_fa: SourcedValue
    oxalate_relative_absorption: SourcedValue
    reference_phytate_mg_per_day: SourcedValue
    reference_phytate_by_age: tuple[AgeValue, ...]
    sensitivity_band: SourcedValue


@dataclass(frozen=True, slots=True)
class AbsorptionData:
    """``absorption.toml``: the model parameters, phytate by food category, and the studies
    they were read from (every number a :class:`SourcedValue`)."""

    model: AbsorptionModel
    phytate_content: Mapping[str, SourcedValue]
    studies: SourcedTree


def _absorption(at: _At) -> AbsorptionData:
    m = at.table("model")
    scalar = (
        "vmax",
        "km",
        "linear_fraction",
        "phytate_relative_reduction_per_mmol",
        "phytic_acid_molar_mass",
        "water_with_meal_factor",
        "water_serving_l",
        "poorly_soluble_salt_factor",
        "meals_per_day_reference",
        "fractional_absorption_max",
        "water_between_meals_fa",
        "oxalate_relative_absorption",
        "reference_phytate_mg_per_day",
    )
    sv = {k: m.sourced(k) for k in (*scalar, "sensitivity_band")}
    for k in scalar:  # the model's parameters: one finite number each
        v = sv[k].value
        if isinstance(v, tuple) or not math.isfinite(v):
            m.fail(f"expected one finite number, got {v!r}", f"{k}.value")
    band = sv["sensitivity_band"].value
    if not isinstance(band, tuple) or len(band) != 2 or not band[0] <= 1.0 <= band[1]:
        m.fail("expected [low, high] around 1", "sensitivity_band.value")
    for k in ("oxalate_relative_absorption", "km"):  # the plan's sensitivity reads km's range
        if not isinstance(sv[k].range, tuple):
            m.fail("missing", f"{k}.range")
    ph = m.table("phytate_relative_reduction_per_mmol")
    ps = m.table("poorly_soluble_salt_factor")
    ref = m.table("reference_phytate_mg_per_day")
    rows = []
    for i, r in enumerate(ref.raw("by_age")):
        row = _At(at.file, ref.where(f"by_age[{i}]"), r)
        lo, hi = row.num("age_min"), row.num("age_max")
        if not lo < hi:
            row.fail("age_min must be below age_max")
        rows.append(AgeValue(lo, hi, row.num("value"), row.text("group", "")))
    model = AbsorptionModel(
        vmax=sv["vmax"],
        km=sv["km"],
        linear_fraction=sv["linear_fraction"],
        phytate_relative_reduction_per_mmol=sv["phytate_relative_reduction_per_mmol"],
        phytic_acid_molar_mass=sv["phytic_acid_molar_mass"],
        water_with_meal_factor=sv["water_with_meal_factor"],
        water_serving_l=sv["water_serving_l"],
        poorly_soluble_salt_factor=sv["poorly_soluble_salt_factor"],
        meals_per_day_reference=sv["meals_per_day_reference"],
        fractional_absorption_max=sv["fractional_absorption_max"],
        water_between_meals_fa=sv["water_between_meals_fa"],
        oxalate_relative_absorption=sv["oxalate_relative_absorption"],
        reference_phytate_mg_per_day=sv["reference_phytate_mg_per_day"],
        sensitivity_band=sv["sensitivity_band"],
        poorly_soluble_forms=ps.texts("forms"),
        phytate_max_mmol_measured=ph.num("max_mmol_measured", positive=True),
        reference_phytate_by_age=tuple(rows),
    )
    phytate = at.table("phytate_content")
    content = MappingProxyType({k: phytate.sourced(k) for k in phytate.node})
    return AbsorptionData(model, content, SourcedTree.read(at, skip=("model", "phytate_content")))
