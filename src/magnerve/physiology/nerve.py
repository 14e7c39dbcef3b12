"""Nerve excitability and extracellular magnesium: a single-compartment conductance model.

A Hodgkin-Huxley neuron (Na+, K+, leak) receives Poisson excitatory input through AMPA and
NMDA receptors and inhibitory input through GABA-A receptors. Extracellular magnesium enters
through the voltage-dependent NMDA-receptor block of Jahr & Stevens (1990); about 11 % of the
NMDA current is carried by Ca2+ (Burnashev et al. 1995), which gives the calcium load.

All conditions of a sweep receive the *same* input trains and are integrated together as
NumPy arrays (exponential Euler), so a sweep of 100 conditions x 1 s takes about a second.
This is a model, not a measurement of anyone's nerves. Parameters: ``data/physiology.toml``.

References
----------
.. [1] Jahr CE, Stevens CF. J Neurosci 1990;10:3178-3182.
.. [2] Hodgkin AL, Huxley AF. J Physiol 1952;117:500-544.
.. [3] Burnashev N et al. J Physiol 1995;485:403-418.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["SweepResult", "nmda_unblocked_fraction", "parameters", "simulate_sweep"]

FloatArray = npt.NDArray[np.float64]


@cache
def parameters() -> dict[str, Any]:
    """The parsed ``data/physiology.toml``."""
    text = resources.files("magnerve.data").joinpath("physiology.toml").read_text("utf-8")
    return tomllib.loads(text)


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
    js = parameters()["jahr_stevens"]
    v = np.asarray(v_mV, dtype=np.float64)
    mg = np.asarray(mg_mM, dtype=np.float64)
    if np.any(mg < 0) or not np.all(np.isfinite(mg)):
        raise ValueError("extracellular magnesium must be a finite number >= 0 mM")
    if not np.all(np.isfinite(v)):
        raise ValueError("membrane potential must be finite")
    out: FloatArray = 1.0 / (1.0 + np.exp(-js["k_per_mV"] * v) * mg / js["mg_half_mM"])
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
    prm: dict[str, Any],
) -> tuple[FloatArray, ...]:
    """One forward-Euler step (input added first), as Brian2's ``euler`` method does."""
    hh, syn, inp, js = prm["hodgkin_huxley"], prm["synapses"], prm["inputs"], prm["jahr_stevens"]
    g_ampa = g_ampa + inp["w_ampa_mS_cm2"] * exc
    g_nmda = g_nmda + inp["w_nmda_mS_cm2"] * exc
    g_gaba = g_gaba + inp["w_gaba_mS_cm2"] * inh
    an, bn, am, bm, ah, bh = _rates(v)
    block = 1.0 / (1.0 + np.exp(-js["k_per_mV"] * v) * mg_term)
    i_nmda = g_nmda * block * (syn["e_nmda_mV"] - v)
    dv = (
        hh["g_na_mS_cm2"] * m_**3 * h_ * (hh["e_na_mV"] - v)
        + hh["g_k_mS_cm2"] * n_**4 * (hh["e_k_mV"] - v)
        + hh["g_l_mS_cm2"] * (hh["e_l_mV"] - v)
        + g_ampa * (syn["e_ampa_mV"] - v)
        + i_nmda
        + g_gaba * (syn["e_gaba_mV"] - v)
    ) / hh["c_m_uF_cm2"]
    dca = prm["calcium"]["nmda_fractional_ca_current"] * np.maximum(i_nmda, 0.0) * dt
    return (
        v + dt * dv,
        m_ + dt * (am * (1 - m_) - bm * m_),
        h_ + dt * (ah * (1 - h_) - bh * h_),
        n_ + dt * (an * (1 - n_) - bn * n_),
        g_ampa - dt * g_ampa / syn["tau_ampa_ms"],
        g_nmda - dt * g_nmda / syn["tau_nmda_ms"],
        g_gaba - dt * g_gaba / syn["tau_gaba_ms"],
        dca,
    )


def input_trains(n_steps: int, dt_ms: float, seed: int | None = None) -> tuple[FloatArray, ...]:
    """Counts of excitatory and inhibitory input spikes per time step (shared by conditions)."""
    p = parameters()["inputs"]
    rng = np.random.default_rng(p["seed"] if seed is None else seed)
    exc = rng.poisson(p["exc_rate_hz"] * dt_ms * 1e-3, n_steps).astype(np.float64)
    inh = rng.poisson(p["inh_rate_hz"] * dt_ms * 1e-3, n_steps).astype(np.float64)
    return exc, inh


