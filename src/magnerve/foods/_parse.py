"""Free-text diary lines: "1/2 cup boiled spinach" -> food, amount, unit, grams."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from magnerve.foods._db import load_database
from magnerve.foods._portions import (
    AmountError,
    Portion,
    PortionError,
    measure_head,
    measure_words,
    parse_amount,
    to_grams,
)
from magnerve.foods._search import SearchHit, get_index, tokenize
from magnerve.foods._units import lookup_unit

__all__ = ["FoodRef", "ParseError", "ParsedLine", "parse_food_amount", "parse_line"]

# Confidence factors for how the unit was understood. They scale the search score into the
# line confidence; they are ranking heuristics, not nutritional numbers.
_UNIT_CONFIDENCE = {"exact": 1.0, "converted": 0.9, "assumed": 0.75}
_NO_AMOUNT_CONFIDENCE = 0.8
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
        0-1: search score of the food times a factor for how the unit was understood.
    alternatives : list of SearchHit
        Other candidate foods, best first.
    notes : list of str
        Assumptions made (unit assumed, measure chosen, amount assumed).
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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (without nutrients)."""
        return {
            "text": self.text,
            "food": {"id": self.food.id, "description": self.food.description},
            "amount": self.amount,
            "unit": self.unit,
            "grams": round(self.grams, 3),
            "measure": self.measure,
            "confidence": round(self.confidence, 3),
            "alternatives": [h.to_dict() for h in self.alternatives],
            "notes": list(self.notes),
        }


def _split_unit(rest: str) -> tuple[str | None, str]:
    """Split "cup boiled spinach" into ("cup", "boiled spinach")."""
    words = rest.split()
    for size in (3, 2, 1):
        if len(words) >= size:
            cand = " ".join(words[:size])
            single = size == 1 and cand in ("T", "t", "c")
            if lookup_unit(cand) is not None and not (single and len(words) == 1):
                remainder = words[size:]
                if remainder and remainder[0].lower() == "of":
                    remainder = remainder[1:]
                return cand, " ".join(remainder)
    # household measure words at the start: "medium banana", "2 large eggs", "slice of bread"
    taken: list[str] = []
    mw = measure_words()
    while words and tokenize(words[0]) and all(t in mw for t in tokenize(words[0])):
        taken.append(words.pop(0))
    if taken:
        if words and words[0].lower() == "of":
            words = words[1:]
        if words:
            return " ".join(taken), " ".join(words)
    return None, rest


def _portion_confidence(p: Portion, unit_given: bool) -> float:
    if not unit_given:
        return _UNIT_CONFIDENCE["assumed"]
    return _UNIT_CONFIDENCE["exact" if p.exact else "converted"]


def parse_food_amount(
    food_text: str, amount: float | None, unit: str | None, *, text: str | None = None
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

    Returns
    -------
    ParsedLine

    Raises
    ------
    ParseError
        When no food matches, or the unit cannot be converted for any close match.
    """
    db = load_database()
    notes: list[str] = []
    line = text if text is not None else food_text
    if amount is None:
        amount = 1.0
        notes.append("no amount given; assumed 1")
    base_conf = 1.0 if "no amount given; assumed 1" not in notes else _NO_AMOUNT_CONFIDENCE
    unit_given = bool(unit)
    ft = food_text.strip()
    if ft.isdigit() and len(ft) <= 5 and ft.zfill(5) in db.index:
        ndb = ft.zfill(5)
        try:
            p = to_grams(ndb, amount, unit, context=line)
        except PortionError as e:
            raise ParseError(str(e), e.measures) from None
        if p.note:
            notes.append(p.note)
        desc = db.descriptions[db.index[ndb]]
        return ParsedLine(
            line,
            FoodRef(ndb, desc),
            amount,
            p.unit,
            p.grams,
            p.measure.description if p.measure else None,
            base_conf * _portion_confidence(p, unit_given),
            [],
            notes,
        )
    if ft.isdigit():
        raise ParseError(
            f"{ft!r} looks like an NDB number but no SR28 food has it",
            ["use `magnerve foods search` to find the food's 5-digit NDB number"],
        )
    hits = get_index().search(ft, limit=6)
    if not hits or hits[0].score < _MIN_MATCH_SCORE:
        closest = [f"{h.id} {h.description}" for h in hits[:3]]
        raise ParseError(
            f"no food matches {ft!r}",
            ["check the spelling, or use `magnerve foods search` to find the food", *closest],
        )
    errors: list[PortionError] = []
    for k, hit in enumerate(hits):
        if k > 0 and hit.score < hits[0].score - _SWITCH_MARGIN:
            break
        try:
            p = to_grams(hit.id, amount, unit, context=line + " " + ft)
        except PortionError as e:
            errors.append(e)
            continue
        if k > 0:
            notes.append(f"{hits[0].description!r} has no measure {unit!r}; used the next match")
        if p.note:
            notes.append(p.note)
        conf = hit.score * base_conf * _portion_confidence(p, unit_given)
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
        )
    raise ParseError(str(errors[0]), errors[0].measures)


def parse_line(text: str) -> ParsedLine:
    """Understand a free-text diary line.

    Parameters
    ----------
    text : str
        For example ``"1/2 cup boiled spinach"``, ``"1 medium banana"``, ``"30 g almonds"``,
        ``"2 large shredded wheat biscuits"``, ``"1 oz dry roasted cashews"``,
        ``"1 tbsp olive oil"``, ``"250 ml whole milk"`` or ``"½ cup cooked lentils"``.

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
        amount, rest = parse_amount(line)
    except AmountError as e:
        raise ParseError(str(e), ["e.g. '2 slices whole wheat bread'"]) from None
    unit, food_text = _split_unit(rest)
    if not food_text.strip():
        raise ParseError(
            f"no food named in {line!r}",
            ["write the food after the amount and unit, e.g. '1 cup cooked oatmeal'"],
        )
    return parse_food_amount(food_text, amount, unit, text=line)


def unit_label(unit: str | None) -> str:
    """Short label of a unit or measure for tables."""
    if not unit:
        return ""
    u = lookup_unit(unit)
    return u.name if u else measure_head(unit)
