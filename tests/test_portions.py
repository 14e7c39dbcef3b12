"""Amounts ("1 1/2", "½", "two") and portions (unit -> grams of a given SR28 food)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hypothesis_profiles import examples
from magnerve.foods import AmountError, FoodNotFoundError, PortionError, parse_amount, to_grams
from magnerve.foods._units import lookup_unit

CUP_ML = 236.5882365  # US cup, NIST Handbook 44
TBSP_ML = 14.78676478125
TSP_ML = 4.92892159375
OZ_G = 28.349523125  # avoirdupois ounce
LB_G = 453.59237

# -- parse_amount -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "rest"),
    [
        ("1", 1.0, ""),
        ("0.25", 0.25, ""),
        (".5", 0.5, ""),
        ("0,5", 0.5, ""),
        ("1/2", 0.5, ""),
        ("3/2", 1.5, ""),
        ("1 1/2", 1.5, ""),
        ("1 2/3", 5 / 3, ""),
        ("1+1/2", 1.5, ""),
        ("½", 0.5, ""),
        ("¼", 0.25, ""),
        ("¾", 0.75, ""),
        ("⅓", 1 / 3, ""),
        ("1½", 1.5, ""),
        ("2¼", 2.25, ""),
        ("1 ½", 1.5, ""),
        ("a", 1.0, ""),
        ("an apple", 1.0, "apple"),
        ("half a", 0.5, ""),
        ("half a cup of rice", 0.5, "cup of rice"),
        ("a half cup", 0.5, "cup"),
        ("two", 2.0, ""),
        ("Three eggs", 3.0, "eggs"),
        ("a dozen eggs", 12.0, "eggs"),
        ("30g almonds", 30.0, "g almonds"),
        ("30 g almonds", 30.0, "g almonds"),
        ("1/2cup", 0.5, "cup"),
        ("  2  slices bread ", 2.0, "slices bread"),
        ("007", 7.0, ""),
    ],
)
def test_parse_amount(text, value, rest):
    got_value, got_rest = parse_amount(text)
    assert got_value == pytest.approx(value, rel=1e-12)
    assert got_rest == rest


@pytest.mark.parametrize("text", ["banana", "", "   ", "cup of tea"])
def test_parse_amount_none(text):
    assert parse_amount(text) == (None, text.strip())


def test_parse_amount_hyphenated_mixed_number():
    assert parse_amount("1-1/2") == (1.5, "")


@pytest.mark.parametrize(
    "text", ["2-3", "2-3 slices", "2 - 3 slices", "2–3", "2 to 3", "1.5-2 cups"]
)
def test_parse_amount_range_raises(text):
    with pytest.raises(AmountError, match="range"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["0", "0 g almonds", "0.0", "0/5", "0.000"])
def test_parse_amount_zero_raises(text):
    with pytest.raises(AmountError, match="more than zero"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["1/0", "1/0 cup", "1 1/0"])
def test_parse_amount_division_by_zero_raises(text):
    with pytest.raises(AmountError, match="division by zero"):
        parse_amount(text)


def test_amount_error_is_value_error():
    assert issubclass(AmountError, ValueError)


def test_parse_amount_negative_raises():
    with pytest.raises(AmountError):
        parse_amount("-1 cup")


@settings(max_examples=examples(50), deadline=None)
@given(
    w=st.integers(min_value=0, max_value=10_000),
    n=st.integers(min_value=1, max_value=999),
    extra=st.integers(min_value=1, max_value=999),
    sep=st.sampled_from([" ", "  ", " + "]),
    tail=st.sampled_from(["", "cup", "cups oats", "tbsp olive oil"]),
)
def test_mixed_number_property(w, n, extra, sep, tail):
    d = n + extra  # d > n: a proper fraction
    value, rest = parse_amount(f"{w}{sep}{n}/{d} {tail}")
    assert value == float(w + Fraction(n, d))
    assert value == pytest.approx(w + n / d, rel=1e-12)
    assert rest == tail


@settings(max_examples=examples(50), deadline=None)
@given(
    x=st.decimals(
        min_value=Decimal("0.001"),
        max_value=Decimal("100000"),
        places=3,
        allow_nan=False,
        allow_infinity=False,
    ),
    ndigits=st.integers(min_value=0, max_value=3),
    tail=st.sampled_from(["", "g almonds", "ml whole milk"]),
)
def test_decimal_round_trip_property(x, ndigits, tail):
    x = round(x, ndigits)
    if x <= 0:
        return
    text = f"{x:.{ndigits}f}"
    value, rest = parse_amount(f"{text} {tail}")
    assert value == float(Decimal(text))
    assert rest == tail


@settings(max_examples=examples(50), deadline=None)
@given(st.text(max_size=30))
def test_parse_amount_never_crashes(text):
    try:
        value, rest = parse_amount(text)
    except AmountError:
        return
    assert value is None or value > 0
    assert isinstance(rest, str)
    if value is None:
        assert rest == text.strip()


# -- units ------------------------------------------------------------------------------


def test_unit_factors_follow_us_customary_definitions():
    cup = lookup_unit("cup")
    tbsp = lookup_unit("tbsp")
    tsp = lookup_unit("tsp")
    floz = lookup_unit("fl oz")
    assert cup is not None and tbsp is not None and tsp is not None and floz is not None
    assert cup.factor == pytest.approx(CUP_ML, rel=1e-12)
    assert cup.factor == pytest.approx(16 * tbsp.factor, rel=1e-12)
    assert tbsp.factor == pytest.approx(3 * tsp.factor, rel=1e-12)
    assert floz.factor == pytest.approx(2 * tbsp.factor, rel=1e-12)
    assert lookup_unit("pint").factor == pytest.approx(2 * cup.factor, rel=1e-12)
    assert lookup_unit("quart").factor == pytest.approx(4 * cup.factor, rel=1e-12)
    assert lookup_unit("gallon").factor == pytest.approx(16 * cup.factor, rel=1e-12)
    assert lookup_unit("lb").factor == pytest.approx(16 * lookup_unit("oz").factor, rel=1e-12)
    # 1 gallon = 231 cubic inches exactly
    assert lookup_unit("gallon").factor == pytest.approx(
        231 * lookup_unit("cubic inch").factor, rel=1e-12
    )


@pytest.mark.parametrize(
    ("spelling", "name", "kind"),
    [
        ("Tablespoons", "tbsp", "volume"),
        ("T", "tbsp", "volume"),
        ("t", "tsp", "volume"),
        ("teaspoon", "tsp", "volume"),
        ("fluid ounces", "fl oz", "volume"),
        ("fl  oz", "fl oz", "volume"),
        ("Grams", "g", "mass"),
        ("ounces", "oz", "mass"),
        ("lbs", "lb", "mass"),
        ("mcg", "ug", "mass"),
        ("litre", "l", "volume"),
    ],
)
def test_unit_spellings(spelling, name, kind):
    u = lookup_unit(spelling)
    assert u is not None
    assert (u.name, u.kind) == (name, kind)


@pytest.mark.parametrize("spelling", ["bucket", "medium", "slice", ""])
def test_not_units(spelling):
    assert lookup_unit(spelling) is None


# -- to_grams: mass ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "unit", "grams"),
    [
        (1, "oz", OZ_G),
        (2, "ounces", 2 * OZ_G),
        (1, "lb", LB_G),
        (0.5, "pound", 0.5 * LB_G),
        (1.5, "kg", 1500.0),
        (500, "mg", 0.5),
        (30, "g", 30.0),
        (30, "grams", 30.0),
        (1, "oz (23 whole kernels)", OZ_G),  # the unit part of an SR28 measure
    ],
)
def test_to_grams_mass_units_exact(amount, unit, grams):
    p = to_grams("12061", amount, unit)
    assert p.grams == pytest.approx(grams, rel=1e-12)
    assert p.exact is True
    assert p.measure is None
    assert p.note is None


def test_mass_unit_does_not_use_food_measure():
    # almonds have an "oz (23 whole kernels)" measure of 28.35 g; mass units stay exact
    assert to_grams("12061", 1, "oz").grams == OZ_G
    assert to_grams("12061", 1, "oz").unit == "oz"


# -- to_grams: volume -------------------------------------------------------------------


def test_volume_whole_milk_ml_via_cup_measure():
    # 01077 whole milk: 1 cup = 244 g in SR28
    p = to_grams("01077", 250, "ml")
    assert p.grams == pytest.approx(250 / CUP_ML * 244.0, rel=1e-9)
    assert p.grams == pytest.approx(257.83, abs=0.01)
    assert p.exact is False
    assert p.measure is not None and p.measure.description == "cup"
    assert p.note is not None and "cup" in p.note


def test_volume_whole_milk_own_measures_exact():
    assert to_grams("01077", 1, "cup").grams == 244.0
    assert to_grams("01077", 1, "cup").exact is True
    assert to_grams("01077", 1, "fl oz").grams == 30.5
    assert to_grams("01077", 2, "tbsp").grams == pytest.approx(30.0)
    assert to_grams("01077", 1, "quart").grams == 976.0


def test_volume_pint_converted_through_cup():
    p = to_grams("01077", 1, "pint")
    assert p.grams == pytest.approx(488.0)
    assert p.exact is False


def test_volume_olive_oil():
    # 04053 olive oil: 1 tablespoon = 13.5 g, 1 tsp = 4.5 g, 1 cup = 216 g
    assert to_grams("04053", 1, "tbsp").grams == 13.5
    assert to_grams("04053", 1, "tablespoon").grams == 13.5
    assert to_grams("04053", 1, "T").grams == 13.5
    assert to_grams("04053", 1, "t").grams == 4.5
    assert to_grams("04053", 2, "tsp").grams == pytest.approx(9.0)
    assert to_grams("04053", 0.5, "cup").grams == pytest.approx(108.0)
    assert to_grams("04053", 10, "ml").grams == pytest.approx(10 / TBSP_ML * 13.5, rel=1e-9)


def test_volume_measure_chosen_by_context():
    # almonds: cup, whole 143 g / sliced 92 g / slivered 108 g / ground 95 g
    assert to_grams("12061", 1, "cup", context="1 cup sliced almonds").grams == pytest.approx(92)
    assert to_grams("12061", 1, "cup", context="slivered almonds").grams == pytest.approx(108)
    p = to_grams("12061", 1, "cup")
    assert p.grams == pytest.approx(143.0)
    assert p.note is not None and "sliced" in p.note  # other weights are mentioned


def test_volume_without_volume_measure_raises():
    # Cheese, gouda (01022): only "oz" and "package (7 oz)" measures
    with pytest.raises(PortionError) as exc:
        to_grams("01022", 1, "cup")
    e = exc.value
    assert e.measures == ["1 oz (28.35 g)", "1 package (7 oz) (198 g)"]
    msg = str(e)
    assert "Cheese, gouda" in msg
    assert "'cup'" in msg
    assert "package (7 oz)" in msg
    assert "28.35 g" in msg


def test_portion_error_is_value_error():
    assert issubclass(PortionError, ValueError)


# -- to_grams: household words ----------------------------------------------------------


def test_household_medium_banana():
    p = to_grams("09040", 1, "medium")
    assert p.grams == 118.0
    assert p.unit == "medium"
    assert p.exact is True
    assert p.measure is not None and p.measure.description.startswith("medium")


@pytest.mark.parametrize(
    ("word", "grams"),
    [
        pytest.param("small", 101.0),
        ("medium", 118.0),
        ("large", 136.0),
        ("extra large", 152.0),
        ("extra small", 81.0),
    ],
)
def test_household_banana_sizes(word, grams):
    assert to_grams("09040", 1, word).grams == grams


def test_household_count_words():
    assert to_grams("12061", 10, "almond").grams == pytest.approx(12.0)
    assert to_grams("12061", 10, "almonds").grams == pytest.approx(12.0)
    assert to_grams("01022", 1, "package").grams == 198.0


def test_household_word_from_context():
    # "2 large shredded wheat biscuits": 'large' is not a measure of 08147, 'biscuit' is
    p = to_grams("08147", 2, "large", context="2 large shredded wheat biscuits")
    assert p.grams == pytest.approx(47.0)
    assert p.exact is False
    assert p.note is not None


def test_unknown_household_word_raises():
    with pytest.raises(PortionError) as exc:
        to_grams("09040", 1, "bucket")
    assert "bucket" in str(exc.value)
    assert len(exc.value.measures) == 8
    assert '1 medium (7" to 7-7/8" long) (118 g)' in exc.value.measures


def test_no_unit_assumes_medium_with_note():
    p = to_grams("09040", 2, None)
    assert p.grams == pytest.approx(236.0)
    assert p.unit == "medium"
    assert p.exact is False
    assert p.note is not None
    assert "no unit given" in p.note and "medium" in p.note


def test_no_unit_and_no_countable_measure_raises():
    # boiled spinach only has "cup"
    with pytest.raises(PortionError, match="no unit given") as exc:
        to_grams("11458", 1, None)
    assert exc.value.measures == ["1 cup (180 g)"]


def test_to_grams_unknown_food():
    with pytest.raises(FoodNotFoundError):
        to_grams("99999", 1, "g")


def test_to_grams_accepts_ndb_without_leading_zero():
    assert to_grams("9040", 1, "medium").grams == 118.0


def test_household_words_without_an_sr28_measure_use_typical_amounts():
    from magnerve.foods import parse_line

    knob = parse_line("a knob of butter")
    assert knob.grams == pytest.approx(10.0)
    assert any("typical amount" in n for n in knob.notes)
    glass = parse_line("a glass of milk")  # 240 ml at milk's own SR28 density
    assert glass.grams == pytest.approx(240 * 244 / 236.5882365, rel=0.02)
    assert glass.confidence < 0.9
    assert parse_line("a handful of almonds").grams == pytest.approx(30.0)


def test_bare_name_takes_an_ordinary_measure_not_a_bunch() -> None:
    from magnerve.foods import parse_line

    assert 30 <= parse_line("broccoli").grams <= 200


def test_count_of_a_dish_sized_by_length_is_one_item() -> None:
    from magnerve.foods import parse_line

    assert parse_line("1 ham sandwich").grams > 100
