"""The contract checked from outside: sign-in page at /, OpenAPI under /api/v1, 401 for
every personal endpoint without a session or token, security headers, no CDN."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from magnerve.web.main import SECURITY_HEADERS

# Endpoints that touch no person's data (everything else must answer 401 when anonymous).
PUBLIC = {
    ("post", "/api/v1/auth/signup"),
    ("post", "/api/v1/auth/login"),
    ("get", "/api/v1/foods/search"),
    ("get", "/api/v1/foods/suggest"),
}


def test_root_is_the_sign_in_page(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert '<form method="post" action="/signin"' in r.text
    assert 'name="csrf_token"' in r.text
    assert '<label for="f-email">' in r.text and '<label for="f-password">' in r.text
    assert 'name="viewport"' in r.text


def test_openapi_lists_the_api_under_v1(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert paths, "no paths"
    assert all(p.startswith("/api/v1/") for p in paths), paths
    for needed in ("/api/v1/diary/entries", "/api/v1/diary/copy", "/api/v1/foods/search"):
        assert needed in paths


def _operations(client: TestClient) -> list[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return [(m, p) for p, ops in spec["paths"].items() for m in ops]


def test_every_personal_endpoint_answers_401_anonymously(client: TestClient) -> None:
    ops = [op for op in _operations(client) if op not in PUBLIC]
    assert len(ops) >= 10  # the diary, tokens and account endpoints are all listed
    for method, path in ops:
        url = path.replace("{entry_id}", "1").replace("{token_id}", "1")
        r = client.request(method.upper(), url, params={"start": "2024-01-01"}, json={})
        assert r.status_code == 401, (method, path, r.status_code, r.text)
        assert r.headers.get("www-authenticate") == "Bearer"
        bad = client.request(
            method.upper(), url, json={}, headers={"Authorization": "Bearer mnv_not-a-token"}
        )
        assert bad.status_code == 401, (method, path, bad.status_code)


def test_public_endpoints_are_exactly_the_public_set(client: TestClient) -> None:
    assert set(_operations(client)) >= PUBLIC


@pytest.mark.parametrize("path", ["/", "/signup", "/openapi.json", "/api/v1/users/me", "/nope"])
def test_security_headers(client: TestClient, path: str) -> None:
    r = client.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, name
    csp = r.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]*)", csp)
    assert script_src and "unsafe-inline" not in script_src.group(1)
    assert "frame-ancestors 'none'" in csp


def test_no_cdn_and_no_inline_script(client: TestClient) -> None:
    for path in ("/", "/signup"):
        html = client.get(path).text
        assert "http://" not in html and "https://" not in html
        assert re.search(r"<script(?![^>]*\bsrc=)", html) is None  # every script is a file
        assert " on" + "click=" not in html
    assert client.get("/docs").status_code == 404  # Swagger UI would load a CDN
    js = client.get("/static/app.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert client.get("/static/app.css").status_code == 200
