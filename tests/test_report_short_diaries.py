"""The HTML report renders for every shape of diary the assessment accepts: one day, a
declined adequacy method, a day with nothing but water (a regression: a declined method left
``required_mean_intake`` empty and the template formatted it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import magnerve
from hypothesis_profiles import examples
from magnerve.report import render_html

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "examples" / "profile_t2d.toml"
FOODS = [
    "1 oz almonds",
    "1 cup cooked spinach",
    "1 medium banana",
    "2 slices white bread",
    "1 cup whole milk",
]


def _report(lines: list[tuple[str, str]]) -> str:
    text = "date,food\n" + "".join(f"{d},{f}\n" for d, f in lines)
    diary = magnerve.read_diary_text(text)
    a = magnerve.assess(diary, magnerve.load_profile(PROFILE))
    return render_html(a.to_dict())


def test_one_day_report_renders_and_says_why_the_method_was_declined() -> None:
    html = _report([("2026-11-16", "1 oz almonds")])
    assert "Adequacy and its uncertainty" in html
    assert "would be needed" not in html  # no figure to give
    assert "record more days" in html


@settings(max_examples=examples(15), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    days=st.integers(1, 4),
    picks=st.lists(st.sampled_from(FOODS), min_size=1, max_size=6),
)
def test_any_small_diary_renders(days: int, picks: list[str]) -> None:
    lines = [(f"2026-11-{16 + i % days:02d}", f) for i, f in enumerate(picks)]
    html = _report(lines)
    assert html.startswith("<!DOCTYPE html") or html.lstrip().startswith("<")
    assert "None" not in html.split("<body", 1)[-1].replace("None of", "")


@pytest.mark.parametrize("n_days", [1, 2, 7])
def test_report_renders_for_n_days(n_days: int) -> None:
    lines = [(f"2026-11-{16 + i:02d}", FOODS[i % len(FOODS)]) for i in range(n_days)]
    assert "Adequacy and its uncertainty" in _report(lines)
