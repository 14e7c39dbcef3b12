"""Food diaries: CSV, JSON, Cronometer and MyFitnessPal exports -> resolved entries.

Every line of a diary becomes a :class:`DiaryEntry`, a :class:`DiarySupplement`
(Cronometer supplement rows) or a :class:`DiaryProblem` naming the line, the reason and
suggestions; nothing is dropped silently. Whether problems are fatal is the caller's choice
(:meth:`Diary.raise_for_problems`; the CLI's ``--skip-bad``).

Formats (``fmt``): ``csv`` and ``json`` (columns below), ``cronometer`` (``servings.csv``),
``cronometer_daily`` (``dailysummary.csv``: day totals only), ``mfp`` (MyFitnessPal's
nutrition export: meal totals) and ``totals`` (a generic nutrient-totals-per-day CSV); ``auto``
recognises each by its header. See ``docs/cronometer_format.md`` and ``docs/diary_formats.md``.

CSV / JSON columns (case-insensitive; aliases in brackets)
----------------------------------------------------------
date [day]             YYYY-MM-DD (required)
time                   optional, e.g. 08:30 or 8:30 AM
meal [group]           optional, e.g. breakfast
food [food_name, item] SR28 NDB number, food text, or a whole line ("1/2 cup boiled spinach")
amount [quantity, qty] optional number (1, 0.5, 1/2, 1 1/2, ½, 1,000); blank: read it from
                       ``food``
unit                   optional unit or SR28 measure word (g, cup, medium, slice ...)

Hostile and careless input (issue 11)
-------------------------------------
* Lines are numbered like a text editor does, by ``\n`` only; form feed, NEL, U+2028 and
  other separators stay inside their line and are shown as spaces. Control characters
  (terminal escapes, bidirectional overrides) are made printable before any message is
  built (:func:`magnerve._text.printable`).
* An unterminated quote is a problem of its own line; the lines after it are read on their
  own. A quoted cell may hold line breaks only when the quote closes within
  ``max_record_lines`` and the record is well-formed (``Diary.spans``).
* A header naming a column twice (``date`` and ``Date``), or a JSON entry with a key twice,
  is refused. JSON must be exactly one array (or ``{"entries": [...]}``): anything after it
  is an error with its line and column; problems of a JSON entry carry its index and column.
* Nutrient cells must be finite, non-negative numbers; portions, dates and nutrient values
  beyond the sanity bounds of ``data/limits.toml`` are problems of their line; file size,
  line count, line length, food text length and JSON depth beyond its limits raise
  :class:`DiaryError`. Bytes are decoded as UTF-8, and a line that is not UTF-8 alone as
  Windows-1252, with a note naming it (see :func:`read_diary`).
"""

from __future__ import annotations

import csv
import gc
import json
import math
import os
import re
import select
import stat
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from magnerve._cronometer import (
    CronometerAmount,
    ExportComparison,
    choose_by_profile,
    compare_with_export,
    is_supplement_row,
    parse_cronometer_amount,
    serving_grams,
    supplement_dose,
)
from magnerve._formats import FORMAT_NOTES, detect_format, nutrient_columns
from magnerve._limits import diary_limits
from magnerve._text import UNSAFE_TEXT, printable
from magnerve.errors import InputError
from magnerve.foods._db import load_database
from magnerve.foods._parse import (
    UNCERTAIN_BELOW,
    FoodMatch,
    FoodRef,
    ParsedLine,
    ParseError,
    PortionBoundError,
    normalise_thousands,
    parse_food_amount,
    parse_line,
)
from magnerve.foods._portions import AmountError, PortionError, parse_amount
from magnerve.foods._units import lookup_unit

if TYPE_CHECKING:
    from magnerve.profile import Supplement

__all__ = [
    "Diary",
    "DiaryEntry",
    "DiaryError",
    "DiaryProblem",
    "DiarySupplement",
    "ExportCheck",
    "read_diary",
    "read_diary_text",
]

DiaryFormat = Literal["auto", "csv", "json", "cronometer", "cronometer_daily", "mfp", "totals"]
#: Which values a Cronometer row uses when it has both an SR28 match and its own values:
#: ``auto`` SR28 unless the match is weak or the two disagree (then the export's, saying why);
#: ``export`` always the export's; ``sr28`` SR28 for every confident match.
Trust = Literal["auto", "export", "sr28"]

#: Lines whose match confidence is below this are reported as uncertain instead of guessed.
MIN_CONFIDENCE = 0.5

_ALIASES = {
    "date": ("date", "day"),
    "time": ("time",),
    "meal": ("meal", "group"),
    "food": ("food", "food_name", "food name", "item", "description", "ndb", "line"),
    "amount": ("amount", "quantity", "qty"),
    "unit": ("unit", "units"),
}
_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


@dataclass(frozen=True, slots=True)
class DiaryEntry:
    """One resolved diary line.

    Attributes
    ----------
    line : int
        Line number in the file (1-based, the header is line 1 in CSV).
    date : datetime.date
        Day the food was eaten.
    time : str or None
        Time as written.
    meal : str or None
        Meal or diary group as written.
    parsed : ParsedLine or None
        Food, amount, unit and grams; None for a line that carries its own nutrient values
        instead (see ``reported``).
    reported : dict or None
        Nutrient key -> amount for the line as given by the source file (a Cronometer
        export row that has no SR28 match: custom recipes, supplements); None otherwise.
    name : str
        Food as written in the file.
    notes : tuple of str
        Why ``reported`` values are used, or other remarks.
    candidate : ParsedLine or None
        For a line that uses ``reported`` values although it has an SR28 match (a weak match,
        or a Cronometer row whose SR28 figures disagree with the export's): that match, for
        review. None otherwise.
    """

    line: int
    date: date
    time: str | None
    meal: str | None
    parsed: ParsedLine | None
    reported: dict[str, float | None] | None = None
    name: str = ""
    notes: tuple[str, ...] = ()
    candidate: ParsedLine | None = None

    @property
    def description(self) -> str:
        """SR28 description of the food, or the name in the file for reported lines."""
        return self.parsed.food.description if self.parsed else self.name

    @property
    def food_id(self) -> str | None:
        """SR28 NDB number, or None for reported lines."""
        return self.parsed.food.id if self.parsed else None

    @property
    def grams(self) -> float | None:
        """Edible weight [g], or None when unknown (reported lines)."""
        return self.parsed.grams if self.parsed else None


@dataclass(frozen=True, slots=True)
class DiaryProblem:
    """A diary line that could not be used.

    Attributes
    ----------
    line : int
        Line number in the file.
    text : str
        The line's content.
    reason : str
        What is wrong.
    suggestions : list of str
        What could be written instead.
    """

    line: int
    text: str
    reason: str
    suggestions: list[str] = field(default_factory=list)
    food: str = ""  # the food text of the line, when known (the review step keys aliases on it)
    #: JSON diaries: 1-based index of the entry in the array, and the column where it starts
    #: (a one-line JSON array has every entry on line 1). None for CSV lines.
    entry: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 100 else self.text[:97] + "..."
        where = f"line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        if self.entry is not None:
            where += f" (entry {self.entry})"
        s = f"{where}: {self.reason} [{text}]"
        if self.suggestions:
            s += " — try: " + "; ".join(self.suggestions[:5])
        return s

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (``entry`` and ``column`` only for JSON diaries)."""
        d: dict[str, Any] = {
            "line": self.line,
            "text": self.text,
            "reason": self.reason,
            "suggestions": list(self.suggestions),
        }
        if self.entry is not None:
            d["entry"] = self.entry
            d["column"] = self.column
        return d


class DiaryError(InputError):
    """A diary had lines that could not be used (see :attr:`problems`)."""

    def __init__(self, problems: list[DiaryProblem], source: str) -> None:
        self.problems = problems
        self.line = problems[0].line if problems and problems[0].line > 0 else None
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} line(s) could not be used:\n{lines}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description with every problem (line, reason, suggestions)."""
        d = super().to_dict()
        d["problems"] = [p.to_dict() for p in self.problems]
        return d


@dataclass(frozen=True, slots=True)
class DiarySupplement:
    """A supplement row of a diary export (Cronometer): never matched to a food, never counted
    as food.

    Attributes
    ----------
    line : int
        Line number in the file.
    date : datetime.date
        Day it was taken.
    time : str or None
        Time as written.
    meal : str or None
        Diary group as written.
    name : str
        Name as written ("Magnesium Glycinate 200 mg").
    amount : float
        Number of servings (quantity x multiplier of the ``Amount`` cell) [-].
    unit : str
        Serving as written ("capsule", "softgel", "mg").
    form : str or None
        Magnesium salt named ("glycinate"; a key of ``data/supplement_forms.toml``).
    hydrate : str or None
        Hydrate named, if any.
    elemental_mg : float or None
        Elemental magnesium of the row [mg]: the export's ``Magnesium (mg)`` when it has one
        (``trust="sr28"``: the dose read from the name, when there is one), else the dose read
        from the name and amount; 0 for a supplement that names no magnesium and has no value;
        None when a magnesium supplement's dose is unknown.
    dose_elemental_mg : float or None
        Elemental magnesium read from the name and amount alone (salt mass x elemental
        fraction where a salt mass is given) [mg].
    salt_mg : float or None
        Salt mass of the row when the name gives one [mg].
    nutrients : dict
        Nutrient key -> amount of the row: the export's values (empty cells None), with doses
        read from the name where the export has none ("Vitamin D, 1000 IU").
    notes : tuple of str
        How the dose was read, and any disagreement between the name and the export.
    """

    line: int
    date: date
    time: str | None
    meal: str | None
    name: str
    amount: float
    unit: str
    form: str | None
    hydrate: str | None
    elemental_mg: float | None
    dose_elemental_mg: float | None
    salt_mg: float | None
    nutrients: dict[str, float | None] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "line": self.line,
            "date": self.date.isoformat(),
            "time": self.time,
            "meal": self.meal,
            "name": self.name,
            "amount": self.amount,
            "unit": self.unit,
            "form": self.form,
            "hydrate": self.hydrate,
            "elemental_mg": _round(self.elemental_mg),
            "dose_elemental_mg": _round(self.dose_elemental_mg),
            "salt_mg": _round(self.salt_mg),
            "nutrients": {k: _round(v) for k, v in self.nutrients.items()},
            "notes": list(self.notes),
        }

    def to_profile_supplement(self) -> Supplement:
        """This row as a profile supplement (one dose), for
        :func:`magnerve.assessment.supplement_daily`.

        The row's amounts are one day's intake from this row: ``times_per_day`` is 1 and the
        amounts are those of the whole row (``amount`` servings). Average over the diary's days
        before using it as a usual daily supplement.
        """
        from magnerve.profile import Supplement

        n = self.nutrients
        return Supplement(
            name=self.name,
            form=self.form,
            elemental_mg=self.elemental_mg,
            hydrate=self.hydrate,
            zinc_mg=n.get("zinc_mg"),
            calcium_mg=n.get("calcium_mg"),
            vitamin_d_iu=n.get("vitamin_d_iu"),
            vitamin_b6_mg=n.get("vitamin_b6_mg"),
        )


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


