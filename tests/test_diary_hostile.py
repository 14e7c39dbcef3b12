"""Hostile and careless diaries (issue 11): every class of failure found from outside, fixed as
a class. Each line becomes an entry or a problem with its own line number; whole-file limits
raise a DiaryError (an InputError) that says which limit; nothing is lost or misread silently.
"""

from __future__ import annotations

import io
import json
import math
import time

import pytest

from magnerve._limits import diary_limits
from magnerve._text import printable
from magnerve.diary import Diary, DiaryError, DiaryProblem, read_diary, read_diary_text
from magnerve.errors import InputError
from magnerve.foods import parse_line
from magnerve.foods._parse import normalise_thousands
from magnerve.intake import intake

LIM = diary_limits()


def _lines(d: Diary) -> dict[int, str]:
    """line -> "entry" or the problem's reason; each line reported once."""
    out: dict[int, str] = {}
    for e in d.entries:
        assert e.line not in out, f"line {e.line} reported twice"
        out[e.line] = "entry"
    for p in d.problems:
        assert p.line not in out, f"line {p.line} reported twice"
        out[p.line] = p.reason
    return out


# -- misread amounts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "grams"),
    [
        ("1,000 g almonds", 1000.0),
        ("12,500 mg almonds", 12.5),
        ("1,000.5 g almonds", 1000.5),
        ("0,5 oz almonds", 0.5 * 28.349523125),  # a decimal comma stays a decimal comma
        ("1,25 oz almonds", 1.25 * 28.349523125),
    ],
)
def test_thousands_separators_in_a_line(text, grams):
    assert parse_line(text).grams == pytest.approx(grams)


def test_thousands_separators_in_diary_cells():
    d = read_diary_text(
        'date,food,amount,unit\n2024-01-01,almonds,"1,000",g\n2024-01-01,"1,000 g almonds",,\n'
    )
    assert [e.grams for e in d.entries] == [1000.0, 1000.0]


def test_normalise_thousands_leaves_other_numbers():
    assert normalise_thousands("1,0000 g") == "1,0000 g"
    assert normalise_thousands("0,250 g") == "0,250 g"
    assert normalise_thousands("1,000,000 mg") == "1000000 mg"


def test_cronometer_quantity_with_thousands_separator():
    from magnerve._cronometer import parse_cronometer_amount

    assert parse_cronometer_amount("1,000.00 g").count == 1000.0
    assert parse_cronometer_amount("1,5 cup").count == 1.5


@pytest.mark.parametrize("cell", ["-5", "inf", "-inf", "nan", "NaN", "1e999", "abc", "20000000"])
def test_bad_nutrient_cells_in_totals_are_problems_not_totals(cell):
    text = f"Date,Magnesium (mg),Energy (kcal)\n2024-01-01,{cell},2000\n2024-01-02,300,2100\n"
    d = read_diary_text(text, "totals")
    assert _lines(d)[3] == "entry"
    (p,) = d.problems
    assert p.line == 2
    assert "Magnesium (mg)" in p.reason
    out = intake(d).to_dict()
    json.dumps(out, allow_nan=False)  # valid JSON: no NaN or Infinity anywhere
    assert all(e.line != 2 for e in d.entries)


def test_bad_nutrient_cell_in_cronometer_export_is_a_problem():
    header = "Day,Time,Group,Food Name,Amount,Energy (kcal),Magnesium (mg),Category"
    text = (
        f"{header}\n2024-01-01,,Breakfast,My Shake,1.00 serving,200,-40,\n"
        "2024-01-01,,Breakfast,My Shake,1.00 serving,200,nan,\n"
        "2024-01-01,,Breakfast,My Shake,1.00 serving,200,40,\n"
    )
    d = read_diary_text(text)
    assert d.format == "cronometer"
    assert [p.line for p in d.problems] == [2, 3]
    assert [e.line for e in d.entries] == [4]
    json.dumps(intake(d).to_dict(), allow_nan=False)


