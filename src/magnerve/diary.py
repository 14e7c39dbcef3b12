"""Food diaries: CSV, JSON and Cronometer "servings" exports -> resolved entries.

Every line of a diary either becomes a :class:`DiaryEntry` or a
:class:`DiaryProblem` naming the line, the reason and suggestions; nothing is
dropped silently. Whether problems are fatal is the caller's choice
(:meth:`Diary.raise_for_problems`; the CLI's ``--skip-bad``).

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
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from magnerve.foods._db import load_database
from magnerve.foods._parse import ParsedLine, ParseError, parse_food_amount, parse_line
from magnerve.foods._portions import AmountError, parse_amount

__all__ = [
    "Diary",
    "DiaryEntry",
    "DiaryError",
    "DiaryProblem",
    "read_diary",
    "read_diary_text",
]

DiaryFormat = Literal["auto", "csv", "json", "cronometer"]

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
    """

    line: int
    date: date
    time: str | None
    meal: str | None
    parsed: ParsedLine | None
    reported: dict[str, float | None] | None = None
    name: str = ""
    notes: tuple[str, ...] = ()

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


class DiaryError(ValueError):
    """A diary had lines that could not be used (see :attr:`problems`)."""

    def __init__(self, problems: list[DiaryProblem], source: str) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} line(s) could not be used:\n{lines}")


@dataclass(slots=True)
class Diary:
    """A parsed diary: entries in file order and the problems found."""

    entries: list[DiaryEntry]
    problems: list[DiaryProblem]
    source: str = "<diary>"
    n_lines: int = 0

    def raise_for_problems(self) -> None:
        """Raise :class:`DiaryError` if any line could not be used."""
        if self.problems:
            raise DiaryError(self.problems, self.source)


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
    amount_text, unit = get("amount"), get("unit") or None
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
        return DiaryProblem(line, text, str(e), ["amounts look like 1, 0.5, 1/2, 1 1/2 or ½"])
    except ParseError as e:
        return DiaryProblem(line, text, e.reason, e.suggestions)
    parsed = replace(parsed, text=text)
    if parsed.confidence < MIN_CONFIDENCE:
        alts = [f"{h.id} {h.description}" for h in parsed.alternatives[:4]]
        return DiaryProblem(
            line,
            text,
            f"uncertain match {parsed.food.id} {parsed.food.description!r} "
            f"(confidence {parsed.confidence:.2f}); write the food more precisely "
            "or give its NDB number",
            [f"{parsed.food.id} {parsed.food.description}", *alts],
        )
    return DiaryEntry(
        line, day, get("time") or None, (get("meal") or None), parsed, name=get("food")
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
            content = " ".join(raw_lines[start - 1 : end]).strip()
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


def read_diary_text(text: str, fmt: DiaryFormat = "auto", source: str = "<diary>") -> Diary:
    """Parse diary text.

    Parameters
    ----------
    text : str
        File content.
    fmt : {"auto", "csv", "json", "cronometer"}
        Format; ``auto`` looks at the content.
    source : str
        Name used in messages.

    Returns
    -------
    Diary
        Entries and problems (call :meth:`Diary.raise_for_problems` to make problems fatal).

    Raises
    ------
    DiaryError
        When the file as a whole cannot be read (not CSV/JSON, missing columns).
    """
    text = text.lstrip("\ufeff")
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
        return Diary(entries, problems, source, n)

    fieldnames, rows = _rows_csv(text)
    cols = _column_map(fieldnames)
    reported_cols: dict[str, tuple[str, float]] | None = None
    if fmt == "cronometer" or _looks_cronometer(fieldnames):
        present = {f.strip(): f for f in fieldnames}
        reported_cols = {
            n.key: (present[n.cronometer], n.cronometer_factor)
            for n in load_database().nutrients
            if n.cronometer and n.cronometer in present
        }
        cols = {
            k: v
            for k, v in {
                "date": _column_map(fieldnames).get("date", ""),
                "time": _column_map(fieldnames).get("time", ""),
                "meal": _column_map(fieldnames).get("meal", ""),
                "food": next((f for f in fieldnames if f.strip().lower() == "food name"), ""),
                "amount": next((f for f in fieldnames if f.strip().lower() == "amount"), ""),
            }.items()
            if v
        }
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
            problems.append(
                DiaryProblem(
                    line,
                    content,
                    f"{len(fieldnames) + len(row[None])} cells but the header has "  # type: ignore[index]
                    f"{len(fieldnames)} columns",
                    ['quote text containing commas, e.g. "Nuts, almonds"'],
                )
            )
            continue
        res = _resolve(line, row, cols, content, reported_cols)
        (entries if isinstance(res, DiaryEntry) else problems).append(res)  # type: ignore[arg-type]
    return Diary(entries, problems, source, n)


def read_diary(path: str | Path, fmt: DiaryFormat = "auto") -> Diary:
    """Read a diary file (CSV, JSON or Cronometer servings export).

    Parameters
    ----------
    path : str or Path
        Diary file.
    fmt : {"auto", "csv", "json", "cronometer"}
        Format; ``auto`` uses the extension and content.

    Returns
    -------
    Diary
        Entries and problems.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = p.read_text(encoding="latin-1")
    if fmt == "auto" and p.suffix.lower() == ".json":
        fmt = "json"
    return read_diary_text(text, fmt, str(p))
