"""Typed section of ``nutrients.toml``: magnerve's nutrient keys.

Builder ``_nutrients``, found by name by :func:`magnerve._sections.build_section`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from magnerve._sections._base import (
    _At,
)


@dataclass(frozen=True, slots=True)
class NutrientKey:
    """A nutrient key of magnerve: SR28 nutrient number, label, Cronometer column."""

    nutr_no: str
    label: str
    default: bool
    cronometer: str
    cronometer_factor: float | None


@dataclass(frozen=True, slots=True)
class NutrientsData:
    """``nutrients.toml``: magnerve's nutrient keys, in file order (the matrix columns)."""

    keys: Mapping[str, NutrientKey]


def _nutrients(at: _At) -> NutrientsData:
    return NutrientsData(
        MappingProxyType(
            {
                k: NutrientKey(
                    str(t.raw("nutr_no")),
                    t.text("label"),
                    t.flag("default", False),
                    t.text("cronometer", ""),
                    t.opt_num("cronometer_factor"),
                )
                for k, t in at.table("keys").tables()
            }
        )
    )
