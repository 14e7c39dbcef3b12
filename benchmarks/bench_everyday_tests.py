"""Wall time of the everyday test run (target <= 15 s on a 2-core machine), with two workers
and, as the baseline, in one process; and the fixed cost of one process (start-up and
collection, no test run).

Each run also reports its own CPU time and the CPU time that *other* processes used meanwhile
(from ``/proc/stat``, Linux only), because on a shared machine the wall time depends on them.

Run: ``python benchmarks/bench_everyday_tests.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVERYDAY = [sys.executable, "-m", "pytest", "-m", "not slow", "-q", "-p", "no:cacheprovider"]
TARGET_S = 15.0


def _busy_seconds() -> float | None:
    """CPU time used by the whole machine so far [s] (all cores), or None off Linux."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(args: list[str]) -> dict[str, float]:
    """One run of ``args``: wall [s], own CPU [s], other processes' CPU [s]."""
    busy0, cpu0, t0 = _busy_seconds(), _children_cpu(), time.perf_counter()
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    cpu = _children_cpu() - cpu0
    busy1 = _busy_seconds()
    if proc.returncode not in (0, 1, 5):  # 1: some tests failed (timed all the same); 5: none ran
        sys.exit(f"{' '.join(args)} did not run:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    if proc.returncode == 1:
        print(f"  (tests failed in this run: {proc.stdout.strip().splitlines()[-1]})")
    others = float("nan") if busy0 is None or busy1 is None else max(0.0, busy1 - busy0 - cpu)
    return {"wall": wall, "cpu": cpu, "others": others}


def report(name: str, runs: list[dict[str, float]]) -> float:
    walls = [r["wall"] for r in runs]
    quiet = min(runs, key=lambda r: r["others"])
    print(
        f"{name}: wall median {statistics.median(walls):.1f} s, min {min(walls):.1f} s; "
        f"own CPU median {statistics.median(r['cpu'] for r in runs):.1f} s; other processes "
        f"used {statistics.median(r['others'] for r in runs):.1f} CPU-s per run (median); "
        f"quietest run {quiet['wall']:.1f} s wall with {quiet['others']:.1f} CPU-s of others"
    )
    return statistics.median(walls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    n = parser.parse_args().repeat
    bytecode = os.environ.get("PYTHONDONTWRITEBYTECODE", "")
    print(f"{os.cpu_count()} cores; PYTHONDONTWRITEBYTECODE={bytecode!r}")
    fixed = [run([*EVERYDAY, "-n", "0", "-k", "no_test_has_this_name"]) for _ in range(n)]
    report("one process, start-up + collection only", fixed)
    two, one = [], []
    for _ in range(n):  # interleaved, so both see the same background load
        two.append(run([*EVERYDAY, "-n", "2"]))
        one.append(run([*EVERYDAY, "-n", "0"]))
    med_two = report('everyday run, `python -m pytest -m "not slow" -n 2`', two)
    med_one = report("baseline, the same tests in one process (-n 0)", one)
    verdict = "met" if med_two <= TARGET_S else "NOT met"
    ratio = med_one / med_two
    print(f"target {TARGET_S:.0f} s with -n 2: {verdict} (median); -n 0 / -n 2: {ratio:.2f}")


if __name__ == "__main__":
    main()
