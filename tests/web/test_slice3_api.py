"""Web slice 3 through the API: supplements and water (validated by the core's profile
models, used by the analysis), recent and frequent foods, copying a meal, importing the files
the CLI reads, the report (HTML, PDF) and the simulation chart, a professional's read-only
view of a client's report and plan."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from .conftest import Account
from .test_profile_dashboard import PROFILE, with_diary
from .test_sharing import make_professional

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[2]
BARE = copy.deepcopy(PROFILE)
BARE.pop("supplements", None)
BARE.pop("water", None)


def _profile(a: Account, profile: dict[str, Any] = BARE) -> None:
    r = a.client.put(f"{API}/profile", json=profile, headers=a.csrf_header())
    assert r.status_code == 200, r.text


def _mean(a: Account) -> dict[str, float]:
    r = a.client.get(f"{API}/analysis")
    assert r.status_code == 200, r.text
    mean: dict[str, float] = r.json()["assessment"]["intake"]["mean"]
    return mean


# --- supplements and water --------------------------------------------------------------------


def test_supplements_are_validated_by_the_core_and_counted(alice: Account) -> None:
    _profile(alice)
    with_diary(alice)
    assert _mean(alice)["supplements_mg"] == 0
    h = alice.csrf_header()
    r = alice.client.post(
        f"{API}/supplements",
        json={"name": "Mag glycinate", "form": "glycinate", "salt_mg": 1000, "times_per_day": 2},
        headers=h,
    )
    assert r.status_code == 201, r.text
    s = r.json()
    # 1000 mg of the salt x the core's elemental fraction, twice a day
    assert 0 < s["magnesium_mg_per_dose"] < 1000
    assert s["magnesium_mg_per_day"] == pytest.approx(2 * s["magnesium_mg_per_dose"])
    assert _mean(alice)["supplements_mg"] == pytest.approx(s["magnesium_mg_per_day"], rel=0.01)
    r = alice.client.post(
        f"{API}/supplements", json={"name": "Plain", "elemental_mg": 100}, headers=h
    )
    assert r.status_code == 201
    listed = alice.client.get(f"{API}/supplements").json()
    assert [x["supplement"]["name"] for x in listed] == ["Mag glycinate", "Plain"]
    r = alice.client.delete(f"{API}/supplements/{s['id']}", headers=h)
    assert r.status_code == 204
    assert _mean(alice)["supplements_mg"] == pytest.approx(100, rel=0.01)


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"name": "X", "salt_mg": 500, "form": "unobtainium"}, ["body"]),
        ({"name": "X", "elemental_mg": -5}, ["body", "elemental_mg"]),
        ({"name": "X", "elemental_mg": 100, "times_per_day": "often"}, ["body", "times_per_day"]),
        ({"name": "X", "colour": "red"}, ["body", "colour"]),
        ({"elemental_mg": 100}, ["body", "name"]),
        ({"name": " ", "elemental_mg": 100}, ["body", "name"]),
    ],
)
def test_bad_supplements_answer_422_with_the_field(
    alice: Account, body: dict[str, Any], loc: list[str]
) -> None:
    r = alice.client.post(f"{API}/supplements", json=body, headers=alice.csrf_header())
    assert r.status_code == 422, r.text
    assert any(d["loc"][: len(loc)] == loc for d in r.json()["detail"]), r.json()


def test_water_replaces_the_profiles_and_is_counted(alice: Account) -> None:
    _profile(alice)
    with_diary(alice)
    assert alice.client.get(f"{API}/water").json()["water"] is None
    before = _mean(alice)["water_mg"]
    h = alice.csrf_header()
    w = {"liters_per_day": 2.0, "magnesium_mg_per_l": 30, "calcium_mg_per_l": 80}
    r = alice.client.put(f"{API}/water", json=w, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["magnesium_mg_per_day"] == pytest.approx(60)
    after = _mean(alice)["water_mg"]
    assert after == pytest.approx(60, rel=0.01) and after != before
    r = alice.client.put(
        f"{API}/water", json={"liters_per_day": 1, "hardness": "120 mg/L CaCO3"}, headers=h
    )
    assert r.status_code == 200 and r.json()["magnesium_mg_per_day"] is None
    assert "calcium_share" in r.json()["how"]
    for bad, loc in (
        ({"liters_per_day": -1}, ["body", "liters_per_day"]),
        ({"hardness": "very hard"}, ["body", "hardness"]),
        ({"magnesium_mg_per_l": 1e9}, ["body", "magnesium_mg_per_l"]),
    ):
        r = alice.client.put(f"{API}/water", json=bad, headers=h)
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"] == loc
    assert alice.client.delete(f"{API}/water", headers=h).status_code == 204
    assert alice.client.get(f"{API}/water").json()["water"] is None


# --- quick add and copying a meal ---------------------------------------------------------------


def test_frequent_foods_are_the_top_of_the_last_14_days(alice: Account) -> None:
    h = alice.csrf_header()
    today = date(2024, 6, 30)

    def add(day: date, text: str, meal: str = "lunch") -> None:
        r = alice.client.post(
            f"{API}/diary/entries",
            json={"date": day.isoformat(), "text": text, "meal": meal},
            headers=h,
        )
        assert r.status_code == 201, r.text

    add(today - timedelta(days=20), "1 cup whole milk")  # too old
    add(today - timedelta(days=20), "1 cup whole milk")
    for i in range(3):
        add(today - timedelta(days=i), "30 g almonds", "snack")
    add(today - timedelta(days=13), "1 medium banana")
    add(today - timedelta(days=1), "1 medium apple")
    r = alice.client.get(f"{API}/diary/frequent", params={"end": today.isoformat()})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["days"] == 14
    assert [(f["text"], f["count"]) for f in got["foods"]] == [
        ("30 g almonds", 3),
        ("1 medium apple", 1),
        ("1 medium banana", 1),
    ]
    assert got["foods"][0]["meal"] == "snack" and got["foods"][0]["food"]["id"] == "12061"
    for i in range(12):
        add(today, f"{i + 1} g almonds")
    assert (
        len(alice.client.get(f"{API}/diary/frequent", params={"end": "2024-06-30"}).json()["foods"])
        == 10
    )


def test_copy_a_meal_to_another_day_and_meal(alice: Account) -> None:
    h = alice.csrf_header()
    for text, meal in (
        ("30 g almonds", "breakfast"),
        ("1 medium banana", "breakfast"),
        ("1 cup whole milk", "dinner"),
    ):
        alice.client.post(
            f"{API}/diary/entries",
            json={"date": "2024-05-01", "text": text, "meal": meal},
            headers=h,
        )
    r = alice.client.post(
        f"{API}/diary/copy",
        json={
            "from_date": "2024-05-01",
            "meal": "Breakfast",
            "to_date": "2024-05-01",
            "to_meal": "snack",
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert r.json()["copied"] == 2 and {e["meal"] for e in r.json()["entries"]} == {"snack"}
    r = alice.client.post(
        f"{API}/diary/copy",
        json={
            "from_date": "2024-05-01",
            "meal": "dinner",
            "to_date": "2024-05-03",
            "to_meal": "lunch",
        },
        headers=h,
    )
    assert [e["text"] for e in r.json()["entries"]] == ["1 cup whole milk"]
    day = alice.client.get(f"{API}/diary/entries", params={"start": "2024-05-03"}).json()
    assert [(e["text"], e["meal"]) for e in day["entries"]] == [("1 cup whole milk", "lunch")]
    r = alice.client.post(
        f"{API}/diary/copy",
        json={
            "from_date": "2024-05-01",
            "meal": "dinner",
            "to_date": "2024-05-01",
            "to_meal": "Dinner",
        },
        headers=h,
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "to_date"]


# --- import --------------------------------------------------------------------------------------


def _upload(a: Account, name: str, content: bytes, **params: Any) -> Any:
    return a.client.post(
        f"{API}/diary/import",
        files={"file": (name, content, "text/csv")},
        params=params,
        headers=a.csrf_header(),
    )


def test_import_cronometer_preview_then_commit_loses_no_line(alice: Account) -> None:
    data = (ROOT / "tests/data/cronometer_servings.csv").read_bytes()
    r = _upload(alice, "servings.csv", data)
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["format"] == "cronometer" and res["imported"] == 0
    n_data = len([ln for ln in data.decode().splitlines()[1:] if ln.strip()])
    assert (
        res["lines"]
        == n_data
        == len(res["entries"]) + len(res["problems"]) + len(res["supplements"])
    )
    lines = sorted(
        [e["line"] for e in res["entries"]]
        + [p["line"] for p in res["problems"]]
        + [s["line"] for s in res["supplements"]]
    )
    assert lines == list(range(2, 2 + n_data))
    # the vitamin D softgel is a supplement row: a dated dose (no magnesium, its vitamin D)
    assert [s["name"] for s in res["supplements"]] == ["Vitamin D3 Supplement, 1000 IU"]
    assert (
        alice.client.get(f"{API}/diary/entries", params={"start": "2023-03-14"}).json()["entries"]
        == []
    )
    r = _upload(alice, "servings.csv", data, commit="true")
    assert r.json()["imported"] == len(res["entries"]) > 0
    assert r.json()["imported_supplements"] == 1
    stored = alice.client.get(
        f"{API}/diary/entries", params={"start": "2023-03-01", "end": "2023-03-31"}
    ).json()["entries"]
    assert len(stored) == len(res["entries"])
    assert {e["food"]["id"] for e in stored} >= {"01077", "09040"}  # whole milk, banana


def test_import_csv_and_json_diaries_with_their_problems(alice: Account) -> None:
    csv_text = (
        b"date,meal,food\n2024-05-01,lunch,30 g almonds\n2024-05-01,lunch,3 cups xqzzy\n"
        b"not-a-date,lunch,1 banana\n"
    )
    res = _upload(alice, "d.csv", csv_text, commit="true").json()
    assert [e["line"] for e in res["entries"]] == [2]
    assert [p["line"] for p in res["problems"]] == [3, 4] and res["imported"] == 1
    js = b'[{"date": "2024-05-02", "food": "1 medium banana"}, {"date": "2024-05-02", "food": ""}]'
    res = _upload(alice, "d.json", js).json()
    assert res["format"] == "json" and len(res["entries"]) == 1 and len(res["problems"]) == 1
    week = (ROOT / "examples/diary_week.csv").read_bytes()
    res = _upload(alice, "week.csv", week).json()
    assert res["problems"] == [] and len(res["entries"]) == res["lines"] > 50


@pytest.mark.parametrize(
    ("content", "fmt"),
    [
        (b"\x00\x01binary", "auto"),
        (b"hello,world\n1,2\n", "auto"),
        (b"[1, 2", "json"),
        (b"date,meal,food\n" + b"2024-05-01,lunch,30 g almonds\n" * 300_000, "auto"),
    ],
)
def test_unreadable_or_oversized_files_answer_422(alice: Account, content: bytes, fmt: str) -> None:
    r = _upload(alice, "x.csv", content, format=fmt)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "file"]


def test_import_needs_a_session_and_csrf(alice: Account) -> None:
    r = alice.client.post(f"{API}/diary/import", files={"file": ("a.csv", b"x")})
    assert r.status_code == 403
    alice.client.cookies.clear()
    r = alice.client.post(f"{API}/diary/import", files={"file": ("a.csv", b"x")})
    assert r.status_code == 401


# --- report, PDF, simulation; a professional's read-only view -------------------------------


def test_report_pdf_simulation_and_a_professionals_view(
    alice: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = alice.client.get(f"{API}/report.html")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["profile"]
    _profile(alice, PROFILE)
    with_diary(alice)
    r = alice.client.get(f"{API}/report.html")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<svg" in r.text and "script-src" not in r.headers["content-security-policy"]
    assert "<script" not in r.text
    r = alice.client.get(f"{API}/simulation.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.text.lstrip().startswith("<svg") and "plan" in r.text
    from magnerve import report

    def missing(data: Any, path: str, *sections: Any) -> None:
        raise report.PDFUnavailableError("PDF output needs the optional extra")

    monkeypatch.setattr(report, "write_pdf", missing)
    r = alice.client.get(f"{API}/report.pdf")
    assert r.status_code == 501 and "extra" in r.json()["detail"]
    monkeypatch.undo()

    pro = make_professional(alice.client.app, "dietitian@example.org")
    assert pro.client.get(f"{API}/clients/{alice.id}/report.html").status_code == 404
    assert pro.client.get(f"{API}/clients/{alice.id}/plan").status_code == 404
    r = alice.client.post(f"{API}/shares", json={"email": pro.email}, headers=alice.csrf_header())
    share = r.json()["id"]
    mine = alice.client.get(f"{API}/report.html").text
    r = pro.client.get(f"{API}/clients/{alice.id}/report.html")
    assert r.status_code == 200 and r.text == mine
    r = pro.client.get(f"{API}/clients/{alice.id}/plan")
    assert (
        r.status_code == 200 and r.json()["plan"] == alice.client.get(f"{API}/plan").json()["plan"]
    )
    assert pro.client.get(f"{API}/clients/{alice.id}/simulation.svg").status_code == 200
    alice.client.delete(f"{API}/shares/{share}", headers=alice.csrf_header())
    for path in ("report.html", "report.pdf", "simulation.svg", "plan"):
        assert pro.client.get(f"{API}/clients/{alice.id}/{path}").status_code == 404, path


@pytest.mark.skipif(
    not __import__("importlib").util.find_spec("weasyprint"), reason="weasyprint not installed"
)
def test_report_pdf_download(alice: Account) -> None:
    _profile(alice, PROFILE)
    with_diary(alice)
    try:
        r = alice.client.get(f"{API}/report.pdf")
    except Exception as e:  # pragma: no cover - diagnostic
        pytest.fail(str(e))
    if r.status_code == 501:
        pytest.skip(r.json()["detail"])
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert "attachment" in r.headers["content-disposition"]


def test_autocomplete_completes_an_unfinished_word(client: Any) -> None:
    r = client.get(f"{API}/foods/suggest", params={"q": "almo", "limit": 5})
    assert r.status_code == 200
    assert r.json()["hits"] and "almond" in r.json()["hits"][0]["description"].lower()
    assert client.get(f"{API}/foods/suggest", params={"q": " "}).json()["hits"] == []
    assert client.get(f"{API}/foods/suggest", params={"q": "x", "limit": 0}).status_code == 422


SUPPLEMENT_EXPORT = (
    b"Day,Group,Food Name,Amount,Energy (kcal),Magnesium (mg),Zinc (mg),Category\n"
    b'2024-05-01,"Breakfast","Banana, raw","1.00 medium",105.00,31.86,0.18,"Fruits"\n'
    b'2024-05-01,"Supplements","Magnesium Glycinate 200 mg","1.00 capsule",,200.00,,"Supplements"\n'
    b'2024-05-02,"Supplements","Magnesium Glycinate 200 mg","2.00 capsule",,400.00,,"Supplements"\n'
    b'2024-05-02,"Supplements","Fish oil softgel","1.00 softgel",,,,"Supplements"\n'
)


def test_import_stores_supplement_rows_as_dated_doses(alice: Account) -> None:
    res = _upload(alice, "servings.csv", SUPPLEMENT_EXPORT).json()
    assert res["lines"] == 4 == len(res["entries"]) + len(res["supplements"]) + len(res["problems"])
    assert [(s["line"], s["date"], s["magnesium_mg"]) for s in res["supplements"]] == [
        (3, "2024-05-01", 200.0),
        (4, "2024-05-02", 400.0),
        (5, "2024-05-02", 0.0),  # fish oil: a supplement without magnesium
    ]
    assert res["problems"] == []
    assert res["imported_supplements"] == 0  # a preview stores nothing
    got = alice.client.get(
        f"{API}/diary/supplements", params={"start": "2024-05-01", "end": "2024-05-02"}
    )
    assert got.json() == [] or got.json().get("doses", []) == []
    res = _upload(alice, "servings.csv", SUPPLEMENT_EXPORT, commit="true").json()
    assert res["imported"] == 1 and res["imported_supplements"] == 3
    got = alice.client.get(
        f"{API}/diary/supplements", params={"start": "2024-05-01", "end": "2024-05-02"}
    ).json()
    doses = got if isinstance(got, list) else got["doses"]
    assert sorted((d["date"], round(d["magnesium_mg"])) for d in doses) == [
        ("2024-05-01", 200),
        ("2024-05-02", 0),
        ("2024-05-02", 400),
    ]
