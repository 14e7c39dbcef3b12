"""Plain words on a person's page (issue 8, section 5).

No internal ids as titles, no solver numbers, friendly food names, probabilities that never
read "0 %" or "100 %", USGS water-hardness classes, and evidence grades that match the
registry with citations that fit the finding.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import make_profile
from magnerve._text import format_probability, hardness_class, plain_label
from magnerve.assessment import assess
from magnerve.foods import friendly_name, get_food
from magnerve.interactions import _TITLES, interaction_title, thresholds
from magnerve.report import render_html, render_plan_html
from magnerve.risk import evidence, findings_for

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# -- probabilities -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.0, "< 1 %"),
        (0.001, "< 1 %"),
        (0.00499, "< 1 %"),
        (0.005, "1 %"),
        (0.01, "1 %"),
        (0.27, "27 %"),
        (0.5, "50 %"),
        (0.9849, "98 %"),
        (0.99, "99 %"),
        (0.99499, "99 %"),
        (0.995, "> 99 %"),
        (0.9999, "> 99 %"),
        (1.0, "> 99 %"),
    ],
)
def test_format_probability(p, text):
    assert format_probability(p) == text


def test_format_probability_nan():
    assert format_probability(float("nan")) == "unknown"


# -- water hardness ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mg_l", "cls"),
    [
        (0, "soft"),
        (40, "soft"),
        (60, "soft"),
        (60.5, "moderately hard"),
        (61, "moderately hard"),
        (120, "moderately hard"),
        (121, "hard"),
        (180, "hard"),
        (181, "very hard"),
        (500, "very hard"),
    ],
)
def test_hardness_class_usgs_boundaries(mg_l, cls):
    assert hardness_class(mg_l) == cls


def test_hardness_class_rejects_nonsense():
    with pytest.raises(ValueError, match="hardness"):
        hardness_class(-1)
    with pytest.raises(ValueError, match="hardness"):
        hardness_class(float("nan"))


def test_hardness_classes_have_their_source():
    t = thresholds()["water_hardness_classes"]
    assert "USGS" in t["source"] or "Geological Survey" in t["source"]
    assert "Hardness of Water" in t["source"]
    assert list(t["upper_mg_per_l"]) == [60, 120, 180]  # a read-only view: a tuple


def test_water_finding_states_the_class(demo):
    diary, _ = demo
    hard = make_profile(
        water={
            "source": "tap",
            "magnesium_mg_per_l": None,
            "hardness": "150 mg/L CaCO3",
            "calcium_share": 0.95,
        },
    )
    f = next(f for f in findings_for(assess(diary, hard)) if f.id == "soft_water")
    assert "is hard (150 mg/L as calcium carbonate" in f.message
    ro = make_profile(water={"source": "filtered_ro", "magnesium_mg_per_l": None})
    f = next(f for f in findings_for(assess(diary, ro)) if f.id == "soft_water")
    assert "Reverse-osmosis" in f.message


def test_demo_water_finding_says_soft(demo):
    f = next(f for f in assess(*demo).findings if f.id == "soft_water")
    assert "is soft (40 mg/L as calcium carbonate" in f.message


# -- friendly food names -------------------------------------------------------------------

# (SR28 NDB number, SR28 long description, what people say)
FRIENDLY = [
    ("11458", "Spinach, cooked, boiled, drained, without salt", "cooked spinach"),
    ("08020", "Cereals ready-to-eat, KELLOGG, KELLOGG'S Corn Flakes", "corn flakes"),
    ("12061", "Nuts, almonds", "almonds"),
    ("16015", "Beans, black, mature seeds, cooked, boiled, without salt", "cooked black beans"),
    ("11148", "Chard, swiss, cooked, boiled, drained, without salt", "cooked swiss chard"),
    (
        "01079",
        "Milk, reduced fat, fluid, 2% milkfat, with added vitamin A and vitamin D",
        "2% milk",
    ),
    ("12014", "Seeds, pumpkin and squash seed kernels, dried", "pumpkin seeds"),
    ("08013", "Cereals ready-to-eat, GENERAL MILLS, CHEERIOS", "cheerios"),
    ("08045", "Cereals ready-to-eat, GENERAL MILLS, HONEY NUT CHEERIOS", "honey nut cheerios"),
    ("08506", "Cereals ready-to-eat, RALSTON Corn Flakes", "corn flakes"),
    ("12063", "Nuts, almonds, dry roasted, without salt added", "dry roasted almonds"),
    ("11147", "Chard, swiss, raw", "swiss chard"),
    ("01077", "Milk, whole, 3.25% milkfat, with added vitamin D", "whole milk"),
    ("01082", "Milk, lowfat, fluid, 1% milkfat, with added vitamin A and vitamin D", "1% milk"),
    (
        "01085",
        "Milk, nonfat, fluid, with added vitamin A and vitamin D (fat free or skim)",
        "nonfat milk",
    ),
    (
        "12016",
        "Seeds, pumpkin and squash seed kernels, roasted, without salt",
        "roasted pumpkin seeds",
    ),
    ("12036", "Seeds, sunflower seed kernels, dried", "sunflower seeds"),
    ("12006", "Seeds, chia seeds, dried", "chia seeds"),
    ("12220", "Seeds, flaxseed", "flaxseed"),
    ("12085", "Nuts, cashew nuts, dry roasted, without salt added", "dry roasted cashew nuts"),
    ("12078", "Nuts, brazilnuts, dried, unblanched", "brazil nuts"),
    ("12155", "Nuts, walnuts, english", "english walnuts"),
    ("20037", "Rice, brown, long-grain, cooked", "cooked long-grain brown rice"),
    (
        "20045",
        "Rice, white, long-grain, regular, enriched, cooked",
        "cooked long-grain white rice",
    ),
    ("16070", "Lentils, mature seeds, cooked, boiled, without salt", "cooked lentils"),
    (
        "16057",
        "Chickpeas (garbanzo beans, bengal gram), mature seeds, cooked, boiled, without salt",
        "cooked chickpeas",
    ),
    ("20137", "Quinoa, cooked", "cooked quinoa"),
    ("09040", "Bananas, raw", "bananas"),
    ("09037", "Avocados, raw, all commercial varieties", "avocados"),
    ("11091", "Broccoli, cooked, boiled, drained, without salt", "cooked broccoli"),
    ("11457", "Spinach, raw", "spinach"),
    ("11674", "Potatoes, baked, flesh and skin, without salt", "baked potatoes"),
    ("19904", "Chocolate, dark, 70-85% cacao solids", "dark chocolate"),
    ("14209", "Beverages, coffee, brewed, prepared with tap water", "brewed coffee"),
    ("16426", "Tofu, raw, firm, prepared with calcium sulfate", "firm tofu"),
    (
        "05064",
        "Chicken, broilers or fryers, breast, meat only, cooked, roasted",
        "roasted chicken breast",
    ),
    ("18075", "Bread, whole-wheat, commercially prepared", "whole-wheat bread"),
    ("04053", "Oil, olive, salad or cooking", "olive oil"),
    ("01009", "Cheese, cheddar", "cheddar cheese"),
    ("16390", "Peanuts, all types, dry-roasted, without salt", "dry-roasted peanuts"),
    ("16398", "Peanut butter, smooth style, without salt", "smooth peanut butter"),
    ("11508", "Sweet potato, cooked, baked in skin, flesh, without salt", "baked sweet potato"),
    ("08120", "Cereals, oats, regular and quick, not fortified, dry", "oats"),
    (
        "08121",
        "Cereals, oats, regular and quick, unenriched, cooked with water "
        "(includes boiling and microwaving), without salt",
        "cooked oats",
    ),
    ("01129", "Egg, whole, cooked, hard-boiled", "hard-boiled egg"),
    ("14411", "Beverages, water, tap, drinking", "tap water"),
    (
        "16033",
        "Beans, kidney, red, mature seeds, cooked, boiled, without salt",
        "cooked red kidney beans",
    ),
    ("20080", "Wheat flour, whole-grain", "whole-grain wheat flour"),
    (
        "11464",
        "Spinach, frozen, chopped or leaf, cooked, boiled, drained, without salt",
        "cooked frozen spinach",
    ),
    ("11461", "Spinach, canned, regular pack, drained solids", "canned spinach"),
    ("09032", "Apricots, dried, sulfured, uncooked", "dried apricots"),
    ("21060", "Fast foods, burrito, with beans", "burrito with beans"),
    ("04025", "Salad dressing, mayonnaise, regular", "mayonnaise"),
    (
        "25055",
        "Snacks, granola bar, GENERAL MILLS, NATURE VALLEY, CHEWY TRAIL MIX",
        "granola bar",
    ),
    ("08365", "Cereals ready-to-eat, QUAKER, Shredded Wheat, bagged cereal", "shredded wheat"),
]


@pytest.mark.parametrize(("ndb", "description", "name"), FRIENDLY)
def test_friendly_name_sr28(ndb, description, name):
    assert get_food(ndb).description == description  # the table uses real SR28 rows
    assert friendly_name(description) == name


def test_friendly_table_is_large_enough():
    assert len(FRIENDLY) >= 30


@pytest.mark.parametrize(
    ("description", "name"),
    [
        # as written in the issue (SR28 writes "KELLOGG'S Corn Flakes")
        ("Cereals ready-to-eat, KELLOGG, KELLOGG'S CORN FLAKES", "corn flakes"),
        ("Nuts", "nuts"),
        ("", ""),
    ],
)
def test_friendly_name_edge_cases(description, name):
    assert friendly_name(description) == name


def test_friendly_name_is_short_lowercase_and_clean_for_every_food():
    from magnerve.foods import load_database

    for desc in load_database().descriptions:
        name = friendly_name(desc)
        assert name.strip(), desc
        assert "without salt" not in name and "mature seeds" not in name, desc
        assert len(name) <= len(desc), desc


# -- no internal ids as titles -------------------------------------------------------------


def _many_risks_profile():
    return make_profile(
        health={
            "medications": ["ppi", "loop_diuretic", "aminoglycoside", "tetracycline"],
            "conditions": ["celiac"],
            "egfr": 25,
        },
        lifestyle={"alcohol_drinks_per_week": 30, "caffeine_mg_per_day": 600, "stress_pss10": 30},
        environment={"occupational_lead": True},
        neuropathy={"symptoms": ["tingling", "foot_ulcer", "rapidly_worsening"]},
        supplements=[
            {
                "name": "Mg taurate + B6",
                "form": "taurate",
                "elemental_mg": 400,
                "vitamin_b6_mg": 50,
                "zinc_mg": 150,
                "vitamin_d_ug": 150,
                "calcium_mg": 1500,
            }
        ],
        water={"source": "filtered_ro", "magnesium_mg_per_l": None},
        labs={"serum_magnesium": "0.5 mmol/L"},
    )


@pytest.fixture(scope="module")
def assessments(demo):
    diary, profile = demo
    return [assess(diary, profile), assess(diary, _many_risks_profile())]


_ID_LIKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")


def test_finding_titles_and_messages_are_plain(assessments):
    seen = set()
    for a in assessments:
        for f in a.findings:
            seen.add(f.id)
            assert not _ID_LIKE.search(f.title), f.title
            assert f.title[0].isupper(), f.title
            assert not _ID_LIKE.search(f.message), f.message
            assert not re.search(r"\b\d+%", f.message), f.message  # "27 %", not "27%"
    assert len(seen) >= 15  # the rules above really ran


def test_interaction_titles():
    assert interaction_title("ca_mg_ratio") == "Calcium-to-magnesium ratio"
    assert interaction_title("vitamin_d") == "Vitamin D and magnesium"
    assert interaction_title("ca_mg_ratio", "low") == "Low calcium-to-magnesium ratio"
    for iid, status in _TITLES:
        assert "_" not in interaction_title(iid, status)
    for iid in ("ca_mg_ratio", "zinc", "vitamin_d", "vitamin_b6"):
        assert "_" not in interaction_title(iid)


def test_plain_label_falls_back_to_words():
    assert plain_label("thiazide_diuretic") == "thiazide diuretic"
    assert plain_label("low_normal") == "low-normal"


# -- evidence grades and fit ---------------------------------------------------------------


def test_finding_strength_matches_the_registry(assessments):
    reg = evidence()
    for a in assessments:
        for f in a.findings:
            assert f.evidence_ids, f.id
            assert all(e in reg for e in f.evidence_ids), f.id
            # the grade shown is the registry grade of the finding's primary evidence
            assert f.strength == reg[f.evidence_ids[0]]["strength"], f.id
            assert f.to_dict()["strength_of_evidence"] == f.strength


# finding id -> evidence id that must come first (the one the finding's claim rests on)
PRIMARY_EVIDENCE = {
    "intake_likely_inadequate": "mg_requirement_iom",
    "intake_uncertain": "mg_requirement_iom",
    "neuropathy_symptoms": "red_flags",
    "red_flag_symptoms": "red_flags",
    "interaction_vitamin_d": "vitamin_d_ul",  # when above the UL
    "interaction_zinc": "zinc_high_dose",  # the many-risks profile takes 150 mg/day
    "interaction_vitamin_b6": "b6_neuropathy_ul",
    "soft_water": "water_hardness",
    "supplement_above_ul": "supplement_ul",
    "kidney_function_supplements": "ckd_supplement_risk",
}


def test_citations_fit_the_finding(assessments):
    checked = set()
    for a in assessments:
        for f in a.findings:
            if f.id == "interaction_vitamin_d" and "upper level" not in f.title:
                assert f.evidence_ids[0] == "vitamin_d_mg_activation"
                continue
            if f.id in PRIMARY_EVIDENCE:
                assert f.evidence_ids[0] == PRIMARY_EVIDENCE[f.id], f.id
                checked.add(f.id)
            # a mechanism of nerve signalling is never the main evidence for an intake finding
            if f.id.startswith("intake_"):
                assert "nmda_block" not in f.evidence_ids
    assert {"intake_likely_inadequate", "neuropathy_symptoms", "interaction_vitamin_d"} <= checked


def test_new_registry_entries_cite_the_dri_reports():
    reg = evidence()
    dois = {
        "mg_requirement_iom": {"10.17226/5776", "10.17226/9956"},
        "zinc_ul": {"10.17226/10026"},
        "vitamin_d_ul": {"10.17226/13050"},
    }
    for eid, want in dois.items():
        assert {c.get("doi") for c in reg[eid]["citations"]} >= want, eid


def test_zinc_above_ul_cites_the_zinc_ul():
    from magnerve.interactions import zinc_check

    it = zinc_check(45.0, 30.0, age=58, sex="male")
    assert it.status == "above_ul" and it.evidence[0] == "zinc_ul"


# -- the person's pages ---------------------------------------------------------------------


def _visible_text(html: str) -> str:
    html = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    html = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    html = re.sub(r"<details.*?</details>", "", html, flags=re.S)  # citations (DOIs, titles)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_report_has_no_ids_and_friendly_food_names(assessments):
    for a in assessments:
        data = a.to_dict()
        html = render_html(data)
        text = _visible_text(html)
        assert not _ID_LIKE.search(text), _ID_LIKE.search(text)
        assert "dual" not in text
        assert not re.search(r"\b(0|100) %", text)
        for s in data["intake"]["top_food_sources"]:
            name = friendly_name(s["description"])
            assert f'title="{s["description"]}"' in unescape(html)
            assert name in text
    # the JSON keeps its ids and SR28 descriptions
    data = assessments[0].to_dict()
    assert any(i["id"] == "ca_mg_ratio" for i in data["interactions"])


def _plan(binding: list[dict[str, object]], status: str = "optimal") -> dict[str, object]:
    side = {
        "magnesium_mg": 300.0,
        "absorbed_mg": 100.0,
        "reference_equivalent_mg": 300.0,
        "confidence_adequate": 0.001,
    }
    return {
        "disclaimer": "Education, not medical advice.",
        "status": status,
        "target": {"reference_equivalent_mg": 400.0, "kind": "rda"},
        "solve_ms": 12.0,
        "n_candidates": 500,
        "steps": ["Eat 30 g more almonds at lunch"],
        "supplement": None,
        "before": side,
        "after": {**side, "confidence_adequate": 0.9999},
        "worst_case": None,
        "conflicts": [{"constraint": "sodium_limit", "shortfall": None, "excess": 3.0}],
        "binding_constraints": binding,
        "notes": [],
    }


def test_plan_page_hides_duals():
    binding = [
        {"constraint": "magnesium_target", "side": "lower", "dual": 0.1086},
        {"constraint": "energy", "side": "upper", "dual": 0.0123},
        {"constraint": "energy", "side": "lower", "dual": 0.0042},
    ]
    text = _visible_text(render_plan_html(_plan(binding)))
    assert "dual" not in text and "0.1086" not in text and "bound" not in text
    assert "reaching the magnesium target" in text
    assert text.count("keeping calories about the same") == 1
    assert "< 1 %" in text and "> 99 %" in text
    assert not _ID_LIKE.search(text)
    text = _visible_text(render_plan_html(_plan([], status="infeasible")))
    assert "salt (sodium) limit" in text and not _ID_LIKE.search(text)


def test_cli_assess_prints_plain_confidence():
    from magnerve.cli import app

    runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})
    res = runner.invoke(
        app,
        [
            "assess",
            str(EXAMPLES / "diary_week.csv"),
            "--profile",
            str(EXAMPLES / "profile_t2d.toml"),
        ],
    )
    assert res.exit_code == 0, res.output
    line = next(x for x in res.stdout.splitlines() if x.startswith("Confidence that usual"))
    assert re.search(r"adequate: (\d{1,2} %|< 1 %|> 99 %)", line), line
    flat = " ".join(res.stdout.split())
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", flat.split("Findings")[1].split("note:")[0])
