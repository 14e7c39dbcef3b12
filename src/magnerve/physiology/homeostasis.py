"""Whole-body magnesium homeostasis: a three-pool compartment model (adult).

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

The person enters in three ways (keyword arguments of :func:`simulate`; :func:`body_inputs`
reads them from a profile):

* ``egfr`` [mL/min/1.73 m²] sets ``GFR = 1.44 egfr`` [L/day]. eGFR is normalised to 1.73 m²
  body surface area and is **kept normalised** (height, needed for the surface area, is not in
  the profile). The tubular maximum is per litre of filtrate, so the maximal reabsorption falls
  with GFR: fractional excretion rises, and serum rises at low GFR for the same intake (serum Mg
  tends to rise from CKD stage 4, Oliveira et al. 2018). Without ``egfr`` the reference GFR of
  180 L/day (a young adult, about eGFR 125) is used, on which the model was calibrated.
* ``weight_kg`` [kg] scales the pools (``V_eff``, ``E``, ``B``) and the non-exchangeable
  remainder in proportion to body weight (per-kg values in the data file; ECF is about 20 % of
  body weight and exchangeable Mg is reported per kg, Avioli & Berman 1966). Renal and faecal
  clearances are not scaled, so weight changes *how fast* serum moves, not the steady state.
* ``initial_serum_mmol_l`` [mmol/L]: start from a measured serum instead of the model's steady
  state. Assumption: the tissue pools are in equilibrium with it (``E = K_e C0``,
  ``B = k_sb E / k_bs``), as if this serum had held for months.

Parameters, sources and confidence: ``data/homeostasis.toml`` (calibration section). It is a
model with stated uncertainty, not a prediction for a person. Solved with scipy's stiff
``Radau`` integrator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from magnerve._bounds import bound
from magnerve.registry import get_registry, registry_cache

if TYPE_CHECKING:  # pragma: no cover
    from magnerve._sections import HomeostasisData, HomeostasisModel

__all__ = [
    "BodyInputs",
    "Modifiers",
    "Trajectory",
    "body_inputs",
    "gfr_l_per_day",
    "modifiers_for",
    "simulate",
    "steady_state",
    "urine_mmol",
]

FloatArray = npt.NDArray[np.float64]


def _data() -> HomeostasisData:
    """The typed ``homeostasis.toml`` of the active registry."""
    return get_registry().section("homeostasis")


def _model() -> HomeostasisModel:
    return _data().model


def _reference_weight() -> float:
    return float(_data().reference_body_mass_kg)


def _reference_gfr() -> float:
    return float(_model().gfr)


def gfr_l_per_day(egfr: float | None = None) -> float:
    """Glomerular filtration rate used by the model [L/day].

    Parameters
    ----------
    egfr : float, optional
        Estimated GFR [mL/min/1.73 m²]; ``None`` gives the reference 180 L/day. The value is
        converted with 1.44 (L/day per mL/min) and kept normalised to 1.73 m² body surface area.
    """
    if egfr is None:
        return _reference_gfr()
    b = bound("profile.health.egfr")
    if not b.contains(egfr):
        raise ValueError(f"eGFR must be {b.describe()}, got {egfr!r}")
    return float(egfr) * float(_model().egfr_to_gfr)


def _weight(weight_kg: float | None) -> float:
    if weight_kg is None:
        return _reference_weight()
    b = bound("profile.person.weight_kg")
    if not b.contains(weight_kg):
        raise ValueError(f"body weight must be {b.describe()}, got {weight_kg!r}")
    return float(weight_kg)


@registry_cache
def _params(gfr: float | None = None, weight_kg: float | None = None) -> dict[str, float]:
    """Model constants for a GFR [L/day] and body weight [kg] (defaults: reference adult)."""
    d = _data()
    m = d.model
    w = _reference_weight() if weight_kg is None else weight_kg
    c_ref = float(m.pool_serum_mmol_l)  # serum at which the pools are sized
    e0 = float(m.e0_per_kg) * w
    b0 = float(m.b0_per_kg) * w
    k_bs = float(m.k_bs)
    return {
        "v_eff": float(m.v_eff_per_kg) * w,
        "tm": float(m.tm_c),
        "w": float(m.w),
        "fe_min": float(m.fe_min),
        "k_f": float(m.faecal_endogenous_k),
        "k_x": float(m.k_x),
        "k_bs": k_bs,
        "k_sb": k_bs * b0 / e0,
        "k_e": e0 / c_ref,
        "gfr": _reference_gfr() if gfr is None else gfr,
        "uf": float(m.ultrafilterable_fraction),
        "mg_per_mmol": float(d.mg_per_mmol),
        "total_body_mg": float(m.total_body_mg_per_kg) * w,
        "weight_kg": w,
    }


def _person(egfr: float | None, weight_kg: float | None) -> dict[str, float]:
    return _params(gfr_l_per_day(egfr), _weight(weight_kg))


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


def urine_mmol(
    c: float | FloatArray, mods: Modifiers = Modifiers(), *, egfr: float | None = None
) -> Any:
    """Urinary magnesium [mmol/day] at serum concentration ``c`` [mmol/L].

    Parameters
    ----------
    c : float or numpy.ndarray
        Total serum magnesium [mmol/L].
    mods : Modifiers
        Medicine and habit effects.
    egfr : float, optional
        Estimated GFR [mL/min/1.73 m²]; default the reference GFR (180 L/day).
    """
    return _urine(c, mods, _params(gfr_l_per_day(egfr)))


def _urine(c: float | FloatArray, mods: Modifiers, p: dict[str, float]) -> Any:
    uf = p["uf"] * np.asarray(c)
    tm = p["tm"] + mods.tm_shift
    soft = p["w"] * np.logaddexp(0.0, (uf - tm) / p["w"])
    return (p["gfr"] * (p["fe_min"] * uf + soft)) * mods.urine_factor + mods.extra_urine_mmol


def steady_state(
    absorbed_mg: float,
    mods: Modifiers = Modifiers(),
    *,
    egfr: float | None = None,
    weight_kg: float | None = None,
) -> dict[str, float]:
    """Steady state for a constant absorbed intake [mg/day].

    Parameters
    ----------
    absorbed_mg : float
        Absorbed magnesium [mg/day].
    mods : Modifiers
        Medicine and habit effects.
    egfr : float, optional
        Estimated GFR [mL/min/1.73 m²]; default the reference GFR (180 L/day). Lower eGFR gives
        a higher steady-state serum for the same intake.
    weight_kg : float, optional
        Body weight [kg]; default the reference adult (70 kg). Scales the pools only; the
        steady-state serum and urine do not depend on it.

    Returns
    -------
    dict
        ``serum_mmol_l``, ``urine_mg``, ``faecal_endogenous_mg``, pools ``P``, ``E``, ``B``
        [mmol].
    """
    if not math.isfinite(absorbed_mg) or absorbed_mg < 0:
        raise ValueError(f"absorbed magnesium must be 0 or more mg/day, got {absorbed_mg!r}")
    p = _person(egfr, weight_kg)
    a = absorbed_mg / p["mg_per_mmol"] * mods.absorption_factor

    def balance(c: float) -> float:
        return a - float(_urine(c, mods, p)) - p["k_f"] * c

    c = 0.0
    if balance(0.0) > 0:
        hi = 5.0
        while balance(hi) > 0:  # very low GFR: serum can exceed 5 mmol/L in the model
            hi *= 2.0
        from scipy.optimize import brentq

        c = brentq(balance, 0.0, hi)
    return {
        "serum_mmol_l": c,
        "urine_mg": float(_urine(c, mods, p)) * p["mg_per_mmol"],
        "faecal_endogenous_mg": p["k_f"] * c * p["mg_per_mmol"],
        **_pools(c, p),
    }


def _pools(c: float, p: dict[str, float]) -> dict[str, float]:
    """Pools [mmol] in equilibrium with serum ``c`` [mmol/L]."""
    e = p["k_e"] * c
    return {"P": c * p["v_eff"], "E": e, "B": p["k_sb"] * e / p["k_bs"]}


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
    egfr: float | None = None,
    weight_kg: float | None = None,
    initial_serum_mmol_l: float | None = None,
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
        Ignored when ``initial_serum_mmol_l`` is given.
    mods, start_mods : Modifiers
        Modifiers during and before the simulation.
    points_per_day : int
        Output resolution.
    egfr : float, optional
        Estimated GFR [mL/min/1.73 m²], kept normalised to 1.73 m²; default the reference GFR
        (180 L/day).
    weight_kg : float, optional
        Body weight [kg]; scales the pools (default: reference adult, 70 kg).
    initial_serum_mmol_l : float, optional
        Measured serum magnesium [mmol/L] at day 0. The tissue pools start in equilibrium with
        it (an assumption); default: the steady state of ``start_absorbed_mg``.
    """
    if not (math.isfinite(days) and 0 < days <= 3650):
        raise ValueError("days must be between 0 and 3650")
    p = _person(egfr, weight_kg)
    if initial_serum_mmol_l is not None:
        b = bound("profile.labs.serum_magnesium")
        if not b.contains(initial_serum_mmol_l):
            raise ValueError(f"initial serum must be {b.describe()}, got {initial_serum_mmol_l!r}")
        s0 = _pools(float(initial_serum_mmol_l), p)
    else:
        s0 = steady_state(
            absorbed_mg if start_absorbed_mg is None else start_absorbed_mg,
            start_mods if start_mods is not None else mods,
            egfr=egfr,
            weight_kg=weight_kg,
        )
    a = max(absorbed_mg, 0.0) / p["mg_per_mmol"] * mods.absorption_factor

    def rhs(_t: float, y: FloatArray) -> FloatArray:
        pp, e, b = y
        c = pp / p["v_eff"]
        x = p["k_x"] * (e - p["k_e"] * c)
        sb = p["k_sb"] * e - p["k_bs"] * b
        return np.array([a - float(_urine(c, mods, p)) - p["k_f"] * c + x, -x - sb, sb])

    t_eval = np.linspace(0.0, days, int(days * points_per_day) + 1)
    from scipy.integrate import solve_ivp

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
    fixed = p["total_body_mg"] - steady_state_reference(p["weight_kg"])
    return Trajectory(
        sol.t,
        c,
        exch,
        np.asarray(_urine(c, mods, p)) * p["mg_per_mmol"],
        exch + fixed,
    )


