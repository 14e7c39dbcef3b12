"""Output schemas (issue 10): the JSON of assess, plan, intake, analysis, parse, foods search
and errors is defined by the pydantic models of ``magnerve.schemas``; the published JSON
Schemas in docs/schema/ are what ``scripts/make_schemas.py`` writes now, and every golden
command's output, and the intake of random diaries, validates against them."""

from __future__ import annotations

import copy
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from hypothesis_profiles import examples
from magnerve.cli._fast import dumps_json
from magnerve.schemas import SCHEMAS, json_schema, schema_model, schema_text

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIR = ROOT / "docs" / "schema"
sys.path.insert(0, str(ROOT / "scripts"))
from make_golden import COMMANDS  # noqa: E402

#: golden command -> published schema of its output
GOLDEN_SCHEMA = {"assess": "assess", "demo": "assess", "plan": "plan", "intake": "intake"}


@pytest.fixture(autouse=True)
def _no_user_aliases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAGNERVE_CONFIG_DIR", str(tmp_path))


def _published(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMA_DIR / f"{name}.json").read_text("utf-8"))
    return data


def _validate(name: str, instance: Any) -> None:
    """Validate against the published file (jsonschema) and the model (pydantic)."""
    jsonschema.Draft202012Validator(_published(name)).validate(instance)
    schema_model(name).model_validate_json(json.dumps(instance))


def _cli(args: list[str]) -> Any:
    from magnerve.cli import app

    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def outputs() -> dict[str, Any]:
    """Raw (uncleaned) JSON of each golden command."""
    import os
    import tempfile

    os.environ.setdefault("MAGNERVE_CONFIG_DIR", tempfile.mkdtemp())
    return {name: _cli(args) for name, args in COMMANDS.items()}


# -- the published files ----------------------------------------------------------------------


def test_every_golden_command_has_a_schema() -> None:
    assert set(GOLDEN_SCHEMA) == set(COMMANDS)
    assert set(GOLDEN_SCHEMA.values()) <= set(SCHEMAS)


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_published_schema_is_current(name: str) -> None:
    path = SCHEMA_DIR / f"{name}.json"
    assert path.is_file(), f"run: python scripts/make_schemas.py ({path} missing)"
    assert path.read_text("utf-8") == schema_text(name), (
        f"{path} is out of date: run python scripts/make_schemas.py"
    )


def test_no_stray_schema_files() -> None:
    assert {p.stem for p in SCHEMA_DIR.glob("*.json")} == set(SCHEMAS)


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_published_schema_is_valid_json_schema(name: str) -> None:
    schema = _published(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_make_schemas_check_mode() -> None:
    from make_schemas import main

    assert main(["--check"]) == 0


# -- golden outputs validate ------------------------------------------------------------------


@pytest.mark.parametrize("command", list(COMMANDS))
def test_golden_output_validates(command: str, outputs: dict[str, Any]) -> None:
    _validate(GOLDEN_SCHEMA[command], outputs[command])


def test_intake_output_matches_report_schema(outputs: dict[str, Any]) -> None:
    from magnerve.schemas.intake import IntakeReportOut

    report_keys = set(IntakeReportOut.model_fields)
    IntakeReportOut.model_validate({k: v for k, v in outputs["intake"].items() if k in report_keys})


def test_assess_json_is_the_schema_dump(outputs: dict[str, Any]) -> None:
    """Dumping the validated output again gives the same JSON (keys, order, ints stay ints)."""
    from magnerve.schemas import AssessmentOut, PlanOut
    from magnerve.schemas._base import dump

    for model, data in ((AssessmentOut, outputs["assess"]), (PlanOut, outputs["plan"])):
        again = dump(model.model_validate(data))
        assert json.dumps(again) == json.dumps(data)


@pytest.mark.parametrize(
    "path",
    [
        "tests/data/cronometer_servings.csv",
        "tests/data/cronometer_constructs.csv",
        "tests/data/cronometer_dailysummary.csv",
        "tests/data/mfp_nutrition_summary.csv",
        "tests/data/totals_daily.csv",
    ],
)
def test_intake_of_other_formats_validates(path: str) -> None:
    from magnerve.cli import app

    res = CliRunner().invoke(app, ["intake", str(ROOT / path), "--json", "--skip-bad"])
    assert res.exit_code == 0, res.output
    _validate("intake", json.loads(res.stdout))


def test_analysis_validates() -> None:
    import magnerve

    diary = magnerve.read_diary(ROOT / "examples" / "diary_week.csv")
    profile = magnerve.load_profile(ROOT / "examples" / "profile_t2d.toml")
    data = magnerve.analyse(diary, profile, models=True, days=10).to_dict()
    assert data["plan"] is not None and data["models"] is not None
    _validate("analysis", json.loads(dumps_json(data)))


@pytest.mark.parametrize("line", ["1/2 cup boiled spinach", "1 medium banana", "30 g almonds"])
def test_parse_output_validates(line: str) -> None:
    data = _cli(["parse", line, "--json"])
    _validate("parse", data)


def test_parse_error_output_validates() -> None:
    from magnerve.cli import app
    from magnerve.schemas import ParseErrorOut

    res = CliRunner().invoke(app, ["parse", "zzqx vorpal", "--json"])
    assert res.exit_code == 1
    ParseErrorOut.model_validate_json(res.stdout)


def test_foods_search_output_validates() -> None:
    data = _cli(["foods", "search", "almonds", "--json", "--limit", "5"])
    assert len(data) == 5
    _validate("foods-search", data)


def test_error_output_validates() -> None:
    from magnerve.diary import DiaryError, DiaryProblem
    from magnerve.errors import InputError, MagnerveError, ModelError

    e = InputError("bad age")
    e.loc = ("person", "age")
    errors: list[MagnerveError] = [
        MagnerveError("x"),
        ModelError("solver failed"),
        e,
        DiaryError([DiaryProblem(3, "a,b", "no food", ["banana"])], "diary.csv"),
    ]
    for err in errors:
        _validate("error", err.to_dict())


# -- unknown keys fail ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "where"),
    [
        ("assess", ()),
        ("assess", ("intake", "mean")),
        ("assess", ("adequacy",)),
        ("plan", ("safety",)),
        ("intake", ("lines", 0)),
        ("intake", ("mean_daily", "nutrients", "magnesium_mg")),
    ],
)
def test_unknown_key_fails(
    command: str, where: tuple[str | int, ...], outputs: dict[str, Any]
) -> None:
    data = copy.deepcopy(outputs[command])
    node: Any = data
    for k in where:
        node = node[k]
    node["surprise"] = 1
    name = GOLDEN_SCHEMA[command]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(_published(name)).validate(data)
    with pytest.raises(pydantic.ValidationError):
        schema_model(name).model_validate(data)


