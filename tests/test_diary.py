"""Diaries: CSV, JSON and Cronometer exports -> entries and problems, never silent drops."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hypothesis_profiles import examples
from magnerve.diary import (
    Diary,
    DiaryEntry,
    DiaryError,
    DiaryProblem,
    read_diary,
    read_diary_text,
)

DATA = Path(__file__).parent / "data"
CRONOMETER = DATA / "cronometer_servings.csv"
CUP_ML = 236.5882365
OZ_G = 28.349523125


def _by_line(d: Diary) -> dict[int, DiaryEntry | DiaryProblem]:
    out: dict[int, DiaryEntry | DiaryProblem] = {}
    for x in [*d.entries, *d.problems]:
        assert x.line not in out, f"line {x.line} reported twice"
        out[x.line] = x
    return out


# -- CSV --------------------------------------------------------------------------------

CSV_MIXED = """\
date,time,meal,food,amount,unit
2024-03-05,07:30,breakfast,12061,30,g
2024-03-05,07:30,breakfast,1 medium banana,,
2024-03-05,12:00,lunch,whole milk,1,cup
2024-03-05,12:00,lunch,banana,1 1/2,medium
2024-03-05,,lunch,boiled spinach,½,cup
2024-03-05,,dinner,olive oil,1.00 tbsp,
2024-03-06,,snack,9040,2,large
2024-03-06,,snack,"Nuts, almonds",1,oz
2024-03-06,,snack,12061,0.5,cup
"""


def test_csv_mixed_entries():
    d = read_diary_text(CSV_MIXED)
    assert d.problems == []
    assert d.n_lines == 9
    got = {e.line: (e.parsed.food.id, e.parsed.grams) for e in d.entries}
    assert got == {
        2: ("12061", 30.0),  # NDB number with amount and unit
        3: ("09040", 118.0),  # whole line in the food column
        4: (got[4][0], 244.0),  # free text + amount + unit; 1 cup whole milk = 244 g
        5: ("09040", 177.0),  # 1 1/2 medium bananas
        6: ("11458", 90.0),  # ½ cup boiled spinach (1 cup = 180 g)
        7: ("04053", 13.5),  # "1.00 tbsp" in one amount cell
        8: ("09040", 272.0),  # NDB without leading zero, 2 large (136 g)
        9: ("12061", pytest.approx(OZ_G)),  # quoted text with a comma
        10: ("12061", pytest.approx(71.5)),  # 1/2 "cup, whole" (143 g)
    }
    assert got[4][0] in {"01077", "01211"}


def test_csv_fields_kept():
    d = read_diary_text(CSV_MIXED)
    e = d.entries[0]
    assert e.date == date(2024, 3, 5)
    assert e.time == "07:30"
    assert e.meal == "breakfast"
    assert e.parsed is not None and e.parsed.amount == 30.0 and e.parsed.unit == "g"
    assert e.food_id == "12061"
    assert e.grams == 30.0
    assert e.description == "Nuts, almonds"
    assert d.entries[4].time is None
    assert [e.date for e in d.entries].count(date(2024, 3, 6)) == 3


def test_csv_column_aliases_and_case():
    text = "Day,Group,Item,Quantity,Units\n2024-01-02,Lunch,almonds,30,g\n"
    d = read_diary_text(text)
    assert d.problems == []
    (e,) = d.entries
    assert (e.line, e.date, e.meal, e.parsed.food.id, e.parsed.grams) == (
        2,
        date(2024, 1, 2),
        "Lunch",
        "12061",
        30.0,
    )


def test_csv_minimal_columns():
    d = read_diary_text("date,food\n2024-01-02,30 g almonds\n")
    assert [(e.line, e.parsed.grams) for e in d.entries] == [(2, 30.0)]
    assert d.entries[0].meal is None and d.entries[0].time is None


def test_csv_bad_date_format():
    text = "date,food\n2024-03-05,30 g almonds\n05/03/2024,30 g almonds\n2024-03-05,banana\n"
    d = read_diary_text(text)
    (p,) = d.problems
    assert p.line == 3
    assert "YYYY-MM-DD" in p.reason
    assert "05/03/2024" in p.reason
    assert p.text == "05/03/2024,30 g almonds"
    assert any("YYYY-MM-DD" in s for s in p.suggestions)
    assert [e.line for e in d.entries] == [2, 4]


@pytest.mark.parametrize("bad", ["2024-02-30", "2023-13-01", "2024-00-10"])
def test_csv_impossible_date(bad):
    d = read_diary_text(f"date,food\n2024-01-01,30 g almonds\n{bad},30 g almonds\n")
    (p,) = d.problems
    assert p.line == 3
    assert "not a real date" in p.reason
    assert any("YYYY-MM-DD" in s for s in p.suggestions)


@pytest.mark.parametrize("bad", ["", "yesterday", "2024-3", "20240305", "2024-03-05T08:00"])
def test_csv_date_not_in_iso_form(bad):
    d = read_diary_text(f"date,food\n{bad},30 g almonds\n")
    (p,) = d.problems
    assert p.line == 2
    assert "YYYY-MM-DD" in p.reason


def test_single_digit_month_and_day_accepted():
    d = read_diary_text("date,food\n2024-3-5,30 g almonds\n")
    assert d.entries[0].date == date(2024, 3, 5)


def test_csv_unknown_food_has_suggestions():
    d = read_diary_text("date,food\n2024-03-05,xyzzy qwerty\n")
    (p,) = d.problems
    assert p.line == 2
    assert "no food matches" in p.reason
    assert "xyzzy qwerty" in p.reason
    assert p.suggestions
    assert d.entries == []


def test_csv_unknown_ndb_number():
    d = read_diary_text("date,food,amount,unit\n2024-03-05,99999,1,g\n")
    (p,) = d.problems
    assert "NDB" in p.reason
    assert p.suggestions


def test_csv_uncertain_match_is_a_problem_with_candidates():
    d = read_diary_text("date,food\n2024-03-05,zzq bread\n")
    assert d.entries == []
    (p,) = d.problems
    assert p.reason.startswith("uncertain match")
    assert p.suggestions
    assert all(re.match(r"^\d{5} ", s) for s in p.suggestions)


def test_csv_portion_problem_lists_measures():
    d = read_diary_text("date,food,amount,unit\n2024-03-05,01022,1,cup\n")  # gouda: no cup
    (p,) = d.problems
    assert "gouda" in p.reason
    assert p.suggestions == ["1 oz (28.35 g)", "1 package (7 oz) (198 g)"]


@pytest.mark.parametrize(
    ("amount", "fragment"),
    [("2-3", "range"), ("0", "more than zero"), ("lots", "not a number"), ("1/0", "zero")],
)
def test_csv_bad_amount(amount, fragment):
    d = read_diary_text(f"date,food,amount,unit\n2024-03-05,banana,{amount},medium\n")
    (p,) = d.problems
    assert p.line == 2
    assert fragment in p.reason


def test_csv_extra_cells_is_a_problem():
    text = "date,food,amount,unit\n2024-03-05,Nuts, almonds,1,oz\n2024-03-05,banana,1,medium\n"
    d = read_diary_text(text)
    (p,) = d.problems
    assert p.line == 2
    assert "5 cells but the header has 4 columns" in p.reason
    assert any("quote" in s for s in p.suggestions)
    assert [e.line for e in d.entries] == [3]


def test_csv_missing_food_cell_is_a_problem():
    d = read_diary_text("date,meal,food\n2024-03-05,lunch,\n2024-03-05\n")
    assert [(p.line, p.reason) for p in d.problems] == [(2, "no food given"), (3, "no food given")]


def test_csv_blank_rows_are_not_lines():
    text = "date,meal,food\n2024-03-05,lunch,30 g almonds\n,,\n2024-03-05,lunch,banana\n"
    d = read_diary_text(text)
    assert d.n_lines == 2
    assert [e.line for e in d.entries] == [2, 4]
    assert d.problems == []


def test_csv_quoted_multiline_cell_keeps_line_numbers():
    text = 'date,food\n2024-03-05,"1 medium\nbanana"\nbad,banana\n2024-03-05,30 g almonds\n'
    d = read_diary_text(text)
    assert [(e.line, e.parsed.food.id) for e in d.entries] == [(2, "09040"), (5, "12061")]
    (p,) = d.problems
    assert p.line == 4


def test_csv_crlf_and_bom():
    text = "\ufeffdate,food\r\n2024-03-05,30 g almonds\r\nbad,banana\r\n"
    d = read_diary_text(text)
    assert [e.line for e in d.entries] == [2]
    assert [p.line for p in d.problems] == [3]
    assert d.problems[0].text == "bad,banana"


def test_csv_blank_line_before_row_keeps_line_number():
    text = "date,food\n2024-03-05,30 g almonds\n\n2024-03-05,xyzzy qwerty\n"
    d = read_diary_text(text)
    assert [p.line for p in d.problems] == [4]


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("date,meal,amount,unit", "food"),
        ("meal,food,amount", "date"),
        ("meal,amount", "date, food"),
    ],
)
def test_csv_missing_columns_is_a_diary_error(header, missing):
    with pytest.raises(DiaryError) as exc:
        read_diary_text(f"{header}\n2024-03-05,lunch,1,cup\n", source="my.csv")
    e = exc.value
    assert len(e.problems) == 1
    assert e.problems[0].line == 1
    assert f"missing column(s) {missing}" in e.problems[0].reason
    assert str(e).startswith("my.csv: 1 line(s) could not be used")
    assert isinstance(e, ValueError)


def test_empty_file_is_a_diary_error():
    with pytest.raises(DiaryError):
        read_diary_text("")


def test_header_only_is_empty():
    d = read_diary_text("date,food\n")
    assert (d.entries, d.problems, d.n_lines) == ([], [], 0)


def test_raise_for_problems():
    d = read_diary_text("date,food\n2024-03-05,30 g almonds\nbad,banana\n", source="x.csv")
    with pytest.raises(DiaryError) as exc:
        d.raise_for_problems()
    assert exc.value.problems == d.problems
    assert "x.csv" in str(exc.value)
    assert "line 3" in str(exc.value)
    read_diary_text("date,food\n2024-03-05,30 g almonds\n").raise_for_problems()  # no raise


def test_problem_str_and_dict():
    p = DiaryProblem(7, "2024-01-01,zz", "no food matches 'zz'", ["a", "b"])
    assert str(p) == "line 7: no food matches 'zz' [2024-01-01,zz] — try: a; b"
    assert p.to_dict() == {
        "line": 7,
        "text": "2024-01-01,zz",
        "reason": "no food matches 'zz'",
        "suggestions": ["a", "b"],
    }
    long = DiaryProblem(1, "x" * 300, "r")
    assert str(long) == f"line 1: r [{'x' * 97}...]"


# -- files ------------------------------------------------------------------------------


def test_read_diary_csv_file(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(CSV_MIXED, encoding="utf-8")
    d = read_diary(path)
    assert len(d.entries) == 9
    assert d.source == str(path)


def test_read_diary_latin1_file(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes("date,meal,food\n2024-03-05,déjeuner,30 g almonds\n".encode("latin-1"))
    d = read_diary(path)
    assert d.entries[0].meal == "déjeuner"
    assert d.entries[0].parsed.grams == 30.0


def test_read_diary_json_by_extension(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps([{"date": "2024-03-05", "food": "30 g almonds"}]), "utf-8")
    d = read_diary(path)
    assert [(e.line, e.parsed.grams) for e in d.entries] == [(1, 30.0)]


def test_example_week_diary_reads_cleanly():
    path = Path(__file__).resolve().parents[1] / "examples" / "diary_week.csv"
    with path.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if any(v.strip() for v in r.values())]
    d = read_diary(path)
    assert d.problems == []
    assert len(d.entries) == len(rows) == d.n_lines
    assert {e.date for e in d.entries} == {date.fromisoformat(r["date"]) for r in rows}


# -- JSON -------------------------------------------------------------------------------

JSON_ARRAY = """[
  {"date": "2024-03-05", "meal": "breakfast", "food": "30 g almonds"},
  {"date": "2024-03-05",
   "meal": "breakfast",
   "food": "banana", "amount": 1, "unit": "medium"},
  {"date": "bad", "food": "banana"},
  "not an object",
  {"date": "2024-03-06", "food": "12061", "amount": "1/2", "unit": "cup"},
  {"date": "2024-03-06", "food": "xyzzy qwerty"}
]"""


def _check_json(d: Diary, offset: int) -> None:
    assert [(e.line, e.parsed.food.id, e.parsed.grams) for e in d.entries] == [
        (2 + offset, "12061", 30.0),
        (3 + offset, "09040", 118.0),
        (8 + offset, "12061", pytest.approx(71.5)),
    ]
    assert [p.line for p in d.problems] == [6 + offset, 7 + offset, 9 + offset]
    reasons = [p.reason for p in d.problems]
    assert "YYYY-MM-DD" in reasons[0]
    assert reasons[1] == "entry is not a JSON object"
    assert "no food matches" in reasons[2]
    assert d.n_lines == 6


def test_json_array_line_numbers():
    d = read_diary_text(JSON_ARRAY)
    _check_json(d, 0)
    assert d.entries[0].meal == "breakfast"
    assert json.loads(d.problems[0].text) == {"date": "bad", "food": "banana"}


def test_json_entries_object_line_numbers():
    text = '{\n  "name": "my week",\n  "entries": ' + JSON_ARRAY + "\n}"
    d = read_diary_text(text)
    _check_json(d, 2)


def test_json_format_forced():
    d = read_diary_text("\n\n" + JSON_ARRAY, fmt="json")
    _check_json(d, 2)


def test_json_single_line():
    d = read_diary_text('[{"date": "2024-03-05", "food": "30 g almonds"}, {"date": "x"}]')
    assert [e.line for e in d.entries] == [1]
    assert [p.line for p in d.problems] == [1]


def test_json_empty_array():
    d = read_diary_text("[]")
    assert (d.entries, d.problems, d.n_lines) == ([], [], 0)


@pytest.mark.parametrize(
    "text",
    [
        '{"days": []}',
        '{"entries": 5}',
        '[{"date": "2024-03-05", "food": "banana"',
        '[{"date": "2024-03-05", "food": banana}]',
    ],
)
def test_json_unreadable_is_a_diary_error(text):
    with pytest.raises(DiaryError) as exc:
        read_diary_text(text)
    assert exc.value.problems


def test_json_nested_entries_key_not_confused():
    text = (
        '{"meta": {"entries": []},\n'
        ' "entries": [\n'
        ' {"date": "2024-03-05", "food": "30 g almonds"}\n'
        "]}"
    )
    d = read_diary_text(text)
    assert [e.line for e in d.entries] == [3]


# -- Cronometer -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cronometer() -> Diary:
    return read_diary(CRONOMETER)


def test_cronometer_nothing_dropped(cronometer):
    with CRONOMETER.open(encoding="utf-8") as f:
        n_rows = sum(1 for _ in csv.DictReader(f))
    assert n_rows == 14
    assert cronometer.n_lines == n_rows
    assert (
        len(cronometer.entries) + len(cronometer.supplements) + len(cronometer.problems) == n_rows
    )
    lines = sorted([*_by_line(cronometer), *(s.line for s in cronometer.supplements)])
    assert lines == list(range(2, 16))


def test_cronometer_whole_milk(cronometer):
    e = _by_line(cronometer)[2]
    assert isinstance(e, DiaryEntry)
    assert e.food_id in {"01077", "01211"}
    assert e.grams == pytest.approx(244.0)  # "1.00 cup"
    assert e.date == date(2023, 3, 14)
    assert e.time == "7:42 AM"
    assert e.meal == "Breakfast"


@pytest.mark.parametrize("line", [3, 11])
def test_cronometer_banana(cronometer, line):
    e = _by_line(cronometer)[line]
    assert isinstance(e, DiaryEntry)
    assert e.food_id == "09040"
    assert e.grams == pytest.approx(118.0)  # 1.00 medium - 7" to 7 7/8" long


@pytest.mark.parametrize(
    ("line", "ndb", "grams"),
    [
        (5, "11458", 180.0),  # Spinach, cooked, boiled, drained, without salt: 1 cup
        (9, "12061", OZ_G),  # Almonds: 1.00 oz
        (10, "01256", 170.0),  # Yogurt, Greek, plain, nonfat: 170.00 g
        (13, "16070", 198.0),  # Lentils, boiled, without salt: 1 cup = 198 g
    ],
)
def test_cronometer_other_lines(cronometer, line, ndb, grams):
    e = _by_line(cronometer)[line]
    assert isinstance(e, DiaryEntry)
    assert e.food_id == ndb
    assert e.grams == pytest.approx(grams)


def test_cronometer_no_time_is_none(cronometer):
    assert _by_line(cronometer)[4].time is None


def test_cronometer_supplement_not_dropped(cronometer):
    # "Vitamin D3 Supplement, 1000 IU", "1.00 softgel": a supplement, never a food; kept in
    # Diary.supplements with the export's own values (Vitamin D (IU) = 1000)
    assert 12 not in _by_line(cronometer)
    (s,) = [s for s in cronometer.supplements if s.line == 12]
    assert s.name == "Vitamin D3 Supplement, 1000 IU"
    assert s.nutrients["vitamin_d_iu"] == pytest.approx(1000.0)
    assert not s.elemental_mg


def test_cronometer_custom_recipe_not_dropped(cronometer):
    e = _by_line(cronometer)[15]
    assert isinstance(e, DiaryEntry)
    assert e.parsed is None
    assert e.name == "Homemade Trail Mix"
    assert e.meal == "Snacks"
    assert e.reported is not None
    assert e.reported["magnesium_mg"] == pytest.approx(98.0)
    assert e.reported["calcium_mg"] == pytest.approx(62.0)
    assert e.reported["energy_kcal"] == pytest.approx(298.4)
    assert e.reported["zinc_mg"] == pytest.approx(1.6)
    assert e.reported["caffeine_mg"] is None


def test_cronometer_format_forced_same_result(cronometer):
    forced = read_diary_text(CRONOMETER.read_text(encoding="utf-8"), fmt="cronometer")
    assert [(e.line, e.food_id, e.grams) for e in forced.entries] == [
        (e.line, e.food_id, e.grams) for e in cronometer.entries
    ]


CRONO_HEADER = "Day,Time,Group,Food Name,Amount,Magnesium (mg),Vitamin D (IU)\n"


def test_cronometer_unmatched_row_without_values_is_a_problem():
    d = read_diary_text(
        CRONO_HEADER + '2023-03-14,,Snacks,"Homemade Trail Mix","1.00 full recipe",,\n'
    )
    assert d.entries == []
    (p,) = d.problems
    assert p.line == 2
    assert "full recipe" in p.reason


def test_cronometer_unmatched_row_with_bad_date_is_a_problem():
    d = read_diary_text(
        CRONO_HEADER + '03/14/2023,,Snacks,"Homemade Trail Mix","1.00 full recipe",98,\n'
    )
    assert d.entries == []
    (p,) = d.problems
    assert "YYYY-MM-DD" in p.reason


def test_cronometer_matched_row_ignores_file_values_when_trusting_sr28():
    row = '2023-03-14,,Snacks,"Almonds","30.00 g",999,\n'
    d = read_diary_text(CRONO_HEADER + row, trust="sr28")
    (e,) = d.entries
    assert e.food_id == "12061"
    assert e.grams == 30.0
    assert e.reported is None
    # by default the disagreement (999 vs SR28's ~81 mg) is reported
    d = read_diary_text(CRONO_HEADER + row)
    assert d.disagreements


# -- nothing is silently dropped (property) ---------------------------------------------

GOOD_ROWS = [
    ("breakfast", "30 g almonds", "", "", "12061"),
    ("breakfast", "12061", "30", "g", "12061"),
    ("lunch", "1 medium banana", "", "", "09040"),
    ("lunch", "banana", "2", "medium", "09040"),
    ("snack", "Nuts, almonds", "1", "oz", "12061"),
    ("dinner", "olive oil", "1", "tbsp", "04053"),
]
GARBAGE_FOOD = st.text(alphabet=st.sampled_from("#$%&*+=~^!?;:@ \"',\n"), min_size=1, max_size=12)
BAD_DATES = st.sampled_from(
    ["2024/03/05", "05-03-2024", "2024-02-30", "yesterday", "", "2024-13-01"]
)


@st.composite
def diary_rows(draw):
    rows = []
    kinds = []
    for _ in range(draw(st.integers(min_value=1, max_value=10))):
        kind = draw(st.sampled_from(["good", "good", "bad_date", "garbage", "range", "zero"]))
        day = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)))
        meal, food, amount, unit, ndb = draw(st.sampled_from(GOOD_ROWS))
        if kind == "bad_date":
            rows.append([draw(BAD_DATES), meal, food, amount, unit])
        elif kind == "garbage":
            garbage = draw(GARBAGE_FOOD)
            if not garbage.strip():
                garbage = "#" + garbage
            rows.append([day.isoformat(), meal, garbage, "", ""])
        elif kind == "range":
            rows.append([day.isoformat(), meal, "banana", "2-3", "medium"])
        elif kind == "zero":
            rows.append([day.isoformat(), meal, "almonds", "0", "g"])
        else:
            rows.append([day.isoformat(), meal, food, amount, unit])
        kinds.append((kind, ndb))
    return rows, kinds


@settings(max_examples=examples(50), deadline=None)
@given(diary_rows())
def test_nothing_silently_dropped(data):
    rows, kinds = data
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["date", "meal", "food", "amount", "unit"])
    first_lines = []
    line = 2
    for r in rows:
        first_lines.append(line)
        before = buf.tell()
        w.writerow(r)
        line += buf.getvalue()[before:].count("\n")
    d = read_diary_text(buf.getvalue())

    assert d.n_lines == len(rows)
    assert len(d.entries) + len(d.problems) == len(rows)
    found = _by_line(d)
    assert sorted(found) == first_lines
    for (kind, ndb), ln in zip(kinds, first_lines, strict=True):
        item = found[ln]
        if kind == "good":
            assert isinstance(item, DiaryEntry), item
            assert item.food_id == ndb
        else:
            assert isinstance(item, DiaryProblem), (kind, item)
            if kind == "bad_date":
                assert item.reason.startswith("date ")
