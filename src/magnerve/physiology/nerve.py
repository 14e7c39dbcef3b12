"""Nerve excitability and extracellular magnesium: a single-compartment conductance model.

A Hodgkin-Huxley neuron (Na+, K+, leak) receives Poisson excitatory input through AMPA and
NMDA receptors and inhibitory input through GABA-A receptors. Extracellular magnesium enters
through the voltage-dependent NMDA-receptor block of Jahr & Stevens (1990); about 11 % of the
NMDA current is carried by Ca2+ (Burnashev et al. 1995), which gives the calcium load.

All conditions of a sweep receive the *same* input trains, so differences come from Mg only.
The time loop (exponential Euler, or forward Euler for the Brian2 cross-check) runs as code
compiled by numba, cached on disk after the first run: a sweep of 100 conditions x 1 s takes
a few tenths of a second. The NumPy implementation (``engine="numpy"``: conditions as
arrays, a Python loop over time steps) is kept as the reference and as the fallback when
numba cannot be imported; both give the same results.
This is a model, not a measurement of anyone's nerves. Parameters: ``data/physiology.toml``.

References
----------
.. [1] Jahr CE, Stevens CF. J Neurosci 1990;10:3178-3182.
.. [2] Hodgkin AL, Huxley AF. J Physiol 1952;117:500-544.
.. [3] Burnashev N et al. J Physiol 1995;485:403-418.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from magnerve.registry import get_registry

if TYPE_CHECKING:  # pragma: no cover
    from magnerve._sections import PhysiologyData

__all__ = [
    "SweepResult",
    "nmda_unblocked_fraction",
    "numba_available",
    "parameters",
    "simulate_sweep",
]

FloatArray = npt.NDArray[np.float64]


def parameters() -> Mapping[str, Any]:
    """``data/physiology.toml`` of the active registry as written (read-only tables); the
    model reads the typed section (:func:`_params`)."""
    return _params().raw


def _params() -> PhysiologyData:
    """The typed ``physiology.toml`` of the active registry."""
    return get_registry().section("physiology")


def nmda_unblocked_fraction(v_mV: npt.ArrayLike, mg_mM: npt.ArrayLike) -> FloatArray:
    """Fraction of NMDA-receptor conductance not blocked by extracellular magnesium.

    ``1 / (1 + exp(-0.062 V) [Mg]o / 3.57)`` (Jahr & Stevens 1990).

    Parameters
    ----------
    v_mV : array_like
        Membrane potential [mV].
    mg_mM : array_like
        Extracellular magnesium [mM] (>= 0).

    Returns
    -------
    numpy.ndarray
        Unblocked fraction [0-1].

    Examples
    --------
    >>> round(float(nmda_unblocked_fraction(-60, 1.0)), 3)
    0.08
    """
    js = _params().jahr_stevens
    v = np.asarray(v_mV, dtype=np.float64)
    mg = np.asarray(mg_mM, dtype=np.float64)
    if np.any(mg < 0) or not np.all(np.isfinite(mg)):
        raise ValueError("extracellular magnesium must be a finite number >= 0 mM")
    if not np.all(np.isfinite(v)):
        raise ValueError("membrane potential must be finite")
    out: FloatArray = 1.0 / (1.0 + np.exp(-js.k_per_mV * v) * mg / js.mg_half_mM)
    return out


def _rates(v: FloatArray) -> tuple[FloatArray, ...]:
    """Hodgkin-Huxley rate functions [1/ms] (Dayan & Abbott 2001, eq. 5.22-5.24)."""

    def ratio(x: FloatArray) -> FloatArray:  # x / (1 - exp(-x)), safe at 0
        small = np.abs(x) < 1e-6
        return np.where(small, 1.0 + x / 2.0, x / -np.expm1(-np.where(small, 1.0, x)))

    an = 0.1 * ratio(0.1 * (v + 55.0))  # = 0.01 (V+55) / (1 - exp(-0.1 (V+55)))
    bn = 0.125 * np.exp(-0.0125 * (v + 65.0))
    am = ratio(0.1 * (v + 40.0))  # = 0.1 (V+40) / (1 - exp(-0.1 (V+40)))
    bm = 4.0 * np.exp(-0.0556 * (v + 65.0))
    ah = 0.07 * np.exp(-0.05 * (v + 65.0))
    bh = 1.0 / (1.0 + np.exp(-0.1 * (v + 35.0)))
    return an, bn, am, bm, ah, bh


@dataclass(frozen=True, slots=True)
class SweepResult:
    """Firing rate and calcium load per extracellular magnesium condition.

    Attributes
    ----------
    mg_mM : numpy.ndarray
        Extracellular magnesium [mM].
    firing_rate_hz : numpy.ndarray
        Action potentials per second [Hz].
    calcium_load : numpy.ndarray
        Charge carried by Ca2+ through NMDA receptors over the run [nC/cm²].
    duration_s : float
    """

    mg_mM: FloatArray
    firing_rate_hz: FloatArray
    calcium_load: FloatArray
    duration_s: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (``magnerve nerve sweep --json``)."""
        return {
            "model": "Hodgkin-Huxley neuron with AMPA, NMDA (Jahr-Stevens Mg block) and GABA-A "
            "inputs; a model, not a measurement",
            "duration_s": self.duration_s,
            "calcium_load_unit": "nC/cm2 of Ca2+ charge through NMDA receptors",
            "conditions": [
                {"mg_mM": float(m), "firing_rate_hz": float(f), "calcium_load": float(c)}
                for m, f, c in zip(self.mg_mM, self.firing_rate_hz, self.calcium_load, strict=True)
            ],
        }


