"""Friendly food names: SR28 long descriptions turned into what people say.

SR28 writes foods head first with comma-separated qualifiers and boilerplate
("Spinach, cooked, boiled, drained, without salt"); people say "cooked spinach". The rules:

1. parentheses are dropped, the description is split at commas;
2. category heads (Nuts, Seeds, Cereals, Beverages, Fish ...) are dropped;
3. boilerplate parts are dropped ("without salt", "drained", "mature seeds", "raw",
   "ready-to-eat", "with added vitamin ...", parts with numbers ...);
4. brand names in CAPS are dropped; when nothing but brands and a product name in CAPS is
   left (breakfast cereals), the product name without its brand is used;
5. the cooking state (one word: "cooked" for boiled/steamed/microwaved, else the method such
   as "roasted") and the preservation state ("canned", "frozen", "dried") come first, then at
   most two qualifiers in reverse order ("Rice, white, long-grain" -> "long-grain white rice"),
   then the head, then cuts ("chicken breast") and a "with ..." part.

The SR28 description stays the reference: show it next to (or as a tooltip of) the friendly
name wherever the identity of the food matters.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["friendly_name"]

_CATEGORIES = frozenset(
    {
        "nuts",
        "seeds",
        "cereals",
        "cereals ready-to-eat",
        "beverages",
        "snacks",
        "candies",
        "fast foods",
        "spices",
        "fish",
        "crustaceans",
        "mollusks",
        "alcoholic beverage",
        "alcoholic beverages",
        "game meat",
        "usda commodity",
        "commodity",
        "restaurant",
        "sweeteners",
        "salad dressing",
    }
)

_DROP = frozenset(
    {
        "without salt",
        "with salt",
        "without salt added",
        "with salt added",
        "without added salt",
        "with added salt",
        "no salt added",
        "lightly salted",
        "drained",
        "drained solids",
        "solids and liquids",
        "mature seeds",
        "immature seeds",
        "ready-to-eat",
        "ready-to-serve",
        "ready-to-drink",
        "commercially prepared",
        "prepared",
        "unprepared",
        "enriched",
        "unenriched",
        "fortified",
        "protein fortified",
        "fluid",
        "raw",
        "uncooked",
        "all commercial varieties",
        "all types",
        "all varieties",
        "all flavors",
        "mixed flavors",
        "mixed species",
        "regular",
        "regular pack",
        "regular and quick",
        "regular and quick and instant",
        "chopped or leaf",
        "flesh and skin",
        "flesh",
        "meat only",
        "meat and skin",
        "separable lean only",
        "separable lean and fat",
        "broilers or fryers",
        "salad or cooking",
        "unblanched",
        "original",
        "commercial",
        "composite",
        "year round average",
        "sulfured",
        "ripe",
        "drinking",
        "shelf stable",
        "nfs",
    }
)
_DROP_PREFIXES = (
    "with added ",
    "without added ",
    "prepared with ",
    "prepared from ",
    "includes ",
    "include ",
    "trimmed to ",
    "not ",
    "rinsed ",
)
_FAT_WORDS = frozenset({"reduced fat", "lowfat", "low fat", "nonfat", "fat free", "low-fat"})

# cooking state: generic methods read as "cooked"; specific ones are kept
_GENERIC_COOKING = frozenset(
    {"cooked", "boiled", "simmered", "steamed", "microwaved", "dry heat", "moist heat"}
)
_SPECIFIC_COOKING = (
    "dry roasted",
    "dry-roasted",
    "oil roasted",
    "honey roasted",
    "roasted",
    "baked",
    "fried",
    "pan-fried",
    "stir-fried",
    "deep-fried",
    "broiled",
    "grilled",
    "braised",
    "stewed",
    "toasted",
    "scrambled",
    "poached",
    "hard-boiled",
    "brewed",
)
_PRESERVED = frozenset({"canned", "frozen", "dried", "smoked", "pickled"})
# dried is how nuts and seeds are sold: not worth saying
_NATURALLY_DRIED = frozenset({"nuts", "seeds"})
_CUTS = frozenset(
    {
        "breast",
        "thigh",
        "drumstick",
        "wing",
        "leg",
        "loin",
        "fillet",
        "fillets",
        "steak",
        "liver",
        "tenderloin",
        "chop",
        "chops",
        "ribs",
    }
)
# head rewrites: SR28 word -> everyday word (applied in order)
_HEAD_REWRITES = (
    (re.compile(r"\bpumpkin and squash\b"), "pumpkin"),
    (re.compile(r"\bseed kernels\b"), "seeds"),
    (re.compile(r"\bbrazilnuts\b"), "brazil nuts"),
    (re.compile(r"\s+style$"), ""),
)
_PCT_FAT = re.compile(r"(\d+(?:\.\d+)?)\s*% (?:milkfat|fat)")


def _is_caps(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _brand_key(token: str) -> str:
    return re.sub(r"'S$", "", token.upper().strip(".,'&®"))


def _cooking_state(part: str) -> str | None:
    """The cooking word a part stands for ("cooked", "roasted" ...), or None."""
    if part in _GENERIC_COOKING or part.startswith("cooked "):
        return "cooked"
    for method in _SPECIFIC_COOKING:
        if part == method or part.startswith(method + " "):
            return method
    return None


@lru_cache(maxsize=16384)
def friendly_name(description: str) -> str:
    """What people call an SR28 food.

    Parameters
    ----------
    description : str
        SR28 long description, e.g. ``"Spinach, cooked, boiled, drained, without salt"``.

    Returns
    -------
    str
        A short, lower-case everyday name (``"cooked spinach"``). Rule-based: state first,
        boilerplate, brand names and category heads dropped. Falls back to the description
        itself when the rules leave nothing.

    Examples
    --------
    >>> friendly_name("Spinach, cooked, boiled, drained, without salt")
    'cooked spinach'
    >>> friendly_name("Cereals ready-to-eat, KELLOGG, KELLOGG'S CORN FLAKES")
    'corn flakes'
    >>> friendly_name("Milk, reduced fat, fluid, 2% milkfat, with added vitamin A and vitamin D")
    '2% milk'
    """
    text = re.sub(r"\s*\([^)]*\)", "", description)
    parts = [re.sub(r"\s+", " ", p).strip() for p in text.split(",")]
    brands: set[str] = set()
    caps_parts: list[list[str]] = []
    category: str | None = None
    head: str | None = None
    cooking: list[str] = []
    preserved: list[str] = []
    mods: list[str] = []
    cuts: list[str] = []
    suffix: list[str] = []
    pct: str | None = None

    for raw in parts:
        if not raw:
            continue
        tokens = raw.split(" ")
        if all(_is_caps(t) or not any(c.isalpha() for c in t) for t in tokens):
            caps_parts.append(tokens)
            brands.update(_brand_key(t) for t in tokens if _is_caps(t))
            continue
        # leading brand words of a mixed part ("KELLOGG'S Corn Flakes", "SILK Vanilla ...")
        while tokens and (_is_caps(tokens[0]) or _brand_key(tokens[0]) in brands):
            brands.add(_brand_key(tokens.pop(0)))
        part = " ".join(tokens).lower().strip()
        if not part:
            continue
        if head is None and category is None and part in _CATEGORIES:
            category = part
            continue
        if part in _DROP or part.startswith(_DROP_PREFIXES):
            continue
        m = _PCT_FAT.fullmatch(part)
        if m:
            pct = m.group(1) + "%"
            continue
        if any(c.isdigit() for c in part):
            continue
        state = _cooking_state(part)
        if state is not None:
            cooking.append(state)
            continue
        if part in _PRESERVED:
            preserved.append(part)
            continue
        if head is None:
            if part in _CATEGORIES:
                continue
            head = part
        elif part.startswith("with "):
            suffix.append(part)
        elif part in _CUTS:
            cuts.append(part)
        else:
            mods.append(part)

    if head is None and caps_parts:
        # product name in CAPS after its brand ("GENERAL MILLS, CHEERIOS")
        last = caps_parts[-1]
        earlier = {_brand_key(t) for toks in caps_parts[:-1] for t in toks}
        words = [t for t in last if _brand_key(t) not in earlier] or last
        head = " ".join(words).lower()
    if head is None:
        head = category
    if head is None:
        return description

    for pattern, repl in _HEAD_REWRITES:
        head = pattern.sub(repl, head)
    mods = [re.sub(r"\s+(?:style|flavou?r|flavou?red)$", "", x) for x in mods]
    if head in ("egg", "eggs"):  # a whole egg is just an egg; white and yolk are parts
        cuts += [x for x in mods if x in ("white", "yolk")]
        mods = [x for x in mods if x not in ("whole", "white", "yolk", "fresh")]
    if pct is not None:
        if "whole" in mods:
            pct = None
        else:
            mods = [x for x in mods if x not in _FAT_WORDS]
    if category is not None and category.startswith("cereals"):  # "dry" oats, "bagged cereal"
        mods = [x for x in mods if x != "dry" and "cereal" not in x]
    if category in _NATURALLY_DRIED:
        preserved = [x for x in preserved if x != "dried"]

    specific = [c for c in cooking if c != "cooked"]
    cooking_word = specific[:1] or cooking[:1]
    words = [*cooking_word, *dict.fromkeys(preserved)]
    if pct is not None:
        words.append(pct)
    words += mods[:2][::-1]
    words.append(head)
    words += cuts[:1]
    words += suffix[:1]
    return re.sub(r"\s+", " ", " ".join(words)).strip()
