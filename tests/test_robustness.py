"""Arbitrary input never crashes the parser or the search: it is understood or rejected with a
ParseError that says why."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hypothesis_profiles import examples
from magnerve._limits import diary_limits
from magnerve.foods import ParseError, parse_line, search
from magnerve.foods._parse import PortionBoundError

AMOUNTS = st.sampled_from(["", "1", "0.5", "1/2", "1 1/2", "½", "2-3", "-1", "0", "a", "1/0"])
UNITS = st.sampled_from(["", "g", "oz", "cup", "tbsp", "ml", "medium", "slice", "bucket", "T"])
WORDS = st.sampled_from(
    ["spinach", "boiled", "almonds", "milk", "xqz", "banana", "of", "raw", "brocoli", "é", "%"]
)


def _check(text: str) -> None:
    try:
        p = parse_line(text)
    except ParseError as e:
        assert e.reason
        return
    assert p.grams > 0 and math.isfinite(p.grams)
    assert 0.0 < p.confidence <= 1.0
    assert len(p.food.id) == 5


@settings(max_examples=examples(300), deadline=None)
@given(st.text(max_size=40))
def test_parse_line_any_text(text: str) -> None:
    _check(text)
    hits = search(text, 5)
    assert len(hits) <= 5
    assert all(0.0 <= h.score <= 1.0 for h in hits)


@settings(max_examples=examples(300), deadline=None)
@given(AMOUNTS, UNITS, st.lists(WORDS, min_size=0, max_size=4))
def test_parse_line_structured(amount: str, unit: str, words: list[str]) -> None:
    _check(" ".join(x for x in (amount, unit, *words) if x))


@settings(max_examples=examples(200), deadline=None)
@given(st.integers(1_000, 10**9), st.sampled_from(["", ".5", ".25"]))
def test_thousands_separators_are_read_as_thousands(n: int, frac: str) -> None:
    grams = float(f"{n}{frac}")
    text = f"{n:,}{frac} g almonds"
    if grams > diary_limits().max_portion_g:  # read as thousands, then refused as implausible
        with pytest.raises(PortionBoundError, match=f"{n:,}"):
            parse_line(text)
        return
    assert parse_line(text).grams == grams


@settings(max_examples=examples(100), deadline=None)
@given(st.integers(0, 99), st.integers(1, 99))
def test_decimal_commas_stay_decimal(whole: int, dec: int) -> None:
    text = f"{whole},{dec:02d} oz almonds"  # two decimals: never a thousands group
    assert parse_line(text).grams == float(f"{whole}.{dec:02d}") * 28.349523125
