"""Typed section of ``supplement_forms.toml``: magnesium salts by name.

Builder ``_supplement_forms``, found by name by :func:`magnerve._sections.build_section`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from magnerve._sections._base import (
    _At,
)


@dataclass(frozen=True, slots=True)
class SaltForm:
    """A magnesium salt: formula, molar mass [g/mol], elemental fraction [-] and hydrates."""

    formula: str
    molar_mass: float
    elemental_fraction: float
    hydrates: Mapping[str, SaltForm]
    note: str = ""


@dataclass(frozen=True, slots=True)
class SupplementFormsData:
    """``supplement_forms.toml``: magnesium salts by name."""

    forms: Mapping[str, SaltForm]


def _salt(t: _At) -> SaltForm:
    frac = t.num("elemental_fraction", positive=True)
    if frac > 1:
        t.fail(f"elemental_fraction above 1: {frac!r}", "elemental_fraction")
    hyd = {k: _salt(h) for k, h in t.table("hydrates").tables()} if t.has("hydrates") else {}
    return SaltForm(
        t.text("formula"),
        t.num("molar_mass", positive=True),
        frac,
        MappingProxyType(hyd),
        t.text("note", ""),
    )


def _supplement_forms(at: _At) -> SupplementFormsData:
    return SupplementFormsData(
        MappingProxyType({k: _salt(t) for k, t in at.table("forms").tables()})
    )
