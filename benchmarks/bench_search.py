"""Search accuracy and latency: magnerve vs two baselines, in one process.

Baselines
---------
* substring: foods whose description contains the whole query (case-insensitive),
  shortest description first (what a plain SQL ``LIKE '%query%'`` search gives).
* rapidfuzz: full scan of all 8,789 descriptions with ``rapidfuzz.process.extract``
  and the ``WRatio`` scorer (a common "fuzzy search" implementation).

Also: for the sets whose phrases carry amounts (held-out 3), the food ``parse_line`` chooses
(top-1) and that food with its alternatives (top-5); and per construct of issue 9 (fat
percentages, dish words, count nouns, processing state, cacao, supplements ...), how many of
its typed lines resolve as they should.

Autocomplete: ``suggest()`` on the phrases of the development set with their last word cut
to its first 3 letters (4 for words of 6+ letters): how often the full phrase's accepted food
is in the top 5 (and top 1), and the warm latency over those prefixes next to ``search()`` on
the full phrases in the same run.

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

from magnerve.foods import (
    ParseError,
    SupplementLineError,
    load_database,
    match_food,
    parse_line,
    search,
    suggest,
)
from magnerve.foods._search import SearchIndex

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    "dev": ROOT / "tests" / "data" / "search_eval.json",
    "holdout": ROOT / "tests" / "data" / "search_holdout.json",
    "holdout2": ROOT / "tests" / "data" / "search_holdout2.json",
    "holdout3": ROOT / "tests" / "data" / "search_holdout3.json",
    "holdout4": ROOT / "tests" / "data" / "search_holdout4.json",  # seen after its measurement
}

# issue 9 constructs: (line, accepted NDB numbers; "supplement" = must be refused)
CONSTRUCTS: dict[str, list[tuple[str, set[str] | str]]] = {
    "fat % in milk": [
        ("1 cup 2% milk", {"01079", "01174"}),
        ("1 cup 1% milk", {"01082", "01175"}),
        ("250 ml skim milk", {"01085", "01151", "42290"}),
        ("a glass of whole milk", {"01077", "01211"}),
    ],
    "cacao %": [
        ("dark chocolate 70%", {"19904"}),
        ("30 g dark chocolate 85%", {"19904"}),
        ("dark chocolate 60%", {"19903"}),
        ("1 oz dark chocolate 50%", {"19902"}),
    ],
    "processing state": [
        ("Brown rice, uncooked", {"20036", "20040", "20038"}),
        ("Pumpkin seeds, shelled", {"12014", "12016", "12516"}),
        ("Frozen shiitake", {"11238", "11269"}),
        ("Lemonade, homemade", {"14288", "14293", "14543"}),
        ("1 cup evaporated milk", {"01096", "01153", "01214"}),
        ("2 dried figs", {"09094"}),
        ("1 cup canned peaches", {"09237", "09238", "09239", "09240", "09241", "09370"}),
    ],
    "count nouns": [
        ("6 chicken nuggets", {"22974", "22975"}),
        ("3 chocolate chip cookies", {"18158", "18159", "18160", "18165", "18378"}),
        ("20 walnut halves", {"12155"}),
        ("2 slices bread", {"18069"}),
    ],
    "dish words": [
        ("1 cup green salad", {"11253", "11251", "11252", "11250"}),
        ("1 cup lentil soup", {"06037"}),
        ("1 cup tomato soup", {"06559", "06359", "06498", "06964", "06159"}),
        ("1 cup potato salad", {"11414", "21140", "22971"}),
    ],
    "everyday defaults": [
        ("tomato", {"11529"}),
        ("artichoke", {"11007"}),
        ("oatmeal", {"08121", "08123", "08180"}),
        ("Red Fish", {"15057", "15058"}),
    ],
    "weights-only foods": [
        ("1 tbsp chia", {"12006"}),
        ("½ medium avocado", {"09037"}),
        ("1 cup greek yogurt", {"01256", "01287", "01293"}),
    ],
    "supplements refused": [
        ("Vitamin D, 1000 IU", "supplement"),
        ("Zinc", "supplement"),
        ("Inulin", "supplement"),
        ("Magnesium glycinate", "supplement"),
    ],
}


def construct_accuracy() -> None:
    """Share of issue-9 typed lines per construct that resolve to an accepted food."""
    print("\nissue 9 constructs (parse_line)")
    for name, cases in CONSTRUCTS.items():
        ok = 0
        for line, want in cases:
            try:
                got = parse_line(line).food.id
            except SupplementLineError:
                got = "supplement"
            except ParseError:
                got = ""
            ok += got == want if isinstance(want, str) else got in want
        print(f"  {name:<22} {ok}/{len(cases)}")


def parse_accuracy(entries: list[dict[str, object]]) -> tuple[float, float, float]:
    """parse_line top-1, top-5 (food + alternatives) and share flagged uncertain."""
    t1 = t5 = flagged = 0
    for e in entries:
        acc = set(e["accept"])  # type: ignore[call-overload]
        try:
            p = parse_line(str(e["query"]))
        except ParseError:
            m = match_food(str(e["query"]))
            ids = ([m.food.id] if m.food else []) + [h.id for h in m.alternatives]
            t5 += bool(acc & set(ids[:5]))
            continue
        ids = [p.food.id] + [h.id for h in p.alternatives]
        t1 += ids[0] in acc
        t5 += bool(acc & set(ids[:5]))
        flagged += p.uncertain
    n = len(entries)
    return t1 / n, t5 / n, flagged / n


def cut_last_word(phrase: str) -> str | None:
    """The phrase as typed mid-word: its last word cut to its first 3 letters (4 for words
    of 6+ letters); None when the last word is too short to cut or not a word."""
    head, _, last = phrase.rstrip().rpartition(" ")
    if not last.isalpha():
        return None
    keep = 4 if len(last) >= 6 else 3
    if len(last) <= keep:
        return None
    return f"{head} {last[:keep]}" if head else last[:keep]


def autocomplete(path: Path, *, latency: bool) -> None:
    """suggest() on the phrases of one set with the last word cut; search() on the full ones."""
    ev = json.loads(path.read_text())
    cases = [(cut, e) for e in ev if (cut := cut_last_word(str(e["query"]))) is not None]
    t1 = t5 = 0
    times: list[float] = []
    full_times: list[float] = []
    for cut, e in cases:  # warm: word lists, typo corrections, foods of each word
        suggest(cut, 5)
        search(str(e["query"]), 5)
    for cut, e in cases:
        t = time.perf_counter()
        ids = [h.id for h in suggest(cut, 5)]
        times.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        search(str(e["query"]), 5)
        full_times.append((time.perf_counter() - t) * 1000)
        acc = set(e["accept"])
        t1 += bool(ids) and ids[0] in acc
        t5 += bool(acc & set(ids))
    n = len(cases)
    print(
        f"autocomplete {path.name}: {n} cut phrases, suggest() top-1 {t1 / n:.1%}, "
        f"top-5 {t5 / n:.1%}"
    )
    if latency:
        for name, ts in (("suggest(prefix)", times), ("search(full phrase)", full_times)):
            ts.sort()
            p50 = ts[len(ts) // 2]
            p95 = ts[int(0.95 * (len(ts) - 1))]
            print(f"  {name:<20} p50 {p50:.3f} ms, p95 {p95:.3f} ms, max {ts[-1]:.3f} ms")


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
        if name in ("holdout3", "holdout4"):
            p1, p5, fl = parse_accuracy(ev)
            print(f"parse_line food: top-1 {p1:.1%}, top-5 {p5:.1%}, flagged uncertain {fl:.1%}")
    construct_accuracy()
    print("\nautocomplete (suggest on the last word cut; tuned on the development set only)")
    for name, path in SETS.items():
        if path.exists():
            autocomplete(path, latency=name == "dev")


if __name__ == "__main__":
    main()
