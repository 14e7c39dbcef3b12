"""Nutrient interactions with magnesium: Ca:Mg ratio, zinc, vitamin D, vitamin B6, grains.

Pure functions over daily intakes; thresholds and their sources are in
``data/interactions.toml`` and the DRI files.

References
----------
.. [1] Rosanoff A, Dai Q, Shapses SA. Adv Nutr 2016;7:25-43.
.. [2] Spencer H, Norris C, Williams D. J Am Coll Nutr 1994;13:479-484.
.. [3] EFSA NDA Panel. Tolerable upper intake level for vitamin B6. EFSA J 2023;21(5):8006.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from magnerve._text import plain_label
from magnerve.registry import get_registry, registry_cache
from magnerve.requirements import RequirementError, reference_intake

if TYPE_CHECKING:  # pragma: no cover
    from magnerve._sections import InteractionsData

__all__ = [
    "Interaction",
    "ca_mg_ratio",
    "classify_grain",
    "grain_share",
    "interaction_title",
    "thresholds",
    "vitamin_b6_check",
    "vitamin_d_check",
    "zinc_check",
]


def thresholds() -> Mapping[str, Any]:
    """``interactions.toml`` of the active registry as written: the read-only ``raw`` view of
    its typed, validated section (tables by name).

    New code reads the typed fields instead: :func:`_section`
    (``get_registry().section("interactions")``).
    """
    return _section().raw


def _section() -> InteractionsData:
    """The typed ``interactions.toml`` of the active registry."""
    return get_registry().section("interactions")


@dataclass(frozen=True, slots=True)
class Interaction:
    """One interaction check.

    Attributes
    ----------
    id : str
        e.g. ``"ca_mg_ratio"``.
    status : str
        ``"ok"``, ``"low"``, ``"high"``, ``"above_ul"``, ``"unknown"`` ...
    value : float or None
        The quantity checked (ratio, mg/day ...).
    unit : str
    message : str
    evidence : list of str
        Evidence registry ids that explain the mechanism.
    source : str
    """

    id: str
    status: str
    value: float | None
    unit: str
    message: str
    evidence: list[str] = field(default_factory=list)
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "id": self.id,
            "status": self.status,
            "value": self.value,
            "unit": self.unit,
            "message": self.message,
            "evidence": list(self.evidence),
            "source": self.source,
        }


_TITLES = {
    ("ca_mg_ratio", "low"): "Low calcium-to-magnesium ratio",
    ("ca_mg_ratio", "high"): "High calcium-to-magnesium ratio",
    ("zinc", "high_dose"): "High-dose zinc supplements",
    ("zinc", "above_ul"): "Zinc above the upper level",
    ("vitamin_d", "above_ul"): "Vitamin D above the upper level",
    ("vitamin_d", "high_d_low_mg"): "Vitamin D and magnesium",
    ("vitamin_b6", "above_efsa_ul"): "Vitamin B6 above the nerve safety limit",
}


def interaction_title(interaction_id: str, status: str | None = None) -> str:
    """A plain title for an interaction check, for people (ids stay in JSON).

    Parameters
    ----------
    interaction_id : str
        e.g. ``"ca_mg_ratio"``.
    status : str, optional
        The check's status; a flagged status gives a more specific title.

    Returns
    -------
    str
        e.g. ``"Low calcium-to-magnesium ratio"`` for ``("ca_mg_ratio", "low")``, else the
        check's name (``"Calcium-to-magnesium ratio"``).

    Examples
    --------
    >>> interaction_title("vitamin_d", "high_d_low_mg")
    'Vitamin D and magnesium'
    >>> interaction_title("ca_mg_ratio")
    'Calcium-to-magnesium ratio'
    """
    title = _TITLES.get((interaction_id, status or ""))
    if title is None:
        name = plain_label(interaction_id)
        title = name[:1].upper() + name[1:]
    return title


def ca_mg_ratio(calcium_mg: float | None, magnesium_mg: float | None) -> Interaction:
    """Dietary Ca:Mg intake ratio against the Rosanoff, Dai & Shapses 2016 bands.

    Parameters
    ----------
    calcium_mg, magnesium_mg : float or None
        Mean daily intakes [mg/day] (food + water + supplements).
    """
    t = _section().ca_mg_ratio
    if not calcium_mg or not magnesium_mg:
        return Interaction(
            "ca_mg_ratio",
            "unknown",
            None,
            "mass ratio",
            "Calcium or magnesium intake is unknown.",
            ["calcium_mg_ratio"],
            t.source,
        )
    r = calcium_mg / magnesium_mg
    if r < t.low_band_below:
        status = "low"
        msg = (
            f"You eat {r:.2f} times as much calcium as magnesium (by weight), below "
            f"{t.low_band_below}: a low ratio has been associated with adverse outcomes in "
            "observational studies."
        )
    elif r > t.high_band_above:
        status = "high"
        msg = (
            f"You eat {r:.2f} times as much calcium as magnesium (by weight), above "
            f"{t.high_band_above}: much more calcium than magnesium; more magnesium (not less "
            "calcium) is the usual lever."
        )
    else:
        status = "ok"
        msg = (
            f"You eat {r:.2f} times as much calcium as magnesium (by weight), within "
            f"{t.low_band_below}-{t.high_band_above}."
        )
    return Interaction("ca_mg_ratio", status, r, "mass ratio", msg, ["calcium_mg_ratio"], t.source)


def zinc_check(
    total_zinc_mg: float | None, supplemental_zinc_mg: float, *, age: float, sex: str
) -> Interaction:
    """Zinc intake against the IOM UL and the 142 mg/day dose that lowered Mg absorption."""
    t = _section().zinc
    try:
        ul = reference_intake("zinc", age=age, sex=sex).ul
    except RequirementError:
        ul = None
    if supplemental_zinc_mg >= t.high_dose_supplement_mg_per_day:
        return Interaction(
            "zinc",
            "high_dose",
            supplemental_zinc_mg,
            "mg/day",
            f"Zinc supplements of {supplemental_zinc_mg:.0f} mg/day: at "
            f"{t.high_dose_supplement_mg_per_day:g} mg/day zinc lowered magnesium absorption and "
            "balance (Spencer 1994); far above the upper level.",
            ["zinc_high_dose"],
            t.source,
        )
    if total_zinc_mg is not None and ul is not None and total_zinc_mg > ul:
        return Interaction(
            "zinc",
            "above_ul",
            total_zinc_mg,
            "mg/day",
            f"Zinc {total_zinc_mg:.0f} mg/day is above the upper level of {ul:g} mg/day (set to "
            "protect copper status); only much higher doses were shown to lower magnesium "
            "absorption.",
            ["zinc_ul", "zinc_high_dose"],
            t.source,
        )
    return Interaction(
        "zinc",
        "ok" if total_zinc_mg is not None else "unknown",
        total_zinc_mg,
        "mg/day",
        "Zinc intake is not at a level known to reduce magnesium absorption.",
        ["zinc_high_dose"],
        t.source,
    )


def vitamin_d_check(
    total_vitamin_d_ug: float | None,
    magnesium_confidence_adequate: float | None,
    *,
    age: float,
    sex: str,
) -> Interaction:
    """Vitamin D intake vs UL, and "high vitamin D with low magnesium" (vitamin D intake above
    the RDA while magnesium adequacy is unlikely: Mg is a cofactor of vitamin D metabolism)."""
    try:
        ref = reference_intake("vitamin_d", age=age, sex=sex)
    except RequirementError:
        ref = None
    src = ref.source if ref else ""
    if total_vitamin_d_ug is None or ref is None:
        return Interaction(
            "vitamin_d",
            "unknown",
            total_vitamin_d_ug,
            "µg/day",
            "Vitamin D intake is unknown.",
            ["vitamin_d_mg_activation"],
            src,
        )
    if ref.ul is not None and total_vitamin_d_ug > ref.ul:
        return Interaction(
            "vitamin_d",
            "above_ul",
            total_vitamin_d_ug,
            "µg/day",
            f"Vitamin D {total_vitamin_d_ug:.0f} µg/day is above the upper level of {ref.ul:g} "
            "µg/day; ask a clinician whether this dose is intended.",
            ["vitamin_d_ul"],
            src,
        )
    if (
        ref.rda is not None
        and total_vitamin_d_ug > ref.rda
        and magnesium_confidence_adequate is not None
        and magnesium_confidence_adequate < 0.5
    ):
        return Interaction(
            "vitamin_d",
            "high_d_low_mg",
            total_vitamin_d_ug,
            "µg/day",
            f"Vitamin D intake ({total_vitamin_d_ug:.0f} µg/day) is above the RDA while magnesium "
            "intake is likely inadequate; magnesium is needed to activate vitamin D.",
            ["vitamin_d_mg_activation"],
            src,
        )
    return Interaction(
        "vitamin_d",
        "ok",
        total_vitamin_d_ug,
        "µg/day",
        "No vitamin D interaction flagged.",
        ["vitamin_d_mg_activation"],
        src,
    )


def vitamin_b6_check(total_b6_mg: float | None, supplemental_b6_mg: float) -> Interaction:
    """Vitamin B6 intake against the EFSA 2023 UL of 12 mg/day (set on peripheral
    neuropathy); many Mg + B6 combination products exceed it."""
    t = _section().vitamin_b6
    ul = float(t.efsa_ul_mg_per_day)
    total = total_b6_mg if total_b6_mg is not None else (supplemental_b6_mg or None)
    if total is not None and total > ul:
        return Interaction(
            "vitamin_b6",
            "above_efsa_ul",
            total,
            "mg/day",
            f"Vitamin B6 {total:.1f} mg/day is above the EFSA upper level of {ul:g} mg/day, which "
            "was set because high B6 intakes cause peripheral neuropathy: check combination "
            "products.",
            ["b6_neuropathy_ul"],
            t.source,
        )
    return Interaction(
        "vitamin_b6",
        "ok" if total is not None else "unknown",
        total,
        "mg/day",
        "Vitamin B6 intake is below the EFSA upper level.",
        ["b6_neuropathy_ul"],
        t.source,
    )


def classify_grain(description: str, group_code: str) -> str | None:
    """ "whole", "refined", "unclassified" for grain foods; None for other foods."""
    return _classify_grain(description, group_code)


@registry_cache.bounded(16384)
def _classify_grain(description: str, group_code: str) -> str | None:
    """:func:`classify_grain`, cached per registry (a diary names the same foods again and
    again)."""
    g = _section().grains
    if group_code not in g.groups:
        return None
    d = description.lower()
    whole = any(w in d for w in g.whole_words)
    refined = any(w in d for w in g.refined_words)
    if whole and (not refined or g.whole_overrides_refined):
        return "whole"
    if refined:
        return "refined"
    return "unclassified"


def grain_share(foods: Sequence[tuple[str, str, float]]) -> dict[str, float]:
    """Grams of whole, refined and unclassified grain foods.

    Parameters
    ----------
    foods : sequence of (description, SR28 group code, grams)

    Returns
    -------
    dict
        ``{"whole": g, "refined": g, "unclassified": g, "whole_share": 0-1 or nan}``.
    """
    out = {"whole": 0.0, "refined": 0.0, "unclassified": 0.0}
    for desc, group, grams in foods:
        kind = classify_grain(desc, group)
        if kind is not None:
            out[kind] += grams
    classified = out["whole"] + out["refined"]
    out["whole_share"] = out["whole"] / classified if classified else float("nan")
    return out
