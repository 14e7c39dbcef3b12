"""200,000-line diaries (issue 11): read in CSV and in JSON in < 5 s and < 500 MiB.

The diaries are made here from ``examples/diary_week.csv``: its week repeated with shifted
dates until there are 200,000 lines, written once as CSV and once as a JSON array (one entry
per line, the way exports write it) plus a one-line JSON array (the worst case for line
bookkeeping).

Each row is a whole process (``python -c`` reading the file with
:func:`magnerve.read_diary`): wall time, CPU time (user + system; the figure to trust on a
shared machine) and peak RSS from ``os.wait4``, median of ``-n`` runs,
next to the same command on the one-week example and ``python -c pass`` as baselines in the
same run (warm search-index cache).

Run: ``python benchmarks/bench_diary_200k.py [-n RUNS] [--lines N]`` (prints a table; no
pass/fail exit).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WEEK = ROOT / "examples" / "diary_week.csv"
READ = (
    "import sys; from magnerve.diary import read_diary; d = read_diary(sys.argv[1]); "
    "assert len(d.entries) + len(d.problems) == d.n_lines, 'lines lost'; "
    "print(len(d.entries), len(d.problems))"
)


def make_rows(n_lines: int) -> list[dict[str, str]]:
    """The example week repeated with shifted dates: ``n_lines`` rows."""
    with WEEK.open(encoding="utf-8") as f:
        week = list(csv.DictReader(f))
    d0 = min(dt.date.fromisoformat(r["date"]) for r in week)
    span = (max(dt.date.fromisoformat(r["date"]) for r in week) - d0).days + 1
    out: list[dict[str, str]] = []
    start = 0
    while len(out) < n_lines:
        for r in week:
            off = (dt.date.fromisoformat(r["date"]) - d0).days + start
            out.append({**r, "date": (d0 + dt.timedelta(days=off)).isoformat()})
            if len(out) == n_lines:
                break
        start += span
    return out


def write_diaries(t: Path, n_lines: int) -> None:
    """The CSV, JSON (one entry per line) and one-line JSON diaries, in folder ``t``."""
    rows = make_rows(n_lines)
    with (t / "d.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with (t / "d.json").open("w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(json.dumps(r) for r in rows) + "\n]\n")
    (t / "d1.json").write_text(json.dumps(rows), encoding="utf-8")


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall time [s], CPU time (user + system) [s] and peak RSS [MiB] of a child process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd} failed: {p.stderr.read().decode() if p.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=3)
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--write", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.write:
        write_diaries(Path(args.write), args.lines)
        return
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        big_csv, big_json, one_line = t / "d.csv", t / "d.json", t / "d1.json"
        # written by a child process: a child's peak RSS (ru_maxrss) starts from its parent's
        # at fork, so this process must stay small
        subprocess.run(
            [sys.executable, __file__, "--write", tmp, "--lines", str(args.lines)], check=True
        )
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(t / "pycache")
        env.setdefault("MAGNERVE_CACHE_DIR", str(t / "cache"))
        py = [sys.executable, "-c", READ]
        n = f"{args.lines:,}"
        cases = {
            f"CSV, {n} lines": [*py, str(big_csv)],
            f"JSON, {n} entries (one per line)": [*py, str(big_json)],
            f"JSON, {n} entries on one line": [*py, str(one_line)],
            "CSV, one week (baseline)": [*py, str(WEEK)],
            "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        }
        for cmd in cases.values():  # warm the search-index cache and the bytecode
            _run(cmd, env)
        res = {k: [_run(c, env) for _ in range(args.runs)] for k, c in cases.items()}
        sizes = {f"CSV, {n} lines": big_csv, f"JSON, {n} entries (one per line)": big_json}
        print(f"read_diary, whole process, median of {args.runs} runs: wall, CPU, peak RSS")
        met = True
        for name, rs in res.items():
            w = statistics.median(r[0] for r in rs)
            c = statistics.median(r[1] for r in rs)
            m = statistics.median(r[2] for r in rs)
            size = f"  ({sizes[name].stat().st_size / 1e6:.1f} MB)" if name in sizes else ""
            print(f"  {name:42s} {w:7.3f} s  {c:7.3f} s  {m:7.1f} MiB{size}")
            if not name.endswith("(baseline)"):
                met = met and w < 5 and m < 500
        verdict = "met" if met else "NOT met"
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"target < 5 s and < 500 MiB for every {n}-line diary: {verdict}")
        print(f"load average during the run: {load} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
