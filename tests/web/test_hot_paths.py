"""The cheap hot paths of issue 12's load targets: the per-process caches of food search
answers and diary-line parses, the one-query caller lookup, and the request's database
session. Each cache must give exactly what the uncached path gives: a parse follows the
account's aliases as they are now (another account's never count), a search answer follows
the reference data, and nothing is kept that names an account."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from magnerve import foods
from magnerve.web.core import cache
from magnerve.web.core.cache import LRU, RecordingAliases

from .conftest import Account

API = "/api/v1"
DAY = "2024-05-01"
LINE = "2 large shredded wheat biscuits"
# What the client may send back and that depends on the row, not on the parse.
_ROW_FIELDS = ("id", "date", "meal", "note", "created_at", "updated_at")


@pytest.fixture(autouse=True)
def _empty_caches() -> None:
    cache.parse_cache.clear()
    cache.search_cache.clear()


def _log(a: Account, text: str = LINE, *, status: int = 201) -> dict[str, Any]:
    r = a.client.post(f"{API}/diary/entries", json={"date": DAY, "text": text}, headers=a.bearer())
    assert r.status_code == status, r.text
    out: dict[str, Any] = r.json()
    return out


def _parse_part(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k not in _ROW_FIELDS}


def _pick(line: str = LINE) -> str:
    """A food the core's search does not choose for ``line`` (one of its alternatives)."""
    p = foods.parse_line(line, aliases={})
    return next(h.id for h in p.alternatives if h.id != p.food.id)


def test_a_repeated_line_is_answered_from_the_cache_with_the_same_reading(
    alice: Account,
) -> None:
    first = _log(alice)
    assert cache.parse_cache.hits == 0
    second = _log(alice)
    assert cache.parse_cache.hits == 1
    assert second["id"] != first["id"]
    assert _parse_part(second) == _parse_part(first)
    # and it is what the core says for the line without aliases
    p = foods.parse_line(LINE, aliases={})
    assert first["food"]["id"] == p.food.id
    assert first["grams"] == pytest.approx(p.grams)
    assert [h["id"] for h in first["alternatives"]] == [h.id for h in p.alternatives]


def test_a_cached_line_follows_the_accounts_alias_changes(alice: Account) -> None:
    searched = _log(alice)["food"]["id"]
    pick = _pick()
    r = alice.client.post(
        f"{API}/aliases",
        json={"text": "shredded wheat biscuits", "food_id": pick},
        headers=alice.csrf_header(),
    )
    assert r.status_code == 201, r.text
    alias_id = r.json()["id"]
    assert _log(alice)["food"]["id"] == pick  # the cached reading is not reused
    assert _log(alice)["food"]["id"] == pick  # the aliased reading is (same answer)
    r = alice.client.delete(f"{API}/aliases/{alias_id}", headers=alice.csrf_header())
    assert r.status_code == 204, r.text
    assert _log(alice)["food"]["id"] == searched


def test_one_accounts_alias_never_reaches_another_through_the_cache(
    alice: Account, bob: Account
) -> None:
    pick = _pick()
    r = alice.client.post(
        f"{API}/aliases",
        json={"text": "shredded wheat biscuits", "food_id": pick},
        headers=alice.csrf_header(),
    )
    assert r.status_code == 201, r.text
    assert _log(alice)["food"]["id"] == pick
    hits = cache.parse_cache.hits
    bobs = _log(bob)["food"]["id"]
    assert bobs != pick
    assert cache.parse_cache.hits == hits  # parses are per account: Bob's is his own
    assert _log(alice)["food"]["id"] == pick  # and Bob's reading does not reach Alice
    assert _log(bob)["food"]["id"] == bobs


def test_an_edit_to_a_cached_text_reads_it_with_the_alias(alice: Account) -> None:
    entry = _log(alice, "30 g almonds")
    _log(alice)  # LINE is cached without alias
    pick = _pick()
    r = alice.client.post(
        f"{API}/aliases",
        json={"text": "shredded wheat biscuits", "food_id": pick},
        headers=alice.csrf_header(),
    )
    assert r.status_code == 201, r.text
    r = alice.client.patch(
        f"{API}/diary/entries/{entry['id']}", json={"text": LINE}, headers=alice.bearer()
    )
    assert r.status_code == 200, r.text
    assert r.json()["food"]["id"] == pick


def test_a_refused_line_is_refused_again_with_the_same_reason(alice: Account) -> None:
    r1 = alice.client.post(
        f"{API}/diary/entries", json={"date": DAY, "text": "2 cups"}, headers=alice.bearer()
    )
    r2 = alice.client.post(
        f"{API}/diary/entries", json={"date": DAY, "text": "2 cups"}, headers=alice.bearer()
    )
    assert r1.status_code == r2.status_code == 422
    assert r1.json() == r2.json()
    assert r1.json()["detail"][0]["loc"] == ["body", "text"]
    assert cache.parse_cache.hits == 1


