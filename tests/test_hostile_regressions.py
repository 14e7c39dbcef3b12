"""Regressions for the outside hostile-input check (issue 11: D2-D4, D7-D11, M1-M6)."""

from __future__ import annotations

import io
import json
import os
import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hypothesis_profiles import examples
from magnerve.diary import ALIAS_FILE_NOTE, read_diary, read_diary_text
from magnerve.errors import InputError
from magnerve.foods import ParseError, add_alias, load_aliases, parse_line
from magnerve.foods._portions import AmountError, parse_amount
from magnerve.profile import ProfileError, parse_profile

ADULT = {"age": 40, "sex": "male"}


@pytest.fixture(autouse=True)
def _config(tmp_path, monkeypatch):
    monkeypatch.setenv("MAGNERVE_CONFIG_DIR", str(tmp_path / "cfg"))


def _accounted(d) -> list[int]:
    return sorted([e.line for e in d.entries] + [p.line for p in d.problems])


# D2: a 5,000-digit number is a problem of its entry
def test_huge_json_integer_is_a_problem_of_its_entry():
    big = "9" * 5000
    text = (
        f'[{{"date": "2024-03-05", "food": "almonds", "amount": {big}, "unit": "g"}},\n'
        ' {"date": "2024-03-05", "food": "30 g almonds"}]'
    )
    d = read_diary_text(text)
    assert len(d.entries) == 1 and len(d.problems) == 1
    assert "5,000 characters" in d.problems[0].reason and d.problems[0].line == 1


# D3: a lone surrogate escape is refused for its entry; the CLI JSON never fails mid-document
def test_lone_surrogate_is_a_problem_and_output_encodes():
    text = (
        '[{"date": "2024-03-05", "food": "30 g alm\\ud800onds"},'
        ' {"date": "2024-03-05", "food": "30 g almonds"}]'
    )
    d = read_diary_text(text)
    assert len(d.entries) == 1 and "lone surrogate" in d.problems[0].reason
    json.dumps([p.to_dict() for p in d.problems], ensure_ascii=False).encode("utf-8")
    # a valid pair (an emoji escaped as two halves) is kept
    ok = read_diary_text('[{"date": "2024-03-05", "food": "30 g almonds \\ud83d\\ude00"}]')
    assert len(ok.entries) == 1


def test_cli_json_writer_replaces_surrogates(capsysbinary):
    from magnerve.cli._common import _emit_json, _emit_json_items

    _emit_json({"text": "alm\ud800onds"})
    _emit_json_items(iter([("text", "alm\ud800onds")]))
    out = capsysbinary.readouterr().out.decode("utf-8")
    assert out.count("alm\ufffdonds") == 2


# D4: alias file problems are InputErrors naming the file; a diary notes a broken alias file
@pytest.mark.parametrize(
    "content",
    [
        b'{"version": 1, "aliases": {',
        b"\x80\x81\xff" * 50,
        b"[" * 100_000,
        b'{"version":1,"aliases":[1,2,3]}',
        b'{"aliases": {"a": 1}}',
    ],
    ids=["truncated", "binary", "deep", "wrong_shape", "bad_value"],
)
def test_broken_alias_file_is_an_input_error(tmp_path, content):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "aliases.json").write_bytes(content)
    with pytest.raises(InputError, match=r"aliases\.json"):
        load_aliases()
    d = read_diary_text("date,food\n2024-03-05,30 g almonds\n")
    assert len(d.entries) == 1
    assert sum(n.startswith(ALIAS_FILE_NOTE) for n in d.notes) == 1


def test_alias_dir_problems_and_text_length(tmp_path, monkeypatch):
    f = tmp_path / "afile"
    f.write_text("x")
    monkeypatch.setenv("MAGNERVE_CONFIG_DIR", str(f))
    with pytest.raises(InputError, match="afile"):
        load_aliases()
    with pytest.raises(InputError, match="the alias file"):
        add_alias("my nuts", "12061")
    monkeypatch.setenv("MAGNERVE_CONFIG_DIR", str(tmp_path / "ok"))
    with pytest.raises(ValueError, match="limit is 500"):
        add_alias("x" * 100_000, "12061")
    assert add_alias("my nuts", "12061") == "my nuts"


def test_cli_alias_list_broken_file_exit_1(tmp_path):
    from typer.testing import CliRunner

    from magnerve.cli import app

    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "aliases.json").write_text("[" * 100_000)
    r = CliRunner().invoke(app, ["alias", "list"])
    assert r.exit_code != 0 and isinstance(r.exception, InputError | SystemExit)


# D7 / M2: every physical line is an entry or a problem with its own number
def test_lone_cr_between_records_is_a_line_end():
    text = (
        "date,time,meal,food,amount,unit\n2026-11-16,07:30,breakfast,rolled oats,0.5,cup\r\n"
        "2026-11-16,12:30,lunch,1 medium banana,,\r2026-11-16,19:00,dinner,white rice,1,cup\n"
        "2026-11-16,21:00,snack,almonds,1,oz"
    )
    d = read_diary_text(text)
    assert _accounted(d) == [2, 3, 4, 5]


def test_cr_only_pretty_json_numbers_each_entry():
    obj = [{"date": "2026-11-16", "food": "almonds", "amount": 1, "unit": "oz"}] * 2
    d = read_diary_text(json.dumps(obj, indent=2).replace("\n", "\r"))
    lines = [e.line for e in d.entries]
    assert len(lines) == 2 and lines[0] != lines[1]


