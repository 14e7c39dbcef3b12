"""``magnerve intake --json`` streams its document (issue 10: a 10-year diary in <= 300 MiB).

The CLI writes ``IntakeReport.iter_dict()`` a batch at a time. These tests hold the bytes it
writes to the bytes of the implementation before streaming: ``_reference_to_dict`` below is
that ``IntakeReport.to_dict`` (one Python ``round`` per value and total, ``ParsedLine.to_dict``
per line), written with the CLI's writer of the whole object (``dumps_json``), on the example
week, the export files in tests/data and generated diaries with gaps, unicode, quotes and
amounts orjson would write differently from Python.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from hypothesis_profiles import examples
from magnerve.cli._common import _json_object_chunks
from magnerve.cli._fast import dumps_json
from magnerve.diary import Diary, read_diary
from magnerve.intake import IntakeReport, NutrientTotal, _round4, intake

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"

FILES = [
    ROOT / "examples" / "diary_week.csv",
    DATA / "cronometer_servings.csv",
    DATA / "cronometer_constructs.csv",
    DATA / "cronometer_dailysummary.csv",
    DATA / "mfp_nutrition_summary.csv",
    DATA / "totals_daily.csv",
]

# gaps (01188 Cheez Whiz has no magnesium, 01008 caraway cheese no vitamin D), unicode and
# quotes in meal and food text, a line repeated on several days, an amount below 1e-4 g
# (orjson writes 0.00005, Python 5e-05), an unknown food (skipped with --skip-bad)
GENERATED = """\
date,time,meal,food,amount,unit
2024-03-05,07:30,breakfast,1 medium banana,,
2024-03-05,07:30,breakfast,01188,100,g
2024-03-05,12:00,"déjeuner ""maison"" 🍲",01008,100,g
2024-03-05,,,30 g almonds,,
2024-03-06,07:30,breakfast,1 medium banana,,
2024-03-06,08:00,"snack, \\ late",12061,0.00005,g
2024-03-06,19:00,dinner,"1 cup whole milk",,
2024-03-07,19:00,dinner,01188,50,g
2024-03-07,20:00,dinner,zzzqqq unknown thing,1,cup
"""


@pytest.fixture(autouse=True)
def _no_user_aliases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAGNERVE_CONFIG_DIR", str(tmp_path))


def _reference_mean_daily(r: IntakeReport) -> list[NutrientTotal]:
    out = []
    for j in range(len(r.nutrients)):
        vals = [d[1][j].value for d in r.days]
        known = [v for v in vals if v is not None]
        missing = tuple(x for d in r.days for x in d[1][j].missing_lines)
        mean = sum(known) / len(vals) if known and vals else None
        out.append(NutrientTotal(mean, len(r.entries), missing))
    return out


def _reference_to_dict(r: IntakeReport) -> dict[str, Any]:
    """``IntakeReport.to_dict`` as it was before batching and bulk rounding."""
    keys = [n.key for n in r.nutrients]

    def total(t: NutrientTotal) -> dict[str, Any]:
        return {
            "value": None if t.value is None else round(t.value, 4),
            "complete": not t.missing_lines,
            "coverage": 1.0 if not t.missing_lines else round(t.coverage, 4),
            "missing_lines": list(t.missing_lines),
        }

    def named(totals: list[NutrientTotal]) -> dict[str, Any]:
        return {k: total(t) for k, t in zip(keys, totals, strict=True)}

    lines = []
    for e, row in zip(r.entries, r.values.tolist(), strict=True):
        base: dict[str, Any] = {
            "line": e.line,
            "date": e.date.isoformat(),
            "time": e.time,
            "meal": e.meal,
        }
        if e.parsed is not None:
            part = e.parsed.to_dict()
            part.pop("alternatives")
            base.update(part, source="sr28")
        else:
            base.update(
                text=e.name,
                food=None,
                amount=None,
                unit=None,
                grams=None,
                measure=None,
                confidence=None,
                notes=list(e.notes),
                source="file",
            )
        base["nutrients"] = {
            k: (None if v != v else round(v, 4)) for k, v in zip(keys, row, strict=True)
        }
        lines.append(base)
    return {
        "nutrients": [
            {"key": n.key, "label": n.label, "unit": n.units, "sr28_nutr_no": n.nutr_no}
            for n in r.nutrients
        ],
        "lines": lines,
        "meals": [{"date": d.isoformat(), "meal": m, "nutrients": named(t)} for d, m, t in r.meals],
        "days": [{"date": d.isoformat(), "nutrients": named(t)} for d, t in r.days],
        "mean_daily": {"n_days": len(r.days), "nutrients": named(_reference_mean_daily(r))},
        "plausibility": r.plausibility,
    }


def _extra(d: Diary, source: str) -> dict[str, Any]:
    """The keys ``intake_cmd`` adds after the report's."""
    return {
        "source": source,
        "skipped": [p.to_dict() for p in d.problems],
        "format": d.format,
        "kind": d.kind,
        "supplements": [x.to_dict() for x in d.supplements],
        "export_checks": [c.to_dict() for c in d.checks],
        "disagreements": [c.line for c in d.disagreements],
        "diary_notes": list(d.notes),
    }


def _reference_bytes(path: Path) -> bytes:
    """What ``magnerve intake PATH --json --skip-bad`` wrote before streaming."""
    d = read_diary(path)
    data = _reference_to_dict(intake(d))
    data.update(_extra(d, str(path)))
    return dumps_json(data).encode("utf-8")


