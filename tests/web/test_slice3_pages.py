"""Web slice 3 pages: supplements and water, quick add, copy a meal, import with preview
and confirm, the report page (HTML, PDF, simulation chart) and a professional's read-only
report and plan of a client; isolation of the new routes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import Account
from .test_profile_dashboard import PROFILE, with_diary
from .test_sharing import make_professional
from .test_slice3_api import BARE, _profile

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[2]


def _csrf(a: Account) -> dict[str, str]:
    return {"csrf_token": a.csrf}


def test_supplement_and_water_forms_with_errors_at_their_field(alice: Account) -> None:
    c = alice.client
    r = c.get("/supplements")
    assert r.status_code == 200 and 'for="s-name"' in r.text and 'for="w-liters_per_day"' in r.text
    r = c.post("/supplements", data={**_csrf(alice), "name": "<b>Mag</b>", "elemental_mg": "-3"})
    assert r.status_code == 422
    assert re.search(r'id="s-elemental_mg"[^>]*\s+aria-invalid="true"', r.text)
    assert "<b>Mag</b>" not in r.text and "&lt;b&gt;Mag&lt;/b&gt;" in r.text
    r = c.post(
        "/supplements", data={**_csrf(alice), "name": "Mag", "salt_mg": "500", "form": "nope"}
    )
    assert r.status_code == 422 and "form" in r.text.lower()
    r = c.post(
        "/supplements",
        data={
            **_csrf(alice),
            "name": "<b>Mag</b>",
            "form": "citrate",
            "salt_mg": "500",
            "times_per_day": "2",
        },
        follow_redirects=True,
    )
    assert r.status_code == 200 and "&lt;b&gt;Mag&lt;/b&gt;" in r.text and "mg/day" in r.text
    sid = c.get(f"{API}/supplements").json()[0]["id"]
    r = c.post("/water", data={**_csrf(alice), "liters_per_day": "lots"})
    assert r.status_code == 422 and re.search(
        r'id="w-liters_per_day"[^>]*\s+aria-invalid="true"', r.text
    )
    r = c.post(
        "/water",
        data={**_csrf(alice), "liters_per_day": "1.5", "magnesium_mg_per_l": "20"},
        follow_redirects=True,
    )
    assert "30 mg magnesium a day" in r.text
    assert c.post("/water", data={"liters_per_day": "1"}).status_code == 403
    r = c.post(f"/supplements/{sid}/delete", data=_csrf(alice), follow_redirects=True)
    assert "No supplements yet" in r.text
    r = c.post("/water", data={**_csrf(alice), "clear": "1"}, follow_redirects=True)
    assert c.get(f"{API}/water").json()["water"] is None


def test_quick_add_and_copy_a_meal_on_the_diary_page(alice: Account) -> None:
    c = alice.client
    day = "2024-05-01"
    for text, meal in (
        ("30 g almonds", "breakfast"),
        ("30 g almonds", "breakfast"),
        ("1 medium banana", "lunch"),
    ):
        c.post(f"/diary/{day}/entries", data={**_csrf(alice), "text": text, "meal": meal})
    page = c.get(f"/diary/{day}").text
    assert "Add 30 g almonds (breakfast)" in page and "2× in 14 days" in page
    r = c.post(
        "/diary/2024-05-02/copy",
        data={**_csrf(alice), "from_date": day, "from_meal": "breakfast", "to_meal": "snack"},
        follow_redirects=True,
    )
    assert r.status_code == 200
    got = c.get(f"{API}/diary/entries", params={"start": "2024-05-02"}).json()["entries"]
    assert [(e["text"], e["meal"]) for e in got] == [("30 g almonds", "snack")] * 2
    r = c.post(f"/diary/{day}/copy", data={**_csrf(alice), "from_date": day, "from_meal": "lunch"})
    assert r.status_code == 422 and 'aria-invalid="true"' in r.text


def test_import_page_preview_then_confirm(alice: Account) -> None:
    c = alice.client
    data = (ROOT / "tests/data/cronometer_servings.csv").read_bytes()
    assert 'enctype="multipart/form-data"' in c.get("/import").text
    r = c.post(
        "/import",
        data={**_csrf(alice), "format": "auto"},
        files={"file": ("servings.csv", data, "text/csv")},
    )
    assert r.status_code == 200, r.text
    assert "Lines not imported" in r.text and "supplement" in r.text
    n = int(re.search(r"(\d+) food entries", r.text).group(1))
    assert c.get(f"{API}/diary/entries", params={"start": "2023-03-14"}).json()["entries"] == []
    content = re.search(r'<textarea name="content"[^>]*>(.*?)</textarea>', r.text, re.S).group(1)
    import html

    r = c.post(
        "/import",
        data={
            **_csrf(alice),
            "format": "auto",
            "name": "servings.csv",
            "confirm": "1",
            "content": html.unescape(content),
        },
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert r.status_code == 200 and f"Imported {n} entries" in r.text
    stored = c.get(
        f"{API}/diary/entries", params={"start": "2023-03-01", "end": "2023-03-31"}
    ).json()
    assert len(stored["entries"]) == n
    r = c.post("/import", data={**_csrf(alice)}, files={"file": ("x.csv", b"\x00\x01", "text/csv")})
    assert r.status_code == 422 and 'id="e-file"' in r.text
    assert c.post("/import", files={"file": ("x.csv", b"a", "text/csv")}).status_code == 403


def test_report_page_and_a_professionals_read_only_view(alice: Account) -> None:
    c = alice.client
    r = c.get("/report")
    assert r.status_code == 200 and "Fill in the profile" in r.text
    _profile(alice, PROFILE)
    with_diary(alice)
    r = c.get("/report")
    assert r.status_code == 200 and "/report/simulation.svg?" in r.text and "report.pdf" in r.text
    r = c.get("/report/report.html")
    assert (
        r.status_code == 200
        and "<svg" in r.text
        and "unsafe-inline" in r.headers["content-security-policy"]
    )
    r = c.get("/report/simulation.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    pro = make_professional(c.app, "pro3@example.org")
    for path in ("report", "plan", "report/report.html", "report/simulation.svg"):
        assert pro.client.get(f"/clients/{alice.id}/{path}").status_code == 404, path
    c.post(f"{API}/shares", json={"email": pro.email}, headers=alice.csrf_header())
    r = pro.client.get(f"/clients/{alice.id}/report")
    assert (
        r.status_code == 200
        and "Read-only" in r.text
        and f"/clients/{alice.id}/report/simulation.svg" in r.text
    )
    r = pro.client.get(f"/clients/{alice.id}/plan")
    assert r.status_code == 200 and "Why:" in r.text and "Accept" not in r.text
    assert (
        pro.client.get(f"/clients/{alice.id}/report/report.html").text
        == c.get("/report/report.html").text
    )
    assert pro.client.get(f"/clients/{alice.id}/report/other.txt").status_code == 404


@pytest.mark.parametrize("via", ["cookie", "token"])
def test_new_routes_never_reach_another_persons_data(
    alice: Account, bob: Account, via: str
) -> None:
    _profile(bob, BARE)
    h = bob.csrf_header()
    r = bob.client.post(
        f"{API}/supplements", json={"name": "bob secret pill", "elemental_mg": 100}, headers=h
    )
    sid = r.json()["id"]
    bob.client.put(
        f"{API}/water", json={"liters_per_day": 1, "hardness": "77 mg/L CaCO3"}, headers=h
    )
    bob.client.post(
        f"{API}/diary/entries",
        json={"date": "2024-05-01", "text": "30 g almonds", "note": "secret"},
        headers=h,
    )
    ah = alice.csrf_header() if via == "cookie" else alice.bearer()
    if via == "token":
        alice.client.cookies.clear()
    assert alice.client.delete(f"{API}/supplements/{sid}", headers=ah).status_code == 404
    for path in ("/supplements", "/water", "/diary/frequent?end=2024-05-01"):
        r = alice.client.get(f"{API}{path}", headers=ah)
        assert (
            r.status_code == 200
            and "secret" not in r.text
            and "77 mg" not in r.text
            and "almonds" not in r.text
        )
    for path in ("/report.html", "/simulation.svg", "/report.pdf"):
        assert alice.client.get(f"{API}{path}", headers=ah).status_code == 422
    for path in (
        f"/clients/{bob.id}/report.html",
        f"/clients/{bob.id}/plan",
        f"/clients/{bob.id}/simulation.svg",
    ):
        assert alice.client.get(f"{API}{path}", headers=ah).status_code == 404
    if via == "cookie":
        r = alice.client.post(f"/supplements/{sid}/delete", data=_csrf(alice))
        assert r.status_code == 404
        assert "secret" not in alice.client.get("/supplements").text
    assert [s["id"] for s in bob.client.get(f"{API}/supplements").json()] == [sid]
    assert bob.client.get(f"{API}/water").json()["water"]["hardness"] == "77 mg/L CaCO3"
