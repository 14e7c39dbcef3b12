"""Diary throughput: lines per second for parsing + totals, and totals alone.

The example week (73 lines, mostly free text) is repeated over N weeks to make a long
diary; the diary reader resolves each distinct line once (an exact cache), as real diaries
repeat themselves. The rate of ``parse_line`` on distinct lines is printed too. Baseline in
the same run: totals computed line by line in pure Python from ``magnerve.foods.nutrients``
(what a naive implementation does), against the vectorised ``magnerve.intake``.

Run: ``python benchmarks/bench_diary.py [N_WEEKS]``.
"""

from __future__ import annotations

import csv
import io
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from magnerve import intake, read_diary_text
from magnerve.diary import _parse_cached
from magnerve.foods import nutrients, parse_line

ROOT = Path(__file__).resolve().parents[1]


def make_diary(weeks: int) -> str:
    rows = list(csv.DictReader((ROOT / "examples" / "diary_week.csv").open()))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    for k in range(weeks):
        for r in rows:
            d = date.fromisoformat(r["date"]) + timedelta(days=7 * k)
            w.writerow({**r, "date": d.isoformat()})
    return buf.getvalue()


def main() -> None:
    weeks = int(sys.argv[1]) if len(sys.argv) > 1 else 52
    text = make_diary(weeks)
    read_diary_text(make_diary(1))  # warm: database and index loaded
    _parse_cached.cache_clear()  # every distinct line is resolved again in the timed run
    t = time.perf_counter()
    diary = read_diary_text(text)
    t_parse = time.perf_counter() - t
    n = len(diary.entries)
    assert not diary.problems, diary.problems[:3]
    t = time.perf_counter()
    report = intake(diary)
    t_tot = time.perf_counter() - t

    keys = [nn.key for nn in report.nutrients]
    t = time.perf_counter()
    naive: dict[str, float] = {}
    for e in diary.entries:
        per100 = nutrients(e.parsed.food.id)
        for k in keys:
            v = per100[k]
            if v is not None:
                naive[k] = naive.get(k, 0.0) + v * e.parsed.grams / 100
    t_naive = time.perf_counter() - t

    print(f"diary: {n} lines over {len(report.days)} days")
    print(f"parse + resolve: {t_parse * 1000:.0f} ms  -> {n / t_parse:,.0f} lines/s")
    week = [e for e in diary.entries[:73] if e.parsed]
    lines = [
        e.name if e.name[:1].isdigit() else f"{e.parsed.amount:g} {e.parsed.unit} {e.name}"
        for e in week
        if e.parsed
    ]
    t = time.perf_counter()
    for line in lines * 10:
        parse_line(line)
    t_line = time.perf_counter() - t
    print(f"parse_line without the diary cache: {len(lines) * 10 / t_line:,.0f} lines/s")
    print(f"totals (vectorised): {t_tot * 1000:.1f} ms -> {n / t_tot:,.0f} lines/s")
    print(f"totals (naive per-line dicts): {t_naive * 1000:.1f} ms -> {n / t_naive:,.0f} lines/s")
    print(f"speed-up of vectorised totals over naive: {t_naive / t_tot:.1f}x")
    total_mg = sum(d[1][keys.index("magnesium_mg")].value or 0.0 for d in report.days)
    print(f"check: magnesium total equal to naive: {abs(total_mg - naive['magnesium_mg']) < 1e-6}")


if __name__ == "__main__":
    main()
