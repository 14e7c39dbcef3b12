"""Typed section of ``within_person_sd.toml``: within-person SDs of intake by nutrient and
life stage.

Builder ``_within_person_sd``, found by name by :func:`magnerve._sections.build_section`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from magnerve._sections._base import (
    _At,
    _freeze,
)


@dataclass(frozen=True, slots=True)
class WithinSd:
    """A day-to-day (within-person) SD of intake [the nutrient's DRI unit/day] for one life
    stage, with its source; ``mean_intake`` for values derived from a CV, ``table_group`` the
    group the source published it for, ``from_group`` for a fallback."""

    sd: float
    source: str
    confidence: str
    table_group: str = ""
    derivation: str = ""
    mean_intake: float | None = None
    from_group: str = ""


@dataclass(frozen=True, slots=True)
class WithinPersonSdData:
    """``within_person_sd.toml``: published SDs by nutrient and life-stage key
    (``published["magnesium"]["F 19-30"]``), SDs derived from a CV (``derived``), the stated
    fallbacks, and the CV above which the IOM method is declined; ``raw`` is the file as
    written (read-only; the worked examples for the golden tests are there)."""

    published: Mapping[str, Mapping[str, WithinSd]]
    derived: Mapping[str, Mapping[str, WithinSd]]
    fallback: Mapping[str, WithinSd]
    cv_limit: float
    cv_limit_source: str
    source: str
    unit: str
    raw: Mapping[str, Any]


_NOT_SD_TABLES = ("meta", "fallback", "z_table")


def _within_sd(t: _At) -> WithinSd:
    mean = t.opt_num("mean_intake")
    return WithinSd(
        t.num("sd", positive=True),
        t.text("source"),
        t.confidence(),
        t.text("table_group", ""),
        t.text("derivation", ""),
        None if mean is None else float(mean),
        t.text("from_group", ""),
    )


def _within_person_sd(at: _At) -> WithinPersonSdData:
    meta = at.table("meta")
    cv = meta.num("cv_limit", positive=True)
    if cv >= 1:
        meta.fail(f"expected a CV below 1, got {cv!r}", "cv_limit")
    published: dict[str, Mapping[str, WithinSd]] = {}
    derived: dict[str, Mapping[str, WithinSd]] = {}
    for k, t in at.tables(skip=_NOT_SD_TABLES):
        if k.startswith("worked_example"):
            continue
        entries = {s: _within_sd(e) for s, e in t.tables()}
        if not entries:
            t.fail("expected life-stage entries with an sd")
        if k.endswith("_derived"):
            t.num("cv", positive=True)
            derived[k.removesuffix("_derived")] = MappingProxyType(entries)
        else:
            published[k] = MappingProxyType(entries)
    fallback = {k: _within_sd(t) for k, t in at.table("fallback").tables()}
    return WithinPersonSdData(
        MappingProxyType(published),
        MappingProxyType(derived),
        MappingProxyType(fallback),
        cv,
        meta.text("cv_limit_source"),
        meta.text("source"),
        meta.text("unit"),
        _freeze(at.node),
    )
