"""Shared test helpers (imported by test modules; pytest puts this folder on sys.path)."""

from __future__ import annotations

from typing import Any

from magnerve.profile import Profile, parse_profile


def make_profile(**over: Any) -> Profile:
    """A 58-year-old man with type 2 diabetes and eGFR 80; tables in ``over`` are merged."""
    base: dict[str, Any] = {
        "person": {"age": 58, "sex": "male"},
        "health": {"diabetes": "type2", "egfr": 80, "medications": []},
        "water": {"source": "tap", "magnesium_mg_per_l": 10, "liters_per_day": 1.5},
    }
    for k, v in over.items():
        base[k] = {**base.get(k, {}), **v} if isinstance(v, dict) else v
    return parse_profile(base)