@dataclass(frozen=True, slots=True)
class ExportCheck:
    """How a Cronometer food row was resolved and how its SR28 figures compare with the export.

    Attributes
    ----------
    line : int
        Line number in the file.
    name : str
        ``Food Name`` as written.
    amount : str
        ``Amount`` as written.
    construct : str
        Form of the row: ``mass`` (g, oz), ``multiplier`` ("N x M unit"), ``stated`` (a
        serving with its weight or volume stated), ``volume`` (cup, tbsp), ``household`` (an
        SR28 measure word: medium, half, slice), ``zero`` (0.00 quantity) or ``custom`` (a
        custom food or recipe, kept with the export's values).
    food : FoodRef or None
        SR28 match, if any.
    grams : float or None
        Weight from the match [g].
    confidence : float or None
        Match confidence.
    comparison : ExportComparison or None
        SR28 vs export magnesium and energy (None when nothing could be compared).
    used : {"sr28", "export"}
        Whose values the entry uses.
    reason : str
        Why, in words.
    """

    line: int
    name: str
    amount: str
    construct: str
    food: FoodRef | None
    grams: float | None
    confidence: float | None
    comparison: ExportComparison | None
    used: Literal["sr28", "export"]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "line": self.line,
            "name": self.name,
            "amount": self.amount,
            "construct": self.construct,
            "food": None
            if self.food is None
            else {"id": self.food.id, "description": self.food.description},
            "grams": _round(self.grams),
            "confidence": _round(self.confidence),
            "comparison": None if self.comparison is None else self.comparison.to_dict(),
            "used": self.used,
            "reason": self.reason,
        }


@dataclass(slots=True)
class Diary:
    """A parsed diary.

    Attributes
    ----------
    entries : list of DiaryEntry
        Food lines (or meal/day totals of a totals export) in file order.
    problems : list of DiaryProblem
        Lines that could not be used.
    source : str
        Name used in messages.
    n_lines : int
        Data lines read; ``len(entries) + len(supplements) + len(problems) == n_lines``.
    supplements : list of DiarySupplement
        Supplement rows of a Cronometer export, kept apart from the food entries so their
        nutrients are never counted as food.
    checks : list of ExportCheck
        For each Cronometer food row: how it was matched and whether the SR28 figures agree
        with the export's (see :attr:`disagreements`).
    kind : {"foods", "meal_totals", "day_totals"}
        What an entry is: a food line, or the totals of a meal or day (MyFitnessPal,
        Cronometer daily summary, generic totals).
    format : str
        Format read (``csv``, ``json``, ``cronometer``, ``cronometer_daily``, ``mfp``,
        ``totals``).
    notes : list of str
        What the format gives and loses, columns ignored, lines that were not UTF-8.
    spans : dict of int to int
        CSV records that span several physical lines (a quoted cell holding a line break):
        first line -> last line. Every other non-blank line after the header is the line of
        exactly one entry, supplement or problem.
    """

    entries: list[DiaryEntry]
    problems: list[DiaryProblem]
    source: str = "<diary>"
    n_lines: int = 0
    supplements: list[DiarySupplement] = field(default_factory=list)
    checks: list[ExportCheck] = field(default_factory=list)
    kind: Literal["foods", "meal_totals", "day_totals"] = "foods"
    format: str = "csv"
    notes: list[str] = field(default_factory=list)
    spans: dict[int, int] = field(default_factory=dict)

    @property
    def disagreements(self) -> list[ExportCheck]:
        """Rows whose SR28 figures disagree with the export's (more than 10 % and 2 mg of
        magnesium, or 10 % and 10 kcal of energy), each with its reason."""
        return [c for c in self.checks if c.comparison is not None and c.comparison.agrees is False]

    def raise_for_problems(self) -> None:
        """Raise :class:`DiaryError` if any line could not be used."""
        if self.problems:
            raise DiaryError(self.problems, self.source)


@lru_cache(maxsize=65536)  # a diary repeats each date on every line of the day
def _parse_date(value: str) -> date:
    m = _DATE.match(value or "")
    if not m:
        raise ValueError(f"date {value!r} is not in YYYY-MM-DD form (e.g. 2024-03-05)")
    try:
        d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as e:
        raise ValueError(f"date {value!r} is not a real date ({e})") from None
    lim = diary_limits()
    if not lim.min_year <= d.year <= lim.max_year:
        raise ValueError(
            f"date {value!r} is outside {lim.min_year}-{lim.max_year} (a typo in the year?)"
        )
    return d


_TIME = re.compile(
    r"^(?P<h>\d{1,2})(?::(?P<m>\d{1,2}))?(?::(?P<s>\d{1,2}(?:\.\d+)?))?\s*"
    r"(?P<ampm>[AaPp]\.?\s*[Mm]\.?)?$"
)


# a cell that starts like a number ("07:30", "-01:00", "+7", ".5") must be a time of day
_TIME_LIKE = re.compile(r"^[-+−.:]?\s*\d")


@lru_cache(maxsize=4096)
def _check_time(value: str) -> str | None:
    """Why a time cell is not a time of day, or None when it is one (or is words such as
    "morning", kept as written). A cell starting with a digit must be a real time:
    ``07:30``, ``7:30 PM``, ``19:05:00``."""
    if not value or not _TIME_LIKE.match(value):
        return None
    m = _TIME.match(value)
    if m is None or (m.group("m") is None and m.group("ampm") is None):
        return f"time {value!r} is not a time of day (write it as 07:30 or 7:30 PM)"
    h, mi = int(m.group("h")), int(m.group("m") or 0)
    sec = float(m.group("s") or 0)
    top = 12 if m.group("ampm") else 23
    low = 1 if m.group("ampm") else 0
    if not (low <= h <= top and mi <= 59 and sec < 60):
        return f"time {value!r} is not a time of day (hours {low}-{top}, minutes 0-59)"
    return None


def _norm_header(name: str) -> str:
    return name.strip().lower().replace("_", " ")


def _check_header(fieldnames: list[str], line: int, content: str, source: str) -> None:
    """Refuse a header naming one column twice (``date`` and ``Date``): one would silently
    win."""
    seen: dict[str, tuple[int, str]] = {}
    for i, f in enumerate(fieldnames):
        key = _norm_header(f)
        if not key:
            continue
        if key in seen:
            j, other = seen[key]
            raise DiaryError(
                [
                    DiaryProblem(
                        line,
                        content,
                        f"duplicate columns {other!r} (column {j + 1}) and {f!r} (column "
                        f"{i + 1}): the same column named twice; one would silently win",
                        ["rename or remove one of the two columns"],
                    )
                ],
                source,
            )
        seen[key] = (i, f)


@lru_cache(maxsize=256)
def _column_map_cached(fieldnames: tuple[str, ...]) -> dict[str, str]:
    lower = {_norm_header(f): f for f in fieldnames if f}
    found: dict[str, str] = {}
    for key, aliases in _ALIASES.items():
        for a in aliases:
            if a.replace("_", " ") in lower:
                found[key] = lower[a.replace("_", " ")]
                break
    return found


def _column_map(fieldnames: list[str]) -> dict[str, str]:
    return _column_map_cached(tuple(fieldnames))


def _number_cell(cell: str) -> float:
    """A nutrient cell as a number: finite, not negative, within the sanity bound.

    Raises
    ------
    ValueError
        Naming what is wrong.
    """
    try:
        v = float(cell.replace(",", ""))
    except ValueError:
        raise ValueError(f"{cell!r} is not a number") from None
    if not math.isfinite(v):
        raise ValueError(f"{cell!r} is not a finite number")
    if v < 0:
        raise ValueError(f"{cell!r} is negative")
    return v


def _export_values(
    row: Mapping[str, Any], cols: Mapping[str, tuple[str, float]]
) -> tuple[dict[str, float | None], list[str]]:
    """Nutrient values of a row by key (empty cells None), and what is wrong with any cell
    that is not a finite, non-negative number within the sanity bound."""
    values: dict[str, float | None] = {}
    bad: list[str] = []
    bound = diary_limits().max_nutrient_value
    for key, (col, factor) in cols.items():
        raw = row.get(col)
        cell = "" if raw is None else str(raw).strip()
        if not cell:
            values[key] = None
            continue
        try:
            v = _number_cell(cell)
        except ValueError as e:
            bad.append(f"{col.strip()} {e}")
            values[key] = None
            continue
        if v > bound:
            bad.append(f"{col.strip()} {cell} is beyond the sanity bound of {bound:,.0f}")
            values[key] = None
            continue
        values[key] = v * factor
    return values, bad


