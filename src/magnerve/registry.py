"""One reference-data registry (pint's application-registry idea).

Every number magnerve uses lives in a data file under ``magnerve/data/`` with its source and
confidence. The registry loads the TOML files once, validates the *sourced-value* convention
(a table with ``value`` also says ``source`` and ``confidence``; nan is "looked for, not
found"), and carries a **content hash** of all reference data (TOML files and the SR28
database) that is stored with every result (:class:`magnerve.Analysis`), so a result can be
traced to the exact data that produced it. A different registry (e.g. a directory with edited
files, for a sensitivity analysis) can be swapped in with :func:`use_registry`.

Each file is validated into its **typed section** (:mod:`magnerve._sections`) when the registry
first loads it, whichever way it is read: :meth:`Registry.section` gives the typed section
(``reg.section("interactions").zinc.high_dose_supplement_mg_per_day``), :meth:`Registry.data`
the parsed TOML. A file that does not fit its section raises
:class:`~magnerve.errors.DataFileError` naming the file and key path.
:meth:`Registry.validate` loads and checks every file at once. This module and the sections
use the standard library only (no pydantic), so reading a data file stays cheap.

Examples
--------
>>> reg = get_registry()
>>> len(reg.hash)
64
>>> reg.data("absorption")["model"]["fractional_absorption_max"]["value"]
0.65
>>> reg.section("absorption").model.fractional_absorption_max.value
0.65
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import tomllib
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, ParamSpec, TypeVar, overload

if TYPE_CHECKING:  # pragma: no cover
    from magnerve._sections import (
        AbsorptionData,
        BoundsData,
        ClinicalMarkersData,
        ConditionsData,
        ConversionsData,
        DriData,
        EnergyData,
        EvidenceData,
        FamiliarFoodsData,
        HomeostasisData,
        InteractionsData,
        LexiconData,
        LimitsData,
        MedicationsData,
        NutrientsData,
        PhysiologyData,
        PlanData,
        ServingsData,
        SourcedTree,
        SourcedValue,
        SupplementFormsData,
        UnitsData,
        WithinPersonSdData,
        WordRule,
    )

__all__ = [
    "AbsorptionData",
    "BoundsData",
    "ClinicalMarkersData",
    "ConditionsData",
    "ConversionsData",
    "DataIssue",
    "DriData",
    "EnergyData",
    "EvidenceData",
    "FamiliarFoodsData",
    "HomeostasisData",
    "InteractionsData",
    "LexiconData",
    "LimitsData",
    "MedicationsData",
    "NutrientsData",
    "PhysiologyData",
    "PlanData",
    "Registry",
    "ServingsData",
    "SourcedTree",
    "SourcedValue",
    "SupplementFormsData",
    "UnitsData",
    "WithinPersonSdData",
    "WordRule",
    "get_registry",
    "registry_cache",
    "use_registry",
]

#: The typed sections' classes, importable from here (``from magnerve.registry import
#: PlanData``) for modules that may not import ``magnerve._sections``; loaded on first use
#: (PEP 562), so importing the registry stays cheap.
_SECTION_TYPES = frozenset(
    (
        "AbsorptionData",
        "BoundsData",
        "ClinicalMarkersData",
        "ConditionsData",
        "ConversionsData",
        "DriData",
        "EnergyData",
        "EvidenceData",
        "FamiliarFoodsData",
        "HomeostasisData",
        "InteractionsData",
        "LexiconData",
        "LimitsData",
        "MedicationsData",
        "NutrientsData",
        "PhysiologyData",
        "PlanData",
        "ServingsData",
        "SourcedTree",
        "SourcedValue",
        "SupplementFormsData",
        "UnitsData",
        "WithinPersonSdData",
        "WordRule",
    )
)


def __getattr__(name: str) -> Any:
    if name in _SECTION_TYPES:
        from magnerve import _sections

        return getattr(_sections, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


P = ParamSpec("P")
Q = ParamSpec("Q")
R = TypeVar("R")
S = TypeVar("S")
T = TypeVar("T")

#: The package's data directory, when the package is files on disk (not in a zip archive).
_DATA_DIR = Path(__file__).parent / "data"

_CONFIDENCE = {"high", "medium", "low"}


@dataclass(frozen=True, slots=True)
class DataIssue:
    """A sourced value that breaks the convention (missing source or confidence)."""

    file: str
    path: str
    problem: str


@dataclass(slots=True)
class Registry:
    """The reference data: parsed TOML files by name, and their content hash.

    Parameters
    ----------
    directory : Path, optional
        Where the data files are (default: the package's ``magnerve/data``).
    """

    directory: Path | None = None
    _data: dict[str, dict[str, Any]] = field(default_factory=dict)
    _sections: dict[str, object] = field(default_factory=dict)
    _hash: str | None = None
    _derived: dict[Hashable, Any] = field(default_factory=dict)

    def _root(self) -> Any:
        if self.directory is not None:
            return self.directory
        if _DATA_DIR.is_dir():  # the usual install: no importlib.resources machinery (~20 ms)
            return _DATA_DIR
        from importlib import resources

        return resources.files("magnerve.data")

    def names(self) -> list[str]:
        """Names of the TOML data files (without ``.toml``)."""
        root = self._root()
        return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml"))

    def data(self, name: str) -> dict[str, Any]:
        """The parsed data file ``name`` (``"absorption"`` for ``absorption.toml``).

        Parsed once per registry (across processes the parse is kept in the user cache
        directory, see :func:`_parsed`) and validated into its typed section on that first
        load (see :meth:`section`).

        Raises
        ------
        DataFileError
            The file does not fit its typed section.
        """
        try:
            return self._data[name]
        except KeyError:
            pass
        from magnerve._sections import build_section

        raw = self._root().joinpath(f"{name}.toml").read_bytes()
        out = _parsed(raw)
        self._sections[name] = build_section(name, out)  # validates: raises before caching
        self._data[name] = out
        return out

    # one overload per data file with a typed section (see magnerve._sections)
    @overload
    def section(self, name: Literal["absorption"]) -> AbsorptionData: ...
    @overload
    def section(self, name: Literal["bounds"]) -> BoundsData: ...
    @overload
    def section(self, name: Literal["clinical_markers"]) -> ClinicalMarkersData: ...
    @overload
    def section(self, name: Literal["conditions"]) -> ConditionsData: ...
    @overload
    def section(self, name: Literal["conversions"]) -> ConversionsData: ...
    @overload
    def section(self, name: Literal["dri_magnesium", "dri_partners"]) -> DriData: ...
    @overload
    def section(self, name: Literal["energy"]) -> EnergyData: ...
    @overload
    def section(self, name: Literal["evidence"]) -> EvidenceData: ...
    @overload
    def section(self, name: Literal["familiar_foods"]) -> FamiliarFoodsData: ...
    @overload
    def section(self, name: Literal["homeostasis"]) -> HomeostasisData: ...
    @overload
    def section(self, name: Literal["interactions"]) -> InteractionsData: ...
    @overload
    def section(self, name: Literal["limits"]) -> LimitsData: ...
    @overload
    def section(self, name: Literal["medications"]) -> MedicationsData: ...
    @overload
    def section(self, name: Literal["nutrients"]) -> NutrientsData: ...
    @overload
    def section(self, name: Literal["physiology"]) -> PhysiologyData: ...
    @overload
    def section(self, name: Literal["plan"]) -> PlanData: ...
    @overload
    def section(self, name: Literal["servings"]) -> ServingsData: ...
    @overload
    def section(self, name: Literal["within_person_sd"]) -> WithinPersonSdData: ...
    @overload
    def section(self, name: Literal["search_lexicon"]) -> LexiconData: ...
    @overload
    def section(self, name: Literal["supplement_forms"]) -> SupplementFormsData: ...
    @overload
    def section(self, name: Literal["units"]) -> UnitsData: ...
    @overload
    def section(self, name: str) -> object: ...
    def section(self, name: str) -> object:
        """The typed section of data file ``name`` (``"interactions"`` -> ``InteractionsData``).

        Built once per registry from the same parse as :meth:`data`; frozen dataclasses and
        read-only mappings, so a section cannot be changed by its readers.

        Parameters
        ----------
        name : str
            File name without ``.toml``.

        Raises
        ------
        DataFileError
            The file does not fit its typed section (the message names file and key path).
        FileNotFoundError
            No such data file.
        """
        try:
            return self._sections[name]
        except KeyError:
            self.data(name)
            return self._sections[name]

    def validate(self) -> dict[str, object]:
        """Load every data file into its typed section (the first bad file raises).

        Returns
        -------
        dict
            Section by file name.

        Raises
        ------
        DataFileError
            A file that does not fit its section.
        """
        return {name: self.section(name) for name in self.names()}

    def read_bytes(self, filename: str) -> bytes:
        """The bytes of a data file (``"physiology.toml"``), e.g. for a cache key."""
        data: bytes = self._root().joinpath(filename).read_bytes()
        return data

    def derived(self, key: Hashable, factory: Callable[[], T]) -> T:
        """An object derived from this registry's data, built once by ``factory()``.

        Objects built from the data (parsed tables, lookups) live in the registry that holds
        the data, so swapping the registry (:func:`use_registry`) swaps them too.

        Parameters
        ----------
        key : hashable
            Name of the derived object (e.g. ``("magnerve.absorption", "parameters")``).
        factory : callable
            Builds the object from :meth:`data`; called once per registry and key.
        """
        try:
            out: T = self._derived[key]
            return out
        except KeyError:
            out = self._derived[key] = factory()
            return out

    @property
    def hash(self) -> str:
        """sha256 over every data file's name and bytes (TOML files and the SR28 database)."""
        if self._hash is None:
            h = hashlib.sha256()
            root = self._root()
            files = sorted(
                (p for p in root.iterdir() if p.name.endswith((".toml", ".sqlite"))),
                key=lambda p: p.name,
            )
            for p in files:
                h.update(p.name.encode())
                h.update(p.read_bytes())
            self._hash = h.hexdigest()
        return self._hash

    def issues(self) -> list[DataIssue]:
        """Sourced values breaking the convention: a table with ``value`` needs ``source``
        (or ``derivation``) and a ``confidence`` of high, medium or low."""
        out: list[DataIssue] = []
        for name in self.names():
            _walk(self.data(name), name, "", out)
        return out

    def to_dict(self) -> dict[str, Any]:
        """What a result stores about the data it used."""
        return {"hash": self.hash, "files": self.names()}


def _walk(node: Any, file: str, path: str, out: list[DataIssue], inherited: bool = False) -> None:
    if isinstance(node, dict):
        sourced = any(k in node for k in ("source", "derivation", "sources"))
        if "value" in node and not isinstance(node["value"], dict) and not inherited:
            has_source = any(k in node for k in ("source", "derivation", "sources"))
            if not has_source:
                out.append(DataIssue(file, path, "a value without a source"))
            conf = node.get("confidence")
            v = node["value"]
            not_found = isinstance(v, float) and math.isnan(v)
            word = str(conf).split(":")[0].split(" ")[0].strip()
            if conf is None:
                out.append(DataIssue(file, path, "a value without a confidence"))
            elif word not in _CONFIDENCE and not (not_found and word == "unverified"):
                out.append(DataIssue(file, path, f"confidence {conf!r} is not high/medium/low"))
            if isinstance(v, float) and math.isinf(v):
                out.append(DataIssue(file, path, "an infinite value"))
        for k, v in node.items():
            _walk(v, file, f"{path}.{k}" if path else str(k), out, inherited or sourced)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _walk(v, file, f"{path}[{i}]", out, inherited)


# -- parsed copies of the TOML files in the user cache directory -----------------------------
# Parsing all TOML files takes ~0.1 s, reading the same data as JSON ~2 ms. A parsed copy is
# kept per file content: the file name holds the SHA-256 of the TOML bytes, the first line of
# the file the format, that key and the SHA-256 of the JSON payload on the second line. Any
# mismatch, an unreadable file or a read-only disk falls back to parsing the TOML: the cache
# never changes a result. JSON only (never pickle): a planted file can at worst be ignored.

_PARSE_FORMAT = "magnerve-toml-json/1"


def _cache_dir() -> Path | None:
    """``$MAGNERVE_CACHE_DIR`` (``""`` disables caching), else ``$XDG_CACHE_HOME/magnerve``,
    else ``~/.cache/magnerve``."""
    env = os.environ.get("MAGNERVE_CACHE_DIR")
    if env == "":
        return None
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "magnerve"


def _parsed(raw: bytes) -> dict[str, Any]:
    """``tomllib.loads`` of a data file's bytes, through the JSON copy in the user cache."""
    key = hashlib.sha256(raw).hexdigest()
    base = _cache_dir()
    path = None if base is None else base / "data" / f"{key[:32]}.json"
    if path is not None:
        try:
            header, payload = path.read_bytes().split(b"\n", 1)
            head = json.loads(header)
            if (
                head.get("format") == _PARSE_FORMAT
                and head.get("key") == key
                and head.get("sha256") == hashlib.sha256(payload).hexdigest()
            ):
                data = json.loads(payload)
                if isinstance(data, dict):
                    return data
        except (OSError, ValueError, AttributeError):
            pass
    data = tomllib.loads(raw.decode("utf-8"))
    if path is not None:
        _write_parsed(path, key, data)
    return data


def _write_parsed(path: Path, key: str, data: dict[str, Any]) -> None:
    try:
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError):
        return  # a TOML date or time has no JSON form: this file is parsed every time
    head = {"format": _PARSE_FORMAT, "key": key, "sha256": hashlib.sha256(payload).hexdigest()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(json.dumps(head).encode("utf-8") + b"\n" + payload)
        os.replace(tmp, path)
    except OSError:
        pass


_ACTIVE: list[Registry] = []


class registry_cache(Generic[P, R]):
    """Like :func:`functools.cache`, but one cache per registry (the active one).

    For a function whose result depends on the reference data: inside
    ``with use_registry(other):`` it computes (and caches) its results from the other data,
    and the package's data keeps its own cache.

    Parameters
    ----------
    fn : callable
        A function of hashable arguments.
    maxsize : int, optional
        Entries kept per registry before the cache is emptied (default: unbounded); a bound
        on memory for caches keyed by food descriptions (a setting, not a nutritional number).

    Examples
    --------
    >>> @registry_cache
    ... def fmax() -> float:
    ...     model = get_registry().data("absorption")["model"]
    ...     return float(model["fractional_absorption_max"]["value"])
    >>> fmax()
    0.65
    """

    def __init__(self, fn: Callable[P, R], maxsize: int | None = None) -> None:
        self._fn = fn
        self._key = (fn.__module__, fn.__qualname__)
        self._maxsize = maxsize
        functools.update_wrapper(self, fn)

    @staticmethod
    def bounded(maxsize: int) -> Callable[[Callable[Q, S]], registry_cache[Q, S]]:
        """The decorator with a bound on entries per registry (``@registry_cache.bounded(n)``)."""

        def wrap(fn: Callable[Q, S]) -> registry_cache[Q, S]:
            return registry_cache(fn, maxsize)

        return wrap

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        reg = _ACTIVE[-1] if _ACTIVE else get_registry()
        store: dict[Hashable, R] | None = reg._derived.get(self._key)
        if store is None:
            store = reg._derived[self._key] = {}
        key: Hashable = (args, tuple(sorted(kwargs.items()))) if kwargs else args
        try:
            return store[key]
        except KeyError:
            pass
        value = self._fn(*args, **kwargs)
        if self._maxsize is not None and len(store) >= self._maxsize:
            store.clear()
        store[key] = value
        return value

    def cache_clear(self) -> None:
        """Forget this function's results in the active registry."""
        get_registry()._derived.pop(self._key, None)


def get_registry() -> Registry:
    """The active registry (the package's data unless :func:`use_registry` swapped it)."""
    if not _ACTIVE:
        _ACTIVE.append(Registry())
    return _ACTIVE[-1]


@contextmanager
def use_registry(registry: Registry | Path | str) -> Iterator[Registry]:
    """Use another registry inside a ``with`` block (e.g. edited data files)."""
    reg = registry if isinstance(registry, Registry) else Registry(Path(registry))
    get_registry()
    _ACTIVE.append(reg)
    try:
        yield reg
    finally:
        _ACTIVE.pop()
