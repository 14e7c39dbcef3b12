"""Amounts and portions: from "1 1/2 cup" or "2 large" to grams of a given SR28 food.

Mass units convert directly. Volume units convert only through the food's own
SR28 household measures (a food with a "cup" measure of 30 g weighs
30 g / 236.6 ml); magnerve never assumes a density. Household words ("medium",
"slice", "biscuit") are matched against the food's SR28 measure descriptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

from magnerve.foods._db import Measure, load_database
from magnerve.foods._search import _lexicon, tokenize
from magnerve.foods._units import Unit, lookup_unit

__all__ = [
    "AmountError",
    "Portion",
    "PortionError",
    "measure_head",
    "measure_words",
    "parse_amount",
    "to_grams",
]

_UNICODE_FRACTIONS = {
    "½": Fraction(1, 2),
    "⅓": Fraction(1, 3),
    "⅔": Fraction(2, 3),
    "¼": Fraction(1, 4),
    "¾": Fraction(3, 4),
    "⅕": Fraction(1, 5),
    "⅖": Fraction(2, 5),
    "⅗": Fraction(3, 5),
    "⅘": Fraction(4, 5),
    "⅙": Fraction(1, 6),
    "⅚": Fraction(5, 6),
    "⅛": Fraction(1, 8),
    "⅜": Fraction(3, 8),
    "⅝": Fraction(5, 8),
    "⅞": Fraction(7, 8),
}
_WORD_NUMBERS: dict[str, int | Fraction] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "dozen": 12,
    "half": Fraction(1, 2),
    "quarter": Fraction(1, 4),
}
_UF = "".join(_UNICODE_FRACTIONS)
_AMOUNT = re.compile(
    rf"""^\s*(?:
        (?P<mixed_w>\d+)(?:\s+|-|\s*\+\s*)(?P<mixed_n>\d+)\s*/\s*(?P<mixed_d>\d+)   # 1 1/2, 1-1/2
      | (?P<uwhole>\d+)?\s*(?P<ufrac>[{_UF}])                                     # 1½, ½
      | (?P<num>\d+)\s*/\s*(?P<den>\d+)                                            # 1/2
      | (?P<dec>\d+(?:[.,]\d+)?|[.,]\d+)                           # 2, 0.25, .5, 0,5
    )""",
    re.VERBOSE,
)
_RANGE = re.compile(r"^\s*\d+(?:[.,]\d+)?\s*(?:-|–|to)\s*\d+(?:[.,]\d+)?\b(?!\s*/)")
_NEGATIVE = re.compile(r"^\s*[-−]\s*[\d.,½¼¾⅓⅔⅛]")


class AmountError(ValueError):
    """An amount could not be read."""


class PortionError(ValueError):
    """A unit could not be converted to grams for a food.

    Attributes
    ----------
    measures : list of str
        The food's SR28 household measures, to suggest to the user.
    """

    def __init__(self, message: str, measures: list[str]) -> None:
        super().__init__(message)
        self.measures = measures


@dataclass(frozen=True, slots=True)
class Portion:
    """An amount of a food in grams and how it was obtained.

    Attributes
    ----------
    grams : float
        Edible weight [g].
    unit : str
        The unit as understood: a mass or volume unit name or the SR28 measure word.
    measure : Measure or None
        The SR28 household measure used (None for mass units).
    exact : bool
        True when the unit was given and matched directly (mass unit, or the food's
        own measure in the same unit); False when it was assumed or converted.
    note : str or None
        What was assumed, in words, when anything was.
    """

    grams: float
    unit: str
    measure: Measure | None
    exact: bool
    note: str | None = None


def parse_amount(text: str) -> tuple[float | None, str]:
    """Read a leading amount.

    Parameters
    ----------
    text : str
        Text such as ``"1 1/2 cup oats"``, ``"½ cup"``, ``"0.25 tsp"``, ``"30g almonds"``,
        ``"a medium banana"`` or ``"half a cup of rice"``.

    Returns
    -------
    amount : float or None
        The amount, or None when the text starts with no amount.
    rest : str
        The remaining text.

    Raises
    ------
    AmountError
        For a range ("2-3 slices") or a zero or negative amount.
    """
    s = text.strip()
    if _NEGATIVE.match(s):
        raise AmountError(f"amount must be more than zero, got {s.split()[0]!r}")
    if _RANGE.match(s):
        raise AmountError(f"{s!r} gives a range of amounts; give a single amount, e.g. '2 slices'")
    m = _AMOUNT.match(s)
    if m:
        g = m.groupdict()
        value: Fraction
        if g["mixed_w"] is not None:
            den = int(g["mixed_d"])
            if den == 0:
                raise AmountError(f"division by zero in amount {m.group(0).strip()!r}")
            value = int(g["mixed_w"]) + Fraction(int(g["mixed_n"]), den)
        elif g["ufrac"] is not None:
            value = int(g["uwhole"] or 0) + _UNICODE_FRACTIONS[g["ufrac"]]
        elif g["num"] is not None:
            den = int(g["den"])
            if den == 0:
                raise AmountError(f"division by zero in amount {m.group(0).strip()!r}")
            value = Fraction(int(g["num"]), den)
        else:
            value = Fraction(g["dec"].replace(",", "."))
        if value <= 0:
            raise AmountError(f"amount must be more than zero, got {m.group(0).strip()!r}")
        return float(value), s[m.end() :].strip()
    words = s.split()
    if words and words[0].lower() in _WORD_NUMBERS:
        value = Fraction(_WORD_NUMBERS[words[0].lower()])
        rest = words[1:]
        # "half a cup", "a half cup", "a dozen eggs"
        if rest and rest[0].lower() in ("a", "an") and words[0].lower() in ("half", "quarter"):
            rest = rest[1:]
        elif rest and rest[0].lower() in ("half", "quarter", "dozen") and value == 1:
            value = Fraction(_WORD_NUMBERS[rest[0].lower()])
            rest = rest[1:]
        return float(value), " ".join(rest)
    return None, s


def measure_head(description: str) -> str:
    """The unit part of an SR28 measure description: ``"cup, chopped" -> "cup"``."""
    return re.split(r"[,(]", description, maxsplit=1)[0].strip().lower()


def _measure_unit(m: Measure) -> Unit | None:
    """Mass or volume unit of a measure: "cup", "fl oz", also "cup spaghetti not packed"."""
    words = measure_head(m.description).split()
    for k in (3, 2, 1):
        if len(words) >= k and (u := lookup_unit(" ".join(words[:k]))) is not None:
            return u
    return None


def _describe(measures: tuple[Measure, ...]) -> list[str]:
    return [m.label() for m in measures]


def _qualifier_overlap(m: Measure, context: set[str]) -> int:
    """Words of the measure beyond its unit ("chopped" in "cup, chopped") found in context."""
    words = set(tokenize(m.description)) - set(tokenize(measure_head(m.description)))
    return len(words & context)


def to_grams(ndb: str, amount: float, unit: str | None, context: str = "") -> Portion:
    """Convert an amount of a food to grams.

    Parameters
    ----------
    ndb : str
        SR28 NDB number of the food.
    amount : float
        Number of units [-].
    unit : str or None
        A mass unit (g, kg, mg, oz, lb), a volume unit (ml, l, fl oz, cup, tbsp, tsp, ...),
        an SR28 household measure word ("medium", "slice", "biscuit", "packet",
        "oz (23 whole kernels)") or None for a count of the food itself ("1 banana").
    context : str, optional
        Other words of the diary line, used to choose between measures of the same unit
        ("cup, chopped" vs "cup, sliced").

    Returns
    -------
    Portion
        Grams and how they were obtained.

    Raises
    ------
    PortionError
        When the unit cannot be converted for this food; the message lists the food's
        measures.
    """
    db = load_database()
    ndb = db.ids[db.food_index(ndb)]  # normalises "9040" -> "09040"; FoodNotFoundError
    measures = db.measures.get(ndb, ())
    ctx = set(tokenize(context))
    name = db.descriptions[db.index[ndb]]
    listing = "; ".join(_describe(measures)) or "none (use grams)"

    u = lookup_unit(unit) if unit else None
    if u is None and unit:
        # "oz (23 whole kernels)", "fl oz (1 NLEA serving)": take the unit part
        u = lookup_unit(measure_head(unit))
    if u is not None and u.kind == "mass":
        return Portion(amount * u.factor, u.name, None, True)

    if u is not None:  # volume
        vol = [(m, mu) for m in measures if (mu := _measure_unit(m)) and mu.kind == "volume"]
        if not vol:
            raise PortionError(
                f"{name} has no volume measure in SR28, so {unit!r} cannot be converted to "
                f"grams without guessing its density. Its measures: {listing}. "
                "Give the amount in grams or in one of these measures.",
                _describe(measures),
            )
        same = [(m, mu) for m, mu in vol if mu.name == u.name]
        pool = same or vol
        best = max(pool, key=lambda p: (_qualifier_overlap(p[0], ctx), -pool.index(p)))
        m, mu = best
        grams = amount * u.factor * m.grams_per_unit / mu.factor
        notes = []
        if not same:
            notes.append(f"converted {unit} to {m.description!r} by volume")
        density = m.grams_per_unit / mu.factor
        others = [
            x
            for x, xu in pool
            if x is not m and abs(x.grams_per_unit / xu.factor - density) > 0.02 * density
        ]
        if others and _qualifier_overlap(m, ctx) == 0:
            alts = ", ".join(repr(x.description) for x in others)
            notes.append(f"used {m.description!r}; other measures of different weight: {alts}")
        return Portion(grams, u.name, m, bool(same), "; ".join(notes) or None)

    household = [m for m in measures if _measure_unit(m) is None]
    if not unit:
        if not household:
            raise PortionError(
                f"no unit given and {name} has no countable measure in SR28. "
                f"Its measures: {listing}. Give a unit, e.g. grams.",
                _describe(measures),
            )
        by_head = {measure_head(m.description): m for m in household}
        m = by_head.get("medium") or household[0]
        return Portion(
            amount * m.grams_per_unit,
            measure_head(m.description),
            m,
            False,
            f"no unit given; assumed {m.description!r} ({m.grams_per_unit:g} g each)",
        )

    want = set(tokenize(unit))
    found = _match_measure(measures, want, ctx)
    if found is None:
        # "2 large shredded wheat biscuits": the measure word may sit in the food text
        found = _match_measure(measures, ctx & measure_words(), ctx)
    if found is None:
        raise PortionError(
            f"{name} has no SR28 measure called {unit!r}. Its measures: {listing}. "
            "Give the amount in grams or in one of these measures.",
            _describe(measures),
        )
    m, exact = found
    exact = exact and bool(set(tokenize(measure_head(m.description))) & want)
    note = None if exact else f"matched {unit!r} to the SR28 measure {m.description!r}"
    return Portion(amount * m.grams_per_unit, measure_head(m.description), m, exact, note)


@cache
def measure_words() -> frozenset[str]:
    """Household measure words (stems) that may name a portion: "slice", "large", "biscuit"."""
    return frozenset(tokenize(" ".join(_lexicon()["classes"]["measure_words"])))


def _match_measure(
    measures: tuple[Measure, ...], want: set[str], ctx: set[str]
) -> tuple[Measure, bool] | None:
    """Best measure whose words overlap ``want``; True when the head matched."""
    best: tuple[int, int, Measure, bool] | None = None
    for k, m in enumerate(measures):
        head = set(tokenize(measure_head(m.description)))
        full = set(tokenize(m.description))
        if not (head & want or full & want):
            continue
        # words of the measure name the user did not write count against it ("extra small")
        score = 2 * len(head & want) + len(full & (want | ctx)) - len(head - want)
        if best is None or score > best[0]:
            best = (score, k, m, bool(head & want))
    return None if best is None else (best[2], best[3])
