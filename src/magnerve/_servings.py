"""Food categories and reference serving sizes (FDA RACC), shared by the plan and the diary
plausibility checks. Data: ``data/servings.toml``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from magnerve.interactions import classify_grain
from magnerve.registry import get_registry, registry_cache

if TYPE_CHECKING:  # pragma: no cover
    from magnerve._sections import ServingsData

__all__ = ["food_category", "plausibility", "racc_grams"]


def _data() -> ServingsData:
    """The typed ``servings.toml`` of the active registry."""
    return get_registry().section("servings")


def plausibility() -> dict[str, Any]:
    """The ``[plausibility]`` table of ``data/servings.toml`` as written (thresholds, their
    notes and sources; validated by its typed section, ``_data().plausibility``)."""
    return dict(_data().raw["plausibility"])


_ANIMAL_MEAT = {"0500", "0700", "1000", "1300", "1700"}


@registry_cache
def food_category(description: str, group: str) -> str:
    """magnerve's plan category of an SR28 food (sets its serving size and cap)."""
    d = description.lower()
    ox = get_registry().section("interactions").oxalate_words
    if any(w in d for w in ox) and group in ("1100", "0900"):
        return "oxalate_greens"
    if group == "1200":
        return "nut_butters" if "butter" in d or "paste" in d or "tahini" in d else "nuts_seeds"
    if group == "1600":
        if "peanut butter" in d:
            return "nut_butters"
        if "peanut" in d:
            return "nuts_seeds"
        if any(w in d for w in ("soy", "tofu", "tempeh", "miso", "natto", "edamame")):
            return "soy"
        return "legumes"
    if group == "1100":
        if "potato" in d:
            return "potatoes"
        if any(w in d for w in ("beans", "peas", "lentil", "chickpea")) and "green" not in d:
            return "legumes"
        return "vegetables"
    if group == "0900":
        return "fruits"
    if group == "0800":
        if any(w in d for w in ("cooked", "prepared", "oatmeal", "hot")):
            return "hot_cereal"
        return "breakfast_cereals"
    if group == "1800":
        return "bread"
    if group == "2000":
        return "whole_grains" if classify_grain(description, group) == "whole" else "refined_grains"
    if group == "0100":
        if "milk" in d and "cheese" not in d:
            return "milk"
        if "yogurt" in d:
            return "yogurt"
        if "cheese" in d:
            return "cheese"
        if "egg" in d:
            return "eggs"
        return "other"
    if group == "1500":
        return "fish"
    if group in _ANIMAL_MEAT:
        return "meat"
    if group == "1900":
        return "sweets"
    return "other"


def racc_grams(description: str, group: str) -> float:
    """FDA reference amount customarily consumed (RACC) of a food's category [g]."""
    r = _data().racc_g
    return float(r.get(food_category(description, group), r["other"]))
