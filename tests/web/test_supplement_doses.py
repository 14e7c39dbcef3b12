"""Dated supplement doses: logged per day (the core's supplement model), listed by day,
counted by the analysis of the period that holds them (as the diary's supplement rows),
per account; the standing supplement list keeps working next to them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from magnerve.profile import Supplement

from .conftest import Account
from .test_profile_dashboard import with_diary
from .test_slice3_api import _profile

API = "/api/v1"
DAYS = ("2024-05-01", "2024-05-02", "2024-05-03")


def _dose(a: Account, body: dict[str, Any]) -> Any:
    return a.client.post(f"{API}/diary/supplements", json=body, headers=a.csrf_header())


def _analysis(a: Account, start: str = DAYS[0], end: str = DAYS[-1]) -> dict[str, Any]:
    r = a.client.get(f"{API}/analysis", params={"from": start, "to": end})
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()["assessment"]
    return out


def test_doses_are_counted_for_their_period(alice: Account) -> None:
    _profile(alice)
    with_diary(alice, DAYS)
    assert _analysis(alice)["intake"]["mean"]["supplements_mg"] == 0
    body = {"date": DAYS[1], "name": "Mag citrate", "form": "citrate", "salt_mg": 1000}
    r = _dose(alice, {**body, "times_per_day": 2})
    assert r.status_code == 201, r.text
    d = r.json()
    per_dose = Supplement(name="x", form="citrate", salt_mg=1000).magnesium_mg_per_dose()
    assert d["magnesium_mg_per_dose"] == pytest.approx(per_dose, abs=1e-3)
    assert d["magnesium_mg"] == pytest.approx(2 * per_dose, abs=1e-3)
    # one day of three: the core's mean per day over the diary's days
    mean = _analysis(alice)["intake"]["mean"]["supplements_mg"]
    assert mean == pytest.approx(2 * per_dose / 3, rel=1e-3)
    # a period without that day does not count it
    assert _analysis(alice, DAYS[2], DAYS[2])["intake"]["mean"]["supplements_mg"] == 0
    assert _analysis(alice, DAYS[1], DAYS[1])["intake"]["mean"]["supplements_mg"] == pytest.approx(
        2 * per_dose, rel=1e-3
    )
    # the standing list still adds its daily amount
    r = alice.client.post(
        f"{API}/supplements", json={"name": "Daily", "elemental_mg": 50}, headers=alice.bearer()
    )
    assert r.status_code == 201
    mean2 = _analysis(alice)["intake"]["mean"]["supplements_mg"]
    assert mean2 == pytest.approx(mean + 50, rel=1e-3)
    listed = alice.client.get(f"{API}/diary/supplements", params={"start": DAYS[0], "end": DAYS[2]})
    assert [x["date"] for x in listed.json()] == [DAYS[1]]
    assert alice.client.get(f"{API}/diary/supplements", params={"start": DAYS[0]}).json() == []
    r = alice.client.delete(f"{API}/diary/supplements/{d['id']}", headers=alice.bearer())
    assert r.status_code == 204
    assert _analysis(alice)["intake"]["mean"]["supplements_mg"] == pytest.approx(50, rel=1e-3)


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"name": "X", "salt_mg": 500, "form": "unobtainium"}, ["body"]),
        ({"name": "X", "elemental_mg": -5}, ["body", "elemental_mg"]),
        ({"name": "X", "elemental_mg": 100, "times_per_day": "often"}, ["body", "times_per_day"]),
        ({"name": "X", "elemental_mg": 100, "colour": "red"}, ["body", "colour"]),
        ({"elemental_mg": 100}, ["body", "name"]),
        ({"name": " ", "elemental_mg": 100}, ["body", "name"]),
        ({"name": "D", "vitamin_d_ug": 25}, ["body", "vitamin_d_ug"]),
        ({"name": "X", "elemental_mg": 100, "with_food": False}, ["body", "with_food"]),
        ({"name": "X", "elemental_mg": 100, "date": "2024-13-01"}, ["body", "date"]),
    ],
)
def test_bad_doses_answer_422_with_the_field(
    alice: Account, body: dict[str, Any], loc: list[str]
) -> None:
    r = _dose(alice, {"date": DAYS[0], **body})
    assert r.status_code == 422, r.text
    assert loc in [d["loc"] for d in r.json()["detail"]]


def test_doses_are_per_account(alice: Account, bob: Account) -> None:
    _profile(alice)
    _profile(bob)
    with_diary(alice, DAYS[:1])
    with_diary(bob, DAYS[:1])
    r = _dose(bob, {"date": DAYS[0], "name": "Bob's", "elemental_mg": 300})
    dose_id = r.json()["id"]
    assert alice.client.get(f"{API}/diary/supplements", params={"start": DAYS[0]}).json() == []
    assert _analysis(alice, DAYS[0], DAYS[0])["intake"]["mean"]["supplements_mg"] == 0
    h = alice.csrf_header()
    assert alice.client.delete(f"{API}/diary/supplements/{dose_id}", headers=h).status_code == 404
    r = alice.client.post(
        f"/diary/supplements/{dose_id}/delete",
        data={"csrf_token": alice.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 404
    assert "Bob&#39;s" not in alice.client.get(f"/diary/{DAYS[0]}").text
    listed = bob.client.get(f"{API}/diary/supplements", params={"start": DAYS[0]}).json()
    assert [x["id"] for x in listed] == [dose_id]
    assert "supplement_doses" in bob.client.get(f"{API}/export").json()


def test_diary_page_logs_and_deletes_a_dose(alice: Account) -> None:
    c, token = alice.client, alice.csrf
    page = c.get(f"/diary/{DAYS[0]}")
    assert page.status_code == 200 and "Supplements taken this day" in page.text
    r = c.post(
        f"/diary/{DAYS[0]}/supplements",
        data={"name": "Mag", "form": "oxide", "salt_mg": "abc", "csrf_token": token},
    )
    assert r.status_code == 422
    assert re.search(r'id="d-salt_mg"[^>]*aria-invalid="true"', r.text), r.text
    assert "<details open>" in r.text
    r = c.post(
        f"/diary/{DAYS[0]}/supplements",
        data={"name": "Mag 200", "elemental_mg": "200", "times_per_day": "1", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = c.get(f"/diary/{DAYS[0]}")
    assert "Mag 200" in page.text and "= 200 mg" in page.text
    assert "Mag 200" not in c.get(f"/diary/{DAYS[1]}").text
    r = c.post(f"/diary/{DAYS[0]}/supplements", data={"name": "x", "csrf_token": "wrong"})
    assert r.status_code == 403
    dose_id = re.search(r"/diary/supplements/(\d+)/delete", page.text).group(1)  # type: ignore[union-attr]
    r = c.post(
        f"/diary/supplements/{dose_id}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == f"/diary/{DAYS[0]}"
    assert "Mag 200" not in c.get(f"/diary/{DAYS[0]}").text
