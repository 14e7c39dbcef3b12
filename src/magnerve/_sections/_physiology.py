"""Typed section of ``physiology.toml``: parameters of the nerve-excitability model.

Builder ``_physiology``, found by name by :func:`magnerve._sections.build_section`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from magnerve._sections._base import (
    Section,
    T,
    _At,
    _freeze,
    _numbers,
    _unit,
)


@dataclass(frozen=True, slots=True)
class JahrStevens(Section):
    """``[jahr_stevens]``: NMDA unblocked fraction ``1 / (1 + exp(-k V) [Mg]o / mg_half)``."""

    k_per_mV: float = _unit("1/mV", positive=True)
    mg_half_mM: float = _unit("mM", positive=True)
    source: str = ""
    confidence: str = ""


@dataclass(frozen=True, slots=True)
class HodgkinHuxley(Section):
    """``[hodgkin_huxley]``: membrane capacitance, maximal conductances, reversal potentials."""

    c_m_uF_cm2: float = _unit("uF/cm2", positive=True)
    g_na_mS_cm2: float = _unit("mS/cm2", positive=True)
    g_k_mS_cm2: float = _unit("mS/cm2", positive=True)
    g_l_mS_cm2: float = _unit("mS/cm2", positive=True)
    e_na_mV: float = _unit("mV")
    e_k_mV: float = _unit("mV")
    e_l_mV: float = _unit("mV")
    source: str = ""
    confidence: str = ""


@dataclass(frozen=True, slots=True)
class Synapses(Section):
    """``[synapses]``: decay time constants and reversal potentials of AMPA, NMDA, GABA-A."""

    tau_ampa_ms: float = _unit("ms", positive=True)
    tau_nmda_ms: float = _unit("ms", positive=True)
    tau_gaba_ms: float = _unit("ms", positive=True)
    e_ampa_mV: float = _unit("mV")
    e_nmda_mV: float = _unit("mV")
    e_gaba_mV: float = _unit("mV")
    source: str = ""
    confidence: str = ""


@dataclass(frozen=True, slots=True)
class CalciumShare(Section):
    """``[calcium]``: the share of the NMDA-receptor current carried by Ca2+."""

    nmda_fractional_ca_current: float = _unit("fraction", positive=True)
    source: str = ""
    confidence: str = ""


@dataclass(frozen=True, slots=True)
class NeuronInputs(Section):
    """``[inputs]``: the model's Poisson input (a modelling choice, no source) and time step."""

    exc_rate_hz: float = _unit("Hz", positive=True)
    inh_rate_hz: float = _unit("Hz", positive=True)
    w_ampa_mS_cm2: float = _unit("mS/cm2", positive=True)
    w_nmda_mS_cm2: float = _unit("mS/cm2", positive=True)
    w_gaba_mS_cm2: float = _unit("mS/cm2", positive=True)
    dt_ms: float = _unit("ms", positive=True)
    seed: int = _unit("random seed", integer=True)
    note: str = ""


@dataclass(frozen=True, slots=True)
class PhysiologyData:
    """``physiology.toml``: parameters of the nerve-excitability model; ``raw`` is the file as
    written (read-only), for :func:`magnerve.physiology.nerve.parameters`."""

    jahr_stevens: JahrStevens
    hodgkin_huxley: HodgkinHuxley
    synapses: Synapses
    calcium: CalciumShare
    inputs: NeuronInputs
    raw: Mapping[str, Any]


def _sourced_numbers(cls: type[T], t: _At) -> T:
    return _numbers(cls, t, source=t.text("source"), confidence=t.confidence())


def _physiology(at: _At) -> PhysiologyData:
    inp = at.table("inputs")
    return PhysiologyData(
        _sourced_numbers(JahrStevens, at.table("jahr_stevens")),
        _sourced_numbers(HodgkinHuxley, at.table("hodgkin_huxley")),
        _sourced_numbers(Synapses, at.table("synapses")),
        _sourced_numbers(CalciumShare, at.table("calcium")),
        _numbers(NeuronInputs, inp, note=inp.text("note", "")),
        _freeze(at.node),
    )
