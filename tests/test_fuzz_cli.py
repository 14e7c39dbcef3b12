"""Fuzz suite for profiles and command-line arguments (issue 11), with hypothesis.

The CLI runs in-process (typer's CliRunner on ``magnerve.cli.app``) over generated profiles
(TOML and JSON, hostile numbers, units, text, nesting) and option values. Every run must:

* end without an unhandled exception or a traceback (an internal error would be exit 3);
* exit with 0 (done), 1 (bad input) or 2 (usage);
* print valid JSON (no NaN or Infinity) when ``--json`` succeeds;
* for profiles: ``plan`` and ``simulate`` refuse a profile exactly when ``assess`` does, with
  the same first message.

The ``*_long`` variants run many more cases (marked slow in ``tests/conftest.py``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from hypothesis_profiles import examples
from magnerve import _bounds
from magnerve.cli import app

FAST = settings(
    max_examples=examples(30),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
LONG = settings(
    max_examples=examples(400),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

DIARY_TEXT = (
    "date,meal,food,amount,unit\n"
    "2024-03-05,breakfast,30 g almonds,,\n"
    "2024-03-05,lunch,1 medium banana,,\n"
    "2024-03-06,dinner,1 cup cooked brown rice,,\n"
)

RUNNER = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"})


def _no_nan(name: str) -> Any:
    raise AssertionError(f"invalid JSON constant {name}")


def _check(res: Any, args: list[str], codes: frozenset[int] = frozenset({0, 1, 2})) -> None:
    """The contract of every run."""
    exc = res.exception
    assert exc is None or isinstance(exc, SystemExit), (args, repr(exc))
    assert res.exit_code in codes, (args, res.exit_code, res.output[-2000:])
    assert "Traceback" not in res.output, args
    assert "internal error" not in res.output, (args, res.output[-2000:])
    if res.exit_code == 0 and "--json" in args:
        json.loads(res.stdout, parse_constant=_no_nan)


# -- strategies: numbers and text --------------------------------------------------------------

SAFE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
HOSTILE_TEXT = st.one_of(
    SAFE_TEXT,
    st.sampled_from(
        ["[/]", "[/red]", "[bold]x", "\x1b[31mred\x1b[0m", "\x1b]0;t\x07", ":cat:", "", " "]
    ),
)


def _near(key: str) -> st.SearchStrategy[float]:
    b = _bounds.bound(key)
    span = max(b.max - b.min, 1.0)
    return st.floats(min_value=b.min - span / 4, max_value=b.max + span / 4)


HOSTILE_NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.booleans(),
    st.sampled_from([0, -1, 1e308, -1e308, 5e-324, -0.0, 10**20]),
    HOSTILE_TEXT,
)


def _number(key: str) -> st.SearchStrategy[Any]:
    """Mostly values near the field's range (both sides), sometimes anything."""
    return st.one_of(_near(key), _near(key), HOSTILE_NUMBER)


LAB_UNITS = {
    "serum_magnesium": ["mmol/L", "mg/dL", "mEq/L", "mg/L"],
    "rbc_magnesium": ["mg/dL", "mmol/L"],
    "urine_magnesium_24h": ["mg/24h", "mmol/day"],
    "urine_creatinine": ["mg/dL", "µmol/L", "mmol/L"],
    "serum_creatinine": ["mg/dL", "µmol/L", "umol/L", "mmol/L"],
    "vitamin_d_25oh": ["nmol/L", "ng/mL"],
}


def _lab(field: str) -> st.SearchStrategy[Any]:
    units = st.sampled_from([*LAB_UNITS[field], "", "furlongs", "[/]"])
    number = st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.floats(min_value=0, max_value=2000).map(lambda x: f"{x:.3g}"),
        st.sampled_from(["1,000", "0,85", "-3", "1e3", "nan", ""]),
    )
    return st.one_of(st.builds(lambda n, u: f"{n} {u}".strip(), number, units), HOSTILE_NUMBER)