def test_a_parse_made_with_other_reference_data_is_not_reused(
    alice: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    parse_line = foods.parse_line

    def counted(text: str, **kw: Any) -> Any:
        calls.append(text)
        return parse_line(text, **kw)

    monkeypatch.setattr(foods, "parse_line", counted)
    _log(alice)
    _log(alice)
    assert len(calls) == 1
    monkeypatch.setattr(cache, "get_registry", lambda: object())
    _log(alice)
    assert len(calls) == 2


def test_search_answers_are_cached_per_text_and_limit(client: TestClient) -> None:
    a = client.get(f"{API}/foods/search", params={"q": "almonds", "limit": 5})
    b = client.get(f"{API}/foods/search", params={"q": "almonds", "limit": 5})
    c = client.get(f"{API}/foods/search", params={"q": "almonds", "limit": 3})
    s = client.get(f"{API}/foods/suggest", params={"q": "almonds", "limit": 5})
    assert a.status_code == b.status_code == c.status_code == s.status_code == 200
    assert a.content == b.content
    assert cache.search_cache.hits == 1  # the suggest and the other limit are their own
    assert a.headers["content-type"] == "application/json"
    assert a.headers["cache-control"] == "no-store"  # the security headers still apply
    body = a.json()
    assert body["query"] == "almonds"
    assert [h["id"] for h in body["hits"]] == [h.id for h in foods.search("almonds", 5)]
    assert [h["id"] for h in c.json()["hits"]] == [h.id for h in foods.search("almonds", 3)]
    assert [h["id"] for h in s.json()["hits"]] == [h.id for h in foods.suggest("almonds", 5)]


def test_search_bounds_are_still_checked(client: TestClient) -> None:
    assert client.get(f"{API}/foods/search", params={"q": "x" * 501}).status_code == 422
    assert client.get(f"{API}/foods/suggest", params={"q": "a", "limit": 0}).status_code == 422
    r = client.get(f"{API}/foods/search", params={"q": "   "})
    assert r.status_code == 200 and r.json() == {"query": "   ", "hits": []}


def test_a_search_answer_of_other_reference_data_is_not_reused(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.get(f"{API}/foods/search", params={"q": "milk"})
    monkeypatch.setattr(cache, "get_registry", lambda: object())
    assert cache.cached_answer(("search", "milk", 10)) is None


def test_a_revoked_token_is_refused_at_once(alice: Account) -> None:
    _log(alice)
    r = alice.client.get(f"{API}/tokens", headers=alice.bearer())
    token_id = next(t["id"] for t in r.json() if t["name"] == "tests")
    r = alice.client.delete(f"{API}/tokens/{token_id}", headers=alice.csrf_header())
    assert r.status_code == 204, r.text
    r = alice.client.post(
        f"{API}/diary/entries", json={"date": DAY, "text": LINE}, headers=alice.bearer()
    )
    assert r.status_code == 401


def test_a_write_takes_one_query_to_find_its_caller(alice: Account, app: Any) -> None:
    _log(alice)  # the line's parse is cached and the token's last use is written
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement.split()[0].upper())

    event.listen(app.state.engine, "before_cursor_execute", seen)
    try:
        _log(alice)
    finally:
        event.remove(app.state.engine, "before_cursor_execute", seen)
    # the caller (token and account in one), the line's alias keys, the insert
    assert statements.count("SELECT") == 2, statements
    assert statements.count("INSERT") == 1, statements


def test_every_request_gives_its_connection_back(alice: Account, app: Any) -> None:
    pool = app.state.engine.pool
    _log(alice)
    assert alice.client.get(f"{API}/diary/entries", params={"start": DAY}).status_code == 200
    assert alice.client.get(f"{API}/users/me", headers=alice.bearer()).status_code == 200
    _log(alice, "2 cups", status=422)
    assert pool.checkedout() == 0


def test_lru_drops_the_least_recently_used() -> None:
    lru: LRU[str, int] = LRU(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # a is now the most recent
    lru.put("c", 3)
    assert lru.get("b") is None and lru.get("a") == 1 and lru.get("c") == 3
    assert len(lru) == 2
    with pytest.raises(ValueError):
        LRU(0)


def test_a_parse_that_read_every_alias_is_not_cacheable() -> None:
    seen = RecordingAliases({"almonds": "12061"})
    assert seen.get("almonds") == "12061" and seen.get("cashews") is None
    assert seen.lookups == {"almonds": "12061", "cashews": None} and seen.complete
    assert list(seen) == ["almonds"]
    assert not seen.complete


def test_a_new_account_never_gets_a_deleted_accounts_parses(app: object, alice: Account) -> None:
    """Even were a deleted account's id given to a new one, the cache key (id and creation
    time) keeps the new account's lines its own."""
    from .conftest import PASSWORD, make_account

    _log(alice)
    r = alice.client.post("/account/delete", data={"password": PASSWORD, "csrf_token": alice.csrf})
    assert r.status_code == 200
    again = make_account(app, alice.email)
    hits = cache.parse_cache.hits
    _log(again)
    assert cache.parse_cache.hits == hits
