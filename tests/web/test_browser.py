"""Browser tests: Playwright for Python driving Debian's Chromium (``/usr/bin/chromium``,
headless) against the app served by uvicorn in a thread on a free loopback port.

Skipped, with the reason, when Chromium or Playwright is missing (``apt-get install
chromium``; Playwright's own browser download is not used). SQLite always; PostgreSQL too when
``MAGNERVE_TEST_DATABASE_URL`` is set (the ``app`` fixture of ``conftest.py``).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from .conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
DAY = "2024-03-01"
NEXT_DAY = "2024-03-02"
TIMEOUT_MS = 15_000

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian: apt-get install chromium)")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def live(app: object) -> Iterator[str]:
    """The app served by uvicorn on a free 127.0.0.1 port (in a thread); its base URL."""
    import uvicorn

    from magnerve import foods

    foods.search("almonds", 1)  # load the search index before the browser waits on it
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(browser: Any, live: str) -> Iterator[Any]:
    """A fresh browser context (own cookies) at phone width, failing on any page error."""
    context = browser.new_context(base_url=live, viewport={"width": 390, "height": 844})
    context.set_default_timeout(TIMEOUT_MS)
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.on("dialog", lambda d: errors.append(f"dialog: {d.message}"))  # an alert = XSS
    # a console error that is not an HTTP status (422, 401 and 404 answers are expected)
    p.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    yield p
    context.close()
    assert errors == []


def sign_up(page: Any, email: str, role: str = "person") -> None:
    page.goto("/signup")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    if role == "professional":
        page.get_by_label(re.compile("a professional")).check()
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/diary/\d{4}-\d\d-\d\d$"))


def add_entry(page: Any, text: str, meal: str = "", note: str = "") -> None:
    page.get_by_label("Food and amount").fill(text)
    if meal:
        page.get_by_label("Meal (optional)").fill(meal)
    if note:
        page.get_by_label("Note (optional)").fill(note)
    page.get_by_role("button", name="Add", exact=True).click()


def entries(page: Any) -> Any:
    return page.locator("ul.entries > li")


def test_sign_up_log_a_day_edit_delete_copy_sign_out_sign_in(page: Any) -> None:
    sign_up(page, "walker@example.org")
    page.goto(f"/diary/{DAY}")
    expect(page.get_by_text("Nothing logged for this day yet.")).to_be_visible()

    # typing shows the autocomplete (GET /api/v1/foods/search into the <datalist>)
    food = page.get_by_label("Food and amount")
    food.press_sequentially("1 oz almonds", delay=20)
    options = page.locator("#food-suggestions option")
    expect(options.first).to_be_attached()
    values = options.evaluate_all("os => os.map(o => o.value)")
    assert values and all(v.startswith("1 oz ") for v in values), values
    assert any("almond" in v.lower() for v in values), values

    # entries appear with their food, grams and confidence
    add_entry(page, "1 oz dry roasted almonds", meal="Breakfast")
    expect(page).to_have_url(re.compile(f"/diary/{DAY}$"))
    add_entry(page, "1 medium banana", meal="Breakfast", note="before the walk")
    expect(entries(page)).to_have_count(2)
    almonds = entries(page).filter(has_text="1 oz dry roasted almonds")
    expect(almonds).to_contain_text(re.compile(r"almonds, dry roasted.*\(12063\), 28 g", re.I))
    expect(almonds.locator(".confidence")).to_have_text(re.compile(r"confidence \d+ ?%"))
    expect(entries(page).filter(has_text="banana")).to_contain_text("Note: before the walk")

    # a line the core cannot read: the error is shown at the field, nothing is added
    add_entry(page, "3 blorps of zzqx")
    field = page.get_by_label("Food and amount")
    expect(field).to_have_attribute("aria-invalid", "true")
    page.goto(f"/diary/{DAY}")
    expect(entries(page)).to_have_count(2)

    # edit: another amount and note
    page.get_by_role("link", name="Edit 1 medium banana").click()
    expect(page.get_by_role("heading", name="Edit entry")).to_be_visible()
    page.get_by_label("Food and amount").fill("2 medium banana")
    page.get_by_label("Note (optional)").fill("after the walk")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(f"/diary/{DAY}$"))
    banana = entries(page).filter(has_text="2 medium banana")
    expect(banana).to_contain_text("Note: after the walk")
    expect(banana).to_contain_text(re.compile(r"\b236 g"))  # 2 x 118 g

    # delete
    page.get_by_role("button", name="Delete 1 oz dry roasted almonds").click()
    expect(entries(page)).to_have_count(1)
    expect(page.get_by_text("1 oz dry roasted almonds")).to_have_count(0)

    # copy the day to the next day
    page.goto(f"/diary/{NEXT_DAY}")
    expect(page.get_by_text("Nothing logged for this day yet.")).to_be_visible()
    page.get_by_label("Copy from").fill(DAY)
    page.get_by_role("button", name="Copy", exact=True).click()
    expect(entries(page)).to_have_count(1)
    expect(entries(page)).to_contain_text("2 medium banana")

    # sign out: the session ends; the diary asks to sign in again
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(f"/diary/{NEXT_DAY}")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    # sign in: a wrong password is refused, the right one opens the diary with the data
    page.get_by_label("E-mail").fill("walker@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong e-mail or password")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/diary/\d{4}-\d\d-\d\d$"))
    page.goto(f"/diary/{NEXT_DAY}")
    expect(entries(page)).to_contain_text("2 medium banana")


def test_user_text_is_shown_as_text_never_run(page: Any) -> None:
    """XSS: a note and a diary line with markup are displayed literally; no script runs
    (a dialog or page error fails the ``page`` fixture)."""
    sign_up(page, "quoter@example.org")
    page.goto(f"/diary/{DAY}")
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    add_entry(page, "1 medium banana", note=payload)
    expect(entries(page)).to_have_count(1)
    expect(entries(page).locator(".note")).to_have_text(f"Note: {payload}")
    assert page.locator("ul.entries img, ul.entries script").count() == 0
    # the search box echoes the query as text too
    page.goto(f"/diary/{DAY}?q=%3Cscript%3Ealert(3)%3C%2Fscript%3E")
    expect(page.get_by_text("No food found for “<script>alert(3)</script>”.")).to_be_visible()


def test_keyboard_only_sign_up(page: Any) -> None:
    """The sign-up form can be filled and sent with the keyboard alone."""
    page.goto("/signup")
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.get_by_label("E-mail").focus()
    page.keyboard.type("keys@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/diary/\d{4}-\d\d-\d\d$"))


def test_autocomplete_suggests_from_a_word_prefix(page: Any) -> None:
    sign_up(page, "prefix@example.org")
    page.goto(f"/diary/{DAY}")
    page.get_by_label("Food and amount").press_sequentially("1 oz almo", delay=20)
    expect(page.locator("#food-suggestions option").first).to_be_attached(timeout=3000)


def _person_with_data(base: str, email: str) -> None:
    """An account with the example profile and two days of diary, through the API."""
    import tomllib

    import httpx

    profile = tomllib.loads((ROOT / "examples" / "profile_t2d.toml").read_text("utf-8"))
    with httpx.Client(base_url=base, timeout=60) as c:
        creds = {"email": email, "password": PASSWORD}
        assert c.post("/api/v1/auth/signup", json=creds).status_code == 201
        login = c.post("/api/v1/auth/login", json=creds)
        csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
        r = c.put("/api/v1/profile", json=profile, headers=csrf)
        assert r.status_code == 200, r.text
        for back in (1, 2):
            day = (date.today() - timedelta(days=back)).isoformat()
            for text in ("1 cup cooked white rice", "3 oz grilled chicken breast", "1 cup milk"):
                body = {"date": day, "text": text}
                r = c.post("/api/v1/diary/entries", json=body, headers=csrf)
                assert r.status_code == 201, r.text


def sign_in(page: Any, email: str) -> None:
    page.goto("/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/diary/\d{4}-\d\d-\d\d$"))


def test_dashboard_plan_export_and_sharing(page: Any, browser: Any, live: str) -> None:
    """Seeing the dashboard, accepting a plan change, exporting, sharing with a professional
    and revoking it (the professional's access ends at once)."""
    _person_with_data(live, "person@example.org")
    sign_in(page, "person@example.org")

    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Magnesium by day")).to_be_visible()
    expect(page.get_by_role("heading", name="Findings")).to_be_visible()

    page.get_by_role("link", name="Plan").click()
    expect(page.get_by_role("heading", name="Your plan")).to_be_visible()
    change = page.locator("ol.changes > li").first
    change.get_by_role("button", name=re.compile("^Accept")).click()
    expect(page.locator("ol.changes > li").first).to_contain_text("You accepted this change.")

    page.get_by_role("link", name="Account").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as JSON").first.click()
    exported = json.loads(Path(download.value.path()).read_text("utf-8"))
    assert "person@example.org" in json.dumps(exported)
    assert "grilled chicken breast" in json.dumps(exported)

    pro = browser.new_context(base_url=live, viewport={"width": 1280, "height": 900})
    pro.set_default_timeout(TIMEOUT_MS)
    pro_page = pro.new_page()
    try:
        sign_up(pro_page, "dietitian@example.org", role="professional")

        page.get_by_role("link", name="Sharing").click()
        page.get_by_label("Professional's e-mail").fill("dietitian@example.org")
        page.get_by_role("button", name="Share", exact=True).click()
        expect(page.get_by_text("Shared with dietitian@example.org")).to_be_visible()

        pro_page.goto("/clients")
        pro_page.get_by_role("link", name="person@example.org").click()
        expect(pro_page.get_by_role("heading", name="Client: person@example.org")).to_be_visible()
        expect(pro_page.locator("main")).to_contain_text("3 oz grilled chicken breast")
        client_url = pro_page.url

        page.get_by_role("button", name=re.compile("^Stop sharing")).click()
        expect(page.get_by_text("You do not share your diary with anyone.")).to_be_visible()
        r = pro_page.goto(client_url)
        assert r is not None and r.status == 404
        expect(pro_page.locator("main")).not_to_contain_text("grilled chicken breast")
    finally:
        pro.close()
