"""Roles and sharing: a person shares their diary and results read-only with a professional
(by e-mail) and revokes it; the professional lists clients, reads their diary, writes notes
the client sees; access ends the moment the share is revoked."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import PASSWORD, Account

API = "/api/v1"
DAY = "2024-05-01"


def make_professional(app: object, email: str = "dietitian@example.org") -> Account:
    """A professional's account, signed in through the API, with a bearer token."""
    c = TestClient(app)  # type: ignore[arg-type]
    r = c.post(
        f"{API}/auth/signup", json={"email": email, "password": PASSWORD, "role": "professional"}
    )
    assert r.status_code == 201 and r.json()["role"] == "professional", r.text
    r = c.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    csrf = r.json()["csrf_token"]
    t = c.post(f"{API}/tokens", json={"name": "t"}, headers={"X-CSRF-Token": csrf})
    return Account(email, c, csrf, t.json()["token"], r.json()["user"]["id"])


def share(person: Account, email: str) -> int:
    r = person.client.post(f"{API}/shares", json={"email": email}, headers=person.csrf_header())
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def log(person: Account, text: str = "30 g almonds", note: str = "") -> int:
    r = person.client.post(
        f"{API}/diary/entries",
        json={"date": DAY, "text": text, "note": note},
        headers=person.csrf_header(),
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_signup_role_defaults_to_person_and_rejects_unknown_roles(
    alice: Account, app: object
) -> None:
    assert alice.client.get(f"{API}/users/me").json()["role"] == "person"
    r = TestClient(app).post(  # type: ignore[arg-type]
        f"{API}/auth/signup", json={"email": "x@example.org", "password": PASSWORD, "role": "admin"}
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "role"]


def test_share_read_note_and_revoke(alice: Account, app: object) -> None:
    pro = make_professional(app)
    log(alice, note="alice's own note")
    # before sharing: nothing is visible
    assert pro.client.get(f"{API}/clients").json() == []
    r = pro.client.get(f"{API}/clients/{alice.id}/entries", params={"start": DAY})
    assert r.status_code == 404
    share_id = share(alice, pro.email)
    assert [c["email"] for c in pro.client.get(f"{API}/clients").json()] == [alice.email]
    for headers in ({}, pro.bearer()):
        c = pro.client if headers == {} else TestClient(app)  # type: ignore[arg-type]
        r = c.get(f"{API}/clients/{alice.id}/entries", params={"start": DAY}, headers=headers)
        assert r.status_code == 200 and r.json()["entries"][0]["note"] == "alice's own note"
    # notes: written by the professional, seen by the person
    r = pro.client.post(
        f"{API}/clients/{alice.id}/notes",
        json={"text": "Try <b>pumpkin seeds</b>"},
        headers=pro.csrf_header(),
    )
    assert r.status_code == 201, r.text
    mine = alice.client.get(f"{API}/notes").json()
    assert [(n["text"], n["author"]["email"]) for n in mine] == [
        ("Try <b>pumpkin seeds</b>", pro.email)
    ]
    # revoke: access ends at once, for cookie and token alike
    r = alice.client.delete(f"{API}/shares/{share_id}", headers=alice.csrf_header())
    assert r.status_code == 204
    r = pro.client.get(f"{API}/clients/{alice.id}/entries", params={"start": DAY})
    assert r.status_code == 404 and "alice's own note" not in r.text
    r = TestClient(app).get(  # type: ignore[arg-type]
        f"{API}/clients/{alice.id}/notes", headers=pro.bearer()
    )
    assert r.status_code == 404
    r = pro.client.post(
        f"{API}/clients/{alice.id}/notes", json={"text": "late"}, headers=pro.csrf_header()
    )
    assert r.status_code == 404
    assert pro.client.get(f"{API}/clients").json() == []


def test_share_only_with_a_professional(alice: Account, bob: Account, app: object) -> None:
    r = alice.client.post(f"{API}/shares", json={"email": bob.email}, headers=alice.csrf_header())
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "email"]
    r = alice.client.post(
        f"{API}/shares", json={"email": "nobody@example.org"}, headers=alice.csrf_header()
    )
    assert r.status_code == 422
    pro = make_professional(app)
    r = pro.client.post(f"{API}/shares", json={"email": pro.email}, headers=pro.csrf_header())
    assert r.status_code == 422
    # sharing twice is the same share
    assert share(alice, pro.email) == share(alice, pro.email)


def test_a_professional_reads_but_never_writes(alice: Account, app: object) -> None:
    pro = make_professional(app)
    entry = log(alice)
    share(alice, pro.email)
    h = pro.csrf_header()
    assert (
        pro.client.patch(f"{API}/diary/entries/{entry}", json={"note": "x"}, headers=h).status_code
        == 404
    )
    assert pro.client.delete(f"{API}/diary/entries/{entry}", headers=h).status_code == 404
    r = pro.client.post(f"{API}/clients/{alice.id}/entries", json={"date": DAY}, headers=h)
    assert r.status_code == 405
    r = alice.client.get(f"{API}/diary/entries/{entry}")
    assert r.status_code == 200 and r.json()["note"] == ""


def test_the_professional_may_leave_and_a_third_account_cannot_revoke(
    alice: Account, bob: Account, app: object
) -> None:
    pro = make_professional(app)
    share_id = share(alice, pro.email)
    r = bob.client.delete(f"{API}/shares/{share_id}", headers=bob.csrf_header())
    assert r.status_code == 404
    assert len(alice.client.get(f"{API}/shares").json()) == 1
    r = pro.client.delete(f"{API}/shares/{share_id}", headers=pro.csrf_header())
    assert r.status_code == 204
    assert alice.client.get(f"{API}/shares").json() == []
