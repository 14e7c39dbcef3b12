"""Energy reporting plausibility: basal metabolic rate and the Goldberg cut-off.

A diary that reports too little energy for the person's size reports too little magnesium too.
:func:`energy_reporting` compares reported energy with the basal metabolic rate (Schofield 1985)
and flags probable under-reporting below the Goldberg cut-off (Goldberg 1991; Black 2000).
Constants and sources: ``data/energy.toml``.

References
----------
.. [1] Schofield WN. Predicting basal metabolic rate, new standards and review of previous
   work. Hum Nutr Clin Nutr 1985;39 Suppl 1:5-41.
.. [2] Goldberg GR, Black AE, Jebb SA, et al. Critical evaluation of energy intake data using
   fundamental principles of energy physiology. Eur J Clin Nutr 1991;45:569-581.
.. [3] Black AE. Critical evaluation of energy intake using the Goldberg cut-off for energy
   intake:basal metabolic rate. Int J Obes 2000;24:1119-1130.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from magnerve.registry import get_registry

if TYPE_CHECKING:  # pragma: no cover
    from magnerve._sections import EnergyData

__all__ = ["EnergyReporting", "bmr_schofield", "energy_reporting", "goldberg_cutoff"]


def _data() -> EnergyData:
    """The typed ``energy.toml`` of the active registry."""
    return get_registry().section("energy")


def bmr_schofield(weight_kg: float, age: float, sex: str) -> float:
    """Basal metabolic rate from body weight, Schofield (1985) [kcal/day].

    Parameters
    ----------
    weight_kg : float
        Body weight [kg].
    age : float
        Age [years].
    sex : {"female", "male"}

    Examples
    --------
    >>> round(bmr_schofield(70, 40, "male"))
    1676
    """
    if not (math.isfinite(weight_kg) and weight_kg > 0):
        raise ValueError(f"weight must be more than 0 kg, got {weight_kg!r}")
    for r in _data().schofield:
        if r.sex == sex and r.age_min <= age < r.age_max:
            return float(r.a * weight_kg + r.b)
    raise ValueError(f"no Schofield equation for sex {sex!r}, age {age!r}")


def goldberg_cutoff(n_days: int) -> float:
    """Lower 95 % limit of reported energy / BMR for one person with ``n_days`` of records.

    ``PAL * exp(SDmin * S / 100)``, ``S = sqrt(CV_wEI**2 / d + CV_wB**2 + CV_tP**2)``
    (Goldberg 1991, Black 2000 constants).
    """
    if n_days < 1:
        raise ValueError("n_days must be 1 or more")
    g = _data().goldberg
    s = math.sqrt(g.cv_within_energy_intake**2 / n_days + g.cv_bmr**2 + g.cv_pal**2)
    return float(g.pal * math.exp(g.sd_min * s / 100.0))


@dataclass(frozen=True, slots=True)
class EnergyReporting:
    """Reported energy against BMR.

    Attributes
    ----------
    energy_kcal : float
        Mean reported energy [kcal/day].
    bmr_kcal : float or None
        Schofield BMR [kcal/day] (None without a body weight).
    ratio : float or None
        energy / BMR.
    cutoff : float
        Goldberg cut-off for the number of days.
    under_reporting : bool or None
        True below the cut-off; None when it cannot be judged.
    magnesium_mg_per_1000_kcal : float or None
        Magnesium density of the diet.
    message : str
    """

    energy_kcal: float | None
    bmr_kcal: float | None
    ratio: float | None
    cutoff: float
    under_reporting: bool | None
    magnesium_mg_per_1000_kcal: float | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""

        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 3)

        return {
            "energy_kcal": r(self.energy_kcal),
            "bmr_kcal": r(self.bmr_kcal),
            "energy_to_bmr": r(self.ratio),
            "goldberg_cutoff": round(self.cutoff, 3),
            "under_reporting": self.under_reporting,
            "magnesium_mg_per_1000_kcal": r(self.magnesium_mg_per_1000_kcal),
            "message": self.message,
            "source": "Schofield 1985 BMR; Goldberg 1991 cut-off with Black 2000 constants",
        }


def energy_reporting(
    energy_kcal: float | None,
    magnesium_mg: float | None,
    n_days: int,
    *,
    weight_kg: float | None,
    age: float,
    sex: str,
    pregnant: bool = False,
) -> EnergyReporting:
    """Judge whether reported energy is plausible, and the diet's magnesium density.

    Parameters
    ----------
    energy_kcal : float or None
        Mean reported energy [kcal/day].
    magnesium_mg : float or None
        Mean magnesium from food [mg/day].
    n_days : int
        Days of records.
    weight_kg : float or None
        Body weight [kg]; without it BMR (and the judgement) is not possible.
    age : float
        Age [years].
    sex : {"female", "male"}
    pregnant : bool
        Pregnancy raises energy needs: the cut-off is not applied.
    """
    cut = goldberg_cutoff(max(n_days, 1))
    density = None
    if energy_kcal and energy_kcal > 0 and magnesium_mg is not None:
        density = magnesium_mg / energy_kcal * float(_data().density_reference_kcal)
    if energy_kcal is None or energy_kcal <= 0:
        return EnergyReporting(energy_kcal, None, None, cut, None, density, "energy unknown")
    if weight_kg is None:
        return EnergyReporting(
            energy_kcal,
            None,
            None,
            cut,
            None,
            density,
            "add weight_kg to the profile to check whether the diary reports enough energy",
        )
    bmr = bmr_schofield(weight_kg, age, sex)
    ratio = energy_kcal / bmr
    if pregnant:
        return EnergyReporting(
            energy_kcal,
            bmr,
            ratio,
            cut,
            None,
            density,
            "pregnancy: the Goldberg cut-off is not applied",
        )
    low = ratio < cut
    msg = (
        f"reported energy is {ratio:.2f} x the basal metabolic rate, below the Goldberg "
        f"cut-off {cut:.2f} for {n_days} day(s): the diary probably misses food, so magnesium "
        "intake is probably under-estimated too"
        if low
        else f"reported energy is {ratio:.2f} x the basal metabolic rate (cut-off {cut:.2f}): "
        "plausible"
    )
    return EnergyReporting(energy_kcal, bmr, ratio, cut, low, density, msg)
