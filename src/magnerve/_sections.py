"""Typed sections of the reference data (issue 10): one model per data file, validated on load.

The registry (:mod:`magnerve.registry`) parses each TOML file once and builds its section here;
a file that does not fit its model raises :class:`DataFileError` naming the file and the key
path (``"absorption.toml: model.vmax.value: expected a number, got 'x'"``). Modules read the
typed section (``get_registry().section("interactions")``) instead of indexing raw dicts.

One convention for a sourced value: :class:`SourcedValue` (value, unit, source, confidence).
Data files that keep a table's source and confidence next to plain numbers (``[zinc]`` with
``high_dose_supplement_mg_per_day``, ``source`` and ``confidence``) are read into sections that
give the same view through :meth:`Section.sourced` (the unit is the field's metadata, written
where the field is declared; the number always comes from the data).

Standard library only, so that loading a data file stays cheap on the ``foods search`` path
(no pydantic). Every model is a frozen dataclass; mappings are read-only views.

Examples
--------
>>> from magnerve.registry import get_registry
>>> s = get_registry().section("interactions")
>>> s.lifestyle.caffeine_high_mg_per_day
400
>>> s.lifestyle.sourced("caffeine_high_mg_per_day").unit
'mg/day'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Literal, NoReturn, TypeVar, cast, get_args

from magnerve._sex import Sex
from magnerve.errors import DataFileError  # re-exported: ``from magnerve._sections import ...``

__all__ = [
    "CONFIDENCE_LEVELS",
    "AbsorptionData",
    "BoundsData",
    "ClinicalMarkersData",
    "DataFileError",
    "DriData",
    "DriRow",
    "DriTable",
    "EnergyData",
    "HomeostasisData",
    "InteractionsData",
    "LimitsData",
    "PhysiologyData",
    "PlanData",
    "Range",
    "Section",
    "ServingsData",
    "SourcedTree",
    "SourcedValue",
    "WithinPersonSdData",
    "WordRule",
    "build_section",
    "known_sections",
]

T = TypeVar("T")

SEXES: tuple[Sex, ...] = get_args(Sex)
#: Confidence words of the sourced-value convention (the first word of ``confidence``).
CONFIDENCE_LEVELS = ("high", "medium", "low")
_MISSING: Any = object()


def _freeze(x: Any) -> Any:
    """Read-only copy: dicts as mapping views, lists as tuples (recursively)."""
    if isinstance(x, dict):
        return MappingProxyType({k: _freeze(v) for k, v in x.items()})
    if isinstance(x, list):
        return tuple(_freeze(v) for v in x)
    return x


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


class _At:
    """A table of a data file being read, with its key path for error messages."""

    __slots__ = ("file", "node", "path")

    def __init__(self, file: str, path: str, node: object) -> None:
        if not isinstance(node, dict):
            raise DataFileError(file, path, f"expected a table, got {type(node).__name__}")
        self.file, self.path, self.node = file, path, cast(dict[str, Any], node)

    def where(self, key: str | None = None) -> str:
        if key is None:
            return self.path
        return f"{self.path}.{key}" if self.path else key

    def fail(self, problem: str, key: str | None = None) -> NoReturn:
        raise DataFileError(self.file, self.where(key), problem)

    def has(self, key: str) -> bool:
        return key in self.node

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        if key in self.node:
            return self.node[key]
        if default is _MISSING:
            self.fail("missing", key)
        return default

    def table(self, key: str) -> _At:
        return _At(self.file, self.where(key), self.raw(key))

    def tables(self, *, skip: tuple[str, ...] = ()) -> Iterator[tuple[str, _At]]:
        """The sub-tables (keys whose value is a table), in file order."""
        for k, v in self.node.items():
            if isinstance(v, dict) and k not in skip:
                yield k, _At(self.file, self.where(k), v)

    def num(self, key: str, default: Any = _MISSING, *, positive: bool = False) -> Any:
        """A finite number (int or float as written; never a bool)."""
        v = self.raw(key, default)
        if v is default and default is not _MISSING:
            return v
        if not _is_number(v):
            self.fail(f"expected a number, got {v!r}", key)
        if not math.isfinite(v):
            self.fail(f"expected a finite number, got {v!r}", key)
        if positive and v <= 0:
            self.fail(f"expected a positive number, got {v!r}", key)
        return v

    def opt_num(self, key: str) -> Any:
        return self.num(key, None)

    def integer(self, key: str, default: Any = _MISSING) -> Any:
        v = self.raw(key, default)
        if v is default and default is not _MISSING:
            return v
        if not isinstance(v, int) or isinstance(v, bool):
            self.fail(f"expected an integer, got {v!r}", key)
        return v

    def text(self, key: str, default: Any = _MISSING) -> Any:
        v = self.raw(key, default)
        if v is default and default is not _MISSING:
            return v
        if not isinstance(v, str):
            self.fail(f"expected text, got {v!r}", key)
        return v

    def flag(self, key: str, default: bool) -> bool:
        v = self.raw(key, default)
        if not isinstance(v, bool):
            self.fail(f"expected true or false, got {v!r}", key)
        return v

    def texts(self, key: str, default: Any = _MISSING) -> Any:
        v = self.raw(key, default)
        if v is default and default is not _MISSING:
            return v
        if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
            self.fail("expected a list of text", key)
        return tuple(v)

    def nums(self, key: str, n: int | None = None) -> tuple[float, ...]:
        v = self.raw(key)
        if not isinstance(v, list) or not all(_is_number(x) and math.isfinite(x) for x in v):
            self.fail("expected a list of finite numbers", key)
        if n is not None and len(v) != n:
            self.fail(f"expected {n} numbers, got {len(v)}", key)
        return tuple(v)

    def confidence(self, key: str = "confidence", default: Any = _MISSING) -> Any:
        """A confidence statement whose first word is high, medium or low."""
        v = self.text(key, default)
        if v is default and default is not _MISSING:
            return v
        if _confidence_word(v) not in CONFIDENCE_LEVELS:
            self.fail(f"confidence {v!r} is not high/medium/low", key)
        return v

    def sourced(self, key: str) -> SourcedValue:
        return SourcedValue.read(self.table(key))

    def mapping(self, read: Callable[[_At, str], T]) -> Mapping[str, T]:
        """Every entry of this table read by ``read(self, key)``, as a read-only mapping."""
        return MappingProxyType({k: read(self, k) for k in self.node})


_SOURCE_KEYS = ("source", "derivation", "sources", "confidence")


def _as_tuple(v: float | tuple[float, ...]) -> tuple[float, ...]:
    return v if isinstance(v, tuple) else (v,)


def _confidence_word(conf: str) -> str:
    return conf.split(":")[0].split(" ")[0].strip()


@dataclass(frozen=True, slots=True)
class SourcedValue:
    """A number from the literature with its unit, source and confidence.

    Attributes
    ----------
    value : float, int or tuple of float
        The number as written (nan: looked for, not found).
    unit : str
        Its unit (free text, e.g. ``"mg/day"``).
    source : str
        Where it was read (or how it was derived).
    confidence : str
        A statement starting with high, medium or low (``"unverified"`` only for nan).
    range : tuple of float or None
        A stated range, when the data gives one.
    note : str
    extra : mapping
        Any further keys of the entry (read-only; e.g. ``by_age`` rows, ``forms``).
    """

    value: float | tuple[float, ...]
    unit: str
    source: str
    confidence: str
    range: tuple[float, float] | None = None
    note: str = ""
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def level(self) -> str:
        """The confidence word: ``"high"``, ``"medium"``, ``"low"`` (or ``"unverified"``)."""
        return _confidence_word(self.confidence)

    def __float__(self) -> float:
        if isinstance(self.value, tuple):
            raise TypeError("a list of values has no single float")
        return float(self.value)

    @classmethod
    def read(cls, at: _At, inherited: Mapping[str, Any] | None = None) -> SourcedValue:
        """Read and check a ``{value, unit, source, confidence}`` table.

        ``inherited``: the enclosing table when it states the source (and confidence) for
        the values inside it, as the convention allows (:meth:`Registry.issues` alike).
        """
        if inherited:
            at = _At(at.file, at.path, {**inherited, **at.node})
        v = at.raw("value")
        if isinstance(v, list):
            if not all(_is_number(x) and not math.isinf(x) for x in v):
                at.fail("expected a list of numbers (nan: not found)", "value")
            value: float | tuple[float, ...] = tuple(v)
        elif _is_number(v):
            if math.isinf(v):
                at.fail("an infinite value", "value")
            value = v
        else:
            at.fail(f"expected a number or a list of numbers, got {v!r}", "value")
        unit = at.text("unit")
        sources = [at.node[k] for k in ("source", "derivation", "sources") if k in at.node]
        if not sources:
            at.fail("a value without a source (source, derivation or sources)")
        source = at.node.get("source") or at.node.get("derivation") or at.node.get("sources")
        conf = at.text("confidence")
        not_found = any(isinstance(x, float) and math.isnan(x) for x in _as_tuple(value))
        word = _confidence_word(conf)
        if word not in CONFIDENCE_LEVELS and not (not_found and word == "unverified"):
            at.fail(f"confidence {conf!r} is not high/medium/low", "confidence")
        rng = None
        if "range" in at.node:
            lo, hi = at.nums("range", 2)
            rng = (lo, hi)
        skip = {"value", "unit", "source", "confidence", "range", "note"}
        extra = {k: _freeze(x) for k, x in at.node.items() if k not in skip}
        return cls(
            value,
            unit,
            str(source),
            conf,
            rng,
            at.text("note", ""),
            MappingProxyType(extra),
        )


@dataclass(frozen=True, slots=True)
class Section:
    """Base of the typed sections: :meth:`sourced` gives any numeric field as a
    :class:`SourcedValue` (unit from the field's metadata, source and confidence from the
    section's own ``source``/``confidence``, or from ``<field>_source`` when the file names one).
    """

    def sourced(self, name: str) -> SourcedValue:
        """Field ``name`` as a sourced value.

        Raises
        ------
        KeyError
            ``name`` is not a numeric field of this section.
        """
        for f in fields(self):
            if f.name == name and "unit" in f.metadata:
                by_field: Mapping[str, str] = getattr(self, "sources", {})
                confs: Mapping[str, str] = getattr(self, "confidences", {})
                src = by_field.get(name, getattr(self, "source", ""))
                conf = confs.get(name, getattr(self, "confidence", ""))
                return SourcedValue(getattr(self, name), f.metadata["unit"], src, conf)
        raise KeyError(f"{type(self).__name__} has no numeric field {name!r}")


def _unit(unit: str, *, positive: bool = False, integer: bool = False) -> Any:
    """A numeric field of a section with its unit (``positive``, ``integer``: checked on load)."""
    return field(metadata={"unit": unit, "positive": positive, "integer": integer})


def _numbers(cls: type[T], t: _At, **given: Any) -> T:
    """Section ``cls`` read from table ``t``: every field declared with :func:`_unit` as a
    finite number (an integer, or above zero, where the field says), the rest from ``given``."""
    kw: dict[str, Any] = {}
    for f in fields(cast(Any, cls)):
        if f.name in given or "unit" not in f.metadata:
            continue
        if f.metadata.get("integer"):
            v = t.integer(f.name)
            if f.metadata.get("positive") and v <= 0:
                t.fail(f"expected a positive integer, got {v!r}", f.name)
            kw[f.name] = v
        else:
            kw[f.name] = t.num(f.name, positive=bool(f.metadata.get("positive")))
    return cls(**kw, **given)


@dataclass(frozen=True, slots=True)
class SourcedTree:
    """A table whose entries are sourced values, further tables, or plain keys (notes)."""

    values: Mapping[str, SourcedValue]
    tables: Mapping[str, SourcedTree]
    attrs: Mapping[str, Any]

    def get(self, dotted: str) -> SourcedValue:
        """The sourced value at a dotted path (``"kinetics.sabatier_2003.absorption"``)."""
        head, _, rest = dotted.partition(".")
        if rest:
            return self.tables[head].get(rest)
        return self.values[head]

    def walk(self, prefix: str = "") -> Iterator[tuple[str, SourcedValue]]:
        """Every sourced value with its dotted path."""
        for k, v in self.values.items():
            yield f"{prefix}{k}", v
        for k, t in self.tables.items():
            yield from t.walk(f"{prefix}{k}.")

    @classmethod
    def read(
        cls, at: _At, *, skip: tuple[str, ...] = (), inherited: Mapping[str, Any] | None = None
    ) -> SourcedTree:
        """Read a table of sourced values (a table stating ``source``/``confidence`` passes
        them to the values inside it that state none)."""
        own = {k: at.node[k] for k in _SOURCE_KEYS if k in at.node}
        inherit = {**(inherited or {}), **own} if own else inherited
        values: dict[str, SourcedValue] = {}
        tables: dict[str, SourcedTree] = {}
        attrs: dict[str, Any] = {}
        for k, v in at.node.items():
            if k in skip:
                continue
            if isinstance(v, dict) and "value" in v and not isinstance(v["value"], dict):
                values[k] = SourcedValue.read(_At(at.file, at.where(k), v), inherit)
            elif isinstance(v, dict):
                tables[k] = cls.read(_At(at.file, at.where(k), v), inherited=inherit)
            else:
                attrs[k] = _freeze(v)
        return cls(MappingProxyType(values), MappingProxyType(tables), MappingProxyType(attrs))


# -- absorption.toml ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgeValue:
    """A value for an age band ``age_min <= age < age_max`` [years]."""

    age_min: float
    age_max: float
    value: float
    group: str


@dataclass(frozen=True, slots=True)
class AbsorptionModel:
    """``[model]`` of ``absorption.toml``: the parameters the absorption model uses."""

    vmax: SourcedValue
    km: SourcedValue
    linear_fraction: SourcedValue
    phytate_relative_reduction_per_mmol: SourcedValue
    phytic_acid_molar_mass: SourcedValue
    water_with_meal_factor: SourcedValue
    water_serving_l: SourcedValue
    poorly_soluble_salt_factor: SourcedValue
    poorly_soluble_forms: tuple[str, ...]
    phytate_max_mmol_measured: float
    meals_per_day_reference: SourcedValue
    fractional_absorption_max: SourcedValue
    water_between_meals_fa: SourcedValue
    oxalate_relative_absorption: SourcedValue
    reference_phytate_mg_per_day: SourcedValue
    reference_phytate_by_age: tuple[AgeValue, ...]
    sensitivity_band: SourcedValue


@dataclass(frozen=True, slots=True)
class AbsorptionData:
    """``absorption.toml``: the model parameters, phytate by food category, and the studies
    they were read from (every number a :class:`SourcedValue`)."""

    model: AbsorptionModel
    phytate_content: Mapping[str, SourcedValue]
    studies: SourcedTree


def _absorption(at: _At) -> AbsorptionData:
    m = at.table("model")
    scalar = (
        "vmax",
        "km",
        "linear_fraction",
        "phytate_relative_reduction_per_mmol",
        "phytic_acid_molar_mass",
        "water_with_meal_factor",
        "water_serving_l",
        "poorly_soluble_salt_factor",
        "meals_per_day_reference",
        "fractional_absorption_max",
        "water_between_meals_fa",
        "oxalate_relative_absorption",
        "reference_phytate_mg_per_day",
    )
    sv = {k: m.sourced(k) for k in (*scalar, "sensitivity_band")}
    for k in scalar:  # the model's parameters: one finite number each
        v = sv[k].value
        if isinstance(v, tuple) or not math.isfinite(v):
            m.fail(f"expected one finite number, got {v!r}", f"{k}.value")
    band = sv["sensitivity_band"].value
    if not isinstance(band, tuple) or len(band) != 2 or not band[0] <= 1.0 <= band[1]:
        m.fail("expected [low, high] around 1", "sensitivity_band.value")
    for k in ("oxalate_relative_absorption", "km"):  # the plan's sensitivity reads km's range
        if not isinstance(sv[k].range, tuple):
            m.fail("missing", f"{k}.range")
    ph = m.table("phytate_relative_reduction_per_mmol")
    ps = m.table("poorly_soluble_salt_factor")
    ref = m.table("reference_phytate_mg_per_day")
    rows = []
    for i, r in enumerate(ref.raw("by_age")):
        row = _At(at.file, ref.where(f"by_age[{i}]"), r)
        lo, hi = row.num("age_min"), row.num("age_max")
        if not lo < hi:
            row.fail("age_min must be below age_max")
        rows.append(AgeValue(lo, hi, row.num("value"), row.text("group", "")))
    model = AbsorptionModel(
        vmax=sv["vmax"],
        km=sv["km"],
        linear_fraction=sv["linear_fraction"],
        phytate_relative_reduction_per_mmol=sv["phytate_relative_reduction_per_mmol"],
        phytic_acid_molar_mass=sv["phytic_acid_molar_mass"],
        water_with_meal_factor=sv["water_with_meal_factor"],
        water_serving_l=sv["water_serving_l"],
        poorly_soluble_salt_factor=sv["poorly_soluble_salt_factor"],
        meals_per_day_reference=sv["meals_per_day_reference"],
        fractional_absorption_max=sv["fractional_absorption_max"],
        water_between_meals_fa=sv["water_between_meals_fa"],
        oxalate_relative_absorption=sv["oxalate_relative_absorption"],
        reference_phytate_mg_per_day=sv["reference_phytate_mg_per_day"],
        sensitivity_band=sv["sensitivity_band"],
        poorly_soluble_forms=ps.texts("forms"),
        phytate_max_mmol_measured=ph.num("max_mmol_measured", positive=True),
        reference_phytate_by_age=tuple(rows),
    )
    phytate = at.table("phytate_content")
    content = MappingProxyType({k: phytate.sourced(k) for k in phytate.node})
    return AbsorptionData(model, content, SourcedTree.read(at, skip=("model", "phytate_content")))


# -- bounds.toml ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Range:
    """One input range of ``bounds.toml`` (``same_as`` resolved)."""

    key: str
    min: float
    max: float
    min_exclusive: bool
    unit: str
    source: str
    confidence: str
    flag_at: float | None
    flag_source: str


@dataclass(frozen=True, slots=True)
class BoundsData:
    """``bounds.toml``: ranges by dotted key, and the ``[limits.*]`` resource bounds."""

    ranges: Mapping[str, Range]
    limits: Mapping[str, Mapping[str, Any]]


def _bounds(at: _At) -> BoundsData:
    leaves: dict[str, _At] = {}

    def collect(t: _At, prefix: str) -> None:
        for k, sub in t.tables():
            key = f"{prefix}.{k}" if prefix else k
            if sub.has("source") or sub.has("same_as"):
                leaves[key] = sub
            else:
                collect(sub, key)

    for k, sub in at.tables(skip=("limits",)):
        if sub.has("source") or sub.has("same_as"):
            leaves[k] = sub
        else:
            collect(sub, k)
    out: dict[str, Range] = {}
    for key, entry in leaves.items():
        target, seen = entry, {key}
        while target.has("same_as"):
            ref = target.text("same_as")
            if ref in seen or ref not in leaves:
                entry.fail(f"bad same_as {ref!r}", "same_as")
            seen.add(ref)
            target = leaves[ref]
        lo, hi = target.num("min"), target.num("max")
        if lo > hi:
            target.fail("min is above max")
        flag = target.opt_num("flag_at")
        out[key] = Range(
            key,
            float(lo),
            float(hi),
            target.flag("min_exclusive", False),
            target.text("unit"),
            target.text("source"),
            target.text("confidence"),
            None if flag is None else float(flag),
            target.text("flag_source", ""),
        )
    limits = at.table("limits")
    lim = {k: _freeze(t.node) for k, t in limits.tables()}
    return BoundsData(MappingProxyType(out), MappingProxyType(lim))


# -- limits.toml ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LimitsData:
    """``limits.toml``: resource limits and sanity bounds of the readers, each sourced."""

    resources: Mapping[str, SourcedValue]
    diary: Mapping[str, SourcedValue]
    aliases: Mapping[str, SourcedValue]


def _limits(at: _At) -> LimitsData:
    def group(name: str) -> Mapping[str, SourcedValue]:
        t = at.table(name)
        out = {}
        for k, sub in t.tables():
            sv = SourcedValue.read(sub)
            if isinstance(sv.value, tuple) or not math.isfinite(sv.value):
                sub.fail(f"expected one finite number, got {sv.value!r}", "value")
            out[k] = sv
        return MappingProxyType(out)

    return LimitsData(group("resources"), group("diary"), group("aliases"))


# -- dri_magnesium.toml, dri_partners.toml ----------------------------------------------------

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


# -- interactions.toml ------------------------------------------------------------------------


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


# -- evidence.toml ----------------------------------------------------------------------------

_STRENGTHS = ("established", "probable", "possible", "insufficient", "contradicted")


@dataclass(frozen=True, slots=True)
class Citation:
    """A citation of an evidence entry (``verified`` False: not seen in a source text)."""

    text: str
    verified: bool
    doi: str = ""
    url: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Evidence:
    """One entry of the evidence registry: statement, mechanism chain, strength, citations."""

    id: str
    theme: str
    statement: str
    mechanism: tuple[str, ...]
    strength: str
    human_evidence: str
    caveat: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class EvidenceData:
    """``evidence.toml``: the evidence registry by id; ``raw`` is each entry as written
    (read-only, by id), for :func:`magnerve.risk.evidence`."""

    entries: Mapping[str, Evidence]
    raw: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))


def _evidence(at: _At) -> EvidenceData:
    out: dict[str, Evidence] = {}
    raw_by_id: dict[str, Mapping[str, Any]] = {}
    items = at.raw("evidence")
    if not isinstance(items, list):
        at.fail("expected a list of [[evidence]] entries", "evidence")
    for i, raw in enumerate(items):
        e = _At(at.file, f"evidence[{i}]", raw)
        eid = e.text("id")
        if eid in out:
            e.fail(f"duplicate id {eid!r}", "id")
        strength = e.text("strength")
        if strength not in _STRENGTHS:
            e.fail(f"strength {strength!r} is not one of {', '.join(_STRENGTHS)}", "strength")
        cites = []
        for j, c in enumerate(e.raw("citations")):
            ca = _At(at.file, e.where(f"citations[{j}]"), c)
            cites.append(
                Citation(
                    ca.text("text"),
                    ca.flag("verified", False),
                    ca.text("doi", ""),
                    ca.text("url", ""),
                    ca.text("note", ""),
                )
            )
        out[eid] = Evidence(
            eid,
            e.text("theme"),
            e.text("statement"),
            e.texts("mechanism"),
            strength,
            e.text("human_evidence"),
            e.text("caveat", ""),
            tuple(cites),
        )
        raw_by_id[eid] = _freeze(raw)
    return EvidenceData(MappingProxyType(out), MappingProxyType(raw_by_id))


# -- clinical_markers.toml --------------------------------------------------------------------


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


# -- medications.toml -------------------------------------------------------------------------


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


# -- conditions.toml --------------------------------------------------------------------------

_RULES = ("none", "malabsorption", "clinician", "refer")


@dataclass(frozen=True, slots=True)
class CkdStage:
    """A KDIGO CKD stage: from ``egfr_min`` [mL/min/1.73 m2]."""

    egfr_min: float
    label: str
    rule: str


@dataclass(frozen=True, slots=True)
class Condition:
    """A health condition: synonyms, category and what it means for advice (``rule``)."""

    synonyms: tuple[str, ...]
    category: str
    rule: str
    note: str


@dataclass(frozen=True, slots=True)
class ConditionsData:
    """``conditions.toml``: CKD stages, kidney words and the condition vocabulary."""

    ckd_stages: Mapping[str, CkdStage]
    kidney_words: tuple[str, ...]
    stage5_words: tuple[str, ...]
    unknown_stage_rule: str
    conditions: Mapping[str, Condition]
    source: str
    confidence: str


def _conditions(at: _At) -> ConditionsData:
    def rule(t: _At) -> str:
        r = cast(str, t.text("rule"))
        if r not in _RULES:
            t.fail(f"rule {r!r} is not one of {', '.join(_RULES)}", "rule")
        return r

    stages = {
        k: CkdStage(t.num("egfr_min"), t.text("label"), rule(t))
        for k, t in at.table("ckd_stages").tables()
    }
    conds = {
        k: Condition(t.texts("synonyms"), t.text("category"), rule(t), t.text("note", ""))
        for k, t in at.table("conditions").tables()
    }
    kid, meta = at.table("kidney"), at.table("meta")
    unknown = kid.text("unknown_stage_rule")
    if unknown not in _RULES:
        kid.fail(f"rule {unknown!r} is not one of {', '.join(_RULES)}", "unknown_stage_rule")
    return ConditionsData(
        MappingProxyType(stages),
        kid.texts("words"),
        kid.texts("stage5_words"),
        unknown,
        MappingProxyType(conds),
        meta.text("source"),
        meta.confidence(),
    )


# -- conversions.toml, units.toml, supplement_forms.toml, nutrients.toml ----------------------


@dataclass(frozen=True, slots=True)
class ConversionsData:
    """``conversions.toml``: molar masses [g/mol] and unit factors to magnerve's unit, by
    quantity (``factors["creatinine"]["umol/l"]``)."""

    factors: Mapping[str, Mapping[str, float]]


def _conversions(at: _At) -> ConversionsData:
    out = {k: t.mapping(lambda s, u: cast(float, s.num(u, positive=True))) for k, t in at.tables()}
    return ConversionsData(MappingProxyType(out))


@dataclass(frozen=True, slots=True)
class UnitDef:
    """A mass [g] or volume [mL] unit, or a household amount (``kind`` ``"ml"`` or ``"g"``)
    with its source."""

    factor: float
    aliases: tuple[str, ...]
    kind: Literal["g", "ml"]
    source: str = ""


@dataclass(frozen=True, slots=True)
class UnitsData:
    """``units.toml``: mass and volume units (factor to g or mL) and household measures."""

    mass: Mapping[str, UnitDef]
    volume: Mapping[str, UnitDef]
    household: Mapping[str, UnitDef]
    source: str


def _units(at: _At) -> UnitsData:
    def unit(t: _At, kind: Literal["g", "ml"]) -> UnitDef:
        return UnitDef(t.num("factor", positive=True), t.texts("aliases", ()), kind)

    def household(t: _At) -> UnitDef:
        kinds = [k for k in ("ml", "g") if t.has(k)]
        if len(kinds) != 1:
            t.fail("needs exactly one of ml or g")
        kind = cast(Literal["g", "ml"], kinds[0])
        return UnitDef(t.num(kind, positive=True), t.texts("aliases", ()), kind, t.text("source"))

    return UnitsData(
        MappingProxyType({k: unit(t, "g") for k, t in at.table("mass").tables()}),
        MappingProxyType({k: unit(t, "ml") for k, t in at.table("volume").tables()}),
        MappingProxyType({k: household(t) for k, t in at.table("household").tables()}),
        at.table("meta").text("source"),
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


# -- search_lexicon.toml, familiar_foods.toml -------------------------------------------------


_NO_PHRASES: Mapping[str, str] = MappingProxyType({})
_NO_LISTS: Mapping[str, tuple[str, ...]] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class LexiconData:
    """``search_lexicon.toml``: phrase tables (typed phrase -> SR28 words) and word lists,
    by table name in file order; the named tables magnerve reads are properties (an optional
    table the file leaves out is empty)."""

    phrases: Mapping[str, Mapping[str, str]]
    lists: Mapping[str, Mapping[str, tuple[str, ...]]]

    @property
    def synonyms(self) -> Mapping[str, str]:
        """``[synonyms]``: typed phrase -> SR28 words (wins over ``everyday``)."""
        return self.phrases["synonyms"]

    @property
    def everyday(self) -> Mapping[str, str]:
        """``[everyday]``: everyday names -> SR28 words."""
        return self.phrases["everyday"]

    @property
    def defaults(self) -> Mapping[str, str]:
        """``[defaults]``: a bare food name -> the SR28 words of its usual form."""
        return self.phrases.get("defaults", _NO_PHRASES)

    @property
    def everyday_defaults(self) -> Mapping[str, str]:
        """``[everyday_defaults]``: as ``defaults``, for everyday names."""
        return self.phrases.get("everyday_defaults", _NO_PHRASES)

    @property
    def classes(self) -> Mapping[str, tuple[str, ...]]:
        """``[classes]``: word classes (stop words, portion, preparation, neutral ...)."""
        return self.lists["classes"]

    @property
    def equivalents(self) -> Mapping[str, tuple[str, ...]]:
        """``[equivalents]``: a query word -> the ways SR28 writes it."""
        return self.lists.get("equivalents", _NO_LISTS)

    @property
    def state_conflicts(self) -> Mapping[str, tuple[str, ...]]:
        """``[state_conflicts]``: a query word -> description words that change the food."""
        return self.lists.get("state_conflicts", _NO_LISTS)

    @property
    def default_preparation(self) -> Mapping[str, tuple[str, ...]]:
        """``[default_preparation]``: SR28 food group code -> words of its usual form."""
        return self.lists["default_preparation"]

    @property
    def supplements(self) -> Mapping[str, tuple[str, ...]]:
        """``[supplements]``: word lists that mark a diary line as a supplement."""
        return self.lists["supplements"]


def _search_lexicon(at: _At) -> LexiconData:
    phrases: dict[str, Mapping[str, str]] = {}
    lists: dict[str, Mapping[str, tuple[str, ...]]] = {}
    for k, t in at.tables():
        if all(isinstance(v, str) for v in t.node.values()):
            phrases[k] = MappingProxyType(dict(t.node))
        else:
            lists[k] = t.mapping(lambda s, w: cast(tuple[str, ...], s.texts(w)))
    for need in ("synonyms", "everyday"):
        if need not in phrases:
            at.fail("missing (a table of phrase = SR28 words)", need)
    for need in ("classes", "default_preparation", "supplements"):
        if need not in lists:
            at.fail("missing (word lists)", need)
    return LexiconData(MappingProxyType(phrases), MappingProxyType(lists))


@dataclass(frozen=True, slots=True)
class FamiliarFoodsData:
    """``familiar_foods.toml``: familiar food names -> SR28 ids, by list (``ods``, ``common``)."""

    lists: Mapping[str, Mapping[str, str]]
    source: str


def _familiar_foods(at: _At) -> FamiliarFoodsData:
    def ids(t: _At, k: str) -> str:
        v = cast(str, t.text(k))
        if not (len(v) == 5 and v.isdigit()):
            t.fail(f"expected a 5-digit SR28 id, got {v!r}", k)
        return v

    lists = {k: t.mapping(ids) for k, t in at.table("foods").tables()}
    return FamiliarFoodsData(MappingProxyType(lists), at.table("meta").text("source"))


# -- energy.toml ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SchofieldRow:
    """BMR = a x weight [kg] + b [kcal/day], standard error ``see`` [kcal/day]."""

    sex: Sex
    age_min: float
    age_max: float
    a: float
    b: float
    see: float


@dataclass(frozen=True, slots=True)
class Goldberg(Section):
    """``[goldberg]``: the Goldberg cut-off's physical activity level and CVs (Black 2000)."""

    pal: float = _unit("x BMR", positive=True)
    sd_min: float = _unit("SD")
    cv_within_energy_intake: float = _unit("%", positive=True)
    cv_bmr: float = _unit("%", positive=True)
    cv_pal: float = _unit("%", positive=True)
    source: str = ""
    confidence: str = ""


@dataclass(frozen=True, slots=True)
class EnergyData:
    """``energy.toml``: Schofield BMR equations, the Goldberg constants and the reference
    energy of the magnesium density [kcal]."""

    schofield: tuple[SchofieldRow, ...]
    schofield_source: str
    goldberg: Goldberg
    density_reference_kcal: float


def _energy(at: _At) -> EnergyData:
    s = at.table("schofield")
    rows = []
    for i, r in enumerate(s.raw("rows")):
        ra = _At(at.file, s.where(f"rows[{i}]"), r)
        sex = ra.text("sex")
        if sex not in SEXES:
            ra.fail(f"sex must be one of {', '.join(SEXES)}, got {sex!r}", "sex")
        lo, hi = ra.num("age_min"), ra.num("age_max")
        if not 0 <= lo < hi:
            ra.fail(f"need 0 <= age_min < age_max, got {lo!r}, {hi!r}")
        rows.append(SchofieldRow(cast(Sex, sex), lo, hi, ra.num("a"), ra.num("b"), ra.num("see")))
    g = at.table("goldberg")
    gold = _numbers(Goldberg, g, source=g.text("source"), confidence=g.confidence())
    ref = at.table("per_1000_kcal").num("reference_kcal", positive=True)
    return EnergyData(tuple(rows), s.text("source"), gold, ref)


# -- physiology.toml --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JahrStevens(Section):
    """``[jahr_stevens]``: NMDA unblocked fraction ``1 / (1 + exp(-k V) [Mg]o / mg_half)``."""

    k_per_mV: float = _unit("1/mV", positive=True)
    mg_half_mM: float = _unit("mM", positive=True)
    source: str = ""
    confidence: str = ""


@dataclass(frozen=True, slots=True)
class HodgkinHuxley(Section):
    """``[hodgkin_huxley]``: membrane capacitance, maximal conductances, reversal potentials."""

    c_m_uF_cm2: float = _unit("uF/cm2", positive=True)
    g_na_mS_cm2: float = _unit("mS/cm2", positive=True)
    g_k_mS_cm2: float = _unit("mS/cm2", positive=True)
    g_l_mS_cm2: float = _unit("mS/cm2", positive=True)
    e_na_mV: float = _unit("mV")
    e_k_mV: float = _unit("mV")
    e_l_mV: float = _unit("mV")
    source: str = ""
    confidence: str = ""


@dataclass(frozen=True, slots=True)
class Synapses(Section):
    """``[synapses]``: decay time constants and reversal potentials of AMPA, NMDA, GABA-A."""

    tau_ampa_ms: float = _unit("ms", positive=True)
    tau_nmda_ms: float = _unit("ms", positive=True)
    tau_gaba_ms: float = _unit("ms", positive=True)
    e_ampa_mV: float = _unit("mV")
    e_nmda_mV: float = _unit("mV")
    e_gaba_mV: float = _unit("mV")
    source: str = ""
    confidence: str = ""


@dataclass(frozen=True, slots=True)
class CalciumShare(Section):
    """``[calcium]``: the share of the NMDA-receptor current carried by Ca2+."""

    nmda_fractional_ca_current: float = _unit("fraction", positive=True)
    source: str = ""
    confidence: str = ""


@dataclass(frozen=True, slots=True)
class NeuronInputs(Section):
    """``[inputs]``: the model's Poisson input (a modelling choice, no source) and time step."""

    exc_rate_hz: float = _unit("Hz", positive=True)
    inh_rate_hz: float = _unit("Hz", positive=True)
    w_ampa_mS_cm2: float = _unit("mS/cm2", positive=True)
    w_nmda_mS_cm2: float = _unit("mS/cm2", positive=True)
    w_gaba_mS_cm2: float = _unit("mS/cm2", positive=True)
    dt_ms: float = _unit("ms", positive=True)
    seed: int = _unit("random seed", integer=True)
    note: str = ""


@dataclass(frozen=True, slots=True)
class PhysiologyData:
    """``physiology.toml``: parameters of the nerve-excitability model; ``raw`` is the file as
    written (read-only), for :func:`magnerve.physiology.nerve.parameters`."""

    jahr_stevens: JahrStevens
    hodgkin_huxley: HodgkinHuxley
    synapses: Synapses
    calcium: CalciumShare
    inputs: NeuronInputs
    raw: Mapping[str, Any]


def _sourced_numbers(cls: type[T], t: _At) -> T:
    return _numbers(cls, t, source=t.text("source"), confidence=t.confidence())


def _physiology(at: _At) -> PhysiologyData:
    inp = at.table("inputs")
    return PhysiologyData(
        _sourced_numbers(JahrStevens, at.table("jahr_stevens")),
        _sourced_numbers(HodgkinHuxley, at.table("hodgkin_huxley")),
        _sourced_numbers(Synapses, at.table("synapses")),
        _sourced_numbers(CalciumShare, at.table("calcium")),
        _numbers(NeuronInputs, inp, note=inp.text("note", "")),
        _freeze(at.node),
    )


# -- servings.toml ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plausibility(Section):
    """``[plausibility]``: when a diary line or day is flagged for a check (``sources`` by
    field where the file cites one; the others are modelling choices, see ``notes``)."""

    portion_max_racc_multiple: float = _unit("x RACC", positive=True)
    portion_min_grams_to_flag: float = _unit("g", positive=True)
    line_energy_max_kcal: float = _unit("kcal", positive=True)
    day_energy_min_kcal: float = _unit("kcal/day", positive=True)
    day_energy_max_kcal: float = _unit("kcal/day", positive=True)
    sources: Mapping[str, str] = field(default_factory=dict)
    confidences: Mapping[str, str] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ServingsData:
    """``servings.toml``: FDA RACC by plan category [g] (``"other"`` for the rest) and the
    diary's plausibility thresholds; ``raw`` is the file as written (read-only)."""

    racc_g: Mapping[str, float]
    ounce_g: float
    source: str
    confidence: str
    plausibility: Plausibility
    raw: Mapping[str, Any]


def _servings(at: _At) -> ServingsData:
    sv, racc, pl = at.table("serving"), at.table("racc_g"), at.table("plausibility")
    grams = racc.mapping(lambda t, k: cast(float, t.num(k, positive=True)))
    if "other" not in grams:
        racc.fail("missing (the serving of foods of no other category)", "other")
    lo, hi = pl.num("day_energy_min_kcal"), pl.num("day_energy_max_kcal")
    if not lo < hi:
        pl.fail("day_energy_min_kcal must be below day_energy_max_kcal")
    day = ("day_energy_min_kcal", "day_energy_max_kcal")
    plaus = _numbers(
        Plausibility,
        pl,
        sources=MappingProxyType(dict.fromkeys(day, pl.text("day_energy_source"))),
        confidences=MappingProxyType(dict.fromkeys(day, pl.confidence("day_energy_confidence"))),
        notes=MappingProxyType(
            {k: pl.text(k) for k in pl.node if k.endswith("_note") or k.endswith("note")}
        ),
    )
    return ServingsData(
        grams,
        sv.num("ounce_g", positive=True),
        sv.text("source"),
        sv.confidence(),
        plaus,
        _freeze(at.node),
    )


# -- plan.toml --------------------------------------------------------------------------------


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


# -- within_person_sd.toml --------------------------------------------------------------------


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


# -- homeostasis.toml -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HomeostasisModel:
    """The constants :mod:`magnerve.physiology.homeostasis` uses, each a :class:`SourcedValue`
    (one finite number; unit as the file states it). Pools are per kg body weight.

    ``pool_serum_mmol_l``: the total serum magnesium at which the pools are sized [mmol/L],
    the middle of the reference interval ``pools.serum_reference_range`` (IOM 1997).
    """

    gfr: SourcedValue  # L/day, reference adult
    egfr_to_gfr: SourcedValue  # L/day per mL/min
    kidney_failure_egfr: SourcedValue  # mL/min/1.73 m2
    ultrafilterable_fraction: SourcedValue
    tm_c: SourcedValue  # mmol/L filtrate
    w: SourcedValue  # mmol/L
    fe_min: SourcedValue
    faecal_endogenous_k: SourcedValue  # L/day
    k_x: SourcedValue  # 1/day
    k_bs: SourcedValue  # 1/day
    v_eff_per_kg: SourcedValue  # L/kg
    e0_per_kg: SourcedValue  # mmol/kg
    b0_per_kg: SourcedValue  # mmol/kg
    total_body_mg_per_kg: SourcedValue  # mg/kg
    ppi_absorption_factor: SourcedValue
    diuretic_tm_shift: SourcedValue  # mmol/L filtrate
    heavy_drinking_urine_factor: SourcedValue
    poor_glycaemic_control_urine_factor: SourcedValue
    poor_glycaemic_control_hba1c_from_percent: float  # %
    caffeine_mmol_per_mg: SourcedValue  # mmol/mg
    pool_serum_mmol_l: float  # mmol/L, middle of pools.serum_reference_range


#: where each model constant is in ``homeostasis.toml`` (and may it be 0 or negative)
_HOMEOSTASIS_PATHS: dict[str, tuple[str, bool]] = {
    "gfr": ("renal.gfr", True),
    "egfr_to_gfr": ("renal.egfr_to_gfr_l_per_day", True),
    "kidney_failure_egfr": ("renal.kidney_failure_egfr", True),
    "ultrafilterable_fraction": ("plasma.ultrafilterable_fraction", True),
    "tm_c": ("calibration.tm_c", True),
    "w": ("calibration.w", True),
    "fe_min": ("calibration.fe_min", True),
    "faecal_endogenous_k": ("calibration.faecal_endogenous_k", True),
    "k_x": ("calibration.k_x", True),
    "k_bs": ("calibration.k_bs", True),
    "v_eff_per_kg": ("scaling.v_eff_per_kg", True),
    "e0_per_kg": ("scaling.e0_per_kg", True),
    "b0_per_kg": ("scaling.b0_per_kg", True),
    "total_body_mg_per_kg": ("scaling.total_body_mg_per_kg", True),
    "ppi_absorption_factor": ("modifiers.ppi.absorption_factor", True),
    "diuretic_tm_shift": ("model_modifiers.diuretic_tm_shift", False),
    "heavy_drinking_urine_factor": ("model_modifiers.heavy_drinking_urine_factor", True),
    "poor_glycaemic_control_urine_factor": (
        "model_modifiers.poor_glycaemic_control_urine_factor",
        True,
    ),
    "caffeine_mmol_per_mg": ("model_modifiers.caffeine_mmol_per_mg", True),
}


@dataclass(frozen=True, slots=True)
class HomeostasisData:
    """``homeostasis.toml``: the model's constants typed (``model``), the reference body mass
    [kg] and mg per mmol, and every constant and study value as a :class:`SourcedValue` (by
    dotted path, ``tree.get("renal.tubular_maximum")``)."""

    model: HomeostasisModel
    reference_body_mass_kg: float
    mg_per_mmol: float
    tree: SourcedTree


def _homeostasis(at: _At) -> HomeostasisData:
    tree = SourcedTree.read(at)
    got: dict[str, Any] = {}
    for name, (path, positive) in _HOMEOSTASIS_PATHS.items():
        try:
            sv = tree.get(path)
        except KeyError:
            at.fail("missing (a {value, unit, source, confidence} table)", path)
        v = sv.value
        if isinstance(v, tuple) or not math.isfinite(v):
            at.fail(f"expected one finite number, got {v!r}", f"{path}.value")
        if positive and v <= 0:
            at.fail(f"expected a positive number, got {v!r}", f"{path}.value")
        got[name] = sv
    g = at.table("model_modifiers").table("poor_glycaemic_control_urine_factor")
    hba1c = g.num("hba1c_from_percent", positive=True)
    ref = "pools.serum_reference_range"
    try:
        interval = tree.get(ref).value
    except KeyError:
        at.fail("missing (a {value, unit, source, confidence} table)", ref)
    if not (
        isinstance(interval, tuple)
        and len(interval) == 2
        and all(math.isfinite(x) for x in interval)
        and 0 < interval[0] < interval[1]
    ):
        at.fail(f"expected [low, high] with 0 < low < high, got {interval!r}", f"{ref}.value")
    meta = at.table("meta")
    return HomeostasisData(
        HomeostasisModel(
            **got,
            poor_glycaemic_control_hba1c_from_percent=hba1c,
            pool_serum_mmol_l=(interval[0] + interval[1]) / 2,
        ),
        meta.num("reference_body_mass_kg", positive=True),
        meta.num("mg_per_mmol", positive=True),
        tree,
    )


@dataclass(frozen=True, slots=True)
class GenericData:
    """A data file without a model of its own (a file added in a swapped registry):
    its sourced values are checked by :meth:`magnerve.registry.Registry.issues`."""

    raw: Mapping[str, Any]


_BUILDERS: dict[str, Callable[[_At], object]] = {
    "absorption": _absorption,
    "bounds": _bounds,
    "clinical_markers": _clinical_markers,
    "conditions": _conditions,
    "conversions": _conversions,
    "dri_magnesium": _dri_magnesium,
    "dri_partners": _dri_partners,
    "energy": _energy,
    "evidence": _evidence,
    "familiar_foods": _familiar_foods,
    "homeostasis": _homeostasis,
    "interactions": _interactions,
    "limits": _limits,
    "medications": _medications,
    "nutrients": _nutrients,
    "physiology": _physiology,
    "plan": _plan,
    "search_lexicon": _search_lexicon,
    "servings": _servings,
    "supplement_forms": _supplement_forms,
    "units": _units,
    "within_person_sd": _within_person_sd,
}


def known_sections() -> tuple[str, ...]:
    """Names of the data files that have a typed section."""
    return tuple(sorted(_BUILDERS))


def build_section(name: str, raw: Mapping[str, Any]) -> object:
    """The typed section of data file ``name`` from its parsed TOML.

    Parameters
    ----------
    name : str
        File name without ``.toml`` (``"interactions"``).
    raw : mapping
        The parsed file.

    Returns
    -------
    object
        The file's section (``InteractionsData`` ...), or :class:`GenericData` for a file
        without a model.

    Raises
    ------
    DataFileError
        The file does not fit its model (the message names the file and key path).
    """
    build = _BUILDERS.get(name)
    if build is None:
        return GenericData(_freeze(dict(raw)))
    return build(_At(f"{name}.toml", "", dict(raw)))
