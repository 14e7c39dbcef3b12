"""Inputs at the edges that schemathesis' long run found answering 500: periods at the ends of
the calendar (date overflow) and keys made of non-ASCII digits ("²".isdigit() is true, but
int("²") fails)."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.web.conftest import Account

import magnerve
from magnerve.web import crud
from magnerve.web.api.routes.account import profile_errors

API = "/api/v1"


@pytest.mark.parametrize(
    ("day", "days", "expect"),
    [
        (dt.date(2024, 3, 5), 1, dt.date(2024, 3, 6)),
        (dt.date(2024, 3, 5), -89, dt.date(2023, 12, 7)),
        (dt.date.max, 1, dt.date.max),
        (dt.date(9999, 12, 30), 89, dt.date.max),
        (dt.date.min, -1, dt.date.min),
        (dt.date(1, 1, 2), -89, dt.date.min),
    ],
)
def test_shift_day_stays_in_the_calendar(day: dt.date, days: int, expect: dt.date) -> None:
    assert crud.shift_day(day, days) == expect


@pytest.mark.parametrize(
    "params",
    [
        {"from": "9999-12-30"},
        {"from": "9999-12-31", "to": "9999-12-31"},
        {"to": "0001-01-02"},
        {"to": "0001-01-01"},
    ],
)
@pytest.mark.parametrize("path", ["analysis", "plan", "report.html", "simulation.svg"])
def test_periods_at_the_calendars_ends_are_not_a_server_error(
    alice: Account, path: str, params: dict[str, str]
) -> None:
    r = alice.client.get(f"{API}/{path}", params=params)
    assert r.status_code < 500, r.text


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_diary_page_of_the_first_and_last_day(alice: Account, day: str) -> None:
    r = alice.client.get(f"/diary/{day}")
    assert r.status_code == 200, r.text


def test_a_non_ascii_digit_in_a_profile_path_stays_text() -> None:
    err = magnerve.ProfileError([("medications.²", "unknown medication"), ("diet.3", "bad")])
    locs = [item["loc"] for item in profile_errors(err)]
    assert locs == [["body", "medications", "²"], ["body", "diet", 3]]


def test_a_profile_with_a_superscript_key_is_a_422(alice: Account) -> None:
    r = alice.client.put(
        f"{API}/profile", json={"age": 50, "sex": "male", "²": 1}, headers=alice.csrf_header()
    )
    assert r.status_code == 422, r.text
