"""The diary API and pages: free text through the core's parser, confidence and
alternatives, edit, delete, copy a day, food search, 422 with field paths, never a 500,
and user text escaped in pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hypothesis_profiles import examples
from magnerve import foods

from .conftest import Account

API = "/api/v1"


def _add(a: Account, text: str, day: str = "2024-03-01", **extra: str) -> dict:  # type: ignore[type-arg]
    r = a.client.post(
        f"{API}/diary/entries", json={"date": day, "text": text, **extra}, headers=a.csrf_header()
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_create_uses_the_core_parser(alice: Account) -> None:
    e = _add(alice, "1 medium banana", meal="Breakfast", note="ripe")
    core = foods.parse_line("1 medium banana")
    assert e["food"] == {"id": core.food.id, "description": core.food.description}
    assert e["grams"] == core.grams and e["unit"] == core.unit
    assert abs(e["confidence"] - core.confidence) < 1e-9
    assert [a["id"] for a in e["alternatives"]] == [h.id for h in core.alternatives]
    assert e["meal"] == "Breakfast" and e["note"] == "ripe" and e["text"] == "1 medium banana"


def test_list_by_date_range(alice: Account) -> None:
    _add(alice, "30 g almonds", "2024-03-01")
    _add(alice, "1 medium banana", "2024-03-02")
    _add(alice, "1 cup cooked oatmeal", "2024-03-05")
    get = alice.client.get
    r = get(f"{API}/diary/entries", params={"start": "2024-03-01", "end": "2024-03-02"})
    assert [e["text"] for e in r.json()["entries"]] == ["30 g almonds", "1 medium banana"]
    r = get(f"{API}/diary/entries", params={"start": "2024-03-05"})
    assert [e["text"] for e in r.json()["entries"]] == ["1 cup cooked oatmeal"]
    r = get(f"{API}/diary/entries", params={"start": "2024-03-05", "end": "2024-03-01"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "end"]
    r = get(f"{API}/diary/entries", params={"start": "2020-01-01", "end": "2024-01-01"})
    assert r.status_code == 422
    assert get(f"{API}/diary/entries").status_code == 422  # start is required


def test_edit_text_food_and_delete(alice: Account) -> None:
    e = _add(alice, "30 g almonds")
    url = f"{API}/diary/entries/{e['id']}"
    h = alice.csrf_header()
    r = alice.client.patch(url, json={"text": "2 tbsp peanut butter"}, headers=h)
    assert (
        r.status_code == 200
        and r.json()["food"]["id"] == foods.parse_line("2 tbsp peanut butter").food.id
    )
    alt = r.json()["alternatives"][0]["id"]
    r = alice.client.patch(url, json={"food_id": alt, "note": "crunchy"}, headers=h)
    assert r.status_code == 200
    assert r.json()["food"]["id"] == alt and r.json()["note"] == "crunchy"
    assert r.json()["alternatives"], "the alternatives stay to switch back"
    r = alice.client.patch(url, json={"food_id": "99999"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "food_id"]
    r = alice.client.patch(url, json={"date": "2024-03-09", "meal": "Lunch"}, headers=h)
    assert r.json()["date"] == "2024-03-09" and r.json()["meal"] == "Lunch"
    assert alice.client.delete(url, headers=h).status_code == 204
    assert alice.client.get(url).status_code == 404
    assert alice.client.delete(url, headers=h).status_code == 404


def test_copy_a_day(alice: Account) -> None:
    _add(alice, "30 g almonds", "2024-03-01", meal="Snack")
    _add(alice, "1 medium banana", "2024-03-01", meal="Breakfast")
    h = alice.csrf_header()
    body = {"from_date": "2024-03-01", "to_date": "2024-03-02"}
    r = alice.client.post(f"{API}/diary/copy", json=body, headers=h)
    assert r.status_code == 201 and r.json()["copied"] == 2
    day2 = alice.client.get(f"{API}/diary/entries", params={"start": "2024-03-02"}).json()
    assert [e["text"] for e in day2["entries"]] == ["30 g almonds", "1 medium banana"]
    r = alice.client.post(
        f"{API}/diary/copy", json={**body, "to_date": "2024-03-03", "meal": "breakfast"}, headers=h
    )
    assert [e["text"] for e in r.json()["entries"]] == ["1 medium banana"]
    r = alice.client.post(f"{API}/diary/copy", json={**body, "to_date": "2024-03-01"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "to_date"]


def test_unparseable_line_is_422_at_the_text_field(alice: Account) -> None:
    r = alice.client.post(
        f"{API}/diary/entries",
        json={"date": "2024-03-01", "text": "qqzzxx vvbbnn"},
        headers=alice.csrf_header(),
    )
    assert r.status_code == 422
    item = r.json()["detail"][0]
    assert item["loc"] == ["body", "text"] and item["msg"] and item["suggestions"]


def test_bad_fields_are_422_with_paths(alice: Account) -> None:
    h = alice.csrf_header()
    cases = [
        ({"text": "30 g almonds"}, ["body", "date"]),
        ({"date": "2024-02-30", "text": "30 g almonds"}, ["body", "date"]),
        ({"date": "2024-03-01", "text": "x" * 501}, ["body", "text"]),
        ({"date": "2024-03-01", "text": "30 g alm\x00onds"}, ["body", "text"]),
        ({"date": "2024-03-01", "text": "   "}, ["body", "text"]),
        ({"date": "2024-03-01", "text": "30 g almonds", "extra": 1}, ["body", "extra"]),
        ({"date": "2024-03-01", "text": 5}, ["body", "text"]),
    ]
    for body, loc in cases:
        r = alice.client.post(f"{API}/diary/entries", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert loc in [d["loc"] for d in r.json()["detail"]], (body, r.json())
    r = alice.client.post(
        f"{API}/diary/entries",
        content=b"{not json",
        headers={**h, "content-type": "application/json"},
    )
    assert r.status_code == 422
    for bad in ("0", "-1", "99999999999999999999", "abc", str(2**31)):
        assert alice.client.get(f"{API}/diary/entries/{bad}").status_code == 422, bad
    r = alice.client.get(f"{API}/foods/search", params={"q": "almonds", "limit": 10_000})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "limit"]


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(max_size=80), note=st.text(max_size=40))
def test_any_text_is_201_or_422_never_500(alice: Account, text: str, note: str) -> None:
    r = alice.client.post(
        f"{API}/diary/entries",
        json={"date": "2024-03-01", "text": text, "note": note},
        headers=alice.csrf_header(),
    )
    assert r.status_code in (201, 422), r.text
    if r.status_code == 422:
        assert all(d["loc"][0] == "body" for d in r.json()["detail"])
    s = alice.client.get(f"{API}/foods/search", params={"q": text})
    assert s.status_code in (200, 422), s.text


def test_food_search(client: TestClient) -> None:
    r = client.get(f"{API}/foods/search", params={"q": "pepitas", "limit": 3})
    assert r.status_code == 200
    hits = r.json()["hits"]
    assert [h["id"] for h in hits] == [h.id for h in foods.search("pepitas", limit=3)]
    assert client.get(f"{API}/foods/search", params={"q": "  "}).json()["hits"] == []


XSS = '<script>alert("x")</script>'


def test_user_text_is_escaped_in_pages(alice: Account) -> None:
    _add(alice, "30 g almonds", note=XSS, meal='"><img src=x onerror=alert(1)>')
    page = alice.client.get("/diary/2024-03-01")
    assert page.status_code == 200
    assert XSS not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
    found = alice.client.get("/diary/2024-03-01", params={"q": XSS})
    assert XSS not in found.text
    assert re.search(r"<script(?![^>]*\bsrc=)", found.text) is None


def test_sql_injection_text_is_just_text(alice: Account, client: TestClient) -> None:
    evil = "30 g almonds'); DROP TABLE diary_entries; --"
    r = alice.client.post(
        f"{API}/diary/entries",
        json={"date": "2024-03-01", "text": "30 g almonds", "note": evil, "meal": "' OR 1=1 --"},
        headers=alice.csrf_header(),
    )
    assert r.status_code == 201 and r.json()["note"] == evil
    r = client.post(f"{API}/auth/login", json={"email": "x'--@a.org", "password": "' OR '1'='1"})
    assert r.status_code == 401
    listed = alice.client.get(f"{API}/diary/entries", params={"start": "2024-03-01"}).json()
    assert [e["note"] for e in listed["entries"]] == [evil]
