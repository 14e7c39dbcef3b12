"""The export's own nutrient profile checks a Cronometer row's SR28 food and weight (issue 9).

Export rows here are built from SR28 values of a known food and weight (not copied from anyone's
file), so the test knows which food and weight the profile should find.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magnerve._cronometer import (
    PROFILE_FLOORS,
    choose_by_profile,
    parse_cronometer_amount,
    profile_fit,
)
from magnerve.diary import read_diary
from magnerve.foods import get_food, nutrients

RASP_RAW = ("09302", "Raspberries, raw")
RASP_SWEET = ("09306", "Raspberries, frozen, red, sweetened")
BELLY = ("10005", "Pork, fresh, belly, raw")
GROUND = ("10220", "Pork, fresh, ground, cooked")
STRAWB = ("09316", "Strawberries, raw")


def export_of(ndb: str, grams: float, **override: float) -> dict[str, float | None]:
    """Export values of ``grams`` of an SR28 food, rounded to 0.01 as Cronometer writes."""
    per100 = nutrients(ndb)
    out: dict[str, float | None] = {}
    for key in [*PROFILE_FLOORS, "magnesium_mg"]:
        v = per100.get(key)
        out[key] = None if v is None else round(v * grams / 100.0, 2)
    out.update(override)
    return out


def test_fit_of_the_food_itself_is_perfect() -> None:
    f = profile_fit(RASP_RAW[0], 174.0, export_of(RASP_RAW[0], 174.0))
    assert f is not None
    assert f.distance < 0.01 and f.shape < 0.01
    assert f.scale == pytest.approx(1.0, abs=0.01)
    assert f.n >= 8


def test_scale_is_the_weight_the_export_implies() -> None:
    f = profile_fit(STRAWB[0], 100.0, export_of(STRAWB[0], 250.0))
    assert f is not None
    assert f.scale == pytest.approx(2.5, rel=0.02)
    assert f.shape < 0.02  # same food, another weight
    assert f.distance > 0.5


def test_too_little_to_compare_gives_no_fit() -> None:
    # half a gram of raspberries: every nutrient is below its floor
    assert profile_fit(RASP_RAW[0], 0.5, export_of(RASP_RAW[0], 0.5)) is None
    assert profile_fit(RASP_RAW[0], 0.0, export_of(RASP_RAW[0], 100.0)) is None


def test_a_variant_that_fits_replaces_the_first_match() -> None:
    amount = parse_cronometer_amount("174.00 g")
    choice = choose_by_profile(
        "Raspberries, Fresh, Red", [RASP_SWEET, RASP_RAW], amount, export_of(RASP_RAW[0], 174.0)
    )
    assert choice is not None
    assert choice.switched and choice.ndb == RASP_RAW[0]
    assert choice.serving.grams == pytest.approx(174.0)
    assert any("not magnesium" in n for n in choice.notes)


def test_the_first_match_stays_when_it_fits() -> None:
    amount = parse_cronometer_amount("174.00 g")
    choice = choose_by_profile(
        "Raspberries, frozen, sweetened",
        [RASP_SWEET, RASP_RAW],
        amount,
        export_of(RASP_SWEET[0], 174.0),
    )
    assert choice is not None and not choice.switched and choice.ndb == RASP_SWEET[0]


def test_another_food_with_similar_nutrients_never_replaces_the_named_one() -> None:
    # "Pork belly" whose export looks like ground pork: the candidate lacks "belly"
    amount = parse_cronometer_amount("100.00 g")
    choice = choose_by_profile("Pork belly", [BELLY, GROUND], amount, export_of(GROUND[0], 100.0))
    assert choice is not None
    assert not choice.switched and choice.ndb == BELLY[0]


def test_an_unweighed_serving_takes_the_weight_the_export_implies() -> None:
    # SR28 has no "mashed" cup of strawberries; the export's nutrients are those of two
    # pureed cups (232 g each in SR28), so the row weighs that, whatever measure was read
    amount = parse_cronometer_amount("2.00 cup, mashed")
    cup_grams = next(
        m.grams_per_unit for m in get_food(STRAWB[0]).measures if "pureed" in m.description
    )
    choice = choose_by_profile(
        "Strawberries", [STRAWB], amount, export_of(STRAWB[0], 2 * cup_grams)
    )
    assert choice is not None
    assert choice.serving.grams == pytest.approx(2 * cup_grams, rel=0.03)
    assert choice.scaled
    assert "implied by the export" in (choice.serving.note or "")


def test_a_weighed_serving_is_never_rescaled() -> None:
    amount = parse_cronometer_amount("100.00 g")
    choice = choose_by_profile("Strawberries", [STRAWB], amount, export_of(STRAWB[0], 160.0))
    assert choice is not None
    assert not choice.scaled and choice.serving.grams == pytest.approx(100.0)


def test_household_measure_scaled_to_the_export() -> None:
    amount = parse_cronometer_amount("1.00 cup, whole")
    measured = choose_by_profile("Strawberries", [STRAWB], amount, export_of(STRAWB[0], 144.0))
    assert measured is not None
    g = measured.serving.grams
    choice = choose_by_profile("Strawberries", [STRAWB], amount, export_of(STRAWB[0], 1.6 * g))
    assert choice is not None and choice.scaled
    assert choice.serving.grams == pytest.approx(1.6 * g, rel=0.03)


@settings(max_examples=40, deadline=None)
@given(mg=st.one_of(st.none(), st.floats(0, 5000, allow_nan=False)))
def test_magnesium_never_decides(mg: float | None) -> None:
    """The export's magnesium is the figure under test: it must not steer food or weight."""
    amount = parse_cronometer_amount("1.00 cup")
    base = export_of(RASP_RAW[0], 150.0)
    a = choose_by_profile("Raspberries, red", [RASP_SWEET, RASP_RAW], amount, base)
    b = choose_by_profile(
        "Raspberries, red", [RASP_SWEET, RASP_RAW], amount, {**base, "magnesium_mg": mg}
    )
    assert a is not None and b is not None
    assert (a.ndb, a.serving.grams, a.switched, a.scaled) == (
        b.ndb,
        b.serving.grams,
        b.switched,
        b.scaled,
    )


