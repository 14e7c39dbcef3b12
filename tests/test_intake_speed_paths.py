"""The fast paths of ``magnerve intake FILE --json`` (issue 10: a 10-year diary in <= 1 s)
give exactly what the plain paths give.

- the JSON written from byte templates (``magnerve.cli._intake_json``) is byte for byte the
  JSON of ``IntakeReport.iter_dict`` (itself held to the pre-streaming implementation by
  ``test_intake_json_stream.py``), whatever the batch size, with gaps, unicode, ``%`` signs,
  lines whose amounts differ from their template's, rows carrying their own values;
- ``magnerve intake FILE --json`` answered without typer writes what the typer command writes,
  and leaves every other case (problems, options, missing files) to typer;
- the reader's per-distinct-line cache gives the entries and problems of resolving every line
  on its own;
- the meal and day totals kept as arrays give the totals the per-group loop gives; a report
  built from lists writes the same JSON;
- the pieces taken out of the schema layer or numpy (the parse's mapping, bulk rounding, bulk
  float text) equal what they replace.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import magnerve.diary as diary_module
from hypothesis_profiles import examples
from magnerve.cli._fast import dumps_json
from magnerve.cli._intake_json import (
    _array_scalars,
    diary_items,
    intake_json_items,
    run_intake_json,
)
from magnerve.cli._json_stream import _json_object_chunks, _json_value_bytes
from magnerve.diary import DiaryEntry, DiaryProblem, read_diary, read_diary_text
from magnerve.intake import (
    GroupTotals,
    IntakeReport,
    NutrientTotal,
    _plain_part,
    _round4,
    _round4_array,
    intake,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
WEEK = ROOT / "examples" / "diary_week.csv"

EXPORTS = [
    DATA / "cronometer_servings.csv",
    DATA / "cronometer_constructs.csv",
    DATA / "cronometer_dailysummary.csv",
    DATA / "mfp_nutrition_summary.csv",
    DATA / "totals_daily.csv",
]

# gaps (01188 has no magnesium), unicode, quotes, a '%' and the template placeholder's text in
# food, meal and time cells, an amount orjson writes differently from Python (0.00005), the
# same line on several days, a meal cell that is blank
HARD = """\
date,time,meal,food,amount,unit
2024-03-05,07:30,breakfast,1 medium banana,,
2024-03-05,07:30,breakfast,01188,100,g
2024-03-05,12:00,"déjeuner ""maison"" 🍲 100%",01008,100,g
2024-03-05,,,30 g almonds,,
2024-03-06,07:30,breakfast,1 medium banana,,
2024-03-06,08:00,"snack, \\ late %s %d",12061,0.00005,g
2024-03-06,19:00,dinner,"1 cup whole milk",,
2024-03-07,19:00,\ue000magnerve-slot-0\ue000,01188,50,g
2024-03-07,19:00,dinner,01188,50,g
2024-03-08,07:30,breakfast,1 medium banana,,
2024-03-08,20:00,dinner,zzzqqq unknown thing,1,cup
"""


@pytest.fixture(autouse=True)
def _no_user_aliases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAGNERVE_CONFIG_DIR", str(tmp_path))


@pytest.fixture(scope="module")
def hard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("speed") / "hard.csv"
    path.write_text(HARD, encoding="utf-8")
    return path


def _weeks(n: int) -> str:
    """The example week repeated ``n`` times with shifted dates."""
    lines = WEEK.read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    for k in range(n):
        for row in lines[1:]:
            d, rest = row.split(",", 1)
            shifted = date.fromisoformat(d) + timedelta(days=7 * k)
            out.append(f"{shifted.isoformat()},{rest}")
    return "\n".join(out) + "\n"


def _document(items: Iterator[tuple[str, Any]]) -> bytes:
    return b"".join(_json_object_chunks(items))


def _mapping_bytes(r: IntakeReport) -> bytes:
    """The document of the report's mapping, written by the CLI's whole-document writer."""
    return dumps_json(r.to_dict()).encode("utf-8")


# -- byte templates -------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 2, 3, 7, 1000])
def test_templates_equal_the_mapping(hard: Path, batch: int) -> None:
    r = intake(read_diary(hard))
    assert any(not t.complete for _, ts in r.days for t in ts)  # gaps: incomplete totals
    text = _document(intake_json_items(r, batch))
    assert text == _document(r.iter_dict(batch)) == _mapping_bytes(r)
    assert b"e-05" in text  # the amount written as Python writes it, not orjson's 0.00005


@pytest.mark.parametrize("path", [WEEK, *EXPORTS], ids=lambda p: p.name)
def test_templates_equal_the_mapping_on_example_files(path: Path) -> None:
    d = read_diary(path)
    r = intake(d)
    extra = diary_items(d, str(path))
    want = _document(chain(r.iter_dict(), extra.items()))
    assert _document(chain(intake_json_items(r), extra.items())) == want


def test_templates_on_a_long_diary_with_every_kind_of_total() -> None:
    r = intake(read_diary_text(_weeks(20)))
    meal_groups, day_groups = r.meal_totals()[1], r.day_totals()[1]
    incomplete = {g for g, _ in meal_groups.missing}
    assert 0 < len(incomplete) < len(meal_groups)  # meals with and without gaps
    assert day_groups.missing
    assert _document(intake_json_items(r, 50)) == _mapping_bytes(r)


def test_a_line_whose_amounts_differ_from_its_template_is_written_from_its_mapping() -> None:
    r = intake(read_diary_text(_weeks(2)))
    r.values[len(r.entries) - 1, 0] += 1.0  # the same parse as an earlier line, other amounts
    r.values[5, :] = np.nan
    text = _document(intake_json_items(r, 16))
    assert text == _document(r.iter_dict(16))


def test_without_meals_and_without_nutrients(hard: Path) -> None:
    d = read_diary(hard)
    r = intake(d, by_meal=False)
    assert b'"meals": [],' in _document(intake_json_items(r))
    assert _document(intake_json_items(r)) == _mapping_bytes(r)
    lines = [e for e in d.entries if e.parsed is not None]
    empty = IntakeReport(r.nutrients[:0], lines, np.zeros((len(lines), 0)), [], [], [])
    assert _document(intake_json_items(empty)) == _mapping_bytes(empty)


def test_a_report_built_from_lists_writes_the_same_json(hard: Path) -> None:
    r = intake(read_diary(hard))
    by_hand = IntakeReport(r.nutrients, r.entries, r.values, r.meals, r.days, r.plausibility)
    assert _document(intake_json_items(by_hand, 2)) == _document(intake_json_items(r, 2))
    assert by_hand.mean_daily() == r.mean_daily()
    # a value of None with no missing line (only a hand-built total can be so)
    days = [(d, [NutrientTotal(None, 1, ()), *t[1:]]) for d, t in r.days]
    odd = IntakeReport(r.nutrients, r.entries, r.values, r.meals, days, r.plausibility)
    assert _document(intake_json_items(odd)) == _mapping_bytes(odd)


def test_bounded_templates_and_shared_parses_write_the_same_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import magnerve.cli._intake_json as intake_json

    # the module (``magnerve.intake``, the attribute, is the function)
    intake_module = importlib.import_module("magnerve.intake")
    r = intake(read_diary_text(_weeks(2)))
    want = _mapping_bytes(r)
    monkeypatch.setattr(intake_json, "_MAX_TEMPLATES", 2)
    monkeypatch.setattr(intake_module, "_MAX_SHARED", 3)
    fresh = intake(read_diary_text(_weeks(2)))
    assert _document(intake_json_items(fresh, 10)) == want
    assert _mapping_bytes(fresh) == want


def test_batch_must_be_positive(hard: Path) -> None:
    r = intake(read_diary(hard))
    with pytest.raises(ValueError, match="batch"):
        next(intake_json_items(r, 0))


# -- the command without typer --------------------------------------------------------------


def _typer_bytes(args: list[str]) -> bytes:
    from magnerve.cli import app

    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    return res.stdout_bytes


def test_fast_command_writes_what_the_typer_command_writes(
    capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path
) -> None:
    long = tmp_path / "weeks.csv"
    long.write_text(_weeks(3), encoding="utf-8")
    for path in (WEEK, long):
        for flags in (["--json"], ["--skip-bad", "--json"]):
            assert run_intake_json([str(path), *flags]) == 0
            fast = capsysbinary.readouterr().out
            assert fast == _typer_bytes(["intake", str(path), *flags])


@pytest.mark.parametrize(
    "args",
    [
        ["{hard}", "--json"],  # problems: typer prints them and fails
        ["{hard}", "--json", "--skip-bad"],  # skipped lines: typer warns on standard error
        ["{week}"],  # a table, not JSON
        ["{week}", "--json", "-n", "MG"],  # an option of its own
        ["{week}", "--json", "--format", "csv"],
        ["{week}", "{week}", "--json"],  # a usage error
        ["missing.csv", "--json"],
        ["{dir}", "--json"],
        ["--json"],
    ],
)
def test_fast_command_leaves_the_rest_to_typer(
    args: list[str], hard: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    filled = [a.format(hard=hard, week=WEEK, dir=tmp_path) for a in args]
    assert run_intake_json(filled) is None
    captured = capsysbinary.readouterr()
    assert captured.out == b"" and captured.err == b""


def test_an_unusable_alias_file_is_left_to_typer(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    (tmp_path / "aliases.json").write_text("{not json", encoding="utf-8")
    assert run_intake_json([str(WEEK), "--json"]) is None
    assert capsysbinary.readouterr().out == b""


_PROBE = (
    "import sys\n"
    "from magnerve.cli import main\n"
    "try:\n    main()\n"
    "except SystemExit as e:\n    code = e.code\n"
    "loaded = [m for m in ('typer', 'pydantic', 'rich') if m in sys.modules]\n"
    "print('LOADED', code, *loaded, file=sys.stderr)\n"
)


def test_the_command_answers_without_typer_in_a_fresh_process(tmp_path: Path) -> None:
    env = {**os.environ, "MAGNERVE_CONFIG_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, "intake", str(WEEK), "--json"],
        env=env,
        capture_output=True,
        check=False,
    )
    assert out.stderr.decode().strip().splitlines()[-1] == "LOADED 0"
    assert out.stdout == _typer_bytes(["intake", str(WEEK), "--json"])


# -- the reader's per-distinct-line cache ---------------------------------------------------


def _uncached(monkeypatch: pytest.MonkeyPatch, text: str) -> Any:
    def each_on_its_own(
        line: int, cells: list[str], idx: Any, content: str, memo: Any, days: Any = None
    ) -> DiaryEntry | DiaryProblem:
        return diary_module._resolve_cells(line, cells, idx, content)

    with monkeypatch.context() as m:
        m.setattr(diary_module, "_resolve_cached", each_on_its_own)
        return read_diary_text(text)


CACHED = """\
date,time,meal,food,amount,unit
2024-03-05,07:30,breakfast,rolled oats,0.5,cup
2024-03-06,07:30,breakfast,rolled oats,0.5,cup
2024-13-06,07:30,breakfast,rolled oats,0.5,cup
2024-03-07, 07:30 ,breakfast,rolled oats,0.5,cup
2024-03-07,25:00,breakfast,rolled oats,0.5,cup
2024-03-08,07:30,breakfast,zzzqqq unknown thing,1,cup
2024-03-09,07:30,breakfast,zzzqqq unknown thing,1,cup
2024-03-09,07:30,,rolled oats,0.5,cup
,07:30,breakfast,rolled oats,0.5,cup
2024-03-10,07:30,breakfast,rolled oats,0.5
2024-03-10,07:30,breakfast,rolled oats,0.5,cup,
 2024-03-06 ,07:30,breakfast,rolled oats,0.5,cup
