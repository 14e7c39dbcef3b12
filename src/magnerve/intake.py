"""Nutrient intake from a diary: per line, meal and day, with coverage.

SR28 gives nutrients per 100 g edible portion, so a line's amount of nutrient
*n* is ``grams / 100 * value_n``. A nutrient SR28 does not list for a food is
*unknown* for that line: totals sum the known lines, count the unknown ones and
name them, so a total with gaps is reported as a lower bound, never as if the
missing value were zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from magnerve._gc import paused as paused_gc
from magnerve.diary import Diary, DiaryEntry
from magnerve.foods._db import FoodDatabase, NutrientInfo, load_database
from magnerve.foods._parse import ParsedLine

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
        n_days = len(self.days)
        n_entries = len(self.entries)
        # one tuple of day totals per nutrient (a transpose; None columns when no day)
        columns = list(zip(*(t for _, t in self.days), strict=True))
        out = []
        for j in range(len(self.nutrients)):
            col: tuple[NutrientTotal, ...] = columns[j] if columns else ()
            known = [t.value for t in col if t.value is not None]
            missing = tuple(x for t in col for x in t.missing_lines)
            mean = sum(known) / n_days if known and n_days else None
            out.append(NutrientTotal(mean, n_entries, missing))
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (the ``magnerve intake --json`` output)."""
        with paused_gc():  # hundreds of thousands of acyclic dicts for a long diary
            return {
                k: ([x for part in v for x in part] if isinstance(v, Iterator) else v)
                for k, v in self.iter_dict()
            }

    def iter_dict(self, batch: int = 1000) -> Iterator[tuple[str, Any]]:
        """The items of :meth:`to_dict` in order, its three long lists in batches.

        Parameters
        ----------
        batch : int, default 1000
            Largest number of lines, meals or days in one batch [-].

        Yields
        ------
        tuple of (str, object)
            Each key of :meth:`to_dict` and its value, except that the values of
            ``lines``, ``meals`` and ``days`` are iterators of lists (of at most ``batch``
            items) whose concatenation is the value in :meth:`to_dict`: a writer can stream
            a 10-year diary without holding its whole mapping at once.
        """
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        keys = [n.key for n in self.nutrients]
        meals, days = self.meals, self.days
        yield (
            "nutrients",
            [
                {"key": n.key, "label": n.label, "unit": n.units, "sr28_nutr_no": n.nutr_no}
                for n in self.nutrients
            ],
        )
        yield "lines", self._line_batches(keys, batch)
        yield (
            "meals",
            (
                [
                    {"date": d.isoformat(), "meal": m, "nutrients": named}
                    for (d, m, _), named in zip(
                        meals[i : i + batch],
                        _named_totals(keys, [t for _, _, t in meals[i : i + batch]]),
                        strict=True,
                    )
                ]
                for i in range(0, len(meals), batch)
            ),
        )
        yield (
            "days",
            (
                [
                    {"date": d.isoformat(), "nutrients": named}
                    for (d, _), named in zip(
                        days[i : i + batch],
                        _named_totals(keys, [t for _, t in days[i : i + batch]]),
                        strict=True,
                    )
                ]
                for i in range(0, len(days), batch)
            ),
        )
        yield (
            "mean_daily",
            {"n_days": len(days), "nutrients": _named_totals(keys, [self.mean_daily()])[0]},
        )
        yield "plausibility", self.plausibility

    def _line_batches(self, keys: list[str], batch: int) -> Iterator[list[dict[str, Any]]]:
        """The mappings of the lines, ``batch`` lines at a time (see :meth:`iter_dict`)."""
        # Diaries repeat lines ("coffee, 1 cup" every morning): the part of a line's mapping
        # that comes from its parsed food and amount is made once per distinct parse and
        # copied; dates are written once per day.
        parts: dict[Any, tuple[dict[str, Any], tuple[str, ...]]] = {}
        iso: dict[date, str] = {}
        entries = self.entries
        for start in range(0, len(entries), batch):
            rows = _round4(self.values[start : start + batch])
            out: list[dict[str, Any]] = []
            append = out.append
            for e, row in zip(entries[start : start + batch], rows, strict=True):
                day = iso.get(e.date)
                if day is None:
                    day = iso[e.date] = e.date.isoformat()
                p = e.parsed
                if p is None:
                    append(
                        {
                            "line": e.line,
                            "date": day,
                            "time": e.time,
                            "meal": e.meal,
                            "text": e.name,
                            "food": None,
                            "amount": None,
                            "unit": None,
                            "grams": None,
                            "measure": None,
                            "confidence": None,
                            "notes": list(e.notes),
                            "source": "file",
                            "nutrients": dict(zip(keys, row, strict=True)),
                        }
                    )
                    continue
                part, nested = _parsed_part(p, parts)
                d: dict[str, Any] = {"line": e.line, "date": day, "time": e.time, "meal": e.meal}
                d.update(part)
                d["text"] = p.text
                for name in nested:
                    d[name] = d[name].copy()
                d["source"] = "sr28"
                d["nutrients"] = dict(zip(keys, row, strict=True))
                append(d)
            yield out


