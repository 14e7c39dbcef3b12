"""Diary files that carry totals, not foods: which format a header is, and its nutrient columns.

* Cronometer ``dailysummary.csv`` (``Date`` first, day totals, ``Completed`` last);
* MyFitnessPal's nutrition export (``Date, Meal, [Time,] Calories, Fat (g), ...``): one row
  per meal (or per logged entry when the export has ``Time``), no food names, no magnesium;
  ``Vitamin A``, ``Vitamin C``, ``Calcium`` and ``Iron`` are % of the daily value there, not
  amounts, and are ignored;
* a generic totals CSV: a date column and nutrient columns named by magnerve key
  (``magnesium_mg``) or as ``Name (unit)`` (``Magnesium (mg)``).

Documented in ``docs/diary_formats.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Literal

from magnerve.foods import NutrientInfo, load_database

__all__ = ["FORMAT_NOTES", "TotalsFormat", "detect_format", "nutrient_columns"]

TotalsFormat = Literal["cronometer", "cronometer_daily", "mfp", "totals", "csv"]

#: What each totals format gives and loses, stated on the Diary (``Diary.notes``).
FORMAT_NOTES: dict[str, str] = {
    "cronometer_daily": (
        "Cronometer daily summary: day totals only. It has no foods, meals, times or amounts, "
        "so nothing can be checked against SR28, per-occasion absorption (meal size, phytate, "
        "oxalate, water with meals) uses the whole day as one occasion, food-based plans cannot "
        "change named foods, and supplements logged in Cronometer are already inside the totals "
        "(they cannot be told apart from food). Export 'Food & Recipe Entries' "
        "(servings.csv) instead when you can."
    ),
    "mfp": (
        "MyFitnessPal nutrition export: meal totals (or entry totals) without food names. "
        "MyFitnessPal does not export magnesium, zinc, vitamin D or B6 in most accounts: "
        "these are unknown (not zero) unless a column names them with a unit. Its Vitamin A, "
        "Vitamin C, Calcium and Iron columns are % of the daily value and are ignored."
    ),
    "totals": (
        "Nutrient totals per day: no foods, meals or times; nutrients without a column are "
        "unknown (not zero)."
    ),
}

# MyFitnessPal columns without a unit in their name, with the unit MFP uses.
_MFP = {
    "calories": ("energy_kcal", 1.0),
    "fat (g)": ("fat_g", 1.0),
    "saturated fat": ("saturated_fat_g", 1.0),
    "cholesterol": ("cholesterol_mg", 1.0),
    "sodium (mg)": ("sodium_mg", 1.0),
    "potassium": ("potassium_mg", 1.0),
    "carbohydrates (g)": ("carbohydrate_g", 1.0),
    "fiber": ("fiber_g", 1.0),
    "sugar": ("sugars_g", 1.0),
    "protein (g)": ("protein_g", 1.0),
}
# MyFitnessPal columns given as % of the daily value, never as amounts.
_MFP_PERCENT_DV = {"vitamin a", "vitamin c", "calcium", "iron", "magnesium", "zinc"}
_NON_NUTRIENT = {"date", "day", "meal", "group", "time", "note", "notes", "completed", "comments"}

_MASS = {"g": 1.0, "mg": 1e-3, "ug": 1e-6, "µg": 1e-6, "μg": 1e-6, "mcg": 1e-6, "kg": 1e3}
_NAMED = re.compile(r"^\s*(?P<name>.+?)\s*\((?P<unit>[^()]+)\)\s*$")
_SYNONYMS = {
    "calories": "energy",
    "energy": "energy",
    "kcal": "energy",
    "fibre": "fiber",
    "carbs": "carbohydrate",
    "carbohydrates": "carbohydrate",
    "sugar": "sugars",
    "vitamin b6": "vitamin_b6",
    "b6": "vitamin_b6",
    "b6 (pyridoxine)": "vitamin_b6",
    "vitamin d": "vitamin_d",
}


def _header_names(fieldnames: Sequence[str]) -> set[str]:
    return {f.strip().lower() for f in fieldnames if f}


def detect_format(fieldnames: Sequence[str]) -> TotalsFormat:
    """Which diary format a CSV header is.

    Parameters
    ----------
    fieldnames : sequence of str
        The header cells.

    Returns
    -------
    {"cronometer", "cronometer_daily", "mfp", "totals", "csv"}
        ``csv`` is magnerve's own food-per-line diary.
    """
    names = _header_names(fieldnames)
    if {"food name", "day", "amount"} <= names:
        return "cronometer"
    has_food = bool(
        names & {"food", "food name", "food_name", "item", "description", "ndb", "line"}
    )
    if has_food:
        return "csv"
    first = (fieldnames[0] if fieldnames else "").strip().lower()
    if first == "date" and ("completed" in names or "energy (kcal)" in names):
        return "cronometer_daily"
    if {"date", "meal", "calories"} <= names:
        return "mfp"
    if names & {"date", "day"} and nutrient_columns(fieldnames, "totals")[0]:
        return "totals"
    return "csv"


def _by_key() -> dict[str, NutrientInfo]:
    return {n.key: n for n in load_database().nutrients}


def _unit_factor(unit: str, info: NutrientInfo) -> float | None:
    """Factor from a column unit to the nutrient's SR28 unit, or None when not convertible."""
    u = unit.strip().lower().replace("μ", "µ")
    target = info.units.lower().replace("μ", "µ")
    if u == target or (u in ("ug", "µg", "mcg") and target in ("ug", "µg")):
        return 1.0
    if u in _MASS and target in _MASS:
        return _MASS[u] / _MASS[target]
    if u == "kcal" and target == "kcal":
        return 1.0
    return None


