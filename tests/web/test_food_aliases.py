"""Per-account food aliases: stored in the database, managed by ``/api/v1/aliases`` and the
account page, used when that account's lines are parsed (typed, edited, imported), never
another account's and never the server operator's alias file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from magnerve import foods

from .conftest import Account

API = "/api/v1"
LINE = "2 large shredded wheat biscuits"
DAY = "2024-05-01"


def _pick(line: str = LINE) -> str:
    """A food the core's search does not choose for ``line`` (one of its alternatives)."""
    p = foods.parse_line(line, aliases={})
    return next(h.id for h in p.alternatives if h.id != p.food.id)


def _log(a: Account, text: str = LINE, **kw: Any) -> dict[str, Any]:
    r = a.client.post(
        f"{API}/diary/entries", json={"date": DAY, "text": text}, headers=a.bearer(), **kw
    )
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _alias(a: Account, text: str, food_id: str) -> Any:
    return a.client.post(
        f"{API}/aliases", json={"text": text, "food_id": food_id}, headers=a.csrf_header()
    )


def test_aliases_api_crud_and_use_in_parsing(alice: Account) -> None:
    searched = _log(alice)["food"]["id"]
    pick = _pick()
    assert pick != searched
    r = _alias(alice, "6 Shredded Wheat Biscuits", pick)
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["key"] == "shredded wheat biscuits" and a["food"]["id"] == pick
    # a new line with this food text (any amount, case) resolves to the alias, surely
    e = _log(alice, "1 large shredded wheat biscuits")
    assert e["food"]["id"] == pick and e["confidence"] > 0.9
    assert any("alias" in n for n in e["notes"])
    # editing the text reads it again with the alias
    other = _log(alice, "30 g almonds")
    r = alice.client.patch(
        f"{API}/diary/entries/{other['id']}", json={"text": LINE}, headers=alice.bearer()
    )
    assert r.status_code == 200 and r.json()["food"]["id"] == pick
    # same key again: replaced, not duplicated
    pick2 = next(
        h.id for h in foods.parse_line(LINE, aliases={}).alternatives if h.id not in (pick,)
    )
    assert _alias(alice, "shredded wheat biscuits", pick2).status_code == 200
    listed = alice.client.get(f"{API}/aliases").json()
    assert [(x["key"], x["food"]["id"]) for x in listed] == [("shredded wheat biscuits", pick2)]
    r = alice.client.put(
        f"{API}/aliases/{a['id']}", json={"food_id": pick}, headers=alice.csrf_header()
    )
    assert r.status_code == 200 and r.json()["food"]["id"] == pick
    assert (
        alice.client.delete(f"{API}/aliases/{a['id']}", headers=alice.bearer()).status_code == 204
    )
    assert alice.client.get(f"{API}/aliases").json() == []
    assert _log(alice)["food"]["id"] == searched
    assert (
        alice.client.delete(f"{API}/aliases/{a['id']}", headers=alice.bearer()).status_code == 404
    )


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"text": "... !!", "food_id": "12061"}, ["body", "text"]),
        ({"text": "almonds", "food_id": "99999"}, ["body", "food_id"]),
        ({"text": "almonds", "food_id": "abc"}, ["body", "food_id"]),
        ({"text": "", "food_id": "12061"}, ["body", "text"]),
        ({"text": "a\nb", "food_id": "12061"}, ["body", "text"]),
        ({"text": "almonds", "food_id": "12061", "x": 1}, ["body", "x"]),
    ],
)
def test_bad_aliases_answer_422_at_the_field(
    alice: Account, body: dict[str, Any], loc: list[str]
) -> None:
    r = alice.client.post(f"{API}/aliases", json=body, headers=alice.csrf_header())
    assert r.status_code == 422, r.text
    assert loc in [d["loc"] for d in r.json()["detail"]]


