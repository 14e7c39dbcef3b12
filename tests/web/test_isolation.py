"""Per-user isolation: Alice can never read, change or delete Bob's entries, tokens, shares,
notes, profile, analysis or plan answers, through any API endpoint (cookie or bearer token) or
page; a professional Bob shares with can only read, and only until Bob revokes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from .conftest import Account
from .test_sharing import make_professional

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
    "revoke_share": lambda a, ids, h: a.client.delete(f"{API}/shares/{ids['share']}", headers=h),
    "client_entries": lambda a, ids, h: a.client.get(
        f"{API}/clients/{ids['user']}/entries", params={"start": DAY}, headers=h
    ),
    "client_analysis": lambda a, ids, h: a.client.get(
        f"{API}/clients/{ids['user']}/analysis", headers=h
    ),
    "client_notes": lambda a, ids, h: a.client.get(f"{API}/clients/{ids['user']}/notes", headers=h),
    "client_add_note": lambda a, ids, h: a.client.post(
        f"{API}/clients/{ids['user']}/notes", json={"text": "pwned"}, headers=h
    ),
}

# Routes whose answer is about the caller only: Alice must see none of Bob's data in them.
OWN_ROUTES = (
    "/profile", "/notes", "/shares", "/clients", "/plan/decisions", "/export", "/export?format=csv",
    "/analysis",
)  # fmt: skip

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
    "client_page": lambda a, ids, h: a.client.get(f"/clients/{ids['user']}"),
    "client_note_form": lambda a, ids, h: a.client.post(
        f"/clients/{ids['user']}/notes",
        data={"text": "pwned", "csrf_token": h["X-CSRF-Token"]},
        follow_redirects=False,
    ),
    "share_revoke_form": lambda a, ids, h: a.client.post(
        f"/sharing/{ids['share']}/revoke",
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
    """Bob's entry, token, profile, a share with his dietitian and her secret note on him."""
    r = bob.client.post(
        f"{API}/diary/entries",
        json={"date": DAY, "text": "30 g almonds", "note": "bob's secret note"},
        headers=bob.csrf_header(),
    )
    assert r.status_code == 201
    entry = r.json()["id"]
    tokens = bob.client.get(f"{API}/tokens").json()
    profile = {"person": {"age": 47, "sex": "male"}, "health": {"conditions": ["secret illness"]}}
    r = bob.client.put(f"{API}/profile", json=profile, headers=bob.csrf_header())
    assert r.status_code == 200
    pro = make_professional(bob.client.app, "bobs-dietitian@example.org")
    r = bob.client.post(f"{API}/shares", json={"email": pro.email}, headers=bob.csrf_header())
    assert r.status_code == 201
    share = r.json()["id"]
    r = pro.client.post(
        f"{API}/clients/{bob.id}/notes", json={"text": "secret advice"}, headers=pro.csrf_header()
    )
    assert r.status_code == 201
    return {"entry": entry, "token": tokens[0]["id"], "share": share, "user": bob.id}


def _bob_unchanged(bob: Account, ids: dict[str, int]) -> None:
    r = bob.client.get(f"{API}/diary/entries/{ids['entry']}")
    assert r.status_code == 200
    e = r.json()
    assert (e["note"], e["text"], e["date"]) == ("bob's secret note", "30 g almonds", DAY)
    assert bob.client.get(f"{API}/users/me", headers=bob.bearer()).status_code == 200
    assert [s["id"] for s in bob.client.get(f"{API}/shares").json()] == [ids["share"]]
    assert [n["text"] for n in bob.client.get(f"{API}/notes").json()] == ["secret advice"]
    profile = bob.client.get(f"{API}/profile").json()["profile"]
    assert profile["health"]["conditions"] == ["secret illness"]


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


@pytest.mark.parametrize("via", ["cookie", "token"])
def test_own_routes_show_nothing_of_another_person(alice: Account, bob: Account, via: str) -> None:
    _bob_data(bob)
    headers = alice.csrf_header() if via == "cookie" else alice.bearer()
    if via == "token":
        alice.client.cookies.clear()
    for path in OWN_ROUTES:
        r = alice.client.get(f"{API}{path}", headers=headers)
        assert r.status_code in (200, 422), (path, r.text)
        for secret in ("secret", "bob@", "bobs-dietitian", "30 g almonds"):
            assert secret.encode() not in r.content, (path, secret)
    for path in ("/sharing", "/clients", "/profile", "/dashboard", "/plan", "/account/export.json"):
        if via == "cookie":
            r = alice.client.get(path)
            assert r.status_code == 200 and "secret" not in r.text, path


@pytest.mark.parametrize("via", ["cookie", "token"])
@pytest.mark.parametrize(
    "name",
    sorted(
        set(API_ATTACKS) - {"revoke_share"} - {n for n in API_ATTACKS if n.startswith("client_")}
    ),
)
def test_a_professional_with_a_share_still_cannot_change_anything(
    bob: Account, name: str, via: str
) -> None:
    """Bob shares with his dietitian: she reads through /clients, and every route that
    changes or reads Bob's own entries or tokens still answers 404 to her."""
    ids = _bob_data(bob)
    pro = make_professional(bob.client.app, "second-pro@example.org")
    r = bob.client.post(f"{API}/shares", json={"email": pro.email}, headers=bob.csrf_header())
    assert r.status_code == 201
    headers = pro.csrf_header() if via == "cookie" else pro.bearer()
    if via == "token":
        pro.client.cookies.clear()
    assert (
        pro.client.get(
            f"{API}/clients/{bob.id}/entries", params={"start": DAY}, headers=headers
        ).status_code
        == 200
    )
    r = API_ATTACKS[name](pro, ids, headers)
    assert r.status_code == 404, r.text
    assert "secret" not in r.text
    # her own notes route does not show the other professional's note
    r = pro.client.get(f"{API}/clients/{bob.id}/notes", headers=headers)
    assert r.status_code == 200 and r.json() == []
    r = bob.client.get(f"{API}/diary/entries/{ids['entry']}")
    assert r.json()["note"] == "bob's secret note"
