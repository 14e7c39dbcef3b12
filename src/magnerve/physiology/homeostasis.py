"""Whole-body magnesium homeostasis: a three-pool compartment model (70-kg adult).

Pools [mmol]: ``P`` magnesium in extracellular fluid (serum concentration ``C = P / V_eff``),
``E`` tissue magnesium exchanging with it within about a day, ``B`` a slowly exchanging pool
(half-life ~1000 h, Avioli & Berman 1966).

    dP/dt = A - U(C) - F(C) + k_x (E - K_e C)
    dE/dt = -k_x (E - K_e C) - (k_sb E - k_bs B)
    dB/dt = k_sb E - k_bs B

``A`` is absorbed magnesium [mmol/day] from magnerve's absorption model; urine
``U(C) = GFR [fe_min 0.7 C + w ln(1 + exp((0.7 C - Tm)/w))]`` is a smooth tubular maximum
(renal threshold: urine falls within days on a low-magnesium diet); ``F = k_f C`` is
endogenous faecal loss (fitted, see the data file). At steady state urine equals net
absorption (``A - F``). Modifiers: thiazide/loop diuretics lower ``Tm``, PPIs lower ``A``,
alcohol and poorly controlled diabetes raise urine, caffeine adds a small urinary loss.

Parameters, sources and confidence: ``data/homeostasis.toml`` (calibration section). It is a
model with stated uncertainty, not a prediction for a person. Solved with scipy's stiff
``Radau`` integrator.
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
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

__all__ = [
    "Modifiers",
    "Trajectory",
    "modifiers_for",
    "simulate",
    "steady_state",
    "urine_mmol",
]

FloatArray = npt.NDArray[np.float64]


@cache
def _data() -> dict[str, Any]:
    text = resources.files("magnerve.data").joinpath("homeostasis.toml").read_text("utf-8")
    return tomllib.loads(text)


def _p(key: str) -> float:
    return float(_data()["calibration"][key]["value"])


@cache
def _params() -> dict[str, float]:
    d = _data()
    c_ref = 0.85  # serum at which the pools are sized (mid reference interval, IOM 1997)
    e0, b0, k_bs = _p("e0"), _p("b0"), _p("k_bs")
    return {
        "v_eff": _p("v_eff"),
        "tm": _p("tm_c"),
        "w": _p("w"),
        "fe_min": _p("fe_min"),
        "k_f": _p("faecal_endogenous_k"),
        "k_x": _p("k_x"),
        "k_bs": k_bs,
        "k_sb": k_bs * b0 / e0,
        "k_e": e0 / c_ref,
        "gfr": float(d["renal"]["gfr"]["value"]),
        "uf": float(d["plasma"]["ultrafilterable_fraction"]["value"]),
        "mg_per_mmol": float(d["meta"]["mg_per_mmol"]),
    }


@dataclass(frozen=True, slots=True)
class Modifiers:
    """Effects of medicines and habits on the model (low confidence; see the data file).

    Attributes
    ----------
    tm_shift : float
        Change of the renal tubular maximum [mmol/L filtrate] (thiazide or loop diuretic).
    absorption_factor : float
        Multiplier on absorbed magnesium (PPI).
    urine_factor : float
        Multiplier on urinary magnesium (alcohol, diabetes).
    extra_urine_mmol : float
        Extra urinary loss [mmol/day] (caffeine).
    """

    tm_shift: float = 0.0
    absorption_factor: float = 1.0
    urine_factor: float = 1.0
    extra_urine_mmol: float = 0.0


def urine_mmol(c: float | FloatArray, mods: Modifiers = Modifiers()) -> Any:
    """Urinary magnesium [mmol/day] at serum concentration ``c`` [mmol/L]."""
    p = _params()
    uf = p["uf"] * np.asarray(c)
    tm = p["tm"] + mods.tm_shift
    soft = p["w"] * np.logaddexp(0.0, (uf - tm) / p["w"])
    return (p["gfr"] * (p["fe_min"] * uf + soft)) * mods.urine_factor + mods.extra_urine_mmol


def steady_state(absorbed_mg: float, mods: Modifiers = Modifiers()) -> dict[str, float]:
    """Steady state for a constant absorbed intake [mg/day].

    Returns
    -------
    dict
        ``serum_mmol_l``, ``urine_mg``, ``faecal_endogenous_mg``, pools ``P``, ``E``, ``B``
        [mmol].
    """
    if not math.isfinite(absorbed_mg) or absorbed_mg < 0:
        raise ValueError(f"absorbed magnesium must be 0 or more mg/day, got {absorbed_mg!r}")
    p = _params()
    a = absorbed_mg / p["mg_per_mmol"] * mods.absorption_factor

    def balance(c: float) -> float:
        return a - float(urine_mmol(c, mods)) - p["k_f"] * c

    c = 0.0 if balance(0.0) <= 0 else brentq(balance, 0.0, 5.0)
    e = p["k_e"] * c
    return {
        "serum_mmol_l": c,
        "urine_mg": float(urine_mmol(c, mods)) * p["mg_per_mmol"],
        "faecal_endogenous_mg": p["k_f"] * c * p["mg_per_mmol"],
        "P": c * p["v_eff"],
        "E": e,
        "B": p["k_sb"] * e / p["k_bs"],
    }


@dataclass(frozen=True, slots=True)
class Trajectory:
    """A simulated time course.

    Attributes
    ----------
    days : numpy.ndarray
    serum_mmol_l : numpy.ndarray
    exchangeable_mg : numpy.ndarray
        Magnesium in the three modelled pools [mg] (the rest of body Mg, mostly bone mineral,
        is not exchangeable on these time scales).
    urine_mg : numpy.ndarray
        Urinary magnesium [mg/day].
    total_body_mg : numpy.ndarray
        Exchangeable pools plus the non-exchangeable remainder of body magnesium (IOM 1997:
        about 25 g in all), which this model holds constant [mg].
    """

    days: FloatArray
    serum_mmol_l: FloatArray
    exchangeable_mg: FloatArray
    urine_mg: FloatArray
    total_body_mg: FloatArray

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "days": self.days.round(3).tolist(),
            "serum_mmol_l": self.serum_mmol_l.round(4).tolist(),
            "exchangeable_mg": self.exchangeable_mg.round(1).tolist(),
            "urine_mg": self.urine_mg.round(2).tolist(),
            "total_body_mg": self.total_body_mg.round(1).tolist(),
        }


def simulate(
    absorbed_mg: float,
    days: float,
    *,
    start_absorbed_mg: float | None = None,
    mods: Modifiers = Modifiers(),
    start_mods: Modifiers | None = None,
    points_per_day: int = 4,
) -> Trajectory:
    """Time course after a change of absorbed magnesium.

    Parameters
    ----------
    absorbed_mg : float
        Absorbed magnesium during the simulation [mg/day].
    days : float
        Duration [days].
    start_absorbed_mg : float, optional
        Absorbed magnesium before (the start is that steady state); default ``absorbed_mg``.
    mods, start_mods : Modifiers
        Modifiers during and before the simulation.
    points_per_day : int
        Output resolution.
    """
    if not (math.isfinite(days) and 0 < days <= 3650):
        raise ValueError("days must be between 0 and 3650")
    p = _params()
    s0 = steady_state(
        absorbed_mg if start_absorbed_mg is None else start_absorbed_mg,
        start_mods if start_mods is not None else mods,
    )
    a = max(absorbed_mg, 0.0) / p["mg_per_mmol"] * mods.absorption_factor

    def rhs(_t: float, y: FloatArray) -> FloatArray:
        pp, e, b = y
        c = pp / p["v_eff"]
        x = p["k_x"] * (e - p["k_e"] * c)
        sb = p["k_sb"] * e - p["k_bs"] * b
        return np.array([a - float(urine_mmol(c, mods)) - p["k_f"] * c + x, -x - sb, sb])

    t_eval = np.linspace(0.0, days, int(days * points_per_day) + 1)
    sol = solve_ivp(
        rhs,
        (0.0, days),
        [s0["P"], s0["E"], s0["B"]],
        method="Radau",
        t_eval=t_eval,
        rtol=1e-8,
        atol=1e-8,
    )
    if not sol.success:
        raise RuntimeError(f"integration failed: {sol.message}")
    c = sol.y[0] / p["v_eff"]
    exch = sol.y.sum(axis=0) * p["mg_per_mmol"]
    ref = steady_state_reference()
    fixed = float(_data()["pools"]["total_body_mg"]["value_g"]) * 1000.0 - ref
    return Trajectory(
        sol.t,
        c,
        exch,
        np.asarray(urine_mmol(c, mods)) * p["mg_per_mmol"],
        exch + fixed,
    )


@cache
def steady_state_reference() -> float:
    """Exchangeable magnesium [mg] at the reference state (serum 0.85 mmol/L)."""
    p = _params()
    e = p["k_e"] * 0.85
    return (0.85 * p["v_eff"] + e + p["k_sb"] * e / p["k_bs"]) * p["mg_per_mmol"]


def modifiers_for(profile: Any, caffeine_mg: float | None = None) -> tuple[Modifiers, list[str]]:
    """Model modifiers from a :class:`magnerve.profile.Profile` (with notes on what applied)."""
    mm = _data()["model_modifiers"]
    notes: list[str] = []
    classes = profile.medication_classes()
    tm_shift = 0.0
    if classes & {"thiazide_diuretic", "loop_diuretic"}:
        tm_shift = float(mm["diuretic_tm_shift"]["value"])
        notes.append("diuretic: lower renal threshold (low confidence)")
    absorption = 1.0
    if "ppi" in classes:
        absorption = float(_data()["modifiers"]["ppi"]["absorption_factor"]["value"])
        notes.append(f"PPI: absorption x {absorption:g} (low confidence)")
    urine = 1.0
    drinks = (profile.lifestyle.alcohol_drinks_per_week or 0.0) / 7.0
    if drinks > (1 if profile.person.sex == "female" else 2):
        urine *= float(mm["heavy_drinking_urine_factor"]["value"])
        notes.append("heavy drinking: more urinary loss (low confidence)")
    g = mm["poor_glycaemic_control_urine_factor"]
    hba1c = profile.health.hba1c_percent
    if profile.health.diabetes != "none" and hba1c is not None and hba1c >= g["hba1c_from_percent"]:
        urine *= float(g["value"])
        notes.append("poorly controlled diabetes: more urinary loss (low confidence)")
    caff = profile.lifestyle.caffeine_mg_per_day if caffeine_mg is None else caffeine_mg
    extra = (caff or 0.0) * float(mm["caffeine_mmol_per_mg"]["value"])
    return Modifiers(tm_shift, absorption, urine, extra), notes
