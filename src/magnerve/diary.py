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
amount [quantity, qty] optional number (1, 0.5, 1/2, 1 1/2, ½); blank: read it from ``food``
unit                   optional unit or SR28 measure word (g, cup, medium, slice ...)
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from magnerve._cronometer import (
    CronometerAmount,
    ExportComparison,
    compare_with_export,
    is_supplement_row,
    parse_cronometer_amount,
    serving_grams,
    supplement_dose,
)
from magnerve._formats import FORMAT_NOTES, detect_format, nutrient_columns
from magnerve.errors import InputError
from magnerve.foods._db import load_database
from magnerve.foods._parse import (
    FoodMatch,
    FoodRef,
    ParsedLine,
    ParseError,
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

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 100 else self.text[:97] + "..."
        s = f"line {self.line}: {self.reason} [{text}]"
        if self.suggestions:
            s += " — try: " + "; ".join(self.suggestions[:5])
        return s

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "line": self.line,
            "text": self.text,
            "reason": self.reason,
            "suggestions": list(self.suggestions),
        }


class DiaryError(InputError):
    """A diary had lines that could not be used (see :attr:`problems`)."""

    def __init__(self, problems: list[DiaryProblem], source: str) -> None:
        self.problems = problems
        self.line = problems[0].line if problems else None
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
        What the format gives and loses, columns ignored.
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
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as e:
        raise ValueError(f"date {value!r} is not a real date ({e})") from None


def _column_map(fieldnames: list[str]) -> dict[str, str]:
    lower = {f.strip().lower().replace("_", " "): f for f in fieldnames if f}
    found: dict[str, str] = {}
    for key, aliases in _ALIASES.items():
        for a in aliases:
            if a.replace("_", " ") in lower:
                found[key] = lower[a.replace("_", " ")]
                break
    return found


def _reported_values(
    row: Mapping[str, Any], reported_cols: Mapping[str, tuple[str, float]]
) -> dict[str, float | None] | None:
    """Nutrient values a row carries itself (Cronometer export), or None if it has none."""
    values: dict[str, float | None] = {}
    for key, (col, factor) in reported_cols.items():
        cell = str(row.get(col) or "").strip()
        try:
            values[key] = float(cell) * factor if cell else None
        except ValueError:
            values[key] = None
    return values if any(v is not None for v in values.values()) else None


def _resolve(
    line: int,
    row: Mapping[str, Any],
    cols: Mapping[str, str],
    text: str,
    reported_cols: Mapping[str, tuple[str, float]] | None = None,
) -> DiaryEntry | DiaryProblem:
    res = _resolve_food(line, row, cols, text)
    if isinstance(res, DiaryProblem) and reported_cols and res.reason != "no food given":
        values = _reported_values(row, reported_cols)
        date_ok = not res.reason.startswith("date ")
        if values is not None and date_ok:
            col = cols.get("food")
            name = str(row.get(col) or "").strip() if col else ""
            meal_col, time_col = cols.get("meal"), cols.get("time")
            return DiaryEntry(
                line,
                _parse_date(str(row.get(cols["date"]) or "")),
                (str(row.get(time_col) or "").strip() or None) if time_col else None,
                (str(row.get(meal_col) or "").strip() or None) if meal_col else None,
                None,
                values,
                name,
                (f"no SR28 match ({res.reason}); nutrient values taken from the export",),
            )
    return res


_alias_state: list[tuple[str, int, int] | None] = [None]


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
    if whole_line:
        return parse_line(food)
    text = " ".join(x for x in (f"{amount:g}" if amount else "", unit or "", food) if x)
    return parse_food_amount(food, amount, unit, text=text)


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
            amount, leftover = parse_amount(amount_text)
            if amount is None or leftover:
                if amount is not None and not unit:
                    unit = leftover  # "1.00 cup" in one cell
                else:
                    raise AmountError(f"amount {amount_text!r} is not a number")
            parsed = _parse_cached(food, amount, unit)
        elif unit or food.isdigit():
            parsed = _parse_cached(food, None, unit)
        else:
            parsed = _parse_cached(food, None, None, whole_line=True)
    except AmountError as e:
        return (str(e), ["amounts look like 1, 0.5, 1/2, 1 1/2 or ½"], "")
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
    return parsed


_PARSED_FIELDS = tuple(f.name for f in fields(ParsedLine))
_parsed_values = attrgetter(*_PARSED_FIELDS)
_TEXT_AT = _PARSED_FIELDS.index("text")


def _with_text(parsed: ParsedLine, text: str) -> ParsedLine:
    """``dataclasses.replace(parsed, text=text)``, without its per-call overhead."""
    values = list(_parsed_values(parsed))
    values[_TEXT_AT] = text
    return ParsedLine(*values)