def _bad_values_problem(line: int, content: str, bad: list[str]) -> DiaryProblem:
    return DiaryProblem(
        line,
        content,
        "nutrient value(s) cannot be used: " + "; ".join(bad),
        ["nutrient cells hold a non-negative number or nothing"],
    )


_alias_state: list[tuple[str, int, int] | None] = [None]

#: The caller's own food aliases for the diary being read (:func:`read_diary`'s ``aliases``);
#: None: the user's alias file, as :func:`magnerve.foods.parse_line` reads it. Lines are cached
#: across reads only when it is None (the file's changes clear those caches).
_FOOD_ALIASES: ContextVar[Mapping[str, str] | None] = ContextVar(
    "magnerve_diary_aliases", default=None
)


def _refresh_parse_cache() -> None:
    """Forget cached lines when the user's alias file changed (a review saved a choice)."""
    from magnerve.foods import alias_path

    p = alias_path()
    try:
        st = p.stat()
        state: tuple[str, int, int] | None = (str(p), st.st_mtime_ns, st.st_size)
    except OSError:
        state = (str(p), -1, -1)
    if state != _alias_state[0]:
        _parse_cached.cache_clear()
        _food_outcome.cache_clear()
        _alias_state[0] = state


@lru_cache(maxsize=8192)
def _parse_cached(
    food: str, amount: float | None, unit: str | None, whole_line: bool = False
) -> ParsedLine:
    """Diaries repeat lines ("coffee, 1, cup" every morning): resolve each distinct one once.
    The result depends only on these arguments, so caching is exact."""
    aliases = _FOOD_ALIASES.get()
    if whole_line:
        return parse_line(food, aliases=aliases)
    text = " ".join(x for x in (f"{amount:g}" if amount else "", unit or "", food) if x)
    return parse_food_amount(food, amount, unit, text=text, aliases=aliases)


def _parse(
    food: str, amount: float | None, unit: str | None, whole_line: bool = False
) -> ParsedLine:
    """:func:`_parse_cached`, bypassing the cache when the caller gave its own aliases."""
    if _FOOD_ALIASES.get() is None:
        return _parse_cached(food, amount, unit, whole_line)
    return _parse_cached.__wrapped__(food, amount, unit, whole_line)


# (reason, suggestions, food) of a line that cannot be used
_Problem = tuple[str, list[str], str]


@lru_cache(maxsize=16384)
def _food_outcome(food: str, amount_text: str, unit: str | None) -> ParsedLine | _Problem:
    """What the food, amount and unit cells of a line resolve to: the parsed line (its
    ``text`` is set per line) or a problem. Diaries repeat lines, so each distinct one is
    resolved once; the result depends only on these arguments (and the alias file, whose
    changes clear this cache)."""
    try:
        if amount_text:
            amount, leftover = parse_amount(normalise_thousands(amount_text))
            if amount is None or leftover:
                if amount is not None and not unit:
                    unit = leftover  # "1.00 cup" in one cell
                else:
                    raise AmountError(f"amount {amount_text!r} is not a number")
            parsed = _parse(food, amount, unit)
        elif unit or food.isdigit():
            parsed = _parse(food, None, unit)
        else:
            parsed = _parse(food, None, None, whole_line=True)
    except AmountError as e:
        return (str(e), ["amounts look like 1, 0.5, 1/2, 1 1/2 or ½"], "")
    except OverflowError:
        return (
            "the amount is too large to be a number of servings",
            ["amounts look like 1, 0.5, 1/2, 1 1/2 or ½"],
            "",
        )
    except PortionBoundError as e:
        return (e.reason, e.suggestions, food)
    except ParseError as e:
        return (e.reason, e.suggestions, "")
    if parsed.confidence < MIN_CONFIDENCE:
        alts = [f"{h.id} {h.description}" for h in parsed.alternatives[:4]]
        return (
            f"uncertain match {parsed.food.id} {parsed.food.description!r} "
            f"(confidence {parsed.confidence:.2f}); write the food more precisely "
            "or give its NDB number",
            [f"{parsed.food.id} {parsed.food.description}", *alts],
            food,
        )
    bound = diary_limits().max_portion_g
    if not parsed.grams <= bound:
        return (
            f"portion of {parsed.grams:,.0f} g is beyond the sanity bound of {bound:,.0f} g "
            "for one diary line (a typo in the amount or unit?)",
            ["check the amount and unit, e.g. '30 g almonds'"],
            food,
        )
    return parsed


_PARSED_FIELDS = tuple(f.name for f in fields(ParsedLine))


# ParsedLine is a frozen slots dataclass: its slot descriptors copy fields without the
# frozen ``__setattr__`` and ``__init__`` (a diary builds one copy per line).
_SLOTS = tuple(ParsedLine.__dict__[f] for f in _PARSED_FIELDS if f != "text")
_SET_TEXT = ParsedLine.__dict__["text"].__set__
_new_object = object.__new__


def _with_text(parsed: ParsedLine, text: str) -> ParsedLine:
    """``dataclasses.replace(parsed, text=text)``, without its per-call overhead."""
    new: ParsedLine = _new_object(ParsedLine)
    for slot in _SLOTS:
        slot.__set__(new, slot.__get__(parsed))
    _SET_TEXT(new, text)
    return new


_KEYS = ("date", "time", "meal", "food", "amount", "unit")


def _too_long(line: int, text: str, n: int) -> DiaryProblem:
    lim = diary_limits().max_food_chars
    return DiaryProblem(
        line,
        text if len(text) <= 200 else text[:200] + "...",
        f"the food, amount and unit are {n:,} characters long; the limit is {lim:,} "
        "(a food is named in a few words)",
        ["e.g. '30 g almonds'"],
    )


def _column_indices(fieldnames: list[str]) -> tuple[int, int, int, int, int, int]:
    """Index of each of :data:`_KEYS` in the header (-1 when absent)."""
    cols = _column_map(fieldnames)
    where = {f: i for i, f in enumerate(fieldnames)}
    d, t, m, f, a, u = (where[cols[k]] if k in cols else -1 for k in _KEYS)
    return d, t, m, f, a, u


def _resolve_cells(
    line: int, cells: list[str], idx: tuple[int, int, int, int, int, int], text: str
) -> DiaryEntry | DiaryProblem:
    """One food line from its cells (``idx``: where date, time, meal, food, amount and unit
    are; -1 when the diary has no such column)."""
    n = len(cells)
    di, ti, mi, fi, ai, ui = idx
    try:
        day = _parse_date(cells[di].strip() if -1 < di < n else "")
    except ValueError as e:
        return DiaryProblem(line, text, str(e), ["write dates as YYYY-MM-DD"])
    food = cells[fi].strip() if -1 < fi < n else ""
    if not food:
        return DiaryProblem(line, text, "no food given", ["fill the food column"])
    time = cells[ti].strip() if -1 < ti < n else ""
    if time:
        bad_time = _check_time(time)
        if bad_time is not None:
            return DiaryProblem(line, text, bad_time, ["write times as 07:30 or 7:30 PM"])
    amount = cells[ai].strip() if -1 < ai < n else ""
    unit = cells[ui].strip() if -1 < ui < n else ""
    if len(food) + len(amount) + len(unit) > diary_limits().max_food_chars:
        return _too_long(line, text, len(food) + len(amount) + len(unit))
    outcome = (
        _food_outcome(food, amount, unit or None)
        if _FOOD_ALIASES.get() is None
        else _food_outcome.__wrapped__(food, amount, unit or None)
    )
    if isinstance(outcome, tuple):
        reason, suggestions, problem_food = outcome
        return DiaryProblem(line, text, reason, list(suggestions), problem_food)
    meal = cells[mi].strip() if -1 < mi < n else ""
    return DiaryEntry(
        line,
        day,
        time or None,
        meal or None,
        _with_text(outcome, text),
        name=food,
    )


# DiaryEntry is a frozen slots dataclass too: a diary line resolved before is made by its slot
# descriptors (``_new_entry``), the fields a food line does not set taking their defaults.
_ENTRY_SET = {f.name: DiaryEntry.__dict__[f.name].__set__ for f in fields(DiaryEntry)}
_ENTRY_GIVEN = ("line", "date", "time", "meal", "parsed", "name")
_ENTRY_DEFAULTS = tuple(
    (_ENTRY_SET[f.name], f.default) for f in fields(DiaryEntry) if f.name not in _ENTRY_GIVEN
)
_ENTRY_FAST = all(v is not MISSING for _, v in _ENTRY_DEFAULTS) and not hasattr(
    DiaryEntry, "__post_init__"
)
_SET_LINE, _SET_DATE, _SET_TIME, _SET_MEAL, _SET_PARSED, _SET_NAME = (
    _ENTRY_SET[k] for k in _ENTRY_GIVEN
)


def _new_entry(
    line: int, day: date, time: str | None, meal: str | None, parsed: ParsedLine, name: str
) -> DiaryEntry:
    """``DiaryEntry(line, day, time, meal, parsed, name=name)``, without its frozen
    ``__init__``."""
    if not _ENTRY_FAST:  # a field without a plain default: the constructor
        return DiaryEntry(line, day, time, meal, parsed, name=name)
    e: DiaryEntry = _new_object(DiaryEntry)
    _SET_LINE(e, line)
    _SET_DATE(e, day)
    _SET_TIME(e, time)
    _SET_MEAL(e, meal)
    _SET_PARSED(e, parsed)
    _SET_NAME(e, name)
    for set_field, value in _ENTRY_DEFAULTS:
        set_field(e, value)
    return e