def _section(prefix: str, extra: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    fields = {
        k.rsplit(".", 1)[1]: _number(k)
        for k in _bounds.bounds()
        if k.startswith(f"profile.{prefix}.") and k.count(".") == 2
    }
    fields.update(extra)
    return st.fixed_dictionaries({}, optional=fields)


MEDICINES = st.sampled_from(["omeprazole", "hydrochlorothiazide", "furosemide", "ppi", "aspirinx"])
MNSI_EXAM = st.dictionaries(
    st.sampled_from(["right", "left", "middle"]),
    st.one_of(
        st.dictionaries(
            st.sampled_from(["appearance", "ulceration", "ankle_reflexes", "vibration", "bogus"]),
            st.one_of(
                st.sampled_from(["normal", "abnormal", "present", "absent", "reduced"]),
                HOSTILE_NUMBER,
            ),
            max_size=3,
        ),
        HOSTILE_NUMBER,
    ),
    max_size=2,
)

PROFILES = st.fixed_dictionaries(
    {
        "person": st.fixed_dictionaries(
            {
                "age": _number("profile.person.age"),
                "sex": st.sampled_from(["female", "male", "F", "x", ""]),
            },
            optional={
                "pregnant": st.one_of(st.booleans(), HOSTILE_NUMBER),
                "lactating": st.booleans(),
                "weight_kg": _number("profile.person.weight_kg"),
            },
        )
    },
    optional={
        "health": _section(
            "health",
            {
                "diabetes": st.sampled_from(["none", "type1", "type2", "type3"]),
                "conditions": st.lists(
                    st.one_of(st.sampled_from(["CKD stage 4", "coeliac"]), HOSTILE_TEXT),
                    max_size=3,
                ),
                "medications": st.lists(MEDICINES, max_size=2),
            },
        ),
        "lifestyle": _section("lifestyle", {"smoker": st.booleans()}),
        "water": _section(
            "water",
            {
                "source": st.sampled_from(["tap", "bottled", "filtered_ro", "river"]),
                "hardness": st.one_of(
                    st.builds(
                        lambda x, u: f"{x} {u}",
                        st.one_of(_near("profile.water.hardness"), HOSTILE_NUMBER),
                        st.sampled_from(["mg/L CaCO3", "°dH", "gpg", "mmol/L", "bananas"]),
                    ),
                    HOSTILE_NUMBER,
                ),
                "taken_with_meals": st.booleans(),
            },
        ),
        "labs": st.fixed_dictionaries({}, optional={f: _lab(f) for f in LAB_UNITS}),
        "neuropathy": st.fixed_dictionaries(
            {},
            optional={
                "symptoms": st.lists(HOSTILE_TEXT, max_size=3),
                "mnsi_history": st.dictionaries(
                    st.sampled_from(["1", "q2", "7", "13", "16", "x"]),
                    st.one_of(st.booleans(), HOSTILE_NUMBER),
                    max_size=3,
                ),
                "mnsi_exam": MNSI_EXAM,
            },
        ),
        "supplements": st.lists(
            _section(
                "supplements",
                {
                    "name": HOSTILE_TEXT,
                    "form": st.sampled_from(["oxide", "citrate", "glycinate", "moon"]),
                    "hydrate": st.sampled_from(["nonahydrate", "heptahydrate", "x"]),
                    "with_food": st.booleans(),
                },
            ),
            max_size=3,
        ),
        "junk": HOSTILE_NUMBER,
    },
)


# mostly valid profiles: the example person with a few numbers redrawn, mostly inside their
# ranges, so that the assessment, the plan and the model run too
EXAMPLE_PROFILE = Path(__file__).resolve().parents[1] / "examples" / "profile_t2d.toml"
NUMERIC_KEYS = sorted(
    k
    for k in _bounds.bounds()
    if k.count(".") == 2
    and k.split(".")[1] in ("person", "health", "lifestyle", "water", "supplements")
    and k != "profile.water.hardness"
)


def _inside(key: str) -> st.SearchStrategy[Any]:
    b = _bounds.bound(key)
    if key.endswith("stress_pss10"):
        return st.integers(min_value=int(b.min), max_value=int(b.max))
    return st.floats(min_value=b.min, max_value=b.max, exclude_min=b.min_exclusive)


def _mutated(pairs: tuple[tuple[str, Any], ...], stage: tuple[str, bool]) -> dict[str, Any]:
    import tomllib

    profile = tomllib.loads(EXAMPLE_PROFILE.read_text("utf-8"))
    profile["person"]["sex"], profile["person"]["pregnant"] = stage
    for key, value in pairs:
        _, section, field = key.split(".")
        if section == "supplements":
            sup = profile["supplements"][0]
            sup[field] = value
            if field == "salt_mg":
                sup["form"] = "citrate"
        else:
            profile.setdefault(section, {})[field] = value
    return profile


PLAUSIBLE_PROFILES = st.builds(
    _mutated,
    st.lists(st.sampled_from(NUMERIC_KEYS), max_size=6, unique=True).flatmap(
        lambda ks: st.tuples(
            *[st.tuples(st.just(k), st.one_of(_inside(k), _inside(k), _near(k))) for k in ks]
        )
    ),
    st.sampled_from([("male", False), ("female", False), ("female", True)]),
)
ANY_PROFILE = st.one_of(PLAUSIBLE_PROFILES, PROFILES)


# -- writing a profile as TOML or JSON -----------------------------------------------------


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else repr(v)  # inf, -inf and exponents are TOML too
    if isinstance(v, str):
        return json.dumps(v)  # a TOML basic string
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def to_toml(profile: dict[str, Any]) -> str:
    """A small TOML writer (tables, arrays of tables, inline tables)."""
    top = [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in profile.items() if k == "junk"]
    lines = top[:]
    for name, table in profile.items():
        if name == "junk":
            continue
        rows = table if isinstance(table, list) else [table]
        for row in rows:
            lines.append(f"[[{name}]]" if isinstance(table, list) else f"[{name}]")
            lines += [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in row.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    diary = tmp_path / "diary.csv"
    diary.write_text(DIARY_TEXT, encoding="utf-8")
    return {"diary": diary, "dir": tmp_path}


def _write_profile(files: dict[str, Path], profile: dict[str, Any], as_json: bool) -> Path:
    path = files["dir"] / ("p.json" if as_json else "p.toml")
    text = json.dumps(profile) if as_json else to_toml(profile)
    path.write_text(text, encoding="utf-8")
    return path


COMMANDS = st.sampled_from(
    [["assess"], ["assess", "--json"], ["plan", "--json"], ["simulate", "--days", "3", "--json"]]
)


def _run_profile(files: dict[str, Path], profile: dict[str, Any], as_json: bool, cmd: list[str]):
    path = _write_profile(files, profile, as_json)
    args = [cmd[0], str(files["diary"]), "--profile", str(path), *cmd[1:]]
    res = RUNNER.invoke(app, args)
    _check(res, args)
    return res


def _generated_profiles(files, profile, as_json, cmd) -> None:
    res = _run_profile(files, profile, as_json, cmd)
    if res.exit_code == 1:
        assert res.stderr.strip(), "a refusal says why"


@FAST
@given(profile=ANY_PROFILE, as_json=st.booleans(), cmd=COMMANDS)
def test_generated_profiles_never_crash(files, profile, as_json, cmd) -> None:
    _generated_profiles(files, profile, as_json, cmd)


@LONG
@given(profile=ANY_PROFILE, as_json=st.booleans(), cmd=COMMANDS)
def test_generated_profiles_never_crash_long(files, profile, as_json, cmd) -> None:
    _generated_profiles(files, profile, as_json, cmd)


def _first_error(res: Any) -> str:
    return " ".join(res.stderr.split())


def _same_refusal(files, profile, as_json) -> None:
    runs = [
        _run_profile(files, profile, as_json, cmd)
        for cmd in (["assess", "--json"], ["plan", "--json"], ["simulate", "--days", "3"])
    ]
    refused = [r.exit_code == 1 for r in runs]
    assert refused[0] == refused[1] == refused[2], [r.exit_code for r in runs]
    if refused[0]:
        assert _first_error(runs[0]) == _first_error(runs[1]) == _first_error(runs[2])


@settings(max_examples=examples(10), deadline=None, suppress_health_check=list(HealthCheck))
@given(profile=ANY_PROFILE, as_json=st.booleans())
def test_plan_and_simulate_refuse_exactly_as_assess(files, profile, as_json) -> None:
    _same_refusal(files, profile, as_json)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=list(HealthCheck))
@given(profile=ANY_PROFILE, as_json=st.booleans())
def test_plan_and_simulate_refuse_exactly_as_assess_long(files, profile, as_json) -> None:
    _same_refusal(files, profile, as_json)


@pytest.mark.parametrize(
    "profile",
    [
        {"person": {"age": 55, "sex": "female", "pregnant": True}},
        {"person": {"age": 40, "sex": "male"}, "neuropathy": {"mnsi_exam": {"x": 7}}},
        {"person": {"age": 40, "sex": "male"}, "supplements": [{"name": "m", "salt_mg": 5}]},
        {"person": {"age": True, "sex": "male"}},
    ],
)
def test_known_refusals_are_the_same_for_every_command(files, profile) -> None:
    """The issue's examples: assess refused them cleanly, plan and simulate crashed."""
    _same_refusal(files, profile, as_json=False)


# -- command-line option values ------------------------------------------------------------

OPTION_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e308", "-1e308", "0", "-0", "1,5", "", "abc"]),
    HOSTILE_TEXT,
)
SEX = st.sampled_from(["female", "male", "x", "[/]"])


