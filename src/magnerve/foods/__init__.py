"""Foods: the embedded USDA SR28 database, search, portions and free-text lines.

Examples
--------
>>> from magnerve import foods
>>> foods.get_food("12061").description
'Nuts, almonds'
>>> foods.search("garbanzo", limit=1)[0].id
'16057'
>>> foods.parse_line("1 medium banana").grams
118.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from magnerve.foods._db import (
    FoodDatabase,
    FoodNotFoundError,
    Measure,
    NutrientInfo,
    load_database,
)
from magnerve.foods._search import SearchHit, get_index

if TYPE_CHECKING:
    from magnerve.foods._aliases import (
        AliasFileError,
        add_alias,
        alias_key,
        alias_path,
        load_aliases,
        lookup_alias,
        remove_alias,
        save_aliases,
    )
    from magnerve.foods._names import friendly_name
    from magnerve.foods._parse import (
        UNCERTAIN_BELOW,
        FoodMatch,
        FoodRef,
        ParsedLine,
        ParseError,
        SupplementLineError,
        looks_like_supplement,
        match_food,
        parse_food_amount,
        parse_line,
    )
    from magnerve.foods._portions import (
        AmountError,
        Portion,
        PortionError,
        parse_amount,
        to_grams,
    )

# Line parsing, portions and aliases load on first use (PEP 562), so that a food search (the
# database and the index only) starts fast.
_LAZY = {
    **dict.fromkeys(
        (
            "AliasFileError",
            "add_alias",
            "alias_key",
            "alias_path",
            "load_aliases",
            "lookup_alias",
            "remove_alias",
            "save_aliases",
        ),
        "magnerve.foods._aliases",
    ),
    "friendly_name": "magnerve.foods._names",
    **dict.fromkeys(
        (
            "UNCERTAIN_BELOW",
            "FoodMatch",
            "FoodRef",
            "ParsedLine",
            "ParseError",
            "SupplementLineError",
            "looks_like_supplement",
            "match_food",
            "parse_food_amount",
            "parse_line",
        ),
        "magnerve.foods._parse",
    ),
    **dict.fromkeys(
        ("AmountError", "Portion", "PortionError", "parse_amount", "to_grams"),
        "magnerve.foods._portions",
    ),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "UNCERTAIN_BELOW",
    "AliasFileError",
    "AmountError",
    "Food",
    "FoodDatabase",
    "FoodMatch",
    "FoodNotFoundError",
    "FoodRef",
    "Measure",
    "NutrientInfo",
    "ParseError",
    "ParsedLine",
    "Portion",
    "PortionError",
    "SearchHit",
    "SupplementLineError",
    "add_alias",
    "alias_key",
    "alias_path",
    "friendly_name",
    "get_food",
    "load_aliases",
    "load_database",
    "looks_like_supplement",
    "lookup_alias",
    "match_food",
    "nutrients",
    "parse_amount",
    "parse_food_amount",
    "parse_line",
    "remove_alias",
    "save_aliases",
    "search",
    "suggest",
    "to_grams",
]


@dataclass(frozen=True, slots=True)
class Food:
    """An SR28 food.

    Attributes
    ----------
    id : str
        5-character NDB number.
    description : str
        SR28 long description.
    food_group : str
        SR28 food group name.
    manufacturer : str
        Manufacturer for branded items ("" otherwise).
    measures : tuple of Measure
        Household measures from ``WEIGHT.txt``.
    nutrients : dict
        Nutrient key -> value per 100 g edible portion, None when SR28 has no value.
    """

    id: str
    description: str
    food_group: str
    manufacturer: str
    measures: tuple[Measure, ...]
    nutrients: dict[str, float | None]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        db = load_database()
        units = {n.key: n.units for n in db.nutrients}
        return {
            "id": self.id,
            "description": self.description,
            "food_group": self.food_group,
            "manufacturer": self.manufacturer,
            "measures": [
                {"amount": m.amount, "description": m.description, "grams": m.grams}
                for m in self.measures
            ],
            "nutrients_per_100g": {
                k: {"value": v, "unit": units[k]} for k, v in self.nutrients.items()
            },
        }


def nutrients(ndb: str | int) -> dict[str, float | None]:
    """All 150 SR28 nutrients of a food per 100 g edible portion.

    Parameters
    ----------
    ndb : str or int
        SR28 NDB number (``"12061"``; leading zeros may be omitted).

    Returns
    -------
    dict
        Nutrient key (e.g. ``"magnesium_mg"``; ``"sr28_<number>"`` when no friendly key
        exists) -> value per 100 g [nutrient unit], or None when SR28 has no value.
    """
    db = load_database()
    row = db.matrix[db.food_index(ndb)].tolist()
    return {n.key: (None if v != v else v) for n, v in zip(db.nutrients, row, strict=True)}


def get_food(ndb: str | int) -> Food:
    """An SR28 food by NDB number, with its nutrients and household measures.

    Raises
    ------
    FoodNotFoundError
        When no SR28 food has this number.
    """
    db = load_database()
    i = db.food_index(ndb)
    key = db.ids[i]
    return Food(
        key,
        db.descriptions[i],
        db.group_names[i],
        db.manufacturers[i],
        db.measures.get(key, ()),
        nutrients(key),
    )


def search(query: str, limit: int = 10) -> list[SearchHit]:
    """Search SR28 foods by everyday text.

    Handles SR28's inverted descriptions ("Nuts, almonds, dry roasted"), everyday names
    and synonyms (garbanzo, pepitas, porridge, courgette), plurals, typos, preparation
    words, and prefers generic, unbranded foods unless the query names a brand.

    Parameters
    ----------
    query : str
        What the user typed.
    limit : int, default 10
        Maximum number of results.

    Returns
    -------
    list of SearchHit
        Best first; each with ``id``, ``description``, ``score`` (0-1) and ``food_group``.
    """
    return get_index().search(query, limit)


def suggest(text: str, limit: int = 8) -> list[SearchHit]:
    """Foods for a search box while the user types (autocomplete).

    Like :func:`search`, but the last word may be unfinished: "almo" suggests almonds,
    "bana" bananas, "brown ri" brown rice. The words before the last are read as
    :func:`search` reads them (typed amounts such as "2 cups" are dropped); the last word,
    when the text ends in it, is completed to the SR28 and everyday-lexicon words that start
    with it (those that occur with the earlier words first, then the commoner), at most 20,
    and the foods of all completions are ranked together by the search ranker. A text ending
    in a space is searched as it is. Warm latency is a few milliseconds
    (``benchmarks/bench_search.py``); the first call builds the word list (about 0.1 s).

    Parameters
    ----------
    text : str
        What the user has typed so far; any text (only its end is read).
    limit : int, default 8
        Maximum number of suggestions.

    Returns
    -------
    list of SearchHit
        Best first; empty for fewer than two letters or digits, or when nothing matches.
    """
    return get_index().suggest(text, limit)


# -- food classes and families (public: the plan selects and groups its candidate foods) ------

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np
    import numpy.typing as npt

    from magnerve.foods._search import SearchIndex


@dataclass(frozen=True, slots=True)
class FoodFlags:
    """Classes of every SR28 food, in database row order (``FoodDatabase.ids``).

    Attributes
    ----------
    brand : numpy.ndarray of bool
        Branded food (a manufacturer, or a brand word in the description).
    baby : numpy.ndarray of bool
        Baby food.
    restaurant : numpy.ndarray of bool
        Restaurant or fast food.
    """

    brand: npt.NDArray[np.bool_]
    baby: npt.NDArray[np.bool_]
    restaurant: npt.NDArray[np.bool_]

    @property
    def generic(self) -> npt.NDArray[np.bool_]:
        """Neither branded, nor a baby food, nor a restaurant food."""
        out: npt.NDArray[np.bool_] = ~(self.brand | self.baby | self.restaurant)
        return out


# made once per search index: (index, flags) and (index, description -> family)
_FLAGS: list[tuple[SearchIndex, FoodFlags]] = []
_FAMILIES: list[tuple[SearchIndex, dict[str, str], set[tuple[str, ...]]]] = []


def food_flags() -> FoodFlags:
    """Brand, baby-food and restaurant flags of all foods (read-only arrays, made once).

    Returns
    -------
    FoodFlags
        One boolean per food, in database row order, as the search ranker classifies them.
    """
    index = get_index()
    if not _FLAGS or _FLAGS[0][0] is not index:
        import numpy

        n = len(load_database())

        def flags(test: Callable[[int], bool]) -> npt.NDArray[np.bool_]:
            a = numpy.fromiter((test(i) for i in range(n)), dtype=bool, count=n)
            a.flags.writeable = False
            return a

        made = FoodFlags(flags(index.is_brand), flags(index.is_baby), flags(index.is_restaurant))
        _FLAGS[:] = [(index, made)]
    return _FLAGS[0][1]


def food_family(description: str) -> str:
    """The family of an SR28 food: the segment of its description that names the food.

    Raw and cooked spinach are both "spinach"; category words ("Nuts", "Fish", "Cereals
    ready-to-eat") and brand names are skipped, as the search ranker does.

    Parameters
    ----------
    description : str
        SR28 long description, e.g. ``"Spinach, cooked, boiled, drained, without salt"``.

    Returns
    -------
    str
        The naming segment in lower case (``"spinach"``); the whole description in lower case
        when no segment names the food.
    """
    from magnerve.foods._search import _head_segment, _lexicon, _split_description, tokenize

    index = get_index()
    if not _FAMILIES or _FAMILIES[0][0] is not index:
        heads = {tuple(tokenize(c)) for c in _lexicon().classes["category_heads"]}
        _FAMILIES[:] = [(index, {}, heads)]
    _, known, heads = _FAMILIES[0]
    family = known.get(description)
    if family is None:
        segs = _split_description(description)
        h = _head_segment(segs, heads, index._brand_words)
        family = segs[h][1].lower() if h >= 0 else description.lower()
        known[description] = family
    return family


# Plan categories and FDA serving sizes of foods (``data/servings.toml``), loaded on first use:
# food_category(description, group) -> str, racc_grams(description, group) -> float [g].
if TYPE_CHECKING:
    from magnerve._servings import food_category, racc_grams

_LAZY.update(dict.fromkeys(("food_category", "racc_grams"), "magnerve._servings"))

__all__ += ["FoodFlags", "food_category", "food_family", "food_flags", "racc_grams"]
