"""Export all my data (JSON, and CSV files in a ZIP) and delete my account and data: with the
password; sessions and tokens end; nothing of the account remains in any table."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from fastapi.testclient import TestClient
from sqlalchemy import select

from magnerve.web.models import Base, LoginFailure

from .conftest import PASSWORD, Account
from .test_profile_dashboard import with_profile
from .test_sharing import log, make_professional, share

API = "/api/v1"


def _full_account(alice: Account, app: object) -> Account:
    with_profile(alice)
    log(alice, "30 g almonds", note='=HYPERLINK("http://evil")')
    pro = make_professional(app)
    share(alice, pro.email)
    r = pro.client.post(
        f"{API}/clients/{alice.id}/notes", json={"text": "more greens"}, headers=pro.csrf_header()
    )
    assert r.status_code == 201
    return pro


def test_export_json_and_csv(alice: Account, app: object) -> None:
    pro = _full_account(alice, app)
    r = alice.client.get(f"{API}/export")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    d = r.json()
    assert d["account"]["email"] == alice.email and d["profile"]["person"]["age"] == 58
    assert [e["text"] for e in d["entries"]] == ["30 g almonds"]
    assert d["shares"][0]["professional"] == pro.email
    assert d["notes"][0]["text"] == "more greens"
    assert "password" not in r.text and alice.token not in r.text
    r = TestClient(app).get(f"{API}/export", params={"format": "csv"}, headers=alice.bearer())  # type: ignore[arg-type]
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    assert {"entries.csv", "diary.csv", "profile.csv", "notes.csv", "shares.csv"} <= set(
        z.namelist()
    )
    entries = list(csv.DictReader(io.StringIO(z.read("entries.csv").decode())))
    assert entries[0]["text"] == "30 g almonds" and entries[0]["note"].startswith("'=")
    assert "person.age,58" in z.read("profile.csv").decode()
    # the professional's export has the note they wrote, not the client's diary
    p = pro.client.get(f"{API}/export").json()
    assert p["entries"] == [] and p["notes"][0]["text"] == "more greens"
    assert alice.client.get(f"{API}/export", params={"format": "xml"}).status_code == 422
    page = alice.client.get("/account/export.zip")
    assert page.status_code == 200 and page.content[:2] == b"PK"
    assert json.loads(alice.client.get("/account/export.json").text)["account"]["id"] == alice.id


def _rows_of(app: object, user_id: int, email: str) -> list[str]:
    """Every row of every table that names the account (by id column or e-mail)."""
    found = []
    engine = app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                m = row._mapping
                ids = [
                    m[c.name]
                    for c in table.columns
                    if c.name in ("user_id", "owner_id", "professional_id", "author_id")
                ]
                if table.name == "users":
                    ids.append(m["id"])
                if user_id in ids or email in str(tuple(m.values())):
                    found.append(f"{table.name}: {dict(m)}")
    return found


def test_delete_account_removes_everything(alice: Account, bob: Account, app: object) -> None:
    pro = _full_account(alice, app)
    # a failed sign-in of alice's e-mail from this client is hers too
    TestClient(app).post(f"{API}/auth/login", json={"email": alice.email, "password": "wrong pw"})  # type: ignore[arg-type]
    log(bob, "1 medium banana")
    assert _rows_of(app, alice.id, alice.email)  # the check can fail
    r = alice.client.post(
        f"{API}/users/me/delete", json={"password": "wrong"}, headers=alice.csrf_header()
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "password"]
    r = alice.client.post(f"{API}/users/me/delete", json={"password": PASSWORD})
    assert r.status_code == 403  # a cookie call without its CSRF token
    r = alice.client.post(
        f"{API}/users/me/delete", json={"password": PASSWORD}, headers=alice.csrf_header()
    )
    assert r.status_code == 204
    assert _rows_of(app, alice.id, alice.email) == []
    with app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        assert conn.execute(select(LoginFailure)).all() == []
    assert alice.client.get(f"{API}/users/me").status_code == 401
    assert TestClient(app).get(f"{API}/users/me", headers=alice.bearer()).status_code == 401  # type: ignore[arg-type]
    assert pro.client.get(f"{API}/clients").json() == []
    assert (
        len(
            bob.client.get(f"{API}/diary/entries", params={"start": "2024-05-01"}).json()["entries"]
        )
        == 1
    )
    # the e-mail can be registered again, as a new, empty account
    r = TestClient(app).post(
        f"{API}/auth/signup", json={"email": alice.email, "password": PASSWORD}
    )  # type: ignore[arg-type]
    assert r.status_code == 201 and r.json()["id"] != alice.id


def test_delete_from_the_account_page(alice: Account) -> None:
    r = alice.client.post("/account/delete", data={"password": "wrong", "csrf_token": alice.csrf})
    assert r.status_code == 422 and 'id="e-password"' in r.text
    r = alice.client.post("/account/delete", data={"password": PASSWORD})
    assert r.status_code == 403
    r = alice.client.post("/account/delete", data={"password": PASSWORD, "csrf_token": alice.csrf})
    assert r.status_code == 200 and "Account deleted" in r.text
    assert alice.client.get("/account", follow_redirects=False).status_code == 303


def test_csv_export_holds_everything_the_json_export_does(alice: Account, app: object) -> None:
    """Supplements, dated doses, food aliases, water and tokens are in the CSV ZIP too."""
    h = alice.csrf_header()
    r = alice.client.post(
        f"{API}/supplements", json={"name": "Daily", "elemental_mg": 50}, headers=alice.bearer()
    )
    assert r.status_code == 201, r.text
    dose = {"date": "2024-05-02", "name": "Mag citrate", "form": "citrate", "salt_mg": 1000}
    r = alice.client.post(f"{API}/diary/supplements", json=dose, headers=h)
    assert r.status_code == 201, r.text
    r = alice.client.post(f"{API}/aliases", json={"text": "my nuts", "food_id": "12061"}, headers=h)
    assert r.status_code in (200, 201), r.text
    js = TestClient(app).get(f"{API}/export", headers=alice.bearer()).json()  # type: ignore[arg-type]
    r = TestClient(app).get(f"{API}/export", params={"format": "csv"}, headers=alice.bearer())  # type: ignore[arg-type]
    z = zipfile.ZipFile(io.BytesIO(r.content))
    names = set(z.namelist())
    assert {"supplements.csv", "supplement_doses.csv", "food_aliases.csv", "water.csv"} <= names
    assert "tokens.csv" in names
    aliases = list(csv.DictReader(io.StringIO(z.read("food_aliases.csv").decode())))
    assert [(a["text"], a["food_id"]) for a in aliases] == [
        (a["text"], a["food_id"]) for a in js["food_aliases"]
    ]
    assert aliases and aliases[0]["food_id"] == "12061"
    doses = z.read("supplement_doses.csv").decode()
    assert "2024-05-02" in doses and "citrate" in doses
    assert "Daily" in z.read("supplements.csv").decode()
    tokens = list(csv.DictReader(io.StringIO(z.read("tokens.csv").decode())))
    assert [t["name"] for t in tokens] == [t["name"] for t in js["tokens"]]
    assert alice.token not in z.read("tokens.csv").decode()  # names and prefixes, no secret
