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


def test_data_file_error_is_in_the_tree(tmp_path) -> None:
    """A broken data file raises DataFileError: a DataError (MagnerveError, ValueError), not an
    input or model error; the old import path from ``magnerve._sections`` keeps working."""
    import pickle
    import shutil
    from importlib import resources
    from pathlib import Path

    from magnerve._sections import DataFileError as FromSections
    from magnerve.errors import DataError, DataFileError
    from magnerve.registry import Registry

    assert FromSections is DataFileError
    assert issubclass(DataFileError, DataError) and issubclass(DataError, MagnerveError)
    assert issubclass(DataError, ValueError)
    assert not issubclass(DataError, InputError | ModelError | ReferenceDataError)
    src = Path(str(resources.files("magnerve.data"))) / "energy.toml"
    text = src.read_text("utf-8").replace("pal = 1.55", 'pal = "high"', 1)
    (tmp_path / "energy.toml").write_text(text, "utf-8")
    shutil.copy(src.with_name("bounds.toml"), tmp_path / "bounds.toml")
    with pytest.raises(DataError) as ei:
        Registry(tmp_path).section("energy")
    e = ei.value
    assert isinstance(e, DataFileError) and (e.file, e.path) == ("energy.toml", "goldberg.pal")
    d = e.to_dict()
    assert d["type"] == "DataFileError" and d["file"] == "energy.toml"
    assert d["path"] == "goldberg.pal" and "expected a number" in d["message"]
    again = pickle.loads(pickle.dumps(e))
    assert (again.file, again.path, again.problem, str(again)) == (
        e.file,
        e.path,
        e.problem,
        str(e),
    )
