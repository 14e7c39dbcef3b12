"""Amounts and portions: from "1 1/2 cup" or "2 large" to grams of a given SR28 food.

Mass units convert directly. Volume units convert through the food's own SR28
household measures (a food with a "cup" measure of 30 g weighs 30 g / 236.6 ml);
``to_grams`` never assumes a density. Only for a typed line whose food SR28 weighs
but gives no volume ("1 tbsp chia") does the parser borrow the density of the most
similar SR28 food of the same kind (:func:`borrowed_volume`), say so in a note and
lower the line's confidence. Household words ("medium", "slice", "biscuit") are
matched against the food's SR28 measure descriptions; a count of a food ("6 chicken
nuggets", "20 walnut halves", "3 cookies") uses the weight of one piece, read from a
measure that states its count ("serving 3 cookies", "oz (14 halves)") or from a
"piece" measure, never a serving.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

from magnerve.foods._db import Measure, load_database
from magnerve.foods._search import _lexicon, tokenize
from magnerve.foods._units import Unit, household_amount, lookup_unit

__all__ = [
    "AmountError",
    "Portion",
    "PortionError",
    "measure_head",
    "measure_words",
    "parse_amount",
    "piece_weight",
    "split_unit",
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
      | (?P<dec>(?:\d+(?:[.,]\d+)?|[.,]\d+)(?:[eE][-+]?\d+)?)   # 2, 0.25, .5, 0,5, 1e3
    )""",
    re.VERBOSE,
)
_RANGE = re.compile(r"^\s*\d+(?:[.,]\d+)?\s*(?:-|–|to)\s*\d+(?:[.,]\d+)?\b(?!\s*/)")
_NEGATIVE = re.compile(r"^\s*[-−]\s*[\d.,½¼¾⅓⅔⅛]")
# "nan g", "Inf cup", "-infinity": a float spelling that is no amount
# longest amount text read [characters]: an engineering limit below Python's 4,300-digit
# integer conversion limit (a float holds about 309 digits)
_MAX_AMOUNT_CHARS = 400
_NON_FINITE = re.compile(r"^\s*[-+−]?\s*(?:nan|inf(?:inity)?)(?![a-z])", re.IGNORECASE)
# fraction and division slashes, full-width digits and punctuation: read as ASCII
_ASCII_AMOUNT = str.maketrans(
    {
        "\u2044": "/",  # FRACTION SLASH: "1⁄2"
        "\u2215": "/",  # DIVISION SLASH
        "\uff0f": "/",  # FULLWIDTH SOLIDUS
        "\uff0e": ".",
        "\uff0c": ",",
        "\uff0b": "+",
        "\uff0d": "-",
        **{chr(0xFF10 + k): str(k) for k in range(10)},  # FULLWIDTH DIGIT ZERO..NINE
    }
)


def unit_text(text: str) -> str:
    """Unit text in one spelling: NFKC-normalised, with the Greek small letter mu (U+03BC,
    what NFKC makes of the micro sign) written as the micro sign U+00B5 the unit table uses
    (``"10 μg"`` reads as ``"10 µg"``)."""
    return unicodedata.normalize("NFKC", text).replace("\u03bc", "\u00b5")


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


_SPLIT_SINGLE = ("T", "t", "c")


def split_unit(rest: str) -> tuple[str | None, str]:
    """Split the text after an amount into its unit and the food.

    Parameters
    ----------
    rest : str
        For example ``"cup boiled spinach"``, ``"medium banana"`` or ``"slice of bread"``.

    Returns
    -------
    unit : str or None
        A mass or volume unit or household measure words, or None when the text starts with
        the food.
    food : str
        The remaining text naming the food.
    """
    words = rest.split()
    for size in (3, 2, 1):
        if len(words) >= size:
            cand = " ".join(words[:size])
            single = size == 1 and cand in _SPLIT_SINGLE
            if lookup_unit(unit_text(cand)) is not None and not (single and len(words) == 1):
                remainder = words[size:]
                if remainder and remainder[0].lower() == "of":
                    remainder = remainder[1:]
                return cand, " ".join(remainder)
    # household measure words at the start: "medium banana", "2 large eggs", "slice of bread"
    taken: list[str] = []
    mw = measure_words()
    while words and tokenize(words[0]) and all(t in mw for t in tokenize(words[0])):
        if len(words) > 1 and _food_compound(words[0], words[1]):
            break  # "whole wheat bread", "thick cut chips": the word belongs to the food
        taken.append(words.pop(0))
    if taken:
        if words and words[0].lower() == "of":
            words = words[1:]
        if words:
            return " ".join(taken), " ".join(words)
    return None, rest


