"""Registry of mass and volume units, parsed from ``magnerve/data/units.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

__all__ = ["Unit", "lookup_unit", "unit_registry"]


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


@cache
def unit_registry() -> dict[str, Unit]:
    """All unit spellings (lower case, except case-sensitive ``T``/``t``) mapped to units."""
    spec = tomllib.loads(resources.files("magnerve.data").joinpath("units.toml").read_text("utf-8"))
    reg: dict[str, Unit] = {}
    for kind in ("mass", "volume"):
        for name, entry in spec[kind].items():
            unit = Unit(name, kind, float(entry["factor"]))
            reg[name] = unit
            for alias in entry.get("aliases", []):
                reg[alias if alias in ("T", "t") else alias.lower()] = unit
    return reg


def lookup_unit(text: str) -> Unit | None:
    """Find a mass or volume unit by any of its spellings, or ``None``."""
    reg = unit_registry()
    t = " ".join(text.strip().split())
    if t in ("T", "t"):  # cookbook convention: T = tablespoon, t = teaspoon
        return reg[t]
    return reg.get(t.lower())