#: A food line resolved before, by its cells other than the date: time, meal, food text and
#: the parse's fields but its text (slot setter, value).
_Resolved = tuple[str | None, str | None, str, tuple[tuple[Any, Any], ...]]


def _resolve_cached(
    line: int,
    cells: list[str],
    idx: tuple[int, int, int, int, int, int],
    text: str,
    memo: dict[tuple[str, ...], _Resolved],
    days: dict[str, date] | None = None,
) -> DiaryEntry | DiaryProblem:
    """:func:`_resolve_cells`, each distinct line resolved once.

    A long diary repeats the same few hundred lines on different days ("coffee, 1, cup" every
    morning). Everything of a food line but its date, number and text depends only on its
    other cells, so the entry of a line whose other cells were seen before (``memo``) is
    made from that resolution: the date is read (a bad date is its problem, as in
    :func:`_resolve_cells`, which reads it first), the parse copied with this line's text.
    Lines that are problems are not remembered (each is resolved on its own).
    """
    di = idx[0]
    n = len(cells)
    key = (*cells[:di], *cells[di + 1 :]) if -1 < di < n else tuple(cells)
    hit = memo.get(key)
    if hit is None:
        res = _resolve_cells(line, cells, idx, text)
        if isinstance(res, DiaryEntry) and res.parsed is not None:
            p = res.parsed
            memo[key] = (
                res.time,
                res.meal,
                res.name,
                tuple((slot.__set__, slot.__get__(p)) for slot in _SLOTS),
            )
        return res
    cell = cells[di] if -1 < di < n else ""
    day = days.get(cell) if days is not None else None
    if day is None:
        try:
            day = _parse_date(cell.strip())
        except ValueError as e:
            return DiaryProblem(line, text, str(e), ["write dates as YYYY-MM-DD"])
        if days is not None:
            days[cell] = day  # a long diary has ten or so lines a day: each date read once
    time, meal, name, parse_fields = hit
    parsed: ParsedLine = _new_object(ParsedLine)
    for set_field, value in parse_fields:
        set_field(parsed, value)
    _SET_TEXT(parsed, text)
    return _new_entry(line, day, time, meal, parsed, name)


def _too_many_cells(line: int, content: str, n_cells: int, n_columns: int) -> DiaryProblem:
    """The problem of a CSV row with more cells than the header has columns."""
    return DiaryProblem(
        line,
        content,
        f"{n_cells} cells but the header has {n_columns} columns",
        ['quote text containing commas, e.g. "Nuts, almonds"'],
    )


#: A CSV row as read: (line, cells by column name or the problem of the line, line text).
_Row = tuple[int, "list[str] | DiaryProblem", str]


def _split_lines(text: str) -> list[str]:
    """Physical lines, numbered like a text editor does: by ``\\n`` (a file with only ``\\r``
    line ends, as classic Mac OS wrote them, by ``\\r``); a ``\\r`` before ``\\n`` is part of
    the line end. A lone ``\\r`` inside a line also ends it when the text after it is a whole
    record (as many commas as the header), so two records joined by a stray ``\\r`` are two
    lines, each with its own number; a ``\\r`` inside a cell ("al\\rmonds") stays inside its
    line. Form feed, NEL, U+2028 and other separators stay inside their line."""
    if "\r" not in text:
        return text.split("\n")
    if "\n" not in text:
        return text.split("\r")
    lines = text.split("\n")
    h = next((k for k, x in enumerate(lines) if x.strip()), None)
    commas = lines[h].count(",") if h is not None else 0
    out: list[str] = []
    for x in lines:
        if x.endswith("\r"):
            x = x[:-1]
        if "\r" not in x or not commas:
            out.append(x)
            continue
        parts = x.split("\r")
        cur = parts[0]
        for part in parts[1:]:
            if part.count(",") == commas and part.strip(", \t"):
                out.append(cur)
                cur = part
            else:
                cur += "\r" + part
        out.append(cur)
    return out


def _count_lines(text: str) -> int:
    """Number of line ends (``\\r\\n``, ``\\r`` or ``\\n``) in ``text``."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


class _Feed:
    """Lines for :func:`csv.reader`, counting how many it took."""

    def __init__(self, lines: list[str], start: int, stop: int) -> None:
        self.lines, self.i, self.stop, self.taken = lines, start, stop, 0

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        if self.i >= self.stop:
            raise StopIteration
        self.i += 1
        self.taken += 1
        return self.lines[self.i - 1] + "\n"


def _quoted_cells(
    lines: list[str], i: int, max_span: int, n_cols: int = 0
) -> tuple[list[str], int, str]:
    """Cells of the record starting at line index ``i`` that holds a quote: (cells, number of
    physical lines it spans, "" or why it cannot be read). A record spanning several lines
    must close its quote within ``max_span`` lines and have at most ``n_cols`` cells."""
    try:
        return next(csv.reader((lines[i],), strict=True)), 1, ""
    except csv.Error as e:
        if "unexpected end of data" not in str(e):  # stray quote inside a cell: read leniently
            return next(csv.reader((lines[i],))), 1, ""
    feed = _Feed(lines, i, min(len(lines), i + max_span))
    try:
        cells = next(csv.reader(feed, strict=True))
    except (csv.Error, StopIteration):
        cells = []
    if feed.taken > 1 and cells and len(cells) <= n_cols:
        if cells[-1].endswith("\n"):
            cells[-1] = cells[-1][:-1]
        return cells, feed.taken, ""
    return (
        [],
        1,
        "unterminated quote: the quote opened on this line is not closed (the lines after it "
        "are read on their own)",
    )


def _rows_csv(
    text: str, source: str = "<diary>"
) -> tuple[list[str], Iterator[_Row], dict[int, int]]:
    """Header cells, the rows, and the records spanning several lines (first -> last line).

    Every non-blank physical line after the header becomes exactly one row or problem with
    its own line number, except the continuation lines of a record whose quoted cell holds a
    line break (listed in the spans, accepted only when the quote closes within
    ``max_record_lines`` and the record is well-formed). Control characters are made
    printable (:func:`magnerve._text.printable`) before anything else reads the line.
    """
    lim = diary_limits()
    lines = _split_lines(text)
    if UNSAFE_TEXT.search(text) is not None:  # control characters or \r: clean every line
        lines = [printable(x[:-1] if x.endswith("\r") else x) for x in lines]
    h = 0
    while h < len(lines) and not lines[h].strip():
        h += 1
    if h == len(lines):
        return [], iter(()), {}
    header = lines[h]
    if len(header) > lim.max_line_chars:
        raise DiaryError(
            [
                DiaryProblem(
                    h + 1,
                    header[:200] + "...",
                    f"the header line is {len(header):,} characters long; the limit is "
                    f"{lim.max_line_chars:,}",
                )
            ],
            source,
        )
    if '"' in header:
        fieldnames, _, why = _quoted_cells(lines, h, 1)
        if why:
            raise DiaryError([DiaryProblem(h + 1, header, "header: " + why)], source)
    else:
        fieldnames = header.split(",")
    _check_header(fieldnames, h + 1, header.strip(), source)
    n_cols = len(fieldnames)
    spans: dict[int, int] = {}

    def rows() -> Iterator[_Row]:
        i, n = h + 1, len(lines)
        max_chars, max_span = lim.max_line_chars, lim.max_record_lines
        while i < n:
            raw = lines[i]
            line = i + 1
            i += 1
            if len(raw) > max_chars:
                yield (
                    line,
                    DiaryProblem(
                        line,
                        raw[:200] + "...",
                        f"line is {len(raw):,} characters long; the limit is {max_chars:,}",
                        ["a diary line names one food and its amount"],
                    ),
                    raw[:200],
                )
                continue
            if '"' in raw:
                cells, taken, why = _quoted_cells(lines, i - 1, max_span, n_cols)
                if why:
                    yield line, DiaryProblem(line, raw.strip(), why, ["close the quote"]), raw
                    continue
                if taken > 1:
                    content = " ".join(lines[i - 1 : i - 1 + taken]).strip()
                    spans[line] = line + taken - 1
                    i += taken - 1
                else:
                    content = raw.strip()
            else:
                cells = raw.split(",")
                content = raw.strip()
            if not content or not any(c.strip() for c in cells):
                if line in spans:  # quotes around nothing but line breaks: lines with text
                    yield (
                        line,
                        DiaryProblem(
                            line,
                            content,
                            "the row has no text: its quoted cells hold only line breaks",
                            ["delete the row, or write the food in it"],
                        ),
                        content,
                    )
                continue  # blank lines and rows of empty cells are not diary lines
            if len(cells) > n_cols:
                yield line, _too_many_cells(line, content, len(cells), n_cols), content
                continue
            yield line, cells, content

    return fieldnames, rows(), spans


def _json_problem(text: str, lineno: int, reason: str, source: str) -> DiaryError:
    lines = text.split("\n", lineno)
    content = printable(lines[lineno - 1].strip()) if 0 < lineno <= len(lines) else ""
    if len(content) > 200:
        content = content[:200] + "..."
    return DiaryError([DiaryProblem(lineno, content, reason)], source)


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a JSON value (1 for a scalar), counting up to ``limit + 1``."""
    deepest, stack = 1, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if d > deepest:
            deepest = d
            if deepest > limit:
                return deepest
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v)
    return deepest


