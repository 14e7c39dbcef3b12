"""Registry of mass and volume units, parsed from ``magnerve/data/units.toml``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from magnerve.registry import get_registry, registry_cache

if TYPE_CHECKING:  # pragma: no cover
    from magnerve._sections import UnitDef

__all__ = ["HouseholdAmount", "Unit", "household_amount", "lookup_unit", "unit_registry"]


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit of mass or volume.

    Attributes
    ----------
    name : str
        Canonical name, e.g. ``"g"``, ``"cup"``, ``"fl oz"``.
    kind : {"mass", "volume"}
        What the unit measures.
    factor : float
        Grams per unit for mass [g], millilitres per unit for volume [ml].
    """

    name: str
    kind: Literal["mass", "volume"]
    factor: float


@registry_cache
def unit_registry() -> dict[str, Unit]:
    """All unit spellings (lower case, except case-sensitive ``T``/``t``) mapped to units."""
    spec = get_registry().section("units")
    reg: dict[str, Unit] = {}
    kinds: tuple[tuple[Literal["mass", "volume"], Mapping[str, UnitDef]], ...] = (
        ("mass", spec.mass),
        ("volume", spec.volume),
    )
    for kind, units in kinds:
        for name, entry in units.items():
            unit = Unit(name, kind, float(entry.factor))
            reg[name] = unit
            for alias in entry.aliases:
                reg[alias if alias in ("T", "t") else alias.lower()] = unit
    return reg


def lookup_unit(text: str) -> Unit | None:
    """Find a mass or volume unit by any of its spellings, or ``None``."""
    reg = unit_registry()
    t = " ".join(text.strip().split())
    if t in ("T", "t"):  # cookbook convention: T = tablespoon, t = teaspoon
        return reg[t]
    return reg.get(t.lower())


@dataclass(frozen=True, slots=True)
class HouseholdAmount:
    """A typical amount for a household word that is not a unit ("glass", "handful").

    Attributes
    ----------
    name : str
        Canonical word, e.g. ``"glass"``.
    ml : float or None
        Typical volume [ml], converted with the food's own SR28 density.
    grams : float or None
        Typical mass [g] (when ``ml`` is None).
    source : str
        Where the typical amount comes from.
    """

    name: str
    ml: float | None
    grams: float | None
    source: str


@registry_cache
def _household() -> dict[str, HouseholdAmount]:
    out: dict[str, HouseholdAmount] = {}
    for name, entry in get_registry().section("units").household.items():
        amt = HouseholdAmount(
            name,
            float(entry.factor) if entry.kind == "ml" else None,
            float(entry.factor) if entry.kind == "g" else None,
            entry.source,
        )
        out[name] = amt
        for alias in entry.aliases:
            out[alias.lower()] = amt
    return out


def household_amount(text: str) -> HouseholdAmount | None:
    """Typical amount of a household word with no unit meaning ("glass", "knob"), or None."""
    return _household().get(" ".join(text.strip().lower().split()))
