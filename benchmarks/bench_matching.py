"""Accuracy of typed diary lines by construct (issue 9), next to a baseline in the same run.

Cases: tests/data/typed_constructs.json (fat percentages, processing state, cacao percentages,
count nouns with per-piece weights, dish words, default forms). magnerve = ``parse_line`` (food
and grams); baseline = the best rapidfuzz WRatio match of the whole line over all SR28
descriptions (what a plain fuzzy matcher does). A case is right when the food is acceptable and,
where a gram range is given, the grams fall inside it.

Run: python benchmarks/bench_matching.py
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("MAGNERVE_CONFIG_DIR", tempfile.mkdtemp())  # no user aliases

from rapidfuzz import fuzz, process

from magnerve.foods import ParseError, parse_line
from magnerve.foods._db import load_database

CASES = Path(__file__).resolve().parents[1] / "tests" / "data" / "typed_constructs.json"


def food_ok(case: dict[str, Any], ndb: str, description: str) -> bool:
    """Is this food acceptable for the case?"""
    if "ids" in case:
        return ndb in case["ids"]
    if "prefix" in case:
        return bool(description.startswith(case["prefix"]))
    return all(w in description.lower() for w in case["contains"])


def magnerve_ok(case: dict[str, Any]) -> bool:
    """parse_line gets the food (and grams, where checked) right."""
    try:
        p = parse_line(case["line"])
    except ParseError:
        return False
    if not food_ok(case, p.food.id, p.food.description):
        return False
    lo, hi = case.get("grams", (0, 1e9))
    return bool(lo <= p.grams <= hi)


def main() -> None:
    cases = {k: v for k, v in json.loads(CASES.read_text("utf-8")).items() if k != "_about"}
    db = load_database()
    total_m = total_b = n_all = 0
    print(f"{'construct':18s} {'n':>3s} {'magnerve':>9s} {'baseline':>9s}")
    for construct, items in cases.items():
        m = b = 0
        for c in items:
            m += magnerve_ok(c)
            hit = process.extractOne(c["line"], db.descriptions, scorer=fuzz.WRatio)
            if hit is not None:
                b += food_ok(c, db.ids[hit[2]], hit[0]) and "grams" not in c
        n = len(items)
        total_m, total_b, n_all = total_m + m, total_b + b, n_all + n
        print(f"{construct:18s} {n:3d} {m / n:9.0%} {b / n:9.0%}")
    print(f"{'all':18s} {n_all:3d} {total_m / n_all:9.0%} {total_b / n_all:9.0%}")


if __name__ == "__main__":
    main()