def _euler_step(
    v: FloatArray,
    m_: FloatArray,
    h_: FloatArray,
    n_: FloatArray,
    g_ampa: FloatArray,
    g_nmda: FloatArray,
    g_gaba: FloatArray,
    exc: float,
    inh: float,
    mg_term: FloatArray,
    dt: float,
    prm: PhysiologyData,
) -> tuple[FloatArray, ...]:
    """One forward-Euler step (input added first), as Brian2's ``euler`` method does."""
    hh, syn, inp, js = prm.hodgkin_huxley, prm.synapses, prm.inputs, prm.jahr_stevens
    g_ampa = g_ampa + inp.w_ampa_mS_cm2 * exc
    g_nmda = g_nmda + inp.w_nmda_mS_cm2 * exc
    g_gaba = g_gaba + inp.w_gaba_mS_cm2 * inh
    an, bn, am, bm, ah, bh = _rates(v)
    block = 1.0 / (1.0 + np.exp(-js.k_per_mV * v) * mg_term)
    i_nmda = g_nmda * block * (syn.e_nmda_mV - v)
    dv = (
        hh.g_na_mS_cm2 * m_**3 * h_ * (hh.e_na_mV - v)
        + hh.g_k_mS_cm2 * n_**4 * (hh.e_k_mV - v)
        + hh.g_l_mS_cm2 * (hh.e_l_mV - v)
        + g_ampa * (syn.e_ampa_mV - v)
        + i_nmda
        + g_gaba * (syn.e_gaba_mV - v)
    ) / hh.c_m_uF_cm2
    dca = prm.calcium.nmda_fractional_ca_current * np.maximum(i_nmda, 0.0) * dt
    return (
        v + dt * dv,
        m_ + dt * (am * (1 - m_) - bm * m_),
        h_ + dt * (ah * (1 - h_) - bh * h_),
        n_ + dt * (an * (1 - n_) - bn * n_),
        g_ampa - dt * g_ampa / syn.tau_ampa_ms,
        g_nmda - dt * g_nmda / syn.tau_nmda_ms,
        g_gaba - dt * g_gaba / syn.tau_gaba_ms,
        dca,
    )


def input_trains(n_steps: int, dt_ms: float, seed: int | None = None) -> tuple[FloatArray, ...]:
    """Counts of excitatory and inhibitory input spikes per time step (shared by conditions)."""
    p = _params().inputs
    rng = np.random.default_rng(p.seed if seed is None else seed)
    exc = rng.poisson(p.exc_rate_hz * dt_ms * 1e-3, n_steps).astype(np.float64)
    inh = rng.poisson(p.inh_rate_hz * dt_ms * 1e-3, n_steps).astype(np.float64)
    return exc, inh


ENGINES = ("auto", "numba", "numpy")
_EXP_EULER, _EULER = 0, 1


