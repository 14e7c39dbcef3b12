"""Nerve model speed: the compiled (numba) engine against the NumPy reference and Brian2.

Prints, for the demo's sweep (5 Mg levels x 1 s) and for 100 conditions x 1 s:

* magnerve's numba engine, warm (median of repeats in this process);
* the same, cold: the first sweep in a fresh process, with numba's on-disk cache empty
  (compilation) and with it filled (what every run after the first one pays);
* the NumPy reference engine (``engine="numpy"``) in this process, the baseline;
* Brian2 2.9 on the same model, input and scheme (forward Euler; Brian2 cannot use exponential
  Euler here because the Jahr-Stevens block makes dv/dt nonlinear in v), with its ``numpy``
  and compiled ``cython`` targets, plus the firing-rate cross-check of issue 5 (7 Mg levels x
  2 s at dt 0.02 ms; agreement target within 2 %).

Brian2 2.9 needs NumPy < 2 and so usually lives in its own venv. The Brian2 part runs in this
interpreter when brian2 imports, else in the interpreter given by ``--brian2-python`` (or
``$MAGNERVE_BRIAN2_PYTHON``), which runs this file as a worker with magnerve's ``src`` on
``PYTHONPATH`` (the nerve module needs only NumPy). Set one up with
``python3.11 -m venv /tmp/venv_b2 && /tmp/venv_b2/bin/pip install "numpy<2" brian2==2.9.0
cython setuptools`` (the cython target also needs a C compiler).

Run: ``python benchmarks/bench_nerve.py [--brian2-python /tmp/venv_b2/bin/python] [--quick]``
(``--quick`` skips the slow reference runs at 100 conditions and the Brian2 numpy target).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from magnerve.physiology.nerve import input_trains, parameters, simulate_sweep

MG_DEMO = [0.3, 0.5, 0.8, 1.0, 1.2]  # the demo's sweep (magnerve demo)
MG_100 = np.linspace(0.2, 1.5, 100).tolist()
MG_CROSS = [0.2, 0.3, 0.5, 0.8, 1.0, 1.2, 1.5]
CROSS = {"duration": 2.0, "dt": 0.02}  # issue-5 cross-check: same forward Euler and step


def brian2_sweep(
    mg_values: list[float], duration_s: float, dt: float, target: str = "numpy"
) -> tuple[np.ndarray, float]:
    """Firing rates [Hz] and the wall time of ``run`` (incl. code generation) in Brian2."""
    import brian2 as b2

    b2.prefs.codegen.target = target
    prm = parameters()
    hh, syn, inp, js = prm["hodgkin_huxley"], prm["synapses"], prm["inputs"], prm["jahr_stevens"]
    n_steps = round(duration_s * 1000 / dt)
    exc, inh = input_trains(n_steps, dt)
    b2.start_scope()
    b2.defaultclock.dt = dt * b2.ms
    exc_in = b2.TimedArray(exc, dt=dt * b2.ms)
    inh_in = b2.TimedArray(inh, dt=dt * b2.ms)
    ns = {
        "Cm": hh["c_m_uF_cm2"] * b2.ufarad / b2.cm**2,
        "gNa": hh["g_na_mS_cm2"] * b2.msiemens / b2.cm**2,
        "gK": hh["g_k_mS_cm2"] * b2.msiemens / b2.cm**2,
        "gL": hh["g_l_mS_cm2"] * b2.msiemens / b2.cm**2,
        "ENa": hh["e_na_mV"] * b2.mV,
        "EK": hh["e_k_mV"] * b2.mV,
        "EL": hh["e_l_mV"] * b2.mV,
        "Eampa": syn["e_ampa_mV"] * b2.mV,
        "Enmda": syn["e_nmda_mV"] * b2.mV,
        "Egaba": syn["e_gaba_mV"] * b2.mV,
        "tau_ampa": syn["tau_ampa_ms"] * b2.ms,
        "tau_nmda": syn["tau_nmda_ms"] * b2.ms,
        "tau_gaba": syn["tau_gaba_ms"] * b2.ms,
        "w_ampa": inp["w_ampa_mS_cm2"] * b2.msiemens / b2.cm**2,
        "w_nmda": inp["w_nmda_mS_cm2"] * b2.msiemens / b2.cm**2,
        "w_gaba": inp["w_gaba_mS_cm2"] * b2.msiemens / b2.cm**2,
        "kJS": js["k_per_mV"],
        "mgh": js["mg_half_mM"],
        "exc_in": exc_in,
        "inh_in": inh_in,
    }
    eqs = """
    dv/dt = (gNa*m**3*h*(ENa-v) + gK*n**4*(EK-v) + gL*(EL-v) + g_ampa*(Eampa-v)
             + g_nmda*B*(Enmda-v) + g_gaba*(Egaba-v)) / Cm : volt
    B = 1/(1 + exp(-kJS*v/mV)*mg/mgh) : 1
    dm/dt = am*(1-m) - bm*m : 1
    dh/dt = ah*(1-h) - bh*h : 1
    dn/dt = an*(1-n) - bn*n : 1
    am = 0.1*(v/mV+40)/(1-exp(-0.1*(v/mV+40)))/ms : Hz
    bm = 4*exp(-0.0556*(v/mV+65))/ms : Hz
    ah = 0.07*exp(-0.05*(v/mV+65))/ms : Hz
    bh = 1/(1+exp(-0.1*(v/mV+35)))/ms : Hz
    an = 0.01*(v/mV+55)/(1-exp(-0.1*(v/mV+55)))/ms : Hz
    bn = 0.125*exp(-0.0125*(v/mV+65))/ms : Hz
    dg_ampa/dt = -g_ampa/tau_ampa : siemens/meter**2
    dg_nmda/dt = -g_nmda/tau_nmda : siemens/meter**2
    dg_gaba/dt = -g_gaba/tau_gaba : siemens/meter**2
    mg : 1 (constant)
    """
    group = b2.NeuronGroup(
        len(mg_values),
        eqs,
        method="euler",
        threshold="v > 0*mV",
        refractory="v > 0*mV",
        namespace=ns,
    )
    group.v = -65 * b2.mV
    vr = -65.0
    am = 0.1 * (vr + 40) / (1 - np.exp(-0.1 * (vr + 40)))
    bm = 4 * np.exp(-0.0556 * (vr + 65))
    ah = 0.07 * np.exp(-0.05 * (vr + 65))
    bh = 1 / (1 + np.exp(-0.1 * (vr + 35)))
    an = 0.01 * (vr + 55) / (1 - np.exp(-0.1 * (vr + 55)))
    bn = 0.125 * np.exp(-0.0125 * (vr + 65))
    group.m, group.h, group.n = am / (am + bm), ah / (ah + bh), an / (an + bn)
    group.mg = mg_values
    group.run_regularly(
        "g_ampa += w_ampa*exc_in(t)\ng_nmda += w_nmda*exc_in(t)\ng_gaba += w_gaba*inh_in(t)",
        when="before_groups",
    )
    mon = b2.SpikeMonitor(group)
    t = time.perf_counter()
    b2.run(duration_s * b2.second, namespace=ns)
    elapsed = time.perf_counter() - t
    counts = np.bincount(mon.i[:], minlength=len(mg_values)).astype(float)
    return counts / duration_s, elapsed


def brian2_worker(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run Brian2 jobs; the cython target's first run compiles into an empty cache dir."""
    import brian2 as b2

    b2.prefs.codegen.runtime.cython.cache_dir = tempfile.mkdtemp(prefix="b2cython-")
    out = []
    for job in jobs:
        times, rates = [], None
        for _ in range(job["repeats"]):
            rates, el = brian2_sweep(job["mg"], job["duration"], job["dt"], job["target"])
            times.append(el)
        assert rates is not None
        out.append({"rates": rates.tolist(), "times": times, "version": b2.__version__})
    return out


