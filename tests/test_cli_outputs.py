"""Output files, markup and terminal escapes in the CLI (issue 11): outputs are checked before
any work, an output never overwrites an input, user text prints as written."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from magnerve.cli import app

ROOT = Path(__file__).resolve().parents[1]
DIARY = ROOT / "examples" / "diary_week.csv"
PROFILE = ROOT / "examples" / "profile_t2d.toml"


@pytest.fixture
def runner(monkeypatch) -> CliRunner:
    from magnerve.cli import _common

    # the CLI's consoles are made once per process: an earlier test may have fixed their width
    monkeypatch.setattr(_common.out, "_console", None)
    monkeypatch.setattr(_common.err, "_console", None)
    return CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if the assessment or the nerve model runs (outputs are checked first)."""

    def boom(*a, **k):
        raise AssertionError("the work started before the output was checked")

    # modules that bind these names when first imported must be imported before the patch,
    # or they would keep `boom` for every later test in this process
    import magnerve
    import magnerve.analysis
    import magnerve.plan

    assert callable(magnerve.assess)
    monkeypatch.setattr("magnerve.assessment.assess", boom)
    monkeypatch.setattr("magnerve.physiology.nerve.simulate_sweep", boom)
    monkeypatch.setattr("magnerve.datasets.load_demo", boom)


def _clean_exit(res, code: int) -> str:
    assert res.exit_code == code, (res.exit_code, res.output)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output
    return " ".join(res.stderr.split())


def _one_error_line(res) -> str:
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["assess", str(DIARY), "-p", str(PROFILE), "--html", "{missing}/r.html"],
        ["assess", str(DIARY), "-p", str(PROFILE), "--pdf", "{missing}/r.pdf"],
        ["plan", str(DIARY), "-p", str(PROFILE), "--html", "{missing}/r.html"],
        ["simulate", str(DIARY), "-p", str(PROFILE), "--chart", "{missing}/s.svg"],
        ["demo", "-o", "{missing}/d.html"],
        ["nerve", "sweep", "--chart", "{missing}/s.svg"],
    ],
)
def test_missing_directory_is_refused_before_the_work(runner, tmp_path, no_work, args):
    args = [a.replace("{missing}", str(tmp_path / "nope")) for a in args]
    res = runner.invoke(app, args)
    msg = _clean_exit(res, 1)
    assert "does not exist" in msg
    _one_error_line(res)


@pytest.mark.parametrize("cmd", ["assess", "plan", "simulate"])
def test_a_directory_as_output_is_refused(runner, tmp_path, no_work, cmd):
    opt = "--chart" if cmd == "simulate" else "--html"
    res = runner.invoke(app, [cmd, str(DIARY), "-p", str(PROFILE), opt, str(tmp_path)])
    assert "is a directory" in _clean_exit(res, 1)


@pytest.mark.skipif(not Path("/sys").is_dir(), reason="needs a read-only /sys (Linux)")
def test_a_read_only_location_is_refused(runner, no_work):
    res = runner.invoke(app, ["assess", str(DIARY), "-p", str(PROFILE), "--html", "/sys/r.html"])
    assert "cannot write /sys/r.html" in _clean_exit(res, 1)
    assert not Path("/sys/r.html").exists()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores modes")
def test_a_read_only_directory_is_refused(runner, tmp_path, no_work):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        res = runner.invoke(app, ["demo", "-o", str(ro / "d.html")])
        assert "cannot write" in _clean_exit(res, 1)
    finally:
        ro.chmod(0o700)


def test_output_equal_to_an_input_is_refused(runner, tmp_path, no_work):
    diary = tmp_path / "d.csv"
    shutil.copy(DIARY, diary)
    before = diary.read_bytes()
    link = tmp_path / "link.html"
    link.symlink_to(diary)
    for out in (diary, link, tmp_path / "." / "d.csv"):
        res = runner.invoke(app, ["assess", str(diary), "-p", str(PROFILE), "--html", str(out)])
        assert "input file" in _clean_exit(res, 1), out
    res = runner.invoke(app, ["plan", str(diary), "-p", str(PROFILE), "--html", str(PROFILE)])
    assert "input file" in _clean_exit(res, 1)
    res = runner.invoke(
        app,
        ["assess", str(diary), "-p", str(PROFILE), "--html", str(tmp_path / "r"), "--pdf",
         str(tmp_path / "r")],
    )  # fmt: skip
    assert "same file" in _clean_exit(res, 1)
    assert diary.read_bytes() == before


def test_the_output_check_leaves_no_file_behind(runner, tmp_path, monkeypatch):
    """Checking that a new file can be created removes the probe file again."""
    from magnerve.cli._common import check_outputs

    target = tmp_path / "new.html"
    check_outputs({"--html": target}, [])
    assert not target.exists()


def test_simulate_json_writes_no_chart_unless_asked(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["simulate", str(DIARY), "-p", str(PROFILE), "--days", "5", "--json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    json.loads(res.stdout)
    assert list(tmp_path.iterdir()) == []  # no ./magnerve-simulation.svg
    res = runner.invoke(app, [*args, "--chart", "s.svg"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "s.svg").read_text().startswith("<svg")


# -- markup and terminal escapes -----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["foods", "search", "[/]"], 1),
        (["foods", "search", "[/red]x", "--limit", "2"], 0),
        (["foods", "show", "[/]"], 1),
        (["parse", "[/red]"], 0),  # red cabbage
        (["parse", "[/] xyzzy qwerty"], 1),
        (["assess", "[/]", "-p", str(PROFILE)], 2),
        (["plan", str(DIARY), "-p", str(PROFILE), "--pattern", "[/]"], 2),
        (["plan", str(DIARY), "-p", str(PROFILE), "--exclude", "[/red]"], 2),
    ],
)
def test_rich_markup_in_user_text_prints_as_written(runner, args, code):
    res = runner.invoke(app, args)
    _clean_exit(res, code)
    if code:
        assert "[/" in res.stderr


def test_alias_markup(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("MAGNERVE_CONFIG_DIR", str(tmp_path))
    res = runner.invoke(app, ["alias", "remove", "[/]"])
    assert "[/]" in _clean_exit(res, 1)


ESC_NAME = "\x1b]0;pwned\x07\x1b[2J[/red]zzqx blorp\x9b31m"


def test_diary_text_is_escaped_and_control_sequences_stripped(runner, tmp_path):
    d = tmp_path / "d.csv"
    d.write_text(
        "date,meal,food,amount,unit\n"
        f"2024-03-05,breakfast,{ESC_NAME},1,cup\n"
        "2024-03-05,lunch,30 g almonds,,\n",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["intake", str(d)])
    msg = _clean_exit(res, 1)
    assert "[/red]zzqx blorp" in msg  # the markup prints as written
    for ch in ("\x1b", "\x07", "\x9b"):
        assert ch not in res.stderr and ch not in res.stdout


def test_clean_strips_every_kind_of_terminal_sequence():
    from magnerve.cli._common import clean, escape

    assert clean("a\x1b[31mb\x1b[0m") == "ab"
    assert clean("a\x1b]0;title\x07b") == "ab"
    assert clean("a\x1b]8;;http://x\x1b\\b") == "ab"
    assert clean("a\x9b2Jb\x07\rc\x00") == "abc"
    assert clean("tab\tand\nnewline") == "tab\tand\nnewline"
    assert clean("left\u202eright") == "leftright"
    assert escape("[/red]\x1b[1m") == "\\[/red]"