# D8: scientific notation read; non-finite amounts and unknown unit words never vanish
@pytest.mark.parametrize(("line", "grams"), [("1e3 g almonds", 1000), ("2E2g almonds", 200)])
def test_exponent_amounts(line, grams):
    assert parse_line(line).grams == pytest.approx(grams)


@pytest.mark.parametrize(
    "line",
    ["nan g almonds", "Inf g almonds", "infinity g almonds", "1e309 g almonds", "NaN cup almonds"],
)
def test_non_finite_amounts_are_refused(line):
    with pytest.raises(ParseError):
        parse_line(line)


def test_unknown_unit_word_is_flagged():
    p = parse_line("1 stone almonds")
    assert p.uncertain and any("'stone'" in n for n in p.notes)


@given(st.floats(allow_nan=True, allow_infinity=True))
@settings(max_examples=examples(60), deadline=None)
def test_parse_amount_never_returns_non_finite(x):
    try:
        amount, _ = parse_amount(f"{x!r} g almonds")
    except AmountError:
        return
    assert amount is None or 0 < amount < float("inf")


# D9: fraction and division slashes, full-width digits
@pytest.mark.parametrize(
    "text", ["1\u20442 cup whole milk", "1\u22152 cup whole milk", "\uff11/\uff12 cup whole milk"]
)
def test_fraction_slash_is_a_slash(text):
    assert parse_line(text).grams == pytest.approx(parse_line("1/2 cup whole milk").grams)


# D10: parse_line applies the diary's portion bound, with the same message
def test_parse_line_portion_bound_matches_the_diary():
    with pytest.raises(ParseError) as ei:
        parse_line("99999 kg almonds")
    d = read_diary_text("date,food\n2024-03-05,99999 kg almonds\n")
    assert ei.value.reason == d.problems[0].reason
    assert "sanity bound" in ei.value.reason


# D11: lab values and hardness need their unit
@pytest.mark.parametrize(
    "data",
    [
        {"labs": {"serum_magnesium": "1.9"}},
        {"labs": {"serum_magnesium": 0.8}},
        {"water": {"hardness": "150"}},
    ],
)
def test_unitless_lab_values_are_refused(data):
    with pytest.raises(ProfileError, match="has no unit"):
        parse_profile({"person": ADULT, **data})
    section, fields = next(iter(data.items()))
    key = next(iter(fields))
    unit = "mmol/L" if section == "labs" else "mg/L CaCO3"
    parse_profile({"person": ADULT, section: {key: f"{fields[key]} {unit}"}})


# M1: a signed time is refused with its line
def test_negative_time_is_refused():
    d = read_diary_text("date,time,food\n2024-03-05,-01:00,30 g almonds\n")
    assert d.problems and d.problems[0].line == 2 and "time" in d.problems[0].reason


# M3: a pipe or FIFO is read (bounded); a FIFO nobody writes to is refused, not waited on
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_fifo_diary_is_read(tmp_path):
    fifo = tmp_path / "d.csv"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "w") as f:
            f.write("date,food\n2024-03-05,30 g almonds\n")

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    d = read_diary(fifo)
    t.join(5)
    assert len(d.entries) == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_fifo_without_writer_is_refused(tmp_path, monkeypatch):
    from dataclasses import replace

    from magnerve import _limits, diary

    fifo = tmp_path / "d.csv"
    os.mkfifo(fifo)
    quick = replace(_limits.diary_limits(), fifo_wait_s=0.2)
    monkeypatch.setattr(diary, "diary_limits", lambda: quick)
    with pytest.raises(InputError, match="nothing was written"):
        read_diary(fifo)


# M5: schema --out refuses a FIFO like every other output
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_schema_out_fifo_is_refused(tmp_path):
    from typer.testing import CliRunner

    from magnerve.cli import app

    fifo = tmp_path / "s.json"
    os.mkfifo(fifo)
    r = CliRunner().invoke(app, ["schema", "assess", "--out", str(fifo)])
    assert r.exit_code == 1


# M6: the Greek small letter mu reads like the micro sign
def test_greek_mu_unit():
    assert parse_line("10 \u03bcg almonds").grams == pytest.approx(
        parse_line("10 \u00b5g almonds").grams
    )
    d = read_diary_text("date,food,amount,unit\n2024-03-05,almonds,10,\u03bcg\n")
    assert len(d.entries) == 1


def test_stdin_like_stream_is_read():
    d = read_diary(io.BytesIO(b"date,food\n2024-03-05,30 g almonds\n"))
    assert len(d.entries) == 1 and sys.version_info >= (3, 11)


def test_lab_values_in_scientific_notation() -> None:
    """'5e-1 mmol/L' is a number and a unit (an outside check saw it refused as the unit
    'e-1 mmol/L'); an overflowing exponent is refused at its field."""
    from magnerve.profile import ProfileError, load_profile, parse_lab

    base = "[person]\nage = 60\nsex = 'male'\n[labs]\nserum_magnesium = '{}'\n"
    p = load_profile(base.format("8e-1 mmol/L").encode())
    assert p.labs is not None
    assert abs(parse_lab(p.labs.serum_magnesium, "serum_magnesium") - 0.8) < 1e-12
    with pytest.raises(ProfileError, match="serum_magnesium"):
        load_profile(base.format("1e400 mmol/L").encode())
