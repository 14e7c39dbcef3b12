"""The plan page and API: the core's plan with each change and its reason; accept or reject
each change, stored per person."""

from __future__ import annotations

import re

from .conftest import Account
from .test_profile_dashboard import with_diary, with_profile

API = "/api/v1"


def test_plan_api_and_decisions(alice: Account, bob: Account) -> None:
    with_profile(alice)
    with_diary(alice)
    r = alice.client.get(f"{API}/plan")
    assert r.status_code == 200, r.text
    view = r.json()
    changes = view["plan"]["changes"]
    assert changes and len(view["keys"]) == len(changes) and all(c["reason"] for c in changes)
    key = view["keys"][0]
    h = alice.csrf_header()
    r = alice.client.post(
        f"{API}/plan/decisions", json={"key": key, "decision": "accepted"}, headers=h
    )
    assert r.status_code == 200 and r.json()["decision"] == "accepted"
    r = alice.client.post(
        f"{API}/plan/decisions", json={"key": key, "decision": "rejected"}, headers=h
    )
    assert [d["decision"] for d in alice.client.get(f"{API}/plan/decisions").json()] == ["rejected"]
    for bad, loc in (
        ({"key": "0" * 16, "decision": "accepted"}, ["body", "key"]),
        ({"key": key, "decision": "maybe"}, ["body", "decision"]),
        ({"key": "<x>", "decision": "accepted"}, ["body", "key"]),
    ):
        r = alice.client.post(f"{API}/plan/decisions", json=bad, headers=h)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == loc, r.text
    # answers are per person
    assert bob.client.get(f"{API}/plan/decisions").json() == []
    assert bob.client.get(f"{API}/plan").status_code == 422


def test_plan_page_accept_and_reject(alice: Account) -> None:
    page = alice.client.get("/plan")
    assert page.status_code == 200 and 'href="/profile"' in page.text
    with_profile(alice)
    with_diary(alice)
    page = alice.client.get("/plan")
    assert page.status_code == 200 and "Why:" in page.text
    keys = re.findall(r'name="key" value="([0-9a-f]{16})"', page.text)
    assert keys
    r = alice.client.post(
        "/plan/decisions", data={"key": keys[0], "decision": "accepted", "csrf_token": alice.csrf}
    )
    assert r.status_code == 200 and "You accepted this change" in r.text
    r = alice.client.post("/plan/decisions", data={"key": keys[0], "decision": "accepted"})
    assert r.status_code == 403
    r = alice.client.post(
        "/plan/decisions", data={"key": "nope", "decision": "accepted", "csrf_token": alice.csrf}
    )
    assert r.status_code == 422
