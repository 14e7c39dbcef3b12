"""The web report's "What this means for your nerves" section: the model neuron's sweep from
the core's public ``magnerve.report.nerve_sweep`` and the analysis' homeostasis series, in
the HTML report, on the report page (table and chart), and for a professional's view."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from magnerve import report
from magnerve.report import charts

from .conftest import Account
from .test_profile_dashboard import PROFILE, with_diary
from .test_sharing import make_professional
from .test_slice3_api import _profile

API = "/api/v1"
# distinctive numbers, so that the page can only show them if it took them from the function
FAKE: dict[str, Any] = {
    "model": "test neuron",
    "duration_s": 1.0,
    "calcium_load_unit": "test units",
    "conditions": [
        {"mg_mM": 0.35, "firing_rate_hz": 71.0, "calcium_load": 913.0},
        {"mg_mM": 0.85, "firing_rate_hz": 17.0, "calcium_load": 271.0},
        {"mg_mM": 1.15, "firing_rate_hz": 3.0, "calcium_load": 137.0},
    ],
}


@pytest.fixture
def fake_sweep(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def sweep() -> dict[str, Any]:
        calls.append(1)
        return copy.deepcopy(FAKE)

    monkeypatch.setattr(report, "nerve_sweep", sweep)
    return calls


def test_report_html_has_the_nerves_section(alice: Account, fake_sweep: list[int]) -> None:
    _profile(alice, PROFILE)
    with_diary(alice)
    r = alice.client.get(f"{API}/report.html")
    assert r.status_code == 200, r.text
    assert "What this means for your nerves" in r.text and fake_sweep
    assert "a model, not a measurement" in r.text
    # the section's neuron chart is drawn from the function's sweep
    assert charts.nerve_sweep(FAKE) in r.text
    r = alice.client.get("/report")
    assert r.status_code == 200 and "What this means for your nerves" in r.text
    for value in ("0.35", "71", "913", "test units"):
        assert value in r.text, value
    svg = alice.client.get("/report/nerves.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text == charts.nerve_sweep(FAKE)
    assert "script-src" not in svg.headers["content-security-policy"]


def test_no_profile_no_nerves_section(alice: Account, fake_sweep: list[int]) -> None:
    with_diary(alice)
    page = alice.client.get("/report")
    assert page.status_code == 200 and "What this means for your nerves" not in page.text
    assert alice.client.get("/report/nerves.svg", follow_redirects=False).status_code == 200
    anonymous = alice.client.__class__(alice.client.app)
    r = anonymous.get("/report/nerves.svg", follow_redirects=False)
    assert r.status_code == 303


def test_a_professional_sees_the_section_read_only(alice: Account, fake_sweep: list[int]) -> None:
    _profile(alice, PROFILE)
    with_diary(alice)
    pro = make_professional(alice.client.app, "dietitian@example.org")
    alice.client.post(f"{API}/shares", json={"email": pro.email}, headers=alice.csrf_header())
    r = pro.client.get(f"{API}/clients/{alice.id}/report.html")
    assert r.status_code == 200 and "What this means for your nerves" in r.text
    assert "What this means for your nerves" in pro.client.get(f"/clients/{alice.id}/report").text


def test_public_nerve_sweep_is_the_reports_sweep() -> None:
    """The public function answers the CLI report's sweep (the same levels and values)."""
    from magnerve.report import _sweep_cache

    got = report.nerve_sweep()
    assert got == _sweep_cache.nerve_sweep()
    assert [c["mg_mM"] for c in got["conditions"]] == list(_sweep_cache.REPORT_MG_MM)
    rates = [c["firing_rate_hz"] for c in got["conditions"]]
    assert rates == sorted(rates, reverse=True) and rates[0] > rates[-1]


def test_report_pdf_has_the_plan_and_nerves_sections(
    alice: Account, fake_sweep: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PDF is the same document as the HTML report: the core's ``write_pdf`` gets the plan
    and the nerves models, and renders them (checked on the HTML it would print)."""
    _profile(alice, PROFILE)
    with_diary(alice)
    seen: list[str] = []

    def capture(data: Any, path: str, plan: Any = None, models: Any = None) -> None:
        seen.append(report.render_html(data, plan, models))
        with open(path, "wb") as f:
            f.write(b"%PDF-1.7 test")

    monkeypatch.setattr(report, "write_pdf", capture)
    r = alice.client.get(f"{API}/report.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    (html,) = seen
    assert "What this means for your nerves" in html and fake_sweep
    assert charts.nerve_sweep(FAKE) in html
    assert html == alice.client.get(f"{API}/report.html").text