def _cli_bytes(path: Path) -> bytes:
    from magnerve.cli import app

    res = CliRunner().invoke(app, ["intake", str(path), "--json", "--skip-bad"])
    assert res.exit_code == 0, res.output
    return res.stdout_bytes


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stream") / "generated.csv"
    path.write_text(GENERATED, encoding="utf-8")
    return path


def test_generated_diary_exercises_the_hard_cases(generated: Path) -> None:
    d = read_diary(generated)
    r = intake(d)
    data = r.to_dict()
    assert d.problems  # the unknown food is skipped
    assert any(not t["complete"] for day in data["days"] for t in day["nutrients"].values())
    assert any(v is None for line in data["lines"] for v in line["nutrients"].values())
    assert any(line["amount"] == 0.00005 for line in data["lines"])
    assert b"e-05" in _reference_bytes(generated)  # Python's float text, not orjson's
    assert any("🍲" in (line["meal"] or "") for line in data["lines"])


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_cli_bytes_are_those_of_the_whole_document(path: Path) -> None:
    assert _cli_bytes(path) == _reference_bytes(path)


def test_cli_bytes_generated_diary(generated: Path) -> None:
    assert _cli_bytes(generated) == _reference_bytes(generated)


@pytest.mark.parametrize("batch", [1, 2, 3, 1000])
def test_to_dict_and_every_batch_size_equal_the_reference(generated: Path, batch: int) -> None:
    d = read_diary(generated)
    r = intake(d)
    ref = _reference_to_dict(r)
    assert json.dumps(r.to_dict()) == json.dumps(ref)
    streamed = b"".join(_json_object_chunks(r.iter_dict(batch)))
    assert streamed == dumps_json(ref).encode("utf-8")


def test_iter_dict_batches_are_bounded(generated: Path) -> None:
    r = intake(read_diary(generated))
    items = dict(r.iter_dict(2))
    for key in ("lines", "meals", "days"):
        batches = list(items[key])
        assert all(1 <= len(b) <= 2 for b in batches)
        assert sum(map(len, batches)) == len(getattr(r, "entries" if key == "lines" else key))
    with pytest.raises(ValueError, match="batch"):
        next(r.iter_dict(0))


def test_intake_of_a_diary_without_meals(generated: Path) -> None:
    r = intake(read_diary(generated), by_meal=False)
    assert r.to_dict()["meals"] == []
    text = b"".join(_json_object_chunks(r.iter_dict()))
    assert b'"meals": [],' in text
    assert text == dumps_json(_reference_to_dict(r)).encode("utf-8")


# -- the writer on its own --------------------------------------------------------------------


def _batched(value: list[Any], size: int) -> Iterator[list[Any]]:
    yield []  # an empty batch writes nothing
    for i in range(0, len(value), size):
        yield value[i : i + size]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"a": []},
        {"a": [], "b": {}, "c": None, "d": "x\ny"},
        {"a": [1, 2.5, float("nan"), None], "b": [{"x": [], "y": {"z": 1e-7}}]},
        {"t": "0.0000 in a string", "u": [{"k": 'é\u2028"\\'}] * 5},
    ],
)
@pytest.mark.parametrize("size", [1, 2, 100])
def test_chunks_equal_the_whole_document(data: dict[str, Any], size: int) -> None:
    items = [(k, _batched(v, size) if isinstance(v, list) else v) for k, v in data.items()]
    assert b"".join(_json_object_chunks(items)) == dumps_json(data).encode("utf-8")


def test_chunks_refuse_a_key_that_is_not_a_string() -> None:
    with pytest.raises(TypeError, match="keys must be str"):
        b"".join(_json_object_chunks([(1, 2)]))  # type: ignore[list-item]


_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=12,
)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.text(max_size=8), _json_values, max_size=5),
    st.integers(1, 4),
)
def test_chunks_equal_the_whole_document_on_random_values(data: dict[str, Any], size: int) -> None:
    items = [(k, _batched(v, size) if isinstance(v, list) else v) for k, v in data.items()]
    assert b"".join(_json_object_chunks(items)) == dumps_json(data).encode("utf-8")


# -- bulk rounding ----------------------------------------------------------------------------

_decimals = st.builds(
    lambda n, e: n / 10**e, st.integers(-(10**9), 10**9), st.integers(0, 9)
)  # decimal-looking values, with many exact ties such as 0.00005 and 2.67495


@settings(max_examples=examples(400), deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True) | _decimals, max_size=30))
def test_round4_is_python_round(xs: list[float]) -> None:
    import numpy as np

    got = _round4(np.array(xs, dtype=np.float64))
    want = [None if math.isnan(x) else round(x, 4) for x in xs]
    assert [repr(v) for v in got] == [repr(v) for v in want]  # -0.0 and 0.0 differ too


def test_round4_two_dimensions_and_ties() -> None:
    import numpy as np

    a = np.array([[0.00005, 2.67495, float("nan")], [-0.00005, 1e300, 12.3456789]])
    got = _round4(a)
    want = [[None if math.isnan(x) else round(x, 4) for x in row] for row in a.tolist()]
    assert repr(got) == repr(want)
    assert got[0][0] == 0.0001 and got[1][0] == -0.0001  # Python's rounding, not numpy's 0.0
