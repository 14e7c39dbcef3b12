"""Ranges of numeric inputs (issue 11): ``data/bounds.toml``, its checker and the profile
boundary that uses it."""

from __future__ import annotations

import json
import math
import typing
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from hypothesis_profiles import examples
from magnerve import _bounds
from magnerve.errors import InputError, OutOfRangeError
from magnerve.profile import (
    Health,
    Labs,
    Lifestyle,
    Person,
    ProfileError,
    Supplement,
    Water,
    load_profile,
    parse_profile,
)

ADULT = {"age": 40, "sex": "male"}


def _errors(data: dict[str, typing.Any]) -> dict[str, str]:
    with pytest.raises(ProfileError) as ei:
        parse_profile(data)
    return dict(ei.value.errors)


# -- the data file -----------------------------------------------------------------------------


def test_every_bound_is_sourced_and_well_formed() -> None:
    bs = _bounds.bounds()
    assert len(bs) >= 40
    for key, b in bs.items():
        assert b.key == key
        assert math.isfinite(b.min) and math.isfinite(b.max) and b.min < b.max, key
        assert b.unit and b.source and b.confidence, key
        if b.confidence == "sanity bound":
            assert "sanity bound" in b.source, key  # stated in the data, not implied
    lim = _bounds.limits("profile")
    assert {"max_bytes", "max_depth", "max_string_chars", "max_list_items", "source"} <= set(lim)


def test_same_as_resolves_to_the_same_range() -> None:
    a, b = _bounds.bound("cli.mds.egfr"), _bounds.bound("profile.health.egfr")
    assert (a.min, a.max, a.unit, a.source) == (b.min, b.max, b.unit, b.source)
    assert _bounds.bound("profile.labs.serum_creatinine").min == 0.1


def _types(t: object) -> set[object]:
    """The plain types in an annotation (Annotated and unions opened)."""
    if typing.get_origin(t) is typing.Annotated:
        return _types(typing.get_args(t)[0])
    args = typing.get_args(t)
    return set().union(*(_types(a) for a in args)) if args else {t}


def _numeric_fields(model: type[BaseModel]) -> list[str]:
    return [n for n, f in model.model_fields.items() if _types(f.annotation) & {float, int}]


@pytest.mark.parametrize(
    ("section", "model"),
    [
        ("person", Person),
        ("health", Health),
        ("lifestyle", Lifestyle),
        ("water", Water),
        ("labs", Labs),
        ("supplements", Supplement),
    ],
)
def test_every_numeric_profile_field_has_a_range(section: str, model: type[BaseModel]) -> None:
    fields = _numeric_fields(model)
    assert fields, model
    for name in fields:
        assert f"profile.{section}.{name}" in _bounds.bounds(), (section, name)


# -- the checker -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, True, False, "3", None, 10**400])
def test_check_refuses_non_numbers_and_non_finite(bad: object) -> None:
    with pytest.raises(OutOfRangeError) as ei:
        _bounds.check("profile.person.age", bad)
    assert ei.value.key == "profile.person.age"
    assert isinstance(ei.value, InputError)


@settings(max_examples=examples(300), deadline=None)
@given(
    st.sampled_from(sorted(_bounds.bounds())),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
)
def test_check_accepts_exactly_the_range(key: str, x: float) -> None:
    b = _bounds.bound(key)
    inside = math.isfinite(x) and (x > b.min if b.min_exclusive else x >= b.min) and x <= b.max
    if inside:
        assert _bounds.check(key, x) == x
    else:
        with pytest.raises(OutOfRangeError, match=r"must be a finite number|outside"):
            _bounds.check(key, x)


def test_message_names_range_unit_and_kind() -> None:
    with pytest.raises(OutOfRangeError) as ei:
        _bounds.check("profile.labs.serum_magnesium", 50.0, "serum magnesium", given="50 mmol/L")
    msg = str(ei.value)
    assert "50 mmol/L" in msg and "at most 10 mmol/L" in msg and "sanity bound" in msg


# -- the implausible profiles ------------------------------------------------------


def test_serum_magnesium_50_mmol_l_is_refused() -> None:
    errs = _errors({"person": ADULT, "labs": {"serum_magnesium": "50 mmol/L"}})
    assert "outside" in errs["labs.serum_magnesium"]
    # a normal value, in another unit, passes
    p = parse_profile({"person": ADULT, "labs": {"serum_magnesium": "2.0 mg/dL"}})
    assert p.labs.value("serum_magnesium") == pytest.approx(0.823, abs=1e-3)


