"""Report speed, whole process, each target next to its baseline measured in the same run:

- ``magnerve assess DIARY --profile P --html R`` against the same command with ``--json``
  (target: at most 1.5 x);
- ``magnerve demo -o R`` (target: at most 1 s, warm caches), next to ``magnerve demo --json``
  (the assessment alone), a floor that only imports the assessment and loads the demo diary,
  ``python -c "import numpy"``, the SciPy imports the demo no longer makes, and the figure
  measured before they were taken off its path (:data:`PREVIOUS_DEMO`);
- with ``--stages``, the time of each stage of ``demo`` in one process (CPU and wall), and the
  SciPy modules it loaded (none when warm).

Warm means what a second run on a user's machine has: Python's bytecode (kept here under a
private ``PYTHONPYCACHEPREFIX``, so the repository is untouched, even when the environment sets
``PYTHONDONTWRITEBYTECODE``), and magnerve's user cache (search index, parsed data files, the
nerve sweep and the homeostasis scenarios; ``$MAGNERVE_CACHE_DIR``, else a temporary one),
filled by one warm-up run of every command.

Commands run in turn (A B A B ...) so a drift of the machine's speed hits both; medians are
printed, with CPU seconds (user + system of the child, from ``resource``) next to wall
seconds because a loaded machine moves wall time more than CPU time.

Run from the repository root: ``python benchmarks/bench_report.py [-n 7] [--stages]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIARY = str(ROOT / "examples" / "diary_week.csv")
PROFILE = str(ROOT / "examples" / "profile_t2d.toml")


def _magnerve() -> list[str]:
    exe = shutil.which("magnerve")
    return [exe] if exe else [sys.executable, "-c", "from magnerve.cli import main; main()"]


ENV: dict[str, str] | None = None
"""Environment of the commands (None: this process's); set by :func:`main`."""

PREVIOUS_DEMO = (1.1, 1.8)
"""``magnerve demo -o R`` before SciPy left its path (CPU, wall) [s]: 2026-12-03, the shared
2-core machine of this change, with ``scipy.sparse`` (plan), ``scipy.integrate`` (homeostasis)
and ``numpy.ma`` imported on every run (a measured figure, not re-measured here)."""


def run_once(cmd: list[str]) -> tuple[float, float]:
    """(wall, cpu) seconds of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def paired(cmds: dict[str, list[str]], n: int) -> dict[str, list[tuple[float, float]]]:
    """Each command ``n`` times, in turn, after one warm-up run each (caches, disk)."""
    for cmd in cmds.values():
        run_once(cmd)
    out: dict[str, list[tuple[float, float]]] = {k: [] for k in cmds}
    for _ in range(n):
        for k, cmd in cmds.items():
            out[k].append(run_once(cmd))
    return out


def _med(xs: list[tuple[float, float]], i: int) -> float:
    return statistics.median(x[i] for x in xs)


def _row(name: str, xs: list[tuple[float, float]]) -> str:
    return f"  {name:<44} wall {_med(xs, 0):6.3f} s   cpu {_med(xs, 1):6.3f} s"


def bench_html(n: int, tmp: Path) -> None:
    mg = _magnerve()
    base = [*mg, "assess", DIARY, "--profile", PROFILE]
    res = paired({"html": [*base, "--html", str(tmp / "r.html")], "json": [*base, "--json"]}, n)
    ratios = [h[0] / j[0] for h, j in zip(res["html"], res["json"], strict=True)]
    cpu_ratios = [h[1] / j[1] for h, j in zip(res["html"], res["json"], strict=True)]
    r = statistics.median(ratios)
    print(f"assess --html against assess --json (whole process, median of {n} pairs)")
    print(_row("assess --html (A)", res["html"]))
    print(_row("assess --json (baseline B)", res["json"]))
    print(
        f"  A/B wall {r:.2f}x, cpu {statistics.median(cpu_ratios):.2f}x "
        f"(target <= 1.5x: {'met' if r <= 1.5 else 'NOT met'})"
    )


_IMPORTS = "import numpy, scipy.sparse, scipy.special, scipy.integrate"
"""What the demo imported before (plan matrix, normal CDF, homeostasis ODE); no longer."""


def bench_demo(n: int, tmp: Path) -> None:
    mg = _magnerve()
    floor = "import magnerve.assessment, magnerve.datasets as d; d.load_demo()"  # no report at all
    res = paired(
        {
            "demo": [*mg, "demo", "-o", str(tmp / "d.html")],
            "json": [*mg, "demo", "--json"],
            "floor": [sys.executable, "-c", floor],
            "numpy": [sys.executable, "-c", "import numpy"],
            "imports": [sys.executable, "-c", _IMPORTS],
        },
        n,
    )
    wall, cpu = _med(res["demo"], 0), _med(res["demo"], 1)
    print(f"demo (whole process, warm caches, median of {n})")
    print(_row("demo -o R (A)", res["demo"]))
    print(_row("baseline: demo --json (assessment only)", res["json"]))
    print(_row("floor: import assessment + load the demo", res["floor"]))
    print(_row("baseline: python -c 'import numpy'", res["numpy"]))
    print(_row("not imported any more: numpy + 3 scipy parts", res["imports"]))
    pc, pw = PREVIOUS_DEMO
    print(f"  {'before (PREVIOUS_DEMO, not re-run)':<44} wall {pw:6.3f} s   cpu {pc:6.3f} s")
    print(
        f"  demo wall {wall:.3f} s, cpu {cpu:.3f} s (target <= 1 s: wall "
        f"{'met' if wall <= 1.0 else 'NOT met'}, cpu {'met' if cpu <= 1.0 else 'NOT met'}; "
        "on a loaded machine wall exceeds cpu)"
    )


def stages() -> None:
    """Each stage of ``demo`` once, in one fresh process (imports counted where first made)."""
    code = r"""
import io, time
from contextlib import redirect_stdout
T, W = time.process_time, time.perf_counter
rows = []
def stage(name, fn):
    t, w = T(), W()
    r = fn()
    rows.append((name, T() - t, W() - w))
    return r
t0, w0 = T(), W()
stage("import magnerve.cli (typer, commands)", lambda: __import__("magnerve.cli.assess"))
from magnerve.cli.assess import _models, _print_assessment
def imp():
    from magnerve.assessment import assess
    from magnerve.datasets import load_demo
    return assess, load_demo
assess, load_demo = stage("import assessment (numpy, pydantic)", imp)
diary, profile = stage("load the demo diary and profile", load_demo)
a = stage("assess", lambda: assess(diary, profile))
data = stage("Assessment.to_dict", a.to_dict)
def show():
    with redirect_stdout(io.StringIO()):
        _print_assessment(data)
stage("print the assessment (rich)", show)
def imp_plan():
    from magnerve.plan import make_plan
    return make_plan
make_plan = stage("import plan (numpy CSR; highspy on use)", imp_plan)
def plan_():
    return make_plan(diary, profile, assessment=a).to_dict()
plan = stage("make_plan (from the assessment)", plan_)
stage("import homeostasis", lambda: __import__("magnerve.physiology.homeostasis"))
stage("import report (jinja2)", lambda: __import__("magnerve.report"))
from magnerve.report._sweep_cache import nerve_sweep
stage("nerve sweep (user cache)", nerve_sweep)
models = stage("models: homeostasis x2 + sweep (cache)", lambda: _models(data, plan, profile))
from magnerve.report import render_html
html = stage("render_html (7 charts + template)", lambda: render_html(data, plan, models))
rows.append(("TOTAL in process", T() - t0, W() - w0))
for name, c, w in rows:
    print(f"  {name:<44} cpu {1000 * c:6.0f} ms   wall {1000 * w:6.0f} ms")
import sys
print("  scipy modules loaded:", sorted(m for m in sys.modules if m.split(".")[0] == "scipy"))
"""
    print("demo, stage by stage (one fresh process)")
    subprocess.run([sys.executable, "-c", code], check=True, env=ENV)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=7, help="pairs / runs per command (default 7)")
    p.add_argument("--stages", action="store_true", help="also time each stage of demo")
    args = p.parse_args()
    os.chdir(ROOT)
    global ENV
    with tempfile.TemporaryDirectory() as d:
        ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        ENV["PYTHONPYCACHEPREFIX"] = str(Path(d) / "pycache")  # warm bytecode, repo untouched
        ENV.setdefault("MAGNERVE_CACHE_DIR", str(Path(d) / "cache"))
        bench_html(args.n, Path(d))
        bench_demo(args.n, Path(d))
        if args.stages:
            stages()


if __name__ == "__main__":
    main()