def test_implausible_portion_is_refused_with_its_line():
    d = read_diary_text(
        "date,food,amount,unit\n2024-01-01,almonds,99999999999,g\n2024-01-01,almonds,30,g\n"
    )
    (p,) = d.problems
    assert p.line == 2
    assert "sanity bound" in p.reason and f"{LIM.max_portion_g:,.0f} g" in p.reason
    assert [e.line for e in d.entries] == [3]


def test_portion_at_the_bound_is_kept():
    g = int(LIM.max_portion_g)
    d = read_diary_text(f"date,food,amount,unit\n2024-01-01,almonds,{g},g\n")
    assert d.problems == [] and d.entries[0].grams == g


@pytest.mark.parametrize("t", ["25:99", "24:00", "12:60", "13:00 PM", "0:30 AM", "7", "99"])
def test_impossible_times_are_refused(t):
    d = read_diary_text(f"date,time,food\n2024-01-01,{t},1 medium banana\n")
    (p,) = d.problems
    assert p.line == 2 and "time" in p.reason


@pytest.mark.parametrize("t", ["07:30", "7:30", "23:59", "7:30 PM", "12:00 am", "19:05:00", "noon"])
def test_real_times_are_kept(t):
    d = read_diary_text(f"date,time,food\n2024-01-01,{t},1 medium banana\n")
    assert d.problems == [] and d.entries[0].time == t


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"])
def test_implausible_years_are_refused(day):
    d = read_diary_text(f"date,food\n2024-01-01,1 medium banana\n{day},1 medium banana\n")
    (p,) = d.problems
    assert p.line == 3 and "outside" in p.reason


# -- lines lost or mislabelled ---------------------------------------------------------------


def test_unterminated_quote_swallows_nothing():
    good = "2024-01-01,30 g almonds\n"
    text = 'date,food\n2024-01-01,"30 g almonds\n' + good * 6 + "2024-01-01,xyzzy qwerty\n"
    d = read_diary_text(text)
    lines = _lines(d)
    assert "unterminated quote" in lines[2]
    assert all(lines[n] == "entry" for n in range(3, 9))
    assert "xyzzy" in lines[9]
    assert d.n_lines == 8 and d.spans == {}


def test_unterminated_quote_before_a_quoted_cell_is_not_joined():
    text = 'date,food\n2024-01-01,"30 g almonds\n2024-01-01,"Nuts, almonds, 1 oz"\n'
    d = read_diary_text(text)
    lines = _lines(d)
    assert "unterminated quote" in lines[2]
    assert lines[3] == "entry"


def test_multiline_quoted_cell_is_one_record_with_its_span():
    d = read_diary_text('date,food\n2024-03-05,"1 medium\nbanana"\n2024-03-05,30 g almonds\n')
    assert [e.line for e in d.entries] == [2, 4]
    assert d.spans == {2: 3}


def test_quote_open_longer_than_the_record_limit_is_a_problem():
    body = "\n".join(["x"] * (LIM.max_record_lines + 2))
    d = read_diary_text(f'date,food\n2024-01-01,"30 g almonds {body}"\n')
    assert "unterminated quote" in _lines(d)[2]


@pytest.mark.parametrize(
    "doc",
    [
        '[{"date":"2024-01-01","food":"1 medium banana"}]\n[{"date":"2024-01-02","food":"x"}]',
        '[{"date":"2024-01-01","food":"1 medium banana"}] xyz',
        '[{"date":"2024-01-01","food":"1 medium banana"},]',
        '[{"date":"2024-01-01","food":"1 medium banana"} {"date":"2024-01-01","food":"x"}]',
        '{"entries": [], "entries": [{"date":"2024-01-01","food":"1 medium banana"}]}',
        '{"entries": [{"date":"2024-01-01","food":"1 medium banana"}]} []',
        '{"entries": [{"date":"2024-01-01","food":"1 medium banana"}]',
        '{"other": 1}',
        '[{"date":"2024-01-01","food":"1 medium banana"}',
    ],
)
def test_json_with_anything_beyond_one_array_is_an_error(doc):
    with pytest.raises(DiaryError) as exc:
        read_diary_text(doc)
    assert isinstance(exc.value, InputError)
    assert exc.value.problems[0].reason


