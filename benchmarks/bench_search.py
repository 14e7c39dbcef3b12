"""Search accuracy and latency: magnerve vs two baselines, in one process.

Baselines
---------
* substring: foods whose description contains the whole query (case-insensitive),
  shortest description first (what a plain SQL ``LIKE '%query%'`` search gives).
* rapidfuzz: full scan of all 8,789 descriptions with ``rapidfuzz.process.extract``
  and the ``WRatio`` scorer (a common "fuzzy search" implementation).

Run: ``python benchmarks/bench_search.py`` (prints a table; no pass/fail).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz, process

from magnerve.foods import load_database, search
from magnerve.foods._search import SearchIndex

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    "dev": ROOT / "tests" / "data" / "search_eval.json",
    "holdout": ROOT / "tests" / "data" / "search_holdout.json",
    "holdout2": ROOT / "tests" / "data" / "search_holdout2.json",
}


def cold_load_ms() -> tuple[float, float]:
    """Database load and search-index load in a fresh interpreter, after imports [ms].

    The index comes from the user cache when present (the first run builds it)."""
    code = (
        "import time;from magnerve.foods._db import load_database;"
        "from magnerve.foods._search import get_index;t=time.perf_counter();"
        "db=load_database();t1=time.perf_counter();get_index();t2=time.perf_counter();"
        "print((t1-t)*1000,(t2-t1)*1000)"
    )
    runs = []
    for _ in range(5):
        outp = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        a, b = map(float, outp.stdout.split())
        runs.append((a, b))
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main() -> None:
    db_ms, index_ms = cold_load_ms()
    print(
        f"cold load (median of 5 fresh processes, after imports): database {db_ms:.0f} ms, "
        f"search index {index_ms:.0f} ms (from the user cache), total {db_ms + index_ms:.0f} ms"
    )
    t = time.perf_counter()
    SearchIndex(load_database())
    print(f"index build without cache (in process): {(time.perf_counter() - t) * 1000:.0f} ms")

    db = load_database()
    descs = db.descriptions
    lower = [d.lower() for d in descs]

    def substring(q: str) -> list[str]:
        ql = q.lower()
        hits = [i for i, d in enumerate(lower) if ql in d]
        hits.sort(key=lambda i: len(descs[i]))
        return [db.ids[i] for i in hits[:5]]

    def fuzzy(q: str) -> list[str]:
        res = process.extract(q, descs, scorer=fuzz.WRatio, limit=5)
        return [db.ids[r[2]] for r in res]

    def ours(q: str) -> list[str]:
        return [h.id for h in search(q, 5)]

    methods: dict[str, Callable[[str], list[str]]] = {
        "magnerve": ours,
        "substring": substring,
        "rapidfuzz": fuzzy,
    }
    search("warm up", 5)
    for name, path in SETS.items():
        if not path.exists():
            continue
        ev = json.loads(path.read_text())
        print(f"\n{name} set: {len(ev)} queries ({path.relative_to(ROOT)})")
        print(f"{'method':<10} {'top-1':>7} {'top-5':>7} {'p50 ms':>8} {'p95 ms':>8}")
        p95s = {}
        for mname, fn in methods.items():
            t1 = t5 = 0
            times = []
            for e in ev:
                t = time.perf_counter()
                ids = fn(e["query"])
                times.append((time.perf_counter() - t) * 1000)
                acc = set(e["accept"])
                t1 += bool(ids) and ids[0] in acc
                t5 += bool(acc & set(ids))
            times.sort()
            p50 = times[len(times) // 2]
            p95 = times[int(0.95 * (len(times) - 1))]
            p95s[mname] = p95
            print(f"{mname:<10} {t1 / len(ev):7.1%} {t5 / len(ev):7.1%} {p50:8.3f} {p95:8.3f}")
        for base in ("substring", "rapidfuzz"):
            print(f"p95 latency ratio {base}/magnerve: {p95s[base] / p95s['magnerve']:.1f}x")


if __name__ == "__main__":
    main()
