"""Typed section of ``clinical_markers.toml``: the Magnesium Depletion Score,
CKD-EPI 2021, serum, red-cell and urine magnesium, FEMg and the MNSI.

Builder ``_clinical_markers``, found by name by :func:`magnerve._sections.build_section`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, cast

from magnerve._sections._base import (
    CONFIDENCE_LEVELS,
    SEXES,
    Section,
    _At,
    _confidence_word,
    _freeze,
    _numbers,
    _unit,
)
from magnerve._sex import Sex


@dataclass(frozen=True, slots=True)
class MdsBand:
    """``egfr_min <= eGFR < egfr_max_exclusive`` [mL/min/1.73 m2] scores ``points``."""

    egfr_min: float
    egfr_max_exclusive: float
    points: int


@dataclass(frozen=True, slots=True)
class MdsGroup:
    """A group of Magnesium Depletion Scores ``min <= score <= max`` [points], with the label
    its source gives it (``"lower"``)."""

    label: str
    min: int
    max: int

    @property
    def scores(self) -> str:
        """The group's scores as its scheme writes them (``"0-1"``, ``"2"``, ``"3-5"``)."""
        return str(self.min) if self.min == self.max else f"{self.min}-{self.max}"


@dataclass(frozen=True, slots=True)
class MdsScore:
    """``[mds]``: points of the Magnesium Depletion Score components; ``highest_group_from``
    is the lowest score of the highest-risk group (the same in every ``[[mds.groupings]]``);
    ``groups`` the grouping magnerve reports (``reported_grouping``, one of the
    ``[[mds.groupings]]`` schemes), covering every score from ``score_min`` to ``score_max``
    once, in order."""

    score_min: int
    score_max: int
    diuretic_points: int
    ppi_points: int
    kidney_bands: tuple[MdsBand, ...]
    kidney_points_if_egfr_90_or_more: int
    heavy_drinking_points: int
    drinks_per_day_above: Mapping[Sex, float]
    highest_group_from: int
    source: str
    grouping_scheme: str = ""
    groups: tuple[MdsGroup, ...] = ()


def _mds_groups(ga: _At, lo: int, hi: int) -> tuple[MdsGroup, ...]:
    """The groups of one ``[[mds.groupings]]`` scheme, checked to cover ``lo``..``hi`` once."""
    out = []
    for i, g in enumerate(ga.raw("groups")):
        t = _At(ga.file, ga.where(f"groups[{i}]"), g)
        out.append(MdsGroup(t.text("label"), t.integer("min"), t.integer("max")))
    nxt = lo
    for g in out:
        if g.min != nxt or g.max < g.min:
            ga.fail(f"groups must cover scores {lo} to {hi} once, in order", "groups")
        nxt = g.max + 1
    if nxt != hi + 1:
        ga.fail(f"groups must cover scores {lo} to {hi} once, in order", "groups")
    return tuple(out)


def _mds(at: _At) -> MdsScore:
    m = at.table("mds")
    c = m.table("components")
    kf = c.table("kidney_function")
    bands = []
    for i, b in enumerate(kf.raw("bands")):
        ba = _At(at.file, kf.where(f"bands[{i}]"), b)
        bands.append(
            MdsBand(ba.num("egfr_min"), ba.num("egfr_max_exclusive"), ba.integer("points"))
        )
    hd = c.table("heavy_drinking")
    lo, hi = m.integer("score_min"), m.integer("score_max")
    reported = m.text("reported_grouping")
    chosen: tuple[MdsGroup, ...] = ()
    tops = set()
    for i, g in enumerate(m.raw("groupings")):
        ga = _At(at.file, m.where(f"groupings[{i}]"), g)
        groups = ga.raw("groups")
        if not isinstance(groups, list):
            ga.fail("expected a list", "groups")
        if not groups:  # a scheme looked for and not found (confidence "unverified")
            if _confidence_word(ga.text("confidence")) != "unverified":
                ga.fail("an empty list of groups needs confidence 'unverified'", "groups")
            continue
        scheme = _mds_groups(ga, lo, hi)
        tops.add(scheme[-1].min)
        if ga.text("scheme") == reported:
            chosen = scheme
    if len(tops) != 1:
        m.fail(f"the groupings disagree on the highest group: {sorted(tops)}", "groupings")
    if not chosen:
        m.fail(f"names no [[mds.groupings]] scheme with groups: {reported!r}", "reported_grouping")
    mds = MdsScore(
        lo,
        hi,
        c.table("diuretic").integer("points"),
        c.table("ppi").integer("points"),
        tuple(bands),
        kf.integer("points_if_egfr_90_or_more"),
        hd.integer("points"),
        MappingProxyType({s: float(hd.num(f"drinks_per_day_above_{s}")) for s in SEXES}),
        tops.pop(),
        m.text("reference"),
        reported,
        chosen,
    )
    return mds


