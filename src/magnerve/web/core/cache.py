"""Per-process caches of the hot paths: food search answers and diary-line parses.

Both are pure functions of their text and the active reference data (the core's
``magnerve.registry.get_registry()``), except for a diary line's aliases: the parser reads an
account's aliases through a mapping, so a cached parse records which alias keys it asked
for and what it got, and is reused only when the account's aliases give the same answers
for those keys now (one indexed query; none when the line consulted no alias).

Parses are kept per account (key: account id, its creation time, since SQLite may give a
deleted account's id to a new one, and the text), so that neither the answer nor how fast it
comes tells one account what another typed. Search answers are public (the route
needs no sign-in) and shared by everyone: a repeated query is faster whoever sent it first.

Sizes are ``settings.toml`` ``[cache]``; entries are dropped least recently used first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from magnerve.registry import get_registry
from magnerve.web.core.config import policy

__all__ = [
    "LRU",
    "CachedParse",
    "RecordingAliases",
    "cached_answer",
    "parse_cache",
    "search_cache",
    "store_answer",
]

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    """A thread-safe least-recently-used mapping of at most ``size`` entries.

    Parameters
    ----------
    size : int
        Most entries kept (at least 1).
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"cache size must be at least 1, not {size}")
        self.size = size
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        """The value of ``key`` (now the most recently used), or None."""
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: K, value: V) -> None:
        """Store ``value`` under ``key``, dropping the least recently used beyond the size."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def discard(self, key: K) -> None:
        """Forget ``key`` (no error when absent)."""
        with self._lock:
            self._data.pop(key, None)

    def clear(self) -> None:
        """Forget every entry and reset the hit and miss counts."""
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)


class RecordingAliases(Mapping[str, str]):
    """A view of an account's aliases that records every key the parser looks up.

    Parameters
    ----------
    inner : Mapping
        The account's aliases (``alias_key`` -> NDB number).

    Attributes
    ----------
    lookups : dict
        Each key asked for -> the NDB number found, or None.
    complete : bool
        False once the parser iterated or counted the aliases (then its result may depend on
        every alias, and is not cached).
    """

    def __init__(self, inner: Mapping[str, str]) -> None:
        self._inner = inner
        self.lookups: dict[str, str | None] = {}
        self.complete = True

    def __getitem__(self, key: str) -> str:
        try:
            value = self._inner[key]
        except KeyError:
            self.lookups[key] = None
            raise
        self.lookups[key] = value
        return value

    def __iter__(self) -> Iterator[str]:
        self.complete = False
        return iter(self._inner)

    def __len__(self) -> int:
        self.complete = False
        return len(self._inner)


@dataclass(frozen=True, slots=True)
class CachedParse:
    """How the core read one diary line, for reuse.

    Attributes
    ----------
    registry : object
        The reference data it was read with (reused only while it is still active).
    lookups : tuple of (str, str or None)
        The alias keys the parser asked for and the answers it got.
    columns : dict or None
        The diary row's food columns (None when the line was refused).
    error : tuple of (str, tuple of str) or None
        The core's message and suggestions when the line was refused.
    """

    registry: object
    lookups: tuple[tuple[str, str | None], ...]
    columns: Mapping[str, Any] | None
    error: tuple[str, tuple[str, ...]] | None

    def valid_for(self, aliases: Callable[[tuple[str, ...]], Mapping[str, str]]) -> bool:
        """Whether this parse holds now: same reference data, and ``aliases(keys)`` (the
        account's aliases of those keys) gives the answers the parser got."""
        if self.registry is not get_registry():
            return False
        if not self.lookups:
            return True
        now = aliases(tuple(k for k, _ in self.lookups))
        return all(now.get(k) == v for k, v in self.lookups)


def _size(name: str) -> int:
    return int(policy()["cache"][name])


#: Diary-line parses by account id and exact text (``settings.toml`` [cache] parse_entries).
parse_cache: LRU[tuple[int, datetime, str], CachedParse] = LRU(_size("parse_entries"))
#: Food search and autocomplete answers by (route, text, limit): the reference data they
#: were made with and the JSON bytes (``settings.toml`` [cache] search_entries).
search_cache: LRU[tuple[str, str, int], tuple[object, bytes]] = LRU(_size("search_entries"))


def cached_answer(key: tuple[str, str, int]) -> bytes | None:
    """The stored search answer of ``key`` when it was made with the active reference data."""
    found = search_cache.get(key)
    if found is None or found[0] is not get_registry():
        return None
    return found[1]


def store_answer(key: tuple[str, str, int], body: bytes) -> None:
    """Keep a search answer made with the active reference data."""
    search_cache.put(key, (get_registry(), body))
