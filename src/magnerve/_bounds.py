"""Ranges of numeric inputs (``data/bounds.toml``): the loader and the one checker used at
every boundary (profile fields, command-line options).

A value passes when it is a real number (not a bool), finite and inside its range. Ranges are
mostly sanity bounds (stated as such in the data), given in magnerve's unit for the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from magnerve.errors import OutOfRangeError
from magnerve.registry import get_registry, registry_cache

__all__ = ["Bound", "bound", "bounds", "check", "finite_number", "limits"]


@dataclass(frozen=True, slots=True)
class Bound:
    """The range of one input field.

    Attributes
    ----------
    key : str
        Dotted key in ``bounds.toml`` (``"profile.person.age"``).
    min, max : float
        Inclusive limits, in ``unit`` (``min`` is strict when ``min_exclusive``).
    min_exclusive : bool
    unit : str
    source : str
        Where the range comes from, or "sanity bound, not physiological".
    confidence : str
    flag_at : float or None
        A level at which a valid value is flagged (not refused), when the data gives one.
    flag_source : str
    """

    key: str
    min: float
    max: float
    min_exclusive: bool
    unit: str
    source: str
    confidence: str
    flag_at: float | None = None
    flag_source: str = ""

    def describe(self) -> str:
        """The range in words, e.g. ``"from 0 to 130 years"`` or ``"above 0 and at most 10
        mmol/L"``."""
        lo = f"above {self.min:g}" if self.min_exclusive else f"from {self.min:g}"
        hi = "and at most" if self.min_exclusive else "to"
        return f"{lo} {hi} {self.max:g} {self.unit}"

    def contains(self, value: float) -> bool:
        """True when ``value`` is finite and inside the range."""
        if not math.isfinite(value):
            return False
        low_ok = value > self.min if self.min_exclusive else value >= self.min
        return low_ok and value <= self.max


@registry_cache
def bounds() -> dict[str, Bound]:
    """Every range in ``bounds.toml``, by dotted key (``same_as`` entries resolved), from the
    file's typed section (validated when the registry loads it)."""
    return {
        key: Bound(
            key,
            r.min,
            r.max,
            r.min_exclusive,
            r.unit,
            r.source,
            r.confidence,
            r.flag_at,
            r.flag_source,
        )
        for key, r in get_registry().section("bounds").ranges.items()
    }


def bound(key: str) -> Bound:
    """The range of one field (KeyError when ``bounds.toml`` has no such key: a bug)."""
    return bounds()[key]


def limits(section: str) -> dict[str, Any]:
    """A ``[limits.SECTION]`` table of resource bounds (e.g. ``"profile"``)."""
    return dict(get_registry().section("bounds").limits[section])


def finite_number(value: object, what: str) -> float:
    """``value`` as a float when it is a real, finite number (never a bool).

    Raises
    ------
    OutOfRangeError
        A bool, a non-number, NaN or an infinity.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OutOfRangeError(f"{what} must be a number, got {value!r}", value=value)
    try:
        x = float(value)
    except OverflowError:  # an int too large for a float
        raise OutOfRangeError(f"{what} is far too large", value=value) from None
    if not math.isfinite(x):
        raise OutOfRangeError(f"{what} must be a finite number, got {value!r}", value=value)
    return x


def check(
    key: str,
    value: object,
    what: str | None = None,
    *,
    loc: tuple[str | int, ...] = (),
    given: str | None = None,
) -> float:
    """Check ``value`` against its range in ``bounds.toml`` and return it as a float.

    Parameters
    ----------
    key : str
        The range's key, e.g. ``"profile.labs.serum_magnesium"``.
    value : object
        The value in the range's unit (convert first).
    what : str, optional
        How to name the field in the message (default: the key's last part).
    loc : tuple, optional
        Field path for :class:`~magnerve.errors.OutOfRangeError`.
    given : str, optional
        The value as the person wrote it (e.g. ``"50 mmol/L"``), quoted in the message when it
        differs from the converted value.

    Raises
    ------
    OutOfRangeError
        Not a finite number, or outside the range (the message gives the range, its unit and
        whether it is a sanity bound).
    """
    b = bound(key)
    name = what or key.rsplit(".", 1)[-1]
    try:
        x = finite_number(value, name)
    except OutOfRangeError as e:
        e.key, e.loc = key, loc
        raise
    if not b.contains(x):
        shown = f"{x:g} {b.unit}"
        if given is not None:
            shown = given.strip()
            try:
                same = float(shown.split()[0].replace(",", ".")) == x
            except (ValueError, IndexError):
                same = False
            if not same:
                shown += f" (= {x:.4g} {b.unit})"
        kind = "sanity bound" if b.confidence == "sanity bound" else b.confidence
        raise OutOfRangeError(
            f"{name} {shown} is outside the accepted range, {b.describe()} ({kind}); "
            "check the value and its unit",
            key=key,
            value=value,
            loc=loc,
        )
    return x
