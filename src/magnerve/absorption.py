"""Magnesium absorption per eating occasion.

Model (structure of Fine et al. 1991): the magnesium absorbed from one eating occasion with
load ``I`` [mg] is a saturable plus a linear term,

    A(I) = Vmax * I / (Km + I) + k * I

so fractional absorption falls as the load grows, and divided doses are absorbed better
than one large dose. Modifiers multiply parts of the occasion:

* phytate in the occasion: ``1 - r * phytate_mmol`` (Bohn et al. 2004), held at its value at
  the highest measured dose beyond it; phytate per food is an *estimate* from the SR28 food
  group and description (``phytate_content`` in ``data/absorption.toml``);
* water magnesium taken with a meal: x 1.144 relative to water alone (Sabatier et al. 2002);
* poorly soluble supplement salts (oxide, hydroxide, carbonate): x 0.44 (low confidence);
* enteric coating and high-dose zinc: reduce absorption in the sources, but with no size
  published, so they are flagged, not quantified.

The reference-equivalent intake expresses absorbed magnesium at the fractional absorption
of a reference pattern (the EAR eaten in 3 equal meals, no modifiers), so that it can be
compared with the EAR and RDA.

All parameters and their sources: ``data/absorption.toml``.

References
----------
.. [1] Fine KD, Santa Ana CA, Porter JL, Fordtran JS. Intestinal absorption of magnesium from
   food and supplements. J Clin Invest 1991;88:396-402.
.. [2] Bohn T, Davidsson L, Walczyk T, Hurrell RF. Phytic acid added to white-wheat bread
   inhibits fractional apparent magnesium absorption in humans. Am J Clin Nutr
   2004;79:418-423.
.. [3] Sabatier M, Arnaud MJ, Kastenmayer P, Rytz A, Barclay DV. Meal effect on magnesium
   bioavailability from mineral water in healthy women. Am J Clin Nutr 2002;75:65-71.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast, overload

import numpy as np
import numpy.typing as npt

from magnerve._numeric import ArrayInput as _Array
from magnerve._numeric import FloatArray
from magnerve._numeric import any_array as _any_array
from magnerve._numeric import float_array as _float_array
from magnerve._numeric import raise_at as _raise_at
from magnerve.registry import get_registry, registry_cache

__all__ = [
    "Dose",
    "Occasion",
    "OccasionAbsorption",
    "OccasionsAbsorption",
    "absorb_occasion",
    "absorb_occasions",
    "absorbed_mg",
    "divided",
    "parameters",
    "phytate_factor",
    "phytate_mg",
    "reference_fraction",
    "reference_phytate_mg_per_day",
    "sensitivity_ratio",
]


@dataclass(frozen=True, slots=True)
class Parameters:
    """Model parameters (see ``data/absorption.toml`` [model])."""

    vmax: float
    km: float
    linear: float
    phytate_per_mmol: float
    phytate_max_mmol: float
    phytic_acid_molar_mass: float
    water_with_meal: float
    poorly_soluble: float
    poorly_soluble_forms: tuple[str, ...]
    water_serving_l: float
    reference_meals: int
    fa_max: float
    water_alone_fa: float
    oxalate_factor: float
    oxalate_range: tuple[float, float]
    sensitivity_band: tuple[float, float]


@registry_cache
def parameters() -> Parameters:
    """The model parameters from ``data/absorption.toml`` (its typed, validated section)."""
    m = get_registry().section("absorption").model
    return Parameters(
        vmax=float(m.vmax),
        km=float(m.km),
        linear=float(m.linear_fraction),
        phytate_per_mmol=float(m.phytate_relative_reduction_per_mmol),
        phytate_max_mmol=float(m.phytate_max_mmol_measured),
        phytic_acid_molar_mass=float(m.phytic_acid_molar_mass),
        water_with_meal=float(m.water_with_meal_factor),
        poorly_soluble=float(m.poorly_soluble_salt_factor),
        poorly_soluble_forms=m.poorly_soluble_forms,
        water_serving_l=float(m.water_serving_l),
        reference_meals=int(float(m.meals_per_day_reference)),
        fa_max=float(m.fractional_absorption_max),
        water_alone_fa=float(m.water_between_meals_fa),
        oxalate_factor=float(m.oxalate_relative_absorption),
        oxalate_range=_pair(m.oxalate_relative_absorption.range),
        sensitivity_band=_pair(m.sensitivity_band.value),
    )


def _pair(v: object) -> tuple[float, float]:
    """A validated ``[low, high]`` pair as floats."""
    lo, hi = cast(tuple[float, float], v)
    return float(lo), float(hi)


@overload
def absorbed_mg(load_mg: float, *, vmax: float | None = None, km: float | None = None) -> float: ...
@overload
def absorbed_mg(
    load_mg: _Array, *, vmax: float | _Array | None = None, km: float | _Array | None = None
) -> FloatArray: ...
@overload
def absorbed_mg(
    load_mg: npt.ArrayLike, *, vmax: npt.ArrayLike | None = None, km: npt.ArrayLike | None = None
) -> float | FloatArray: ...
def absorbed_mg(
    load_mg: npt.ArrayLike, *, vmax: npt.ArrayLike | None = None, km: npt.ArrayLike | None = None
) -> float | FloatArray:
    """Magnesium absorbed from one eating occasion, before modifiers [mg].

    ``Vmax * I / (Km + I) + k * I`` (Fine et al. 1991 structure).

    Parameters
    ----------
    load_mg : numeric
        Magnesium in the occasion [mg]; 0 or more.
    vmax, km : numeric, optional
        Override the saturable-term parameters [mg] (for sensitivity analysis); broadcast
        against ``load_mg``.

    Returns
    -------
    numeric
        Absorbed magnesium [mg]: a float for scalar input, else a float64 ndarray of the
        broadcast shape (0-d arrays stay 0-d).

    Raises
    ------
    ValueError
        A load that is negative or not finite (for arrays, naming its first index).

    Examples
    --------
    >>> round(absorbed_mg(100.0), 2)
    34.68
    >>> absorbed_mg([0.0, 100.0]).round(2)
    array([ 0.  , 34.68])
    """
    if not _any_array(load_mg, vmax, km):
        return _absorbed_scalar(
            cast(float, load_mg), cast(float | None, vmax), cast(float | None, km)
        )
    p = parameters()
    x = _float_array(load_mg)
    _raise_at(~(np.isfinite(x) & (x >= 0)), x, "magnesium load must be 0 or more mg, got {!r}")
    v = p.vmax if vmax is None else _float_array(vmax)
    k = p.km if km is None else _float_array(km)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = v * x / (k + x) + p.linear * x
    return np.asarray(np.where(x == 0, 0.0, out), dtype=np.float64)


def _absorbed_scalar(load_mg: float, vmax: float | None, km: float | None) -> float:
    if not math.isfinite(load_mg) or load_mg < 0:
        raise ValueError(f"magnesium load must be 0 or more mg, got {load_mg!r}")
    p = parameters()
    v = p.vmax if vmax is None else vmax
    k = p.km if km is None else km
    if load_mg == 0:
        return 0.0
    return float(v * load_mg / (k + load_mg) + p.linear * load_mg)


@overload
def phytate_factor(phytate_mmol: float) -> float: ...
@overload
def phytate_factor(phytate_mmol: _Array) -> FloatArray: ...
@overload
def phytate_factor(phytate_mmol: npt.ArrayLike) -> float | FloatArray: ...
def phytate_factor(phytate_mmol: npt.ArrayLike) -> float | FloatArray:
    """Multiplier on magnesium absorbed from an occasion with this much phytic acid
    (linear fit to Bohn et al. 2004, held constant beyond the highest measured dose).

    Parameters
    ----------
    phytate_mmol : numeric
        Phytic acid in the occasion [mmol]; 0 or more.

    Returns
    -------
    numeric
        Multiplier [-]: a float for scalar input, else a float64 ndarray of the same shape.

    Raises
    ------
    ValueError
        Phytate negative or not finite (for arrays, naming the first bad index).
    """
    p = parameters()
    if not _any_array(phytate_mmol):
        x0 = cast(float, phytate_mmol)
        if not math.isfinite(x0) or x0 < 0:
            raise ValueError(f"phytate must be 0 or more mmol, got {x0!r}")
        return float(1.0 - p.phytate_per_mmol * min(x0, p.phytate_max_mmol))
    x = _float_array(phytate_mmol)
    _raise_at(~(np.isfinite(x) & (x >= 0)), x, "phytate must be 0 or more mmol, got {!r}")
    return np.asarray(
        1.0 - p.phytate_per_mmol * np.minimum(x, p.phytate_max_mmol), dtype=np.float64
    )


# -- phytate estimate per food ---------------------------------------------------------------

_SOY = ("soy", "tofu", "tempeh", "miso", "natto", "edamame")
_SEEDS = ("seed", "sesame", "tahini", "flax", "chia", "linseed")
_BRAN = ("bran",)
_COCOA = ("cocoa", "chocolate")
_ANIMAL = {"0100", "0500", "0700", "1000", "1300", "1500", "1700"}


@registry_cache.bounded(16384)
def _phytate_category(description: str, group: str) -> str | None:
    """Phytate category of a food (``phytate_content`` in ``data/absorption.toml``), or None.

    Cached: a diary names the same foods again and again (a 10-year diary has about 38,000
    lines and a few dozen foods).
    """
    d = description.lower()
    if group in _ANIMAL:
        return "animal_foods"
    if group == "0400":
        return "fats_oils"
    if group == "0900":
        return "fruits"
    if group == "1100":
        return "vegetables"
    if group == "1200":
        return "seeds" if any(w in d for w in _SEEDS) else "nuts"
    if group == "1600":
        if "peanut" in d:
            return "nuts"
        return "soy_products" if any(w in d for w in _SOY) else "legumes"
    if group == "1900":
        return "cocoa" if any(w in d for w in _COCOA) else None
    if group in ("0800", "1800", "2000"):
        from magnerve.interactions import classify_grain

        if any(w in d for w in _BRAN):
            return "bran_and_bran_cereals"
        kind = classify_grain(description, group)
        return "whole_grain_products" if kind == "whole" else "refined_grain_products"
    return None  # mixed dishes, beverages, snacks, baby foods: unknown


def phytate_mg(
    description: str, group: str, grams: float, water_g_per_100g: float | None
) -> float | None:
    """Estimated phytic acid in a food portion [mg], or None when no estimate exists.

    Typical phytate per 100 g dry matter of the food's category (``phytate_content`` in
    ``data/absorption.toml``, low-to-medium confidence) x dry matter from the SR28 water
    content. An *estimate*: reported as such.
    """
    cat = _phytate_category(description, group)
    if cat is None:
        return None
    per100_dm = float(get_registry().section("absorption").phytate_content[cat])
    if per100_dm == 0:
        return 0.0
    if water_g_per_100g is None or not math.isfinite(water_g_per_100g):
        return None
    dry = max(0.0, 100.0 - water_g_per_100g) / 100.0
    return grams * dry * per100_dm / 100.0


# -- occasions --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dose:
    """A supplement dose taken at an occasion.

    Attributes
    ----------
    mg : float
        Elemental magnesium [mg].
    form : str or None
        Salt form ("citrate", "oxide", ...).
    enteric_coated : bool
    """

    mg: float
    form: str | None = None
    enteric_coated: bool = False


@dataclass(frozen=True, slots=True)
class Occasion:
    """An eating or drinking occasion.

    Attributes
    ----------
    label : str
    food_mg : float
        Magnesium from food [mg].
    water_mg : float
        Magnesium from drinking water [mg].
    doses : tuple of Dose
        Supplement doses taken at this occasion.
    phytate_mg : float or None
        Estimated phytic acid in the occasion [mg]; None if unknown for some foods.
    is_meal : bool
        True for a meal (food present); False for water or supplements alone.
    oxalate_food_mg : float
        The part of ``food_mg`` from oxalate-rich foods (spinach, chard ...) [mg].
    """

    label: str
    food_mg: float = 0.0
    water_mg: float = 0.0
    doses: tuple[Dose, ...] = ()
    phytate_mg: float | None = 0.0
    is_meal: bool = True
    oxalate_food_mg: float = 0.0


@dataclass(frozen=True, slots=True)
class OccasionAbsorption:
    """Absorbed magnesium from one occasion, split by source.

    Attributes
    ----------
    label : str
    intake_mg : float
    absorbed_mg : float
    absorbed_food_mg, absorbed_water_mg, absorbed_supplement_mg : float
    fraction : float
        absorbed / intake (0 when intake is 0).
    factors : dict
        Modifier name -> multiplier applied.
    flags : list of str
        Effects known to exist but not quantified (enteric coating ...).
    """

    label: str
    intake_mg: float
    absorbed_mg: float
    absorbed_food_mg: float
    absorbed_water_mg: float
    absorbed_supplement_mg: float
    fraction: float
    factors: dict[str, float] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)


def absorb_occasion(
    occ: Occasion,
    *,
    vmax: float | None = None,
    km: float | None = None,
    oxalate_factor: float | None = None,
) -> OccasionAbsorption:
    """Magnesium absorbed from one occasion with the modifiers of the model.

    The saturable route is shared by everything in the occasion (food, water, supplement
    doses), so the absorbed amount is computed for the total load and attributed to each
    source in proportion to its load, then each source's modifiers are applied.

    Fractional absorption is capped at measured values: never above the highest fraction
    Fine et al. (1991) measured (65 %), and water at its measured fraction (45.7 % alone,
    x 1.144 with a meal: Sabatier et al. 2002). Magnesium from oxalate-rich foods is absorbed
    at ``oxalate_factor`` (default: Bohn et al. 2004, spinach vs kale meal) of the rest.

    Parameters
    ----------
    occ : Occasion
    vmax, km : float, optional
        Override the saturable-term parameters [mg] (sensitivity analysis).
    oxalate_factor : float, optional
        Override the relative absorption of magnesium from oxalate-rich foods (0-1].
    """
    p = parameters()
    supp_total = sum(d.mg for d in occ.doses)
    total = occ.food_mg + occ.water_mg + supp_total
    if total <= 1e-12:  # nothing (or a denormal speck) to absorb
        return OccasionAbsorption(occ.label, total, 0.0, 0.0, 0.0, 0.0, 0.0)
    base = absorbed_mg(total, vmax=vmax, km=km)
    share = min(base / total, p.fa_max)
    factors: dict[str, float] = {}
    flags: list[str] = []
    phy = 1.0
    if occ.phytate_mg:
        phy = phytate_factor(occ.phytate_mg / p.phytic_acid_molar_mass)
        factors["phytate"] = phy
        if occ.phytate_mg / p.phytic_acid_molar_mass > p.phytate_max_mmol:
            flags.append("phytate above the highest measured dose: effect held at that dose")
    ox = p.oxalate_factor if oxalate_factor is None else oxalate_factor
    ox_mg = min(max(occ.oxalate_food_mg, 0.0), occ.food_mg)
    if ox_mg > 0:
        factors["oxalate"] = ox
    food = (occ.food_mg - ox_mg * (1.0 - ox)) * share * phy
    water_factor = p.water_with_meal if occ.is_meal and occ.water_mg > 0 else 1.0
    if water_factor != 1.0:
        factors["water_with_meal"] = water_factor
    water_share = min(share, p.water_alone_fa)  # water never above Sabatier's measured FA
    if occ.water_mg > 0 and water_share < share:
        factors["water_measured_fa_cap"] = p.water_alone_fa
    water = occ.water_mg * water_share * water_factor * (phy if occ.is_meal else 1.0)
    supp = 0.0
    for d in occ.doses:
        f = p.poorly_soluble if (d.form or "").lower() in p.poorly_soluble_forms else 1.0
        if f != 1.0:
            factors[f"{d.form}_salt"] = f
        if d.enteric_coated:
            flags.append(
                "enteric-coated magnesium is absorbed much less (Fine 1991; size not quantified)"
            )
        supp += d.mg * share * f * (phy if occ.is_meal else 1.0)
    absorbed = food + water + supp
    return OccasionAbsorption(
        occ.label, total, absorbed, food, water, supp, absorbed / total, factors, flags
    )


@dataclass(frozen=True, slots=True)
class OccasionsAbsorption:
    """Absorbed magnesium of many occasions (:func:`absorb_occasions`), one element each.

    Attributes
    ----------
    intake_mg, absorbed_mg : numpy.ndarray
        Magnesium in and absorbed from each occasion [mg].
    absorbed_food_mg, absorbed_water_mg, absorbed_supplement_mg : numpy.ndarray
        Absorbed magnesium by source [mg].
    flags : frozenset of str
        Every flag raised by any occasion (effects known but not quantified).
    """

    intake_mg: FloatArray
    absorbed_mg: FloatArray
    absorbed_food_mg: FloatArray
    absorbed_water_mg: FloatArray
    absorbed_supplement_mg: FloatArray
    flags: frozenset[str]


def absorb_occasions(
    occasions: Sequence[Occasion],
    *,
    vmax: float | None = None,
    km: float | None = None,
    oxalate_factor: float | None = None,
) -> OccasionsAbsorption:
    """:func:`absorb_occasion` for many occasions at once.

    Occasions without supplement doses (meals, water) are computed as arrays with the same
    operations in the same order as the scalar function, so each element equals its scalar
    result; occasions with doses go through :func:`absorb_occasion`.

    Parameters
    ----------
    occasions : sequence of Occasion
    vmax, km : float, optional
        Override the saturable-term parameters [mg] (sensitivity analysis).
    oxalate_factor : float, optional
        Override the relative absorption of magnesium from oxalate-rich foods (0-1].

    Returns
    -------
    OccasionsAbsorption
    """
    p = parameters()
    n = len(occasions)
    out = np.zeros((5, n))
    flags: set[str] = set()
    plain = [i for i, o in enumerate(occasions) if not o.doses]
    for i, o in enumerate(occasions):
        if o.doses:
            r = absorb_occasion(o, vmax=vmax, km=km, oxalate_factor=oxalate_factor)
            out[:, i] = (
                r.intake_mg,
                r.absorbed_mg,
                r.absorbed_food_mg,
                r.absorbed_water_mg,
                r.absorbed_supplement_mg,
            )
            flags.update(r.flags)
    if plain:
        occ = [occasions[i] for i in plain]
        food = np.array([o.food_mg for o in occ], dtype=np.float64)
        water = np.array([o.water_mg for o in occ], dtype=np.float64)
        phytate = np.array([o.phytate_mg or 0.0 for o in occ], dtype=np.float64)
        ox_food = np.array([o.oxalate_food_mg for o in occ], dtype=np.float64)
        meal = np.array([o.is_meal for o in occ], dtype=bool)
        total = food + water + 0  # as the scalar path: food + water + (no doses: 0)
        some = total > 1e-12  # nothing (or a denormal speck) to absorb
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(total) | (
                some & (phytate != 0) & ~(np.isfinite(phytate) & (phytate >= 0))
            )
        if bad.any():  # the scalar path raises the error, with its message
            absorb_occasion(occ[int(np.argmax(bad))], vmax=vmax, km=km)
        v = p.vmax if vmax is None else vmax
        k = p.km if km is None else km
        with np.errstate(divide="ignore", invalid="ignore"):
            base = np.where(total == 0, 0.0, v * total / (k + total) + p.linear * total)
            share = np.minimum(base / total, p.fa_max)
        mmol = phytate / p.phytic_acid_molar_mass
        phy = np.where(
            phytate != 0, 1.0 - p.phytate_per_mmol * np.minimum(mmol, p.phytate_max_mmol), 1.0
        )
        if (some & (phytate != 0) & (mmol > p.phytate_max_mmol)).any():
            flags.add("phytate above the highest measured dose: effect held at that dose")
        ox = p.oxalate_factor if oxalate_factor is None else oxalate_factor
        ox_mg = np.minimum(np.maximum(ox_food, 0.0), food)
        food_abs = (food - ox_mg * (1.0 - ox)) * share * phy
        water_factor = np.where(meal & (water > 0), p.water_with_meal, 1.0)
        water_share = np.minimum(share, p.water_alone_fa)
        water_abs = water * water_share * water_factor * np.where(meal, phy, 1.0)
        supp = np.zeros(len(occ))
        absorbed = food_abs + water_abs + supp
        zero = np.zeros(len(occ))
        out[:, plain] = (
            total,
            np.where(some, absorbed, zero),
            np.where(some, food_abs, zero),
            np.where(some, water_abs, zero),
            zero,
        )
    return OccasionsAbsorption(out[0], out[1], out[2], out[3], out[4], frozenset(flags))


def reference_phytate_mg_per_day(age: float | None = None) -> float:
    """Phytic acid of the reference mixed diet for an age [mg/day] (UK NDNS medians,
    Amirabdollahian & Ash 2010); adults when ``age`` is None."""
    model = get_registry().section("absorption").model
    if age is not None:
        for r in model.reference_phytate_by_age:
            if r.age_min <= age < r.age_max:
                return float(r.value)
    return float(model.reference_phytate_mg_per_day)


def reference_fraction(
    ear_mg: float, *, km: float | None = None, age: float | None = None
) -> float:
    """Fractional absorption of the reference pattern: the EAR eaten in equal meals (3 by
    default) of an ordinary mixed diet, with its typical phytate.

    The EAR comes from balance studies on ordinary mixed diets, so its baseline already
    includes typical phytate, oxalate and fibre. Reference-equivalent intake = absorbed / this
    fraction, so an ordinary or whole-food diet is not penalised twice.

    Parameters
    ----------
    ear_mg : float
        Estimated Average Requirement [mg/day].
    km : float, optional
        Override the half-saturation constant [mg].
    age : float, optional
        Age [years]: sets the reference diet's phytate (adults when None).

    Returns
    -------
    float
        Fraction of the EAR absorbed (0-1).
    """
    if not math.isfinite(ear_mg) or ear_mg <= 0:
        raise ValueError(f"EAR must be more than 0 mg, got {ear_mg!r}")
    p = parameters()
    n = p.reference_meals
    meal = Occasion(
        "reference meal", food_mg=ear_mg / n, phytate_mg=reference_phytate_mg_per_day(age) / n
    )
    return n * absorb_occasion(meal, km=km).absorbed_mg / ear_mg


def sensitivity_ratio(
    absorbed_mg_per_day: float,
    intake_mg_per_day: float,
    ear_mg: float,
    *,
    age: float | None = None,
) -> float:
    """Ratio of the person's modelled fractional absorption to the reference pattern's,
    limited to the stated band (``model.sensitivity_band`` in ``data/absorption.toml``).

    Adequacy's verdict is intake against the EAR (IOM 2000); this ratio scales intake for the
    absorption *sensitivity* ("if your meals absorb less than usual ...").

    Parameters
    ----------
    absorbed_mg_per_day, intake_mg_per_day : float
        Modelled absorbed magnesium and total intake [mg/day].
    ear_mg : float
        EAR [mg/day] that sets the reference pattern.
    age : float, optional
        Age [years] (reference diet's phytate).
    """
    if intake_mg_per_day <= 0 or not math.isfinite(absorbed_mg_per_day):
        return 1.0
    lo, hi = parameters().sensitivity_band
    r = (absorbed_mg_per_day / intake_mg_per_day) / reference_fraction(ear_mg, age=age)
    return min(max(r, lo), hi)


def divided(total_mg: float, n: int) -> Sequence[Occasion]:
    """``n`` equal supplement-only occasions of a total dose (for comparisons)."""
    return [Occasion(f"dose {i + 1}", doses=(Dose(total_mg / n),), is_meal=False) for i in range(n)]
