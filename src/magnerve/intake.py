"""Nutrient intake from a diary: per line, meal and day, with coverage.

SR28 gives nutrients per 100 g edible portion, so a line's amount of nutrient
*n* is ``grams / 100 * value_n``. A nutrient SR28 does not list for a food is
*unknown* for that line: totals sum the known lines, count the unknown ones and
name them, so a total with gaps is reported as a lower bound, never as if the
missing value were zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from magnerve._gc import paused as paused_gc
from magnerve.diary import Diary, DiaryEntry
from magnerve.foods._db import FoodDatabase, NutrientInfo, load_database
from magnerve.foods._parse import ParsedLine

_PARSED_FIELDS = tuple(f.name for f in fields(ParsedLine))
_parsed_values = attrgetter(*_PARSED_FIELDS)

__all__ = [
    "IntakeReport",
    "NutrientTotal",
    "default_nutrients",
    "intake",
    "line_nutrients",
    "resolve_nutrients",
]


@dataclass(frozen=True, slots=True)
class NutrientTotal:
    """A summed nutrient and how complete the sum is.

    Attributes
    ----------
    value : float or None
        Sum over lines with a known value, in the nutrient's unit; None when no line
        had a value.
    n_lines : int
        Lines summed.
    missing_lines : tuple of int
        Diary line numbers whose food has no SR28 value for this nutrient.
    """

    value: float | None
    n_lines: int
    missing_lines: tuple[int, ...]

    @property
    def complete(self) -> bool:
        """True when every line had a value."""
        return not self.missing_lines

    @property
    def coverage(self) -> float:
        """Share of lines with a known value [0-1]."""
        return 1.0 if self.n_lines == 0 else 1.0 - len(self.missing_lines) / self.n_lines

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "value": None if self.value is None else round(self.value, 4),
            "complete": self.complete,
            "coverage": round(self.coverage, 4),
            "missing_lines": list(self.missing_lines),
        }


def default_nutrients() -> list[NutrientInfo]:
    """The nutrients reported when none are asked for (magnesium and its partners)."""
    return [n for n in load_database().nutrients if n.default]


def resolve_nutrients(names: Sequence[str] | None) -> list[NutrientInfo]:
    """Nutrient definitions from keys, SR28 numbers or tagnames (default set when None)."""
    if not names:
        return default_nutrients()
    db = load_database()
    out: list[NutrientInfo] = []
    for name in names:
        info = db.nutrients[db.nutrient_position(name)]
        if info not in out:
            out.append(info)
    return out


def line_nutrients(
    ndbs: Sequence[str], grams: Sequence[float] | npt.ArrayLike, nutrients: Sequence[NutrientInfo]
) -> npt.NDArray[np.float64]:
    """Nutrient amounts of food portions.

    Parameters
    ----------
    ndbs : sequence of str
        SR28 NDB numbers, one per line.
    grams : array_like
        Edible weight of each line [g].
    nutrients : sequence of NutrientInfo
        Nutrients wanted (see :func:`resolve_nutrients`).

    Returns
    -------
    numpy.ndarray
        Shape ``(len(ndbs), len(nutrients))``: amount per line in each nutrient's unit
        (``value_per_100g * grams / 100``); NaN where SR28 has no value.
    """
    db = load_database()
    rows = _food_rows(db, ndbs)
    cols = np.array([db.nutrient_position(n.nutr_no) for n in nutrients], dtype=np.intp)
    g = np.asarray(grams, dtype=np.float64).reshape(-1, 1)
    result: npt.NDArray[np.float64] = db.matrix[np.ix_(rows, cols)] * (g / 100.0)
    return result


def _food_rows(db: FoodDatabase, ndbs: Sequence[str]) -> npt.NDArray[np.intp]:
    """Rows of foods in the nutrient matrix, each distinct NDB number looked up once."""
    memo: dict[str, int] = {}
    rows = np.empty(len(ndbs), dtype=np.intp)
    for i, x in enumerate(ndbs):
        r = memo.get(x)
        if r is None:
            r = memo[x] = db.food_index(x)
        rows[i] = r
    return rows


# A frozen, slotted dataclass sets its fields through ``object.__setattr__``; a long diary
# makes hundreds of thousands of totals, so they are made by the slot descriptors directly.
_new_total = object.__new__
_SLOTS = vars(NutrientTotal)  # the slot (member) descriptors, which bypass ``__setattr__``
_set_value: Callable[[NutrientTotal, object], None] = _SLOTS["value"].__set__
_set_n_lines: Callable[[NutrientTotal, object], None] = _SLOTS["n_lines"].__set__
_set_missing: Callable[[NutrientTotal, object], None] = _SLOTS["missing_lines"].__set__


def _make_total(value: float | None, n_lines: int, missing: tuple[int, ...]) -> NutrientTotal:
    """``NutrientTotal(value, n_lines, missing)`` without the dataclass ``__init__``."""
    t: NutrientTotal = _new_total(NutrientTotal)
    _set_value(t, value)
    _set_n_lines(t, n_lines)
    _set_missing(t, missing)
    return t


def _group_totals(
    values: npt.NDArray[np.float64], groups: npt.NDArray[np.intp], n_groups: int, lines: list[int]
) -> list[list[NutrientTotal]]:
    """Totals of ``values`` rows per group label, vectorised over lines and nutrients.

    Sums are accumulated line by line in file order (``np.add.at``), as a Python loop would.
    """
    known = ~np.isnan(values)
    k = values.shape[1]
    sums = np.zeros((n_groups, k))
    np.add.at(sums, groups, np.where(known, values, 0.0))
    n_known = np.zeros((n_groups, k), dtype=np.int64)
    np.add.at(n_known, groups, known.astype(np.int64))
    n_lines = np.bincount(groups, minlength=n_groups)
    missing: dict[tuple[int, int], list[int]] = {}
    for i, j in np.argwhere(~known).tolist():
        missing.setdefault((int(groups[i]), j), []).append(lines[i])
    # plain lists: indexing numpy arrays element by element costs more than the totals
    sums_l, known_l, lines_l = sums.tolist(), n_known.tolist(), n_lines.tolist()
    empty: tuple[int, ...] = ()
    make = _make_total
    if not missing:
        return [
            [make(v if c else None, n, empty) for v, c in zip(sv, kv, strict=True)]
            for sv, kv, n in zip(sums_l, known_l, lines_l, strict=True)
        ]
    return [
        [
            make(
                sums_l[g][j] if known_l[g][j] else None,
                lines_l[g],
                tuple(missing[(g, j)]) if (g, j) in missing else empty,
            )
            for j in range(k)
        ]
        for g in range(n_groups)
    ]


@dataclass(frozen=True, slots=True)
class IntakeReport:
    """Nutrient intake of a diary.

    Attributes
    ----------
    nutrients : list of NutrientInfo
        Columns, in order.
    entries : list of DiaryEntry
        Lines, in file order.
    values : numpy.ndarray
        ``(n_lines, n_nutrients)`` amounts; NaN where unknown.
    meals : list of (date, meal, list of NutrientTotal)
        Totals per meal within a day, in order of first appearance.
    days : list of (date, list of NutrientTotal)
        Totals per day, in date order.
    plausibility : list of dict
        Lines and days to check: implausible portions (far above the food's reference
        amount), single lines or days with implausible energy (``data/servings.toml``).
        Flags never change the numbers.
    """

    nutrients: list[NutrientInfo]
    entries: list[DiaryEntry]
    values: npt.NDArray[np.float64]
    meals: list[tuple[date, str, list[NutrientTotal]]]
    days: list[tuple[date, list[NutrientTotal]]]
    plausibility: list[dict[str, Any]] = field(default_factory=list)

    def mean_daily(self) -> list[NutrientTotal]:
        """Mean of the day totals (e.g. a weekly average) per nutrient.

        A nutrient's mean is None when no day has a value; ``missing_lines`` lists every
        line lacking a value, so the mean is a lower bound when it is not empty.
        """
        out = []
        for j in range(len(self.nutrients)):
            vals = [d[1][j].value for d in self.days]
            known = [v for v in vals if v is not None]
            missing = tuple(x for d in self.days for x in d[1][j].missing_lines)
            mean = sum(known) / len(vals) if known and vals else None
            out.append(NutrientTotal(mean, len(self.entries), missing))
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (the ``magnerve intake --json`` output)."""
        keys = [n.key for n in self.nutrients]

        def named(totals: list[NutrientTotal]) -> dict[str, Any]:
            return {k: _total_dict(t) for k, t in zip(keys, totals, strict=True)}

        # Diaries repeat lines ("coffee, 1 cup" every morning): the parts of a line's mapping
        # that do not depend on the line (food, amount, nutrients) are made once per distinct
        # line and copied.
        parsed_parts: dict[Any, dict[str, Any]] = {}
        nutrient_parts: dict[Any, dict[str, Any]] = {}
        rows = self.values.tolist()
        lines = []
        for e, row in zip(self.entries, rows, strict=True):
            base: dict[str, Any] = {
                "line": e.line,
                "date": e.date.isoformat(),
                "time": e.time,
                "meal": e.meal,
            }
            if e.parsed is not None:
                base.update(_parsed_part(e.parsed, parsed_parts), source="sr28")
            else:
                base.update(
                    text=e.name,
                    food=None,
                    amount=None,
                    unit=None,
                    grams=None,
                    measure=None,
                    confidence=None,
                    notes=list(e.notes),
                    source="file",
                )
            vkey = tuple(row)
            nutrients = nutrient_parts.get(vkey)
            if nutrients is None:
                nutrients = nutrient_parts[vkey] = {
                    k: (None if v != v else round(v, 4)) for k, v in zip(keys, row, strict=True)
                }
            base["nutrients"] = dict(nutrients)
            lines.append(base)
        return {
            "nutrients": [
                {"key": n.key, "label": n.label, "unit": n.units, "sr28_nutr_no": n.nutr_no}
                for n in self.nutrients
            ],
            "lines": lines,
            "meals": [
                {"date": d.isoformat(), "meal": m, "nutrients": named(t)} for d, m, t in self.meals
            ],
            "days": [{"date": d.isoformat(), "nutrients": named(t)} for d, t in self.days],
            "mean_daily": {"n_days": len(self.days), "nutrients": named(self.mean_daily())},
            "plausibility": self.plausibility,
        }


