"""Nutrient intake from a diary: per line, meal and day, with coverage.

SR28 gives nutrients per 100 g edible portion, so a line's amount of nutrient
*n* is ``grams / 100 * value_n``. A nutrient SR28 does not list for a food is
*unknown* for that line: totals sum the known lines, count the unknown ones and
name them, so a total with gaps is reported as a lower bound, never as if the
missing value were zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import FrozenInstanceError, dataclass
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
    "GroupTotals",
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


@dataclass(frozen=True, slots=True, eq=False)
class GroupTotals:
    """The totals of groups of lines (meals or days) as arrays, one row per group.

    What :class:`NutrientTotal` holds for each group and nutrient, without making one object
    per total (a 10-year diary has about 255,000 meal and day totals).

    Attributes
    ----------
    values : numpy.ndarray
        ``(n_groups, n_nutrients)`` sum of the known values of the group's lines, in each
        nutrient's unit, accumulated line by line in file order (meaningful where ``known``).
    known : numpy.ndarray
        ``(n_groups, n_nutrients)`` bool: True when some line of the group has a value (the
        total's ``value`` is None otherwise).
    n_lines : numpy.ndarray
        ``(n_groups, n_nutrients)`` int: lines summed [-].
    missing : dict
        ``(group, nutrient position) -> tuple of int``: diary line numbers lacking a value,
        in file order; only totals with a missing line appear.
    """

    values: npt.NDArray[np.float64]
    known: npt.NDArray[np.bool_]
    n_lines: npt.NDArray[np.int64]
    missing: dict[tuple[int, int], tuple[int, ...]]

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def totals(self) -> list[list[NutrientTotal]]:
        """One :class:`NutrientTotal` per group and nutrient (rows of :attr:`values`)."""
        vals = self.values.tolist()
        known = self.known.tolist()
        n_lines = self.n_lines.tolist()
        missing = self.missing
        make = _make_total
        empty: tuple[int, ...] = ()
        with paused_gc():  # many acyclic objects
            if not missing:
                return [
                    [make(v if c else None, n, empty) for v, c, n in zip(vr, kr, nr, strict=True)]
                    for vr, kr, nr in zip(vals, known, n_lines, strict=True)
                ]
            return [
                [
                    make(v if c else None, n, missing.get((g, j), empty))
                    for j, (v, c, n) in enumerate(zip(vr, kr, nr, strict=True))
                ]
                for g, (vr, kr, nr) in enumerate(zip(vals, known, n_lines, strict=True))
            ]

    def rounded(self, start: int = 0, stop: int | None = None) -> list[list[float | None]]:
        """``round(value, 4)`` of each total of groups ``start:stop`` (None when unknown),
        as :meth:`NutrientTotal.to_dict` writes it."""
        sl = slice(start, stop)
        with np.errstate(invalid="ignore"):
            v = np.where(self.known[sl], self.values[sl], np.nan)
        return _round4(v)

    def rounded_array(self, start: int = 0, stop: int | None = None) -> npt.NDArray[np.float64]:
        """:meth:`rounded` as a float array, NaN where the value is unknown."""
        sl = slice(start, stop)
        with np.errstate(invalid="ignore"):
            return _round4_array(np.where(self.known[sl], self.values[sl], np.nan))

    def named(
        self, keys: list[str], start: int = 0, stop: int | None = None
    ) -> list[dict[str, dict[str, Any]]]:
        """``{key: total.to_dict()}`` for each group ``start:stop`` (``keys``: one per
        nutrient), as :meth:`IntakeReport.to_dict` writes them."""
        return _named_totals(keys, self, start, stop)

    @classmethod
    def of(cls, groups: Sequence[Sequence[NutrientTotal]], k: int) -> GroupTotals:
        """The arrays of totals given as objects (``k`` per group)."""
        n = len(groups)
        if any(len(g) != k for g in groups):
            raise ValueError("each group needs one total per nutrient")
        values = np.zeros((n, k))
        known = np.zeros((n, k), dtype=bool)
        n_lines = np.zeros((n, k), dtype=np.int64)
        missing: dict[tuple[int, int], tuple[int, ...]] = {}
        for g, row in enumerate(groups):
            for j, t in enumerate(row):
                if t.value is not None:
                    values[g, j] = t.value
                    known[g, j] = True
                n_lines[g, j] = t.n_lines
                if t.missing_lines:
                    missing[(g, j)] = tuple(t.missing_lines)
        return cls(values, known, n_lines, missing)


def _group_totals(
    values: npt.NDArray[np.float64], groups: npt.NDArray[np.intp], n_groups: int, lines: list[int]
) -> GroupTotals:
    """Totals of ``values`` rows per group label, vectorised over lines and nutrients.

    Sums are accumulated line by line in file order (``np.bincount`` adds its weights in
    input order), as a Python loop would.
    """
    known = ~np.isnan(values)
    k = values.shape[1]
    sums = np.zeros((n_groups, k))
    n_known = np.zeros((n_groups, k), dtype=np.int64)
    filled = np.where(known, values, 0.0)
    for j in range(k):
        sums[:, j] = np.bincount(groups, weights=filled[:, j], minlength=n_groups)
        n_known[:, j] = np.bincount(groups, weights=known[:, j], minlength=n_groups)
    n_lines = np.bincount(groups, minlength=n_groups).astype(np.int64)
    lists: dict[tuple[int, int], list[int]] = {}
    if not known.all():
        group_of = groups.tolist()
        for i, j in np.argwhere(~known).tolist():
            lists.setdefault((group_of[i], j), []).append(lines[i])
    return GroupTotals(
        sums,
        n_known > 0,
        np.broadcast_to(n_lines[:, None], (n_groups, k)),
        {key: tuple(v) for key, v in lists.items()},
    )


_MealKey = tuple[date, str]


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
        Totals per meal within a day, in order of first appearance (made on first use).
    days : list of (date, list of NutrientTotal)
        Totals per day, in date order (made on first use).
    plausibility : list of dict
        Lines and days to check: implausible portions (far above the food's reference
        amount), single lines or days with implausible energy (``data/servings.toml``).
        Flags never change the numbers.

    Notes
    -----
    Immutable, like a frozen dataclass. :func:`intake` keeps the meal and day totals as
    arrays (:meth:`meal_totals`, :meth:`day_totals`); the lists of :class:`NutrientTotal`
    in ``meals`` and ``days`` are made only when they are first read.
    """

    __slots__ = (
        "_day_groups",
        "_days",
        "_meal_groups",
        "_meals",
        "_parts",
        "entries",
        "nutrients",
        "plausibility",
        "values",
    )

    nutrients: list[NutrientInfo]
    entries: list[DiaryEntry]
    values: npt.NDArray[np.float64]
    plausibility: list[dict[str, Any]]
    _meals: list[tuple[date, str, list[NutrientTotal]]] | None
    _days: list[tuple[date, list[NutrientTotal]]] | None
    _meal_groups: tuple[list[_MealKey], GroupTotals] | None
    _day_groups: tuple[list[date], GroupTotals] | None
    _parts: dict[Any, tuple[dict[str, Any], tuple[str, ...]]]

    def __init__(
        self,
        nutrients: list[NutrientInfo],
        entries: list[DiaryEntry],
        values: npt.NDArray[np.float64],
        meals: list[tuple[date, str, list[NutrientTotal]]],
        days: list[tuple[date, list[NutrientTotal]]],
        plausibility: list[dict[str, Any]] | None = None,
    ) -> None:
        init = object.__setattr__
        init(self, "nutrients", nutrients)
        init(self, "entries", entries)
        init(self, "values", values)
        init(self, "plausibility", [] if plausibility is None else plausibility)
        init(self, "_meals", meals)
        init(self, "_days", days)
        init(self, "_meal_groups", None)
        init(self, "_day_groups", None)
        init(self, "_parts", {})

    @classmethod
    def _of_arrays(
        cls,
        nutrients: list[NutrientInfo],
        entries: list[DiaryEntry],
        values: npt.NDArray[np.float64],
        meals: tuple[list[_MealKey], GroupTotals],
        days: tuple[list[date], GroupTotals],
        plausibility: list[dict[str, Any]],
    ) -> IntakeReport:
        """A report whose meal and day totals are arrays (``meals`` and ``days`` are made
        from them on first use)."""
        r = cls(nutrients, entries, values, [], [], plausibility)
        object.__setattr__(r, "_meals", None)
        object.__setattr__(r, "_days", None)
        object.__setattr__(r, "_meal_groups", meals)
        object.__setattr__(r, "_day_groups", days)
        return r

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __repr__(self) -> str:
        return (
            f"IntakeReport(nutrients={[n.key for n in self.nutrients]!r}, "
            f"lines={len(self.entries)}, meals={len(self.meal_totals()[0])}, "
            f"days={len(self.day_totals()[0])}, plausibility={len(self.plausibility)} flag(s))"
        )

    @property
    def meals(self) -> list[tuple[date, str, list[NutrientTotal]]]:
        """Totals per meal within a day, in order of first appearance."""
        if self._meals is None:
            assert self._meal_groups is not None
            labels, groups = self._meal_groups
            built = [(d, m, t) for (d, m), t in zip(labels, groups.totals(), strict=True)]
            object.__setattr__(self, "_meals", built)
            return built
        return self._meals

    @property
    def days(self) -> list[tuple[date, list[NutrientTotal]]]:
        """Totals per day, in date order."""
        if self._days is None:
            assert self._day_groups is not None
            labels, groups = self._day_groups
            built = list(zip(labels, groups.totals(), strict=True))
            object.__setattr__(self, "_days", built)
            return built
        return self._days

    def meal_totals(self) -> tuple[list[tuple[date, str]], GroupTotals]:
        """The meals, ``(date, meal)`` in order of first appearance, and their totals as
        arrays (the same numbers as :attr:`meals`)."""
        if self._meal_groups is None:
            meals = self.meals
            groups = GroupTotals.of([t for _, _, t in meals], len(self.nutrients))
            object.__setattr__(self, "_meal_groups", ([(d, m) for d, m, _ in meals], groups))
            assert self._meal_groups is not None
        return self._meal_groups

    def day_totals(self) -> tuple[list[date], GroupTotals]:
        """The days, in date order, and their totals as arrays (the same numbers as
        :attr:`days`)."""
        if self._day_groups is None:
            days = self.days
            groups = GroupTotals.of([t for _, t in days], len(self.nutrients))
            object.__setattr__(self, "_day_groups", ([d for d, _ in days], groups))
            assert self._day_groups is not None
        return self._day_groups

    def mean_daily(self) -> list[NutrientTotal]:
        """Mean of the day totals (e.g. a weekly average) per nutrient.

        A nutrient's mean is None when no day has a value; ``missing_lines`` lists every
        line lacking a value, so the mean is a lower bound when it is not empty.
        """
        labels, groups = self.day_totals()
        n_days = len(labels)
        n_entries = len(self.entries)
        by_nutrient: dict[int, list[int]] = {}
        for g, j in sorted(groups.missing):  # day order, then nutrient
            by_nutrient.setdefault(j, []).extend(groups.missing[(g, j)])
        values, known = groups.values.T.tolist(), groups.known.T.tolist()
        out = []
        for j in range(len(self.nutrients)):
            col = [v for v, c in zip(values[j], known[j], strict=True) if c] if n_days else []
            mean = sum(col) / n_days if col and n_days else None
            out.append(NutrientTotal(mean, n_entries, tuple(by_nutrient.get(j, ()))))
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
        meal_labels, meal_groups = self.meal_totals()
        day_labels, day_groups = self.day_totals()
        yield "nutrients", self.nutrients_dicts()
        yield "lines", self._line_batches(keys, batch)
        yield (
            "meals",
            (
                [
                    {"date": d.isoformat(), "meal": m, "nutrients": named}
                    for (d, m), named in zip(
                        meal_labels[i : i + batch],
                        _named_totals(keys, meal_groups, i, i + batch),
                        strict=True,
                    )
                ]
                for i in range(0, len(meal_labels), batch)
            ),
        )
        yield (
            "days",
            (
                [
                    {"date": d.isoformat(), "nutrients": named}
                    for d, named in zip(
                        day_labels[i : i + batch],
                        _named_totals(keys, day_groups, i, i + batch),
                        strict=True,
                    )
                ]
                for i in range(0, len(day_labels), batch)
            ),
        )
        yield "mean_daily", self.mean_daily_dict()
        yield "plausibility", self.plausibility

    def nutrients_dicts(self) -> list[dict[str, str]]:
        """The ``nutrients`` item of :meth:`to_dict`: key, label, unit and SR28 number."""
        return [
            {"key": n.key, "label": n.label, "unit": n.units, "sr28_nutr_no": n.nutr_no}
            for n in self.nutrients
        ]

    def mean_daily_dict(self) -> dict[str, Any]:
        """The ``mean_daily`` item of :meth:`to_dict` (:meth:`mean_daily` as a mapping)."""
        keys = [n.key for n in self.nutrients]
        mean = GroupTotals.of([self.mean_daily()], len(keys))
        return {"n_days": len(self.day_totals()[0]), "nutrients": _named_totals(keys, mean)[0]}

    def line_dict(
        self, i: int, day: str | None = None, row: list[Any] | None = None
    ) -> dict[str, Any]:
        """The mapping of line ``i`` (position in :attr:`entries`) in :meth:`to_dict`.

        Parameters
        ----------
        i : int
            Position of the line in :attr:`entries` [-].
        day : str, optional
            The line's date in ISO form (computed when None).
        row : list, optional
            The line's amounts rounded as :meth:`to_dict` writes them (``None`` for unknown);
            computed from :attr:`values` when None.

        Returns
        -------
        dict
            A new mapping; its nested values may be shared with other lines' mappings of
            this report: do not modify them.
        """
        e = self.entries[i]
        if day is None:
            day = e.date.isoformat()
        if row is None:
            row = _round4(self.values[i])
        keys = [n.key for n in self.nutrients]
        return _line_dict(e, day, row, keys, self._parts)

    def _line_batches(self, keys: list[str], batch: int) -> Iterator[list[dict[str, Any]]]:
        """The mappings of the lines, ``batch`` lines at a time (see :meth:`iter_dict`)."""
        # Diaries repeat lines ("coffee, 1 cup" every morning): the part of a line's mapping
        # that comes from its parsed food and amount is made once per distinct parse and
        # copied; dates are written once per day.
        parts = self._parts
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
                append(_line_dict(e, day, row, keys, parts))
            yield out


def _line_dict(
    e: DiaryEntry,
    day: str,
    row: list[Any],
    keys: list[str],
    parts: dict[Any, tuple[dict[str, Any], tuple[str, ...]]],
) -> dict[str, Any]:
    """The mapping of one line (``row``: its rounded amounts; ``parts``: the memo of
    :func:`_parsed_part`)."""
    p = e.parsed
    if p is None:
        return {
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
    part, nested = _parsed_part(p, parts)
    d: dict[str, Any] = {"line": e.line, "date": day, "time": e.time, "meal": e.meal}
    d.update(part)
    d["text"] = p.text
    for name in nested:
        d[name] = d[name].copy()
    d["source"] = "sr28"
    d["nutrients"] = dict(zip(keys, row, strict=True))
    return d


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


def _round4_array(a: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """:func:`_round4` as an array: ``round(x, 4)`` of every element, NaN kept.

    Parameters
    ----------
    a : numpy.ndarray
        Float array of any shape.

    Returns
    -------
    numpy.ndarray
        A new float array of the same shape: each element the float Python's ``round(x, 4)``
        gives (NaN stays NaN).
    """
    a = np.asarray(a, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        y = a * 1e4
        fast = (np.abs(y - np.floor(y) - 0.5) > _HALF_MARGIN) & (np.abs(a) < _FAST_MAX)
        out: npt.NDArray[np.float64] = np.rint(y) / 1e4
    if not fast.all():
        slow = ~fast
        out[slow] = [x if x != x else round(x, 4) for x in a[slow].tolist()]
    return out


def _named_totals(
    keys: list[str], groups: GroupTotals, start: int = 0, stop: int | None = None
) -> list[dict[str, dict[str, Any]]]:
    """``{key: total.to_dict()}`` for each group ``start:stop`` of ``groups``, in bulk.

    The values are rounded at once (:func:`_round4`); totals with no missing line (the usual
    case) take a path without per-total calls.
    """
    k = len(keys)
    n = len(groups.values[start:stop])
    if groups.values.shape[1] != k:
        raise ValueError("each group needs one total per nutrient")
    if k == 0:
        return [{} for _ in range(n)]
    values = groups.rounded(start, stop)
    missing = groups.missing
    if not missing:
        return [
            dict(
                zip(
                    keys,
                    [
                        {"value": v, "complete": True, "coverage": 1.0, "missing_lines": []}
                        for v in row
                    ],
                    strict=True,
                )
            )
            for row in values
        ]
    n_lines = groups.n_lines
    out: list[dict[str, dict[str, Any]]] = []
    for g, row in enumerate(values, start):
        named: dict[str, dict[str, Any]] = {}
        for j, (key, v) in enumerate(zip(keys, row, strict=True)):
            m = missing.get((g, j))
            if not m:
                named[key] = {"value": v, "complete": True, "coverage": 1.0, "missing_lines": []}
                continue
            n_g = int(n_lines[g, j])
            coverage = 1.0 if n_g == 0 else 1.0 - len(m) / n_g
            named[key] = {
                "value": v,
                "complete": False,
                "coverage": round(coverage, 4),
                "missing_lines": list(m),
            }
        out.append(named)
    return out


# Distinct parses whose mapping a report keeps for its lines (a memory bound, not data).
_MAX_SHARED = 4096


def _parsed_part(
    p: ParsedLine, memo: dict[Any, tuple[dict[str, Any], tuple[str, ...]]]
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """``p.to_dict()`` without ``alternatives``, made once per distinct parse, and the keys
    whose values are dicts or lists (to copy for each line). Shared: do not modify."""
    try:
        key: Any = parsed_key(p)
        hit = memo.get(key)
    except TypeError:  # an unhashable field: no sharing
        key, hit = None, None
    if hit is None:
        part = _plain_part(p)
        if part is None:
            part = p.to_dict()
            part.pop("alternatives")
        hit = (part, tuple(k for k, v in part.items() if isinstance(v, (dict, list))))
        if key is not None:
            if len(memo) >= _MAX_SHARED:  # a diary that does not repeat its lines
                memo.clear()
            memo[key] = hit
    return hit


def _number(x: object) -> bool:
    """A finite int or float (not a bool): a JSON number the output schema keeps as it is."""
    return (type(x) is float or type(x) is int) and math.isfinite(x)


def _plain_part(p: ParsedLine) -> dict[str, Any] | None:
    """``p.to_dict()`` without ``alternatives``, made directly when every field has a plain
    JSON type (str, finite number, bool, None, a list of str): the schema's validation and
    dump (:class:`magnerve.schemas.ParsedLineOut`) then return the mapping unchanged, so the
    schema layer (pydantic) is not loaded for it. None otherwise (the caller uses
    ``to_dict``)."""
    food, notes = p.food, p.notes
    plain = (
        type(p.text) is str
        and type(food.id) is str
        and type(food.description) is str
        and _number(p.amount)
        and type(p.unit) is str
        and _number(p.grams)
        and (p.measure is None or type(p.measure) is str)
        and _number(p.confidence)
        and type(notes) in (list, tuple)
        and all(type(n) is str for n in notes)
        and type(p.uncertain) is bool
    )
    if not plain:
        return None
    return {  # the keys in the order of ParsedLine.to_dict
        "text": p.text,
        "food": {"id": food.id, "description": food.description},
        "amount": p.amount,
        "unit": p.unit,
        "grams": round(p.grams, 3),
        "measure": p.measure,
        "confidence": round(p.confidence, 3),
        "notes": list(notes),
        "uncertain": p.uncertain,
    }


def parsed_key(p: ParsedLine) -> tuple[Any, ...]:
    """What a line's mapping in :meth:`IntakeReport.to_dict` takes from its parse, but the
    text: lines with equal keys (and amounts) differ only in line, date, time, meal and text.

    Parameters
    ----------
    p : ParsedLine

    Returns
    -------
    tuple
        Hashable unless a field holds an unhashable value (then ``hash`` raises TypeError).
    """
    food = p.food
    return (
        food.id,
        food.description,
        p.amount.__class__,
        p.amount,
        p.unit,
        p.grams,
        p.measure,
        p.confidence,
        tuple(p.notes),
        p.uncertain,
    )


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


_get_parsed = attrgetter("parsed")
_get_date = attrgetter("date")
_get_meal = attrgetter("meal")
_get_line = attrgetter("line")


def _intake(entries: list[DiaryEntry], infos: list[NutrientInfo], by_meal: bool) -> IntakeReport:
    """:func:`intake` on a list of entries and resolved nutrients."""
    db = load_database()
    n = len(entries)
    k = len(infos)
    values = np.full((n, k), np.nan)
    parsed: list[ParsedLine | None] = list(map(_get_parsed, entries))
    dates: list[date] = list(map(_get_date, entries))
    meal_names: list[str | None] = list(map(_get_meal, entries))
    line_no: list[int] = list(map(_get_line, entries))
    sr28 = [i for i, p in enumerate(parsed) if p is not None]
    sr28_parsed: list[ParsedLine] = [p for p in parsed if p is not None]
    ndbs = [p.food.id for p in sr28_parsed]
    grams = [p.grams for p in sr28_parsed]
    if len(sr28) < n:  # lines with their own values (an export's rows)
        for i, e in enumerate(entries):
            if e.parsed is None and e.reported is not None:
                for j, info in enumerate(infos):
                    v = e.reported.get(info.key)
                    if v is not None:
                        values[i, j] = v
    meal_keys: dict[tuple[date, str], int] = {}
    day_keys: dict[date, int] = {}
    meal_of = np.array(
        [
            meal_keys.setdefault((d, m or "unspecified"), len(meal_keys))
            for d, m in zip(dates, meal_names, strict=True)
        ],
        dtype=np.intp,
    )
    day_first = np.array(  # day in order of first appearance
        [day_keys.setdefault(d, len(day_keys)) for d in dates], dtype=np.intp
    )
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
    meal_labels: list[_MealKey] = []
    meal_totals = GroupTotals(
        np.zeros((0, k)), np.zeros((0, k), dtype=bool), np.zeros((0, k), dtype=np.int64), {}
    )
    if by_meal:
        meal_totals = _group_totals(values, meal_of, len(meal_keys), line_no)
        meal_labels = list(meal_keys)
    day_totals = _group_totals(values, day_of, len(day_list), line_no)
    flags = _plausibility(entries, np.asarray(sr28, dtype=np.intp), rows, g, day_of, day_list)
    return IntakeReport._of_arrays(
        infos, entries, values, (meal_labels, meal_totals), (day_list, day_totals), flags
    )


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
