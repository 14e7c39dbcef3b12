"""Typed section of ``interactions.toml``: thresholds of the nutrient-interaction checks
and risk rules.

Builder ``_interactions``, found by name by :func:`magnerve._sections.build_section`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from magnerve._sections._base import (
    Section,
    _At,
    _freeze,
    _unit,
)


@dataclass(frozen=True, slots=True)
class CaMgRatio(Section):
    """``[ca_mg_ratio]``: bands of the dietary calcium : magnesium ratio."""

    low_band_below: float = _unit("mass ratio")
    high_band_above: float = _unit("mass ratio")
    optimum: float = _unit("mass ratio")
    source: str = ""
    confidence: str = ""


@dataclass(frozen=True, slots=True)
class ZincThreshold(Section):
    """``[zinc]``: the supplement dose at which lower magnesium absorption was measured."""

    high_dose_supplement_mg_per_day: float = _unit("mg/day")
    source: str = ""
    confidence: str = ""


@dataclass(frozen=True, slots=True)
class B6Threshold(Section):
    """``[vitamin_b6]``: the EFSA upper level (set on peripheral neuropathy)."""

    efsa_ul_mg_per_day: float = _unit("mg/day")
    source: str = ""
    confidence: str = ""


@dataclass(frozen=True, slots=True)
class GrainWords:
    """``[grains]``: word lists that classify grain foods as whole or refined."""

    groups: tuple[str, ...]
    whole_words: tuple[str, ...]
    refined_words: tuple[str, ...]
    whole_overrides_refined: bool
    source: str
    confidence: str


@dataclass(frozen=True, slots=True)
class CalciumAbsorption(Section):
    """``[calcium_absorption]``: calcium intake up to which no effect on magnesium was seen."""

    no_effect_up_to_mg_per_day: float = _unit("mg/day")
    source: str = ""
    confidence: str = ""


@dataclass(frozen=True, slots=True)
class LifestyleThresholds(Section):
    """``[lifestyle_thresholds]``: caffeine, perceived stress and drinking-water thresholds,
    each with its own source (``sources``/``confidences`` by field; empty when not stated)."""

    caffeine_high_mg_per_day: float = _unit("mg/day")
    pss10_high_from: float = _unit("PSS-10 points")
    water_low_mg_per_l: float = _unit("mg/L")
    sources: Mapping[str, str] = field(default_factory=dict)
    confidences: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HardnessClasses:
    """``[water_hardness_classes]``: USGS classes and their upper bounds [mg/L as CaCO3]."""

    classes: tuple[str, ...]
    upper_mg_per_l: tuple[float, ...]
    source: str
    confidence: str


@dataclass(frozen=True, slots=True)
class InteractionsData:
    """``interactions.toml``: thresholds of the nutrient-interaction checks and risk rules;
    ``raw`` is the file as written (read-only), for :func:`magnerve.interactions.thresholds`."""

    ca_mg_ratio: CaMgRatio
    zinc: ZincThreshold
    vitamin_b6: B6Threshold
    grains: GrainWords
    oxalate_words: tuple[str, ...]
    coffee_ndb: str
    calcium_absorption: CalciumAbsorption
    lifestyle: LifestyleThresholds
    hardness: HardnessClasses
    raw: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


def _interactions(at: _At) -> InteractionsData:
    ca = at.table("ca_mg_ratio")
    lo, hi = ca.num("low_band_below", positive=True), ca.num("high_band_above", positive=True)
    if not lo < hi:
        ca.fail("low_band_below must be below high_band_above")
    z, b6, g = at.table("zinc"), at.table("vitamin_b6"), at.table("grains")
    cab, lt, h = at.table("calcium_absorption"), at.table("lifestyle_thresholds"), None
    h = at.table("water_hardness_classes")
    classes, upper = h.texts("classes"), h.nums("upper_mg_per_l")
    if len(classes) != len(upper) + 1 or list(upper) != sorted(upper):
        h.fail("need one more class than (increasing) upper bounds")
    # the thresholds' own source keys (caffeine_source, pss10_source, water_source)
    srcs = {
        "caffeine_high_mg_per_day": lt.text("caffeine_source"),
        "pss10_high_from": lt.text("pss10_source"),
        "water_low_mg_per_l": lt.text("water_source"),
    }
    confs = {"pss10_high_from": lt.confidence("pss10_confidence")}
    return InteractionsData(
        CaMgRatio(lo, hi, ca.num("optimum"), ca.text("source"), ca.confidence()),
        ZincThreshold(
            z.num("high_dose_supplement_mg_per_day", positive=True),
            z.text("source"),
            z.confidence(),
        ),
        B6Threshold(
            b6.num("efsa_ul_mg_per_day", positive=True), b6.text("source"), b6.confidence()
        ),
        GrainWords(
            g.texts("groups"),
            g.texts("whole_words"),
            g.texts("refined_words"),
            g.flag("whole_overrides_refined", False),
            g.text("source"),
            g.confidence(),
        ),
        at.table("oxalate").texts("words"),
        at.table("caffeine").text("coffee_ndb"),
        CalciumAbsorption(
            cab.num("no_effect_up_to_mg_per_day", positive=True),
            cab.text("source"),
            cab.confidence(),
        ),
        LifestyleThresholds(
            lt.num("caffeine_high_mg_per_day", positive=True),
            lt.num("pss10_high_from"),
            lt.num("water_low_mg_per_l", positive=True),
            MappingProxyType(srcs),
            MappingProxyType(confs),
        ),
        HardnessClasses(classes, upper, h.text("source"), h.confidence()),
        _freeze(at.node),
    )
