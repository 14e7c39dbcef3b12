"""The ``aliases`` parameter of the line parser: a caller (the web app, one account's
corrections) passes its own "food text -> NDB" mapping instead of the user's alias file."""

from __future__ import annotations

from pathlib import Path

import pytest

from magnerve import foods
from magnerve.foods import add_alias, alias_key, match_food, parse_food_amount, parse_line

LINE = "2 large shredded wheat biscuits"


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cfg"
    d.mkdir()
    monkeypatch.setenv("MAGNERVE_CONFIG_DIR", str(d))
    return d


def _other_food(line: str) -> str:
    """An SR28 food the search does not choose for ``line``: one of its alternatives."""
    p = parse_line(line, aliases={})
    return next(h.id for h in p.alternatives if h.id != p.food.id)


def test_mapping_is_used_instead_of_the_search(config_dir: Path) -> None:
    plain = parse_line(LINE)
    pick = _other_food(LINE)
    mine = {alias_key(LINE): pick}
    p = parse_line(LINE, aliases=mine)
    assert p.food.id == pick != plain.food.id
    assert any("alias" in n for n in p.notes)
    m = match_food("Shredded wheat biscuits", aliases=mine)
    assert (m.food.id if m.food else None, m.source) == (pick, "alias")
    q = parse_food_amount("shredded wheat biscuits", 2, "large", aliases=mine)
    assert q.food.id == pick


def test_mapping_replaces_the_alias_file(config_dir: Path) -> None:
    """With a mapping, the operator's alias file is not read at all; None still reads it."""
    pick = _other_food(LINE)
    add_alias(LINE, pick)
    assert parse_line(LINE).food.id == pick  # default: today's behaviour (the file)
    assert match_food(LINE).source == "alias"
    assert parse_line(LINE, aliases={}).food.id != pick
    assert match_food(LINE, aliases={}).source != "alias"
    other = _other_food("30 g almonds")
    assert parse_line(LINE, aliases={"almonds": other}).food.id != pick


def test_keys_are_alias_keys(config_dir: Path) -> None:
    """The mapping is looked up by the normalised food text, so the amount, case and
    punctuation of the line do not matter."""
    pick = _other_food(LINE)
    mine = {alias_key("Shredded-Wheat Biscuits"): pick}
    assert parse_line("1 large SHREDDED WHEAT, biscuits", aliases=mine).food.id == pick
    assert parse_line(LINE, aliases={"shredded wheat": pick}).food.id != pick  # not a prefix


def test_unknown_ndb_in_mapping_falls_back_to_search(config_dir: Path) -> None:
    assert parse_line(LINE, aliases={alias_key(LINE): "99999"}).food.id == parse_line(LINE).food.id


def test_exported_publicly() -> None:
    assert "alias_key" in foods.__all__ and "parse_line" in foods.__all__
