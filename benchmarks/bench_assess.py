"""One person-week assessment in process (target <= 20 ms), against the same work done with
the diary re-read from disk every time (the CLI's cold path) as a baseline.

Run: ``python benchmarks/bench_assess.py``.
"""

from __future__ import annotations

import statistics
import time

from magnerve.assessment import assess
from magnerve.datasets import demo_paths, load_demo
from magnerve.diary import _parse_cached, read_diary
from magnerve.report import render_html


def timed(fn, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    diary, profile = load_demo()
    assess(diary, profile)  # warm: database, index, data files
    a = timed(lambda: assess(diary, profile), 50)
    path, _ = demo_paths()

    def cold_path() -> None:
        _parse_cached.cache_clear()
        assess(read_diary(path), profile)

    b = timed(cold_path, 20)
    data = assess(diary, profile).to_dict()
    r = timed(lambda: render_html(data), 5)
    med_a, med_b = statistics.median(a), statistics.median(b)
    print(
        f"assessment of one person-week (73 lines): median {med_a:.1f} ms, p95 "
        f"{sorted(a)[int(0.95 * (len(a) - 1))]:.1f} ms (target 20 ms: "
        f"{'met' if med_a <= 20 else 'NOT met'})"
    )
    print(
        f"baseline, diary re-read and re-resolved each time: median {med_b:.1f} ms "
        f"(ratio {med_b / med_a:.1f}x)"
    )
    print(f"HTML report with 5 charts: median {statistics.median(r):.0f} ms")


if __name__ == "__main__":
    main()