def test_water_hardness_999999_is_refused_and_negative_too() -> None:
    for h in ("999999 mg/L CaCO3", "-5 mg/L CaCO3"):
        errs = _errors({"person": ADULT, "water": {"hardness": h, "calcium_share": 0.5}})
        assert "outside" in errs["water.hardness"], h
    errs = _errors({"person": ADULT, "water": {"hardness": "1,000 mg/L CaCO3"}})
    assert "ambiguous" in errs["water.hardness"]
    ok = parse_profile({"person": ADULT, "water": {"hardness": "0,5 mmol/L"}})
    assert ok.water.hardness == "0,5 mmol/L"


@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_not_numbers(value: bool) -> None:
    errs = _errors({"person": {"age": value, "sex": "female"}})
    assert "expected a number" in errs["person.age"]
    errs = _errors({"person": ADULT, "lifestyle": {"stress_pss10": value}})
    assert "lifestyle.stress_pss10" in errs
    errs = _errors({"person": ADULT, "labs": {"serum_magnesium": value}})
    assert "labs.serum_magnesium" in errs


def test_creatinine_in_micromol_is_refused_or_converted() -> None:
    errs = _errors({"person": ADULT, "labs": {"serum_creatinine": "1.1 µmol/L"}})
    assert "0.01244 mg/dL" in errs["labs.serum_creatinine"]
    # the same number in mg/dL or a real µmol/L value works, and the eGFR stays in bounds
    from magnerve.clinical import egfr_ckd_epi_2021

    p = parse_profile({"person": ADULT, "labs": {"serum_creatinine": "97 µmol/L"}})
    scr = p.labs.value("serum_creatinine")
    assert scr == pytest.approx(1.097, abs=1e-3)
    assert _bounds.bound("profile.health.egfr").contains(egfr_ckd_epi_2021(scr, 40, "male"))
    # a bare µmol/L number in the mg/dL field
    errs = _errors({"person": ADULT, "health": {"serum_creatinine_mg_dl": 97}})
    assert "outside" in errs["health.serum_creatinine_mg_dl"]
    errs = _errors({"person": ADULT, "labs": {"serum_creatinine": 97}})
    assert "bare number is read as mg/dL" in errs["labs.serum_creatinine"]


def test_egfr_from_creatinine_is_kept_within_the_egfr_bound(monkeypatch) -> None:
    """The cross-field check catches what the creatinine range alone would let through."""
    key = "profile.health.serum_creatinine_mg_dl"
    loose = replace(_bounds.bound(key), min=0.001)
    monkeypatch.setitem(_bounds.bounds(), key, loose)
    errs = _errors({"person": ADULT, "health": {"serum_creatinine_mg_dl": 0.0124}})
    assert "gives an eGFR of" in errs["health.serum_creatinine_mg_dl"]
    # not for a child: CKD-EPI is not computed for children (assessment rule)
    parse_profile({"person": {"age": 2, "sex": "male"}, "health": {"serum_creatinine_mg_dl": 0.05}})


def test_pregnant_at_55_is_refused_at_the_profile() -> None:
    errs = _errors({"person": {"age": 55, "sex": "female", "pregnant": True}})
    assert "14 to under 51" in errs["person.pregnant"]
    errs = _errors({"person": {"age": 9, "sex": "female", "lactating": True}})
    assert "person.lactating" in errs
    parse_profile({"person": {"age": 50, "sex": "female", "pregnant": True}})


def test_mnsi_items_out_of_range_are_refused_at_the_profile() -> None:
    errs = _errors({"person": ADULT, "neuropathy": {"mnsi_exam": {"ankle_reflex_right": 7}}})
    assert "right" in errs["neuropathy.mnsi_exam"]
    errs = _errors(
        {"person": ADULT, "neuropathy": {"mnsi_exam": {"right": {"appearance": "purple"}}}}
    )
    assert "not one of" in errs["neuropathy.mnsi_exam"]
    errs = _errors({"person": ADULT, "neuropathy": {"mnsi_history": {"q16": True}}})
    assert "items are 1-15" in errs["neuropathy.mnsi_history"]