@dataclass(frozen=True, slots=True)
class EgfrGolden:
    """A published eGFR example (creatinine in mg/dL or µmol/L, as the source gave it)."""

    creatinine_mg_dl: float | None
    creatinine_umol_l: float | None
    age: float
    sex: str
    expected_egfr: float
    rounding: str
    source: str
    confidence: str


@dataclass(frozen=True, slots=True)
class CkdEpi2021(Section):
    """``[ckd_epi_2021]``: constants of the race-free CKD-EPI 2021 creatinine equation
    (creatinine [mg/dL], age [years], eGFR [mL/min/1.73 m2]); ``sources`` names the source of
    the creatinine conversion factor."""

    multiplier: float = _unit("mL/min/1.73 m2", positive=True)
    upper_exponent: float = _unit("1")
    age_base: float = _unit("1/year (per year of age)", positive=True)
    female_factor: float = _unit("1", positive=True)
    male_factor: float = _unit("1", positive=True)
    kappa_female: float = _unit("mg/dL", positive=True)
    kappa_male: float = _unit("mg/dL", positive=True)
    alpha_female: float = _unit("1")
    alpha_male: float = _unit("1")
    umol_per_l_per_mg_per_dl: float = _unit("(umol/L)/(mg/dL)", positive=True)
    reference: str = ""
    source: str = ""
    confidence: str = ""
    golden: tuple[EgfrGolden, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)
    confidences: Mapping[str, str] = field(default_factory=dict)


def _ckd_epi(at: _At) -> CkdEpi2021:
    t = at.table("ckd_epi_2021")
    conv = t.table("creatinine_conversion")
    golden = []
    for i, g in enumerate(t.raw("golden", [])):
        ga = _At(at.file, t.where(f"golden[{i}]"), g)
        mg, umol = ga.opt_num("creatinine_mg_dl"), ga.opt_num("creatinine_umol_l")
        if (mg is None) == (umol is None):
            ga.fail("needs exactly one of creatinine_mg_dl or creatinine_umol_l")
        golden.append(
            EgfrGolden(
                mg,
                umol,
                ga.num("age", positive=True),
                ga.text("sex"),
                ga.num("expected_egfr", positive=True),
                ga.text("rounding"),
                ga.text("source"),
                ga.confidence(),
            )
        )
    key = "umol_per_l_per_mg_per_dl"
    return _numbers(
        CkdEpi2021,
        t,
        umol_per_l_per_mg_per_dl=conv.num(key, positive=True),
        reference=t.text("reference"),
        source=t.text("source"),
        confidence=t.confidence(),
        golden=tuple(golden),
        sources=MappingProxyType({key: conv.text("source")}),
        confidences=MappingProxyType({key: conv.confidence()}),
    )


