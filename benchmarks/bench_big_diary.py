"""A 10-year diary (issue 10): ``magnerve intake FILE --json`` <= 1 s and <= 300 MiB, and
``assess`` <= 0.5 s, each next to a baseline run in the same call.

The diary is made here from ``examples/diary_week.csv``: its week repeated with shifted dates
for 3,650 days (about 38,000 lines).

Rows:

- ``intake --json`` (whole process: wall, CPU (user + system) and peak RSS from ``os.wait4``,
  as ``/usr/bin/time -v`` reports them), next to the same command through typer (``--debug``
  turns off the fast path of ``magnerve.cli._fast``), on the one-week example and
  ``python -c pass``; CPU is printed because on a machine shared with other work wall time
  can be twice the CPU time;
- the same command stage by stage in one fresh process (import, read, ``intake``, the JSON
  the CLI writes (byte templates, ``magnerve.cli._intake_json``, to ``/dev/null``), then, as
  the baselines, the mappings streamed a batch at a time (``IntakeReport.iter_dict``, the
  writer before templates), the whole mapping ``IntakeReport.to_dict`` and the
  whole-document writer the CLI used before streaming): CPU, and peak RSS after each stage,
  so that each stage's owner sees its share;
- the JSON writers in process, on the same report: the CLI's templates (report to bytes,
  garbage collector paused as in the CLI), then as baselines the writer of the whole mapping
  (orjson when installed) and the standard library's indented ``json.dumps`` (pure-Python
  encoder);
- ``assess`` in process (``magnerve.assessment.assess`` on the diary already read; the read is
  timed on its own row), next to the one-week diary.

Run: ``python benchmarks/bench_big_diary.py [-n RUNS]`` (prints a table; no pass/fail exit).
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WEEK = ROOT / "examples" / "diary_week.csv"
PROFILE = ROOT / "examples" / "profile_t2d.toml"


def make_diary(path: Path, days: int = 3650) -> int:
    """Write the example week repeated over ``days`` days; the number of lines."""
    with WEEK.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    d0 = min(dt.date.fromisoformat(r["date"]) for r in rows)
    span = (max(dt.date.fromisoformat(r["date"]) for r in rows) - d0).days + 1
    n = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        for start in range(0, days, span):
            for r in rows:
                off = (dt.date.fromisoformat(r["date"]) - d0).days + start
                if off < days:
                    w.writerow({**r, "date": (d0 + dt.timedelta(days=off)).isoformat()})
                    n += 1
    return n


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall [s], peak RSS [MiB] and CPU (user + system) [s] of one whole process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd} failed")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


STAGES = r"""
import resource, sys, time
T = time.process_time
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
def stage(name, fn):
    t = T()
    r = fn()
    print(f"  {name:44s} {T() - t:7.3f} s  {peak():7.1f} MiB", flush=True)
    return r
def imports():  # what `intake FILE --json` imports (no typer: magnerve.cli._fast)
    import magnerve.cli._fast, magnerve.cli._intake_json, magnerve.diary, magnerve.intake
stage("import (cli fast path, diary, intake)", imports)
from itertools import chain
from magnerve._gc import paused
from magnerve.cli._intake_json import diary_items, intake_json_items
from magnerve.cli._json_stream import _json_object_chunks
from magnerve.cli._fast import dumps_json
from magnerve.diary import read_diary
from magnerve.intake import intake
d = stage("read_diary", lambda: read_diary(sys.argv[1]))
r = stage("intake", lambda: intake(d))
def streamed(items):
    with open("/dev/null", "wb") as f, paused():
        for chunk in _json_object_chunks(chain(items, diary_items(d, sys.argv[1]).items())):
            f.write(chunk)