def test_missing_key_and_wrong_type_fail(outputs: dict[str, Any]) -> None:
    data = copy.deepcopy(outputs["assess"])
    del data["absorption"]["mean_absorbed_mg"]
    with pytest.raises(pydantic.ValidationError):
        schema_model("assess").model_validate(data)
    data = copy.deepcopy(outputs["assess"])
    data["intake"]["n_days"] = "seven"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(_published("assess")).validate(data)


def test_assessment_to_dict_raises_on_a_key_outside_the_schema() -> None:
    """``Assessment.to_dict`` goes through the schema: a stray part of the data is caught."""
    import magnerve

    diary = magnerve.read_diary(ROOT / "examples" / "diary_week.csv")
    profile = magnerve.load_profile(ROOT / "examples" / "profile_t2d.toml")
    a = magnerve.assess(diary, profile)
    a.grains = {**a.grains, "surprise": 1.0}
    with pytest.raises(pydantic.ValidationError):
        a.to_dict()


def test_nan_is_written_as_null() -> None:
    from magnerve.schemas import AssessmentOut

    fields = AssessmentOut.model_json_schema()["$defs"]["GrainsOut"]["properties"]
    assert {"type": "null"} in fields["whole_share"]["anyOf"]
    text = dumps_json({"whole_share": float("nan")})
    assert json.loads(text) == {"whole_share": None}


# -- the CLI ----------------------------------------------------------------------------------


def test_cli_schema_prints_valid_json_schema() -> None:
    from magnerve.cli import app

    res = CliRunner().invoke(app, ["schema", "assess"])
    assert res.exit_code == 0, res.output
    schema = json.loads(res.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema == json_schema("assess") == _published("assess")


def test_cli_schema_out_file(tmp_path: Path) -> None:
    from magnerve.cli import app

    out = tmp_path / "plan.json"
    res = CliRunner().invoke(app, ["schema", "plan", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text("utf-8") == schema_text("plan")


def test_cli_schema_unknown_name_is_a_usage_error() -> None:
    from magnerve.cli import app

    res = CliRunner().invoke(app, ["schema", "nope"])
    assert res.exit_code == 2
    assert "foods-search" in res.output


def test_cli_schema_unwritable_out_is_a_clear_error(tmp_path: Path) -> None:
    from magnerve.cli import app

    res = CliRunner().invoke(app, ["schema", "plan", "--out", str(tmp_path / "no" / "x.json")])
    assert res.exit_code == 1
    assert "does not exist" in " ".join(res.output.split())
    assert "not a usable file name" not in res.output
    assert "Traceback" not in res.output


# -- random diaries ---------------------------------------------------------------------------

_FOODS = [
    ("boiled spinach", "cup"),
    ("banana", ""),
    ("dry roasted almonds", "oz"),
    ("whole milk", "cup"),
    ("black coffee", "cup"),
    ("cooked brown rice", "cup"),
    ("white bread", "slice"),
    ("red wine", "fl oz"),
    ("cheddar cheese", "g"),
    ("magnesium glycinate 200 mg", "capsule"),
]


@st.composite
def _diaries(draw: st.DrawFn) -> str:
    n = draw(st.integers(1, 25))
    start = dt.date(2025, 1, 1)
    rows = ["date,time,meal,food,amount,unit"]
    for _ in range(n):
        food, unit = draw(st.sampled_from(_FOODS))
        day = start + dt.timedelta(days=draw(st.integers(0, 9)))
        meal = draw(st.sampled_from(["breakfast", "lunch", "dinner", ""]))
        time = draw(st.sampled_from(["", "08:00", "19:30"]))
        amount = draw(st.sampled_from(["", "0.5", "1", "2", "3000", "0"]))
        rows.append(f"{day.isoformat()},{time},{meal},{food},{amount},{unit}")
    return "\n".join(rows) + "\n"


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_diaries())
def test_random_diary_intake_validates(text: str) -> None:
    from magnerve.diary import read_diary_text
    from magnerve.intake import intake
    from magnerve.schemas import IntakeReportOut

    diary = read_diary_text(text, "csv", "random.csv")
    if not diary.entries:
        return
    data = json.loads(dumps_json(intake(diary).to_dict()))
    IntakeReportOut.model_validate(data)
    jsonschema.Draft202012Validator(IntakeReportOut.model_json_schema(mode="validation")).validate(
        data
    )