def test_salt_without_a_known_form_is_refused_at_the_profile() -> None:
    errs = _errors({"person": ADULT, "supplements": [{"name": "x", "salt_mg": 500}]})
    assert "known form" in errs["supplements.0"]
    errs = _errors(
        {"person": ADULT, "supplements": [{"name": "x", "salt_mg": 500, "form": "oxide",
                                           "hydrate": "decahydrate"}]}
    )  # fmt: skip
    assert "unknown hydrate" in errs["supplements.0"]


def test_60_g_a_day_of_supplemental_magnesium_is_refused() -> None:
    sup = {"name": "Mg", "elemental_mg": 5000, "times_per_day": 12}
    errs = _errors({"person": ADULT, "supplements": [sup]})
    assert "60,000 mg of magnesium a day" in errs["supplements"]
    # salt doses count by their elemental share: 20 g oxide x 2 = 24 g elemental
    sup = {"name": "MgO", "salt_mg": 20000, "form": "oxide", "times_per_day": 2}
    assert "supplements" in _errors({"person": ADULT, "supplements": [sup]})
    cap = _bounds.bound("profile.supplements_magnesium_mg_per_day").max
    ok = {"name": "Mg", "elemental_mg": cap / 2, "times_per_day": 2}
    parse_profile({"person": ADULT, "supplements": [ok]})


def test_high_supplement_doses_are_rated_by_size(demo) -> None:
    """Above the UL: moderate; at the toxicity level in bounds.toml: urgent."""
    from magnerve.assessment import assess

    diary, base = demo
    data = base.model_dump()
    toxic = _bounds.bound("profile.supplements_magnesium_mg_per_day").flag_at
    assert toxic == 5000
    severities = {}
    for mg in (500.0, toxic):
        data["supplements"] = [{"name": "Mg", "elemental_mg": mg, "times_per_day": 1}]
        found = {f.id: f for f in assess(diary, parse_profile(data)).findings}
        severities[mg] = found["supplement_above_ul"].severity
    assert severities == {500.0: "moderate", toxic: "urgent"}


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_json_numbers_never_pass(tmp_path, literal: str) -> None:
    p = tmp_path / "p.json"
    p.write_text('{"person": {"age": 40, "sex": "male", "weight_kg": ' + literal + "}}")
    with pytest.raises(ProfileError) as ei:
        load_profile(p)
    assert "person.weight_kg" in dict(ei.value.errors)


# -- resource limits ---------------------------------------------------------------------------


def test_profile_size_limits(tmp_path) -> None:
    lim = _bounds.limits("profile")
    deep = tmp_path / "deep.json"
    deep.write_text('{"person": ' + "[" * 5000 + "]" * 5000 + "}")
    with pytest.raises(ProfileError, match="nested"):
        load_profile(deep)
    deep_toml = tmp_path / "deep.toml"
    deep_toml.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ProfileError, match="nested"):
        load_profile(deep_toml)
    big = tmp_path / "big.toml"
    big.write_text("# x\n" * (lim["max_bytes"] // 4 + 1))
    with pytest.raises(ProfileError, match="at most"):
        load_profile(big)
    long_name = {"person": ADULT, "supplements": [{"name": "x" * (lim["max_string_chars"] + 1)}]}
    assert "longer than" in _errors(long_name)["supplements.0.name"]
    many = {"person": ADULT, "health": {"conditions": ["a"] * (lim["max_list_items"] + 1)}}
    assert "more than" in _errors(many)["health.conditions"]
    digits = tmp_path / "digits.json"
    digits.write_text('{"person": {"age": ' + "9" * 5000 + ', "sex": "male"}}')
    with pytest.raises(ProfileError, match="unreadable value"):
        load_profile(digits)


def test_binary_and_duplicate_key_profiles(tmp_path) -> None:
    b = tmp_path / "b.toml"
    b.write_bytes(b"[person]\nage = 4\x00\xff\xfe")
    with pytest.raises(ProfileError, match="UTF-8"):
        load_profile(b)
    dup = tmp_path / "d.json"
    dup.write_text(json.dumps({"person": ADULT})[:-1] + ', "person": {"age": 3}}')
    with pytest.raises(ProfileError, match="given twice"):
        load_profile(dup)
