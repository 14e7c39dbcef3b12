"""The server-rendered pages without JavaScript: sign-up, sign-in, the diary day (add, edit,
delete, copy, search), the account page, sign-out; CSRF on every form; labelled inputs."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from fastapi.testclient import TestClient

from .conftest import PASSWORD


class _Form(HTMLParser):
    """Collects inputs, labels and the CSRF tokens of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []
        self.labels: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("input", "select", "textarea"):
            self.inputs.append(a)
        if tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))


def _parse(html: str) -> _Form:
    p = _Form()
    p.feed(html)
    return p


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the form"
    return m.group(1)


def _signed_up(client: TestClient, email: str = "dana@example.org") -> str:
    page = client.get("/signup")
    r = client.post(
        "/signup",
        data={"email": email, "password": PASSWORD, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/diary"
    return email


def test_every_visible_input_has_a_label(client: TestClient) -> None:
    _signed_up(client)
    for path in ("/signup", "/diary/2024-03-01", "/account"):
        html = TestClient(client.app).get(path).text if path == "/signup" else client.get(path).text
        form = _parse(html)
        visible = [i for i in form.inputs if i.get("type") not in ("hidden", "radio")]
        assert visible, path
        for i in visible:
            assert i.get("id") in form.labels, (path, i)


def test_forms_without_the_csrf_token_are_refused(client: TestClient) -> None:
    r = client.post("/signup", data={"email": "eve@example.org", "password": PASSWORD})
    assert r.status_code == 403
    _signed_up(client)
    r = client.post("/diary/2024-03-01/entries", data={"text": "30 g almonds"})
    assert r.status_code == 403
    r = client.post("/diary/2024-03-01/entries", data={"text": "30 g almonds", "csrf_token": "x"})
    assert r.status_code == 403
    assert "almonds" not in client.get("/diary/2024-03-01").text.split("Entries")[1]


def test_sign_in_form_and_wrong_password(client: TestClient) -> None:
    email = _signed_up(client)
    fresh = TestClient(client.app)
    token = _csrf(fresh.get("/").text)
    r = fresh.post("/signin", data={"email": email, "password": "nope nope", "csrf_token": token})
    assert r.status_code == 401 and "wrong e-mail or password" in r.text
    r = fresh.post(
        "/signin",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert fresh.get("/", follow_redirects=False).headers["location"] == "/diary"


def test_log_a_day_by_typing_then_edit_copy_delete(client: TestClient) -> None:
    _signed_up(client)
    day = client.get("/diary/2024-03-01")
    token = _csrf(day.text)
    r = client.post(
        "/diary/2024-03-01/entries",
        data={"text": "1 medium banana", "meal": "Breakfast", "note": "", "csrf_token": token},
    )
    assert r.status_code == 200 and "1 medium banana" in r.text and "confidence" in r.text
    bad = client.post(
        "/diary/2024-03-01/entries", data={"text": "qqzzxx vvbbnn", "csrf_token": token}
    )
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.text and 'id="e-text"' in bad.text
    assert 'value="qqzzxx vvbbnn"' in bad.text  # what was typed is kept
    entry_id = re.search(r"/entries/(\d+)/edit", r.text).group(1)  # type: ignore[union-attr]
    edit = client.get(f"/entries/{entry_id}/edit")
    assert edit.status_code == 200 and 'type="radio"' in edit.text
    r = client.post(
        f"/entries/{entry_id}/edit",
        data={
            "text": "2 medium bananas",
            "meal": "Snack",
            "note": "after a walk",
            "entry_date": "2024-03-01",
            "csrf_token": token,
        },
    )
    assert r.status_code == 200 and "2 medium bananas" in r.text and "after a walk" in r.text
    r = client.post("/diary/2024-03-02/copy", data={"from_date": "2024-03-01", "csrf_token": token})
    assert r.status_code == 200 and "2 medium bananas" in r.text
    r = client.post(f"/entries/{entry_id}/delete", data={"csrf_token": token})
    assert r.status_code == 200 and "Nothing logged for this day yet" in r.text
    found = client.get("/diary/2024-03-01", params={"q": "dry roasted almonds"})
    assert "Nuts, almonds, dry roasted" in found.text


def test_account_page_password_and_tokens(client: TestClient) -> None:
    _signed_up(client)
    page = client.get("/account")
    token = _csrf(page.text)
    r = client.post("/account/tokens", data={"name": "my script", "csrf_token": token})
    secret = re.search(r'<code class="secret">(mnv_[^<]+)</code>', r.text)
    assert secret
    auth = {"Authorization": f"Bearer {secret.group(1)}"}
    assert TestClient(client.app).get("/api/v1/users/me", headers=auth).status_code == 200
    r = client.post(
        "/account/password",
        data={
            "current_password": "wrong",
            "new_password": "another passphrase",
            "csrf_token": token,
        },
    )
    assert r.status_code == 422 and 'id="e-current_password"' in r.text
    r = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "another passphrase",
            "csrf_token": token,
        },
    )
    assert r.status_code == 200 and "Password changed" in r.text


def test_sign_out(client: TestClient) -> None:
    _signed_up(client)
    token = _csrf(client.get("/diary/2024-03-01").text)
    r = client.post("/signout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/diary/2024-03-01", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/users/me").status_code == 401


def test_unknown_day_and_anonymous_pages(client: TestClient) -> None:
    for path in ("/diary/2024-03-01", "/account", "/entries/1/edit"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/", path
    _signed_up(client)
    assert client.get("/diary/not-a-day").status_code == 404
    assert client.get("/entries/²/edit").status_code == 404
    assert (
        client.get("/diary", params={"day": "2024-02-29"}, follow_redirects=False).headers[
            "location"
        ]
        == "/diary/2024-02-29"
    )
