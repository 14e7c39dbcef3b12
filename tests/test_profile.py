"""Profiles: the example loads; every bad field is reported with its path."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hypothesis_profiles import examples
from magnerve.profile import (
    ProfileError,
    load_profile,
    medication_classes,
    parse_lab,
    parse_profile,
    water_hardness_mg_l,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "profile_t2d.toml"


def test_example_profile():
    p = load_profile(EXAMPLE)
    assert p.person.age == 58 and p.person.sex == "male"
    assert p.medication_classes() == {"ppi", "thiazide_diuretic"}
    mg, how = p.water.magnesium()
    # 40 mg/L CaCO3 = 0.3997 mmol/L hardness; 30 % magnesium -> 0.1199 mmol/L x 24.305
    assert mg == pytest.approx(40 / 100.086 * 0.3 * 24.305)
    assert "calcium share" in how
    assert p.labs.value("serum_magnesium") == pytest.approx(0.78)
    assert p.labs.value("vitamin_d_25oh") == pytest.approx(22 * 2.496)


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("0.8 mmol/L", "serum_magnesium", 0.8),
        ("1.94 mg/dL", "serum_magnesium", 1.94 / 2.4305),
        ("1.6 mEq/L", "serum_magnesium", 0.8),
        ("30 ng/mL", "vitamin_d_25oh", 74.88),
        ("88.4 µmol/L", "creatinine", 88.4 * 0.011312),
        ("3 mmol/24h", "urine_magnesium_24h", 72.915),
        ("8 °dH", "hardness", 142.784),
        ("15 °fH", "hardness", 150.0),
        ("9 gpg", "hardness", 154.062),
        ("150 mg/L CaCO3", "hardness", 150.0),
    ],
)
def test_units(text, kind, value):
    assert parse_lab(text, kind) == pytest.approx(value, rel=1e-4)


def test_unknown_unit_lists_accepted():
    with pytest.raises(ValueError, match="use one of"):
        water_hardness_mg_l("8 bananas")


def test_medications():
    classes, unknown = medication_classes(["Furosemide", "omeprazole 20 mg", "ppi", "aspirinx"])
    assert classes == {"Furosemide": "loop_diuretic", "omeprazole 20 mg": "ppi", "ppi": "ppi"}
    assert unknown == ["aspirinx"]


def test_every_bad_field_is_reported():
    with pytest.raises(ProfileError) as ei:
        parse_profile(
            {
                "person": {"age": -3, "sex": "x", "agee": 3},
                "health": {"medications": ["aspirinx"], "diabetes": "type3"},
                "water": {"hardness": "8 bananas", "source": "river"},
                "labs": {"serum_magnesium": "0.8 furlongs"},
                "supplements": [{"name": "Mg", "times_per_day": 0}],
            }
        )
    paths = [p for p, _ in ei.value.errors]
    for want in (
        "person.age",
        "person.sex",
        "person.agee",
        "health.medications",
        "health.diabetes",
        "water.hardness",
        "water.source",
        "labs.serum_magnesium",  # the field itself (was "labs" before issue 11)
        "supplements.0.times_per_day",
    ):
        assert want in paths, (want, paths)
    assert "unknown key" in dict(ei.value.errors)["person.agee"]


def test_life_stage_rules():
    with pytest.raises(ProfileError, match="female"):
        parse_profile({"person": {"age": 30, "sex": "male", "pregnant": True}})


def test_file_errors(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text("[person\nage = 3")
    with pytest.raises(ProfileError, match="TOML error"):
        load_profile(bad)
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(tmp_path / "missing.toml")
    j = tmp_path / "p.json"
    j.write_text('{"person": {"age": 40, "sex": "female"}}')
    assert load_profile(j).person.age == 40


@settings(max_examples=examples(150), deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["person", "health", "water", "labs", "lifestyle", "junk"]),
        st.one_of(
            st.none(),
            st.integers(),
            st.text(max_size=5),
            st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=6))),
        ),
    )
)
def test_random_profiles_never_crash(data):
    try:
        parse_profile(data)
    except ProfileError as e:
        assert e.errors and all(p and m for p, m in e.errors)
