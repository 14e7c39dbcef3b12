"""Per-user isolation: Alice can never read, change or delete Bob's entries or tokens,
through any API endpoint (cookie or bearer token) or page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from .conftest import Account

API = "/api/v1"
DAY = "2024-05-01"

# Every route that takes an id or a day: (name, call as Alice against Bob's entry or token).
Attack = Callable[[Account, dict[str, int], dict[str, str]], Response]

API_ATTACKS: dict[str, Attack] = {
    "read": lambda a, ids, h: a.client.get(f"{API}/diary/entries/{ids['entry']}", headers=h),
    "edit": lambda a, ids, h: a.client.patch(
        f"{API}/diary/entries/{ids['entry']}", json={"note": "pwned"}, headers=h
    ),
    "edit_text": lambda a, ids, h: a.client.patch(
        f"{API}/diary/entries/{ids['entry']}", json={"text": "1 cup sugar"}, headers=h
    ),
    "choose_food": lambda a, ids, h: a.client.patch(
        f"{API}/diary/entries/{ids['entry']}", json={"food_id": "19335"}, headers=h
    ),
    "move_day": lambda a, ids, h: a.client.patch(
        f"{API}/diary/entries/{ids['entry']}", json={"date": "2024-06-01"}, headers=h
    ),
    "delete": lambda a, ids, h: a.client.delete(f"{API}/diary/entries/{ids['entry']}", headers=h),
    "revoke_token": lambda a, ids, h: a.client.delete(f"{API}/tokens/{ids['token']}", headers=h),
}

PAGE_ATTACKS: dict[str, Attack] = {
    "edit_page": lambda a, ids, h: a.client.get(
        f"/entries/{ids['entry']}/edit", follow_redirects=False
    ),
    "edit_form": lambda a, ids, h: a.client.post(
        f"/entries/{ids['entry']}/edit",
        data={"text": "1 cup sugar", "note": "pwned", "csrf_token": h["X-CSRF-Token"]},
        follow_redirects=False,
    ),
    "delete_form": lambda a, ids, h: a.client.post(
        f"/entries/{ids['entry']}/delete",
        data={"csrf_token": h["X-CSRF-Token"]},
        follow_redirects=False,
    ),
    "revoke_form": lambda a, ids, h: a.client.post(
        f"/account/tokens/{ids['token']}/revoke",
        data={"csrf_token": h["X-CSRF-Token"]},
        follow_redirects=False,
    ),
}


def _bob_data(bob: Account) -> dict[str, int]:
    r = bob.client.post(
        f"{API}/diary/entries",
        json={"date": DAY, "text": "30 g almonds", "note": "bob's secret note"},
        headers=bob.csrf_header(),
    )
    assert r.status_code == 201
    tokens = bob.client.get(f"{API}/tokens").json()
    return {"entry": r.json()["id"], "token": tokens[0]["id"]}


def _bob_unchanged(bob: Account, ids: dict[str, int]) -> None:
    r = bob.client.get(f"{API}/diary/entries/{ids['entry']}")
    assert r.status_code == 200
    e = r.json()
    assert (e["note"], e["text"], e["date"]) == ("bob's secret note", "30 g almonds", DAY)
    assert bob.client.get(f"{API}/users/me", headers=bob.bearer()).status_code == 200


@pytest.mark.parametrize("via", ["cookie", "token"])
@pytest.mark.parametrize("name", sorted(API_ATTACKS))
def test_api_routes_never_reach_another_persons_data(
    alice: Account, bob: Account, name: str, via: str
) -> None:
    ids = _bob_data(bob)
    headers = alice.csrf_header() if via == "cookie" else alice.bearer()
    if via == "token":
        alice.client.cookies.clear()
    r = API_ATTACKS[name](alice, ids, headers)
    assert r.status_code == 404, r.text
    assert "secret" not in r.text
    _bob_unchanged(bob, ids)


@pytest.mark.parametrize("name", sorted(PAGE_ATTACKS))
def test_pages_never_reach_another_persons_data(alice: Account, bob: Account, name: str) -> None:
    ids = _bob_data(bob)
    r = PAGE_ATTACKS[name](alice, ids, alice.csrf_header())
    assert r.status_code == 404, r.text
    assert "secret" not in r.text
    _bob_unchanged(bob, ids)


def test_listing_copying_and_day_pages_show_only_own_entries(alice: Account, bob: Account) -> None:
    ids = _bob_data(bob)
    r = alice.client.get(f"{API}/diary/entries", params={"start": DAY})
    assert r.json()["entries"] == []
    r = alice.client.post(
        f"{API}/diary/copy",
        json={"from_date": DAY, "to_date": "2024-05-02"},
        headers=alice.csrf_header(),
    )
    assert r.status_code == 201 and r.json()["copied"] == 0
    page = alice.client.get(f"/diary/{DAY}")
    assert page.status_code == 200 and "secret note" not in page.text
    assert "Nothing logged for this day yet" in page.text
    assert alice.client.get(f"{API}/tokens").json()[0]["id"] != ids["token"]
    _bob_unchanged(bob, ids)


def test_the_checks_can_fail(alice: Account, bob: Account, client: TestClient) -> None:
    """Bob himself reaches his entry through the same routes (the 404s above are not vacuous)."""
    ids = _bob_data(bob)
    r = API_ATTACKS["read"](bob, ids, bob.csrf_header())
    assert r.status_code == 200 and "secret" in r.text
    assert PAGE_ATTACKS["edit_page"](bob, ids, bob.csrf_header()).status_code == 200
