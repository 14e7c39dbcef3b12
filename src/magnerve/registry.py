"""One reference-data registry (pint's application-registry idea).

Every number magnerve uses lives in a data file under ``magnerve/data/`` with its source and
confidence. The registry loads the TOML files once, validates the *sourced-value* convention
(a table with ``value`` also says ``source`` and ``confidence``; nan is "looked for, not
found"), and carries a **content hash** of all reference data (TOML files and the SR28
database) that is stored with every result (:class:`magnerve.Analysis`), so a result can be
traced to the exact data that produced it. A different registry (e.g. a directory with edited
files, for a sensitivity analysis) can be swapped in with :func:`use_registry`.

Examples
--------
>>> reg = get_registry()
>>> len(reg.hash)
64
>>> reg.data("absorption")["model"]["fractional_absorption_max"]["value"]
0.65
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["DataIssue", "Registry", "get_registry", "use_registry"]

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
    _hash: str | None = None

    def _root(self) -> Any:
        return self.directory if self.directory is not None else resources.files("magnerve.data")

    def names(self) -> list[str]:
        """Names of the TOML data files (without ``.toml``)."""
        root = self._root()
        return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml"))

    def data(self, name: str) -> dict[str, Any]:
        """The parsed data file ``name`` (``"absorption"`` for ``absorption.toml``)."""
        if name not in self._data:
            text = self._root().joinpath(f"{name}.toml").read_text("utf-8")
            self._data[name] = tomllib.loads(text)
        return self._data[name]

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


_ACTIVE: list[Registry] = []


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