@dataclass(frozen=True, slots=True)
class SerumMagnesium(Section):
    """``[serum_magnesium.*]``: the reference interval, the proposed lower cut-off, the
    symptom threshold and the unit conversion; ``source``/``confidence`` are the reference
    interval's, ``sources``/``confidences`` name the others' by field."""

    low_mmol_l: float = _unit("mmol/L", positive=True)
    high_mmol_l: float = _unit("mmol/L", positive=True)
    proposed_lower_cutoff_mmol_l: float = _unit("mmol/L", positive=True)
    symptom_threshold_mmol_l: float = _unit("mmol/L", positive=True)
    mg_dl_per_mmol_l: float = _unit("(mg/dL)/(mmol/L)", positive=True)
    source: str = ""
    confidence: str = ""
    sources: Mapping[str, str] = field(default_factory=dict)
    confidences: Mapping[str, str] = field(default_factory=dict)


def _serum(at: _At) -> SerumMagnesium:
    sm = at.table("serum_magnesium")
    ri, cut = sm.table("reference_interval"), sm.table("proposed_lower_cutoff")
    sym, conv = sm.table("symptom_threshold"), sm.table("conversions")
    lo, hi = ri.num("low_mmol_l", positive=True), ri.num("high_mmol_l", positive=True)
    if not lo < hi:
        ri.fail("low_mmol_l must be below high_mmol_l")
    sym_v = sym.num("value_mmol_l", positive=True)
    if not sym_v < lo:
        sym.fail("the symptom threshold must be below the reference interval", "value_mmol_l")
    return SerumMagnesium(
        lo,
        hi,
        cut.num("value_mmol_l", positive=True),
        sym_v,
        conv.num("mg_dl_per_mmol_l", positive=True),
        ri.text("source"),
        ri.confidence(),
        MappingProxyType(
            {
                "proposed_lower_cutoff_mmol_l": cut.text("source"),
                "symptom_threshold_mmol_l": sym.text("source"),
                "mg_dl_per_mmol_l": conv.text("mg_dl_per_mmol_l_source"),
            }
        ),
        MappingProxyType(
            {
                "proposed_lower_cutoff_mmol_l": cut.confidence(),
                "symptom_threshold_mmol_l": sym.confidence(),
                "mg_dl_per_mmol_l": conv.confidence("mg_dl_per_mmol_l_confidence"),
            }
        ),
    )


@dataclass(frozen=True, slots=True)
class LabInterval:
    """A laboratory's reference interval (red-cell magnesium) in ``unit``."""

    lab: str
    low: float
    high: float
    unit: Literal["mg/dL", "mmol/L"]
    source: str
    confidence: str


def _rbc(at: _At) -> tuple[LabInterval, ...]:
    t = at.table("rbc_magnesium")
    out = []
    for i, r in enumerate(t.raw("reference_intervals")):
        ra = _At(at.file, t.where(f"reference_intervals[{i}]"), r)
        units = [u for u in ("mg_dl", "mmol_l") if ra.has(f"low_{u}")]
        if len(units) != 1:
            ra.fail("needs low_/high_ in exactly one unit (mg_dl or mmol_l)")
        u = units[0]
        lo, hi = ra.num(f"low_{u}", positive=True), ra.num(f"high_{u}", positive=True)
        if not lo < hi:
            ra.fail(f"low_{u} must be below high_{u}")
        unit: Literal["mg/dL", "mmol/L"] = "mg/dL" if u == "mg_dl" else "mmol/L"
        out.append(LabInterval(ra.text("lab"), lo, hi, unit, ra.text("source"), ra.confidence()))
    if not any(r.unit == "mg/dL" for r in out):
        t.fail("needs at least one interval in mg/dL", "reference_intervals")
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Cutoff:
    """A published cut-off ``above`` which a marker suggests renal magnesium wasting (or a
    stated range of such cut-offs)."""

    above: float | None
    above_range: tuple[float, float] | None
    source: str
    confidence: str


