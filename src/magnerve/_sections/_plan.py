"""Typed section of ``plan.toml``: the plan optimiser's settings.

Builder ``_plan``, found by name by :func:`magnerve._sections.build_section`.
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
class PlanWeights(Section):
    """``[weights]``: costs per serving changed that rank feasible plans (modelling choices)."""

    keep_familiar: float = _unit("cost per serving")
    add_new: float = _unit("cost per serving")
    new_food_fixed: float = _unit("cost per new food")
    remove_quarter: float = _unit("cost per quarter removed")
    supplement: float = _unit("cost")
    supplement_per_100mg: float = _unit("cost per 100 mg/day")
    magnesium_density_preference: float = _unit("cost per serving")
    fewest_changes_multiplier: float = _unit("x", positive=True)


@dataclass(frozen=True, slots=True)
class PlanLimits(Section):
    """``[limits]``: bounds on the plan's changes (modelling choices unless ``sources`` names a
    source for the field)."""

    energy_tolerance_up: float = _unit("fraction of current energy")
    energy_room_min_kcal: float = _unit("kcal/day")
    energy_tolerance_down: float = _unit("fraction of current energy")
    max_new_foods: int = _unit("foods", integer=True)
    max_servings_per_new_food: float = _unit("servings/day")
    max_extra_servings_familiar: float = _unit("servings/day")
    max_share_of_gap: float = _unit("fraction of the magnesium gap", positive=True)
    min_change_mg: float = _unit("mg/day")
    min_removable_g: float = _unit("g/day")
    min_removable_kcal: float = _unit("kcal/day")
    sodium_cdrr_mg: float = _unit("mg/day", positive=True)
    reference_energy_kcal: float = _unit("kcal/day", positive=True)
    child_portion_scale_min: float = _unit("x", positive=True)
    child_portion_scale_max: float = _unit("x", positive=True)
    sources: Mapping[str, str] = field(default_factory=dict)
    confidences: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WordRule:
    """Foods a diet pattern or an exclusion rules out: SR28 food groups, description words,
    words that are exceptions to them, and groups never *added* (``avoid_adding_groups``)."""

    groups: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    except_words: tuple[str, ...] = ()
    avoid_adding_groups: tuple[str, ...] = ()


def _word_rule(t: _At, prefix: str) -> WordRule:
    """A ``[patterns.*]`` (keys ``exclude_groups``, ``exclude_words``, ``exclude_words_except``)
    or ``[exclusions.*]`` (``groups``, ``words``, ``except_words``) table."""
    if prefix:
        names = ("exclude_groups", "exclude_words", "exclude_words_except")
    else:
        names = ("groups", "words", "except_words")
    known = {*names, "avoid_adding_groups"}
    for k in t.node:
        if k not in known:
            t.fail(f"unknown key (use {', '.join(sorted(known))})", k)
    return WordRule(
        t.texts(names[0], ()),
        t.texts(names[1], ()),
        t.texts(names[2], ()),
        t.texts("avoid_adding_groups", ()),
    )


@dataclass(frozen=True, slots=True)
class PlanSupplements:
    """``[supplements]``: forms the plan may suggest (in order), dose steps [mg/day], the
    dose split above [mg/day], and what to monitor by situation."""

    forms: tuple[str, ...]
    form_reason: str
    poorly_absorbed_forms: tuple[str, ...]
    switch_to: str
    dose_step_mg: float
    split_above_mg: float
    monitor: Mapping[str, tuple[str, ...]]
    confidence: str


@dataclass(frozen=True, slots=True)
class PlanAdditions:
    """``[additions]``: what is never added (groups, words, raw legumes and grains) and the
    servings added per food family."""

    raw_excluded_groups: tuple[str, ...]
    raw_except_words: tuple[str, ...]
    avoid_groups: tuple[str, ...]
    max_servings_per_family: float
    exclude_words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlanChildren:
    """``[children]``: choking hazards below ``choking_age_below`` [years] (AAP 2010)."""

    choking_age_below: float
    choking_words: tuple[str, ...]
    choking_groups: tuple[str, ...]
    choking_except_words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlanSafety:
    """``[safety]``: the serum magnesium below which a supplement needs the clinician
    [mmol/L], referral texts, and medicine classes that always need the clinician."""

    serum_low_mmol_l: float
    serum_source: str
    refer_to_kidney: str
    refer_reason_kidney: str
    clinician_only_medication_classes: tuple[str, ...]
    ppi_review: str


@dataclass(frozen=True, slots=True)
class PlanPreference:
    """``[preference]``: preferred categories and the cost taken off / added per serving."""

    prefer: tuple[str, ...]
    prefer_discount: float
    oxalate_surcharge: float


@dataclass(frozen=True, slots=True)
class PlanData:
    """``plan.toml``: the optimiser's settings; ``raw`` is the file as written (read-only),
    for :func:`magnerve.plan._rules.settings`."""

    weights: PlanWeights
    limits: PlanLimits
    serving_min_g: float
    serving_max_g: float
    category_caps: Mapping[str, int]
    preference: PlanPreference
    children: PlanChildren
    patterns: Mapping[str, WordRule]
    exclusions: Mapping[str, WordRule]
    supplements: PlanSupplements
    additions: PlanAdditions
    safety: PlanSafety
    raw: Mapping[str, Any]


def _plan(at: _At) -> PlanData:
    lim, sv, caps = at.table("limits"), at.table("serving"), at.table("category_caps")
    limits = _numbers(
        PlanLimits,
        lim,
        sources=MappingProxyType(
            {
                "sodium_cdrr_mg": lim.text("sodium_source"),
                "reference_energy_kcal": lim.text("reference_energy_source"),
            }
        ),
        confidences=MappingProxyType({"sodium_cdrr_mg": lim.confidence("sodium_confidence")}),
    )
    if not limits.child_portion_scale_min <= limits.child_portion_scale_max:
        lim.fail("child_portion_scale_min is above child_portion_scale_max")
    lo, hi = sv.num("min_g", positive=True), sv.num("max_g", positive=True)
    if not lo < hi:
        sv.fail("min_g must be below max_g")
    cap = {}
    for k in caps.node:
        if k != "confidence":
            n = caps.integer(k)
            if n < 0:
                caps.fail(f"expected 0 or more servings, got {n!r}", k)
            cap[k] = n
    if "other" not in cap:
        caps.fail("missing (the cap of foods of no other category)", "other")
    caps.confidence()
    pref, ch = at.table("preference"), at.table("children")
    sp, ad, sa = at.table("supplements"), at.table("additions"), at.table("safety")
    mon = sp.table("monitor")
    patterns = {k: _word_rule(t, "exclude") for k, t in at.table("patterns").tables()}
    exclusions = {k: _word_rule(t, "") for k, t in at.table("exclusions").tables()}
    forms = sp.texts("forms")
    if not forms:
        sp.fail("expected at least one form", "forms")
    return PlanData(
        _numbers(PlanWeights, at.table("weights")),
        limits,
        lo,
        hi,
        MappingProxyType(cap),
        PlanPreference(
            pref.texts("prefer"),
            pref.num("prefer_discount"),
            pref.num("oxalate_surcharge"),
        ),
        PlanChildren(
            ch.num("choking_age_below", positive=True),
            ch.texts("choking_words"),
            ch.texts("choking_groups"),
            ch.texts("choking_except_words"),
        ),
        MappingProxyType(patterns),
        MappingProxyType(exclusions),
        PlanSupplements(
            forms,
            sp.text("form_reason"),
            sp.texts("poorly_absorbed_forms"),
            sp.text("switch_to"),
            sp.num("dose_step_mg", positive=True),
            sp.num("split_above_mg", positive=True),
            mon.mapping(lambda t, k: cast(tuple[str, ...], t.texts(k))),
            sp.confidence(),
        ),
        PlanAdditions(
            ad.texts("raw_excluded_groups"),
            ad.texts("raw_except_words"),
            ad.texts("avoid_groups"),
            ad.num("max_servings_per_family", positive=True),
            ad.texts("exclude_words"),
        ),
        PlanSafety(
            sa.num("serum_low_mmol_l", positive=True),
            sa.text("serum_source"),
            sa.text("refer_to_kidney"),
            sa.text("refer_reason_kidney"),
            sa.texts("clinician_only_medication_classes", ()),
            sa.text("ppi_review"),
        ),
        _freeze(at.node),
    )
