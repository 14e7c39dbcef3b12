"""Implausible portions and days are flagged in the intake output (issue 9), never changed."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from magnerve import intake, read_diary
from magnerve.cli import app


def _diary(tmp_path: Path, rows: list[str]) -> Path:
    p = tmp_path / "d.csv"
    p.write_text("date,meal,food,amount,unit\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def test_huge_portion_flagged_and_kept(tmp_path: Path) -> None:
    path = _diary(
        tmp_path,
        [
            "2026-11-16,lunch,chicken nuggets,522,g",
            "2026-11-16,dinner,white rice cooked,1,cup",
            "2026-11-16,dinner,roast chicken breast,150,g",
            "2026-11-16,breakfast,rolled oats,1,cup",
            "2026-11-16,breakfast,whole milk,2,cup",
        ],
    )
    d = read_diary(path)
    rep = intake(d)
    kinds = [(f["kind"], f.get("line")) for f in rep.plausibility]
    assert ("portion", 2) in kinds
    assert all(line != 3 for _, line in kinds)  # a cup of rice is a usual portion
    # the numbers are not changed by the flag
    g = next(e.parsed.grams for e in rep.entries if e.line == 2)
    assert g == 522


def test_low_energy_day_flagged(tmp_path: Path) -> None:
    path = _diary(
        tmp_path,
        [
            "2026-11-16,breakfast,banana,1,medium",
            "2026-11-16,lunch,white bread,2,slice",
            "2026-11-16,dinner,white rice cooked,1,cup",
            "2026-11-17,breakfast,rolled oats,1,cup",
            "2026-11-17,breakfast,whole milk,2,cup",
            "2026-11-17,lunch,white bread,4,slice",
            "2026-11-17,lunch,cheddar cheese,2,oz",
            "2026-11-17,dinner,white rice cooked,2,cup",
            "2026-11-17,dinner,roast chicken breast,200,g",
        ],
    )
    rep = intake(read_diary(path))
    days = [f["date"] for f in rep.plausibility if f["kind"] == "day_energy"]
    assert days == ["2026-11-16"]


def test_cli_shows_flags(tmp_path: Path) -> None:
    path = _diary(tmp_path, ["2026-11-16,lunch,chicken nuggets,522,g"])
    res = CliRunner().invoke(app, ["intake", str(path)])
    assert res.exit_code == 0
    assert "check:" in res.output and "usual portion" in res.output
    res = CliRunner().invoke(app, ["intake", str(path), "--json"])
    data = json.loads(res.output)
    assert {f["kind"] for f in data["plausibility"]} == {"portion"}