def run_brian2(jobs: list[dict[str, Any]], python: str | None) -> list[dict[str, Any]] | str:
    """Results of the Brian2 jobs, or the reason they could not run."""
    try:
        import brian2  # noqa: F401

        return brian2_worker(jobs)
    except (ImportError, AttributeError) as e:  # Brian2 2.9 fails to import under NumPy 2
        reason = f"brian2 does not import here ({type(e).__name__}: {e})"
    if not python:
        return reason + "; pass --brian2-python PATH (a venv with NumPy < 2)"
    import magnerve

    src = str(Path(magnerve.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [python, __file__, "--brian2-worker", json.dumps(jobs)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        return f"brian2 worker failed: {proc.stderr.strip().splitlines()[-1:]}"
    result: list[dict[str, Any]] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def timed(fn: Any, repeats: int) -> tuple[Any, float]:
    """Result and median wall time of ``fn()``."""
    times, res = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t)
    return res, statistics.median(times)


COLD = """
import time
t0 = time.perf_counter()
from magnerve.physiology.nerve import simulate_sweep
simulate_sweep({mg}, 1.0, engine={engine!r})
print(time.perf_counter() - t0)
"""


def cold_run(engine: str, cache_dir: str, mg: list[float]) -> tuple[float, float]:
    """(first sweep incl. imports, whole process) [s] in a fresh interpreter."""
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", COLD.format(mg=mg, engine=engine)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return float(proc.stdout.split()[-1]), time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--brian2-python", default=os.environ.get("MAGNERVE_BRIAN2_PYTHON"))
    ap.add_argument("--quick", action="store_true", help="skip the slowest reference runs")
    ap.add_argument("--brian2-worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.brian2_worker:
        print(json.dumps(brian2_worker(json.loads(args.brian2_worker))))
        return

    print("magnerve nerve sweep: numba engine vs NumPy reference (exponential Euler, dt 0.05 ms)")
    cases = [("demo sweep, 5 Mg x 1 s", MG_DEMO), ("100 conditions x 1 s", MG_100)]
    simulate_sweep(MG_DEMO, 0.01)  # load the compiled kernel before timing warm runs
    print(f"{'':26}{'numba warm':>12}{'NumPy ref':>12}{'speed-up':>10}  same results")
    for label, mg in cases:
        fast, t_fast = timed(lambda mg=mg: simulate_sweep(mg, 1.0), 7)
        if args.quick and len(mg) > 10:
            print(f"{label:26}{t_fast:11.4f}s{'(skipped)':>12}")
            continue
        ref, t_ref = timed(lambda mg=mg: simulate_sweep(mg, 1.0, engine="numpy"), 1)
        same = np.array_equal(fast.firing_rate_hz, ref.firing_rate_hz) and np.allclose(
            fast.calcium_load, ref.calcium_load, rtol=1e-9, atol=0
        )
        ca_diff = float(np.max(np.abs(fast.calcium_load / ref.calcium_load - 1)))
        print(
            f"{label:26}{t_fast:11.4f}s{t_ref:11.3f}s{t_ref / t_fast:9.0f}x  {same} "
            f"(rates equal, Ca max rel. diff {ca_diff:.1e})"
        )

    print("\ncold start: first demo sweep in a fresh process, incl. importing magnerve + numba")
    print(f"{'':34}{'first sweep':>12}{'process':>10}")
    with tempfile.TemporaryDirectory(prefix="nbcache-") as cache:
        rows = [("numba, empty cache (compiles)", "auto", cache, 1)]
        rows += [("numba, cache filled", "auto", cache, 3)]
        rows += [("NumPy reference", "numpy", cache, 1)]
        for label, engine, cache_dir, n in rows:
            runs = [cold_run(engine, cache_dir, MG_DEMO) for _ in range(n)]
            first = statistics.median(r[0] for r in runs)
            whole = statistics.median(r[1] for r in runs)
            print(f"{label:34}{first:11.3f}s{whole:9.3f}s")

    # --- Brian2 -------------------------------------------------------------------------
    dt0 = float(parameters()["inputs"]["dt_ms"])
    jobs = [{"mg": MG_CROSS, **CROSS, "target": "cython", "repeats": 3}]
    jobs += [{"mg": MG_DEMO, "duration": 1.0, "dt": dt0, "target": "cython", "repeats": 3}]
    jobs += [{"mg": MG_100, "duration": 1.0, "dt": dt0, "target": "cython", "repeats": 3}]
    if not args.quick:
        jobs += [{"mg": MG_CROSS, **CROSS, "target": "numpy", "repeats": 1}]
    print("\nBrian2 on the same model (forward Euler in both; Brian2 time = run(), incl. codegen)")
    b2 = run_brian2(jobs, args.brian2_python)
    if isinstance(b2, str):
        print(f"skipped: {b2}")
        print("issue-5 figures for reference: 7 Mg x 2 s at dt 0.02 ms, magnerve (NumPy) 6.7 s vs")
        print("Brian2 numpy target 9.5 s; issue 10: Brian2 compiled target 3.5-6x the old path")
        return
    print(f"Brian2 {b2[0]['version']}")
    cross = simulate_sweep(MG_CROSS, CROSS["duration"], method="euler", dt_ms=CROSS["dt"])
    print(f"\ncross-check, {len(MG_CROSS)} Mg x {CROSS['duration']:g} s, dt {CROSS['dt']} ms")
    print(f"{'Mg [mM]':>8} {'magnerve [Hz]':>14} {'Brian2 cython':>14} {'diff':>7}")
    worst = 0.0
    for i, (m, a) in enumerate(zip(MG_CROSS, cross.firing_rate_hz, strict=True)):
        b = b2[0]["rates"][i]
        diff = abs(a - b) / b if b > 0 else (0.0 if a == 0 else 1.0)
        worst = max(worst, diff)
        for other in b2[3:]:
            worst = max(worst, abs(other["rates"][i] - b) / max(b, 1e-9))
        print(f"{m:8.2f} {a:14.2f} {b:14.2f} {diff:7.1%}")
    print(f"largest relative difference (both Brian2 targets): {worst:.1%} (target <= 2 %)")

    print(f"\n{'forward Euler, wall time':34}{'numba warm':>11}{'B2 cython':>11}{'B2 first':>11}")
    configs = [
        (f"cross-check 7 Mg x 2 s, dt {CROSS['dt']}", MG_CROSS, CROSS["duration"], CROSS["dt"]),
        (f"demo sweep 5 Mg x 1 s, dt {dt0}", MG_DEMO, 1.0, dt0),
        (f"100 conditions x 1 s, dt {dt0}", MG_100, 1.0, dt0),
    ]
    for (label, mg, dur, dt), res in zip(configs, b2[:3], strict=True):
        _, t_fast = timed(
            lambda mg=mg, dur=dur, dt=dt: simulate_sweep(mg, dur, method="euler", dt_ms=dt), 5
        )
        warm = min(res["times"][1:])  # "first": the first run in the worker (compiles)
        print(
            f"{label:34}{t_fast:10.4f}s{warm:10.3f}s{res['times'][0]:10.2f}s"
            f"  -> numba {warm / t_fast:.0f}x faster than Brian2 cython"
        )
    if not args.quick:
        _, t_ref = timed(
            lambda: simulate_sweep(
                MG_CROSS, CROSS["duration"], method="euler", dt_ms=CROSS["dt"], engine="numpy"
            ),
            1,
        )
        print(
            f"cross-check, other engines: magnerve NumPy reference {t_ref:.2f} s, "
            f"Brian2 numpy target {b2[3]['times'][0]:.2f} s"
        )


if __name__ == "__main__":
    main()
