"""The fast paths of issue 10 give the results of the plain ones.

- :func:`magnerve.absorption.absorb_occasions` (arrays) against
  :func:`magnerve.absorption.absorb_occasion` (one occasion at a time), element by element;
- ``intake(..., by_meal=False)`` has the same days as ``intake(...)`` and no meals;
- the plausibility flags made inside ``intake`` equal the public ``plausibility_flags``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hypothesis_profiles import examples
from magnerve import absorption as ab
from magnerve.diary import read_diary, read_diary_text
from magnerve.intake import intake, plausibility_flags

ROOT = Path(__file__).resolve().parents[1]
WEEK = ROOT / "examples" / "diary_week.csv"

_mg = st.floats(min_value=0.0, max_value=3000.0, allow_nan=False)
_dose = st.builds(
    ab.Dose,
    st.floats(min_value=0.0, max_value=800.0, allow_nan=False),
    st.sampled_from([None, "citrate", "oxide", "glycinate"]),
    st.booleans(),
)


@st.composite
def _occasion(draw: st.DrawFn) -> ab.Occasion:
    food = draw(_mg)
    return ab.Occasion(
        "o",
        food_mg=food,
        water_mg=draw(st.sampled_from([0.0, 5.0]) | _mg),
        doses=tuple(draw(st.lists(_dose, max_size=2))) if draw(st.booleans()) else (),
        phytate_mg=draw(st.none() | st.just(0.0) | st.floats(min_value=0.0, max_value=5000.0)),
        is_meal=draw(st.booleans()),
        oxalate_food_mg=draw(st.floats(min_value=-10.0, max_value=food + 10.0)),
    )


@settings(max_examples=examples(200), deadline=None)
@given(
    st.lists(_occasion(), max_size=12),
    st.none() | st.floats(min_value=10.0, max_value=500.0),
    st.none() | st.floats(min_value=0.1, max_value=1.0),
)
def test_absorb_occasions_equals_the_scalar_path(
    occs: list[ab.Occasion], km: float | None, ox: float | None
) -> None:
    batch = ab.absorb_occasions(occs, km=km, oxalate_factor=ox)
    flags: set[str] = set()
    for i, o in enumerate(occs):
        r = ab.absorb_occasion(o, km=km, oxalate_factor=ox)
        got = (
            batch.intake_mg[i],
            batch.absorbed_mg[i],
            batch.absorbed_food_mg[i],
            batch.absorbed_water_mg[i],
            batch.absorbed_supplement_mg[i],
        )
        want = (
            r.intake_mg,
            r.absorbed_mg,
            r.absorbed_food_mg,
            r.absorbed_water_mg,
            r.absorbed_supplement_mg,
        )
        assert got == want  # the same operations in the same order: equal, not close
        flags.update(r.flags)
    assert batch.flags == frozenset(flags)


def test_absorb_occasions_flags_and_errors() -> None:
    heavy = ab.Occasion("bran", food_mg=100.0, phytate_mg=1e5)
    res = ab.absorb_occasions([ab.Occasion("x", food_mg=50.0), heavy])
    assert res.absorbed_mg[1] < res.absorbed_mg[0] * 2  # phytate held at the measured dose
    assert any("phytate above the highest measured dose" in f for f in res.flags)
    with pytest.raises(ValueError, match="magnesium load"):
        ab.absorb_occasions([ab.Occasion("bad", food_mg=math.nan)])
    with pytest.raises(ValueError, match="phytate"):
        ab.absorb_occasions([ab.Occasion("bad", food_mg=10.0, phytate_mg=-1.0)])
    empty = ab.absorb_occasions([])
    assert empty.absorbed_mg.shape == (0,)


def test_intake_without_meals_has_the_same_days() -> None:
    d = read_diary(WEEK)
    full, days_only = intake(d), intake(d, by_meal=False)
    assert full.meals and days_only.meals == []
    assert [(day, [t.to_dict() for t in ts]) for day, ts in full.days] == [
        (day, [t.to_dict() for t in ts]) for day, ts in days_only.days
    ]
    assert full.plausibility == days_only.plausibility
    np.testing.assert_array_equal(full.values, days_only.values)


def test_flags_inside_intake_equal_the_public_function() -> None:
    text = (
        "date,meal,food,amount,unit\n"
        "2024-03-05,breakfast,2000 g almonds,,\n"  # portion, line and day energy flags
        "2024-03-05,lunch,1 medium banana,,\n"
        "2024-03-06,lunch,1 medium banana,,\n"  # a day far below the plausible energy
        "2024-03-04,dinner,30 g almonds,,\n"
    )
    d = read_diary_text(text)
    rep = intake(d)
    assert rep.plausibility == plausibility_flags(d.entries)
    kinds = [(f["kind"], f.get("line"), f.get("date")) for f in rep.plausibility]
    assert kinds[:2] == [("portion", 2, None), ("line_energy", 2, None)]
    assert [k for k in kinds if k[0] == "day_energy"] == [
        ("day_energy", None, "2024-03-04"),
        ("day_energy", None, "2024-03-05"),
        ("day_energy", None, "2024-03-06"),
    ]