def _kernel_py(
    mg_term: FloatArray,
    exc: FloatArray,
    inh: FloatArray,
    v0: float,
    m0: float,
    h0: float,
    n0: float,
    c: FloatArray,
    scheme: int,
    trace: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """The time loop of :func:`simulate_sweep`, one condition after another (for numba).

    Written as scalar code that numba compiles (``_compiled_kernel``); every expression keeps
    the operation order of the NumPy reference path so the two agree to rounding. ``c`` holds
    the constants in the order of ``_constants``; ``trace`` has shape ``(n_steps, n)`` when
    recording, else ``(0, 0)``.
    """
    (g_na_max, g_k_max, g_l, e_na, e_k, e_l, c_m) = (c[0], c[1], c[2], c[3], c[4], c[5], c[6])
    (e_ampa, e_nmda, e_gaba, tau_ampa, tau_nmda, tau_gaba) = (c[7], c[8], c[9], c[10], c[11], c[12])
    (w_ampa, w_nmda, w_gaba, neg_k, f_ca, dt) = (c[13], c[14], c[15], c[16], c[17], c[18])
    (d_ampa, d_nmda, d_gaba) = (c[19], c[20], c[21])
    n_steps = exc.shape[0]
    n = mg_term.shape[0]
    record = trace.shape[0] > 0
    spikes = np.zeros(n)
    ca = np.zeros(n)
    for j in range(n):
        mgt = mg_term[j]
        v, m_, h_, n_ = v0, m0, h0, n0
        g_ampa = g_nmda = g_gaba = 0.0
        above = False
        count = 0.0
        load = 0.0
        for t in range(n_steps):
            # Hodgkin-Huxley rates at the present potential (see _rates)
            x = 0.1 * (v + 55.0)
            an = 0.1 * (1.0 + x / 2.0 if abs(x) < 1e-6 else x / -math.expm1(-x))
            bn = 0.125 * math.exp(-0.0125 * (v + 65.0))
            x = 0.1 * (v + 40.0)
            am = 1.0 + x / 2.0 if abs(x) < 1e-6 else x / -math.expm1(-x)
            bm = 4.0 * math.exp(-0.0556 * (v + 65.0))
            ah = 0.07 * math.exp(-0.05 * (v + 65.0))
            bh = 1.0 / (1.0 + math.exp(-0.1 * (v + 35.0)))
            if scheme == _EULER:
                g_ampa = g_ampa + w_ampa * exc[t]
                g_nmda = g_nmda + w_nmda * exc[t]
                g_gaba = g_gaba + w_gaba * inh[t]
                block = 1.0 / (1.0 + math.exp(neg_k * v) * mgt)
                i_nmda = g_nmda * block * (e_nmda - v)
                dv = (
                    g_na_max * m_**3.0 * h_ * (e_na - v)
                    + g_k_max * n_**4.0 * (e_k - v)
                    + g_l * (e_l - v)
                    + g_ampa * (e_ampa - v)
                    + i_nmda
                    + g_gaba * (e_gaba - v)
                ) / c_m
                load += f_ca * max(i_nmda, 0.0) * dt
                v = v + dt * dv
                m_, h_, n_ = (
                    m_ + dt * (am * (1 - m_) - bm * m_),
                    h_ + dt * (ah * (1 - h_) - bh * h_),
                    n_ + dt * (an * (1 - n_) - bn * n_),
                )
                g_ampa = g_ampa - dt * g_ampa / tau_ampa
                g_nmda = g_nmda - dt * g_nmda / tau_nmda
                g_gaba = g_gaba - dt * g_gaba / tau_gaba
            else:
                g_ampa = g_ampa * d_ampa + w_ampa * exc[t]
                g_nmda = g_nmda * d_nmda + w_nmda * exc[t]
                g_gaba = g_gaba * d_gaba + w_gaba * inh[t]
                tau = 1.0 / (am + bm)
                inf = am * tau
                m_ = inf + (m_ - inf) * math.exp(-dt / tau)
                tau = 1.0 / (ah + bh)
                inf = ah * tau
                h_ = inf + (h_ - inf) * math.exp(-dt / tau)
                tau = 1.0 / (an + bn)
                inf = an * tau
                n_ = inf + (n_ - inf) * math.exp(-dt / tau)
                block = 1.0 / (1.0 + math.exp(neg_k * v) * mgt)
                g_na = g_na_max * m_**3.0 * h_
                g_k = g_k_max * n_**4.0
                g_nm = g_nmda * block
                g_tot = g_na + g_k + g_l + g_ampa + g_nm + g_gaba
                e_num = (
                    g_na * e_na
                    + g_k * e_k
                    + g_l * e_l
                    + g_ampa * e_ampa
                    + g_nm * e_nmda
                    + g_gaba * e_gaba
                )
                load += f_ca * g_nm * max(e_nmda - v, 0.0) * dt
                v_inf = e_num / g_tot
                v = v_inf + (v - v_inf) * math.exp(-dt * g_tot / c_m)
            now_above = v > 0.0
            if now_above and not above:
                count += 1.0
            above = now_above
            if record:
                trace[t, j] = v
        spikes[j] = count
        ca[j] = load
    return spikes, ca


@cache
def _compiled_kernel() -> Callable[..., tuple[FloatArray, FloatArray]] | None:
    """``_kernel_py`` compiled by numba (cached on disk), or None when numba is unavailable.

    numba is imported here, on first use, so that importing magnerve stays fast. The compiled
    code is cached next to this file (or in ``NUMBA_CACHE_DIR``), so only the first run after
    an install pays the compilation.
    """
    try:
        import numba
    except Exception:  # not installed, or incompatible with the installed NumPy
        return None
    if getattr(numba.config, "DISABLE_JIT", False):  # NUMBA_DISABLE_JIT=1: NumPy is faster
        return None
    kernel: Callable[..., tuple[FloatArray, FloatArray]]
    try:
        kernel = numba.njit(cache=True, nogil=True, error_model="numpy")(_kernel_py)
    except RuntimeError:  # no writable cache location: compile in every process instead
        kernel = numba.njit(nogil=True, error_model="numpy")(_kernel_py)
    return kernel


def numba_available() -> bool:
    """Whether the compiled (numba) engine of :func:`simulate_sweep` can be used."""
    return _compiled_kernel() is not None


def simulate_sweep(
    mg_mM: npt.ArrayLike,
    duration_s: float = 1.0,
    *,
    seed: int | None = None,
    record: bool = False,
    method: str = "exponential_euler",
    dt_ms: float | None = None,
    engine: str = "auto",
) -> SweepResult | tuple[SweepResult, FloatArray]:
    """Simulate the neuron at several extracellular magnesium concentrations at once.

    Parameters
    ----------
    mg_mM : array_like
        Extracellular magnesium of each condition [mM], e.g. ``[0.3, 0.5, 0.8, 1.0, 1.2]``.
    duration_s : float, default 1.0
        Simulated time [s].
    seed : int, optional
        Seed of the shared input trains (default from the data file).
    record : bool
        Also return the membrane potential traces, shape ``(n_steps, n_conditions)`` [mV].
    method : {"exponential_euler", "euler"}
        Integration scheme. ``euler`` (forward Euler, input added before each step) matches
        Brian2's ``euler`` method and is used for the cross-check in ``benchmarks/``.
    dt_ms : float, optional
        Time step [ms] (default from the data file).
    engine : {"auto", "numba", "numpy"}
        ``numba`` runs the time loop as compiled code (about 100x faster); ``numpy`` is the
        reference implementation (all conditions as arrays, a Python loop over time steps).
        Both integrate the same equations with the same scheme, step and inputs, and give
        the same spike counts and calcium loads (to rounding). ``auto`` (default) uses numba
        when it imports, else NumPy.

    Returns
    -------
    SweepResult (and traces when ``record``)
    """
    mg = np.atleast_1d(np.asarray(mg_mM, dtype=np.float64))
    nmda_unblocked_fraction(0.0, mg)  # validates
    if not (math.isfinite(duration_s) and 0 < duration_s <= 60):
        raise ValueError("duration must be between 0 and 60 s")
    if method not in ("exponential_euler", "euler"):
        raise ValueError("method must be 'exponential_euler' or 'euler'")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}")
    kernel = None if engine == "numpy" else _compiled_kernel()
    if engine == "numba" and kernel is None:
        raise RuntimeError("engine='numba' needs numba (pip install numba)")
    prm = _params()
    dt = float(prm.inputs.dt_ms if dt_ms is None else dt_ms)
    n_steps = round(duration_s * 1000.0 / dt)
    exc, inh = input_trains(n_steps, dt, seed)
    if kernel is None:
        spikes, ca, trace = _run_numpy(mg, exc, inh, dt, method, record, prm)
    else:
        v0, m0, h0, n0 = (float(x[0]) for x in _resting_state(1))
        trace = np.empty((n_steps, mg.size)) if record else np.empty((0, 0))
        spikes, ca = kernel(
            mg / prm.jahr_stevens.mg_half_mM,
            exc,
            inh,
            v0,
            m0,
            h0,
            n0,
            _constants(prm, dt),
            _EULER if method == "euler" else _EXP_EULER,
            trace,
        )
    res = SweepResult(mg, spikes / duration_s, ca, float(duration_s))
    if record:
        return res, trace
    return res


