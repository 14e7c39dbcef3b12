"""Typed section of ``units.toml``: mass and volume units and household measures.

Builder ``_units``, found by name by :func:`magnerve._sections.build_section`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, cast

from magnerve._sections._base import (
    _At,
)


@dataclass(frozen=True, slots=True)
class UnitDef:
    """A mass [g] or volume [mL] unit, or a household amount (``kind`` ``"ml"`` or ``"g"``)
    with its source."""

    factor: float
    aliases: tuple[str, ...]
    kind: Literal["g", "ml"]
    source: str = ""


@dataclass(frozen=True, slots=True)
class UnitsData:
    """``units.toml``: mass and volume units (factor to g or mL) and household measures."""

    mass: Mapping[str, UnitDef]
    volume: Mapping[str, UnitDef]
    household: Mapping[str, UnitDef]
    source: str


def _units(at: _At) -> UnitsData:
    def unit(t: _At, kind: Literal["g", "ml"]) -> UnitDef:
        return UnitDef(t.num("factor", positive=True), t.texts("aliases", ()), kind)

    def household(t: _At) -> UnitDef:
        kinds = [k for k in ("ml", "g") if t.has(k)]
        if len(kinds) != 1:
            t.fail("needs exactly one of ml or g")
        kind = cast(Literal["g", "ml"], kinds[0])
        return UnitDef(t.num(kind, positive=True), t.texts("aliases", ()), kind, t.text("source"))

    return UnitsData(
        MappingProxyType({k: unit(t, "g") for k, t in at.table("mass").tables()}),
        MappingProxyType({k: unit(t, "ml") for k, t in at.table("volume").tables()}),
        MappingProxyType({k: household(t) for k, t in at.table("household").tables()}),
        at.table("meta").text("source"),
    )