def test_two_arrays_error_says_where():
    doc = '[{"date":"2024-01-01","food":"1 medium banana"}]\n[{"date":"2024-01-02"}]'
    with pytest.raises(DiaryError) as exc:
        read_diary_text(doc)
    assert "line 2, column 1" in exc.value.problems[0].reason
    assert exc.value.line == 2


def test_one_line_json_reports_entry_and_column():
    entries = [
        {"date": "2024-01-01", "food": "1 medium banana"},
        {"date": "bad", "food": "1 medium banana"},
        {"date": "2024-01-01", "food": "xyzzy qwerty"},
    ]
    doc = json.dumps(entries)
    d = read_diary_text(doc)
    assert [(p.entry, p.line) for p in d.problems] == [(2, 1), (3, 1)]
    starts = [doc.index('{"date": "bad"'), doc.index('{"date": "2024-01-01", "food": "xyzzy')]
    assert [p.column for p in d.problems] == [s + 1 for s in starts]
    assert "line 1, column" in str(d.problems[0]) and "(entry 2)" in str(d.problems[0])
    assert d.problems[0].to_dict()["entry"] == 2


def test_multiline_json_keeps_line_numbers():
    doc = (
        '[\n {"date": "2024-01-01", "food": "1 medium banana"},\n\n'
        ' {"date": "bad",\n "food": "x"}\n]'
    )
    d = read_diary_text(doc)
    (p,) = d.problems
    assert (p.line, p.column, p.entry) == (4, 2, 2)


@pytest.mark.parametrize(
    ("header", "names"),
    [("date,Date,food", ("date", "Date")), ("date,food,FOOD ", ("food", "FOOD "))],
)
def test_duplicate_columns_name_both(header, names):
    with pytest.raises(DiaryError) as exc:
        read_diary_text(f"{header}\n2024-01-01,1 medium banana,x\n")
    reason = exc.value.problems[0].reason
    assert "duplicate columns" in reason
    assert all(repr(n) in reason for n in names)


def test_duplicate_columns_in_totals_and_json():
    with pytest.raises(DiaryError, match="duplicate columns"):
        read_diary_text("Date,Magnesium (mg),magnesium (mg)\n2024-01-01,1,2\n")
    d = read_diary_text('[{"date": "2024-01-01", "Date": "2024-01-02", "food": "1 medium banana"}]')
    assert "duplicate columns" in d.problems[0].reason
    d = read_diary_text('[{"date": "2024-01-01", "food": "x", "food": "1 medium banana"}]')
    assert "given twice" in d.problems[0].reason


@pytest.mark.parametrize("sep", ["\x0c", "\x0b", "\x85", "\u2028", "\u2029", "\x1c", "\r"])
def test_separators_inside_a_line_do_not_shift_later_lines(sep):
    text = (
        f"date,food\n2024-01-01,1 medium banana{sep}\n2024-01-01,30 g al{sep}monds\n"
        "2024-01-01,xyzzy qwerty\n"
    )
    d = read_diary_text(text)
    lines = _lines(d)
    assert lines[2] == "entry"
    assert "xyzzy" in lines[4]
    assert d.problems[-1].text == "2024-01-01,xyzzy qwerty"


def test_one_latin1_byte_decodes_only_its_line(tmp_path):
    data = "date,meal,food\n2024-01-01,déjeuner,30 g almonds\n".encode()
    data += "2024-01-01,d\xe9jeuner,1 medium banana\n".encode("latin-1")
    data += "2024-01-01,“snack”,1 medium banana\n".encode()
    path = tmp_path / "d.csv"
    path.write_bytes(data)
    d = read_diary(path)
    assert [e.meal for e in d.entries] == ["déjeuner", "déjeuner", "“snack”"]
    assert any("line(s) 3 are not UTF-8" in n for n in d.notes)


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"date,food\n\x00\xff\xfe\x80 binary")
    with pytest.raises(DiaryError, match="binary"):
        read_diary(path)


