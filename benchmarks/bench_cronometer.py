"""Cronometer import: agreement with the export's own magnesium, per construct and per day.

Usage::

    python benchmarks/bench_cronometer.py [servings.csv ...]

Without arguments it measures ``tests/data/cronometer_constructs.csv`` (synthetic rows written
for the tests). Paths given on the command line (e.g. real public exports fetched locally) are
measured instead; nothing from them is printed except counts and percentages.

For every row with an export ``Magnesium (mg)`` value:

* **magnerve**: the current reader (``read_diary``). "SR28 agrees" compares the SR28 figure of
  each confidently matched row with the export (the issue's target: >= 95 % within 10 % or
  2 mg); "final agrees" compares the value the diary finally uses (SR28, or the export's own
  values for custom foods, weak matches and disagreements).
* **baseline (naive)**: the reading before issue 9, in the same process: the number before the
  first space is the amount and the rest is the unit (so "50.00 x 0.5 cup" is 50 "x 0.5 cup"),
  the food name goes through ``parse_food_amount``, a row that fails keeps the export's values,
  and a 0.00 quantity is a lost row.

Supplements: the elemental magnesium read from the name and amount vs the export's value.
"""

from __future__ import annotations

import csv
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from magnerve._cronometer import agrees
from magnerve.diary import read_diary
from magnerve.foods import ParseError, nutrients, parse_food_amount
from magnerve.foods._portions import AmountError, parse_amount

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "tests" / "data" / "cronometer_constructs.csv"
LABELS = {
    "mass": "plain grams/oz",
    "multiplier": "multiplier N x M",
    "stated": "compound measure (stated size)",
    "volume": "volume (cup, tbsp)",
    "household": "household measure",
    "zero": "0.00 quantity",
    "custom": "custom / no match",
    "supplement": "supplements",
}


def _day(cell: str) -> str:
    """ISO date of a ``Day`` cell (old exports write ``2011-4-18``)."""
    y, m, d = (int(p) for p in cell.strip().split("-"))
    return f"{y:04d}-{m:02d}-{d:02d}"


def _mg(cell: str | None) -> float | None:
    cell = (cell or "").strip()
    return float(cell) if cell else None


def _naive(name: str, amount_text: str, export_mg: float | None) -> tuple[float | None, bool]:
    """(magnesium, lost) for one row as the pre-issue-9 reader read it."""
    try:
        amount, unit = parse_amount(amount_text)
        p = parse_food_amount(name, amount, unit or None, text=f"{amount_text} {name}")
    except AmountError:
        return None, True
    except ParseError:
        return export_mg, export_mg is None
    mg100 = nutrients(p.food.id)["magnesium_mg"]
    return (None if mg100 is None else mg100 * p.grams / 100.0), False


#: pooled over every file measured: name -> [agree, total]
POOLED: dict[str, list[int]] = defaultdict(lambda: [0, 0])


def _pool(name: str, oks: list[bool]) -> None:
    POOLED[name][0] += sum(oks)
    POOLED[name][1] += len(oks)


