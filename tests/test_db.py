"""The embedded SR28 database: counts, foods, measures, nutrients, missing values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from magnerve.foods import (
    FoodNotFoundError,
    Measure,
    get_food,
    load_database,
    nutrients,
)

# Published SR28 values per 100 g (USDA SR28 NUT_DATA), cross-checked against the
# embedded SQLite file by test_hard_coded_values_match_sqlite below.
SR28_VALUES = {
    # Nuts, almonds
    ("12061", "304"): 270.0,  # magnesium, mg
    ("12061", "301"): 269.0,  # calcium, mg
    ("12061", "309"): 3.12,  # zinc, mg
    ("12061", "303"): 3.71,  # iron, mg
    ("12061", "306"): 733.0,  # potassium, mg
    ("12061", "208"): 579.0,  # energy, kcal
    ("12061", "203"): 21.15,  # protein, g
    # Bananas, raw
    ("09040", "304"): 27.0,
    ("09040", "301"): 5.0,
    ("09040", "306"): 358.0,
    ("09040", "208"): 89.0,
    # Spinach, cooked, boiled, drained, without salt
    ("11458", "304"): 87.0,
    ("11458", "301"): 136.0,
    # Milk, whole, 3.25% milkfat, with added vitamin D
    ("01077", "301"): 113.0,
    ("01077", "304"): 10.0,
    ("01077", "328"): 1.3,  # vitamin D (D2 + D3), ug
    ("01077", "324"): 51.0,  # vitamin D, IU
}
KEY_OF = {
    "304": "magnesium_mg",
    "301": "calcium_mg",
    "309": "zinc_mg",
    "303": "iron_mg",
    "306": "potassium_mg",
    "208": "energy_kcal",
    "203": "protein_g",
    "328": "vitamin_d_ug",
    "324": "vitamin_d_iu",
}


# -- counts -----------------------------------------------------------------------------


def test_food_count():
    assert len(load_database()) == 8789
    assert len(load_database().ids) == 8789


def test_nutrient_count():
    assert len(load_database().nutrients) == 150
    assert load_database().matrix.shape == (8789, 150)


def test_measure_count():
    db = load_database()
    assert sum(len(m) for m in db.measures.values()) == 15438


def test_food_group_count():
    db = load_database()
    assert len(set(db.group_codes)) == 25
    assert len(set(db.group_names)) == 25


def test_counts_match_sqlite(sr28_db):
    db = load_database()
    assert sr28_db.execute("SELECT count(*) FROM food").fetchone()[0] == len(db)
    assert sr28_db.execute("SELECT count(*) FROM nutrient").fetchone()[0] == len(db.nutrients)
    n_known = int((~np.isnan(db.matrix)).sum())
    meta = dict(sr28_db.execute("SELECT key, value FROM meta"))
    # SR28 NUT_DATA has 679,045 rows: exactly that many known cells
    assert n_known == int(meta["count_nutrient_rows"]) == 679045


def test_ids_are_five_digit_strings_and_unique():
    db = load_database()
    assert all(isinstance(i, str) and len(i) == 5 and i.isdigit() for i in db.ids)
    assert len(set(db.ids)) == len(db.ids)


def test_all_measures_match_sqlite_weight_table(sr28_db):
    db = load_database()
    expected: dict[str, list[tuple[int, float, str, float]]] = {}
    for ndb, seq, amount, desc, grams in sr28_db.execute(
        "SELECT ndb, seq, amount, description, grams FROM weight ORDER BY ndb, seq"
    ):
        expected.setdefault(ndb, []).append((seq, amount, desc, grams))
    got = {
        ndb: [(m.seq, m.amount, m.description, m.grams) for m in ms]
        for ndb, ms in db.measures.items()
    }
    assert got == expected


# -- values -----------------------------------------------------------------------------


def test_hard_coded_values_match_sqlite(sr28_raw):
    for (ndb, nutr_no), value in SR28_VALUES.items():
        assert sr28_raw.value(ndb, nutr_no) == pytest.approx(value), (ndb, nutr_no)


@pytest.mark.parametrize(("ndb", "nutr_no"), sorted(SR28_VALUES))
def test_nutrients_values(ndb, nutr_no):
    assert nutrients(ndb)[KEY_OF[nutr_no]] == pytest.approx(SR28_VALUES[(ndb, nutr_no)])


def test_nutrients_has_all_150_keys_with_friendly_and_generated_names():
    n = nutrients("12061")
    assert len(n) == 150
    assert "magnesium_mg" in n
    assert "vitamin_d_ug" in n and "vitamin_d_iu" in n
    # nutrients without a friendly key are named after their SR28 number
    # (e.g. 606 has a friendly key, 645 MUFA does not)
    assert "sr28_645" in n
    assert "sr28_304" not in n


def test_matrix_agrees_with_raw_sqlite_for_sample_foods(sr28_raw):
    db = load_database()
    for ndb in ("12061", "09040", "01008", "01188", "08147"):
        row = db.matrix[db.food_index(ndb)]
        for j, info in enumerate(db.nutrients):
            raw = sr28_raw.value(ndb, info.nutr_no)
            if raw is None:
                assert math.isnan(row[j]), (ndb, info.nutr_no)
            else:
                assert row[j] == raw, (ndb, info.nutr_no)


# -- missing is None, not zero ----------------------------------------------------------


def test_missing_vitamin_d_is_none(sr28_raw):
    # Cheese, caraway (01008): SR28 lists no vitamin D value at all
    assert sr28_raw.value("01008", "328") is None
    assert sr28_raw.value("01008", "324") is None
    n = nutrients("01008")
    assert n["vitamin_d_ug"] is None
    assert n["vitamin_d_iu"] is None
    # ... while its magnesium is known (22 mg/100 g)
    assert n["magnesium_mg"] == pytest.approx(22.0)


def test_missing_magnesium_is_none(sr28_raw):
    # KRAFT CHEEZ WHIZ (01188) has no magnesium value in SR28
    assert sr28_raw.value("01188", "304") is None
    n = nutrients("01188")
    assert n["magnesium_mg"] is None
    assert n["calcium_mg"] == pytest.approx(359.0)


def test_real_zero_stays_zero(sr28_raw):
    # Almonds: SR28 gives vitamin D as an analysed 0, which is not "unknown"
    assert sr28_raw.value("12061", "328") == 0.0
    v = nutrients("12061")["vitamin_d_ug"]
    assert v is not None
    assert v == 0.0


def test_get_food_nutrients_use_none_for_missing():
    assert get_food("01008").nutrients["vitamin_d_ug"] is None


# -- get_food ---------------------------------------------------------------------------


def test_get_food_almonds():
    f = get_food("12061")
    assert f.id == "12061"
    assert f.description == "Nuts, almonds"
    assert f.food_group == "Nut and Seed Products"
    assert f.manufacturer == ""
    assert len(f.measures) == 6
    assert all(isinstance(m, Measure) for m in f.measures)
    assert [m.description for m in f.measures] == [
        "cup, whole",
        "cup, sliced",
        "cup, slivered",
        "cup, ground",
        "oz (23 whole kernels)",
        "almond",
    ]
    assert [m.grams for m in f.measures] == [143.0, 92.0, 108.0, 95.0, 28.35, 1.2]
    assert f.nutrients["magnesium_mg"] == 270.0


def test_get_food_branded_has_manufacturer():
    f = get_food("08147")
    assert f.description == "Cereals ready-to-eat, POST, Shredded Wheat, original big biscuit"
    assert f.manufacturer == "Post Foods, LLC"
    assert f.food_group == "Breakfast Cereals"


def test_measure_grams_per_unit_and_label():
    (m,) = get_food("08147").measures
    assert m.amount == 2.0
    assert m.grams == 47.0
    assert m.grams_per_unit == pytest.approx(23.5)
    assert m.label() == "2 biscuits (1 NLEA serving) (47 g)"


def test_food_to_dict():
    d = get_food("09040").to_dict()
    assert d["id"] == "09040"
    assert d["description"] == "Bananas, raw"
    assert {"amount": 1.0, "description": 'medium (7" to 7-7/8" long)', "grams": 118.0} in d[
        "measures"
    ]
    assert d["nutrients_per_100g"]["magnesium_mg"] == {"value": 27.0, "unit": "mg"}
    assert d["nutrients_per_100g"]["vitamin_d_ug"]["unit"] == "ug"
    assert len(d["nutrients_per_100g"]) == 150


@pytest.mark.parametrize("ndb", ["9040", "09040", 9040, " 9040 "])
def test_leading_zeros_optional(ndb):
    f = get_food(ndb)
    assert f.id == "09040"
    assert f.description == "Bananas, raw"
    assert nutrients(ndb)["magnesium_mg"] == 27.0


def test_leading_zeros_same_food():
    assert get_food("9040") == get_food("09040")


@pytest.mark.parametrize("ndb", ["99999", "00000", "123456", "abc", ""])
def test_food_not_found(ndb):
    with pytest.raises(FoodNotFoundError):
        get_food(ndb)
    with pytest.raises(FoodNotFoundError):
        nutrients(ndb)


def test_food_not_found_message_and_type():
    with pytest.raises(FoodNotFoundError) as exc:
        get_food("99999")
    assert isinstance(exc.value, KeyError)
    assert str(exc.value) == "no SR28 food has NDB number '99999'"


# -- nutrient aliases -------------------------------------------------------------------


def test_nutrient_aliases_magnesium():
    db = load_database()
    pos = db.nutrient_position("magnesium_mg")
    assert pos == db.nutrient_position("304")
    assert pos == db.nutrient_position("MG")
    assert pos == db.nutrient_position("mg")
    assert pos == db.nutrient_position("sr28_304")
    assert pos == db.nutrient_position("  Magnesium_MG ")
    assert db.nutrients[pos].nutr_no == "304"
    assert db.nutrients[pos].units == "mg"


def test_nutrient_aliases_iron():
    db = load_database()
    assert db.nutrient_position("iron_mg") == db.nutrient_position("303")
    assert db.nutrient_position("303") == db.nutrient_position("FE")
    assert db.nutrients[db.nutrient_position("FE")].key == "iron_mg"


def test_vitamin_d_keys_are_distinct_and_ambiguous_tag_rejected():
    db = load_database()
    ug = db.nutrients[db.nutrient_position("vitamin_d_ug")]
    iu = db.nutrients[db.nutrient_position("vitamin_d_iu")]
    assert (ug.nutr_no, ug.units) == ("328", "ug")  # SR28 writes µg; magnerve says ug
    assert (iu.nutr_no, iu.units) == ("324", "IU")
    # both have the SR28 tagname VITD, so the tagname alone is ambiguous
    with pytest.raises(KeyError):
        db.nutrient_position("VITD")


def test_unknown_nutrient_error_lists_keys():
    with pytest.raises(KeyError) as exc:
        load_database().nutrient_position("unobtainium")
    msg = str(exc.value.args[0])
    assert "unobtainium" in msg
    assert "magnesium_mg" in msg


def test_default_nutrients_flagged():
    db = load_database()
    defaults = {n.key for n in db.nutrients if n.default}
    assert {
        "magnesium_mg",
        "calcium_mg",
        "zinc_mg",
        "vitamin_d_ug",
        "vitamin_d_iu",
        "energy_kcal",
    } <= defaults
    assert "iron_mg" not in defaults


def test_matrix_is_read_only():
    m = load_database().matrix
    with pytest.raises(ValueError):
        m[0, 0] = 1.0