# measure words that also begin a food's name: "whole wheat", "whole grain", "whole milk"
_COMPOUND_NEXT = {
    "whole": {"wheat", "grain", "meal", "milk", "egg", "wheatmeal", "rye", "oat", "kernel"},
}


def _food_compound(word: str, nxt: str) -> bool:
    """True when a measure word followed by ``nxt`` names a food rather than a portion."""
    follow = _COMPOUND_NEXT.get(word.lower())
    return bool(follow and set(tokenize(nxt)) & follow)


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
        For a range ("2-3 slices"), a zero, negative, not finite ("nan", "inf") or too large
        amount ("1e309").

    Notes
    -----
    Scientific notation is an amount (``"1e3 g"`` is 1000 g). The fraction slash U+2044,
    the division slash U+2215 and full-width digits read as their ASCII forms
    (``"1⁄2 cup"`` is half a cup).
    """
    s = text.strip().translate(_ASCII_AMOUNT)
    if _NON_FINITE.match(s):
        raise AmountError(f"amount {s.split()[0]!r} is not a finite number; give a number, e.g. 30")
    if _NEGATIVE.match(s):
        raise AmountError(f"amount must be more than zero, got {s.split()[0]!r}")
    if _RANGE.match(s):
        raise AmountError(f"{s!r} gives a range of amounts; give a single amount, e.g. '2 slices'")
    m = _AMOUNT.match(s)
    if m and len(m.group(0)) > _MAX_AMOUNT_CHARS:  # Python reads at most 4,300 digits
        raise AmountError(f"amount of {len(m.group(0)):,} characters is too large to be a number")
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
            dec = g["dec"].replace(",", ".")
            exp = re.search(r"[eE][-+]?(\d+)$", dec)
            if exp is not None and (len(exp.group(1)) > 3 or int(exp.group(1)) > 400):
                raise AmountError(f"amount {m.group(0).strip()!r} is not a usable number")
            value = Fraction(dec)
        if value <= 0:
            raise AmountError(f"amount must be more than zero, got {m.group(0).strip()!r}")
        try:
            amount = float(value)
        except OverflowError:  # "1e309", hundreds of digits: no float holds it
            raise AmountError(
                f"amount {m.group(0).strip()!r} is too large to be a number"
            ) from None
        if amount == 0.0 or amount == float("inf"):  # "1e-400" underflows to zero
            raise AmountError(f"amount {m.group(0).strip()!r} is not a usable number")
        return amount, s[m.end() :].strip()
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


_COUNT_IN_MEASURE = re.compile(r"(\d+(?:\.\d+)?)\s+([a-z][a-z-]*)")
# measures that are a count of the food itself, in order of preference
_PIECE_HEADS = ("piece", "each", "whole", "item", "unit", "fruit", "medium")
# measures that are not one of the food ("serving", "package"): a count never means them
_NOT_A_PIECE = {"serving", "nlea", "package", "container", "packet", "cup", "oz", "lb", "pint"}


def piece_weight(m: Measure, words: set[str]) -> float | None:
    """Weight of one piece when a measure states its count: ``"oz (14 halves)"`` -> 2.03 g.

    Parameters
    ----------
    m : Measure
        An SR28 household measure.
    words : set of str
        Word stems naming the piece ("half", "cookie", "nugget").

    Returns
    -------
    float or None
        Grams of one piece [g], or None when the measure states no count of these pieces.
    """
    for num, word in _COUNT_IN_MEASURE.findall(m.description.lower()):
        if set(tokenize(word)) & words and float(num) > 0:
            return m.grams_per_unit / float(num)
    return None


def _count_measure(
    measures: tuple[Measure, ...], ctx: set[str], food_nouns: frozenset[str] = frozenset()
) -> tuple[Measure, float, str] | None:
    """The measure of one piece of the food: (measure, grams of one piece, how it was chosen).

    Prefers a measure that states the count of the piece the line names ("serving 3 cookies",
    "oz (14 halves)"), then one named after it ("nugget", "avocado"), then a generic piece
    ("piece", "each", "medium"). Servings and packages are never a piece. ``food_nouns`` are
    the words naming the food in its SR28 description ("fish sticks").
    """
    nouns = ctx - _NOT_A_PIECE
    for m in measures:
        w = piece_weight(m, nouns)
        if w is not None:
            return m, w, "count"
    heads = [(m, set(tokenize(measure_head(m.description)))) for m in measures]
    # a measure named after the piece: first as typed ("nugget"), then as SR28 names the food
    # ("2 fish fingers" -> "Fish, fish sticks": its "stick" measure, not the larger "piece")
    for pool in (nouns, food_nouns - _NOT_A_PIECE - _SIZE_WORDS):
        for m, h in heads:
            if h & pool and not h & _NOT_A_PIECE and _measure_unit(m) is None:
                return m, m.grams_per_unit, "named"
    for word in _PIECE_HEADS:
        for m, h in heads:
            if word in h and not h & _NOT_A_PIECE:
                return m, m.grams_per_unit, "piece"
    return None


def _describe(measures: tuple[Measure, ...]) -> list[str]:
    return [m.label() for m in measures]


def _qualifier_overlap(m: Measure, context: set[str]) -> int:
    """Words of the measure beyond its unit ("chopped" in "cup, chopped") found in context."""
    words = set(tokenize(m.description)) - set(tokenize(measure_head(m.description)))
    return len(words & context)


def to_grams(
    ndb: str, amount: float, unit: str | None, context: str = "", *, bare: bool = False
) -> Portion:
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
    bare : bool, default False
        The line gave neither an amount nor a unit ("broccoli"): when the food has no piece
        measure, its first ordinary SR28 measure (a cup, a spear), never a bunch or package.

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

    if unit:
        unit = unit_text(unit)
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
        counted = _count_measure(measures, ctx, _food_nouns(name))
        if counted is not None:
            m, each, how = counted
            what = "each" if how != "count" else "each, from the measure's count"
            return Portion(
                amount * each,
                measure_head(m.description),
                m,
                False,
                f"no unit given; assumed {m.description!r} ({each:g} g {what})",
            )
        if not household:
            raise PortionError(
                f"no unit given and {name} has no countable measure in SR28. "
                f"Its measures: {listing}. Give a unit, e.g. grams.",
                _describe(measures),
            )
        m, each = _one_of(measures, household, bare)
        what = "no amount or unit given" if bare else "no unit given"
        return Portion(
            amount * each,
            measure_head(m.description),
            m,
            False,
            f"{what}; assumed {m.description!r} ({each:g} g each)",
        )

    want = set(tokenize(unit))
    found = _match_measure(measures, want, ctx)
    if found is not None and not found[1]:
        # "20 half" of walnuts: the word is a counted piece of a measure ("oz (14 halves)")
        for pm in measures:
            piece = piece_weight(pm, want)
            if piece is not None:
                piece_note = (
                    f"{unit!r} from the SR28 measure {pm.description!r} ({piece:.3g} g each)"
                )
                return Portion(amount * piece, unit, pm, False, piece_note)
    if found is None:
        # "2 large shredded wheat biscuits": the measure word may sit in the food text
        found = _match_measure(measures, ctx & measure_words(), ctx)
    if found is None and want & (_SIZE_WORDS | {"whole"}):
        # "1/2 medium avocado": no sizes in SR28, but a measure of one whole food
        whole = _count_measure(measures, ctx | {"medium"})
        if whole is not None:
            wm, wg, _ = whole
            size_note = f"no {unit!r} measure in SR28; used {wm.description!r} ({wg:g} g)"
            return Portion(amount * wg, measure_head(wm.description), wm, False, size_note)
    if found is None:
        typical = _typical_amount(ndb, amount, unit, context)
        if typical is not None:
            return typical
        raise PortionError(
            f"{name} has no SR28 measure called {unit!r}. Its measures: {listing}. "
            "Give the amount in grams or in one of these measures.",
            _describe(measures),
        )
    m, exact = found
    exact = exact and bool(set(tokenize(measure_head(m.description))) & want)
    note = None if exact else f"matched {unit!r} to the SR28 measure {m.description!r}"
    return Portion(amount * m.grams_per_unit, measure_head(m.description), m, exact, note)


_SIZE_WORDS = {"small", "medium", "large", "extra", "jumbo"}
# measures that hold many servings: never assumed for a bare name or a count of the food
_CONTAINER_WORDS = {
    *("bunch", "package", "pkg", "container", "head", "loaf", "box", "bag", "jar", "can"),
    *("bottle", "carton", "recipe", "yield", "batch", "lb", "pound", "pie", "cake", "tub"),
    *("gallon", "quart", "pint", "block", "brick"),
}
# measures of one dish item: a count of a dish ("1 ham sandwich") means one of these
_ITEM_WORDS = {"serving", "sandwich", "burger", "sub", "item", "each", "order", "taco"}
_DIMENSION_WORDS = {"inch", "in", "cm"}


def _food_nouns(description: str) -> frozenset[str]:
    """Stems of the first two segments of an SR28 description ("Fish, fish sticks")."""
    return frozenset(tokenize(" ".join(description.split(",")[:2])))


def _one_of(
    measures: tuple[Measure, ...], household: list[Measure], bare: bool
) -> tuple[Measure, float]:
    """One of a food that has no piece measure: (measure, grams of one).

    A measure sized by a dimension ("6 inch sub") is one item of that size; a count of a dish
    takes its serving or sandwich measure; otherwise the first ordinary measure in SR28 order
    (SR28 lists its standard measure first). Containers (bunch, package, loaf) only when
    nothing else is left. ``bare`` (no amount, no unit) also considers volume measures
    ("cup, chopped"), never a container.
    """
    pool = list(measures) if bare else household

    def head(m: Measure) -> set[str]:
        return set(tokenize(measure_head(m.description)))

    ordinary = [m for m in pool if not head(m) & _CONTAINER_WORDS] or pool or list(measures)
    sized = [m for m in ordinary if head(m) & _DIMENSION_WORDS and m.amount > 1]
    if sized:
        m = min(sized, key=lambda x: x.grams)
        return m, m.grams  # "6 inch sub": one sub of six inches
    item = [m for m in ordinary if head(m) & _ITEM_WORDS]
    if item and not bare:
        return item[0], item[0].grams_per_unit
    return ordinary[0], ordinary[0].grams_per_unit


TYPICAL_NOTE = "typical amount"
_SERVING_WORDS = {"serve", "portion", "helping", "plate", "plateful"}


def _typical_amount(ndb: str, amount: float, unit: str, context: str) -> Portion | None:
    """A household word with no SR28 measure ("a glass of", "a handful of"): its typical
    amount from ``units.toml`` ``[household]``, by the food's own density for a volume."""
    if set(tokenize(unit)) & _SERVING_WORDS:  # "a serve of lasagne": SR28's serving, else first
        measures = load_database().measures.get(ndb, ())
        pick = _match_measure(measures, {"serving"}, set()) if measures else None
        m = pick[0] if pick else (measures[0] if measures else None)
        if m is None:
            return None
        note = f"{TYPICAL_NOTE}: a {unit!r} taken as the SR28 measure {m.description!r}"
        return Portion(amount * m.grams_per_unit, measure_head(m.description), m, False, note)
    typical = household_amount(unit)
    if typical is None:
        return None
    if typical.grams is not None:
        grams = amount * typical.grams
        measure = None
    else:
        assert typical.ml is not None
        try:
            by_volume = to_grams(ndb, amount * typical.ml, "ml", context)
        except PortionError:
            return None
        grams = by_volume.grams
        measure = by_volume.measure
    what = f"{typical.grams:g} g" if typical.grams is not None else f"{typical.ml:g} ml"
    note = (
        f"{TYPICAL_NOTE}: no SR28 measure {unit!r}; 1 {typical.name} taken as {what} "
        f"({typical.source})"
    )
    return Portion(grams, typical.name, measure, False, note)


