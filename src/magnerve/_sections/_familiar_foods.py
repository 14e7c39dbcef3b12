"""Typed section of ``familiar_foods.toml``: familiar food names -> SR28 ids, by list.

Builder ``_familiar_foods``, found by name by :func:`magnerve._sections.build_section`.
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
