"""Nerve model: speed of a 100-condition sweep, and a cross-check against the same model
written for Brian2 (a dev-only dependency; Brian2 2.9 needs NumPy < 2 on Python 3.11).

Both simulators get identical input spike counts per time step; the script prints firing
rates side by side (agreement target: within 2 %) and the speed ratio.

Run: ``python benchmarks/bench_nerve.py`` (the Brian2 part runs when brian2 imports).
"""

from __future__ import annotations

import time

import numpy as np

from magnerve.physiology.nerve import input_trains, parameters, simulate_sweep

MG = [0.2, 0.3, 0.5, 0.8, 1.0, 1.2, 1.5]


def brian2_sweep(mg_values: list[float], duration_s: float, dt: float) -> tuple[np.ndarray, float]:
    import brian2 as b2

    b2.prefs.codegen.target = "numpy"
    prm = parameters()
    hh, syn, inp, js = prm["hodgkin_huxley"], prm["synapses"], prm["inputs"], prm["jahr_stevens"]
    n_steps = round(duration_s * 1000 / dt)
    exc, inh = input_trains(n_steps, inp["dt_ms"] if dt == inp["dt_ms"] else dt)
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


def main() -> None:
    t = time.perf_counter()
    simulate_sweep(np.linspace(0.2, 1.5, 100), 1.0)
    t100 = time.perf_counter() - t
    print(f"magnerve: 100 conditions x 1 s simulated in {t100:.2f} s (target: about 1 s)")

    duration, dt = 2.0, 0.02  # same forward-Euler scheme and step in both simulators
    t = time.perf_counter()
    ours = simulate_sweep(MG, duration, method="euler", dt_ms=dt)
    t_ours = time.perf_counter() - t
    try:
        theirs, t_theirs = brian2_sweep(MG, duration, dt)
    except (ImportError, AttributeError) as e:  # Brian2 2.9 fails to import under NumPy 2
        print(f"brian2 not usable here ({e}): skipped the cross-check (needs NumPy < 2 on 3.11)")
        return
    print(f"\n{'Mg [mM]':>8} {'magnerve [Hz]':>14} {'Brian2 [Hz]':>12} {'diff':>7}")
    worst = 0.0
    for m, a, b in zip(MG, ours.firing_rate_hz, theirs, strict=True):
        diff = abs(a - b) / max(b, 1e-9)
        worst = max(worst, diff if b > 0 else (0.0 if a == 0 else 1.0))
        print(f"{m:8.2f} {a:14.2f} {b:12.2f} {diff:7.1%}")
    print(f"largest relative difference: {worst:.1%} (target <= 2 %)")
    print(
        f"time for {len(MG)} conditions x {duration:g} s: magnerve {t_ours:.2f} s, Brian2 (numpy "
        f"target, incl. code generation) {t_theirs:.2f} s -> ratio {t_theirs / t_ours:.1f}x"
    )


if __name__ == "__main__":
    main()