def borrowed_volume(ndb: str, amount: float, unit: str) -> Portion | None:
    """Volume of a food without a volume measure, through the closest SR28 food that has one.

    SR28 gives some foods only weights ("Seeds, chia seeds, dried": 1 oz; "Yogurt, Greek,
    plain, nonfat": 1 container). For a typed line such as "1 tbsp chia" the density of the
    most similar food of the same SR28 group and kind (same first description segment, e.g.
    "Seeds", "Yogurt") that has a volume measure is used, and the note says which. The result
    is never ``exact``: the parser flags such lines for review.

    Parameters
    ----------
    ndb : str
        SR28 NDB number of the food.
    amount : float
        Number of units [-].
    unit : str
        A volume unit ("tbsp", "cup", "ml").

    Returns
    -------
    Portion or None
        The portion, or None when the unit is not a volume or no similar food has a volume.
    """
    from magnerve.foods._search import get_index

    u = lookup_unit(unit)
    if u is None or u.kind != "volume":
        return None
    db = load_database()
    i = db.food_index(ndb)
    desc = db.descriptions[i]
    kind = desc.split(",")[0].strip().lower()
    group = db.group_codes[i]
    for hit in get_index().search(desc, limit=60):
        j = db.index[hit.id]
        if hit.id == db.ids[i] or db.group_codes[j] != group:
            continue
        if hit.description.split(",")[0].strip().lower() != kind:
            continue
        vol = [
            (m, mu)
            for m in db.measures.get(hit.id, ())
            if (mu := _measure_unit(m)) and mu.kind == "volume"
        ]
        if not vol:
            continue
        m, mu = next(((m, mu) for m, mu in vol if mu.name == u.name), vol[0])
        grams = amount * u.factor * m.grams_per_unit / mu.factor
        note = (
            f"{desc} has no volume measure in SR28; used the density of {hit.description!r} "
            f"(1 {m.description} = {m.grams_per_unit:g} g)"
        )
        return Portion(grams, u.name, m, False, note)
    return None


@cache
def measure_words() -> frozenset[str]:
    """Household measure words (stems) that may name a portion: "slice", "large", "biscuit"."""
    return frozenset(tokenize(" ".join(_lexicon().classes["measure_words"])))


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
