"""Typed section of ``servings.toml``: FDA RACC by plan category and the diary's
plausibility thresholds.

Builder ``_servings``, found by name by :func:`magnerve._sections.build_section`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, cast

from magnerve._sections._base import (
    Section,
    _At,
    _freeze,
    _numbers,
    _unit,
)


@dataclass(frozen=True, slots=True)
class Plausibility(Section):
    """``[plausibility]``: when a diary line or day is flagged for a check (``sources`` by
    field where the file cites one; the others are modelling choices, see ``notes``)."""

    portion_max_racc_multiple: float = _unit("x RACC", positive=True)
    portion_min_grams_to_flag: float = _unit("g", positive=True)
    line_energy_max_kcal: float = _unit("kcal", positive=True)
    day_energy_min_kcal: float = _unit("kcal/day", positive=True)
    day_energy_max_kcal: float = _unit("kcal/day", positive=True)
    sources: Mapping[str, str] = field(default_factory=dict)
    confidences: Mapping[str, str] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ServingsData:
    """``servings.toml``: FDA RACC by plan category [g] (``"other"`` for the rest) and the
    diary's plausibility thresholds; ``raw`` is the file as written (read-only)."""

    racc_g: Mapping[str, float]
    ounce_g: float
    source: str
    confidence: str
    plausibility: Plausibility
    raw: Mapping[str, Any]


def _servings(at: _At) -> ServingsData:
    sv, racc, pl = at.table("serving"), at.table("racc_g"), at.table("plausibility")
    grams = racc.mapping(lambda t, k: cast(float, t.num(k, positive=True)))
    if "other" not in grams:
        racc.fail("missing (the serving of foods of no other category)", "other")
    lo, hi = pl.num("day_energy_min_kcal"), pl.num("day_energy_max_kcal")
    if not lo < hi:
        pl.fail("day_energy_min_kcal must be below day_energy_max_kcal")
    day = ("day_energy_min_kcal", "day_energy_max_kcal")
    plaus = _numbers(
        Plausibility,
        pl,
        sources=MappingProxyType(dict.fromkeys(day, pl.text("day_energy_source"))),
        confidences=MappingProxyType(dict.fromkeys(day, pl.confidence("day_energy_confidence"))),
        notes=MappingProxyType(
            {k: pl.text(k) for k in pl.node if k.endswith("_note") or k.endswith("note")}
        ),
    )
    return ServingsData(
        grams,
        sv.num("ounce_g", positive=True),
        sv.text("source"),
        sv.confidence(),
        plaus,
        _freeze(at.node),
    )
