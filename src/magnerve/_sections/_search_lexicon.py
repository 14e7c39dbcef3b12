"""Typed section of ``search_lexicon.toml``: the food search's phrase tables and word
lists.

Builder ``_search_lexicon``, found by name by :func:`magnerve._sections.build_section`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import cast

from magnerve._sections._base import (
    _At,
)

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
