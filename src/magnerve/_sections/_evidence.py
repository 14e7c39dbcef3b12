"""Typed section of ``evidence.toml``: the evidence registry by id.

Builder ``_evidence``, found by name by :func:`magnerve._sections.build_section`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from magnerve._sections._base import (
    _At,
    _freeze,
)

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