2024-03-06,07:30,breakfast,rolled oats,0.5,cup
2024-13-06,07:30,breakfast,rolled oats,0.5,cup
1899-03-06,07:30,breakfast,rolled oats,0.5,cup
"""


def test_cached_lines_are_the_lines_resolved_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    for text in (CACHED, _weeks(3), HARD):
        got, want = read_diary_text(text), _uncached(monkeypatch, text)
        assert got.entries == want.entries
        assert got.problems == want.problems
        for e in got.entries:
            assert e.parsed is not None and e.parsed.text  # each line keeps its own text
        assert len({id(e.parsed) for e in got.entries}) == len(got.entries)


def test_cached_entries_have_every_field(monkeypatch: pytest.MonkeyPatch) -> None:
    got = read_diary_text(_weeks(2))
    fields = [f.name for f in dataclasses.fields(DiaryEntry)]
    for e in got.entries:
        assert all(hasattr(e, f) for f in fields)
        with pytest.raises(dataclasses.FrozenInstanceError):
            e.line = 0  # type: ignore[misc]


# -- totals as arrays -----------------------------------------------------------------------


def _loop_totals(
    r: IntakeReport, key: Any
) -> dict[Any, list[tuple[float | None, int, tuple[int, ...]]]]:
    """(value, lines, missing lines) per group and nutrient, by a plain loop over lines."""
    groups: dict[Any, list[int]] = {}
    for i, e in enumerate(r.entries):
        groups.setdefault(key(e), []).append(i)
    out = {}
    for g, rows in groups.items():
        totals = []
        for j in range(len(r.nutrients)):
            known = [float(r.values[i, j]) for i in rows if not math.isnan(r.values[i, j])]
            value = None
            for v in known:
                value = v if value is None else value + v
            missing = tuple(r.entries[i].line for i in rows if math.isnan(r.values[i, j]))
            totals.append((value, len(rows), missing))
        out[g] = totals
    return out


@pytest.mark.parametrize("path", [WEEK, EXPORTS[0], EXPORTS[3]], ids=lambda p: p.name)
def test_array_totals_are_the_loop_totals(path: Path, hard: Path) -> None:
    for r in (intake(read_diary(path)), intake(read_diary(hard))):
        meals = _loop_totals(r, lambda e: (e.date, e.meal or "unspecified"))
        days = _loop_totals(r, lambda e: e.date)
        got_meals = {
            (d, m): [(t.value, t.n_lines, t.missing_lines) for t in ts] for d, m, ts in r.meals
        }
        got_days = {d: [(t.value, t.n_lines, t.missing_lines) for t in ts] for d, ts in r.days}
        assert got_meals == meals
        assert got_days == days
        assert [d for d, _ in r.days] == sorted(days)
        assert [(d, m) for d, m, _ in r.meals] == list(meals)  # order of first appearance


def test_report_is_immutable(hard: Path) -> None:
    r = intake(read_diary(hard))
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.values = np.zeros(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        del r.plausibility
    assert "IntakeReport(" in repr(r)


def test_group_totals_of_objects_round_trip(hard: Path) -> None:
    r = intake(read_diary(hard))
    groups = r.day_totals()[1]
    assert GroupTotals.of(groups.totals(), len(r.nutrients)).totals() == groups.totals()
    with pytest.raises(ValueError, match="one total per nutrient"):
        GroupTotals.of([[NutrientTotal(1.0, 1, ())]], 2)


# -- pieces replaced ------------------------------------------------------------------------


@pytest.mark.parametrize("path", [WEEK, *EXPORTS], ids=lambda p: p.name)
def test_plain_part_is_the_parse_mapping(path: Path, hard: Path) -> None:
    for d in (read_diary(path), read_diary(hard)):
        for e in d.entries:
            for p in (e.parsed, e.candidate):
                if p is None:
                    continue
                want = p.to_dict()
                want.pop("alternatives")
                got = _plain_part(p)
                assert got is not None
                assert list(got) == list(want) and got == want
                assert [type(v) for v in got.values()] == [type(v) for v in want.values()]


def test_plain_part_leaves_other_values_to_the_schema() -> None:
    p = read_diary(WEEK).entries[0].parsed
    assert p is not None
    for change in ({"amount": float("nan")}, {"grams": np.float64(3.0)}, {"amount": True}):
        assert _plain_part(dataclasses.replace(p, **change)) is None
    assert _plain_part(dataclasses.replace(p, notes=("a", "b"))) is not None  # type: ignore[arg-type]


_floats = st.floats(allow_nan=True, allow_infinity=True) | st.builds(
    lambda n, e: n / 10**e, st.integers(-(10**9), 10**9), st.integers(0, 9)
)


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(_floats, max_size=30))
def test_round4_array_is_round4(xs: list[float]) -> None:
    a = np.array(xs, dtype=np.float64)
    got = [None if x != x else x for x in _round4_array(a).tolist()]
    assert [repr(v) for v in got] == [repr(v) for v in _round4(a)]


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(_floats, max_size=30))
def test_array_scalars_are_the_text_of_each_value(xs: list[float]) -> None:
    a = np.array(xs, dtype=np.float64)
    want = [_json_value_bytes(None if x != x else x) for x in xs]
    assert _array_scalars(a) == want
    assert _array_scalars(_round4_array(a).reshape(-1, 1)) == [
        _json_value_bytes(v) for v in _round4(a)
    ]
