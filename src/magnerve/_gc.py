"""A scoped pause of the cyclic garbage collector for allocation-heavy pure computations."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused"]


@contextmanager
def paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many acyclic objects are made.

    Totals, occasions and their mappings hold no reference cycles, but each burst of
    allocations triggers collections that walk every live object (a whole 10-year diary): that
    was half the time of ``intake`` and ``assess`` on such a diary. Reference counting still
    frees everything at once; the collector is re-enabled on exit, only if it was enabled on
    entry (so nested pauses and a caller's own ``gc.disable()`` are respected).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
