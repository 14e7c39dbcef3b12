"""Typed section of ``conversions.toml``: molar masses and unit factors by quantity.

Builder ``_conversions``, found by name by :func:`magnerve._sections.build_section`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import cast

from magnerve._sections._base import (
    _At,
)


@dataclass(frozen=True, slots=True)
class ConversionsData:
    """``conversions.toml``: molar masses [g/mol] and unit factors to magnerve's unit, by
    quantity (``factors["creatinine"]["umol/l"]``)."""

    factors: Mapping[str, Mapping[str, float]]


def _conversions(at: _At) -> ConversionsData:
    out = {k: t.mapping(lambda s, u: cast(float, s.num(u, positive=True))) for k, t in at.tables()}
    return ConversionsData(MappingProxyType(out))