@dataclass(frozen=True, slots=True)
class UrineMagnesium(Section):
    """``[urine_magnesium_24h]``: the usual 24-hour range and the extrarenal-loss cut-off
    [mg/day]; ``sources`` by field."""

    low_mg_day: float = _unit("mg/day", positive=True)
    high_mg_day: float = _unit("mg/day", positive=True)
    extrarenal_below_mg_day: float = _unit("mg/day", positive=True)
    renal_wasting_cutoffs: tuple[Cutoff, ...] = ()
    source: str = ""
    confidence: str = ""
    sources: Mapping[str, str] = field(default_factory=dict)
    confidences: Mapping[str, str] = field(default_factory=dict)


def _cutoffs(t: _At, key: str, unit: str) -> tuple[Cutoff, ...]:
    out = []
    for i, c in enumerate(t.raw(key)):
        ca = _At(t.file, t.where(f"{key}[{i}]"), c)
        rng = None
        if ca.has(f"above_{unit}_range"):
            lo, hi = ca.nums(f"above_{unit}_range", 2)
            rng = (lo, hi)
        above = ca.opt_num(f"above_{unit}")
        if (above is None) == (rng is None):
            ca.fail(f"needs exactly one of above_{unit} or above_{unit}_range")
        out.append(Cutoff(above, rng, ca.text("source"), ca.confidence()))
    return tuple(out)


def _urine(at: _At) -> UrineMagnesium:
    u = at.table("urine_magnesium_24h")
    nr, ex = u.table("normal_range"), u.table("extrarenal_loss")
    lo, hi = nr.num("low_mg_day", positive=True), nr.num("high_mg_day", positive=True)
    if not lo < hi:
        nr.fail("low_mg_day must be below high_mg_day")
    return UrineMagnesium(
        lo,
        hi,
        ex.num("below_mg_day", positive=True),
        _cutoffs(u, "renal_wasting_cutoffs", "mg_day"),
        nr.text("source"),
        nr.confidence(),
        MappingProxyType({"extrarenal_below_mg_day": ex.text("source")}),
        MappingProxyType({"extrarenal_below_mg_day": ex.confidence()}),
    )


@dataclass(frozen=True, slots=True)
class Femg(Section):
    """``[femg]``: the filterable fraction of plasma magnesium and the renal-wasting cut-offs
    of the fractional excretion [%]."""

    filterable_fraction: float = _unit("fraction", positive=True)
    renal_wasting_cutoffs: tuple[Cutoff, ...] = ()
    source: str = ""
    confidence: str = ""


def _femg(at: _At) -> Femg:
    f = at.table("femg")
    frac = f.num("filterable_fraction", positive=True)
    if frac > 1:
        f.fail(f"a fraction above 1: {frac!r}", "filterable_fraction")
    cuts = _cutoffs(f, "renal_wasting_cutoffs", "percent")
    if len(cuts) < 1 or any(c.above is None for c in cuts):
        f.fail("expected cut-offs with above_percent", "renal_wasting_cutoffs")
    return Femg(frac, cuts, f.text("source"), f.confidence())


@dataclass(frozen=True, slots=True)
class MnsiItem:
    """An MNSI history question; ``scores_on`` the answer that scores a point (or "none")."""

    number: int
    text: str
    scores_on: Literal["yes", "no", "none"]
    note: str = ""


@dataclass(frozen=True, slots=True)
class MnsiCutoff:
    """Abnormal at or above ``at_or_above`` (or above ``above``) [points]."""

    at_or_above: float | None
    above: float | None
    label: str
    source: str
    confidence: str


@dataclass(frozen=True, slots=True)
class MnsiExamComponent:
    """A component of the MNSI examination: points per foot for each finding."""

    name: str
    per_foot_points: Mapping[str, float]
    source: str
    confidence: str


@dataclass(frozen=True, slots=True)
class Mnsi:
    """``[mnsi]``: the history questionnaire (items, cut-offs) and the examination
    (components, cut-offs, maximum score) [points]."""

    history_items: tuple[MnsiItem, ...]
    history_max_score: int
    history_cutoffs: tuple[MnsiCutoff, ...]
    exam_components: tuple[MnsiExamComponent, ...]
    exam_max_score_with_monofilament: float
    exam_cutoffs: tuple[MnsiCutoff, ...]