stage("JSON from templates, as the CLI writes it", lambda: streamed(intake_json_items(r)))
stage("baseline: mappings streamed (iter_dict)", lambda: streamed(r.iter_dict()))
data = stage("baseline: IntakeReport.to_dict (whole)", r.to_dict)
stage("baseline: JSON writer of the whole mapping", lambda: dumps_json(data))
"""


def _median(f: object, runs: int, clock: Any = time.perf_counter) -> float:
    out = []
    for _ in range(runs):
        t0 = clock()
        f()  # type: ignore[operator]
        out.append(clock() - t0)
    return statistics.median(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "diary_10y.csv"
        n_lines = make_diary(big)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        env.setdefault("MAGNERVE_CACHE_DIR", str(Path(tmp) / "cache"))
        cli = [sys.executable, "-c", "from magnerve.cli import main; main()"]
        rows = {
            f"intake --json, 10 years ({n_lines:,} lines)": [*cli, "intake", str(big), "--json"],
            "the same through typer (baseline, --debug)": [
                *cli,
                "intake",
                str(big),
                "--json",
                "--debug",
            ],
            "intake --json, one week (baseline)": [*cli, "intake", str(WEEK), "--json"],
            "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        }
        for cmd in rows.values():
            _run(cmd, env)
        res = {k: [_run(c, env) for _ in range(args.runs)] for k, c in rows.items()}
        print(f"whole process, median of {args.runs} runs: wall, CPU, peak RSS")
        for name, rs in res.items():
            w = statistics.median(r[0] for r in rs)
            m = statistics.median(r[1] for r in rs)
            c = statistics.median(r[2] for r in rs)
            print(f"  {name:44s} {w:7.3f} s  {c:7.3f} s CPU  {m:7.1f} MiB")
        runs_10y = next(iter(res.values()))
        big_w = statistics.median(r[0] for r in runs_10y)
        big_m = statistics.median(r[1] for r in runs_10y)
        big_c = statistics.median(r[2] for r in runs_10y)
        print(
            f"target intake <= 1 s and <= 300 MiB: {big_w:.2f} s wall, {big_c:.2f} s CPU, "
            f"{big_m:.0f} MiB ({'met' if big_w <= 1 and big_m <= 300 else 'NOT met'}; "
            f"CPU {'within' if big_c <= 1 else 'over'} 1 s)"
        )
        print("intake --json stage by stage (one fresh process): CPU, peak RSS so far")
        subprocess.run([sys.executable, "-c", STAGES, str(big)], env=env, check=True)

        from magnerve._gc import paused
        from magnerve.assessment import assess
        from magnerve.cli._fast import dumps_json
        from magnerve.cli._intake_json import intake_json_items
        from magnerve.cli._json_stream import _json_object_chunks
        from magnerve.diary import read_diary
        from magnerve.intake import intake
        from magnerve.profile import load_profile

        t0 = time.perf_counter()
        diary = read_diary(big)
        t_read = time.perf_counter() - t0
        rep = intake(diary)
        report = rep.to_dict()
        with paused():  # as the CLI writes it (the mapping above is alive in this process)
            t_cli = _median(
                lambda: b"".join(_json_object_chunks(intake_json_items(rep))), args.runs
            )
        t_fast = _median(lambda: dumps_json(report), args.runs)
        t_std = _median(lambda: json.dumps(report, indent=2, ensure_ascii=False), 1)
        print("in process")
        print(f"  read the 10-year diary                       {t_read:7.3f} s")
        print(f"  JSON from templates (CLI, report to bytes)   {t_cli:7.3f} s")
        print(f"  JSON writer of the mapping (baseline)        {t_fast:7.3f} s")
        print(f"  JSON writer, json.dumps indent=2 (baseline)  {t_std:7.3f} s")
        profile = load_profile(PROFILE)
        week = read_diary(WEEK)
        assess(diary, profile)  # first call: data files, as in any process that assesses
        t_big = _median(lambda: assess(diary, profile), args.runs)
        c_big = _median(lambda: assess(diary, profile), args.runs, time.process_time)
        t_week = _median(lambda: assess(week, profile), args.runs)
        print(f"  assess, 10 years (diary already read)        {t_big:7.3f} s  {c_big:7.3f} s CPU")
        print(f"  assess, one week (baseline)                  {t_week:7.3f} s")
        print(
            f"target assess <= 0.5 s: {t_big:.2f} s wall, {c_big:.2f} s CPU "
            f"({'met' if t_big <= 0.5 else 'NOT met'})"
        )


if __name__ == "__main__":
    main()
