"""Supplement rows of a Cronometer export count as supplements in the assessment (issue 9):
never as food, averaged per day, and checked against the UL."""

from __future__ import annotations

from pathlib import Path

import pytest

from magnerve import read_diary, read_diary_text
from magnerve.assessment import assess, diary_supplements
from magnerve.profile import parse_profile

HEADER = "Day,Time,Group,Food Name,Amount,Energy (kcal),Magnesium (mg),Vitamin D (IU),Category\n"


def test_supplement_rows_averaged_per_day() -> None:
    text = HEADER + (
        '2024-01-01,,"Breakfast","Almonds","30.00 g",173.70,80.70,0.00,"Nut and Seed Products"\n'
        '2024-01-01,,"Supplements","Magnesium Citrate, 200 mg elemental","1.00 tablet",'
        '0.00,200.00,0.00,"Supplements"\n'
        '2024-01-02,,"Breakfast","Almonds","30.00 g",173.70,80.70,0.00,"Nut and Seed Products"\n'
    )
    d = read_diary_text(text)
    assert [s.line for s in d.supplements] == [3]
    (s,) = diary_supplements(d)
    assert s.magnesium_mg == pytest.approx(100.0)  # 200 mg on one of two days
    a = assess(d, parse_profile({"person": {"age": 40, "sex": "female"}}))
    mean = a.to_dict()["intake"]["mean"]
    assert mean["supplements_mg"] == pytest.approx(100.0)
    assert mean["food_mg"] == pytest.approx(80.7, rel=0.05)  # the tablet is not food
    assert any("from the diary" in n for n in a.notes)


def test_supplements_above_ul_from_the_diary_are_flagged() -> None:
    rows = "".join(
        f'2024-01-0{k},,"Supplements","Magnesium Citrate, 400 mg elemental","1.00 tablet",'
        f'0.00,400.00,0.00,"Supplements"\n'
        f'2024-01-0{k},,"Lunch","Banana","1.00 medium",105.00,31.86,0.00,"Fruits"\n'
        for k in (1, 2)
    )
    d = read_diary_text(HEADER + rows)
    a = assess(d, parse_profile({"person": {"age": 40, "sex": "female"}}))
    assert a.safety["above_ul"]
    assert any(f.id == "supplement_above_ul" for f in a.findings)


def test_constructs_file_supplements_counted() -> None:
    d = read_diary(Path(__file__).parent / "data" / "cronometer_constructs.csv")
    names = {s.name for s in diary_supplements(d)}
    assert any("Glycinate" in n for n in names)
    assert all(
        e.parsed is None or "supplement" not in e.parsed.food.description.lower() for e in d.entries
    )
