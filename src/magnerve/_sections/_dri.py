"""Typed section of ``dri_magnesium.toml`` and ``dri_partners.toml`` (one set of
classes for both): reference-intake tables by authority or by nutrient.

Builders ``_dri_magnesium`` and ``_dri_partners``, found by name by
:func:`magnerve._sections.build_section`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, cast

from magnerve._sections._base import (
    SEXES,
    _At,
    _freeze,
)
from magnerve._sex import Sex

_SEXES = (*SEXES, "both")  # "both": a row for children of either sex
_STAGES = ("general", "pregnant", "lactating")


@dataclass(frozen=True, slots=True)
class DriRow:
    """One life-stage row of a reference-intake table (values in the table's unit)."""

    sex: Sex | Literal["both"]
    stage: Literal["general", "pregnant", "lactating"]
    age_min: float
    age_max: float
    ear: float | None = None
    rda: float | None = None
    ai: float | None = None
    rni: float | None = None
    ul: float | None = None
    source: str | None = None
    confidence: str | None = None
    raw: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class DriTable:
    """A reference-intake table of one nutrient and authority."""

    key: str
    unit: str
    source: str
    confidence: str
    requirement_cv: float | None
    ul_scope: str
    rows: tuple[DriRow, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class DriData:
    """``dri_magnesium.toml`` (tables by authority key, ``iom1997`` ...) or
    ``dri_partners.toml`` (tables by nutrient); ``other`` holds tables without ``rows``."""

    tables: Mapping[str, DriTable]
    other: Mapping[str, Any]


def _dri_row(at: _At) -> DriRow:
    sex = at.text("sex")
    if sex not in _SEXES:
        at.fail(f"sex must be one of {', '.join(_SEXES)}, got {sex!r}", "sex")
    stage = at.text("stage", "general")
    if stage not in _STAGES:
        at.fail(f"stage must be one of {', '.join(_STAGES)}, got {stage!r}", "stage")
    lo, hi = at.num("age_min"), at.num("age_max")
    if not 0 <= lo < hi:
        at.fail(f"need 0 <= age_min < age_max, got {lo!r}, {hi!r}")
    vals = {k: at.opt_num(k) for k in ("ear", "rda", "ai", "rni", "ul")}
    if all(v is None for v in vals.values()) and not at.has("ul_min"):
        at.fail("a row without any reference value (ear, rda, ai, rni or ul)")
    conf = at.confidence("confidence", None)
    return DriRow(
        cast(Any, sex),
        cast(Any, stage),
        lo,
        hi,
        **vals,
        source=at.text("source", None),
        confidence=conf,
        raw=_freeze(at.node),
    )


def _dri_table(key: str, at: _At, meta: _At, *, default_scope: str, default_unit: str) -> DriTable:
    rows = at.raw("rows")
    if not isinstance(rows, list) or not rows:
        at.fail("expected a non-empty list of rows", "rows")
    return DriTable(
        key,
        meta.text("unit", default_unit),
        meta.text("source"),
        meta.confidence("confidence", ""),
        meta.num("requirement_cv", None, positive=True),
        meta.text("ul_scope", default_scope),
        tuple(_dri_row(_At(at.file, at.where(f"rows[{i}]"), r)) for i, r in enumerate(rows)),
        meta.text("note", ""),
    )


def _dri_magnesium(at: _At) -> DriData:
    tables = {
        k: _dri_table(k, t, t, default_scope="none", default_unit="mg/day") for k, t in at.tables()
    }
    return DriData(MappingProxyType(tables), MappingProxyType({}))


def _dri_partners(at: _At) -> DriData:
    tables: dict[str, DriTable] = {}
    other: dict[str, Any] = {}
    for k, t in at.tables():
        if t.has("rows"):
            meta = t.table("meta") if t.has("meta") else _At(at.file, t.where("meta"), {})
            tables[k] = _dri_table(k, t, meta, default_scope="total", default_unit="")
        else:
            for i, r in enumerate(t.raw("ul_rows", [])):
                _dri_row(_At(at.file, t.where(f"ul_rows[{i}]"), r))
            other[k] = _freeze(t.node)
    return DriData(MappingProxyType(tables), MappingProxyType(other))
