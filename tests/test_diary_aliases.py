"""``read_diary(..., aliases=...)``: a caller's own food aliases instead of the alias file."""

from __future__ import annotations

from pathlib import Path

import pytest

from magnerve.diary import read_diary
from magnerve.foods import add_alias, alias_key

CSV = b"date,food,amount,unit\n2026-11-02,nana bread,1,slice\n2026-11-03,nana bread,1,slice\n"
CRONO = (
    "Day,Group,Food Name,Amount,Energy (kcal),Magnesium (mg),Category\n"
    '2026-11-02,"Lunch","Nana bread","1.00 slice",,,"Baked Products"\n'
)
BANANA_BREAD = "18019"  # SR28: Bread, banana, prepared from recipe, made with margarine
WHITE_BREAD = "18069"  # SR28: Bread, white, commercially prepared


@pytest.fixture(autouse=True)
def _own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAGNERVE_CONFIG_DIR", str(tmp_path / "config"))


def test_given_aliases_resolve_the_line() -> None:
    d = read_diary(CSV, aliases={alias_key("nana bread"): BANANA_BREAD})
    assert [e.food_id for e in d.entries] == [BANANA_BREAD, BANANA_BREAD]
    assert all(e.parsed is not None and e.parsed.confidence == 1.0 for e in d.entries)


def test_given_aliases_replace_the_alias_file() -> None:
    add_alias("nana bread", WHITE_BREAD)  # the operator's / user's file
    from_file = read_diary(CSV)
    assert {e.food_id for e in from_file.entries} == {WHITE_BREAD}
    own = read_diary(CSV, aliases={alias_key("nana bread"): BANANA_BREAD})
    assert {e.food_id for e in own.entries} == {BANANA_BREAD}
    none = read_diary(CSV, aliases={})  # no alias at all: the search decides
    assert WHITE_BREAD not in {e.food_id for e in none.entries} or not none.entries
    # and the file's answer is not spoiled by the reads with other aliases (caches)
    assert {e.food_id for e in read_diary(CSV).entries} == {WHITE_BREAD}


def test_cronometer_rows_use_given_aliases() -> None:
    d = read_diary(CRONO.encode(), aliases={alias_key("Nana bread"): BANANA_BREAD})
    (check,) = d.checks
    assert check.food is not None and check.food.id == BANANA_BREAD