def measure(path: Path) -> None:
    with path.open(encoding="utf-8-sig") as f:
        rows = {k + 2: r for k, r in enumerate(csv.DictReader(f))}
    t0 = time.perf_counter()
    diary = read_diary(path)
    t_new = time.perf_counter() - t0
    t0 = time.perf_counter()
    naive = {
        ln: _naive(r.get("Food Name", ""), r.get("Amount", ""), _mg(r.get("Magnesium (mg)")))
        for ln, r in rows.items()
    }
    t_naive = time.perf_counter() - t0

    sr28_ok: dict[str, list[bool]] = defaultdict(list)
    final_ok: dict[str, list[bool]] = defaultdict(list)
    base_ok: dict[str, list[bool]] = defaultdict(list)
    for c in diary.checks:
        x = _mg(rows[c.line].get("Magnesium (mg)"))
        if x is None:
            continue
        key = c.construct
        cmp = c.comparison
        if cmp is not None and cmp.magnesium_sr28 is not None:
            sr28_ok[key].append(agrees(cmp.magnesium_sr28, x))
        final = x if c.used == "export" else (cmp.magnesium_sr28 if cmp else 0.0)
        final_ok[key].append(final is not None and agrees(final, x))
        b, lost = naive[c.line]
        base_ok[key].append(not lost and b is not None and agrees(b, x))
    for s in diary.supplements:
        x = _mg(rows[s.line].get("Magnesium (mg)"))
        if x is None or s.dose_elemental_mg is None:
            continue
        sr28_ok["supplement"].append(agrees(s.dose_elemental_mg, x))
        final_ok["supplement"].append(s.elemental_mg is not None and agrees(s.elemental_mg, x))
        b, lost = naive[s.line]
        base_ok["supplement"].append(not lost and b is not None and agrees(b, x))

    def pct(v: list[bool]) -> str:
        return f"{sum(v):3d}/{len(v):<3d} ({100 * sum(v) / len(v):5.1f} %)" if v else "   -"

    print(
        f"\n{path.name}: {len(rows)} rows, {len(diary.entries)} entries, "
        f"{len(diary.supplements)} supplements, {len(diary.problems)} problems, "
        f"{len(diary.disagreements)} disagreements reported"
    )
    print(f"{'construct':32s} {'SR28 agrees':>18s} {'final agrees':>18s} {'baseline':>18s}")
    for key, label in LABELS.items():
        if key in final_ok or key in sr28_ok:
            print(
                f"{label:32s} {pct(sr28_ok[key]):>18s} {pct(final_ok[key]):>18s} "
                f"{pct(base_ok[key]):>18s}"
            )
    all_sr = [v for k, vs in sr28_ok.items() if k != "supplement" for v in vs]
    all_final = [v for k, vs in final_ok.items() if k != "supplement" for v in vs]
    all_base = [v for k, vs in base_ok.items() if k != "supplement" for v in vs]
    print(f"{'all food rows':32s} {pct(all_sr):>18s} {pct(all_final):>18s} {pct(all_base):>18s}")
    _pool("rows: SR28 agrees (matched rows)", all_sr)
    _pool("rows: final agrees", all_final)
    _pool("rows: baseline (naive) agrees", all_base)
    _pool("supplements: elemental Mg read agrees", sr28_ok.get("supplement", []))

    # per day: food magnesium (supplements apart) vs the export's food rows, over the rows
    # whose export has a magnesium value (a blank export cell is unknown, not zero: SR28 may
    # supply a value the export lacks, which is not a disagreement). "final": the value each
    # entry uses; "SR28 where matched": the SR28 figure of every matched row even where it
    # disagrees (the export's value only for rows with no SR28 match).
    export_day: dict[str, float] = defaultdict(float)
    final_day: dict[str, float] = defaultdict(float)
    sr28_day: dict[str, float] = defaultdict(float)
    base_day: dict[str, float] = defaultdict(float)
    for c in diary.checks:
        x = _mg(rows[c.line].get("Magnesium (mg)"))
        if x is None:
            continue
        day = _day(rows[c.line].get("Day", ""))
        cmp = c.comparison
        sr = cmp.magnesium_sr28 if cmp is not None else None
        export_day[day] += x
        final_day[day] += x if c.used == "export" or sr is None else sr
        sr28_day[day] += x if sr is None else sr
        base_day[day] += naive[c.line][0] or 0.0
    day_ok = [agrees(final_day[d], v) for d, v in export_day.items()]
    sr28_days = [agrees(sr28_day[d], v) for d, v in export_day.items()]
    base_days = [agrees(base_day[d], v) for d, v in export_day.items()]
    print(
        f"{'days (food magnesium)':32s} {pct(sr28_days):>18s} {pct(day_ok):>18s} "
        f"{pct(base_days):>18s}"
    )
    _pool("days: SR28 where matched agrees", sr28_days)
    _pool("days: final agrees", day_ok)
    _pool("days: baseline (naive) agrees", base_days)
    if len(export_day) <= 10:
        for d, v in sorted(export_day.items()):
            print(
                f"  {d}: export {v:8.1f} mg  magnerve {final_day[d]:8.1f} mg "
                f"(SR28 where matched {sr28_day[d]:8.1f})  baseline {base_day[d]:8.1f} mg"
            )

    # read speed (warm: search index loaded; the reader resolves each distinct name once)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        read_diary(path)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(
        f"read: first {t_new * 1000:.0f} ms, median of 5 {med * 1000:.0f} ms "
        f"({len(rows) / med:,.0f} rows/s); baseline (naive, first pass) {t_naive * 1000:.0f} ms"
    )


def main(argv: list[str]) -> None:
    paths = [Path(a) for a in argv] or [DEFAULT]
    read_diary(DEFAULT)  # load the database and search index once
    for p in paths:
        measure(p)
    if len(paths) > 1:
        print(f"\npooled over {len(paths)} files")
        for name, (ok, n) in POOLED.items():
            if n:
                print(f"  {name:40s} {ok:5d}/{n:<5d} ({100 * ok / n:5.1f} %)")


if __name__ == "__main__":
    main(sys.argv[1:])