@registry_cache
def steady_state_reference(weight_kg: float | None = None) -> float:
    """Exchangeable magnesium [mg] at the reference state (serum in the middle of the reference
    interval, ``pools.serum_reference_range`` of ``homeostasis.toml``: 0.85 mmol/L).

    Parameters
    ----------
    weight_kg : float, optional
        Body weight [kg]; default the reference adult (70 kg).
    """
    p = _params(None, _weight(weight_kg))
    return sum(_pools(float(_model().pool_serum_mmol_l), p).values()) * p["mg_per_mmol"]


@dataclass(frozen=True, slots=True)
class BodyInputs:
    """The person's inputs to the model and where each came from.

    Attributes
    ----------
    egfr : float or None
        Estimated GFR [mL/min/1.73 m²]; ``None``: reference GFR.
    gfr_l_per_day : float
        GFR used [L/day] (normalised to 1.73 m²).
    gfr_source : str
        ``"eGFR"`` or ``"reference adult"``.
    egfr_source : str
        Where the eGFR came from (``"profile"``, an assessment's source, or ``""``).
    weight_kg : float
        Body weight used [kg].
    weight_source : str
        ``"profile"`` or ``"reference adult"``.
    initial_serum_mmol_l : float or None
        Measured serum magnesium [mmol/L] to start from; ``None``: model steady state.
    initial_serum_source : str
        ``"measured"`` or ``"model steady state"``.
    notes : tuple of str
        Caveats (e.g. kidney failure).
    """

    egfr: float | None
    gfr_l_per_day: float
    gfr_source: str
    egfr_source: str
    weight_kg: float
    weight_source: str
    initial_serum_mmol_l: float | None
    initial_serum_source: str
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line for the terminal."""
        g = (
            f"GFR {self.gfr_l_per_day:.0f} L/day (eGFR {self.egfr:.0f} x 1.44, per 1.73 m²)"
            if self.egfr is not None
            else f"GFR {self.gfr_l_per_day:.0f} L/day (reference adult)"
        )
        s = (
            f"start at measured serum {self.initial_serum_mmol_l:.2f} mmol/L"
            if self.initial_serum_mmol_l is not None
            else "start at the model steady state"
        )
        return f"{g}; {self.weight_kg:g} kg ({self.weight_source}); {s}"

    def to_dict(self, start_serum_mmol_l: float | None = None) -> dict[str, Any]:
        """JSON keys ``gfr_l_per_day``, ``weight_kg``, ``initial_serum_mmol_l``.

        ``start_serum_mmol_l`` is the simulated day-0 serum [mmol/L], reported when no
        measured value was given.
        """
        serum = (
            self.initial_serum_mmol_l
            if self.initial_serum_mmol_l is not None
            else start_serum_mmol_l
        )
        return {
            "gfr_l_per_day": {
                "value": round(self.gfr_l_per_day, 2),
                "source": self.gfr_source,
                "egfr_ml_min_1_73m2": None if self.egfr is None else round(self.egfr, 1),
                "egfr_source": self.egfr_source or None,
                "note": "eGFR x 1.44, kept normalised to 1.73 m² body surface area"
                if self.egfr is not None
                else "reference young adult (about eGFR 125); no eGFR known",
                "notes": list(self.notes),
            },
            "weight_kg": {"value": self.weight_kg, "source": self.weight_source},
            "initial_serum_mmol_l": {
                "value": None if serum is None else round(serum, 4),
                "source": self.initial_serum_source,
            },
        }


def body_inputs(
    profile: Any, egfr: float | None = None, egfr_source: str | None = None
) -> BodyInputs:
    """Model inputs from a :class:`magnerve.profile.Profile`.

    Parameters
    ----------
    profile : magnerve.profile.Profile
        Uses ``person.weight_kg`` [kg], ``health.egfr`` [mL/min/1.73 m²] and the lab
        ``serum_magnesium`` [mmol/L].
    egfr : float, optional
        eGFR [mL/min/1.73 m²] from an assessment (e.g. CKD-EPI from creatinine); overrides the
        profile's ``health.egfr``.
    egfr_source : str, optional
        Where ``egfr`` came from (added to the notes).
    """
    if egfr is None:
        egfr = profile.health.egfr
        egfr_source = "profile" if egfr is not None else ""
    notes: list[str] = []
    if egfr is not None:
        g5 = float(_model().kidney_failure_egfr)
        if egfr < g5:
            notes.append(
                f"eGFR below {g5:g}: kidney failure; dialysis, which sets serum magnesium in "
                "that case, is not modelled"
            )
    weight = profile.person.weight_kg
    serum = profile.labs.value("serum_magnesium")
    return BodyInputs(
        egfr=egfr,
        gfr_l_per_day=gfr_l_per_day(egfr),
        gfr_source="reference adult" if egfr is None else "eGFR",
        egfr_source=egfr_source or "",
        weight_kg=_weight(weight),
        weight_source="reference adult" if weight is None else "profile",
        initial_serum_mmol_l=serum,
        initial_serum_source="model steady state" if serum is None else "measured",
        notes=tuple(notes),
    )


def modifiers_for(profile: Any, caffeine_mg: float | None = None) -> tuple[Modifiers, list[str]]:
    """Model modifiers from a :class:`magnerve.profile.Profile` (with notes on what applied)."""
    from magnerve.profile import medication_group

    mm = _model()
    notes: list[str] = []
    classes = profile.medication_classes()
    tm_shift = 0.0
    if classes & medication_group("magnesium_wasting_diuretics"):
        tm_shift = float(mm.diuretic_tm_shift)
        notes.append("diuretic: lower renal threshold (low confidence)")
    absorption = 1.0
    if "ppi" in classes:
        absorption = float(mm.ppi_absorption_factor)
        notes.append(f"PPI: absorption x {absorption:g} (low confidence)")
    urine = 1.0
    drinks = (profile.lifestyle.alcohol_drinks_per_week or 0.0) / 7.0
    heavy = get_registry().section("clinical_markers").mds.drinks_per_day_above
    if drinks > heavy[profile.person.sex]:  # the MDS definition of heavy drinking
        urine *= float(mm.heavy_drinking_urine_factor)
        notes.append("heavy drinking: more urinary loss (low confidence)")
    hba1c = profile.health.hba1c_percent
    poor = mm.poor_glycaemic_control_hba1c_from_percent
    if profile.health.diabetes != "none" and hba1c is not None and hba1c >= poor:
        urine *= float(mm.poor_glycaemic_control_urine_factor)
        notes.append("poorly controlled diabetes: more urinary loss (low confidence)")
    caff = profile.lifestyle.caffeine_mg_per_day if caffeine_mg is None else caffeine_mg
    extra = (caff or 0.0) * float(mm.caffeine_mmol_per_mg)
    return Modifiers(tm_shift, absorption, urine, extra), notes
