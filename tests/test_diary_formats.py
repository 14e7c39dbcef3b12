"""Other diary sources: Cronometer daily summary, MyFitnessPal nutrition export, generic totals.

The data files under ``tests/data`` were written for these tests (no one's diary).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from magnerve import intake
from magnerve._formats import detect_format
from magnerve.diary import DiaryError, read_diary, read_diary_text

DATA = Path(__file__).parent / "data"


def test_detect_format():
    assert (
        detect_format(["Day", "Time", "Group", "Food Name", "Amount", "Category"]) == "cronometer"
    )
    assert detect_format(["Date", "Energy (kcal)", "Magnesium (mg)", "Completed"]) == (
        "cronometer_daily"
    )
    assert detect_format(["Date", "Meal", "Calories", "Fat (g)", "Note"]) == "mfp"
    assert detect_format(["date", "magnesium_mg"]) == "totals"
    assert detect_format(["date", "meal", "food", "amount", "unit"]) == "csv"


# -- Cronometer dailysummary.csv --------------------------------------------------------


def test_dailysummary_day_totals_match_the_servings_export():
    d = read_diary(DATA / "cronometer_dailysummary.csv")
    assert (d.format, d.kind) == ("cronometer_daily", "day_totals")
    assert len(d.entries) == d.n_lines == 3 and not d.problems
    assert any("day totals only" in n and "no foods" in n for n in d.notes)
    totals: dict[str, float] = defaultdict(float)
    with (DATA / "cronometer_constructs.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):  # Cronometer's day totals include supplements
            totals[r["Day"]] += float(r["Magnesium (mg)"] or 0)
    report = intake(d, ["magnesium_mg", "vitamin_d_ug"])
    for day, t in report.days:
        assert t[0].value == pytest.approx(totals[day.isoformat()], abs=0.02)
    assert report.days[0][1][1].value == pytest.approx(1326.12 * 0.025)  # IU -> ug


def test_dailysummary_uncompleted_day_is_noted():
    d = read_diary(DATA / "cronometer_dailysummary.csv")
    assert "not marked completed" in d.entries[-1].notes[0]
    assert not d.entries[0].notes


# -- MyFitnessPal ------------------------------------------------------------------------


def test_mfp_meal_totals_magnesium_missing_not_zero():
    d = read_diary(DATA / "mfp_nutrition_summary.csv")
    assert (d.format, d.kind) == ("mfp", "meal_totals")
    assert len(d.entries) == 8 and not d.problems
    report = intake(d, ["magnesium_mg", "energy_kcal", "sodium_mg", "calcium_mg", "fiber_g"])
    (_, t1), (_, t2) = report.days
    mg, kcal, na, ca, fib = t1
    assert mg.value is None and not mg.complete  # unknown, not 0
    assert kcal.value == pytest.approx(412.0 + 655.5 + 730.0 + 210.0)
    assert na.value == pytest.approx(488 + 1210 + 980 + 95)
    assert ca.value is None  # MFP's Calcium is % of the daily value: ignored
    assert fib.value == pytest.approx(6.2 + 9.5 + 11.0 + 4.0)
    assert t2[1].value == pytest.approx(380 + 590 + 0 + 165)
    meals = {(m.isoformat(), name) for m, name, _ in report.meals}
    assert ("2024-09-03", "Post-Workout") in meals
    assert any("% of the daily value" in n for n in d.notes)


def test_mfp_with_time_and_bom_and_crlf():
    text = (
        "\ufeffDate,Meal,Time,Calories,Fat (g),Sodium (mg),Potassium,Carbohydrates (g),"
        "Fiber,Sugar,Protein (g),Magnesium (mg)\r\n"
        "2024-09-05,Breakfast,7:40 AM,320.0,9.0,410.0,380.0,45.0,6.0,12.0,14.0,88.0\r\n"
        "2024-09-05,Breakfast,,120.0,4.0,90.0,150.0,15.0,2.0,9.0,6.0,\r\n"
    )
    d = read_diary_text(text)
    assert d.format == "mfp"
    assert [e.time for e in d.entries] == ["7:40 AM", None]
    report = intake(d, ["magnesium_mg", "potassium_mg"])
    mg, k = report.days[0][1]
    assert mg.value == pytest.approx(88.0) and not mg.complete  # second row has no value
    assert k.value == pytest.approx(530.0)


# -- generic totals ----------------------------------------------------------------------


def test_generic_totals():
    d = read_diary(DATA / "totals_daily.csv")
    assert (d.format, d.kind) == ("totals", "day_totals")
    assert len(d.entries) == 4 and not d.problems
    assert any("steps" in n for n in d.notes)
    report = intake(d, ["magnesium_mg", "zinc_mg", "vitamin_d_ug", "fiber_g", "energy_kcal"])
    by_day = {day.isoformat(): t for day, t in report.days}
    assert by_day["2024-10-01"][0].value == pytest.approx(312.5)
    assert by_day["2024-10-03"][0].value is None  # empty cell: unknown
    assert by_day["2024-10-02"][1].value is None
    assert by_day["2024-10-01"][2].value == pytest.approx(4.2)
    assert by_day["2024-10-01"][3].value == pytest.approx(27.5)  # "Fibre (g)"
    assert by_day["2024-10-04"][4].value == pytest.approx(2190.0)


def test_generic_totals_units_convert():
    d = read_diary_text("Date,Magnesium (g),Vitamin D (IU),Zinc (mcg)\n2024-10-01,0.3,400,9000\n")
    assert d.format == "totals"
    r = d.entries[0].reported
    assert r is not None
    assert r["magnesium_mg"] == pytest.approx(300.0)
    assert r["vitamin_d_iu"] == pytest.approx(400.0)
    assert r["vitamin_d_ug"] == pytest.approx(10.0)
    assert r["zinc_mg"] == pytest.approx(9.0)


def test_totals_bad_lines_are_problems():
    d = read_diary_text("date,magnesium_mg\n2024-13-01,300\n2024-10-02,\n2024-10-03,250\n")
    assert [p.line for p in d.problems] == [2, 3]
    assert len(d.entries) == 1 and d.n_lines == 3


def test_totals_without_nutrients_is_an_error():
    with pytest.raises(DiaryError):
        read_diary_text("Date,Meal,Calories\n2024-01-01,Lunch,500\n", fmt="totals")
