"""The review step: uncertain matches listed with alternatives; a choice is saved as the
user's alias, so the same line resolves the same way next time (issue 9)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from magnerve.cli import app
from magnerve.foods import parse_line


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cfg"
    d.mkdir()
    monkeypatch.setenv("MAGNERVE_CONFIG_DIR", str(d))
    return d


def _diary(tmp_path: Path) -> Path:
    p = tmp_path / "d.csv"
    p.write_text(
        "date,meal,food,amount,unit\n"
        "2026-11-16,breakfast,rolled oats,0.5,cup\n"
        "2026-11-16,breakfast,2 large shredded wheat biscuits,,\n",
        encoding="utf-8",
    )
    return p


def test_review_lists_uncertain_lines_with_alternatives(tmp_path: Path, config_dir: Path) -> None:
    res = CliRunner().invoke(app, ["intake", str(_diary(tmp_path)), "--review", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    lines = [f["line"] for f in data["flagged"]]
    assert lines == [3]
    assert data["flagged"][0]["alternatives"]
    assert data["alias_file"].startswith(str(config_dir))


def test_review_choice_saved_as_alias(tmp_path: Path, config_dir: Path) -> None:
    path = _diary(tmp_path)
    before = json.loads(
        CliRunner().invoke(app, ["intake", str(path), "--review", "--json"]).output
    )["flagged"][0]
    pick = before["alternatives"][0]["id"]
    res = CliRunner().invoke(app, ["intake", str(path), "--review", "--interactive"], input="1\n")
    assert res.exit_code == 0, res.output
    assert "1 alias(es) saved" in res.output
    listed = json.loads(CliRunner().invoke(app, ["alias", "list", "--json"]).output)
    assert pick in listed["aliases"].values()
    # the same line now resolves to the chosen food, without doubt
    p = parse_line("2 large shredded wheat biscuits")
    assert p.food.id == pick
    res = CliRunner().invoke(app, ["intake", str(path), "--review"])
    assert "nothing to review" in res.output


def test_alias_add_and_remove(config_dir: Path) -> None:
    res = CliRunner().invoke(app, ["alias", "add", "my granola", "08037"])
    assert res.exit_code == 0, res.output
    assert parse_line("1 cup my granola").food.id == "08037"
    res = CliRunner().invoke(app, ["alias", "add", "x", "99999999"])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert CliRunner().invoke(app, ["alias", "remove", "my granola"]).exit_code == 0
    assert CliRunner().invoke(app, ["alias", "remove", "my granola"]).exit_code == 1


def test_refused_line_can_be_resolved_by_review(tmp_path: Path, config_dir: Path) -> None:
    p = tmp_path / "d.csv"
    p.write_text(
        "date,meal,food,amount,unit\n2026-11-16,dinner,mystery stew,1,cup\n", encoding="utf-8"
    )
    data = json.loads(CliRunner().invoke(app, ["intake", str(p), "--review", "--json"]).output)
    (item,) = data["flagged"]
    assert item["text"] == "mystery stew" and item["food"] is None
    pick = item["alternatives"][0]["id"]
    res = CliRunner().invoke(app, ["intake", str(p), "--review", "--interactive"], input="1\n")
    assert res.exit_code == 0, res.output
    # the line now resolves to the chosen food, and the intake runs
    res = CliRunner().invoke(app, ["intake", str(p), "--json"])
    assert res.exit_code == 0, res.output
    (line,) = json.loads(res.output)["lines"]
    assert line["food"]["id"] == pick