def test_utf16_file_with_bom_is_read(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes("date,food\n2024-01-01,30 g almonds\n".encode("utf-16"))
    assert read_diary(path).entries[0].grams == 30.0


def test_unreadable_paths_are_input_errors(tmp_path):
    for p in (tmp_path, tmp_path / "missing.csv"):
        with pytest.raises(DiaryError, match="cannot read the file"):
            read_diary(p)


# -- terminal escapes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload", ["\x1b[31mred\x1b[0m", "\x1b]0;title\x07", "\u202eevil", "\x9b2J"]
)
def test_escape_sequences_never_reach_problem_text(payload):
    d = read_diary_text(f"date,meal,food\n2024-01-01,lunch,{payload} xyzzy\n")
    (p,) = d.problems
    for s in (p.text, p.reason, str(p), *p.suggestions):
        assert printable(s) == s, s
    doc = json.dumps([{"date": "2024-01-01", "food": f"{payload} xyzzy"}])
    (q,) = read_diary_text(doc).problems
    for s in (q.text, q.reason, str(q)):
        assert printable(s) == s, s


def test_escape_sequences_in_a_header_error():
    with pytest.raises(DiaryError) as exc:
        read_diary_text("\x1b[2Jdate,meal\n2024-01-01,lunch\n")
    assert printable(str(exc.value)) == str(exc.value)


# -- bounded resources -----------------------------------------------------------------------


def test_cell_over_128_kb_is_a_problem_not_a_crash():
    d = read_diary_text("date,food\n2024-01-01," + "a" * 200_000 + "\n2024-01-01,30 g almonds\n")
    lines = _lines(d)
    assert "characters long" in lines[2] and lines[3] == "entry"
    assert len(d.problems[0].text) < 300


def test_cell_just_under_the_line_limit_is_read_and_not_searched():
    cell = "a" * (LIM.max_line_chars - 20)
    t0 = time.perf_counter()
    d = read_diary_text(f'date,food\n2024-01-01,"{cell}"\n')
    assert time.perf_counter() - t0 < 2.0  # a 100,000-character food once took 43 s
    (p,) = d.problems
    assert f"the limit is {LIM.max_food_chars:,}" in p.reason and len(p.text) < 300


def test_food_text_at_the_limit_is_searched():
    food = "almonds " + "x" * (LIM.max_food_chars - 20)
    d = read_diary_text(f"date,food,amount,unit\n2024-01-01,{food},30,g\n")
    assert "the limit is" not in (d.problems[0].reason if d.problems else "")


def test_too_many_lines_is_an_input_error(monkeypatch):
    text = "date,food\n" + "2024-01-01,30 g almonds\n" * (LIM.max_lines + 1)
    with pytest.raises(DiaryError, match="the limit is"):
        read_diary_text(text)


def test_file_size_limit(tmp_path, monkeypatch):
    import magnerve._limits as limits

    small = limits.DiaryLimits(**{**_asdict(LIM), "max_file_bytes": 100})
    monkeypatch.setattr("magnerve.diary.diary_limits", lambda: small)
    path = tmp_path / "d.csv"
    path.write_text("date,food\n" + "2024-01-01,30 g almonds\n" * 10, "utf-8")
    for src in (path, path.read_bytes(), io.BytesIO(path.read_bytes())):
        with pytest.raises(DiaryError, match="the limit is 100"):
            read_diary(src)


def _asdict(lim: object) -> dict[str, object]:
    return {k: getattr(lim, k) for k in lim.__slots__}  # type: ignore[attr-defined]


@pytest.mark.parametrize("depth", [LIM.max_json_depth + 1, 5_000, 200_000])
def test_deep_json_is_an_input_error(depth):
    doc = '[{"date": "2024-01-01", "food": "x", "n": ' + "[" * depth + "]" * depth + "}]"
    with pytest.raises(DiaryError, match="nested deeper"):
        read_diary_text(doc)
    with pytest.raises(DiaryError):
        read_diary_text("[" * depth)