def _resolve_food(
    line: int, row: Mapping[str, Any], cols: Mapping[str, str], text: str
) -> DiaryEntry | DiaryProblem:
    def get(key: str) -> str:
        col = cols.get(key)
        v = row.get(col) if col else None
        return "" if v is None else str(v).strip()

    try:
        day = _parse_date(get("date"))
    except ValueError as e:
        return DiaryProblem(line, text, str(e), ["write dates as YYYY-MM-DD"])
    food = get("food")
    if not food:
        return DiaryProblem(line, text, "no food given", ["fill the food column"])
    outcome = _food_outcome(food, get("amount"), get("unit") or None)
    if isinstance(outcome, tuple):
        reason, suggestions, problem_food = outcome
        return DiaryProblem(line, text, reason, list(suggestions), problem_food)
    return DiaryEntry(
        line, day, get("time") or None, (get("meal") or None), _with_text(outcome, text), name=food
    )


def _too_many_cells(line: int, row: dict[Any, Any], content: str, n_columns: int) -> DiaryProblem:
    """The problem of a CSV row with more cells than the header has columns."""
    return DiaryProblem(
        line,
        content,
        f"{n_columns + len(row[None])} cells but the header has {n_columns} columns",
        ['quote text containing commas, e.g. "Nuts, almonds"'],
    )


def _rows_csv(text: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str], str]]]:
    reader = csv.DictReader(io.StringIO(text))
    fieldnames = list(reader.fieldnames or [])
    raw_lines = text.splitlines()

    def rows() -> Iterator[tuple[int, dict[str, str], str]]:
        for row in reader:
            end = reader.line_num  # last physical line of the record (blank lines skipped)
            cells = [v for v in row.values() if isinstance(v, str)]
            extra = row.get(None)
            if isinstance(extra, list):
                cells += [v for v in extra if isinstance(v, str)]
            start = end - sum(v.count("\n") for v in cells)
            content = (
                raw_lines[start - 1].strip()
                if start == end and 0 < start <= len(raw_lines)
                else " ".join(raw_lines[start - 1 : end]).strip()
            )
            if any(v.strip() for v in cells):
                yield start, row, content

    return fieldnames, rows()


def _json_objects(text: str) -> Iterator[tuple[int, Any]]:
    """Yield (line number, element) for each element of a top-level JSON array or of the
    ``entries`` array of a top-level object."""
    dec = json.JSONDecoder()
    stripped = text.lstrip()
    shape = 'a JSON diary is an array of entries or {"entries": [...]}'
    if stripped.startswith("{"):
        pos = _top_level_key(text, "entries", dec)
        if pos is None:
            raise ValueError(shape)
    else:
        pos = text.find("[")
        if pos < 0 or text[:pos].strip():
            raise ValueError(shape)
    i = pos + 1
    n = len(text)
    while True:
        while i < n and text[i] in " \t\r\n,":
            i += 1
        if i >= n:
            raise ValueError("unterminated JSON array")
        if text[i] == "]":
            return
        try:
            value, end = dec.raw_decode(text, i)
        except json.JSONDecodeError as e:
            raise ValueError(
                f"invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}"
            ) from None
        yield text.count("\n", 0, i) + 1, value
        i = end


def _top_level_key(text: str, key: str, dec: json.JSONDecoder) -> int | None:
    """Offset of the ``[`` that starts the value of a top-level key holding an array."""
    ws = " \t\r\n"
    i = text.index("{") + 1
    n = len(text)
    try:
        while i < n:
            while i < n and text[i] in ws + ",":
                i += 1
            if i >= n or text[i] == "}":
                return None
            k, i = dec.raw_decode(text, i)
            while i < n and text[i] in ws + ":":
                i += 1
            if k == key:
                return i if text.startswith("[", i) else None
            _, i = dec.raw_decode(text, i)
    except json.JSONDecodeError as e:
        raise ValueError(f"invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}") from None
    return None


def _looks_cronometer(fieldnames: list[str]) -> bool:
    names = {f.strip().lower() for f in fieldnames}
    return "food name" in names and "day" in names and "amount" in names