def _opts(pairs: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for k, v in pairs.items():
        out += [k, v]
    return out


OPTION_CASES = st.one_of(
    st.builds(
        lambda v, m, j: ["nerve", "block", "--voltage", v, "--mg", m, *j],
        OPTION_TEXT,
        OPTION_TEXT,
        st.sampled_from([[], ["--json"]]),
    ),
    st.builds(
        lambda s, o, j: ["mds", "--sex", s, *_opts(o), *j],
        SEX,
        st.dictionaries(
            st.sampled_from(["--egfr", "--creatinine", "--age", "--drinks-per-day"]),
            OPTION_TEXT,
            max_size=3,
        ),
        st.sampled_from([[], ["--json"], ["--diuretic", "--ppi", "--json"]]),
    ),
    st.builds(
        lambda m, a, s, o, j: (
            ["adequacy", "--mean-intake", m, "--age", a, "--sex", s, *_opts(o), *j]
        ),
        OPTION_TEXT,
        OPTION_TEXT,
        SEX,
        st.dictionaries(
            st.sampled_from(["--days", "--within-sd", "--target-confidence", "--nutrient"]),
            OPTION_TEXT,
            max_size=2,
        ),
        st.sampled_from([[], ["--json"]]),
    ),
    # nerve sweep: only values the command refuses here (a valid sweep runs the model)
    st.builds(
        lambda m: ["nerve", "sweep", "--mg", m, "--json"],
        st.one_of(
            st.sampled_from(["nan", "inf", "-1", "1e308", "a,b", "", ",", "0.5," * 60]),
            st.lists(st.sampled_from(["nan", "-2", "101", "[/]", "1e999"]), min_size=1).map(
                ",".join
            ),
        ),
    ),
    st.builds(
        lambda d: ["nerve", "sweep", "--mg", "0.5", "--duration", d],
        st.sampled_from(["nan", "inf", "0", "-1", "61", "1e308", "x"]),
    ),
    st.builds(
        lambda q, j: ["foods", "search", q, *j], HOSTILE_TEXT, st.sampled_from([[], ["--json"]])
    ),
    st.builds(lambda q, j: ["parse", q, *j], HOSTILE_TEXT, st.sampled_from([[], ["--json"]])),
    st.builds(lambda q: ["foods", "show", q], HOSTILE_TEXT),
)


@settings(max_examples=examples(80), deadline=None)
@given(args=OPTION_CASES)
def test_generated_options_never_crash(args: list[str]) -> None:
    _check(RUNNER.invoke(app, args), args)


@settings(max_examples=examples(1500), deadline=None)
@given(args=OPTION_CASES)
def test_generated_options_never_crash_long(args: list[str]) -> None:
    _check(RUNNER.invoke(app, args), args)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=list(HealthCheck))
