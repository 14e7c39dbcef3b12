"""Property-based fuzzing of the diary readers (issue 11): CSV, JSON and Cronometer diaries made
of good, careless and hostile lines.

For every generated diary:

* nothing but magnerve's ``InputError`` family escapes (never a traceback);
* every physical line is accounted for exactly once: as an entry, a supplement or a problem
  with its own line number, or as a continuation of a record listed in ``Diary.spans``; blank
  lines are never reported;
* ``intake(diary).to_dict()`` is valid JSON (no NaN or Infinity: ``allow_nan=False``);
* no problem text can drive a terminal (control characters made printable).

The coverage-guided twin of this suite is ``fuzz/atheris_diary.py`` (``docs/fuzzing.md``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hypothesis_profiles import examples
from magnerve._text import printable
from magnerve.diary import Diary, DiaryError, read_diary, read_diary_text
from magnerve.errors import InputError
from magnerve.intake import intake

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))
from diary_oracle import blank, physical_lines

SETTINGS = settings(
    max_examples=examples(120),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HOSTILE = [
    '"',
    '""',
    ",",
    "\x0c",
    "\x0b",
    "\x85",
    "\u2028",
    "\u2029",
    "\x1b[31m",
    "\x1b]0;x\x07",
    "\u202e",
    "\x00",
    "\x7f",
    "\r",
    "\t",
    "é",
    "½",
    "🍌",
    "[/red]",
    "nan",
    "inf",
    "-1",
    "1e308",
    "1,000",
    "99999999999",
    "9" * 330,
    "\\",
    "'",
    "{",
    "]",
]
FOODS = ["30 g almonds", "1 medium banana", "rolled oats", "12061", "whole milk", "xyzzy", "½ cup"]
DATES = ["2024-03-05", "2024-02-30", "0001-01-01", "bad", "", "2024-3-5", "9999-12-31"]
TIMES = ["", "07:30", "25:99", "7:30 PM", "noon", "99", "12:60"]
AMOUNTS = [
    "",
    "1",
    "0.5",
    "1/2",
    "1,000",
    "-1",
    "nan",
    "0",
    "2-3",
    "1e400",
    "99999999999",
    "9" * 330,
]
UNITS = ["", "g", "cup", "oz", "medium", "bucket"]


def _cell(base: list[str]) -> st.SearchStrategy[str]:
    """A cell: a typical value, sometimes with hostile characters spliced in."""
    return st.one_of(
        st.sampled_from(base),
        st.builds(
            lambda b, h, at: b[:at] + h + b[at:],
            st.sampled_from(base),
            st.sampled_from(HOSTILE),
            st.integers(0, 12),
        ),
        st.text(max_size=12),
    )


def _food_cell() -> st.SearchStrategy[str]:
    # the food always holds a visible character, so a generated line is never blank
    return st.builds(lambda f, extra: f + extra, st.sampled_from(FOODS), _cell([""]))


def _check_lines(d: Diary, text: str, expected: set[int]) -> None:
    """Every expected line reported once (or inside a span); nothing else reported."""
    reported: list[int] = [
        *(e.line for e in d.entries),
        *(s.line for s in d.supplements),
        *(p.line for p in d.problems),
    ]
    assert len(reported) == len(set(reported)), "a line reported twice"
    assert len(reported) == d.n_lines
    inside = {n for a, b in d.spans.items() for n in range(a + 1, b + 1)}
    assert set(d.spans) <= set(reported)
    assert not inside & set(reported)
    assert set(reported) <= expected, "a blank line reported"
    # a span may hold blank lines (inside its quoted cell); every other line is reported
    assert set(reported) | inside == expected | inside, (sorted(reported), sorted(inside))


def _check_output(d: Diary) -> None:
    for p in d.problems:
        for s in (p.text, p.reason, str(p), *p.suggestions):
            assert printable(s) == s, s
        json.dumps(p.to_dict(), allow_nan=False)
    for n in d.notes:
        assert printable(n) == n
    if d.entries:
        json.dumps(intake(d).to_dict(), allow_nan=False)


def _read(text: str, fmt: str = "auto") -> Diary | None:
    try:
        return read_diary_text(text, fmt)  # type: ignore[arg-type]
    except DiaryError as e:  # a whole-file error: clean, with a reason
        assert isinstance(e, InputError)
        assert e.problems and all(p.reason for p in e.problems)
        assert printable(str(e)) == str(e)
        return None


@st.composite
def csv_diaries(draw: st.DrawFn) -> tuple[str, set[int]]:
    """A magnerve CSV diary and the set of line numbers that must be accounted for."""
    header = draw(
        st.sampled_from(
            ["date,time,meal,food,amount,unit", "date,food", "Date,Time,Food,Amount,Unit"]
        )
    )
    n_cols = header.count(",") + 1
    lines = [header]
    expected: set[int] = set()
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["row", "row", "row", "blank", "empty_cells", "short"]))
        if kind == "blank":
            lines.append(draw(st.sampled_from(["", " ", "\t"])))
            continue
        if kind == "empty_cells":
            lines.append("," * (n_cols - 1))
            continue
        date = draw(_cell(DATES))
        food = draw(_food_cell())
        if n_cols == 2:
            cells = [date, food]
        else:
            cells = [date, draw(_cell(TIMES))]
            if n_cols == 6:
                cells.append(draw(_cell(["breakfast", "lunch", ""])))
            cells += [food, draw(_cell(AMOUNTS)), draw(_cell(UNITS))]
        if kind == "short":
            cells = cells[: max(1, len(cells) - 2)] if food not in cells[:-2] else cells
        quote = draw(st.booleans())
        row = ",".join(f'"{c}"' if quote and '"' not in c else c for c in cells)
        lines.append(row)
    sep = draw(st.sampled_from(["\n", "\r\n"]))
    text = sep.join(lines) + draw(st.sampled_from(["", sep]))
    phys = physical_lines(text)
    for i, raw in enumerate(phys[1:], start=2):
        if not blank(printable(raw[:-1] if raw.endswith("\r") else raw)):
            expected.add(i)
    return text, expected


@SETTINGS
@given(csv_diaries())
def test_fuzz_csv(case: tuple[str, set[int]]) -> None:
    text, expected = case
    d = _read(text)
    if d is None:
        return
    _check_lines(d, text, expected)
    _check_output(d)


CRONO_HEADER = "Day,Time,Group,Food Name,Amount,Energy (kcal),Magnesium (mg),Category"
CRONO_NAMES = [
    "Almonds",
    "Zinc " + "9" * 330 + " mg",
    "Bananas, raw",
    "Magnesium Glycinate 200 mg",
    "Vitamin D, 1000 IU",
    "My Recipe",
    "Oil, olive",
]
CRONO_AMOUNTS = [
    "1.00 cup",
    "50.00 x 0.5 cup",
    "0.00 g",
    "1,000.00 g",
    "abc",
    "2.00 capsule",
    "",
    "9" * 330 + ".00 mg",
    "1.00 x " + "9" * 330 + " cup",
]
CRONO_VALUES = ["", "12.5", "0", "-5", "nan", "inf", "1e308", "abc", "20000000"]
CRONO_CATEGORIES = ["", "Supplements", "Nuts and Seeds", "Fruits"]


@st.composite
def cronometer_diaries(draw: st.DrawFn) -> tuple[str, set[int]]:
    lines = [CRONO_HEADER]
    for _ in range(draw(st.integers(0, 10))):
        cells = [
            draw(_cell(DATES)),
            draw(_cell(TIMES)),
            draw(st.sampled_from(["Breakfast", "Lunch", ""])),
            '"' + draw(st.sampled_from(CRONO_NAMES)) + draw(_cell([""])).replace('"', "") + '"',
            draw(_cell(CRONO_AMOUNTS)).replace('"', ""),
            draw(_cell(CRONO_VALUES)).replace('"', ""),
            draw(_cell(CRONO_VALUES)).replace('"', ""),
            draw(st.sampled_from(CRONO_CATEGORIES)),
        ]
        lines.append(",".join(cells))
    text = "\n".join(lines) + "\n"
    expected = {
        i for i, raw in enumerate(physical_lines(text)[1:], start=2) if not blank(printable(raw))
    }
    return text, expected


@SETTINGS
@given(cronometer_diaries())
def test_fuzz_cronometer(case: tuple[str, set[int]]) -> None:
    text, expected = case
    d = _read(text)
    if d is None:
        return
    assert d.format == "cronometer"
    _check_lines(d, text, expected)
    _check_output(d)


JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@st.composite
def json_entries(draw: st.DrawFn) -> object:
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON_VALUES)  # not an object
    obj: dict[str, object] = {
        "date": draw(st.one_of(_cell(DATES), JSON_VALUES)),
        "food": draw(st.one_of(_food_cell(), JSON_VALUES)),
    }
    if draw(st.booleans()):
        obj["amount"] = draw(st.one_of(_cell(AMOUNTS), JSON_VALUES))
        obj["unit"] = draw(_cell(UNITS))
    if draw(st.booleans()):
        obj["time"] = draw(_cell(TIMES))
    if draw(st.booleans()):
        obj[draw(st.sampled_from(["Date", "FOOD", "note"]))] = draw(JSON_VALUES)
    return obj


@SETTINGS
@given(
    st.lists(json_entries(), max_size=10),
    st.sampled_from(["one_line", "one_per_line", "entries"]),
    st.sampled_from(["", "", "", " xyz", "\n[]", ",", "}"]),
)
def test_fuzz_json(entries: list[object], layout: str, tail: str) -> None:
    items = [json.dumps(e, ensure_ascii=False) for e in entries]
    if layout == "one_line":
        text = "[" + ", ".join(items) + "]"
    elif layout == "one_per_line":
        text = "[\n" + ",\n".join(items) + "\n]"
    else:
        text = '{"source": "fuzz", "entries": [\n' + ",\n".join(items) + "\n]}"
    d = _read(text + tail, "json")
    if tail:
        assert d is None, "anything after the diary must be refused"
        return
    assert d is not None
    assert d.n_lines == len(entries) == len(d.entries) + len(d.problems)
    assert sorted(p.entry for p in d.problems if p.entry is not None) == sorted(
        {p.entry for p in d.problems if p.entry is not None}
    )
    assert all(p.entry is not None and 1 <= p.entry <= len(entries) for p in d.problems)
    if layout != "one_line":
        lines = sorted([*(e.line for e in d.entries), *(p.line for p in d.problems)])
        assert lines == list(range(2, 2 + len(entries)))
    else:
        assert all(p.line == 1 and p.column is not None for p in d.problems)
    _check_output(d)


@settings(max_examples=examples(200), deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_bytes(data: bytes) -> None:
    try:
        d = read_diary(b"date,food\n" + data)
    except DiaryError as e:
        assert printable(str(e)) == str(e)
        return
    _check_output(d)


@settings(max_examples=examples(200), deadline=None)
@given(st.text(max_size=200))
def test_fuzz_any_text(text: str) -> None:
    for fmt in ("auto", "csv", "json"):
        d = _read(text, fmt)
        if d is not None:
            _check_output(d)


def test_a_record_of_quoted_line_breaks_is_reported_not_dropped() -> None:
    # found by CI: lines 2-3 hold a quoted cell with only a line break; both lines have text
    text = 'date,food\n"\n"'
    d = read_diary_text(text)
    _check_lines(d, text, {2, 3})
    assert [p.line for p in d.problems] == [2] and d.spans == {2: 3}
    assert "only line breaks" in d.problems[0].reason
