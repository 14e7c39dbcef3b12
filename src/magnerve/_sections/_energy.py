"""Typed section of ``energy.toml``: Schofield BMR equations, the Goldberg constants and the
reference energy of the magnesium density.

Builder ``_energy``, found by name by :func:`magnerve._sections.build_section`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from magnerve._sections._base import (
    SEXES,
    Section,
    _At,
    _numbers,
    _unit,
)
from magnerve._sex import Sex


@dataclass(frozen=True, slots=True)
class SchofieldRow:
    """BMR = a x weight [kg] + b [kcal/day], standard error ``see`` [kcal/day]."""

    sex: Sex
    age_min: float
    age_max: float
    a: float
    b: float
    see: float


@dataclass(frozen=True, slots=True)
class Goldberg(Section):
    """``[goldberg]``: the Goldberg cut-off's physical activity level and CVs (Black 2000)."""

    pal: float = _unit("x BMR", positive=True)
    sd_min: float = _unit("SD")
    cv_within_energy_intake: float = _unit("%", positive=True)
    cv_bmr: float = _unit("%", positive=True)
    cv_pal: float = _unit("%", positive=True)
    source: str = ""
    confidence: str = ""


@dataclass(frozen=True, slots=True)
class EnergyData:
    """``energy.toml``: Schofield BMR equations, the Goldberg constants and the reference
    energy of the magnesium density [kcal]."""

    schofield: tuple[SchofieldRow, ...]
    schofield_source: str
    goldberg: Goldberg
    density_reference_kcal: float


def _energy(at: _At) -> EnergyData:
    s = at.table("schofield")
    rows = []
    for i, r in enumerate(s.raw("rows")):
        ra = _At(at.file, s.where(f"rows[{i}]"), r)
        sex = ra.text("sex")
        if sex not in SEXES:
            ra.fail(f"sex must be one of {', '.join(SEXES)}, got {sex!r}", "sex")
        lo, hi = ra.num("age_min"), ra.num("age_max")
        if not 0 <= lo < hi:
            ra.fail(f"need 0 <= age_min < age_max, got {lo!r}, {hi!r}")
        rows.append(SchofieldRow(cast(Sex, sex), lo, hi, ra.num("a"), ra.num("b"), ra.num("see")))
    g = at.table("goldberg")
    gold = _numbers(Goldberg, g, source=g.text("source"), confidence=g.confidence())
    ref = at.table("per_1000_kcal").num("reference_kcal", positive=True)
    return EnergyData(tuple(rows), s.text("source"), gold, ref)