class _Duplicated(dict[str, Any]):
    """A JSON object that gave a key more than once (``duplicates``)."""

    duplicates: list[str]


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = dict(pairs)
    if len(d) == len(pairs):
        return d
    out = _Duplicated(d)
    counts: dict[str, int] = {}
    for k, _ in pairs:
        counts[k] = counts.get(k, 0) + 1
    out.duplicates = sorted(k for k, c in counts.items() if c > 1)
    return out


_WS = re.compile(r"[ \t\r\n]*")
# a \u escape of a character :func:`magnerve._text.printable` changes (C0 except tab and
# newline, DEL, C1, line/paragraph separators, bidirectional controls)
_UNSAFE_ESCAPE = re.compile(
    r"\\u(?:000[0-8bBcCdDeEfF]|001[0-9a-fA-F]|00[89][0-9a-fA-F]|007[fF]|202[89a-eA-E]|206[6-9])"
)


# a \u escape of a surrogate code point: a lone one decodes to a string no UTF-8 can encode
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")
# longest number in a JSON diary [characters]: an engineering limit below Python's
# 4,300-digit integer conversion limit (a float holds about 309 digits)
_MAX_NUMBER_CHARS = 400


class _HugeNumber(str):
    """A JSON number too long to read (over :data:`_MAX_NUMBER_CHARS` characters)."""


def _parse_int(text: str) -> int | _HugeNumber:
    return int(text) if len(text) <= _MAX_NUMBER_CHARS else _HugeNumber(text)


def _parse_float(text: str) -> float | _HugeNumber:
    return float(text) if len(text) <= _MAX_NUMBER_CHARS else _HugeNumber(text)