def _mnsi_cutoffs(t: _At) -> tuple[MnsiCutoff, ...]:
    out = []
    for i, c in enumerate(t.raw("cutoffs")):
        ca = _At(t.file, t.where(f"cutoffs[{i}]"), c)
        at_or, above = ca.opt_num("abnormal_at_or_above"), ca.opt_num("abnormal_above")
        if (at_or is None) == (above is None):
            ca.fail("needs exactly one of abnormal_at_or_above or abnormal_above")
        conf = ca.text("confidence")
        if _confidence_word(conf) not in (*CONFIDENCE_LEVELS, "unverified"):
            ca.fail(f"confidence {conf!r} is not high/medium/low/unverified", "confidence")
        out.append(MnsiCutoff(at_or, above, ca.text("label", ""), ca.text("source"), conf))
    if not any(c.at_or_above is not None for c in out):
        t.fail("needs a cut-off with abnormal_at_or_above", "cutoffs")
    return tuple(out)


def _mnsi(at: _At) -> Mnsi:
    m = at.table("mnsi")
    h, e = m.table("history"), m.table("exam")
    items = []
    for i, it in enumerate(h.raw("items")):
        ia = _At(at.file, h.where(f"items[{i}]"), it)
        rule = ia.text("scores_on")
        if rule not in ("yes", "no", "none"):
            ia.fail(f"scores_on must be yes, no or none, got {rule!r}", "scores_on")
        items.append(MnsiItem(ia.integer("number"), ia.text("text"), rule, ia.text("note", "")))
    if len({it.number for it in items}) != len(items):
        h.fail("duplicate item numbers", "items")
    top = h.integer("max_score")
    if top != sum(it.scores_on != "none" for it in items):
        h.fail(f"max_score {top} is not the number of scored items", "max_score")
    h_cuts = _mnsi_cutoffs(h)
    if not any(c.label == "original" for c in h_cuts):
        h.fail("needs the cut-off labelled 'original' (the default)", "cutoffs")
    comps = []
    for i, c in enumerate(e.raw("components")):
        ca = _At(at.file, e.where(f"components[{i}]"), c)
        pts = ca.table("per_foot_points")
        comps.append(
            MnsiExamComponent(
                ca.text("name"),
                pts.mapping(lambda t, k: cast(float, t.num(k))),
                ca.text("source"),
                ca.confidence(),
            )
        )
    top_exam = e.num("max_score_with_monofilament", positive=True)
    if top_exam != 2 * sum(max(c.per_foot_points.values()) for c in comps):
        e.fail(
            "is not twice the sum of the components' highest points", "max_score_with_monofilament"
        )
    return Mnsi(tuple(items), top, h_cuts, tuple(comps), top_exam, _mnsi_cutoffs(e))


@dataclass(frozen=True, slots=True)
class ClinicalMarkersData:
    """``clinical_markers.toml``: the MDS, CKD-EPI 2021, serum, red-cell and urine magnesium,
    FEMg and the MNSI, each typed; ``raw`` is the file as written (read-only), for
    :func:`magnerve.clinical.markers`."""

    mds: MdsScore
    ckd_epi_2021: CkdEpi2021
    serum_magnesium: SerumMagnesium
    rbc_magnesium: tuple[LabInterval, ...]
    urine_magnesium_24h: UrineMagnesium
    femg: Femg
    mnsi: Mnsi
    raw: Mapping[str, Any]


def _clinical_markers(at: _At) -> ClinicalMarkersData:
    return ClinicalMarkersData(
        _mds(at),
        _ckd_epi(at),
        _serum(at),
        _rbc(at),
        _urine(at),
        _femg(at),
        _mnsi(at),
        _freeze(at.node),
    )
