"""Idle session timeout (settings.toml [session] idle_minutes) on top of the absolute expiry,
with a frozen clock: a session used within the idle time lives on; one left idle ends, for the
API and the pages alike; a bearer token is not a session and is not affected."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from magnerve.web import crud
from magnerve.web.core.config import Settings, policy

from .conftest import Account

API = "/api/v1"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, 12, 0, 0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(crud, "utcnow", c)
    return c


def test_the_default_idle_time_comes_from_settings() -> None:
    assert Settings().session_idle == timedelta(minutes=policy()["session"]["idle_minutes"])
    assert Settings().session_idle < Settings().session_lifetime


def test_idle_sessions_end_and_used_ones_live_on(clock: Clock, app: object) -> None:
    from .conftest import make_account

    a: Account = make_account(app, "idle@example.org")
    idle = Settings().session_idle
    # used every idle-minus-a-minute: alive long past one idle period
    for _ in range(4):
        clock.now += idle - timedelta(minutes=1)
        assert a.client.get(f"{API}/users/me").status_code == 200
        assert a.client.get("/account", follow_redirects=False).status_code == 200
    # left idle for the idle time: gone, for the API and the pages
    clock.now += idle
    assert a.client.get(f"{API}/users/me").status_code == 401
    r = a.client.get("/account", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    # the bearer token still works (tokens are revoked, not timed out)
    a.client.cookies.clear()
    assert a.client.get(f"{API}/users/me", headers=a.bearer()).status_code == 200


def test_the_absolute_expiry_still_applies(clock: Clock, app: object) -> None:
    from .conftest import make_account

    a = make_account(app, "abs@example.org")
    step = Settings().session_idle - timedelta(minutes=2)
    total = timedelta(0)
    while total + step < Settings().session_lifetime:
        clock.now += step
        total += step
        assert a.client.get(f"{API}/users/me").status_code == 200
    clock.now += step
    assert a.client.get(f"{API}/users/me").status_code == 401