def _no_surrogates(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD (valid pairs are kept)."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


class _JsonScan:
    """A strict, linear scanner over a JSON diary: the container syntax is checked here and
    every value is decoded by :meth:`json.JSONDecoder.raw_decode` (C speed), so the document
    is read once, and line numbers are counted incrementally."""

    def __init__(self, text: str, source: str) -> None:
        self.text, self.source, self.n = text, source, len(text)
        self.dec = json.JSONDecoder(
            object_pairs_hook=_pairs_hook, parse_int=_parse_int, parse_float=_parse_float
        )
        self.depth = diary_limits().max_json_depth
        self.line, self.last_nl, self.counted = 1, -1, 0
        self.end = 0

    def ws(self, i: int) -> int:
        m = _WS.match(self.text, i)
        return m.end() if m else i

    def where(self, i: int) -> tuple[int, int]:
        """(line, column) of offset ``i`` (``i`` never moves backwards)."""
        nl = self.text.count("\n", self.counted, i)
        if nl:
            self.line += nl
            self.last_nl = self.text.rfind("\n", self.counted, i)
        self.counted = i
        return self.line, i - self.last_nl

    def fail(self, i: int, msg: str) -> DiaryError:
        line = self.text.count("\n", 0, i) + 1
        col = i - self.text.rfind("\n", 0, i)
        return _json_problem(
            self.text, line, f"invalid JSON at line {line}, column {col}: {msg}", self.source
        )

    def deep(self, i: int) -> DiaryError:
        line = self.text.count("\n", 0, i) + 1
        return _json_problem(
            self.text, line, f"JSON nested deeper than {self.depth} levels", self.source
        )

    def value(self, i: int, depth: int) -> tuple[Any, int]:
        """The value at ``i`` (at nesting level ``depth``) and the offset after it."""
        try:
            v, end = self.dec.raw_decode(self.text, i)
        except json.JSONDecodeError as e:
            msg = f"invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}"
            raise _json_problem(self.text, e.lineno, msg, self.source) from None
        except RecursionError:
            raise self.deep(i) from None
        except ValueError as e:  # any other value the decoder refuses: where, and why
            raise self.fail(i, printable(str(e))[:200]) from None
        cls = v.__class__
        if cls is dict:  # an entry: deep only when its text holds another bracket
            t = self.text
            if (
                t.find("{", i + 1, end) >= 0 or t.find("[", i + 1, end) >= 0
            ) and depth - 1 + _depth(v, self.depth) > self.depth:
                raise self.deep(i)
        elif cls is list and depth - 1 + _depth(v, self.depth) > self.depth:
            raise self.deep(i)
        return v, end

    def expect(self, i: int, chars: str, what: str) -> int:
        i = self.ws(i)
        if i >= self.n or self.text[i] not in chars:
            found = "the end of the file" if i >= self.n else repr(self.text[i])
            raise self.fail(i, f"expected {what}, found {found}")
        return i

    def array(self, i: int, depth: int) -> Iterator[tuple[int, int, Any]]:
        """Elements of the array whose ``[`` is at ``i``; sets ``self.end`` past its ``]``."""
        i = self.ws(i + 1)
        if i < self.n and self.text[i] == "]":
            self.end = i + 1
            return
        while True:
            i = self.ws(i)
            if i < self.n and self.text[i] == "]":
                raise self.fail(i, "a comma before ']' (trailing comma)")
            start = i
            v, i = self.value(i, depth + 1)
            line, col = self.where(start)
            yield line, col, v
            i = self.expect(i, ",]", "',' or ']'")
            if self.text[i] == "]":
                self.end = i + 1
                return
            i += 1

    def trailing(self, i: int) -> None:
        i = self.ws(i)
        if i < self.n:
            raise self.fail(
                i,
                "more data after the end of the diary (a second array or stray text: put "
                "every entry in one array)",
            )


def _json_entries(text: str, source: str) -> Iterator[tuple[int, int, Any]]:
    """(line, column, element) for each element of a top-level JSON array or of the
    ``entries`` array of a top-level object, in one linear pass. Anything after the array
    (a second array, stray text), a key given twice, broken syntax or nesting deeper than
    ``max_json_depth``: a :class:`DiaryError` with the line and column."""
    sc = _JsonScan(text, source)
    shape = 'a JSON diary is an array of entries or {"entries": [...]}'
    i = sc.expect(0, "[{", "'[' or '{'")
    if text[i] == "[":
        yield from sc.array(i, 1)
        sc.trailing(sc.end)
        return
    i = sc.ws(i + 1)
    found = False
    if i < sc.n and text[i] == "}":
        i += 1
    else:
        while True:
            i = sc.expect(i, '"', "a key in double quotes")
            key, i = sc.value(i, 2)
            i = sc.ws(sc.expect(i, ":", "':'") + 1)
            if key == "entries":
                if found:
                    msg = "the key 'entries' is given twice: put every entry in one array"
                    raise _json_problem(text, 1, msg, source)
                found = True
                if not text.startswith("[", i):
                    raise _json_problem(text, 1, shape, source)
                yield from sc.array(i, 2)
                i = sc.end
            else:
                _, i = sc.value(i, 2)
            i = sc.expect(i, ",}", "',' or '}'")
            if text[i] == "}":
                i += 1
                break
            i += 1
    sc.trailing(i)
    if not found:
        raise _json_problem(text, 1, shape, source)


def _looks_cronometer(fieldnames: list[str]) -> bool:
    names = {f.strip().lower() for f in fieldnames}
    return "food name" in names and "day" in names and "amount" in names


def _header_col(fieldnames: list[str], name: str) -> str | None:
    return next((f for f in fieldnames if f and f.strip().lower() == name), None)


class _CronometerReader:
    """Reads the rows of a Cronometer ``servings.csv`` (see ``docs/cronometer_format.md``)."""

    def __init__(self, fieldnames: list[str], trust: Trust) -> None:
        present = {f.strip(): f for f in fieldnames if f}
        self.values_cols = {
            n.key: (present[n.cronometer], n.cronometer_factor)
            for n in load_database().nutrients
            if n.cronometer and n.cronometer in present
        }
        self.cols = {
            k: v
            for k, v in {
                "date": _header_col(fieldnames, "day") or _header_col(fieldnames, "date"),
                "time": _header_col(fieldnames, "time"),
                "meal": _header_col(fieldnames, "group"),
                "food": _header_col(fieldnames, "food name"),
                "amount": _header_col(fieldnames, "amount"),
                "category": _header_col(fieldnames, "category"),
            }.items()
            if v
        }
        self.trust = trust
        self._matches: dict[str, FoodMatch] = {}
        self.entries: list[DiaryEntry] = []
        self.problems: list[DiaryProblem] = []
        self.supplements: list[DiarySupplement] = []
        self.checks: list[ExportCheck] = []

    def get(self, row: Mapping[str, Any], key: str) -> str:
        col = self.cols.get(key)
        v = row.get(col) if col else None
        return "" if v is None else str(v).strip()

    def match(self, name: str) -> FoodMatch:
        from magnerve.foods import match_food

        m = self._matches.get(name)
        if m is None:
            m = self._matches[name] = match_food(name, aliases=_FOOD_ALIASES.get())
        return m

    def row(self, line: int, row: Mapping[str, Any], content: str) -> None:
        try:
            day = _parse_date(self.get(row, "date"))
        except ValueError as e:
            self.problems.append(DiaryProblem(line, content, str(e), ["write dates as YYYY-MM-DD"]))
            return
        name = self.get(row, "food")
        if not name:
            self.problems.append(DiaryProblem(line, content, "no food given", ["fill Food Name"]))
            return
        size = len(name) + len(self.get(row, "amount"))
        if size > diary_limits().max_food_chars:
            self.problems.append(_too_long(line, content, size))
            return
        time = self.get(row, "time") or None
        bad_time = _check_time(time or "")
        if bad_time is not None:
            self.problems.append(DiaryProblem(line, content, bad_time, ["write times as 07:30"]))
            return
        meal = self.get(row, "meal") or None
        values, bad = _export_values(row, self.values_cols)
        if bad:
            self.problems.append(_bad_values_problem(line, content, bad))
            return
        has_values = any(v is not None for v in values.values())
        amount_text = self.get(row, "amount")
        category = self.get(row, "category") if "category" in self.cols else None

        def export_entry(
            note: str,
            construct: str,
            candidate: ParsedLine | None = None,
            comparison: ExportComparison | None = None,
        ) -> None:
            self.entries.append(
                DiaryEntry(line, day, time, meal, None, values, name, (note,), candidate)
            )
            self.checks.append(
                ExportCheck(
                    line,
                    name,
                    amount_text,
                    construct,
                    candidate.food if candidate else None,
                    candidate.grams if candidate else None,
                    candidate.confidence if candidate else None,
                    comparison,
                    "export",
                    note,
                )
            )

        try:
            amount = parse_cronometer_amount(amount_text)
        except ValueError as e:
            if has_values:
                export_entry(f"{e}; nutrient values taken from the export", "custom")
            else:
                self.problems.append(
                    DiaryProblem(line, content, str(e), ['Amount looks like "1.00 cup"'])
                )
            return
        dose_unit = lookup_unit(amount.unit)
        custom_dose = (
            category == ""
            and not has_values
            and dose_unit is not None
            and dose_unit.kind == "mass"
            and dose_unit.factor <= 1e-3
        )  # a custom entry logged in mg or µg with no nutrients: a supplement or medicine
        if custom_dose or is_supplement_row(name, category, values.get("energy_kcal")):
            self.supplements.append(self.supplement(line, day, time, meal, name, amount, values))
            return
        construct = amount.construct
        if amount.quantity == 0:
            zeros: dict[str, float | None] = {
                k: (v if v is not None else 0.0) for k, v in values.items()
            }
            m = self.match(name)
            if m.food is not None and not m.uncertain:
                zero_line = ParsedLine(
                    content,
                    m.food,
                    0.0,
                    amount.unit,
                    0.0,
                    None,
                    m.confidence,
                    list(m.alternatives),
                    ["0.00 quantity: counted as zero"],
                )
                self.entries.append(DiaryEntry(line, day, time, meal, zero_line, name=name))
                self.checks.append(
                    ExportCheck(
                        line,
                        name,
                        amount_text,
                        "zero",
                        m.food,
                        0.0,
                        m.confidence,
                        None,
                        "sr28",
                        "0.00 quantity: counted as zero",
                    )
                )
            else:
                note = "0.00 quantity: counted as zero"
                self.entries.append(DiaryEntry(line, day, time, meal, None, zeros, name, (note,)))
                self.checks.append(
                    ExportCheck(
                        line, name, amount_text, "zero", None, 0.0, None, None, "export", note
                    )
                )
            return
        if category is not None and category == "" and has_values:
            export_entry(
                "custom food or recipe (no Cronometer category): nutrient values taken from "
                "the export",
                "custom",
            )
            return
        if (category or "").lower() == "supplements" and has_values:
            export_entry(
                "Cronometer lists it under Supplements but it gives energy (a food such as a "
                "shake or bar): counted as food with the export's values, not matched to SR28",
                "custom",
            )
            return
        m = self.match(name)
        if category == "" and not has_values and (m.food is None or m.uncertain):
            export_entry(
                "custom food or recipe with no nutrient values in the export and no sure SR28 "
                "match: its nutrients are unknown (totals are lower bounds)",
                "custom",
            )
            return
        if m.food is None:
            reason = f"no SR28 match for {name!r}"
            if has_values:
                export_entry(reason + "; nutrient values taken from the export", "custom")
            else:
                closest = [f"{h.id} {h.description}" for h in m.alternatives[:3]]
                self.problems.append(
                    DiaryProblem(
                        line,
                        content,
                        reason,
                        ["check the spelling, or give the food's NDB number", *closest],
                    )
                )
            return
        food, uncertain, confidence = m.food, m.uncertain, m.confidence
        choice = None
        if has_values:
            choice = choose_by_profile(
                name,
                [(food.id, food.description)] + [(h.id, h.description) for h in m.alternatives],
                amount,
                values,
            )
        if choice is not None and choice.switched:
            food = FoodRef(choice.ndb, choice.description)
        if choice is not None and uncertain and choice.confirmed:
            uncertain = False
            confidence = max(confidence, UNCERTAIN_BELOW)
            choice = replace(
                choice,
                notes=(
                    *choice.notes,
                    f"weak search match confirmed by the export's nutrients (energy, "
                    f"macronutrients, minerals; not magnesium), profile distance "
                    f"{choice.fit.distance if choice.fit else 0:.2f}",
                ),
            )
        try:
            sg = choice.serving if choice is not None else serving_grams(food.id, amount)
            bound = diary_limits().max_portion_g
            if not sg.grams <= bound:
                self.problems.append(
                    DiaryProblem(
                        line,
                        content,
                        f"portion of {sg.grams:,.0f} g is beyond the sanity bound of "
                        f"{bound:,.0f} g for one diary line (a typo in the amount?)",
                        ['Amount looks like "1.00 cup"'],
                        name,
                    )
                )
                return
            notes = [sg.note] if sg.note else []
            if choice is not None:
                notes += [n for n in choice.notes if n not in notes]
            conf = confidence * (1.0 if sg.exact else 0.95)
            parsed: ParsedLine | None = ParsedLine(
                content,
                food,
                amount.count,
                sg.unit,
                sg.grams,
                sg.measure,
                conf,
                list(m.alternatives),
                notes,
                uncertain,
            )
            portion_error = ""
        except PortionError as e:
            parsed, portion_error = None, str(e)
        if uncertain:
            reason = (
                f"weak SR28 match {m.food.id} {m.food.description!r} (confidence "
                f"{m.confidence:.2f})"
            )
            if has_values:
                export_entry(reason + "; nutrient values taken from the export", construct, parsed)
            else:
                alts = [f"{h.id} {h.description}" for h in m.alternatives[:4]]
                self.problems.append(
                    DiaryProblem(
                        line,
                        content,
                        f"uncertain match {m.food.id} {m.food.description!r} (confidence "
                        f"{m.confidence:.2f}); write the food more precisely or give its NDB "
                        "number",
                        [f"{m.food.id} {m.food.description}", *alts],
                        name,
                    )
                )
            return
        if parsed is None:
            if has_values:
                export_entry(
                    f"no SR28 measure for the serving ({portion_error}); nutrient values taken "
                    "from the export",
                    construct,
                )
            else:
                self.problems.append(
                    DiaryProblem(line, content, portion_error, ["give the amount in grams"])
                )
            return
        comparison = compare_with_export(food.id, parsed.grams, values) if has_values else None
        use_export, reason = False, "SR28 match"
        if comparison is not None and has_values:
            if self.trust == "export":
                use_export, reason = True, "the export's values (trust='export')"
            elif comparison.agrees is False:
                if self.trust == "sr28":
                    reason = f"SR28 used (trust='sr28') although they disagree: {comparison.reason}"
                else:
                    use_export = True
                    reason = (
                        f"SR28 {food.id} {food.description!r} disagrees with the export "
                        f"({comparison.reason}); the export's values used"
                    )
            elif (
                comparison.magnesium_sr28 is None
                and comparison.magnesium_export is not None
                and self.trust == "auto"
            ):
                use_export = True
                reason = "SR28 has no magnesium value for the match; the export's values used"
            elif comparison.agrees:
                reason = "SR28 match agrees with the export"
        if use_export:
            export_entry(reason, construct, parsed, comparison)
            return
        if comparison is not None and comparison.agrees is False:
            parsed.notes.append(reason)
        self.entries.append(DiaryEntry(line, day, time, meal, parsed, name=name))
        self.checks.append(
            ExportCheck(
                line,
                name,
                amount_text,
                construct,
                food,
                parsed.grams,
                parsed.confidence,
                comparison,
                "sr28",
                reason,
            )
        )

    def supplement(
        self,
        line: int,
        day: date,
        time: str | None,
        meal: str | None,
        name: str,
        amount: CronometerAmount,
        values: dict[str, float | None],
    ) -> DiarySupplement:
        dose = supplement_dose(name, amount)
        notes = list(dose.notes)
        nutrients = dict(values)
        for key, v in dose.doses.items():
            if nutrients.get(key) is None:
                nutrients[key] = v
                notes.append(f"{key} {v:g} read from the name (the export has no value)")
                if key == "vitamin_d_iu" and nutrients.get("vitamin_d_ug") is None:
                    nutrients["vitamin_d_ug"] = v * 0.025
        exported = values.get("magnesium_mg")
        parsed = dose.elemental_mg
        elemental: float | None
        if exported is not None and (self.trust != "sr28" or parsed is None):
            elemental = exported
            if parsed is not None and abs(parsed - exported) > max(2.0, 0.1 * exported):
                notes.append(
                    f"the name gives {parsed:.0f} mg elemental magnesium, the export "
                    f"{exported:g} mg; the export's value used"
                )
        elif parsed is not None:
            elemental = parsed
        elif "magnesium" in name.lower() or "multi" in name.lower():
            elemental = None
            notes.append("magnesium dose unknown: neither the export nor the name gives it")
        else:
            elemental = 0.0
        nutrients["magnesium_mg"] = elemental
        return DiarySupplement(
            line,
            day,
            time,
            meal,
            name,
            amount.count,
            amount.unit,
            dose.form,
            dose.hydrate,
            elemental,
            parsed,
            dose.salt_mg,
            nutrients,
            tuple(notes),
        )


def _read_totals(fmt: str, fieldnames: list[str], rows: Iterator[_Row], source: str) -> Diary:
    cols, ignored = nutrient_columns(fieldnames, fmt)
    date_col = _header_col(fieldnames, "date") or _header_col(fieldnames, "day")
    meal_col = _header_col(fieldnames, "meal") or _header_col(fieldnames, "group")
    time_col = _header_col(fieldnames, "time")
    done_col = _header_col(fieldnames, "completed")
    notes = [FORMAT_NOTES[fmt]] if fmt in FORMAT_NOTES else []
    if ignored:
        notes.append("columns ignored: " + "; ".join(ignored))
    if date_col is None or not cols:
        raise DiaryError(
            [
                DiaryProblem(
                    1,
                    ",".join(fieldnames),
                    "a totals file needs a Date column and "
                    "nutrient columns such as 'Magnesium (mg)' or magnesium_mg",
                )
            ],
            source,
        )
    label = {
        "cronometer_daily": "Cronometer day total",
        "mfp": "MyFitnessPal",
        "totals": "day total",
    }
    entries: list[DiaryEntry] = []
    problems: list[DiaryProblem] = []
    n = 0
    for line, cells, content in rows:
        n += 1
        if isinstance(cells, DiaryProblem):
            problems.append(cells)
            continue
        row = dict(zip(fieldnames, cells, strict=False))
        try:
            day = _parse_date(str(row.get(date_col) or ""))
        except ValueError as e:
            problems.append(DiaryProblem(line, content, str(e), ["write dates as YYYY-MM-DD"]))
            continue
        bad_time = _check_time(str(row.get(time_col) or "").strip()) if time_col else None
        if bad_time is not None:
            problems.append(DiaryProblem(line, content, bad_time, ["write times as 07:30"]))
            continue
        values, bad = _export_values(row, cols)
        if bad:
            problems.append(_bad_values_problem(line, content, bad))
            continue
        if not any(v is not None for v in values.values()):
            problems.append(DiaryProblem(line, content, "no nutrient values on this line"))
            continue
        meal = (str(row.get(meal_col) or "").strip() or None) if meal_col else None
        time = (str(row.get(time_col) or "").strip() or None) if time_col else None
        name = label.get(fmt, "total") + (f" {meal} total" if fmt == "mfp" and meal else "")
        row_notes: tuple[str, ...] = ()
        if done_col and str(row.get(done_col) or "").strip().lower() == "false":
            row_notes = ("day not marked completed in Cronometer: totals may be partial",)
        entries.append(DiaryEntry(line, day, time, meal, None, values, name, row_notes))
    kind: Literal["meal_totals", "day_totals"] = "meal_totals" if fmt == "mfp" else "day_totals"
    return Diary(entries, problems, source, n, kind=kind, format=fmt, notes=notes)


def read_diary_text(
    text: str,
    fmt: DiaryFormat = "auto",
    source: str = "<diary>",
    *,
    trust: Trust = "auto",
    aliases: Mapping[str, str] | None = None,
) -> Diary:
    """Parse diary text.

    Parameters
    ----------
    text : str
        File content.
    fmt : {"auto", "csv", "json", "cronometer", "cronometer_daily", "mfp", "totals"}
        Format; ``auto`` looks at the content (the header of a CSV).
    source : str
        Name used in messages.
    trust : {"auto", "export", "sr28"}
        Cronometer rows with both an SR28 match and their own values: ``auto`` uses SR28
        unless the match is weak or the magnesium or energy disagree (then the export's
        values, saying why, with the match kept as ``candidate``); ``export`` always the
        export's values; ``sr28`` SR28 for every confident match (disagreements are still
        listed in :attr:`Diary.disagreements`). Weak matches always keep the export's values.
    aliases : mapping of str to str, optional
        The caller's own food aliases (:func:`magnerve.foods.alias_key` of a food text -> SR28
        NDB number), used instead of the user's alias file (a web account's aliases; ``{}``
        for none). None (default): the alias file.

    Returns
    -------
    Diary
        Entries, supplements and problems (call :meth:`Diary.raise_for_problems` to make
        problems fatal).

    Raises
    ------
    DiaryError
        When the file as a whole cannot be read (not CSV/JSON, missing columns).
    """
    token = _FOOD_ALIASES.set(None if aliases is None else dict(aliases))
    try:
        return _read_diary_text(text, fmt, source, trust, aliases is None)
    finally:
        _FOOD_ALIASES.reset(token)


def _read_diary_text(
    text: str, fmt: DiaryFormat, source: str, trust: Trust, alias_file: bool
) -> Diary:
    text = text.lstrip("\ufeff")
    _check_size(len(text), "characters", source)
    _check_lines(text, source)
    _refresh_parse_cache()
    notes: list[str] = []
    if _SURROGATE.search(text) is not None:  # only a str given by a program can hold them
        text = _no_surrogates(text)
        notes.append(
            "the text held lone surrogate code points (no character); each was replaced by "
            "U+FFFD: check the lines with \ufffd"
        )
    alias_note = _alias_file_note() if alias_file else ""
    if alias_note:
        notes.append(alias_note)
    # Reading allocates one entry per line and no reference cycles: the cyclic garbage
    # collector's repeated passes over the growing lists only cost time (about 25 %).
    enabled = gc.isenabled()
    gc.disable()
    try:
        d = _read_text(text, fmt, source, trust)
    finally:
        if enabled:
            gc.enable()
    d.notes.extend(notes)
    return d


#: The start of the diary note saying the alias file cannot be used (the CLI also warns).
ALIAS_FILE_NOTE = "your alias file cannot be used"


def _alias_file_note() -> str:
    """A note when the user's alias file exists but cannot be read: its aliases are not
    applied to this diary (said once per diary, never silently)."""
    from magnerve.foods import load_aliases

    try:
        load_aliases()
    except ValueError as e:  # AliasFileError: unreadable, broken, wrong shape, too large
        return f"{ALIAS_FILE_NOTE}, so no alias was applied: {printable(str(e))}"
    return ""


def _read_text(text: str, fmt: DiaryFormat, source: str, trust: Trust) -> Diary:
    if fmt == "auto":
        fmt = "json" if text.lstrip().startswith(("[", "{")) else "csv"
    entries: list[DiaryEntry] = []
    problems: list[DiaryProblem] = []
    n = 0
    if fmt == "json":
        if "\r" in text:  # \r\n, \r and \n each end a line (raw \r is only whitespace in JSON)
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        dirty = (
            UNSAFE_TEXT.search(text) is not None
            or _UNSAFE_ESCAPE.search(text) is not None
            or _SURROGATE_ESCAPE.search(text) is not None
        )
        for line, column, obj in _json_entries(text, source):
            n += 1
            res = _json_entry(line, obj, dirty)
            if isinstance(res, DiaryEntry):
                entries.append(res)
            else:
                problems.append(replace(res, entry=n, column=column))
        return Diary(entries, problems, source, n, format="json")

    fieldnames, rows, spans = _rows_csv(text, source)
    detected = detect_format(fieldnames)
    if fmt == "csv" and detected != "csv":
        fmt = detected
    if fmt in ("cronometer_daily", "mfp", "totals"):
        d = _read_totals(fmt, fieldnames, rows, source)
        d.spans = spans
        return d
    if fmt == "cronometer" or _looks_cronometer(fieldnames):
        reader = _CronometerReader(fieldnames, trust)
        if "date" not in reader.cols or "food" not in reader.cols:
            raise DiaryError(
                [
                    DiaryProblem(
                        1,
                        ",".join(fieldnames),
                        "a Cronometer export needs Day and Food Name columns",
                    )
                ],
                source,
            )
        for line, row, content in rows:
            n += 1
            if isinstance(row, DiaryProblem):
                reader.problems.append(row)
                continue
            reader.row(line, dict(zip(fieldnames, row, strict=False)), content)
        return Diary(
            reader.entries,
            reader.problems,
            source,
            n,
            supplements=reader.supplements,
            checks=reader.checks,
            format="cronometer",
            spans=spans,
        )
    cols = _column_map(fieldnames)
    missing = [k for k in ("date", "food") if k not in cols]
    if missing:
        header = ",".join(fieldnames)
        raise DiaryError(
            [
                DiaryProblem(
                    1,
                    header,
                    f"missing column(s) {', '.join(missing)}; a diary needs date and food "
                    "columns (optional: time, meal, amount, unit)",
                    ["date,meal,food,amount,unit", "2024-03-05,breakfast,rolled oats,0.5,cup"],
                )
            ],
            source,
        )
    idx = _column_indices(fieldnames)
    resolved: dict[tuple[str, ...], _Resolved] = {}  # each distinct line resolved once
    days: dict[str, date] = {}  # each distinct date cell read once
    for line, row, content in rows:
        n += 1
        if isinstance(row, DiaryProblem):
            problems.append(row)
            continue
        res = _resolve_cached(line, row, idx, content, resolved, days)
        if isinstance(res, DiaryEntry):
            entries.append(res)
        else:
            problems.append(res)
    return Diary(entries, problems, source, n, spans=spans)


def _check_lines(text: str, source: str) -> None:
    lim = diary_limits().max_lines
    n = _count_lines(text)
    if n > lim:
        raise DiaryError(
            [
                DiaryProblem(
                    0,
                    "",
                    f"the diary has {n:,} lines; the limit is {lim:,} (split it into several "
                    "files)",
                )
            ],
            source,
        )


def _check_size(size: int, unit: str, source: str) -> None:
    lim = diary_limits().max_file_bytes
    if size > lim:
        raise DiaryError(
            [
                DiaryProblem(
                    0,
                    "",
                    f"the diary is {size:,} {unit}; the limit is {lim:,} (split it into "
                    "several files)",
                )
            ],
            source,
        )


@lru_cache(maxsize=256)
def _entry_shape(keys: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    """For the keys of a JSON entry: the key read for each of :data:`_KEYS` ("" when
    absent), and "" or why the keys cannot be used (one named twice)."""
    try:
        _check_header(list(keys), 0, "", "<entry>")
    except DiaryError as e:
        return (), e.problems[0].reason
    cols = _column_map(list(keys))
    return tuple(cols.get(k, "") for k in _KEYS), ""


_ENCODER = json.JSONEncoder(ensure_ascii=False)
_IDX = (0, 1, 2, 3, 4, 5)


def _json_entry(line: int, obj: Any, dirty: bool = True) -> DiaryEntry | DiaryProblem:
    """One element of a JSON diary (``dirty``: the file may hold control characters, raw or
    as ``\\u`` escapes, so text is made printable)."""
    if obj.__class__ is _Duplicated:
        dup = ", ".join(printable(repr(k)) for k in obj.duplicates)
        return DiaryProblem(
            line,
            printable(_no_surrogates(_dumps(obj))),
            f"key(s) {dup} given twice in one entry; one would silently win",
            ["give each key once"],
        )
    if obj.__class__ is not dict:
        return DiaryProblem(
            line, printable(_no_surrogates(_dumps(obj))), "entry is not a JSON object"
        )
    content = _ENCODER.encode(obj)
    if dirty:
        content = printable(_no_surrogates(content))
    keys, why = _entry_shape(tuple(obj))
    if why:
        return DiaryProblem(line, content, why, ["give each key once"])
    cells: list[str] = []
    for k in keys:  # only the columns read; other keys are ignored
        v = obj[k] if k else None
        if v is None:
            cells.append("")
        elif v.__class__ is str:
            if dirty and _SURROGATE.search(v) is not None:
                return DiaryProblem(
                    line,
                    content,
                    f"the value of {printable(_no_surrogates(k))!r} holds a lone surrogate "
                    "escape (such as \\ud800), which is no character: the text was damaged "
                    "on its way into the file",
                    ["retype the text, or save the file again as UTF-8"],
                )
            cells.append(printable(v) if dirty else v)
        elif v.__class__ is _HugeNumber:
            return DiaryProblem(
                line,
                content if len(content) <= 200 else content[:200] + "...",
                f"the value of {printable(k)!r} is a number of {len(v):,} characters; the "
                f"limit is {_MAX_NUMBER_CHARS} (a typo?)",
                ['e.g. {"date": "2024-03-05", "food": "almonds", "amount": 30, "unit": "g"}'],
            )
        elif isinstance(v, bool) or not isinstance(v, int | float):
            what = _dumps(v) if isinstance(v, bool) else "a " + type(v).__name__
            return DiaryProblem(
                line,
                content,
                f"the value of {printable(k)!r} is {what}; entry values are text or numbers",
                ['e.g. {"date": "2024-03-05", "food": "30 g almonds"}'],
            )
        elif isinstance(v, float) and not math.isfinite(v):
            return DiaryProblem(
                line, content, f"the value of {printable(k)!r} is {v}, not a finite number"
            )
        else:
            cells.append(str(v))
    return _resolve_cells(line, cells, _IDX, content)


def _unreadable(p: Path, e: Exception) -> DiaryError:
    reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
    return DiaryError([DiaryProblem(0, "", f"cannot read the file: {printable(reason)}")], str(p))


def _dumps(obj: Any) -> str:
    try:
        return _ENCODER.encode(obj)
    except ValueError:  # a circular or odd value cannot come from json.loads; kept safe
        return repr(obj)


def _read_stream(p: Path, limit: int) -> bytes:
    """The bytes of a pipe, FIFO or character device (``/dev/stdin``), at most ``limit + 1``.

    The first data must come within ``fifo_wait_s`` of ``data/limits.toml``: a FIFO nobody
    writes to is refused with that reason instead of blocking forever.
    """
    wait = diary_limits().fifo_wait_s
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError) as e:
        raise _unreadable(p, e) from None
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(fd, select.POLLIN | select.POLLHUP)
            if not poller.poll(wait * 1000):
                raise DiaryError(
                    [
                        DiaryProblem(
                            0,
                            "",
                            f"nothing was written to this pipe or FIFO within {wait:g} s; "
                            "start the writer first, or give a regular file",
                        )
                    ],
                    str(p),
                )
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    except OSError as e:
        raise _unreadable(p, e) from None
    finally:
        os.close(fd)


def _decode(data: bytes, source: str) -> tuple[str, list[str]]:
    """Text of a diary file, and notes on lines that were not UTF-8.

    The rule (``docs/diary_formats.md``): a UTF-16 file with its byte-order mark is read as
    UTF-16; otherwise UTF-8 (with or without BOM). When some bytes are not UTF-8, each line
    that is valid UTF-8 is still read as UTF-8, and each line that is not is read as
    Windows-1252 (Latin-1 for the five bytes Windows-1252 leaves undefined), and a note names
    those lines, so one stray byte never re-decodes the whole file. A file with NUL bytes that
    is not UTF-16 is refused as binary.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError as e:
            raise DiaryError(
                [DiaryProblem(0, "", f"the file starts like UTF-16 but is not ({e.reason})")],
                source,
            ) from None
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise DiaryError(
            [DiaryProblem(0, "", "binary file (NUL bytes): a diary is a CSV or JSON text file")],
            source,
        )
    out: list[str] = []
    bad: list[int] = []
    for k, raw in enumerate(data.split(b"\n")):
        try:
            out.append(raw.decode("utf-8-sig" if k == 0 else "utf-8"))
        except UnicodeDecodeError:
            bad.append(k + 1)
            out.append(
                "".join(
                    bytes([c]).decode("cp1252", errors="strict")
                    if c not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
                    else chr(c)
                    for c in raw
                )
            )
    shown = ", ".join(map(str, bad[:10])) + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
    note = (
        f"line(s) {shown} are not UTF-8; read as Windows-1252 (Latin-1): check accented "
        "letters there, or save the file as UTF-8"
    )
    return "\n".join(out), [note]


def read_diary(
    path: str | Path | bytes | IO[str] | IO[bytes],
    fmt: DiaryFormat = "auto",
    *,
    trust: Trust = "auto",
    aliases: Mapping[str, str] | None = None,
) -> Diary:
    """Read a diary (CSV, JSON, Cronometer or MyFitnessPal export, nutrient totals).

    Parameters
    ----------
    path : str, Path, bytes or file object
        A diary file's path; or its content as bytes, as a string holding more than one line,
        or as an open text or binary file (what a web upload gives).
    fmt : {"auto", "csv", "json", "cronometer", "cronometer_daily", "mfp", "totals"}
        Format; ``auto`` uses the extension and content.
    trust : {"auto", "export", "sr28"}
        Whose values Cronometer rows use when they have both an SR28 match and their own
        (see :func:`read_diary_text`).
    aliases : mapping of str to str, optional
        Food aliases to use instead of the user's alias file (see :func:`read_diary_text`).

    Returns
    -------
    Diary
        Entries, supplements and problems.

    Raises
    ------
    DiaryError
        When the file cannot be read at all (missing, a folder, binary, over a limit of
        ``data/limits.toml``, not CSV or JSON, missing columns).

    Notes
    -----
    Decoding: a file starting with a UTF-16 byte-order mark is UTF-16; otherwise UTF-8 (with
    or without BOM). When some bytes are not UTF-8, only the lines holding them are read as
    Windows-1252 (Latin-1 for its five undefined bytes), and ``Diary.notes`` names those
    lines; a file with NUL bytes is refused as binary.

    Examples
    --------
    >>> d = read_diary("servings.csv")  # doctest: +SKIP
    >>> [c.reason for c in d.disagreements]  # doctest: +SKIP
    >>> sum(s.elemental_mg or 0 for s in d.supplements)  # doctest: +SKIP
    >>> read_diary(b"date,food\\n2026-11-16,30 g almonds\\n").entries[0].food_id
    '12061'
    """
    lim = diary_limits().max_file_bytes
    notes: list[str] = []
    if hasattr(path, "read"):
        content = path.read(lim + 1)
        name = str(getattr(path, "name", "<upload>"))
        if isinstance(content, bytes):
            _check_size(len(content), "bytes", name)
            text, notes = _decode(content, name)
        else:
            text = content
        d = read_diary_text(text.lstrip("\ufeff"), fmt, name, trust=trust, aliases=aliases)
    elif isinstance(path, bytes):
        _check_size(len(path), "bytes", "<bytes>")
        text, notes = _decode(path, "<bytes>")
        d = read_diary_text(text, fmt, "<bytes>", trust=trust, aliases=aliases)
    elif isinstance(path, str) and "\n" in path:
        return read_diary_text(path, fmt, "<text>", trust=trust, aliases=aliases)
    else:
        p = Path(path)
        try:
            st = p.stat()
        except (OSError, ValueError) as e:  # missing, a NUL in the name, no permission
            raise _unreadable(p, e) from None
        if stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode):
            _check_size(st.st_size, "bytes", str(p))
            try:
                data = p.read_bytes()
            except (OSError, ValueError) as e:  # a directory, no permission
                raise _unreadable(p, e) from None
        else:  # a pipe, FIFO or device (/dev/stdin): read as a stream, bounded
            data = _read_stream(p, lim)
            _check_size(len(data), "bytes", str(p))
        text, notes = _decode(data, str(p))
        if fmt == "auto" and p.suffix.lower() == ".json":
            fmt = "json"
        d = read_diary_text(text, fmt, str(p), trust=trust, aliases=aliases)
    d.notes.extend(notes)
    return d
