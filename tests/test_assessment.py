"""Assessment: JSON contract, safety rules, supplements, findings with citations."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from helpers import make_profile
from hypothesis_profiles import examples
from magnerve.assessment import assess, supplement_daily
from magnerve.cli import app
from magnerve.datasets import demo_paths
from magnerve.profile import Supplement, parse_profile
from magnerve.risk import evidence

ROOT = Path(__file__).resolve().parents[1]


_profile = make_profile


def test_demo_files_match_examples():
    diary, profile = demo_paths()
    assert diary.read_bytes() == (ROOT / "examples" / "diary_week.csv").read_bytes()
    assert profile.read_bytes() == (ROOT / "examples" / "profile_t2d.toml").read_bytes()


def test_json_contract(demo):
    res = CliRunner().invoke(
        app,
        [
            "assess",
            str(ROOT / "examples/diary_week.csv"),
            "--profile",
            str(ROOT / "examples/profile_t2d.toml"),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    day = d["intake"]["days"][0]
    assert {"food_mg", "water_mg", "supplements_mg", "total_mg"} <= set(day)
    assert {"food_mg", "water_mg", "supplements_mg", "total_mg"} <= set(d["intake"]["mean"])
    assert len(d["intake"]["days"]) == 7
    assert {"mean_absorbed_mg", "reference_equivalent_mg", "by_source_mg"} <= set(d["absorption"])
    assert {"ear", "rda", "z", "confidence_adequate"} <= set(d["adequacy"])
    assert d["adequacy"]["ear"] == 350 and d["adequacy"]["rda"] == 420
    assert {"score", "components"} <= set(d["mds"])
    assert d["mds"]["score"] == 3  # PPI + thiazide + eGFR 60-<90 (creatinine 1.1, 58 y male)
    assert d["serum"]["value"] == pytest.approx(0.78)
    for f in d["findings"]:
        assert {"id", "severity", "mechanism", "citations"} <= set(f)
        assert f["mechanism"] and f["citations"]


def test_totals_add_up(demo):
    diary, profile = demo
    a = assess(diary, profile).to_dict()
    for day in a["intake"]["days"]:
        assert day["total_mg"] == pytest.approx(
            day["food_mg"] + day["water_mg"] + day["supplements_mg"]
        )
    assert a["absorption"]["mean_absorbed_mg"] < a["intake"]["mean"]["total_mg"]


def test_every_finding_cites_the_registry(demo):
    a = assess(*demo)
    reg = evidence()
    for f in a.findings:
        assert f.evidence_ids and all(e in reg for e in f.evidence_ids)


def test_evidence_registry_is_complete():
    reg = evidence()
    themes = {e["theme"] for e in reg.values()}
    assert {
        "nerve_signalling",
        "mechanisms",
        "micronutrients",
        "diet_bioavailability",
        "environment",
        "optimisation",
        "clinical",
    } <= themes
    for e in reg.values():
        assert e["strength"] in {
            "established",
            "probable",
            "possible",
            "insufficient",
            "contradicted",
        }
        assert e["citations"] and e["mechanism"]
    assert reg["oral_mg_neuropathic_pain_rct"]["strength"] == "contradicted"


def test_ckd_blocks_supplement_advice(demo):
    diary, _ = demo
    a = assess(diary, _profile(health={"egfr": 25}))
    assert a.safety["supplements_need_clinician"]
    assert a.findings[0].id in ("kidney_function_supplements",) or any(
        f.id == "kidney_function_supplements" and f.severity in ("high", "urgent")
        for f in a.findings
    )
    b = assess(diary, _profile(health={"conditions": ["ckd"], "egfr": 70}))
    assert b.safety["supplements_need_clinician"]


def test_supplement_above_ul_and_drug_spacing(demo):
    diary, _ = demo
    p = _profile(
        supplements=[
            {"name": "Mg citrate", "form": "citrate", "elemental_mg": 200, "times_per_day": 2}
        ],
        health={"medications": ["alendronate", "ciprofloxacin"]},
    )
    a = assess(diary, p)
    ids = {f.id for f in a.findings}
    assert a.safety["above_ul"] and "supplement_above_ul" in ids
    assert {"drug_spacing_bisphosphonate", "drug_spacing_fluoroquinolone"} <= ids


def test_b6_above_efsa_ul(demo):
    diary, _ = demo
    p = _profile(supplements=[{"name": "Mg + B6", "elemental_mg": 100, "vitamin_b6_mg": 20}])
    a = assess(diary, p)
    assert any(f.id == "interaction_vitamin_b6" for f in a.findings)


def test_supplement_salt_to_elemental():
    s = supplement_daily(Supplement(name="x", form="citrate", salt_mg=1000, times_per_day=2))
    assert s.magnesium_mg_per_dose == pytest.approx(161.6)
    assert s.magnesium_mg == pytest.approx(323.2)
    h = supplement_daily(Supplement(name="y", form="chloride", salt_mg=1000, hydrate="hexahydrate"))
    assert h.magnesium_mg == pytest.approx(119.6)
    with pytest.raises(ValueError, match="known form"):
        supplement_daily(Supplement(name="z", form="unobtainium", salt_mg=500))


def test_divided_supplement_absorbed_better(demo):
    diary, _ = demo
    one = assess(
        diary, _profile(supplements=[{"name": "a", "elemental_mg": 300, "with_food": False}])
    )
    three = assess(
        diary,
        _profile(
            supplements=[{"name": "b", "elemental_mg": 100, "times_per_day": 3, "with_food": False}]
        ),
    )
    assert three.absorption_by_source["supplements"] > one.absorption_by_source["supplements"]


def test_demo_command_writes_report(tmp_path):
    out = tmp_path / "r.html"
    res = CliRunner().invoke(app, ["demo", "-o", str(out)])
    assert res.exit_code == 0, res.output
    html = out.read_text()
    assert "Screening and education, not diagnosis" in html
    assert html.count("<svg") >= 4
    # self-contained: no external scripts, styles or images
    assert 'src="http' not in html and 'href="http' not in html and "<script" not in html


def test_bad_profile_exit_code(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text('[person]\nage = -4\nsex = "robot"\n')
    res = CliRunner().invoke(
        app, ["assess", str(ROOT / "examples/diary_week.csv"), "--profile", str(bad)]
    )
    assert res.exit_code == 1
    assert "person.age" in res.output and "Traceback" not in res.output


meds = st.lists(
    st.sampled_from(
        [
            "omeprazole",
            "furosemide",
            "hydrochlorothiazide",
            "spironolactone",
            "alendronate",
            "doxycycline",
        ]
    ),
    max_size=3,
    unique=True,
)


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    age=st.floats(19, 95),
    sex=st.sampled_from(["female", "male"]),
    egfr=st.one_of(st.none(), st.floats(5, 130)),
    medications=meds,
    drinks=st.floats(0, 40),
    water=st.one_of(st.none(), st.floats(0, 120)),
    supp=st.one_of(st.none(), st.floats(0, 800)),
    times=st.integers(1, 4),
)
def test_random_profiles_assess_consistently(
    demo, age, sex, egfr, medications, drinks, water, supp, times
):
    diary, _ = demo
    data = {
        "person": {"age": age, "sex": sex},
        "health": {"egfr": egfr, "medications": medications},
        "lifestyle": {"alcohol_drinks_per_week": drinks},
        "water": {"magnesium_mg_per_l": water, "liters_per_day": 1.0},
        "supplements": []
        if supp is None
        else [{"name": "mg", "elemental_mg": supp, "times_per_day": times}],
    }
    a = assess(diary, parse_profile(data))
    d = json.loads(json.dumps(a.to_dict(), default=str))
    assert 0 <= d["mds"]["score"] <= 5
    assert 0 <= d["adequacy"]["confidence_adequate"] <= 1
    assert all(math.isfinite(x) for x in d["absorption"]["absorbed_mg_per_day"])
    ids = {f["id"] for f in d["findings"]}
    if d["safety"]["above_ul"]:
        assert "supplement_above_ul" in ids
    if egfr is not None and egfr < 30:
        assert "kidney_function_supplements" in ids


def test_wasting_medicines_malabsorption_and_high_calcium(demo):
    diary, _ = demo
    p = _profile(
        health={"conditions": ["celiac"], "medications": ["tacrolimus", "cisplatin"]},
        supplements=[{"name": "ca", "calcium_mg": 1000, "times_per_day": 2}],
    )
    ids = {f.id for f in assess(diary, p).findings}
    assert {"magnesium_wasting_medicines", "malabsorption", "high_calcium"} <= ids


@settings(
    max_examples=examples(30),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.data())
def test_random_diary_subsets(demo, data):
    """Any non-empty subset of diary lines assesses without error and totals stay consistent."""
    diary, profile = demo
    idx = data.draw(
        st.lists(st.integers(0, len(diary.entries) - 1), min_size=1, max_size=40, unique=True)
    )
    from magnerve.diary import Diary

    sub = Diary([diary.entries[i] for i in sorted(idx)], [], "subset", len(idx))
    d = assess(sub, profile).to_dict()
    assert d["intake"]["n_days"] == len({diary.entries[i].date for i in idx})
    for day in d["intake"]["days"]:
        assert day["total_mg"] >= day["food_mg"] >= 0
    assert all(a >= 0 for a in d["absorption"]["absorbed_mg_per_day"])


def test_pdf_report(tmp_path):
    pytest.importorskip("weasyprint")
    out = tmp_path / "r.pdf"
    res = CliRunner().invoke(app, ["demo", "-o", str(tmp_path / "r.html"), "--pdf", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:5] == b"%PDF-" and out.stat().st_size > 10_000


def test_demo_pdf_is_the_same_document_as_the_html(tmp_path, monkeypatch):
    """``demo --pdf`` gets the plan and the nerves models, as the HTML report does."""
    from magnerve import report

    seen = []

    def capture(data, path, plan=None, models=None):
        seen.append(report.render_html(data, plan, models))
        Path(path).write_bytes(b"%PDF-1.7 test")

    monkeypatch.setattr(report, "write_pdf", capture)
    html = tmp_path / "r.html"
    res = CliRunner().invoke(app, ["demo", "-o", str(html), "--pdf", str(tmp_path / "r.pdf")])
    assert res.exit_code == 0, res.output
    (printed,) = seen
    assert "What this means for your nerves" in printed
    assert printed == html.read_text(encoding="utf-8")


def test_taurate_and_b6_info_and_prebiotic_note(demo):
    diary, _ = demo
    p = _profile(
        supplements=[
            {"name": "Mg taurate", "form": "taurate", "elemental_mg": 100, "vitamin_b6_mg": 2}
        ],
        lifestyle={"prebiotic_g_per_day": 8},
    )
    a = assess(diary, p)
    ids = {f.id for f in a.findings}
    assert {"taurine", "b6_claims"} <= ids
    assert any("not applied outside" in n for n in a.notes)
    teen = assess(
        diary, _profile(person={"age": 13, "sex": "female"}, lifestyle={"prebiotic_g_per_day": 8})
    )
    base = assess(diary, _profile(person={"age": 13, "sex": "female"}))
    assert sum(teen.absorbed_per_day) == pytest.approx(1.18 * sum(base.absorbed_per_day))
