"""Plan optimiser: contract, safety properties and the full-model check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from helpers import make_profile
from magnerve.cli import app
from magnerve.plan import PlanError, make_plan
from magnerve.plan._model import _excluded
from magnerve.plan._model import settings as plan_settings

ROOT = Path(__file__).resolve().parents[1]


_profile = make_profile


def test_cli_json_contract():
    res = CliRunner().invoke(
        app,
        [
            "plan",
            str(ROOT / "examples/diary_week.csv"),
            "--profile",
            str(ROOT / "examples/profile_t2d.toml"),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["status"] in ("optimal", "infeasible")
    assert {"changes", "supplement", "before", "after", "conflicts", "solve_ms"} <= set(d)
    for c in d["changes"]:
        assert {"food", "action", "amount", "unit", "grams"} <= set(c)
        assert {"id", "description"} <= set(c["food"])
        assert c["action"] in ("add", "remove", "increase", "decrease")
    for k in ("magnesium_mg", "reference_equivalent_mg", "confidence_adequate"):
        assert k in d["before"] and k in d["after"]
    if d["supplement"]:
        assert {"form", "elemental_mg_per_day", "times_per_day"} <= set(d["supplement"])


def test_demo_plan_meets_target_under_full_model(demo):
    plan = make_plan(*demo)
    assert plan.status == "optimal"
    assert plan.after["magnesium_mg"] >= plan.target["magnesium_mg"] - 1e-6
    assert plan.after["confidence_adequate"] > plan.before["confidence_adequate"]


def test_vegan_plan_removes_animal_foods_and_adds_none(demo):
    diary, profile = demo
    plan = make_plan(diary, profile, pattern="vegan")
    assert plan.status == "optimal"
    rule = plan_settings()["patterns"]["vegan"]
    from magnerve.foods import get_food

    for c in plan.changes:
        food = get_food(c.food_id)
        group = {v: k for k, v in {}.items()}  # noqa: F841 - readability
        if c.action in ("add", "increase"):
            assert not any(
                w in c.description.lower()
                for w in rule["exclude_words"]
                if w not in ("butter", "cream", "milk")
            ), c
        assert food.id == c.food_id
    removed = {c.food_id for c in plan.changes if c.action == "remove"}
    assert "01077" in removed  # whole milk
    assert plan.after["magnesium_mg"] >= plan.target["magnesium_mg"] - 1e-6


def test_nut_allergy_plan(demo):
    diary, profile = demo
    plan = make_plan(diary, profile, exclude=["tree_nuts"])
    words = plan_settings()["exclusions"]["tree_nuts"]["words"]
    for c in plan.changes:
        if c.action in ("add", "increase"):
            assert not any(w in c.description.lower() for w in words), c
    removed = {c.food_id for c in plan.changes if c.action == "remove"}
    assert {"12061", "12085"} <= removed  # almonds and cashews leave the diet


def test_ckd_plan_has_no_supplement(demo):
    diary, _ = demo
    plan = make_plan(diary, _profile(health={"egfr": 20}))
    assert plan.supplement is None
    assert plan.status == "refer"
    assert plan.changes == []
    assert "nephrologist" in plan.referral["to"]


def test_food_only_plan(demo):
    diary, profile = demo
    plan = make_plan(diary, profile, supplements=False)
    assert plan.supplement is None
    if plan.status == "optimal":
        assert any(c.action in ("add", "increase") for c in plan.changes)


def test_never_removes_good_magnesium_sources(demo):
    diary, profile = demo
    plan = make_plan(diary, profile)
    removed = {c.food_id for c in plan.changes if c.action in ("remove", "decrease")}
    for good in (
        "12061",
        "12085",
        "16015",
        "11458",
        "20037",
    ):  # almonds, cashews, black beans, spinach, brown rice
        assert good not in removed


def test_infeasible_names_conflicts(demo):
    diary, profile = demo
    # no supplements and only a few foods allowed: exclude almost everything
    plan = make_plan(
        diary,
        profile,
        supplements=False,
        exclude=["tree_nuts", "peanuts", "gluten", "soy", "dairy", "fish", "shellfish", "egg"],
        exclude_foods=[
            "spinach",
            "chard",
            "bean",
            "seed",
            "nut",
            "oat",
            "rice",
            "potato",
            "cereal",
            "lentil",
            "pea",
            "greens",
            "quinoa",
            "chocolate",
            "cocoa",
            "amaranth",
            "buckwheat",
            "artichoke",
            "okra",
            "kale",
            "beet",
            "squash",
            "avocado",
            "banana",
            "fig",
            "tofu",
            "edamame",
            "molasses",
            "corn",
            "barley",
            "millet",
            "teff",
            "spelt",
            "sorghum",
            "broccoli",
            "collard",
            "turnip",
            "dock",
            "purslane",
            "mustard",
            "cabbage",
            "tomato",
            "carrot",
            "pumpkin",
            "yam",
            "taro",
            "cassava",
            "plantain",
            "berries",
            "melon",
            "orange",
            "apple",
            "grape",
            "kiwi",
            "mango",
            "papaya",
            "guava",
            "date",
            "prune",
            "raisin",
            "apricot",
            "peach",
            "pear",
            "plum",
            "cherr",
            "lemon",
            "lime",
            "grapefruit",
            "pineapple",
            "coconut",
            "pepper",
            "onion",
            "garlic",
            "celery",
            "cucumber",
            "lettuce",
            "asparagus",
            "mushroom",
            "sprout",
            "radish",
            "parsnip",
            "leek",
            "fennel",
            "eggplant",
            "zucchini",
        ],
        target="rda",
    )
    if plan.status == "infeasible":
        assert any(c["constraint"] == "magnesium_target" for c in plan.conflicts)
    else:  # the model still found foods: the target must hold
        assert (
            plan.after["reference_equivalent_mg"] >= plan.target["reference_equivalent_mg"] - 1e-6
        )


def test_bad_options(demo):
    with pytest.raises(PlanError, match="pattern"):
        make_plan(*demo, pattern="carnivore")
    with pytest.raises(PlanError, match="exclusion"):
        make_plan(*demo, exclude=["nightshades"])
    with pytest.raises(PlanError, match="confidence"):
        make_plan(*demo, target=1.5)


def test_exclusion_words_with_exceptions():
    dairy = plan_settings()["exclusions"]["dairy"]
    assert _excluded("Milk, whole, 3.25% milkfat", "0100", dairy)
    assert not _excluded("Peanut butter, smooth style", "1600", dairy)
    assert not _excluded("Beverages, almond milk, unsweetened", "1400", dairy)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    egfr=st.one_of(st.none(), st.floats(5, 120)),
    existing=st.floats(0, 400),
    target=st.sampled_from(["ear", "rda", 0.8]),
    sex=st.sampled_from(["female", "male"]),
)
def test_safety_properties(demo, egfr, existing, target, sex):
    """No plan puts supplemental magnesium above the UL or suggests a supplement at
    eGFR < 30; every feasible plan meets its target under the full absorption model."""
    diary, _ = demo
    prof = _profile(
        person={"age": 60, "sex": sex},
        health={"egfr": egfr},
        supplements=[{"name": "existing", "elemental_mg": existing}] if existing else [],
    )
    plan = make_plan(diary, prof, target=target)
    ul = 350
    added = plan.supplement["elemental_mg_per_day"] if plan.supplement else 0
    assert existing + added <= max(ul, existing) + 1e-9
    if plan.supplement:
        assert existing + added <= ul
    if egfr is not None and egfr < 30:
        assert plan.supplement is None
    if plan.status == "optimal":
        assert plan.after["magnesium_mg"] >= plan.target["magnesium_mg"] - 1e-6


def test_plan_html(tmp_path):
    out = tmp_path / "plan.html"
    res = CliRunner().invoke(
        app,
        [
            "plan",
            str(ROOT / "examples/diary_week.csv"),
            "--profile",
            str(ROOT / "examples/profile_t2d.toml"),
            "--html",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    html = out.read_text()
    assert "Magnesium plan" in html and "Before and after" in html and "<li>" in html


def test_clinician_only_condition_blocks_supplement(demo):
    diary, _ = demo
    plan = make_plan(diary, _profile(health={"egfr": 75, "conditions": ["dialysis"]}))
    assert plan.supplement is None


def test_demo_report_has_plan(tmp_path):
    out = tmp_path / "demo.html"
    res = CliRunner().invoke(app, ["demo", "-o", str(out)])
    assert res.exit_code == 0, res.output
    html = out.read_text()
    assert "<h2>Plan" in html and "Reference-equivalent magnesium" in html
    assert "What this means for your nerves" in html and "a model, not a measurement" in html