def _constants(prm: PhysiologyData, dt: float) -> FloatArray:
    """The model constants in the order ``_kernel_py`` unpacks them."""
    hh, syn, inp = prm.hodgkin_huxley, prm.synapses, prm.inputs
    return np.array(
        [
            hh.g_na_mS_cm2,
            hh.g_k_mS_cm2,
            hh.g_l_mS_cm2,
            hh.e_na_mV,
            hh.e_k_mV,
            hh.e_l_mV,
            hh.c_m_uF_cm2,
            syn.e_ampa_mV,
            syn.e_nmda_mV,
            syn.e_gaba_mV,
            syn.tau_ampa_ms,
            syn.tau_nmda_ms,
            syn.tau_gaba_ms,
            inp.w_ampa_mS_cm2,
            inp.w_nmda_mS_cm2,
            inp.w_gaba_mS_cm2,
            -prm.jahr_stevens.k_per_mV,
            prm.calcium.nmda_fractional_ca_current,
            dt,
            math.exp(-dt / syn.tau_ampa_ms),
            math.exp(-dt / syn.tau_nmda_ms),
            math.exp(-dt / syn.tau_gaba_ms),
        ],
        dtype=np.float64,
    )


def _resting_state(n: int) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Potential and gates at rest (-65 mV, gates at their steady state) for n conditions."""
    v = np.full(n, -65.0)
    an, bn, am, bm, ah, bh = _rates(v)
    return v, am / (am + bm), ah / (ah + bh), an / (an + bn)


def _run_numpy(
    mg: FloatArray,
    exc: FloatArray,
    inh: FloatArray,
    dt: float,
    method: str,
    record: bool,
    prm: PhysiologyData,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Reference engine: conditions as NumPy arrays, a Python loop over time steps."""
    hh, syn, inp = prm.hodgkin_huxley, prm.synapses, prm.inputs
    js = prm.jahr_stevens
    f_ca = prm.calcium.nmda_fractional_ca_current
    n_steps = exc.size
    n = mg.size
    v, m_, h_, n_ = _resting_state(n)
    g_ampa = np.zeros(n)
    g_nmda = np.zeros(n)
    g_gaba = np.zeros(n)
    d_ampa = math.exp(-dt / syn.tau_ampa_ms)
    d_nmda = math.exp(-dt / syn.tau_nmda_ms)
    d_gaba = math.exp(-dt / syn.tau_gaba_ms)
    mg_term = mg / js.mg_half_mM
    spikes = np.zeros(n)
    ca = np.zeros(n)
    above = np.zeros(n, dtype=bool)
    trace = np.empty((n_steps, n)) if record else np.empty((0, 0))
    c_m = hh.c_m_uF_cm2
    for t in range(n_steps):
        if method == "euler":
            v, m_, h_, n_, g_ampa, g_nmda, g_gaba, dca = _euler_step(
                v, m_, h_, n_, g_ampa, g_nmda, g_gaba, exc[t], inh[t], mg_term, dt, prm
            )
            ca += dca
            now_above = v > 0.0
            spikes += now_above & ~above
            above = now_above
            if record:
                trace[t] = v
            continue
        g_ampa = g_ampa * d_ampa + inp.w_ampa_mS_cm2 * exc[t]
        g_nmda = g_nmda * d_nmda + inp.w_nmda_mS_cm2 * exc[t]
        g_gaba = g_gaba * d_gaba + inp.w_gaba_mS_cm2 * inh[t]
        an, bn, am, bm, ah, bh = _rates(v)
        # exponential Euler for the gates
        for gate, a, b in ((0, am, bm), (1, ah, bh), (2, an, bn)):
            tau = 1.0 / (a + b)
            inf = a * tau
            x = (m_, h_, n_)[gate]
            x = inf + (x - inf) * np.exp(-dt / tau)
            if gate == 0:
                m_ = x
            elif gate == 1:
                h_ = x
            else:
                n_ = x
        block = 1.0 / (1.0 + np.exp(-js.k_per_mV * v) * mg_term)
        g_na = hh.g_na_mS_cm2 * m_**3 * h_
        g_k = hh.g_k_mS_cm2 * n_**4
        g_nm = g_nmda * block
        g_tot = g_na + g_k + hh.g_l_mS_cm2 + g_ampa + g_nm + g_gaba
        e_num = (
            g_na * hh.e_na_mV
            + g_k * hh.e_k_mV
            + hh.g_l_mS_cm2 * hh.e_l_mV
            + g_ampa * syn.e_ampa_mV
            + g_nm * syn.e_nmda_mV
            + g_gaba * syn.e_gaba_mV
        )
        # NMDA calcium current (inward, positive load) [uA/cm2] x dt [ms] = nC/cm2
        ca += f_ca * g_nm * np.maximum(syn.e_nmda_mV - v, 0.0) * dt
        v_inf = e_num / g_tot
        v = v_inf + (v - v_inf) * np.exp(-dt * g_tot / c_m)
        now_above = v > 0.0
        spikes += now_above & ~above
        above = now_above
        if record:
            trace[t] = v
    return spikes, ca, trace
