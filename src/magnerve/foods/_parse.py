"""Free-text diary lines: "1/2 cup boiled spinach" -> food, amount, unit, grams."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, Literal

from magnerve._limits import diary_limits
from magnerve.foods._aliases import alias_key, lookup_alias
from magnerve.foods._db import load_database
from magnerve.foods._portions import (
    TYPICAL_NOTE,
    AmountError,
    Portion,
    PortionError,
    borrowed_volume,
    measure_head,
    parse_amount,
    split_unit,
    to_grams,
)
from magnerve.foods._search import SearchHit, _lexicon, get_index, tokenize
from magnerve.foods._units import lookup_unit

__all__ = [
    "UNCERTAIN_BELOW",
    "FoodMatch",
    "FoodRef",
    "ParseError",
    "ParsedLine",
    "PortionBoundError",
    "SupplementLineError",
    "check_portion",
    "looks_like_supplement",
    "match_food",
    "normalise_thousands",
    "parse_food_amount",
    "parse_line",
]

# Confidence factors for how the unit was understood. They scale the match confidence into the
# line confidence; they are heuristics, not nutritional numbers. A unit that had to be assumed
# or converted is a smaller doubt than the food itself, so these factors are mild.
_UNIT_CONFIDENCE = {
    "exact": 1.0,
    "converted": 0.95,
    "assumed": 0.9,
    "borrowed": 0.7,
    "typical": 0.8,
    # a word between the amount and the food that is neither a unit nor a word of the food
    # ("1 stone almonds"): the amount was read as a count, which may be wrong (also flagged)
    "unknown_word": 0.8,
}
_NO_AMOUNT_CONFIDENCE = 0.95
#: Lines whose confidence is below this are flagged ``uncertain`` and carry their top
#: alternatives for review. Chosen on the 581 labelled phrases of the search sets (development
#: and held-out 1-3; docs/search_evaluation.md): at 0.55 ``parse_line`` flags 22 of its 57 wrong
#: first matches and 46 of its 499 right ones (9 %); 0.60 would flag 25 wrong for 70 right,
#: 0.50 17 wrong for 40 right. Most wrong matches left unflagged are a near variant of the
#: right food (creamed vs lowfat cottage cheese), which no score separates.
UNCERTAIN_BELOW = 0.55
# match confidence = score x (1 - _UNMATCHED_WEIGHT x share of typed food words the food lacks)
#                  x min(1, _MARGIN_BASE + _MARGIN_WEIGHT x lead over the next food)
_UNMATCHED_WEIGHT = 0.3
_MARGIN_BASE = 0.85
_MARGIN_WEIGHT = 0.5
_SAME_FOOD_OVERLAP = 0.5  # description word overlap (Jaccard) above which two hits are variants
_MARGIN_FULL = 0.3  # lead assumed when every other hit is a variant of the chosen food
_SWITCH_MARGIN = 0.08  # how far below the best hit an alternative may be and still be used
_MIN_MATCH_SCORE = 0.25  # below this, the best hit shares too little with the text to be used


class ParseError(ValueError):
    """A diary line could not be understood.

    Attributes
    ----------
    reason : str
        What went wrong, in words.
    suggestions : list of str
        What the user could write instead (foods, measures).
    """

    def __init__(self, reason: str, suggestions: list[str] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.suggestions = suggestions or []


def _grams_text(g: float) -> str:
    """Grams for a message: thousands separated, no rounding up to the bound (25,000.25)."""
    return f"{g:,.2f}".rstrip("0").rstrip(".") if math.isfinite(g) else str(g)


class PortionBoundError(ParseError):
    """The portion is beyond the sanity bound of one diary line (``max_portion_g`` of
    ``data/limits.toml``)."""


def check_portion(parsed: ParsedLine) -> ParsedLine:
    """``parsed`` when its portion is within the sanity bound of one line.

    Parameters
    ----------
    parsed : ParsedLine
        A parsed line.

    Returns
    -------
    ParsedLine
        The same line.

    Raises
    ------
    PortionBoundError
        When its grams are above ``max_portion_g`` of ``data/limits.toml`` [g] (or not a
        number): the same message for :func:`parse_line` and the diary readers.
    """
    bound = diary_limits().max_portion_g
    if not parsed.grams <= bound:
        raise PortionBoundError(
            f"portion of {_grams_text(parsed.grams)} g is beyond the sanity bound of "
            f"{_grams_text(bound)} g "
            "for one diary line (a typo in the amount or unit?)",
            ["check the amount and unit, e.g. '30 g almonds'"],
        )
    return parsed


class SupplementLineError(ParseError):
    """The line names a dietary supplement ("Vitamin D, 1000 IU", "Magnesium glycinate"),
    which is not an SR28 food; record it as a supplement instead."""


_SUP_TOKEN = re.compile(r"[a-zµ0-9][a-zµ0-9&+.-]*")
_DOSE = re.compile(r"^[0-9][0-9.,]*(?:mg|mcg|ug|µg|g|iu|ml|x|k)?$")


@cache
def _supplement_words() -> tuple[
    frozenset[str], frozenset[str], frozenset[str], frozenset[str], tuple[str, ...], frozenset[str]
]:
    sup = _lexicon().supplements
    phrases = tuple(sorted((w for w in sup["ingredients"] if " " in w), key=len, reverse=True))
    singles = frozenset(w for w in sup["ingredients"] if " " not in w)
    return (
        frozenset(sup["markers"]),
        frozenset(sup["nutrients"]),
        singles,
        frozenset(sup["forms"]),
        phrases,
        frozenset(sup["not_core"]),
    )


def looks_like_supplement(text: str) -> bool:
    """True when a diary line or food name is a dietary supplement, not a food.

    A line is a supplement when it names a nutrient ("Vitamin D", "Zinc", "Magnesium
    glycinate") or a supplement ingredient ("Inulin", "Creatine", "Fish oil") with nothing
    left over but doses, salt forms and supplement words, or when it has a supplement word
    ("capsule", "softgel", "IU") and either nothing else or a nutrient. Foods that mention a
    nutrient keep their food words and stay foods ("Calcium-fortified orange juice",
    "Vitamin water", "Fish oil, cod liver"). The word lists are in
    ``data/search_lexicon.toml`` (``[supplements]``).

    Parameters
    ----------
    text : str
        A diary line or a food name as exported ("Vitamin D, 1000 IU").

    Returns
    -------
    bool

    Examples
    --------
    >>> looks_like_supplement("Magnesium glycinate"), looks_like_supplement("Zinc")
    (True, True)
    >>> looks_like_supplement("calcium fortified orange juice")
    False
    """
    markers, nutrients, singles, forms, phrases, not_core = _supplement_words()
    t = " " + text.lower().replace("’", "'") + " "
    core = False
    for ph in phrases:
        if f" {ph} " in t or f" {ph}," in t or f" {ph}s " in t:
            t = t.replace(ph, " ")
            core = True
    marker = False
    leftover = False
    for tok in _SUP_TOKEN.findall(t):
        tok = tok.strip(".-")
        if re.fullmatch(r"[a-z]-\d+", tok):  # "b-12" -> "b12"
            tok = tok.replace("-", "")
        if not tok or _DOSE.match(tok) or tok in ("a", "an", "the", "of", "per", "x"):
            continue
        if tok in markers:
            marker = True
        elif tok in singles or (tok in nutrients and tok not in not_core):
            core = True
        elif tok in nutrients or tok in forms:
            continue
        else:
            leftover = True
    return (core and (not leftover or marker)) or (marker and not leftover)


@dataclass(frozen=True, slots=True)
class FoodRef:
    """A reference to an SR28 food: NDB number and description."""

    id: str
    description: str


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """A diary line understood as an amount of an SR28 food.

    Attributes
    ----------
    text : str
        The line as given.
    food : FoodRef
        The food chosen.
    amount : float
        Number of units [-].
    unit : str
        Unit as understood (mass or volume unit, or SR28 measure word).
    grams : float
        Edible weight [g].
    measure : str or None
        SR28 household measure used for the conversion, if any.
    confidence : float
        0-1: how sure the match is (the search score of the food, 1 for an NDB number or the
        user's alias) times mild factors for how the amount and unit were understood.
    alternatives : list of SearchHit
        Other candidate foods, best first.
    notes : list of str
        Assumptions made (unit assumed, measure chosen, amount assumed).
    uncertain : bool
        True when ``confidence`` is below :data:`UNCERTAIN_BELOW`: the line should be
        reviewed, choosing from ``alternatives`` (and saved with
        :func:`magnerve.foods.add_alias`).
    """

    text: str
    food: FoodRef
    amount: float
    unit: str
    grams: float
    measure: str | None
    confidence: float
    alternatives: list[SearchHit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    uncertain: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (without nutrients).

        The dump of :class:`magnerve.schemas.ParsedLineOut` (the ``parse`` JSON Schema,
        ``docs/schema/parse.json``, adds the nutrients).
        """
        from magnerve.schemas import ParsedLineOut, dump

        raw = {
            "text": self.text,
            "food": {"id": self.food.id, "description": self.food.description},
            "amount": self.amount,
            "unit": self.unit,
            "grams": round(self.grams, 3),
            "measure": self.measure,
            "confidence": round(self.confidence, 3),
            "alternatives": [h.to_dict() for h in self.alternatives],
            "notes": list(self.notes),
            "uncertain": self.uncertain,
        }
        return dump(ParsedLineOut.model_validate(raw))


@dataclass(frozen=True, slots=True)
class FoodMatch:
    """How a food text (no amount) resolves: for review steps and diary readers.

    Attributes
    ----------
    text : str
        The text as given.
    key : str
        The normalised text aliases are stored under (:func:`magnerve.foods.alias_key`).
    food : FoodRef or None
        The food chosen; None for a supplement or when nothing matches.
    confidence : float
        0-1 match confidence (1 for an alias or NDB number).
    uncertain : bool
        True when the match should be reviewed (``confidence < UNCERTAIN_BELOW``, or no food).
    alternatives : list of SearchHit
        Other candidate foods, best first.
    source : {"alias", "ndb", "search", "supplement", "none"}
        How the food was found.
    """

    text: str
    key: str
    food: FoodRef | None
    confidence: float
    uncertain: bool
    alternatives: list[SearchHit]
    source: Literal["alias", "ndb", "search", "supplement", "none"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "text": self.text,
            "key": self.key,
            "food": None
            if self.food is None
            else {"id": self.food.id, "description": self.food.description},
            "confidence": round(self.confidence, 3),
            "uncertain": self.uncertain,
            "alternatives": [h.to_dict() for h in self.alternatives],
            "source": self.source,
        }


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _match_confidence(text: str, hits: list[SearchHit], k: int) -> float:
    """Confidence that ``hits[k]`` is the food ``text`` names (calibrated on the search sets)."""
    index = get_index()
    hit = hits[k]
    typed = [q for q in index.analyse(text) if q.original and q.need >= 1.0]
    desc = set(tokenize(hit.description))
    missing = sum(
        1
        for q in typed
        if q.stem not in desc and not (index._equivalents.get(q.stem, set()) & desc)
    )
    share = missing / len(typed) if typed else 0.0
    # lead over the next *different* food: a variant of the same food (another brand, with or
    # without salt) close behind is no doubt about what was eaten
    others = [
        h.score
        for h in hits
        if h.id != hit.id and _overlap(desc, set(tokenize(h.description))) < _SAME_FOOD_OVERLAP
    ]
    lead = hit.score - others[0] if others else _MARGIN_FULL
    conf = hit.score * (1.0 - _UNMATCHED_WEIGHT * share)
    conf *= min(1.0, _MARGIN_BASE + _MARGIN_WEIGHT * max(lead, 0.0))
    return min(max(conf, 0.0), 1.0)


def _alias_for(text: str, aliases: Mapping[str, str] | None) -> str | None:
    """The NDB number an alias gives ``text``: from ``aliases`` (keyed by
    :func:`magnerve.foods.alias_key`) when given, else from the user's alias file."""
    if aliases is None:
        return lookup_alias(text)
    key = alias_key(text)
    return aliases.get(key) if key else None


def match_food(text: str, limit: int = 5, *, aliases: Mapping[str, str] | None = None) -> FoodMatch:
    """Resolve a food text without an amount, saying how sure the match is.

    Order: an SR28 NDB number; the user's alias (:func:`magnerve.foods.lookup_alias`, or
    ``aliases`` when given); a supplement (no food); the search, whose first hit is flagged
    ``uncertain`` below :data:`UNCERTAIN_BELOW`.

    Parameters
    ----------
    text : str
        A food name ("Brown rice, uncooked") or a whole line ("6 chicken nuggets").
    limit : int, default 5
        Number of alternatives.
    aliases : mapping of str to str, optional
        The aliases to use instead of the alias file: :func:`magnerve.foods.alias_key` of a
        food text -> SR28 NDB number (5 digits). None (default): the user's alias file
        (:func:`magnerve.foods.alias_path`); ``{}``: no aliases at all.

    Returns
    -------
    FoodMatch
    """
    db = load_database()
    key = alias_key(text)
    ft = text.strip()
    if ft.isascii() and ft.isdigit() and len(ft) <= 5 and ft.zfill(5) in db.index:
        ndb = ft.zfill(5)
        return FoodMatch(
            text, key, FoodRef(ndb, db.descriptions[db.index[ndb]]), 1.0, False, [], "ndb"
        )
    ndb_alias = _alias_for(text, aliases)
    if ndb_alias is not None and ndb_alias in db.index:
        ref = FoodRef(ndb_alias, db.descriptions[db.index[ndb_alias]])
        return FoodMatch(text, key, ref, 1.0, False, [], "alias")
    if looks_like_supplement(text):
        return FoodMatch(text, key, None, 0.0, True, [], "supplement")
    hits = get_index().search(key or ft, limit=limit + 1)
    if not hits or hits[0].score < _MIN_MATCH_SCORE:
        return FoodMatch(text, key, None, 0.0, True, hits[:limit], "none")
    conf = _match_confidence(key or ft, hits, 0)
    return FoodMatch(
        text,
        key,
        FoodRef(hits[0].id, hits[0].description),
        conf,
        conf < UNCERTAIN_BELOW,
        hits[1 : limit + 1],
        "search",
    )


def _portion_confidence(p: Portion, unit_given: bool) -> float:
    if not unit_given:
        return _UNIT_CONFIDENCE["assumed"]
    return _UNIT_CONFIDENCE["exact" if p.exact else "converted"]


def parse_food_amount(
    food_text: str,
    amount: float | None,
    unit: str | None,
    *,
    text: str | None = None,
    aliases: Mapping[str, str] | None = None,
) -> ParsedLine:
    """Resolve a food description plus an amount and unit given separately.

    Parameters
    ----------
    food_text : str
        Free text naming the food, or an SR28 NDB number.
    amount : float or None
        Number of units; None means 1 (noted).
    unit : str or None
        Unit or SR28 measure word; None means a count of the food.
    text : str, optional
        The original line, for messages.
    aliases : mapping of str to str, optional
        The aliases to use instead of the alias file (see :func:`match_food`); None: the
        user's alias file.

    Returns
    -------
    ParsedLine
        ``uncertain`` is set when the confidence is below :data:`UNCERTAIN_BELOW`.

    Raises
    ------
    SupplementLineError
        When the text names a dietary supplement (a :class:`ParseError`).
    ParseError
        When no food matches, or the unit cannot be converted for any close match.
    PortionBoundError
        When the portion is beyond the sanity bound of one line (``max_portion_g`` of
        ``data/limits.toml``).
    """
    return check_portion(_parse_food_amount(food_text, amount, unit, text=text, aliases=aliases))


def _parse_food_amount(
    food_text: str,
    amount: float | None,
    unit: str | None,
    *,
    text: str | None = None,
    aliases: Mapping[str, str] | None = None,
) -> ParsedLine:
    db = load_database()
    notes: list[str] = []
    line = text if text is not None else food_text
    if amount is None:
        amount = 1.0
        notes.append("no amount given; assumed 1")
    base_conf = 1.0 if "no amount given; assumed 1" not in notes else _NO_AMOUNT_CONFIDENCE
    unit_given = bool(unit)
    ft = food_text.strip()
    ndb: str | None = None
    if ft.isascii() and ft.isdigit() and len(ft) <= 5 and ft.zfill(5) in db.index:
        ndb = ft.zfill(5)
    elif ft.isascii() and ft.isdigit():
        raise ParseError(
            f"{ft!r} looks like an NDB number but no SR28 food has it",
            ["use `magnerve foods search` to find the food's 5-digit NDB number"],
        )
    else:
        chosen = _alias_for(ft, aliases)
        if chosen is not None and chosen in db.index:
            ndb = chosen
            notes.append(f"food from your alias for {alias_key(ft)!r}")
    if ndb is not None:
        try:
            bare = not unit_given and "no amount given; assumed 1" in notes
            p = to_grams(ndb, amount, unit, context=line, bare=bare)
        except PortionError as e:
            raise ParseError(str(e), e.measures) from None
        if p.note:
            notes.append(p.note)
        conf = base_conf * _portion_confidence(p, unit_given)
        return ParsedLine(
            line,
            FoodRef(ndb, db.descriptions[db.index[ndb]]),
            amount,
            p.unit,
            p.grams,
            p.measure.description if p.measure else None,
            conf,
            [],
            notes,
            conf < UNCERTAIN_BELOW,
        )
    if looks_like_supplement(ft):
        raise SupplementLineError(
            f"{ft!r} is a dietary supplement, not a food: record it with the supplements "
            "(profile or diary supplement rows), not as a food line",
            ["list supplements in the profile's [supplements] or as supplement diary rows"],
        )
    hits = get_index().search(ft, limit=6)
    if not hits or hits[0].score < _MIN_MATCH_SCORE:
        closest = [f"{h.id} {h.description}" for h in hits[:3]]
        raise ParseError(
            f"no food matches {ft!r}",
            ["check the spelling, or use `magnerve foods search` to find the food", *closest],
        )
    errors: list[PortionError] = []
    no_amount = not unit_given and "no amount given; assumed 1" in notes
    usable = [h for k, h in enumerate(hits) if k == 0 or h.score >= hits[0].score - _SWITCH_MARGIN]
    for k, hit in enumerate(usable):
        try:
            p = to_grams(hit.id, amount, unit, context=line + " " + ft, bare=no_amount)
        except PortionError as e:
            errors.append(e)
            continue
        if k > 0:
            notes.append(f"{hits[0].description!r} has no measure {unit!r}; used the next match")
        return _from_hit(line, ft, hits, k, amount, p, notes, base_conf, unit_given)
    if not unit_given:
        # a bare name ("oatmeal", "Brown rice, uncooked") or a count of a food SR28 does not
        # count ("a flat white", "2 cuppas"): that many of its first measure
        for k, hit in enumerate(usable):
            first = db.measures.get(hit.id, ())
            if first:
                m = first[0]
                if not no_amount:  # "a flat white": a serving or a cup rather than 1 fl oz
                    m = next(
                        (
                            x
                            for h in ("serving", "cup")
                            for x in first
                            if measure_head(x.description) == h
                        ),
                        m,
                    )
                p = to_grams(hit.id, amount, m.description, context=line)
                what = "no amount or unit given" if no_amount else "no unit given"
                p = Portion(
                    p.grams,
                    p.unit,
                    m,
                    False,
                    f"{what}; assumed {amount:g} {m.description} ({m.grams_per_unit:g} g each)",
                )
                return _from_hit(line, ft, hits, k, amount, p, notes, base_conf, unit_given)
    if unit:  # a volume for foods SR28 weighs only ("1 tbsp chia", "1 cup greek yogurt")
        for k, hit in enumerate(usable):
            bp = borrowed_volume(hit.id, amount, unit)
            if bp is not None:
                return _from_hit(line, ft, hits, k, amount, bp, notes, base_conf, unit_given)
    raise ParseError(str(errors[0]), errors[0].measures)


def _from_hit(
    line: str,
    food_text: str,
    hits: list[SearchHit],
    k: int,
    amount: float,
    p: Portion,
    notes: list[str],
    base_conf: float,
    unit_given: bool,
) -> ParsedLine:
    if p.note:
        notes.append(p.note)
    hit = hits[k]
    factor = _UNIT_CONFIDENCE["borrowed"] if "density of" in (p.note or "") else 1.0
    if TYPICAL_NOTE in (p.note or ""):  # a typical amount ("a glass"), not an SR28 measure
        factor = _UNIT_CONFIDENCE["typical"]
    conf = _match_confidence(food_text, hits, k) * base_conf * _portion_confidence(p, unit_given)
    conf *= factor
    uncertain = conf < UNCERTAIN_BELOW
    if uncertain:
        notes.append(
            f"uncertain match (confidence {conf:.2f} < {UNCERTAIN_BELOW}); check the food "
            "or choose one of the alternatives"
        )
    return ParsedLine(
        line,
        FoodRef(hit.id, hit.description),
        amount,
        p.unit,
        p.grams,
        p.measure.description if p.measure else None,
        conf,
        [h for h in hits if h.id != hit.id][:5],
        notes,
        uncertain,
    )


_THOUSANDS = re.compile(r"^(\s*)([1-9]\d{0,2}(?:,\d{3})+)(?![\d,])")


def normalise_thousands(text: str) -> str:
    """Drop the thousands separators of a leading amount: ``"1,000 g"`` -> ``"1000 g"``.

    A comma is a thousands separator when the number starts with 1-3 digits (not 0) and every
    comma is followed by exactly three digits (``1,000``, ``12,500.5``, ``1,000,000``).
    Otherwise it stays a decimal comma (``0,5``, ``1,25``, ``0,250``), as
    :func:`magnerve.foods.parse_amount` reads it.

    Parameters
    ----------
    text : str
        A line or amount cell, e.g. ``"1,000 g almonds"``.

    Returns
    -------
    str
        The text with the leading amount's thousands separators removed.

    Examples
    --------
    >>> normalise_thousands("1,000 g almonds"), normalise_thousands("0,5 cup")
    ('1000 g almonds', '0,5 cup')
    """
    m = _THOUSANDS.match(text)
    if m is None:
        return text
    return m.group(1) + m.group(2).replace(",", "") + text[m.end() :]


def parse_line(text: str, *, aliases: Mapping[str, str] | None = None) -> ParsedLine:
    """Understand a free-text diary line.

    Parameters
    ----------
    text : str
        For example ``"1/2 cup boiled spinach"``, ``"1 medium banana"``, ``"30 g almonds"``,
        ``"2 large shredded wheat biscuits"``, ``"1 oz dry roasted cashews"``,
        ``"1 tbsp olive oil"``, ``"250 ml whole milk"`` or ``"½ cup cooked lentils"``.
    aliases : mapping of str to str, optional
        The aliases to use instead of the user's alias file: :func:`magnerve.foods.alias_key`
        of a food text -> SR28 NDB number (5 digits), e.g. one account's corrections in a
        server. None (default): the alias file (:func:`magnerve.foods.alias_path`); ``{}``:
        no aliases.

    Returns
    -------
    ParsedLine
        Food, amount, unit, grams, confidence, ranked alternatives and notes.

    Raises
    ------
    ParseError
        With the reason and suggestions when the line cannot be understood.

    Examples
    --------
    >>> p = parse_line("1 medium banana")
    >>> p.food.id, p.grams
    ('09040', 118.0)
    """
    line = " ".join(text.replace("\u00a0", " ").split())
    if not line:
        raise ParseError("empty line", ["write an amount, a unit and a food, e.g. '30 g almonds'"])
    try:
        amount, rest = parse_amount(normalise_thousands(line))
    except AmountError as e:
        raise ParseError(str(e), ["e.g. '2 slices whole wheat bread'"]) from None
    except OverflowError:  # hundreds of digits: no float holds it
        raise ParseError(
            "the amount is too large to be a number", ["e.g. '2 slices whole wheat bread'"]
        ) from None
    unit, food_text = split_unit(rest)
    if not food_text.strip():
        raise ParseError(
            f"no food named in {line!r}",
            ["write the food after the amount and unit, e.g. '1 cup cooked oatmeal'"],
        )
    parsed = parse_food_amount(food_text, amount, unit, text=line, aliases=aliases)
    if amount is not None and unit is None:
        parsed = _flag_unknown_word(parsed, food_text)
    return parsed


def _flag_unknown_word(parsed: ParsedLine, food_text: str) -> ParsedLine:
    """A line whose first word after the amount is neither a unit magnerve knows nor a word
    of the food chosen ("1 stone almonds"): the amount was read as a count of the food, so
    the line says so, loses confidence and is flagged ``uncertain`` (never silently)."""
    words = food_text.split()
    if len(words) < 2 or any(n.startswith("food from your alias") for n in parsed.notes):
        return parsed
    stems = tokenize(words[0])
    if not stems:
        return parsed
    index = get_index()
    desc = set(tokenize(parsed.food.description))
    if any(st in desc or index._equivalents.get(st, set()) & desc for st in stems):
        return parsed
    conf = parsed.confidence * _UNIT_CONFIDENCE["unknown_word"]
    note = (
        f"{words[0]!r} is not a unit magnerve knows nor a word of {parsed.food.description!r}: "
        f"the amount was read as {parsed.amount:g} {parsed.unit or 'of the food'}; check the "
        "unit (e.g. write the amount in grams)"
    )
    return replace(parsed, confidence=conf, notes=[*parsed.notes, note], uncertain=True)


def unit_label(unit: str | None) -> str:
    """Short label of a unit or measure for tables."""
    if not unit:
        return ""
    u = lookup_unit(unit)
    return u.name if u else measure_head(unit)
