"""Screenshots of the web app's main pages, at phone and desktop width, for the README.

Starts the app (uvicorn in a thread, a throw-away SQLite file, loopback only), creates an
account with the example profile (``examples/profile_t2d.toml``) and the last three days of
the example diary (``examples/diary_week.csv``) moved to the days before today, then saves
``docs/screenshots/<page>-<phone|desktop>.png`` with Debian's Chromium (headless).

Run: ``python scripts/web_screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]``
(needs the ``web`` extra, ``playwright`` and the ``chromium`` package).
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import sys
import tempfile
import threading
import time
import tomllib
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EMAIL = "example@example.org"
PASSWORD = "an example password for the screenshots"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
DAYS = 3  # days of the example diary to log


def _diary_days() -> list[tuple[date, list[tuple[str, str]]]]:
    """The last ``DAYS`` days of the example diary as (day, [(meal, line)]), dated to end
    yesterday (the dashboard and plan look at recent days)."""
    by_day: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with (ROOT / "examples" / "diary_week.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            line = " ".join(x for x in (row["amount"], row["unit"], row["food"]) if x)
            by_day[row["date"]].append((row["meal"], line))
    last = sorted(by_day)[-DAYS:]
    yesterday = date.today() - timedelta(days=1)
    return [(yesterday - timedelta(days=DAYS - 1 - i), by_day[d]) for i, d in enumerate(last)]


def _serve(database: Path) -> tuple[str, object]:
    import uvicorn

    from magnerve.web import Settings, create_app

    app = create_app(Settings(database_url=f"sqlite:///{database}"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            sys.exit("the app did not start")
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def _fill(base: str) -> int:
    """Create the account, its profile and diary through the API; the first entry's id."""
    import httpx

    with httpx.Client(base_url=base, timeout=60) as c:
        creds = {"email": EMAIL, "password": PASSWORD}
        c.post("/api/v1/auth/signup", json=creds).raise_for_status()
        login = c.post("/api/v1/auth/login", json=creds)
        login.raise_for_status()
        csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
        profile = tomllib.loads((ROOT / "examples" / "profile_t2d.toml").read_text("utf-8"))
        r = c.put("/api/v1/profile", json=profile, headers=csrf)
        if r.status_code >= 400:
            print(f"profile not saved ({r.status_code}): {r.text[:200]}", file=sys.stderr)
        first = 0
        for day, lines in _diary_days():
            for meal, text in lines:
                body = {"date": day.isoformat(), "text": text, "meal": meal}
                r = c.post("/api/v1/diary/entries", json=body, headers=csrf)
                if r.status_code == 201:
                    first = first or int(r.json()["id"])
                else:
                    print(f"skipped {text!r}: {r.status_code}", file=sys.stderr)
        return first


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    p.add_argument("--chromium", default="/usr/bin/chromium")
    args = p.parse_args()
    if not Path(args.chromium).exists():
        sys.exit(f"{args.chromium} is missing (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mnv-shots-") as tmp:
        os.environ["MAGNERVE_CONFIG_DIR"] = str(Path(tmp) / "config")  # no personal aliases
        base, server = _serve(Path(tmp) / "shots.sqlite3")
        entry = _fill(base)
        day = (date.today() - timedelta(days=1)).isoformat()
        signed_out = {"signin": "/", "signup": "/signup"}
        pages = {
            "diary": f"/diary/{day}",
            "edit": f"/entries/{entry}/edit",
            "dashboard": "/dashboard",
            "plan": "/plan",
            "profile": "/profile",
            "sharing": "/sharing",
            "account": "/account",
        }
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=args.chromium, headless=True, args=["--no-sandbox"]
            )
            for name, viewport in VIEWPORTS.items():
                ctx = browser.new_context(base_url=base, viewport=viewport)  # type: ignore[arg-type]
                ctx.set_default_timeout(60_000)
                page = ctx.new_page()
                for shot, path in signed_out.items():
                    page.goto(path)
                    page.screenshot(path=str(args.out / f"{shot}-{name}.png"), full_page=True)
                page.goto("/")
                page.get_by_label("E-mail").fill(EMAIL)
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url("**/diary/*")
                for shot, path in pages.items():
                    r = page.goto(path)
                    if r is None or r.status >= 400:
                        print(f"{path}: HTTP {r.status if r else '?'}, skipped", file=sys.stderr)
                        continue
                    page.screenshot(path=str(args.out / f"{shot}-{name}.png"), full_page=True)
                ctx.close()
            browser.close()
        server.should_exit = True  # type: ignore[attr-defined]
    for f in sorted(args.out.glob("*.png")):
        print(f"{f.relative_to(ROOT) if f.is_relative_to(ROOT) else f}  {f.stat().st_size} bytes")


if __name__ == "__main__":
    main()