def test_json_at_the_depth_limit_is_read():
    inner = LIM.max_json_depth - 2  # array (1), entry (2), the value's own levels
    doc = '[{"date": "2024-01-01", "food": "30 g almonds", "x": ' + "[" * inner + "]" * inner
    d = read_diary_text(doc + "}]")
    assert len(d.entries) == 1


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("NaN", "not a finite"),
        ("Infinity", "not a finite"),
        ("1e400", "not a finite"),
        ("true", "true"),
        ('["30 g"]', "a list"),
        ('{"a": 1}', "a dict"),
    ],
)
def test_json_values_that_are_not_text_or_numbers(value, fragment):
    d = read_diary_text('[{"date": "2024-01-01", "food": "almonds", "amount": ' + value + "}]")
    (p,) = d.problems
    assert fragment in p.reason and p.entry == 1


def test_json_reading_is_linear():
    def timed(n: int) -> float:
        doc = json.dumps([{"date": "2024-01-01", "food": "1 medium banana"}] * n, indent=1)
        t0 = time.perf_counter()
        read_diary_text(doc)
        return time.perf_counter() - t0

    timed(500)
    small, big = min(timed(2_000) for _ in range(3)), min(timed(16_000) for _ in range(3))
    assert big < 8 * small * 2.5, (small, big)  # 8x the entries: far from 64x


def test_no_lines_lost_in_a_mixed_hostile_file():
    text = (
        "date,time,meal,food,amount,unit\n"
        "2024-01-01,07:30,breakfast,rolled oats,0.5,cup\n"
        '2024-01-01,25:99,breakfast,"1 medium banana\n'
        '2024-01-01,,lunch,almonds,"1,000",g\n'
        "0001-01-01,,lunch,almonds,30,g\n"
        "2024-01-01,,lunch,almonds,99999999999,g\n"
        "\n"
        "2024-01-01,,\x1b[31mdinner,xyzzy,1,g\n"
        "2024-01-01,,dinner,almonds,30,g,extra\n"
    )
    d = read_diary_text(text)
    lines = _lines(d)
    assert sorted(lines) == [2, 3, 4, 5, 6, 8, 9]
    assert d.n_lines == len(lines)
    assert lines[4] == "entry" and d.entries[-1].grams == 1000.0


def test_diary_problem_keeps_its_csv_dict():
    p = DiaryProblem(7, "2024-01-01,zz", "r")
    assert set(p.to_dict()) == {"line", "text", "reason", "suggestions"}
    assert math.isfinite(p.line)


BIG = "9" * 400  # no float holds it: float() gives inf, Fraction -> float overflows


@pytest.mark.parametrize(
    "text",
    [
        f"date,food\n2024-01-01,{BIG} g almonds\n",
        f"date,food,amount,unit\n2024-01-01,almonds,{BIG},g\n",
        f"date,food,amount,unit\n2024-01-01,almonds,{BIG}.5,g\n",
        f"date,food,amount,unit\n2024-01-01,almonds,{BIG}/3,g\n",
    ],
)
def test_amounts_too_large_for_a_float_are_problems(text):
    d = read_diary_text(text)
    (p,) = d.problems
    assert p.line == 2 and "too large" in p.reason


CRONO = "Day,Time,Group,Food Name,Amount,Energy (kcal),Magnesium (mg),Category\n"


@pytest.mark.parametrize(
    "row",
    [
        f"2024-01-01,,,Magnesium Citrate,{BIG}.00 mg,,,Supplements",
        f"2024-01-01,,,Almonds,{BIG}.00 g,,,",
        f"2024-01-01,,,Almonds,1.00 x {BIG} cup,,,",
    ],
)
def test_cronometer_amounts_beyond_the_bound_are_problems(row):
    d = read_diary_text(CRONO + row + "\n")
    (p,) = d.problems
    assert p.line == 2 and "sanity bound" in p.reason


@pytest.mark.parametrize("name", [f"Magnesium {BIG} mg", f"Zinc {BIG} mg", f"Vitamin D {BIG} IU"])
def test_supplement_doses_beyond_the_bound_are_not_read(name):
    d = read_diary_text(CRONO + f"2024-01-01,,,{name},1.00 capsule,,,Supplements\n")
    (s,) = d.supplements
    assert all(v is None or math.isfinite(v) for v in s.nutrients.values())
    assert any("sanity bound" in n for n in s.notes)
    json.dumps(s.to_dict(), allow_nan=False)