HEADER = [
    "Day",
    "Group",
    "Food Name",
    "Amount",
    "Energy (kcal)",
    "Water (g)",
    "Calcium (mg)",
    "Iron (mg)",
    "Magnesium (mg)",
    "Phosphorus (mg)",
    "Potassium (mg)",
    "Sodium (mg)",
    "Zinc (mg)",
    "Carbs (g)",
    "Fiber (g)",
    "Sugars (g)",
    "Fat (g)",
    "Protein (g)",
    "Category",
]
KEYS = {
    "Energy (kcal)": "energy_kcal",
    "Water (g)": "water_g",
    "Calcium (mg)": "calcium_mg",
    "Iron (mg)": "iron_mg",
    "Magnesium (mg)": "magnesium_mg",
    "Phosphorus (mg)": "phosphorus_mg",
    "Potassium (mg)": "potassium_mg",
    "Sodium (mg)": "sodium_mg",
    "Zinc (mg)": "zinc_mg",
    "Carbs (g)": "carbohydrate_g",
    "Fiber (g)": "fiber_g",
    "Sugars (g)": "sugars_g",
    "Fat (g)": "fat_g",
    "Protein (g)": "protein_g",
}


def _servings(rows: list[tuple[str, str, str, float]], tmp_path: Path) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    for name, amount, ndb, grams in rows:
        per100 = nutrients(ndb)
        vals = [
            "" if per100.get(k) is None else f"{per100[k] * grams / 100.0:.2f}"  # type: ignore[operator]
            for k in KEYS.values()
        ]
        w.writerow(["2026-11-02", "Lunch", name, amount, *vals, "Fruits and Fruit Juices"])
    p = tmp_path / "servings.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    return p


def test_reader_uses_the_profile_and_says_so(tmp_path: Path) -> None:
    # cups of mashed strawberries whose export weighs 1.5x the SR28 measure
    amount = parse_cronometer_amount("2.00 cup, mashed")
    measured = choose_by_profile("Strawberries", [STRAWB], amount, export_of(STRAWB[0], 50.0))
    assert measured is not None
    g = 1.5 * measured.serving.grams if not measured.scaled else 450.0
    path = _servings([("Strawberries, raw", "2.00 cup, mashed", STRAWB[0], g)], tmp_path)
    d = read_diary(path)
    assert not d.problems
    (check,) = d.checks
    assert check.food is not None and check.food.id == STRAWB[0]
    assert check.used == "sr28"
    assert check.grams == pytest.approx(g, rel=0.03)
    assert check.comparison is not None and check.comparison.agrees
    (entry,) = d.entries
    assert entry.parsed is not None
    assert any("implied by the export" in n for n in entry.parsed.notes)