def _total_dict(t: NutrientTotal) -> dict[str, Any]:
    """``t.to_dict()``, inlined for the thousands of totals of a long diary."""
    missing = t.missing_lines
    return {
        "value": None if t.value is None else round(t.value, 4),
        "complete": not missing,
        "coverage": 1.0 if not missing else round(t.coverage, 4),
        "missing_lines": list(missing),
    }


def _parsed_part(p: ParsedLine, memo: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    """``p.to_dict()`` without ``alternatives``, made once per distinct parsed line."""
    try:
        key: Any = tuple(
            tuple(v) if isinstance(v, list) else v
            for name, v in zip(_PARSED_FIELDS, _parsed_values(p), strict=True)
            if name not in ("text", "alternatives")
        )
        hash(key)
    except TypeError:  # an unhashable field: no sharing
        key = None
    part = memo.get(key) if key is not None else None
    if part is None:
        part = p.to_dict()
        part.pop("alternatives")
        if key is not None:
            memo[key] = part
    out = {k: (v.copy() if isinstance(v, (dict, list)) else v) for k, v in part.items()}
    out["text"] = p.text
    return out


def intake(
    diary: Diary | Sequence[DiaryEntry],
    nutrients: Sequence[str] | None = None,
    *,
    by_meal: bool = True,
) -> IntakeReport:
    """Nutrient totals of a diary per line, meal and day.

    Parameters
    ----------
    diary : Diary or sequence of DiaryEntry
        Parsed diary (see :func:`magnerve.read_diary`).
    nutrients : sequence of str, optional
        Nutrient keys (``"magnesium_mg"``), SR28 numbers (``"304"``) or tagnames
        (``"MG"``); default: magnesium, calcium, zinc, phosphorus, potassium, sodium,
        vitamin D (µg and IU), vitamin B6, fibre, energy, protein, caffeine, alcohol.
    by_meal : bool, default True
        Make the per-meal totals; False leaves ``meals`` empty (for callers that need only
        the days: a 10-year diary has about 15,000 meals).

    Returns
    -------
    IntakeReport
        Per-line amounts and per-meal/per-day totals with coverage.
    """
    entries = list(diary.entries if isinstance(diary, Diary) else diary)
    infos = resolve_nutrients(nutrients)
    with paused_gc():
        return _intake(entries, infos, by_meal)


def _intake(entries: list[DiaryEntry], infos: list[NutrientInfo], by_meal: bool) -> IntakeReport:
    """:func:`intake` on a list of entries and resolved nutrients."""
    db = load_database()
    n = len(entries)
    values = np.full((n, len(infos)), np.nan)
    sr28: list[int] = []
    ndbs: list[str] = []
    grams: list[float] = []
    line_no: list[int] = []
    meal_keys: dict[tuple[date, str], int] = {}
    meal_of = np.empty(n, dtype=np.intp)
    day_keys: dict[date, int] = {}
    day_first = np.empty(n, dtype=np.intp)  # day in order of first appearance
    for i, e in enumerate(entries):
        p = e.parsed
        if p is not None:
            sr28.append(i)
            ndbs.append(p.food.id)
            grams.append(p.grams)
        elif e.reported is not None:
            for j, info in enumerate(infos):
                v = e.reported.get(info.key)
                if v is not None:
                    values[i, j] = v
        line_no.append(e.line)
        meal_of[i] = meal_keys.setdefault((e.date, e.meal or "unspecified"), len(meal_keys))
        day_first[i] = day_keys.setdefault(e.date, len(day_keys))
    rows = _food_rows(db, ndbs)
    g = np.asarray(grams, dtype=np.float64)
    if sr28:
        cols = np.array([db.nutrient_position(x.nutr_no) for x in infos], dtype=np.intp)
        values[sr28] = db.matrix[np.ix_(rows, cols)] * (g.reshape(-1, 1) / 100.0)
    day_list = sorted(day_keys)
    rank = np.empty(len(day_list), dtype=np.intp)
    for pos, d in enumerate(day_list):
        rank[day_keys[d]] = pos
    day_of = rank[day_first]
    meals: list[tuple[date, str, list[NutrientTotal]]] = []
    if by_meal:
        meal_totals = _group_totals(values, meal_of, len(meal_keys), line_no)
        meals = [(d, m, meal_totals[k]) for (d, m), k in meal_keys.items()]
    day_totals = _group_totals(values, day_of, len(day_list), line_no)
    days = list(zip(day_list, day_totals, strict=True))
    flags = _plausibility(entries, np.asarray(sr28, dtype=np.intp), rows, g, day_of, day_list)
    return IntakeReport(infos, entries, values, meals, days, flags)


def plausibility_flags(
    entries: Sequence[DiaryEntry], days: Sequence[tuple[date, list[NutrientTotal]]] | None = None
) -> list[dict[str, Any]]:
    """Implausible portions and days in a diary, to be checked by the person.

    A line is flagged when its weight is above ``portion_max_racc_multiple`` reference amounts
    (FDA RACC) of its food category and above ``portion_min_grams_to_flag``, or when it gives
    more than ``line_energy_max_kcal``; a day is flagged when its reported energy is outside
    ``day_energy_min_kcal``-``day_energy_max_kcal`` (Willett's plausibility range). Thresholds:
    ``data/servings.toml`` [plausibility].

    Parameters
    ----------
    entries : sequence of DiaryEntry
    days : sequence of (date, totals), optional
        Day totals of the default nutrients (energy is looked up by key); computed when None.

    Returns
    -------
    list of dict
        ``{"level": "line"|"day", "line"|"date": ..., "kind": ..., "message": ...}``.
    """
    db = load_database()
    sr28 = [i for i, e in enumerate(entries) if e.parsed is not None]
    rows = _food_rows(db, [entries[i].parsed.food.id for i in sr28])  # type: ignore[union-attr]
    grams = np.array([entries[i].parsed.grams for i in sr28], dtype=np.float64)  # type: ignore[union-attr]
    day_list = sorted({e.date for e in entries})
    pos = {d: k for k, d in enumerate(day_list)}
    day_of = np.array([pos[e.date] for e in entries], dtype=np.intp)
    return _plausibility(entries, np.asarray(sr28, dtype=np.intp), rows, grams, day_of, day_list)


def _plausibility(
    entries: Sequence[DiaryEntry],
    sr28: npt.NDArray[np.intp],
    rows: npt.NDArray[np.intp],
    grams: npt.NDArray[np.float64],
    day_of: npt.NDArray[np.intp],
    day_list: Sequence[date],
) -> list[dict[str, Any]]:
    """:func:`plausibility_flags` with the SR28 lines (``sr28``: entry positions, ``rows``:
    matrix rows, ``grams``) and each entry's day (``day_of`` into the sorted ``day_list``)
    already known: per-line arithmetic in numpy, per-food lookups once per food."""
    from magnerve._servings import plausibility, racc_grams
    from magnerve.foods import friendly_name

    cfg = plausibility()
    db = load_database()
    kcal_col = db.nutrient_position("energy_kcal")
    n = len(entries)
    kcal = np.full(n, np.nan)
    racc = np.full(n, np.nan)
    if len(sr28):
        kcal[sr28] = db.matrix[rows, kcal_col] * grams / 100.0
        distinct, inverse = np.unique(rows, return_inverse=True)
        per_food = np.array(
            [racc_grams(db.descriptions[i], db.group_codes[i]) for i in distinct.tolist()],
            dtype=np.float64,
        )
        racc[sr28] = per_food[inverse.reshape(-1)]
    for i, e in enumerate(entries):
        if e.parsed is None and e.reported:
            v = e.reported.get("energy_kcal")
            if v is not None:
                kcal[i] = float(v)
    g_all = np.full(n, np.nan)
    g_all[sr28] = grams
    with np.errstate(invalid="ignore"):
        portion = (g_all > cfg["portion_max_racc_multiple"] * racc) & (
            g_all > cfg["portion_min_grams_to_flag"]
        )
        line_energy = kcal > cfg["line_energy_max_kcal"]
    out: list[dict[str, Any]] = []
    for i in np.flatnonzero(portion | line_energy).tolist():
        e = entries[i]
        if portion[i]:
            p = e.parsed
            assert p is not None
            r = float(racc[i])
            name = friendly_name(p.food.description)
            out.append(
                {
                    "level": "line",
                    "line": e.line,
                    "kind": "portion",
                    "message": f"line {e.line}: {p.grams:.0f} g of {name} is "
                    f"{p.grams / r:.0f} times a usual portion ({r:.0f} g): please "
                    "check the amount and unit",
                }
            )
        if line_energy[i]:
            k = float(kcal[i])
            out.append(
                {
                    "level": "line",
                    "line": e.line,
                    "kind": "line_energy",
                    "message": f"line {e.line}: {k:.0f} kcal in one line: please check the amount",
                }
            )
    known = ~np.isnan(kcal)
    day_kcal = np.zeros(len(day_list))
    np.add.at(day_kcal, day_of[known], kcal[known])  # line by line, in file order
    has_kcal = np.bincount(day_of[known], minlength=len(day_list)) > 0
    lo, hi = float(cfg["day_energy_min_kcal"]), float(cfg["day_energy_max_kcal"])
    for k_day, d, has in zip(day_kcal.tolist(), day_list, has_kcal.tolist(), strict=True):
        if has and (k_day < lo or k_day > hi):
            out.append(
                {
                    "level": "day",
                    "date": d.isoformat(),
                    "kind": "day_energy",
                    "message": f"{d.isoformat()}: {k_day:.0f} kcal reported, outside the usual "
                    f"plausible range {lo:.0f}-{hi:.0f} kcal/day: "
                    + ("is the day complete?" if k_day < lo else "please check the amounts"),
                }
            )
    return out
