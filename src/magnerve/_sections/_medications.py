"""Typed section of ``medications.toml``: medicine names by class, effects and named groups
of classes.

Builder ``_medications``, found by name by :func:`magnerve._sections.build_section`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from magnerve._sections._base import (
    _At,
)


@dataclass(frozen=True, slots=True)
class MedicationsData:
    """``medications.toml``: medicine names by class, effects and named groups of classes."""

    classes: Mapping[str, tuple[str, ...]]
    effects: Mapping[str, str]
    groups: Mapping[str, tuple[str, ...]]
    source: str
    confidence: str


def _medications(at: _At) -> MedicationsData:
    cl = at.table("classes")
    classes = cl.mapping(lambda t, k: cast(tuple[str, ...], t.texts(k)))
    eff = at.table("effects")
    effects = eff.mapping(lambda t, k: cast(str, t.text(k)))
    for k in effects:
        if k not in classes:
            eff.fail("an effect of an unknown class", k)
    gr = at.table("groups")
    groups = gr.mapping(lambda t, k: cast(tuple[str, ...], t.texts(k)))
    for k, members in groups.items():
        for name in members:
            if name not in classes:
                gr.fail(f"unknown class {name!r}", k)
    meta = at.table("meta")
    return MedicationsData(classes, effects, groups, meta.text("source"), meta.confidence())
