"""The exception tree (issue 10): one root, input errors with locations, old bases kept."""

from __future__ import annotations

import pytest

from magnerve import read_diary_text
from magnerve.diary import DiaryError
from magnerve.errors import InputError, MagnerveError, ModelError, ReferenceDataError
from magnerve.plan import PlanError
from magnerve.profile import ProfileError, parse_profile
from magnerve.report import PDFUnavailableError
from magnerve.requirements import RequirementError


def test_tree() -> None:
    for cls in (DiaryError, ProfileError, PlanError):
        assert issubclass(cls, InputError) and issubclass(cls, ValueError)
    assert issubclass(InputError, MagnerveError)
    assert issubclass(RequirementError, ReferenceDataError)
    assert issubclass(PDFUnavailableError, ModelError)
    assert issubclass(ModelError, RuntimeError)


def test_profile_error_carries_field_paths() -> None:
    with pytest.raises(ProfileError) as ei:
        parse_profile({"person": {"age": -1, "sex": "female"}})
    e = ei.value
    assert e.loc[:2] == ("person", "age")
    d = e.to_dict()
    assert d["type"] == "ProfileError" and d["errors"][0]["loc"][:2] == ["person", "age"]


def test_diary_error_carries_line_numbers() -> None:
    d = read_diary_text("date,food,amount,unit\n2026-11-16,almonds,30,g\n2026-11-16,,1,cup\n")
    with pytest.raises(DiaryError) as ei:
        d.raise_for_problems()
    assert ei.value.line == 3
    assert ei.value.to_dict()["problems"][0]["line"] == 3


def test_one_sex_type_and_spelling() -> None:
    from magnerve._sex import normalise_sex
    from magnerve.clinical import egfr_ckd_epi_2021
    from magnerve.requirements import reference_intake

    for s in ("F", " woman ", "female"):
        assert normalise_sex(s) == "female"
        assert reference_intake("magnesium", age=40, sex=s).ear == 265
        assert egfr_ckd_epi_2021(1.0, 50, s) == egfr_ckd_epi_2021(1.0, 50, "female")
    with pytest.raises(ValueError):
        normalise_sex("x")
    with pytest.raises(RequirementError):
        reference_intake("magnesium", age=40, sex="x")


def test_issue_11_errors_are_input_errors() -> None:
    from magnerve import _bounds
    from magnerve.errors import OutOfRangeError, OutputPathError

    assert issubclass(OutOfRangeError, InputError) and issubclass(OutputPathError, InputError)
    with pytest.raises(OutOfRangeError) as ei:
        _bounds.check("profile.person.age", 131, loc=("person", "age"))
    d = ei.value.to_dict()
    assert d["type"] == "OutOfRangeError" and d["loc"] == ["person", "age"]
    assert d["key"] == "profile.person.age" and "130 years" in d["message"]


def test_profile_range_errors_keep_their_field_path() -> None:
    with pytest.raises(ProfileError) as ei:
        parse_profile({"person": {"age": 40, "sex": "male"}, "labs": {"serum_magnesium": 50}})
    assert ei.value.loc == ("labs", "serum_magnesium")
    assert ei.value.to_dict()["errors"][0]["loc"] == ["labs", "serum_magnesium"]
