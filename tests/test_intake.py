"""Nutrient totals per line, meal and day, checked against hand computation from SR28.

SR28 values per 100 g used below (NUT_DATA; also asserted in test_db.py):
  12061 Nuts, almonds:          Mg 270 mg, Ca 269 mg, Zn 3.12 mg, Fe 3.71 mg, 579 kcal
  09040 Bananas, raw:           Mg 27 mg,  Ca 5 mg,   Zn 0.15 mg, Fe 0.26 mg, 89 kcal
  01077 Milk, whole, 3.25%:     vitamin D 1.3 ug = 51 IU, Mg 10 mg, Ca 113 mg
  01188 KRAFT CHEEZ WHIZ:       no magnesium value in SR28; Ca 359 mg
  01008 Cheese, caraway:        no vitamin D value in SR28; Mg 22 mg
Portions: 1 medium banana = 118 g; 1 cup whole milk = 244 g.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from magnerve.diary import read_diary, read_diary_text
from magnerve.intake import (
    IntakeReport,
    NutrientTotal,
    default_nutrients,
    intake,
    line_nutrients,
    resolve_nutrients,
)

ALMOND = {"mg": 270.0, "ca": 269.0, "zn": 3.12, "fe": 3.71, "kcal": 579.0}
BANANA = {"mg": 27.0, "ca": 5.0, "zn": 0.15, "fe": 0.26, "kcal": 89.0}

ONE_DAY = """\
date,meal,food,amount,unit
2024-03-05,breakfast,1 medium banana,,
2024-03-05,snack,30 g almonds,,
"""


def _total(report: IntakeReport, totals: list[NutrientTotal], key: str) -> NutrientTotal:
    keys = [n.key for n in report.nutrients]
    return totals[keys.index(key)]


def test_one_day_totals_against_hand_computation():
    r = intake(read_diary_text(ONE_DAY))
    assert len(r.days) == 1
    day, totals = r.days[0]
    assert day == date(2024, 3, 5)
    mg = _total(r, totals, "magnesium_mg")
    # 30 g almonds: 0.30 * 270 = 81 mg; 118 g banana: 1.18 * 27 = 31.86 mg
    assert mg.value == pytest.approx(112.86)
    assert mg.value == pytest.approx(0.30 * ALMOND["mg"] + 1.18 * BANANA["mg"])
    assert mg.complete is True
    assert mg.missing_lines == ()
    assert mg.n_lines == 2
    assert mg.coverage == 1.0
    # calcium: 0.30 * 269 = 80.7 mg; 1.18 * 5 = 5.9 mg
    assert _total(r, totals, "calcium_mg").value == pytest.approx(86.6)
    # zinc: 0.936 + 0.177
    assert _total(r, totals, "zinc_mg").value == pytest.approx(1.113)
    # energy: 173.7 + 105.02
    assert _total(r, totals, "energy_kcal").value == pytest.approx(278.72)


def test_per_line_values():
    r = intake(read_diary_text(ONE_DAY), ["magnesium_mg", "calcium_mg"])
    assert r.values.shape == (2, 2)
    np.testing.assert_allclose(r.values, [[31.86, 5.9], [81.0, 80.7]])
    assert [e.line for e in r.entries] == [2, 3]


def test_per_meal_grouping():
    r = intake(read_diary_text(ONE_DAY), ["magnesium_mg"])
    assert [(d, m) for d, m, _ in r.meals] == [
        (date(2024, 3, 5), "breakfast"),
        (date(2024, 3, 5), "snack"),
    ]
    assert r.meals[0][2][0].value == pytest.approx(31.86)
    assert r.meals[1][2][0].value == pytest.approx(81.0)
    assert r.meals[0][2][0].n_lines == 1


def test_meals_split_by_day_and_missing_meal_is_unspecified():
    text = (
        "date,meal,food\n"
        "2024-03-05,lunch,30 g almonds\n"
        "2024-03-06,lunch,10 g almonds\n"
        "2024-03-06,,1 medium banana\n"
        "2024-03-05,lunch,20 g almonds\n"
    )
    r = intake(read_diary_text(text), ["magnesium_mg"])
    meals = {(d, m): t[0] for d, m, t in r.meals}
    assert set(meals) == {
        (date(2024, 3, 5), "lunch"),
        (date(2024, 3, 6), "lunch"),
        (date(2024, 3, 6), "unspecified"),
    }
    assert meals[(date(2024, 3, 5), "lunch")].value == pytest.approx(0.5 * 270)
    assert meals[(date(2024, 3, 5), "lunch")].n_lines == 2
    assert meals[(date(2024, 3, 6), "lunch")].value == pytest.approx(27.0)
    assert meals[(date(2024, 3, 6), "unspecified")].value == pytest.approx(31.86)


def test_two_days_sorted_and_mean_daily():
    text = (
        "date,meal,food,amount,unit\n"
        "2024-03-06,lunch,12061,10,g\n"  # day 2 first in the file: 27 mg
        "2024-03-05,breakfast,1 medium banana,,\n"
        "2024-03-05,snack,30 g almonds,,\n"
    )
    r = intake(read_diary_text(text), ["magnesium_mg", "calcium_mg"])
    assert [d for d, _ in r.days] == [date(2024, 3, 5), date(2024, 3, 6)]
    assert r.days[0][1][0].value == pytest.approx(112.86)
    assert r.days[1][1][0].value == pytest.approx(27.0)
    mean = r.mean_daily()
    assert mean[0].value == pytest.approx((112.86 + 27.0) / 2)
    assert mean[1].value == pytest.approx((86.6 + 26.9) / 2)
    assert mean[0].n_lines == 3
    assert mean[0].complete


def test_missing_value_for_one_line():
    text = ONE_DAY + "2024-03-05,snack,01188,100,g\n"  # Cheez Whiz: no Mg in SR28
    r = intake(read_diary_text(text), ["magnesium_mg", "calcium_mg"])
    mg, ca = r.days[0][1]
    assert mg.value == pytest.approx(112.86)  # sum of the known lines only
    assert mg.complete is False
    assert mg.missing_lines == (4,)
    assert mg.n_lines == 3
    assert mg.coverage == pytest.approx(2 / 3)
    assert np.isnan(r.values[2, 0])
    # calcium is known for all three: 86.6 + 359
    assert ca.value == pytest.approx(445.6)
    assert ca.complete is True
    # the snack meal has the gap, breakfast does not
    meals = {m: t for _, m, t in r.meals}
    assert meals["breakfast"][0].complete
    assert meals["snack"][0].missing_lines == (4,)
    assert meals["snack"][0].value == pytest.approx(81.0)


def test_missing_value_for_all_lines_is_none():
    text = "date,food,amount,unit\n2024-03-05,01188,100,g\n2024-03-05,01188,50,g\n"
    r = intake(read_diary_text(text), ["magnesium_mg", "calcium_mg"])
    mg, ca = r.days[0][1]
    assert mg.value is None
    assert mg.missing_lines == (2, 3)
    assert mg.coverage == 0.0
    assert ca.value == pytest.approx(359.0 * 1.5)
    assert r.mean_daily()[0].value is None
    assert mg.to_dict() == {
        "value": None,
        "complete": False,
        "coverage": 0.0,
        "missing_lines": [2, 3],
    }


def test_mean_daily_with_a_day_lacking_a_nutrient_is_a_lower_bound():
    text = "date,food,amount,unit\n2024-03-05,12061,30,g\n2024-03-06,01188,100,g\n"
    r = intake(read_diary_text(text), ["magnesium_mg"])
    assert r.days[0][1][0].value == pytest.approx(81.0)
    assert r.days[1][1][0].value is None
    mean = r.mean_daily()[0]
    assert mean.value == pytest.approx(81.0 / 2)  # mean over both days
    assert mean.missing_lines == (3,)
    assert not mean.complete


def test_vitamin_d_ug_and_iu():
    keys = [n.key for n in default_nutrients()]
    assert "vitamin_d_ug" in keys and "vitamin_d_iu" in keys
    text = "date,food,amount,unit\n2024-03-05,01077,1,cup\n2024-03-05,01008,100,g\n"
    r = intake(read_diary_text(text))
    day = r.days[0][1]
    ug = _total(r, day, "vitamin_d_ug")
    iu = _total(r, day, "vitamin_d_iu")
    assert ug.value == pytest.approx(1.3 * 2.44)  # 3.172 ug from the milk only
    assert iu.value == pytest.approx(51 * 2.44)  # 124.44 IU
    assert ug.missing_lines == (3,) and iu.missing_lines == (3,)  # caraway cheese
    assert _total(r, day, "magnesium_mg").value == pytest.approx(24.4 + 22.0)


def test_default_nutrient_set():
    r = intake(read_diary_text(ONE_DAY))
    keys = [n.key for n in r.nutrients]
    assert set(keys) == {
        "magnesium_mg",
        "calcium_mg",
        "zinc_mg",
        "phosphorus_mg",
        "potassium_mg",
        "sodium_mg",
        "vitamin_d_ug",
        "vitamin_d_iu",
        "vitamin_b6_mg",
        "fiber_g",
        "energy_kcal",
        "protein_g",
        "caffeine_mg",
        "alcohol_g",
    }
    assert r.values.shape == (2, 14)


@pytest.mark.parametrize("name", ["iron_mg", "303", "FE", "fe", "sr28_303"])
def test_other_nutrients_by_key_number_or_tagname(name):
    r = intake(read_diary_text(ONE_DAY), [name])
    assert [n.key for n in r.nutrients] == ["iron_mg"]
    # 0.30 * 3.71 + 1.18 * 0.26
    assert r.days[0][1][0].value == pytest.approx(1.113 + 0.3068)


def test_duplicate_nutrient_names_collapse():
    infos = resolve_nutrients(["iron_mg", "303", "FE", "MG", "magnesium_mg"])
    assert [n.key for n in infos] == ["iron_mg", "magnesium_mg"]


def test_unknown_nutrient_raises():
    with pytest.raises(KeyError, match="bogus"):
        intake(read_diary_text(ONE_DAY), ["bogus"])


def test_intake_accepts_entry_list():
    d = read_diary_text(ONE_DAY)
    a = intake(d, ["magnesium_mg"])
    b = intake(list(d.entries), ["magnesium_mg"])
    assert a.days[0][1][0].value == b.days[0][1][0].value == pytest.approx(112.86)


def test_empty_diary():
    r = intake([], ["magnesium_mg", "zinc_mg"])
    assert r.values.shape == (0, 2)
    assert r.days == [] and r.meals == []
    assert r.mean_daily()[0].value is None


def test_line_nutrients_direct():
    infos = resolve_nutrients(["magnesium_mg", "vitamin_d_ug"])
    v = line_nutrients(["12061", "09040", "01008"], [30.0, 118.0, 50.0], infos)
    assert v.shape == (3, 2)
    assert v[0, 0] == pytest.approx(81.0)
    assert v[1, 0] == pytest.approx(31.86)
    assert v[2, 0] == pytest.approx(11.0)  # 22 mg/100 g * 0.5
    assert v[0, 1] == 0.0  # almonds: analysed zero
    assert np.isnan(v[2, 1])  # caraway cheese: unknown


def test_to_dict():
    text = ONE_DAY + "2024-03-06,lunch,12061,10,g\n"
    d = intake(read_diary_text(text), ["magnesium_mg"]).to_dict()
    assert d["nutrients"] == [
        {"key": "magnesium_mg", "label": "Magnesium", "unit": "mg", "sr28_nutr_no": "304"}
    ]
    assert [x["date"] for x in d["days"]] == ["2024-03-05", "2024-03-06"]
    assert d["days"][0]["nutrients"]["magnesium_mg"] == {
        "value": 112.86,
        "complete": True,
        "coverage": 1.0,
        "missing_lines": [],
    }
    assert d["mean_daily"]["n_days"] == 2
    assert d["mean_daily"]["nutrients"]["magnesium_mg"]["value"] == pytest.approx(69.93)
    line = d["lines"][0]
    assert line["line"] == 2
    assert line["food"] == {"id": "09040", "description": "Bananas, raw"}
    assert line["grams"] == 118.0
    assert line["nutrients"] == {"magnesium_mg": 31.86}
    assert [m["meal"] for m in d["meals"]] == ["breakfast", "snack", "lunch"]


def test_week_example_has_every_day():
    path = Path(__file__).resolve().parents[1] / "examples" / "diary_week.csv"
    d = read_diary(path)
    r = intake(d, ["magnesium_mg"])
    assert len(r.days) == len({e.date for e in d.entries})
    # the day totals add up to the line values
    total_days = sum(t[0].value or 0.0 for _, t in r.days)
    assert total_days == pytest.approx(float(np.nansum(r.values[:, 0])))
    mean = r.mean_daily()[0]
    assert mean.value == pytest.approx(total_days / len(r.days))


# -- Cronometer lines that carry their own values ---------------------------------------


def test_cronometer_reported_values_are_totalled():
    path = Path(__file__).parent / "data" / "cronometer_servings.csv"
    d = read_diary(path)
    r = intake(d, ["magnesium_mg", "vitamin_d_iu"])
    days = dict(r.days)
    mg, iu = days[date(2023, 3, 15)]
    # 2023-03-15 from SR28: yogurt 01256 170 g * 11 mg/100 g = 18.70, banana 31.86,
    # lentils 16070 198 g * 36 = 71.28; pasta: the export's cup weighs more than SR28's
    # "cup spaghetti not packed", the figures disagree, so the export's 37.8 mg is used;
    # trail mix: the export's 98.00; the supplement row is not food
    assert mg.value == pytest.approx(18.70 + 31.86 + 71.28 + 37.8 + 98.0)
    assert mg.complete
    assert 12 in {s.line for s in d.supplements}
    # vitamin D from food only (the 1000 IU supplement is a supplement)
    assert iu.value == pytest.approx(0.0)
    assert iu.missing_lines == (15,)  # the trail mix row gives no vitamin D
