"""The machinery the typed sections share (:mod:`magnerve._sections`).

:class:`_At` reads a table of a data file with its key path for error messages
(:class:`DataFileError`); :class:`SourcedValue` is the one convention for a sourced value;
:class:`Section` gives a section's numeric fields (declared with :func:`_unit`, read by
:func:`_numbers`) as sourced values; :class:`SourcedTree` is a table of sourced values;
:class:`GenericData` is the section of a file without a model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, NoReturn, TypeVar, cast, get_args

from magnerve._sex import Sex
from magnerve.errors import DataFileError

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


@dataclass(frozen=True, slots=True)
class GenericData:
    """A data file without a model of its own (a file added in a swapped registry):
    its sourced values are checked by :meth:`magnerve.registry.Registry.issues`."""

    raw: Mapping[str, Any]