@given(days=OPTION_TEXT, chart=st.sampled_from([None, "", ".", "nope/x.svg", "c.svg"]))
def test_simulate_options(files, days, chart) -> None:
    profile = Path(__file__).resolve().parents[1] / "examples" / "profile_t2d.toml"
    args = ["simulate", str(files["diary"]), "-p", str(profile), "--days", days, "--json"]
    if chart is not None:
        args += ["--chart", str(files["dir"] / chart) if chart else chart]
    res = RUNNER.invoke(app, args)
    _check(res, args)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["nerve", "block", "--voltage", "nan", "--mg", "1"], 2),
        (["nerve", "block", "--voltage", "1e308", "--mg", "1e308", "--json"], 2),
        (["nerve", "block", "--voltage", "-60", "--mg", "inf"], 2),
        (["nerve", "sweep", "--mg", "1e308"], 2),
        (["mds", "--sex", "male", "--egfr", "1e308", "--json"], 2),
        (["mds", "--sex", "male", "--creatinine", "1e308", "--age", "50"], 2),
        (["mds", "--sex", "male", "--creatinine", "97", "--age", "50"], 2),
        (["mds", "--sex", "male", "--drinks-per-day", "inf"], 2),
        (["adequacy", "--mean-intake", "nan", "--age", "40", "--sex", "male"], 2),
        (
            ["adequacy", "--mean-intake", "300", "--age", "40", "--sex", "male", "--days", "10**9"],
            2,
        ),
        (["nerve", "block", "--voltage", "-60", "--mg", "1", "--json"], 0),
        (["mds", "--sex", "male", "--creatinine", "1.1", "--age", "50", "--json"], 0),
    ],
)
def test_the_issue_option_values(args: list[str], code: int) -> None:
    res = RUNNER.invoke(app, args)
    _check(res, args, frozenset({code}))
    if code == 2:
        assert "range" in res.output or "number" in res.output or "valid" in res.output
