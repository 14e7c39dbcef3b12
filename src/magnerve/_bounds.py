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


def _leaves(table: dict[str, Any], prefix: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for k, v in table.items():
        if not isinstance(v, dict):
            continue
        key = f"{prefix}.{k}" if prefix else k
        if "source" in v or "same_as" in v:
            out[key] = v
        else:
            out.update(_leaves(v, key))
    return out


def _data() -> dict[str, Any]:
    return get_registry().data("bounds")


@registry_cache
def bounds() -> dict[str, Bound]:
    """Every range in ``bounds.toml``, by dotted key (``same_as`` entries resolved)."""
    raw = _leaves({k: v for k, v in _data().items() if k != "limits"}, "")
    out: dict[str, Bound] = {}
    for key, entry in raw.items():
        target = entry
        seen = {key}
        while "same_as" in target:
            ref = target["same_as"]
            if ref in seen or ref not in raw:
                raise KeyError(f"bounds.toml: {key}: bad same_as {ref!r}")
            seen.add(ref)
            target = raw[ref]
        out[key] = Bound(
            key,
            float(target["min"]),
            float(target["max"]),
            bool(target.get("min_exclusive", False)),
            str(target["unit"]),
            str(target["source"]),
            str(target["confidence"]),
            None if "flag_at" not in target else float(target["flag_at"]),
            str(target.get("flag_source", "")),
        )
    return out


def bound(key: str) -> Bound:
    """The range of one field (KeyError when ``bounds.toml`` has no such key: a bug)."""
    return bounds()[key]


def limits(section: str) -> dict[str, Any]:
    """A ``[limits.SECTION]`` table of resource bounds (e.g. ``"profile"``)."""
    return dict(_data()["limits"][section])


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