# Rounding to 4 decimals in bulk. ``np.round`` (scale, round half to even, unscale) gives
# Python's ``round(x, 4)`` (correctly rounded decimal) exactly when ``x * 1e4`` is not within
# its own rounding error of a half-integer and the integer is exact in binary: far from a half
# (``_HALF_MARGIN``) and ``|x| < _FAST_MAX`` (then the error of ``x * 1e4`` is below 2e-5).
# Other values (and NaN, infinities) take Python's ``round``. Algorithm limits, not data.
_HALF_MARGIN = 1e-3
_FAST_MAX = 1e7


def _round4(a: npt.NDArray[np.float64]) -> list[Any]:
    """``None`` for NaN and ``round(x, 4)`` for every other element, as nested lists.

    Parameters
    ----------
    a : numpy.ndarray
        Float array of any shape.

    Returns
    -------
    list
        ``a.tolist()`` with each float ``x`` replaced by ``round(x, 4)`` (the same float
        Python gives) and NaN by None.
    """
    a = np.asarray(a, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        y = a * 1e4
        fast = (np.abs(y - np.floor(y) - 0.5) > _HALF_MARGIN) & (np.abs(a) < _FAST_MAX)
        out: list[Any] = (np.rint(y) / 1e4).tolist()
    if fast.all():
        return out
    slow = np.argwhere(~fast).tolist()
    raw = a[~fast].tolist()  # row-major, the order of ``argwhere``
    for idx, x in zip(slow, raw, strict=True):
        v = None if x != x else round(x, 4)
        if len(idx) == 1:
            out[idx[0]] = v
        else:
            target = out
            for i in idx[:-1]:
                target = target[i]
            target[idx[-1]] = v
    return out


_get_value = attrgetter("value")
_get_missing = attrgetter("missing_lines")


def _named_totals(
    keys: list[str], groups: Sequence[Sequence[NutrientTotal]]
) -> list[dict[str, dict[str, Any]]]:
    """``{key: total.to_dict()}`` for each group of totals (one total per key), in bulk.

    The values of all the groups are rounded at once (:func:`_round4`); totals with no
    missing line (the usual case) take a path without per-total calls.
    """
    k = len(keys)
    if k == 0:
        return [{} for _ in groups]
    flat = [t for g in groups for t in g]
    if len(flat) != k * len(groups):
        raise ValueError("each group needs one total per nutrient")
    values = _round4(np.array(list(map(_get_value, flat)), dtype=np.float64))
    missing = list(map(_get_missing, flat))
    if not any(missing):
        dicts = [
            {"value": v, "complete": True, "coverage": 1.0, "missing_lines": []} for v in values
        ]
    else:
        dicts = [
            {"value": v, "complete": True, "coverage": 1.0, "missing_lines": []}
            if not m
            else {
                "value": v,
                "complete": False,
                "coverage": round(t.coverage, 4),
                "missing_lines": list(m),
            }
            for v, m, t in zip(values, missing, flat, strict=True)
        ]
    return [dict(zip(keys, dicts[i : i + k], strict=True)) for i in range(0, len(dicts), k)]


def _parsed_part(
    p: ParsedLine, memo: dict[Any, tuple[dict[str, Any], tuple[str, ...]]]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """``p.to_dict()`` without ``alternatives``, made once per distinct parse, and the keys
    whose values are dicts or lists (to copy for each line). Shared: do not modify."""
    try:
        key: Any = (
            p.food,
            p.amount.__class__,
            p.amount,
            p.unit,
            p.grams,
            p.measure,
            p.confidence,
            tuple(p.notes),
            p.uncertain,
        )
        hit = memo.get(key)
    except TypeError:  # an unhashable field: no sharing
        key, hit = None, None
    if hit is None:
        part = p.to_dict()
        part.pop("alternatives")
        hit = (part, tuple(k for k, v in part.items() if isinstance(v, (dict, list))))
        if key is not None:
            memo[key] = hit
    return hit


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
