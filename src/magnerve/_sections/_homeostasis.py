"""Typed section of ``homeostasis.toml``: the homeostasis model's constants, typed and
sourced.

Builder ``_homeostasis``, found by name by :func:`magnerve._sections.build_section`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from magnerve._sections._base import (
    SourcedTree,
    SourcedValue,
    _At,
)


@dataclass(frozen=True, slots=True)
class HomeostasisModel:
    """The constants :mod:`magnerve.physiology.homeostasis` uses, each a :class:`SourcedValue`
    (one finite number; unit as the file states it). Pools are per kg body weight.

    ``pool_serum_mmol_l``: the total serum magnesium at which the pools are sized [mmol/L],
    the middle of the reference interval ``pools.serum_reference_range`` (IOM 1997).
    """

    gfr: SourcedValue  # L/day, reference adult
    egfr_to_gfr: SourcedValue  # L/day per mL/min
    kidney_failure_egfr: SourcedValue  # mL/min/1.73 m2
    ultrafilterable_fraction: SourcedValue
    tm_c: SourcedValue  # mmol/L filtrate
    w: SourcedValue  # mmol/L
    fe_min: SourcedValue
    faecal_endogenous_k: SourcedValue  # L/day
    k_x: SourcedValue  # 1/day
    k_bs: SourcedValue  # 1/day
    v_eff_per_kg: SourcedValue  # L/kg
    e0_per_kg: SourcedValue  # mmol/kg
    b0_per_kg: SourcedValue  # mmol/kg
    total_body_mg_per_kg: SourcedValue  # mg/kg
    ppi_absorption_factor: SourcedValue
    diuretic_tm_shift: SourcedValue  # mmol/L filtrate
    heavy_drinking_urine_factor: SourcedValue
    poor_glycaemic_control_urine_factor: SourcedValue
    poor_glycaemic_control_hba1c_from_percent: float  # %
    caffeine_mmol_per_mg: SourcedValue  # mmol/mg
    pool_serum_mmol_l: float  # mmol/L, middle of pools.serum_reference_range


#: where each model constant is in ``homeostasis.toml`` (and may it be 0 or negative)
_HOMEOSTASIS_PATHS: dict[str, tuple[str, bool]] = {
    "gfr": ("renal.gfr", True),
    "egfr_to_gfr": ("renal.egfr_to_gfr_l_per_day", True),
    "kidney_failure_egfr": ("renal.kidney_failure_egfr", True),
    "ultrafilterable_fraction": ("plasma.ultrafilterable_fraction", True),
    "tm_c": ("calibration.tm_c", True),
    "w": ("calibration.w", True),
    "fe_min": ("calibration.fe_min", True),
    "faecal_endogenous_k": ("calibration.faecal_endogenous_k", True),
    "k_x": ("calibration.k_x", True),
    "k_bs": ("calibration.k_bs", True),
    "v_eff_per_kg": ("scaling.v_eff_per_kg", True),
    "e0_per_kg": ("scaling.e0_per_kg", True),
    "b0_per_kg": ("scaling.b0_per_kg", True),
    "total_body_mg_per_kg": ("scaling.total_body_mg_per_kg", True),
    "ppi_absorption_factor": ("modifiers.ppi.absorption_factor", True),
    "diuretic_tm_shift": ("model_modifiers.diuretic_tm_shift", False),
    "heavy_drinking_urine_factor": ("model_modifiers.heavy_drinking_urine_factor", True),
    "poor_glycaemic_control_urine_factor": (
        "model_modifiers.poor_glycaemic_control_urine_factor",
        True,
    ),
    "caffeine_mmol_per_mg": ("model_modifiers.caffeine_mmol_per_mg", True),
}


@dataclass(frozen=True, slots=True)
class HomeostasisData:
    """``homeostasis.toml``: the model's constants typed (``model``), the reference body mass
    [kg] and mg per mmol, and every constant and study value as a :class:`SourcedValue` (by
    dotted path, ``tree.get("renal.tubular_maximum")``)."""

    model: HomeostasisModel
    reference_body_mass_kg: float
    mg_per_mmol: float
    tree: SourcedTree


def _homeostasis(at: _At) -> HomeostasisData:
    tree = SourcedTree.read(at)
    got: dict[str, Any] = {}
    for name, (path, positive) in _HOMEOSTASIS_PATHS.items():
        try:
            sv = tree.get(path)
        except KeyError:
            at.fail("missing (a {value, unit, source, confidence} table)", path)
        v = sv.value
        if isinstance(v, tuple) or not math.isfinite(v):
            at.fail(f"expected one finite number, got {v!r}", f"{path}.value")
        if positive and v <= 0:
            at.fail(f"expected a positive number, got {v!r}", f"{path}.value")
        got[name] = sv
    g = at.table("model_modifiers").table("poor_glycaemic_control_urine_factor")
    hba1c = g.num("hba1c_from_percent", positive=True)
    ref = "pools.serum_reference_range"
    try:
        interval = tree.get(ref).value
    except KeyError:
        at.fail("missing (a {value, unit, source, confidence} table)", ref)
    if not (
        isinstance(interval, tuple)
        and len(interval) == 2
        and all(math.isfinite(x) for x in interval)
        and 0 < interval[0] < interval[1]
    ):
        at.fail(f"expected [low, high] with 0 < low < high, got {interval!r}", f"{ref}.value")
    meta = at.table("meta")
    return HomeostasisData(
        HomeostasisModel(
            **got,
            poor_glycaemic_control_hba1c_from_percent=hba1c,
            pool_serum_mmol_l=(interval[0] + interval[1]) / 2,
        ),
        meta.num("reference_body_mass_kg", positive=True),
        meta.num("mg_per_mmol", positive=True),
        tree,
    )
