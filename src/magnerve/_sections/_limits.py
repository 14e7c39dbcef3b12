"""Typed section of ``limits.toml``: the readers' resource limits and sanity bounds, each
sourced.

Builder ``_limits``, found by name by :func:`magnerve._sections.build_section`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from magnerve._sections._base import (
    SourcedValue,
    _At,
)


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