def test_aliases_are_per_account(alice: Account, bob: Account) -> None:
    pick = _pick()
    bobs = _log(bob)["food"]["id"]
    r = _alias(alice, LINE, pick)
    assert r.status_code == 201
    alias_id = r.json()["id"]
    assert _log(alice)["food"]["id"] == pick
    assert _log(bob)["food"]["id"] == bobs != pick  # Alice's alias does not change Bob's diary
    assert bob.client.get(f"{API}/aliases").json() == []
    # Bob can neither change nor delete Alice's alias (the same 404 as a missing one)
    h = bob.csrf_header()
    r = bob.client.put(f"{API}/aliases/{alias_id}", json={"food_id": "12061"}, headers=h)
    assert r.status_code == 404
    assert bob.client.delete(f"{API}/aliases/{alias_id}", headers=h).status_code == 404
    page = bob.client.post(
        f"/account/aliases/{alias_id}/delete", data={"csrf_token": bob.csrf}, follow_redirects=False
    )
    assert page.status_code == 404
    assert alice.client.get(f"{API}/aliases").json()[0]["food"]["id"] == pick
    assert "shredded wheat" not in bob.client.get("/account").text


def test_the_operators_alias_file_is_not_used(
    alice: Account, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An alias in the server's own config directory changes no account's diary."""
    searched = foods.parse_line(LINE, aliases={}).food.id
    cfg = tmp_path / "operator"
    cfg.mkdir()
    monkeypatch.setenv("MAGNERVE_CONFIG_DIR", str(cfg))
    foods.add_alias(LINE, _pick())
    assert foods.parse_line(LINE).food.id != searched  # the core's default reads the file
    assert _log(alice)["food"]["id"] == searched


def test_import_uses_the_accounts_aliases(alice: Account) -> None:
    pick = _pick()
    assert _alias(alice, LINE, pick).status_code == 201
    csv_text = f"date,meal,food\n{DAY},breakfast,{LINE}\n{DAY},lunch,30 g almonds\n"
    r = alice.client.post(
        f"{API}/diary/import",
        params={"commit": "true"},
        files={"file": ("d.csv", csv_text.encode(), "text/csv")},
        headers=alice.csrf_header(),
    )
    assert r.status_code == 200, r.text
    got = {e["text"]: e["food"]["id"] for e in r.json()["entries"]}
    assert got[LINE] == pick and got["30 g almonds"] == "12061"


def test_alias_page_section_and_remember_on_edit(alice: Account, bob: Account) -> None:
    c, token = alice.client, alice.csrf
    entry = _log(alice)
    pick = next(x["id"] for x in entry["alternatives"])
    form = {"text": LINE, "meal": "", "note": "", "entry_date": DAY, "food_id": pick}
    r = c.post(
        f"/entries/{entry['id']}/edit",
        data={**form, "remember": "1", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert [(x["key"], x["food"]["id"]) for x in c.get(f"{API}/aliases").json()] == [
        ("shredded wheat biscuits", pick)
    ]
    page = c.get("/account")
    assert page.status_code == 200 and "shredded wheat biscuits" in page.text
    assert "<title>Account · magnerve</title>" in page.text
    # the form: errors at their field, then a good one
    r = c.post(
        "/account/aliases",
        data={"alias_text": "almonds", "alias_food": "99999", "csrf_token": token},
    )
    assert r.status_code == 422 and re.search(r'id="f-alias_food"[^>]*aria-invalid="true"', r.text)
    r = c.post(
        "/account/aliases",
        data={"alias_text": "my nuts", "alias_food": "12061", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert _log(alice, "30 g my nuts")["food"]["id"] == "12061"
    r = c.post(
        "/account/aliases", data={"alias_text": "x", "alias_food": "12061", "csrf_token": "bad"}
    )
    assert r.status_code == 403
    alias_id = c.get(f"{API}/aliases").json()[-1]["id"]
    r = c.post(
        f"/account/aliases/{alias_id}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    assert "my nuts" not in c.get("/account").text


def test_export_and_delete_include_aliases(alice: Account) -> None:
    assert _alias(alice, LINE, _pick()).status_code == 201
    d = alice.client.get(f"{API}/export").json()
    assert [a["key"] for a in d["food_aliases"]] == ["shredded wheat biscuits"]
    assert json.dumps(d).count(alice.token) == 0