def _export_values(
    row: Mapping[str, Any], cols: Mapping[str, tuple[str, float]]
) -> dict[str, float | None]:
    """Nutrient values of a row by key (empty or unreadable cells None)."""
    values: dict[str, float | None] = {}
    for key, (col, factor) in cols.items():
        cell = str(row.get(col) or "").strip().replace(",", "")
        try:
            values[key] = float(cell) * factor if cell else None
        except ValueError:
            values[key] = None
    return values


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
            m = self._matches[name] = match_food(name)
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
        time = self.get(row, "time") or None
        meal = self.get(row, "meal") or None
        values = _export_values(row, self.values_cols)
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
        try:
            sg = serving_grams(m.food.id, amount)
            notes = [sg.note] if sg.note else []
            conf = m.confidence * (1.0 if sg.exact else 0.95)
            parsed: ParsedLine | None = ParsedLine(
                content,
                m.food,
                amount.count,
                sg.unit,
                sg.grams,
                sg.measure,
                conf,
                list(m.alternatives),
                notes,
                m.uncertain,
            )
            portion_error = ""
        except PortionError as e:
            parsed, portion_error = None, str(e)
        if m.uncertain:
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
        comparison = compare_with_export(m.food.id, parsed.grams, values) if has_values else None
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
                        f"SR28 {m.food.id} {m.food.description!r} disagrees with the export "
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
                m.food,
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


def _read_totals(
    fmt: str, fieldnames: list[str], rows: Iterator[tuple[int, dict[str, str], str]], source: str
) -> Diary:
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
    for line, row, content in rows:
        n += 1
        try:
            day = _parse_date(str(row.get(date_col) or ""))
        except ValueError as e:
            problems.append(DiaryProblem(line, content, str(e), ["write dates as YYYY-MM-DD"]))
            continue
        values = _export_values(row, cols)
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
    text: str, fmt: DiaryFormat = "auto", source: str = "<diary>", *, trust: Trust = "auto"
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
    text = text.lstrip("\ufeff")
    _refresh_parse_cache()
    if fmt == "auto":
        fmt = "json" if text.lstrip().startswith(("[", "{")) else "csv"
    entries: list[DiaryEntry] = []
    problems: list[DiaryProblem] = []
    n = 0
    if fmt == "json":
        try:
            for line, obj in _json_objects(text):
                n += 1
                content = json.dumps(obj, ensure_ascii=False)
                if not isinstance(obj, dict):
                    problems.append(DiaryProblem(line, content, "entry is not a JSON object"))
                    continue
                cols = _column_map(list(obj))
                res = _resolve(line, obj, cols, content)
                (entries if isinstance(res, DiaryEntry) else problems).append(res)  # type: ignore[arg-type]
        except ValueError as e:
            raise DiaryError([DiaryProblem(1, "", str(e))], source) from None
        return Diary(entries, problems, source, n, format="json")

    fieldnames, rows = _rows_csv(text)
    detected = detect_format(fieldnames)
    if fmt == "csv" and detected != "csv":
        fmt = detected
    if fmt in ("cronometer_daily", "mfp", "totals"):
        return _read_totals(fmt, fieldnames, rows, source)
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
            if None in row:
                reader.problems.append(_too_many_cells(line, row, content, len(fieldnames)))
                continue
            reader.row(line, row, content)
        return Diary(
            reader.entries,
            reader.problems,
            source,
            n,
            supplements=reader.supplements,
            checks=reader.checks,
            format="cronometer",
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
    for line, row, content in rows:
        n += 1
        if None in row:  # more cells than header columns
            problems.append(_too_many_cells(line, row, content, len(fieldnames)))
            continue
        res = _resolve(line, row, cols, content)
        (entries if isinstance(res, DiaryEntry) else problems).append(res)  # type: ignore[arg-type]
    return Diary(entries, problems, source, n)


def read_diary(
    path: str | Path | bytes | IO[str] | IO[bytes],
    fmt: DiaryFormat = "auto",
    *,
    trust: Trust = "auto",
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

    Returns
    -------
    Diary
        Entries, supplements and problems.

    Examples
    --------
    >>> d = read_diary("servings.csv")  # doctest: +SKIP
    >>> [c.reason for c in d.disagreements]  # doctest: +SKIP
    >>> sum(s.elemental_mg or 0 for s in d.supplements)  # doctest: +SKIP
    >>> read_diary(b"date,food\\n2026-11-16,30 g almonds\\n").entries[0].food_id
    '12061'
    """
    if hasattr(path, "read"):
        content = path.read()
        name = str(getattr(path, "name", "<upload>"))
        text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
        return read_diary_text(text.lstrip("\ufeff"), fmt, name, trust=trust)
    if isinstance(path, bytes):
        try:
            text = path.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = path.decode("latin-1")
        return read_diary_text(text, fmt, "<bytes>", trust=trust)
    if isinstance(path, str) and "\n" in path:
        return read_diary_text(path, fmt, "<text>", trust=trust)
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = p.read_text(encoding="latin-1")
    if fmt == "auto" and p.suffix.lower() == ".json":
        fmt = "json"
    return read_diary_text(text, fmt, str(p), trust=trust)
