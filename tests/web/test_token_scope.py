"""Scopes of personal access tokens: a ``read`` token reads everything its account may read
and gets 403 on every write; ``read_write`` (the default, and every token made before the
scope existed) may write. The migration adds the column with that default."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from magnerve.web import Settings, create_app

from .conftest import Account

API = "/api/v1"
DAY = "2024-05-01"


def _token(a: Account, scope: str | None) -> dict[str, Any]:
    body = {"name": f"scope {scope}"} | ({} if scope is None else {"scope": scope})
    r = a.client.post(f"{API}/tokens", json=body, headers=a.csrf_header())
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def test_read_token_reads_but_never_writes(alice: Account, app: object) -> None:
    t = _token(alice, "read")
    assert t["scope"] == "read"
    entry = alice.client.post(
        f"{API}/diary/entries", json={"date": DAY, "text": "30 g almonds"}, headers=alice.bearer()
    ).json()
    c = TestClient(app)  # type: ignore[arg-type]
    h = {"Authorization": f"Bearer {t['token']}"}
    for path in ("/users/me", "/diary/entries?start=" + DAY, "/aliases", "/supplements",
                 "/tokens", "/export"):  # fmt: skip
        assert c.get(API + path, headers=h).status_code == 200, path
    writes = [
        ("POST", "/diary/entries", {"date": DAY, "text": "1 medium banana"}),
        ("PATCH", f"/diary/entries/{entry['id']}", {"note": "x"}),
        ("DELETE", f"/diary/entries/{entry['id']}", None),
        ("POST", "/tokens", {"name": "escalate", "scope": "read_write"}),
        ("DELETE", f"/tokens/{t['id']}", None),
        ("POST", "/aliases", {"text": "nuts", "food_id": "12061"}),
        ("PUT", "/profile", {"person": {"age": 40, "sex": "female"}}),
        ("POST", "/diary/supplements", {"date": DAY, "name": "Mg", "elemental_mg": 100}),
        ("POST", "/users/me/delete", {"password": "x"}),
    ]
    for method, path, body in writes:
        r = c.request(method, API + path, json=body, headers=h)
        assert r.status_code == 403, (method, path, r.status_code, r.text)
        assert "read" in r.json()["detail"]
    # nothing changed
    got = c.get(f"{API}/diary/entries", params={"start": DAY}, headers=h).json()["entries"]
    assert [(e["id"], e["note"]) for e in got] == [(entry["id"], "")]
    assert len(alice.client.get(f"{API}/tokens").json()) == 2
    # a read_write token (and the default) may write
    for scope in ("read_write", None):
        w = _token(alice, scope)
        assert w["scope"] == "read_write"
        r = c.post(
            f"{API}/diary/entries",
            json={"date": DAY, "text": "1 medium banana"},
            headers={"Authorization": f"Bearer {w['token']}"},
        )
        assert r.status_code == 201


def test_unknown_scope_is_422_and_the_account_page_makes_read_tokens(alice: Account) -> None:
    r = alice.client.post(
        f"{API}/tokens", json={"name": "x", "scope": "admin"}, headers=alice.csrf_header()
    )
    assert r.status_code == 422 and ["body", "scope"] in [d["loc"] for d in r.json()["detail"]]
    r = alice.client.post(
        "/account/tokens", data={"name": "phone", "scope": "read", "csrf_token": alice.csrf}
    )
    assert r.status_code == 200 and "read only" in r.text
    listed = {t["name"]: t["scope"] for t in alice.client.get(f"{API}/tokens").json()}
    assert listed == {"tests": "read_write", "phone": "read"}
    r = alice.client.post(
        "/account/tokens", data={"name": "bad", "scope": "root", "csrf_token": alice.csrf}
    )
    assert r.status_code == 422


def test_tokens_made_before_the_scope_keep_writing(settings: Settings) -> None:
    """Migration 0006 on a database with a token of 0005: the token becomes read_write."""
    from importlib import resources

    from alembic import command
    from alembic.config import Config

    app = create_app(settings)
    with TestClient(app) as c:
        creds = {"email": "old@example.org", "password": "correct horse battery staple"}
        assert c.post(f"{API}/auth/signup", json=creds).status_code == 201
        r = c.post(f"{API}/auth/login", json=creds)
        csrf = r.json()["csrf_token"]
        token = c.post(
            f"{API}/tokens", json={"name": "old", "scope": "read"}, headers={"X-CSRF-Token": csrf}
        ).json()["token"]
    engine = app.state.engine
    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("magnerve.web").joinpath("migrations"))
    )
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    assert "scope" not in {col["name"] for col in inspect(engine).get_columns("access_tokens")}
    engine.dispose()
    app = create_app(settings)  # upgrades to head again
    with app.state.engine.connect() as conn:
        assert conn.execute(text("SELECT scope FROM access_tokens")).scalar() == "read_write"
    with TestClient(app) as c:
        r = c.post(
            f"{API}/diary/entries",
            json={"date": DAY, "text": "30 g almonds"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 201
    app.state.engine.dispose()
