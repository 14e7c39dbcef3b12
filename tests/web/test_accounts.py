"""Accounts: sign-up, sign-in, sign-out, sessions that expire, password change, CSRF on
cookie calls, login rate limiting, personal access tokens, passwords never logged."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from magnerve.web.models import AccessToken, AuthSession, User

from .conftest import PASSWORD, Account, make_account

API = "/api/v1"


def test_sign_up_sign_in_me(alice: Account) -> None:
    r = alice.client.get(f"{API}/users/me")
    assert r.status_code == 200 and r.json()["email"] == "alice@example.org"
    cookie = alice.client.cookies.get("magnerve_session")
    assert cookie
    set_cookie = alice.client.post(
        f"{API}/auth/login", json={"email": alice.email, "password": PASSWORD}
    ).headers["set-cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie.replace("Lax", "lax")


def test_duplicate_email_and_bad_signup_fields(client: TestClient, alice: Account) -> None:
    r = client.post(f"{API}/auth/signup", json={"email": "ALICE@example.org", "password": "x" * 12})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "email"]
    r = client.post(f"{API}/auth/signup", json={"email": "not-an-email", "password": "short"})
    assert r.status_code == 422
    locs = {tuple(d["loc"]) for d in r.json()["detail"]}
    assert {("body", "email"), ("body", "password")} <= locs


def test_wrong_password_is_401(client: TestClient, alice: Account) -> None:
    r = client.post(f"{API}/auth/login", json={"email": alice.email, "password": "wrong one!"})
    assert r.status_code == 401
    r = client.post(f"{API}/auth/login", json={"email": "nobody@example.org", "password": "x"})
    assert r.status_code == 401


def test_sign_out_revokes_the_session_on_the_server(app: object, alice: Account) -> None:
    stolen = alice.client.cookies.get("magnerve_session")
    r = alice.client.post(f"{API}/auth/logout", headers=alice.csrf_header())
    assert r.status_code == 204
    replay = TestClient(app)  # type: ignore[arg-type]
    replay.cookies.set("magnerve_session", stolen)
    assert replay.get(f"{API}/users/me").status_code == 401


def test_sessions_expire(app: object, alice: Account) -> None:
    assert alice.client.get(f"{API}/users/me").status_code == 200
    with app.state.sessionmaker() as db:  # type: ignore[attr-defined]
        db.execute(update(AuthSession).values(expires_at=AuthSession.created_at))
        db.commit()
    assert alice.client.get(f"{API}/users/me").status_code == 401
    with app.state.sessionmaker() as db:  # type: ignore[attr-defined]
        assert db.scalars(select(AuthSession)).all() == []  # the expired row is gone


def test_cookie_calls_that_change_things_need_the_csrf_header(alice: Account) -> None:
    body = {"date": "2024-03-01", "text": "30 g almonds"}
    r = alice.client.post(f"{API}/diary/entries", json=body)
    assert r.status_code == 403
    r = alice.client.post(f"{API}/diary/entries", json=body, headers={"X-CSRF-Token": "guess"})
    assert r.status_code == 403
    r = alice.client.post(f"{API}/diary/entries", json=body, headers=alice.csrf_header())
    assert r.status_code == 201
    # a bearer token is never sent by a browser on its own: no CSRF header needed
    anonymous = TestClient(alice.client.app)
    r = anonymous.post(f"{API}/diary/entries", json=body, headers=alice.bearer())
    assert r.status_code == 201


def test_change_password_ends_other_sessions(app: object, alice: Account) -> None:
    other = TestClient(app)  # type: ignore[arg-type]
    assert (
        other.post(
            f"{API}/auth/login", json={"email": alice.email, "password": PASSWORD}
        ).status_code
        == 200
    )
    new = "a much better passphrase"
    r = alice.client.post(
        f"{API}/users/me/password",
        json={"current_password": "wrong", "new_password": new},
        headers=alice.csrf_header(),
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "current_password"]
    r = alice.client.post(
        f"{API}/users/me/password",
        json={"current_password": PASSWORD, "new_password": new},
        headers=alice.csrf_header(),
    )
    assert r.status_code == 204
    assert alice.client.get(f"{API}/users/me").status_code == 200  # this session stays
    assert other.get(f"{API}/users/me").status_code == 401  # the other one ended
    fresh = TestClient(app)  # type: ignore[arg-type]
    login = {"email": alice.email}
    assert fresh.post(f"{API}/auth/login", json={**login, "password": PASSWORD}).status_code == 401
    assert fresh.post(f"{API}/auth/login", json={**login, "password": new}).status_code == 200


def test_login_rate_limit_per_account_and_ip(app: object, alice: Account, bob: Account) -> None:
    c = TestClient(app)  # type: ignore[arg-type]
    limit = app.state.settings.login_max_failures  # type: ignore[attr-defined]
    for _ in range(limit):
        r = c.post(f"{API}/auth/login", json={"email": alice.email, "password": "wrong pw"})
        assert r.status_code == 401
    r = c.post(f"{API}/auth/login", json={"email": alice.email, "password": PASSWORD})
    assert r.status_code == 429  # even the right password waits now
    assert int(r.headers["retry-after"]) > 0
    # another account from the same client is not affected
    r = c.post(f"{API}/auth/login", json={"email": bob.email, "password": PASSWORD})
    assert r.status_code == 200


def test_a_success_resets_the_failure_count(app: object, alice: Account) -> None:
    c = TestClient(app)  # type: ignore[arg-type]
    limit = app.state.settings.login_max_failures  # type: ignore[attr-defined]
    for _ in range(3):
        for _ in range(limit - 1):
            c.post(f"{API}/auth/login", json={"email": alice.email, "password": "wrong pw"})
        r = c.post(f"{API}/auth/login", json={"email": alice.email, "password": PASSWORD})
        assert r.status_code == 200


def test_personal_access_tokens(app: object, alice: Account) -> None:
    c = alice.client
    r = c.post(f"{API}/tokens", json={"name": "phone"}, headers=alice.csrf_header())
    assert r.status_code == 201
    secret, token_id = r.json()["token"], r.json()["id"]
    assert secret.startswith("mnv_")
    listed = c.get(f"{API}/tokens").json()
    assert [t["name"] for t in listed] == ["tests", "phone"]
    assert all("token" not in t for t in listed)
    api = TestClient(app)  # type: ignore[arg-type]
    auth = {"Authorization": f"Bearer {secret}"}
    assert api.get(f"{API}/users/me", headers=auth).json()["email"] == alice.email
    with app.state.sessionmaker() as db:  # type: ignore[attr-defined]
        stored = [row.token_hash for row in db.scalars(select(AccessToken))]
    assert secret not in stored and all(len(h) == 64 for h in stored)  # digests only
    r = c.delete(f"{API}/tokens/{token_id}", headers=alice.csrf_header())
    assert r.status_code == 204
    assert api.get(f"{API}/users/me", headers=auth).status_code == 401
    assert c.delete(f"{API}/tokens/{token_id}", headers=alice.csrf_header()).status_code == 404
    assert api.get(f"{API}/users/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_passwords_are_never_logged_or_stored(
    app: object, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "unique-passphrase-4711"
    caplog.set_level(logging.DEBUG)
    acct = make_account(app, "carol@example.org", secret)
    acct.client.post(f"{API}/auth/login", json={"email": acct.email, "password": "wrong " + secret})
    acct.client.post(
        f"{API}/users/me/password",
        json={"current_password": secret, "new_password": secret + "-2"},
        headers=acct.csrf_header(),
    )
    assert caplog.records, "nothing was logged: the check would be empty"
    assert all(secret not in r.getMessage() for r in caplog.records)
    with app.state.sessionmaker() as db:  # type: ignore[attr-defined]
        user = db.scalars(select(User)).one()
        assert user.password_hash.startswith("$argon2id$") and secret not in user.password_hash
        dump = " ".join(str(v) for row in db.execute(text("SELECT * FROM users")) for v in row)
    assert secret not in dump
