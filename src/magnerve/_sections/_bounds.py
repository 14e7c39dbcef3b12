"""Typed section of ``bounds.toml``: the input ranges (``same_as`` resolved) and the
``[limits.*]`` resource bounds.

Builder ``_bounds``, found by name by :func:`magnerve._sections.build_section`.
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
