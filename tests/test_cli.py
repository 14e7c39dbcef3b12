"""The ``magnerve`` command line, through typer's CliRunner."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from magnerve import __version__
from magnerve.cli import app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "diary_week.csv"
CRONOMETER = Path(__file__).parent / "data" / "cronometer_servings.csv"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


def _flat(text: str) -> str:
    """Rich wraps long messages: compare with whitespace collapsed."""
    return " ".join(text.split())


def _no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture
def bad_diary(tmp_path: Path) -> Path:
    p = tmp_path / "bad.csv"
    p.write_text(
        "date,meal,food,amount,unit\n"
        "2024-03-05,breakfast,30 g almonds,,\n"
        "2024-03-05,lunch,xyzzy qwerty,,\n"
        "05/03/2024,dinner,1 medium banana,,\n",
        encoding="utf-8",
    )
    return p


# -- foods search -----------------------------------------------------------------------


def test_search_json(runner):
    res = runner.invoke(app, ["foods", "search", "almonds", "--json", "--limit", "3"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert isinstance(data, list) and len(data) == 3
    for hit in data:
        assert isinstance(hit["id"], str) and len(hit["id"]) == 5 and hit["id"].isdigit()
        assert isinstance(hit["description"], str) and hit["description"]
        assert 0.0 <= hit["score"] <= 1.0
    assert data[0]["id"] == "12061"
    assert data[0]["description"] == "Nuts, almonds"
    scores = [h["score"] for h in data]
    assert scores == sorted(scores, reverse=True)


def test_search_table(runner):
    res = runner.invoke(app, ["foods", "search", "almonds", "-l", "2"])
    assert res.exit_code == 0
    assert "12061" in res.stdout
    assert "Nuts, almonds" in res.stdout


def test_search_no_match(runner):
    res = runner.invoke(app, ["foods", "search", "xyzzy qwerty"])
    assert res.exit_code == 1
    assert "no food matches" in _flat(res.stderr)
    _no_traceback(res)


def test_search_no_match_json_is_empty_list(runner):
    res = runner.invoke(app, ["foods", "search", "xyzzy qwerty", "--json"])
    assert res.exit_code == 0
    assert json.loads(res.stdout) == []


def test_search_limit_out_of_range(runner):
    res = runner.invoke(app, ["foods", "search", "almonds", "--limit", "0"])
    assert res.exit_code == 2


# -- foods show -------------------------------------------------------------------------


def test_show_json(runner):
    res = runner.invoke(app, ["foods", "show", "12061", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["id"] == "12061"
    assert data["description"] == "Nuts, almonds"
    assert data["food_group"] == "Nut and Seed Products"
    assert len(data["measures"]) == 6
    assert data["measures"][0] == {"amount": 1.0, "description": "cup, whole", "grams": 143.0}
    assert data["nutrients_per_100g"]["magnesium_mg"] == {"value": 270.0, "unit": "mg"}
    assert data["nutrients_per_100g"]["calcium_mg"]["value"] == 269.0
    assert len(data["nutrients_per_100g"]) == 150


def test_show_json_missing_value_is_null(runner):
    res = runner.invoke(app, ["foods", "show", "01008", "--json"])
    data = json.loads(res.stdout)
    assert data["nutrients_per_100g"]["vitamin_d_ug"]["value"] is None


def test_show_leading_zero_optional(runner):
    res = runner.invoke(app, ["foods", "show", "9040", "--json"])
    assert res.exit_code == 0
    assert json.loads(res.stdout)["id"] == "09040"


def test_show_table(runner):
    res = runner.invoke(app, ["foods", "show", "09040"])
    assert res.exit_code == 0
    out = res.stdout
    assert "Bananas, raw" in out
    assert "Magnesium" in out
    assert "118" in out  # the medium banana measure


def test_show_unknown_food(runner):
    res = runner.invoke(app, ["foods", "show", "99999"])
    assert res.exit_code == 1
    assert "99999" in res.stderr
    _no_traceback(res)


# -- parse ------------------------------------------------------------------------------


def test_parse_json(runner):
    res = runner.invoke(app, ["parse", "1 medium banana", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["food"]["id"] == "09040"
    assert data["grams"] == 118.0
    n = data["nutrients"]
    assert n["magnesium_mg"] == pytest.approx(31.86)  # 1.18 * 27
    assert n["calcium_mg"] == pytest.approx(5.9)  # 1.18 * 5
    assert n["zinc_mg"] == pytest.approx(0.177)  # 1.18 * 0.15
    assert n["energy_kcal"] == pytest.approx(105.02)  # 1.18 * 89
    assert {"vitamin_d_ug", "vitamin_d_iu"} <= set(n)
    assert 0 < data["confidence"] <= 1
    assert data["alternatives"] and all(a["id"] != "09040" for a in data["alternatives"])


def test_parse_table(runner):
    res = runner.invoke(app, ["parse", "30 g almonds"])
    assert res.exit_code == 0
    out = _flat(res.stdout)
    assert "12061" in out
    assert "30.0 g" in out
    assert "81" in out  # magnesium 0.3 * 270


def test_parse_error_json(runner):
    res = runner.invoke(app, ["parse", "xyzzy qwerty", "--json"])
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert "no food matches" in data["error"]
    assert data["suggestions"]


def test_parse_error_text(runner):
    res = runner.invoke(app, ["parse", "2-3 slices bread"])
    assert res.exit_code == 1
    assert "range" in _flat(res.stderr)
    _no_traceback(res)


# -- intake -----------------------------------------------------------------------------


def test_intake_example_json(runner):
    res = runner.invoke(app, ["intake", str(EXAMPLE), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    with EXAMPLE.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    dates = sorted({r["date"] for r in rows})
    assert [d["date"] for d in data["days"]] == dates
    assert data["mean_daily"]["n_days"] == len(dates)
    assert len(data["lines"]) == len(rows)
    assert data["skipped"] == []
    assert data["source"] == str(EXAMPLE)
    mg_days = [d["nutrients"]["magnesium_mg"]["value"] for d in data["days"]]
    assert data["mean_daily"]["nutrients"]["magnesium_mg"]["value"] == pytest.approx(
        sum(mg_days) / len(mg_days), abs=1e-3
    )


def test_intake_example_table(runner):
    res = runner.invoke(app, ["intake", str(EXAMPLE)])
    assert res.exit_code == 0
    assert "Magnesium" in res.stdout
    assert "Mean/day" in res.stdout


@pytest.mark.parametrize("by", ["day", "meal", "line"])
def test_intake_by(runner, by):
    res = runner.invoke(app, ["intake", str(EXAMPLE), "--by", by])
    assert res.exit_code == 0, res.output
    _no_traceback(res)


def test_intake_nutrient_option(runner, tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("date,food\n2024-03-05,30 g almonds\n2024-03-05,1 medium banana\n", "utf-8")
    res = runner.invoke(app, ["intake", str(p), "--json", "-n", "FE", "-n", "304"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [n["key"] for n in data["nutrients"]] == ["iron_mg", "magnesium_mg"]
    day = data["days"][0]["nutrients"]
    assert day["magnesium_mg"]["value"] == pytest.approx(112.86)
    assert day["iron_mg"]["value"] == pytest.approx(1.4198)


def test_intake_bad_diary_fails_with_line_numbers(runner, bad_diary):
    res = runner.invoke(app, ["intake", str(bad_diary)])
    assert res.exit_code == 1
    err = _flat(res.stderr)
    assert "line 3:" in err and "xyzzy qwerty" in err
    assert "line 4:" in err and "YYYY-MM-DD" in err
    assert "2 of 3 diary lines could not be used" in err
    assert "--skip-bad" in err
    assert res.stdout == ""  # nothing totalled
    _no_traceback(res)


def test_intake_skip_bad(runner, bad_diary):
    res = runner.invoke(app, ["intake", str(bad_diary), "--skip-bad"])
    assert res.exit_code == 0, res.output
    err = _flat(res.stderr)
    assert "skipped 2 of 3 lines" in err
    assert "3, 4" in err
    assert "2 skipped" in _flat(res.stdout)
    _no_traceback(res)


def test_intake_skip_bad_json(runner, bad_diary):
    res = runner.invoke(app, ["intake", str(bad_diary), "--skip-bad", "--json"])
    assert res.exit_code == 0
    data = json.loads(res.stdout)  # warnings go to stderr, stdout stays JSON
    assert [s["line"] for s in data["skipped"]] == [3, 4]
    assert [line["line"] for line in data["lines"]] == [2]
    assert data["days"][0]["nutrients"]["magnesium_mg"]["value"] == pytest.approx(81.0)


def test_intake_all_lines_bad_skip_bad(runner, tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("date,food\nbad,banana\n", "utf-8")
    res = runner.invoke(app, ["intake", str(p), "--skip-bad"])
    assert res.exit_code == 1
    assert "no usable lines" in _flat(res.stderr)
    _no_traceback(res)


def test_intake_missing_file(runner, tmp_path):
    res = runner.invoke(app, ["intake", str(tmp_path / "nope.csv")])
    assert res.exit_code == 2
    assert "not found" in _flat(res.stderr)
    _no_traceback(res)


def test_intake_missing_column(runner, tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("date,meal\n2024-03-05,lunch\n", "utf-8")
    res = runner.invoke(app, ["intake", str(p)])
    assert res.exit_code == 1
    assert "missing column(s) food" in _flat(res.stderr)
    _no_traceback(res)


def test_intake_unknown_nutrient(runner):
    res = runner.invoke(app, ["intake", str(EXAMPLE), "-n", "bogus"])
    assert res.exit_code == 2
    assert "unknown nutrient 'bogus'" in _flat(res.stderr)
    _no_traceback(res)


def test_intake_json_diary(runner, tmp_path):
    p = tmp_path / "d.json"
    p.write_text(json.dumps({"entries": [{"date": "2024-03-05", "food": "30 g almonds"}]}), "utf-8")
    res = runner.invoke(app, ["intake", str(p), "--json", "-n", "magnesium_mg"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["days"][0]["nutrients"]["magnesium_mg"]["value"] == pytest.approx(81.0)


def test_intake_cronometer(runner):
    res = runner.invoke(app, ["intake", str(CRONOMETER), "--json", "-n", "vitamin_d_iu"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    by_line = {x["line"]: x for x in data["lines"]}
    assert 12 not in by_line  # a supplement, listed with the supplements
    (sup,) = [x for x in data["supplements"] if x["line"] == 12]
    assert sup["nutrients"]["vitamin_d_iu"] == pytest.approx(1000.0)
    assert by_line[2]["source"] == "sr28"
    assert by_line[2]["food"]["id"] in {"01077", "01211"}


def test_intake_cronometer_table_mentions_file_values(runner):
    res = runner.invoke(app, ["intake", str(CRONOMETER)])
    assert res.exit_code == 0, res.output
    out = _flat(res.stdout)
    assert "line(s) have no SR28 match" in out
    assert "Homemade Trail Mix" in out
    assert "supplement line 12" in out


# -- misc -------------------------------------------------------------------------------


def test_version(runner):
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0
    assert f"magnerve {__version__}" in res.stdout


def test_no_args_shows_help(runner):
    res = runner.invoke(app, [])
    assert "intake" in res.output and "parse" in res.output


# -- issue 11: one validation path, bounds at the option boundary, exit codes ---------------


def test_units_in_brackets_print_as_written(runner):
    """'[mg]' in a column or row label was taken for rich markup and vanished."""
    res = runner.invoke(app, ["parse", "30 g almonds"])
    assert res.exit_code == 0
    assert "[mg]" in res.stdout


@pytest.mark.parametrize(
    ("profile_text", "needle"),
    [
        ('[person]\nage = 55\nsex = "female"\npregnant = true\n', "person.pregnant"),
        ('[person]\nage = true\nsex = "female"\n', "person.age"),
        ('[person]\nage = 40\nsex = "male"\n[labs]\nserum_magnesium = "50 mmol/L"\n', "labs."),
        (
            '[person]\nage = 40\nsex = "male"\n[neuropathy]\nmnsi_exam = {right = {x = 1}}\n',
            "neuropathy.mnsi_exam",
        ),
    ],
)
def test_assess_plan_simulate_refuse_the_same_profile(runner, tmp_path, profile_text, needle):
    prof = tmp_path / "p.toml"
    prof.write_text(profile_text, encoding="utf-8")
    outs = []
    for cmd in (["assess"], ["plan"], ["simulate", "--days", "3"]):
        res = runner.invoke(app, [cmd[0], str(EXAMPLE), "-p", str(prof), *cmd[1:], "--json"])
        assert res.exit_code == 1, (cmd, res.output)
        _no_traceback(res)
        assert needle in res.stderr
        outs.append(res.stderr)
    assert outs[0] == outs[1] == outs[2]


@pytest.mark.parametrize(
    "args",
    [
        ["nerve", "block", "--voltage", "nan", "--mg", "1"],
        ["nerve", "block", "--voltage", "0", "--mg", "1e308"],
        ["mds", "--sex", "male", "--egfr", "1e308"],
        ["simulate", str(EXAMPLE), "-p", "x.toml", "--days", "nan"],
    ],
)
def test_non_finite_or_huge_options_are_usage_errors(runner, args):
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    _no_traceback(res)
    assert "range" in _flat(res.output) or "finite" in _flat(res.output)