def _column_for_key(col: str, by_key: Mapping[str, NutrientInfo]) -> tuple[str, float] | None:
    c = col.strip()
    low = c.lower().replace(" ", "_")
    if low in by_key:
        return low, 1.0
    m = _NAMED.match(c)
    if not m:
        return None
    name = m.group("name").strip().lower()
    unit = m.group("unit").strip()
    name = _SYNONYMS.get(name, name)
    base = name.replace(" ", "_")
    if base == "vitamin_d" and unit.lower() == "iu":
        return "vitamin_d_iu", 1.0
    for key, info in by_key.items():
        label = info.label.lower()
        if key.rsplit("_", 1)[0] == base or label == name or label.split(",")[0] == name:
            f = _unit_factor(unit, info)
            if f is not None:
                return key, f
    return None


def nutrient_columns(
    fieldnames: Sequence[str], fmt: str
) -> tuple[dict[str, tuple[str, float]], list[str]]:
    """Nutrient columns of a totals file.

    Parameters
    ----------
    fieldnames : sequence of str
        The header cells.
    fmt : {"cronometer_daily", "mfp", "totals"}
        The format (MyFitnessPal names some columns without units).

    Returns
    -------
    columns : dict
        Nutrient key -> (column name, factor to the nutrient's unit).
    ignored : list of str
        Columns that look like nutrients but were not used, each with the reason.
    """
    by_key = _by_key()
    cols: dict[str, tuple[str, float]] = {}
    ignored: list[str] = []
    crono: dict[str, list[NutrientInfo]] = {}
    for n in by_key.values():
        if n.cronometer:
            crono.setdefault(n.cronometer, []).append(n)
    for f in fieldnames:
        if not f:
            continue
        low = f.strip().lower()
        if low in _NON_NUTRIENT:
            continue
        if fmt == "mfp" and low in _MFP:
            key, factor = _MFP[low]
            cols.setdefault(key, (f, factor))
            continue
        if fmt == "mfp" and low in _MFP_PERCENT_DV:
            ignored.append(f"{f!r} (MyFitnessPal gives it as % of the daily value)")
            continue
        if f.strip() in crono:
            for n in crono[f.strip()]:
                cols.setdefault(n.key, (f, n.cronometer_factor))
            continue
        hit = _column_for_key(f, by_key)
        if hit is not None:
            cols.setdefault(hit[0], (f, hit[1]))
            if hit[0] == "vitamin_d_iu":
                cols.setdefault("vitamin_d_ug", (f, 0.025))
        elif fmt != "cronometer_daily":
            ignored.append(f"{f!r} (not a known nutrient with a unit)")
    return cols, ignored