def simulate_sweep(
    mg_mM: npt.ArrayLike,
    duration_s: float = 1.0,
    *,
    seed: int | None = None,
    record: bool = False,
    method: str = "exponential_euler",
    dt_ms: float | None = None,
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

    Returns
    -------
    SweepResult (and traces when ``record``)
    """
    mg = np.atleast_1d(np.asarray(mg_mM, dtype=np.float64))
    nmda_unblocked_fraction(0.0, mg)  # validates
    if not (math.isfinite(duration_s) and 0 < duration_s <= 60):
        raise ValueError("duration must be between 0 and 60 s")
    prm = parameters()
    hh, syn, inp = prm["hodgkin_huxley"], prm["synapses"], prm["inputs"]
    js = prm["jahr_stevens"]
    f_ca = prm["calcium"]["nmda_fractional_ca_current"]
    if method not in ("exponential_euler", "euler"):
        raise ValueError("method must be 'exponential_euler' or 'euler'")
    dt = float(inp["dt_ms"] if dt_ms is None else dt_ms)
    n_steps = round(duration_s * 1000.0 / dt)
    exc, inh = input_trains(n_steps, dt, seed)

    n = mg.size
    v = np.full(n, -65.0)
    an, bn, am, bm, ah, bh = _rates(v)
    m_, h_, n_ = am / (am + bm), ah / (ah + bh), an / (an + bn)
    g_ampa = np.zeros(n)
    g_nmda = np.zeros(n)
    g_gaba = np.zeros(n)
    d_ampa = math.exp(-dt / syn["tau_ampa_ms"])
    d_nmda = math.exp(-dt / syn["tau_nmda_ms"])
    d_gaba = math.exp(-dt / syn["tau_gaba_ms"])
    mg_term = mg / js["mg_half_mM"]
    spikes = np.zeros(n)
    ca = np.zeros(n)
    above = np.zeros(n, dtype=bool)
    trace = np.empty((n_steps, n)) if record else None
    c_m = hh["c_m_uF_cm2"]
    for t in range(n_steps):
        if method == "euler":
            v, m_, h_, n_, g_ampa, g_nmda, g_gaba, dca = _euler_step(
                v, m_, h_, n_, g_ampa, g_nmda, g_gaba, exc[t], inh[t], mg_term, dt, prm
            )
            ca += dca
            now_above = v > 0.0
            spikes += now_above & ~above
            above = now_above
            if trace is not None:
                trace[t] = v
            continue
        g_ampa = g_ampa * d_ampa + inp["w_ampa_mS_cm2"] * exc[t]
        g_nmda = g_nmda * d_nmda + inp["w_nmda_mS_cm2"] * exc[t]
        g_gaba = g_gaba * d_gaba + inp["w_gaba_mS_cm2"] * inh[t]
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
        block = 1.0 / (1.0 + np.exp(-js["k_per_mV"] * v) * mg_term)
        g_na = hh["g_na_mS_cm2"] * m_**3 * h_
        g_k = hh["g_k_mS_cm2"] * n_**4
        g_nm = g_nmda * block
        g_tot = g_na + g_k + hh["g_l_mS_cm2"] + g_ampa + g_nm + g_gaba
        e_num = (
            g_na * hh["e_na_mV"]
            + g_k * hh["e_k_mV"]
            + hh["g_l_mS_cm2"] * hh["e_l_mV"]
            + g_ampa * syn["e_ampa_mV"]
            + g_nm * syn["e_nmda_mV"]
            + g_gaba * syn["e_gaba_mV"]
        )
        # NMDA calcium current (inward, positive load) [uA/cm2] x dt [ms] = nC/cm2
        ca += f_ca * g_nm * np.maximum(syn["e_nmda_mV"] - v, 0.0) * dt
        v_inf = e_num / g_tot
        v = v_inf + (v - v_inf) * np.exp(-dt * g_tot / c_m)
        now_above = v > 0.0
        spikes += now_above & ~above
        above = now_above
        if trace is not None:
            trace[t] = v
    res = SweepResult(mg, spikes / duration_s, ca, float(duration_s))
    if record:
        assert trace is not None
        return res, trace
    return res
