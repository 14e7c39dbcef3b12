"""Profile (the core's schema and checks, errors at the field) and the dashboard (the core's
``analyse``: magnesium by day against EAR and RDA, sources with drill-down, adequacy, Ca:Mg,
MDS, findings with evidence) through the API and the pages."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from magnerve.schemas import AnalysisOut

from .conftest import Account

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[2]
PROFILE: dict[str, Any] = tomllib.loads((ROOT / "examples/profile_t2d.toml").read_text("utf-8"))
DAYS = ("2024-05-01", "2024-05-02", "2024-05-03")
LINES = ("1 cup cooked spinach", "30 g almonds", "1 medium banana", "1 cup whole milk")


def with_profile(a: Account, profile: dict[str, Any] = PROFILE) -> None:
    r = a.client.put(f"{API}/profile", json=profile, headers=a.csrf_header())
    assert r.status_code == 200, r.text


def with_diary(a: Account, days: tuple[str, ...] = DAYS, lines: tuple[str, ...] = LINES) -> None:
    for d in days:
        for text in lines:
            r = a.client.post(
                f"{API}/diary/entries",
                json={"date": d, "text": text, "meal": "lunch"},
                headers=a.csrf_header(),
            )
            assert r.status_code == 201, r.text


def test_profile_round_trip_and_every_field_error_has_its_path(alice: Account) -> None:
    assert alice.client.get(f"{API}/profile").json()["profile"] is None
    with_profile(alice)
    stored = alice.client.get(f"{API}/profile").json()["profile"]
    assert stored["person"] == {
        "age": 58.0,
        "sex": "male",
        "pregnant": False,
        "lactating": False,
        "weight_kg": 92.0,
    }
    assert stored["health"]["medications"] == ["omeprazole", "hydrochlorothiazide"]
    bad = {"person": {"age": 500, "sex": "robot"}, "health": {"egfr": "high"}, "colour": 1}
    r = alice.client.put(f"{API}/profile", json=bad, headers=alice.csrf_header())
    assert r.status_code == 422
    locs = {tuple(d["loc"]) for d in r.json()["detail"]}
    assert {
        ("body", "person", "age"),
        ("body", "person", "sex"),
        ("body", "health", "egfr"),
        ("body", "colour"),
    } <= locs
    r = alice.client.put(f"{API}/profile", json=[1, 2], headers=alice.csrf_header())
    assert r.status_code == 422
    # the stored profile is unchanged by refused ones
    assert alice.client.get(f"{API}/profile").json()["profile"] == stored


def test_profile_form_shows_errors_at_the_field_and_keeps_other_keys(alice: Account) -> None:
    with_profile(alice)
    page = alice.client.get("/profile")
    assert page.status_code == 200 and 'value="58"' in page.text
    csrf = alice.csrf
    form = {
        "csrf_token": csrf,
        "person.age": "abc",
        "person.sex": "male",
        "health.diabetes": "type2",
    }
    r = alice.client.post("/profile", data=form)
    assert r.status_code == 422
    assert re.search(r'id="f-person-age"[^>]*\s+aria-invalid="true"', r.text)
    assert 'id="e-f-person-age"' in r.text
    form["person.age"] = "61"
    r = alice.client.post("/profile", data=form)
    assert r.status_code == 200 and "Profile saved" in r.text
    stored = alice.client.get(f"{API}/profile").json()["profile"]
    assert stored["person"]["age"] == 61 and stored["supplements"][0]["vitamin_d_iu"] == 1000
    assert "weight_kg" not in stored["person"]  # emptied in the form
    # a pasted TOML file is read by the core's loader as content, never as a path
    r = alice.client.post("/profile", data={"csrf_token": csrf, "profile_text": "/etc/passwd"})
    assert r.status_code == 422 and "root:" not in r.text and 'id="e-profile_text"' in r.text
    toml = (ROOT / "examples/profile_t2d.toml").read_text("utf-8")
    r = alice.client.post("/profile", data={"csrf_token": csrf, "profile_text": toml})
    assert r.status_code == 200
    assert alice.client.get(f"{API}/profile").json()["profile"]["person"]["age"] == 58


def test_analysis_api_is_the_cores_analysis(alice: Account, app: object) -> None:
    r = alice.client.get(f"{API}/analysis")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["profile"]
    with_profile(alice)
    r = alice.client.get(f"{API}/analysis", params={"from": "2024-05-01", "to": "2024-05-03"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "from"]
    with_diary(alice)
    r = TestClient(app).get(f"{API}/analysis", headers=alice.bearer())  # type: ignore[arg-type]
    assert r.status_code == 200, r.text
    a = AnalysisOut.model_validate(r.json())
    days = [d.date for d in a.assessment.intake.days]
    assert [str(d) for d in days] == list(DAYS)
    assert a.assessment.adequacy.ear == 350 and a.plan is None
    r = alice.client.get(f"{API}/analysis", params={"from": "2024-05-03", "to": "2024-05-01"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "to"]
    r = alice.client.get(f"{API}/analysis", params={"from": "yesterday"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "from"]
    ref = alice.client.get("/openapi.json").json()["paths"][f"{API}/analysis"]["get"]
    assert "AnalysisOut" in str(ref["responses"]["200"])


def test_dashboard_page(alice: Account) -> None:
    r = alice.client.get("/dashboard")
    assert r.status_code == 200 and 'href="/profile"' in r.text
    with_profile(alice)
    with_diary(alice, lines=(*LINES, "1 oz pumpkin seeds <script>alert(1)</script>"))
    r = alice.client.get("/dashboard", params={"from": DAYS[0], "to": DAYS[-1]})
    assert r.status_code == 200, r.text
    html = r.text
    assert "<svg" in html and "EAR 350 mg" in html and "RDA 420 mg" in html
    assert html.count("<rect") == len(DAYS)
    assert "Confidence that usual intake meets the EAR" in html
    assert "Ca:Mg" in html and "Magnesium Depletion Score 3" in html
    assert "Evidence:" in html
    # drill-down: the top source lists the diary lines that supply it
    assert re.search(
        r"<summary>[^<]*[Ss]pinach[^<]*mg/day</summary>\s*"
        r"<ul><li>2024-05-01 lunch: 1 cup cooked spinach",
        html,
    )
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html
    assert alice.client.get("/dashboard", params={"from": "bad"}).status_code == 200
