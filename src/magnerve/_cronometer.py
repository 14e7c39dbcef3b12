"""Cronometer exports: the ``Amount`` field, serving weights, supplements and export checks.

Pure helpers used by :mod:`magnerve.diary` (which owns the entry types). Format notes:
``docs/cronometer_format.md``.

* ``Amount`` is ``"<quantity> <serving>"``; the serving may carry a multiplier
  (``"50.00 x 0.5 cup"`` = 25 cups), a stated weight or volume of one serving
  (``"3.00 regular size bar - each 2.07 oz"``, ``"1.00 shake (11 fl oz)"``) or a qualifier
  (``"1.00 medium - 7"" to 7 7/8"" long"``, ``"1.00 cup, chopped"``).
* The grams of a serving come, in this order, from a mass unit, the stated weight, the stated
  volume through the food's own SR28 volume measures, a volume unit through those measures, or
  the SR28 household measure whose description matches the serving text. A serving with no
  matching SR28 measure is an error, never another measure.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Literal

from magnerve._limits import diary_limits
from magnerve.foods import load_database, nutrients
from magnerve.foods._portions import PortionError, measure_head, piece_weight, to_grams
from magnerve.foods._search import tokenize
from magnerve.foods._units import lookup_unit
from magnerve.registry import get_registry

if TYPE_CHECKING:  # pragma: no cover
    from magnerve._sections import SaltForm

__all__ = [
    "AGREE_ABS_KCAL",
    "AGREE_ABS_MG",
    "AGREE_REL",
    "CronometerAmount",
    "ExportComparison",
    "ProfileChoice",
    "ProfileFit",
    "ServingGrams",
    "SupplementDose",
    "choose_by_profile",
    "compare_with_export",
    "is_supplement_row",
    "parse_cronometer_amount",
    "profile_fit",
    "serving_grams",
    "supplement_dose",
]

#: A row's SR28 magnesium agrees with the export when within this share of the export value
#: ``or`` within :data:`AGREE_ABS_MG` (the issue's target: 10 % or 2 mg).
AGREE_REL = 0.10
#: Absolute magnesium tolerance [mg] (export values are rounded to 0.01 mg; SR28 to 1 mg/100 g).
AGREE_ABS_MG = 2.0
#: Absolute energy tolerance [kcal] for the energy comparison (same 10 % share).
AGREE_ABS_KCAL = 10.0
#: A row in Cronometer's "Supplements" category with at least this energy is a food (a protein
#: shake or a bar), counted with the export's values; below it, a supplement.
SUPPLEMENT_MAX_KCAL = 20.0
#: Per-serving doses of a magnesium salt at or above this mass [mg] named after the salt
#: ("Magnesium Glycinate 1000 mg") are read as salt mass; below, as elemental magnesium (labels
#: state elemental magnesium; 350 mg is the UL for supplemental magnesium, so 500 mg elemental
#: per serving is rare while 500-1500 mg salt tablets are common).
SALT_DOSE_FROM_MG = 500.0

_NUM = r"\d+(?:\.\d+)?(?:\s+\d+/\d+)?|\d+/\d+|\.\d+"
_UNIT_WORDS = r"fl\.?\s*oz|fluid\s+ounces?|oz|ounces?|grams?|g|ml|kg|lb|lbs|cups?|tbsp|tsp|l"
_STATED_EACH = re.compile(
    rf"\s+-\s+(?:each\s+)?(?P<num>{_NUM})\s*(?P<unit>{_UNIT_WORDS})\s*$", re.IGNORECASE
)
_STATED_PAREN = re.compile(
    rf"\s*\(\s*(?:each\s+)?(?P<num>{_NUM})\s*(?P<unit>{_UNIT_WORDS})\s*\)", re.IGNORECASE
)
_QUANTITY = re.compile(r"^\s*(?P<q>\d+(?:[.,]\d+)?|\.\d+)(?:\s+(?P<rest>.*))?$", re.DOTALL)
# "1,000.00 g": a leading quantity with thousands separators (every comma before 3 digits)
_THOUSANDS = re.compile(r"^\s*[1-9]\d{0,2}(?:,\d{3})+(?=\.\d|\s|$)")
_MULTIPLIER = re.compile(r"^x\s*(?P<m>\d+(?:\.\d+)?|\.\d+)\s*(?P<rest>.*)$", re.IGNORECASE)


def _number(text: str) -> float:
    parts = text.split()
    total = 0.0
    for p in parts:
        if "/" in p:
            n, d = p.split("/", 1)
            total += float(n) / float(d)
        else:
            total += float(p)
    return total


Construct = Literal["zero", "mass", "multiplier", "stated", "volume", "household"]


@dataclass(frozen=True, slots=True)
class CronometerAmount:
    """A Cronometer ``Amount`` cell understood.

    Attributes
    ----------
    text : str
        The cell as exported.
    quantity : float
        The number before the first space [-].
    multiplier : float
        ``M`` of ``"N x M unit"`` (1 when there is none) [-].
    unit : str
        The serving name ("g", "cup", "can", "regular size bar", "half", "medium").
    qualifier : str
        Words describing the serving ("chopped", ``7" to 7 7/8" long``); "" when none.
    each_amount : float or None
        Stated size of one serving ("each 2.07 oz" -> 2.07), when the export states it.
    each_unit : str or None
        Unit of ``each_amount`` (a mass or volume unit name).
    multiplied : bool
        True for the ``"N x M unit"`` form.
    """

    text: str
    quantity: float
    multiplier: float = 1.0
    unit: str = ""
    qualifier: str = ""
    each_amount: float | None = None
    each_unit: str | None = None
    multiplied: bool = False

    @property
    def count(self) -> float:
        """Number of servings: ``quantity x multiplier`` [-]."""
        return self.quantity * self.multiplier

    @property
    def construct(self) -> Construct:
        """Which form of ``Amount`` this is (for reports and benchmarks)."""
        if self.quantity == 0:
            return "zero"
        u = lookup_unit(self.unit)
        if self.multiplied:
            return "multiplier"
        if self.each_amount is not None:
            return "stated"
        if u is not None:
            return "mass" if u.kind == "mass" else "volume"
        return "household"


def parse_cronometer_amount(text: str) -> CronometerAmount:
    """Read a Cronometer ``Amount`` cell.

    Parameters
    ----------
    text : str
        For example ``"150.00 g"``, ``"50.00 x 0.5 cup"``, ``"5.61 can - each 12 fl oz"``,
        ``"3.00 regular size bar - each 2.07 oz"``, ``"1.00 shake (11 fl oz)"``,
        ``"20.00 half"`` or ``"0.00 g"``.

    Returns
    -------
    CronometerAmount

    Raises
    ------
    ValueError
        When the cell does not start with a number, or the number of servings is not finite
        or beyond the sanity bound of ``data/limits.toml`` (``max_nutrient_value``).

    Examples
    --------
    >>> a = parse_cronometer_amount("50.00 x 0.5 cup")
    >>> a.count, a.unit
    (25.0, 'cup')
    >>> a = parse_cronometer_amount("3.00 regular size bar - each 2.07 oz")
    >>> a.unit, a.each_amount, a.each_unit
    ('regular size bar', 2.07, 'oz')
    """
    m = _QUANTITY.match(_THOUSANDS.sub(lambda t: t.group(0).replace(",", ""), text or ""))
    if not m:
        raise ValueError(f"amount {text!r} does not start with a number")
    quantity = float(m.group("q").replace(",", "."))
    rest = " ".join((m.group("rest") or "").split())
    multiplier = 1.0
    mm = _MULTIPLIER.match(rest)
    if mm:
        multiplier = float(mm.group("m"))
        rest = mm.group("rest").strip()
    bound = diary_limits().max_nutrient_value
    if not (math.isfinite(quantity) and math.isfinite(multiplier)) or (
        quantity * multiplier > bound
    ):
        raise ValueError(
            f"amount {text[:40]!r} is beyond the sanity bound of {bound:,.0f} servings"
        )
    each_amount: float | None = None
    each_unit: str | None = None
    for pat in (_STATED_EACH, _STATED_PAREN):
        sm = pat.search(rest)
        if sm:
            u = lookup_unit(sm.group("unit").replace(".", ""))
            size = _number(sm.group("num"))
            if u is not None and u.kind in ("mass", "volume") and 0 <= size <= bound:
                each_amount = size
                each_unit = u.name
                rest = (rest[: sm.start()] + " " + rest[sm.end() :]).strip()
                break
    unit, qualifier = rest, ""
    if " - " in rest:
        unit, qualifier = (s.strip() for s in rest.split(" - ", 1))
    elif "," in rest and lookup_unit(rest) is None:
        unit, qualifier = (s.strip() for s in rest.split(",", 1))
    return CronometerAmount(
        text, quantity, multiplier, unit, qualifier, each_amount, each_unit, mm is not None
    )


@dataclass(frozen=True, slots=True)
class ServingGrams:
    """Grams of a Cronometer serving of an SR28 food.

    Attributes
    ----------
    grams : float
        Edible weight of the whole row [g].
    unit : str
        Unit as understood (mass or volume unit name, or the SR28 measure head).
    measure : str or None
        SR28 household measure used, if any.
    exact : bool
        True when the serving was read without any conversion choice (a mass unit, a stated
        weight, or the SR28 measure the export names).
    note : str or None
        How the weight was obtained, when anything was converted.
    """

    grams: float
    unit: str
    measure: str | None
    exact: bool
    note: str | None = None


_GENERIC_COUNT = {"each", "whole", "piece", "item", "unit"}


def _words(text: str) -> set[str]:
    return {w for w in tokenize(text.replace('"', " in ")) if not w.replace(".", "").isdigit()}


def _named_measure(ndb: str, unit: str, qualifier: str) -> tuple[float, str] | None:
    """Grams per serving of the SR28 measure named by the export's serving text."""
    db = load_database()
    want = _words(unit)
    if not want:
        return None
    qual = _words(qualifier)
    best: tuple[int, float, str] | None = None
    for m in db.measures.get(ndb, ()):
        head = _words(measure_head(m.description))
        full = _words(m.description)
        if not head & want or not (head <= want or want <= full):
            continue
        # words of the measure the export does not have ("king size") count against it
        extra = head - want
        score = 4 * len(head & want) + len(full & (want | qual)) - 3 * len(extra)
        score -= len(full - head - want - qual)
        if best is None or score > best[0]:
            best = (score, m.grams_per_unit, m.description)
    return None if best is None else (best[1], best[2])


def serving_grams(ndb: str, amount: CronometerAmount) -> ServingGrams:
    """Grams of a Cronometer row for an SR28 food.

    Parameters
    ----------
    ndb : str
        SR28 NDB number of the food.
    amount : CronometerAmount
        The row's ``Amount``.

    Returns
    -------
    ServingGrams

    Raises
    ------
    PortionError
        When the serving cannot be converted without choosing a different measure (the
        message lists the food's measures).
    """
    count = amount.count
    if count == 0:
        return ServingGrams(0.0, amount.unit, None, True, "0.00 quantity: counted as zero")
    u = lookup_unit(amount.unit)
    if u is not None and u.kind == "mass":
        return ServingGrams(count * u.factor, u.name, None, True)
    if amount.each_amount is not None and amount.each_unit is not None:
        eu = lookup_unit(amount.each_unit)
        assert eu is not None  # parse_cronometer_amount only keeps known units
        size = f"{amount.each_amount:g} {amount.each_unit}"
        if eu.kind == "mass":
            return ServingGrams(
                count * amount.each_amount * eu.factor,
                amount.unit,
                None,
                True,
                f"{amount.unit!r} weighed as stated in the export ({size} each)",
            )
        p = to_grams(ndb, count * amount.each_amount, amount.each_unit, context=amount.unit)
        how = f"{amount.unit!r} of {size} each (stated in the export)"
        meas = p.measure.description if p.measure else None
        return ServingGrams(
            p.grams, amount.unit, meas, True, how + (f"; density from {meas!r}" if meas else "")
        )
    if u is not None:  # volume: through the food's own volume measures
        p = to_grams(ndb, count, amount.unit, context=amount.qualifier)
        return ServingGrams(
            p.grams, p.unit, p.measure.description if p.measure else None, p.exact, p.note
        )
    named = _named_measure(ndb, amount.unit, amount.qualifier)
    if named is not None:
        each, desc = named
        return ServingGrams(count * each, measure_head(desc), desc, True)
    db = load_database()
    measures = db.measures.get(ndb, ())
    want = set(tokenize(amount.unit))
    for m in measures:  # "20.00 half" of walnuts: "oz (14 halves)"
        piece = piece_weight(m, want)
        if piece is not None:
            note = f"{amount.unit!r} from the SR28 measure {m.description!r} ({piece:.3g} g each)"
            return ServingGrams(count * piece, amount.unit, m.description, True, note)
    if want and want <= _GENERIC_COUNT:
        p = to_grams(ndb, count, None, context=amount.unit)
        if p.measure is not None and (
            set(tokenize(measure_head(p.measure.description))) & (_GENERIC_COUNT | {"medium"})
        ):
            note = (
                f"Cronometer's {amount.unit!r} read as the SR28 measure {p.measure.description!r}"
            )
            return ServingGrams(p.grams, p.unit, p.measure.description, False, note)
    listing = "; ".join(m.label() for m in measures) or "none (grams only)"
    raise PortionError(
        f"{db.descriptions[db.index[ndb]]} has no SR28 measure matching the export's serving "
        f"{amount.unit!r}. Its measures: {listing}.",
        [m.label() for m in measures],
    )


@dataclass(frozen=True, slots=True)
class ExportComparison:
    """SR28 figures of a row next to the export's own.

    Attributes
    ----------
    magnesium_sr28 : float or None
        Magnesium of the row from SR28 [mg] (None when SR28 has no value).
    magnesium_export : float or None
        The export's ``Magnesium (mg)`` cell (None when empty or absent).
    energy_sr28, energy_export : float or None
        The same for energy [kcal].
    agrees : bool or None
        True when every compared figure agrees, False when one disagrees, None when nothing
        could be compared.
    reason : str
        Why they disagree ("" when they agree or nothing was compared).
    """

    magnesium_sr28: float | None
    magnesium_export: float | None
    energy_sr28: float | None
    energy_export: float | None
    agrees: bool | None
    reason: str = ""

    def to_dict(self) -> dict[str, float | bool | str | None]:
        """JSON-ready mapping."""
        return {
            "magnesium_sr28": _r(self.magnesium_sr28),
            "magnesium_export": self.magnesium_export,
            "energy_sr28": _r(self.energy_sr28),
            "energy_export": self.energy_export,
            "agrees": self.agrees,
            "reason": self.reason,
        }


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


def agrees(ours: float, theirs: float, abs_tol: float = AGREE_ABS_MG) -> bool:
    """True when two amounts agree within :data:`AGREE_REL` of ``theirs`` or ``abs_tol``."""
    diff = abs(ours - theirs)
    return diff <= abs_tol or diff <= AGREE_REL * abs(theirs)


@cache
def _per_100g(ndb: str) -> tuple[float | None, float | None]:
    n = nutrients(ndb)
    return n.get("magnesium_mg"), n.get("energy_kcal")


def compare_with_export(
    ndb: str, grams: float, export: dict[str, float | None]
) -> ExportComparison:
    """Compare the SR28 magnesium and energy of a row with the export's values.

    Parameters
    ----------
    ndb : str
        SR28 NDB number of the matched food.
    grams : float
        Weight of the row [g].
    export : dict
        The row's export values by nutrient key (``magnesium_mg``, ``energy_kcal``).

    Returns
    -------
    ExportComparison
        Disagreement: more than 10 % and more than 2 mg of magnesium, or more than 10 % and
        more than 10 kcal of energy.
    """
    mg100, kcal100 = _per_100g(ndb)
    mg = None if mg100 is None else mg100 * grams / 100.0
    kcal = None if kcal100 is None else kcal100 * grams / 100.0
    mg_x, kcal_x = export.get("magnesium_mg"), export.get("energy_kcal")
    reasons: list[str] = []
    compared = False
    if mg is not None and mg_x is not None:
        compared = True
        if not agrees(mg, mg_x):
            reasons.append(f"magnesium {mg:.1f} mg from SR28 vs {mg_x:g} mg in the export")
    if kcal is not None and kcal_x is not None:
        compared = True
        if not agrees(kcal, kcal_x, AGREE_ABS_KCAL):
            reasons.append(f"energy {kcal:.0f} kcal from SR28 vs {kcal_x:g} kcal in the export")
    ok = None if not compared else not reasons
    return ExportComparison(mg, mg_x, kcal, kcal_x, ok, "; ".join(reasons))


# -- the export's own nutrient profile ----------------------------------------------------

#: Nutrients compared when the export's nutrient profile is used to check a match and its
#: weight, each with a floor [its unit]: a nutrient is compared only when one of the two
#: values reaches three times its floor, and the floor is added to both before the ratio so
#: that trace amounts (rounded to 0.01 in the export) do not dominate. **Magnesium is never
#: compared**: it is the figure the match is checked against. Engineering choices, not
#: reference values (about 1-2 % of a day's reference amount each).
PROFILE_FLOORS: dict[str, float] = {
    "energy_kcal": 5.0,
    "protein_g": 0.5,
    "fat_g": 0.5,
    "carbohydrate_g": 1.0,
    "fiber_g": 0.5,
    "sugars_g": 1.0,
    "water_g": 2.0,
    "calcium_mg": 5.0,
    "iron_mg": 0.2,
    "phosphorus_mg": 10.0,
    "potassium_mg": 20.0,
    "sodium_mg": 10.0,
    "zinc_mg": 0.2,
    "copper_mg": 0.03,
    "manganese_mg": 0.05,
}
#: Fewest nutrients a profile comparison needs before it may change anything.
PROFILE_MIN_NUTRIENTS = 4
#: A candidate food replaces the search's first match only when its profile distance (mean
#: absolute log ratio, see :func:`profile_fit`) is lower by this much ...
PROFILE_SWITCH_MARGIN = 0.2
#: ... and at most this (the export then looks like that food, not only less unlike it).
PROFILE_SWITCH_MAX = 0.3
#: A weak search match is accepted as the food when its profile fits this closely, over at
#: least :data:`PROFILE_CONFIRM_NUTRIENTS` nutrients.
PROFILE_CONFIRM_MAX = 0.1
PROFILE_CONFIRM_NUTRIENTS = 6
#: When the profile's *shape* (ratios after one common scale) fits within this, a serving that
#: was not weighed (a household measure or a volume) takes the weight the export implies.
PROFILE_SCALE_SHAPE = 0.15
_PROFILE_CLIP = 2.0  # one wildly different nutrient counts as at most e^2 = 7.4x


@dataclass(frozen=True, slots=True)
class ProfileFit:
    """How well an SR28 food at a weight reproduces an export row's nutrients.

    Attributes
    ----------
    distance : float
        Mean absolute natural-log ratio SR28/export over the compared nutrients, each clipped
        at 2 [-]; 0 is a perfect fit, 0.1 about 10 % apart.
    shape : float
        Mean absolute deviation of the log ratios from their median, over the nutrients where
        both values are at least three floors (no floor in the ratio) [-]: how alike the foods
        are whatever the weight (2 when fewer than three such nutrients).
    scale : float
        Weight factor the export implies: ``exp(-median log ratio)`` over the same nutrients
        [-] (2 = the export's nutrients are those of twice the weight; 1 when unknown).
    n : int
        Nutrients compared.
    """

    distance: float
    shape: float
    scale: float
    n: int


def profile_fit(ndb: str, grams: float, export: Mapping[str, float | None]) -> ProfileFit | None:
    """Compare an SR28 food at a weight with an export row's nutrient values.

    Parameters
    ----------
    ndb : str
        SR28 NDB number.
    grams : float
        Weight of the row [g].
    export : mapping
        The row's export values by nutrient key (None where empty).

    Returns
    -------
    ProfileFit or None
        None when fewer than :data:`PROFILE_MIN_NUTRIENTS` nutrients can be compared (a
        teaspoon of a spice: too little to tell foods apart).
    """
    if not grams > 0:
        return None
    per100 = nutrients(ndb)
    logs: list[float] = []
    strong: list[float] = []  # both values well above the floor: no floor in the ratio
    for key, floor in PROFILE_FLOORS.items():
        a100, b = per100.get(key), export.get(key)
        if a100 is None or b is None:
            continue
        a = a100 * grams / 100.0
        if max(a, b) < 3.0 * floor:
            continue
        logs.append(math.log((a + floor) / (b + floor)))
        if min(a, b) >= 3.0 * floor:
            strong.append(math.log(a / b))
    if len(logs) < PROFILE_MIN_NUTRIENTS:
        return None
    dist = statistics.fmean(min(abs(v), _PROFILE_CLIP) for v in logs)
    if len(strong) >= 3:
        med = statistics.median(strong)
        shape = statistics.fmean(min(abs(v - med), _PROFILE_CLIP) for v in strong)
    else:  # too few nutrients to tell a weight from another food
        med, shape = 0.0, _PROFILE_CLIP
    return ProfileFit(dist, shape, math.exp(-med), len(logs))


@dataclass(frozen=True, slots=True)
class ProfileChoice:
    """A food and weight for an export row, checked against the export's own nutrients.

    Attributes
    ----------
    ndb : str
        SR28 NDB number chosen.
    description : str
        Its SR28 description.
    serving : ServingGrams
        Its weight (possibly the weight the export implies, see ``scaled``).
    fit : ProfileFit or None
        Fit of the chosen food at the chosen weight's *serving* (before any rescale).
    switched : bool
        True when a later search candidate replaced the first match.
    scaled : bool
        True when the weight is the one the export's nutrients imply.
    confirmed : bool
        True when the fit is close enough to accept a weak search match.
    notes : tuple of str
        What was done, in words.
    """

    ndb: str
    description: str
    serving: ServingGrams
    fit: ProfileFit | None
    switched: bool = False
    scaled: bool = False
    confirmed: bool = False
    notes: tuple[str, ...] = ()


def _weighed(amount: CronometerAmount) -> bool:
    """True when the row gives a weight (a mass unit, or a stated mass per serving)."""
    u = lookup_unit(amount.unit)
    if u is not None and u.kind == "mass":
        return True
    eu = lookup_unit(amount.each_unit) if amount.each_unit else None
    return eu is not None and eu.kind == "mass"


@cache
def _word_counts() -> dict[str, int]:
    """Number of SR28 descriptions each word stem occurs in."""
    counts: dict[str, int] = {}
    for desc in load_database().descriptions:
        for w in set(tokenize(desc)):
            counts[w] = counts.get(w, 0) + 1
    return counts


def _same_food_words(name: str, first: str, candidate: str) -> bool:
    """True when a candidate keeps the words that make the first match that food.

    Of the name's words that the first match's description has, the candidate must keep the
    rarest in SR28 (the most specific: "belly" of "Pork belly", not "pork") and may lack at
    most one other ("Raspberries, fresh, red" may become "Raspberries, raw").
    """
    words = set(tokenize(name))
    shared = words & set(tokenize(first))
    if not shared:
        return True
    kept = shared & set(tokenize(candidate))
    counts = _word_counts()
    rarest = min(shared, key=lambda w: (counts.get(w, 0), w))
    return rarest in kept and len(shared - kept) <= 1


def choose_by_profile(
    name: str,
    candidates: Sequence[tuple[str, str]],
    amount: CronometerAmount,
    export: Mapping[str, float | None],
) -> ProfileChoice | None:
    """Check the search's food and weight for an export row against the row's own nutrients.

    The export states energy, macronutrients and minerals for each row. They are compared
    (never magnesium) with each search candidate at the row's serving weight
    (:func:`profile_fit`):

    * a later candidate replaces the first when it fits clearly better
      (:data:`PROFILE_SWITCH_MARGIN`, :data:`PROFILE_SWITCH_MAX`): "Raspberries, fresh" whose
      export profile is that of unsweetened fruit, not the sweetened frozen pack the words
      matched first;
    * a serving that was not weighed (a household measure or a volume) takes the weight the
      export's nutrients imply when the foods are alike in shape
      (:data:`PROFILE_SCALE_SHAPE`): "2.16 cup, mashed" strawberries weigh as mashed, not
      halved;
    * a close fit over many nutrients confirms a weak search match
      (:data:`PROFILE_CONFIRM_MAX`).

    Only candidates that keep the specific words of the first match may replace it
    (:func:`_same_food_words`): the profile chooses among variants of the food named, never
    another food that happens to have similar nutrients.

    Parameters
    ----------
    name : str
        The row's ``Food Name``.
    candidates : sequence of (ndb, description)
        The search's first match, then its alternatives, best first.
    amount : CronometerAmount
        The row's ``Amount``.
    export : mapping
        The row's export values by nutrient key.

    Returns
    -------
    ProfileChoice or None
        None when the first candidate's serving cannot be weighed or too few nutrients can be
        compared: the caller keeps the search's answer.
    """
    fits: list[tuple[int, str, str, ServingGrams, ProfileFit]] = []
    for i, (ndb, desc) in enumerate(candidates):
        try:
            sg = serving_grams(ndb, amount)
        except PortionError:
            continue
        f = profile_fit(ndb, sg.grams, export)
        if f is not None:
            fits.append((i, ndb, desc, sg, f))
    first = next((x for x in fits if x[0] == 0), None)
    if first is None:
        return None
    fits = [x for x in fits if x is first or _same_food_words(name, first[2], x[2])]
    chosen = first
    best = min(fits, key=lambda x: x[4].distance)
    notes: list[str] = []
    switched = False
    if (
        best is not first
        and best[4].distance <= PROFILE_SWITCH_MAX
        and best[4].distance < first[4].distance - PROFILE_SWITCH_MARGIN
    ):
        chosen, switched = best, True
        notes.append(
            f"the export's nutrients (energy, macronutrients, minerals; not magnesium) fit "
            f"SR28 {best[1]} {best[2]!r} better than the search's first match {first[2]!r}"
        )
    _, ndb, desc, sg, f = chosen
    scaled = False
    if (
        not _weighed(amount)
        and f.shape <= PROFILE_SCALE_SHAPE
        and abs(f.scale - 1.0) > AGREE_REL
        and sg.grams > 0
    ):
        grams = sg.grams * f.scale
        notes.append(
            f"weight {grams:.0f} g implied by the export's nutrients (the SR28 measure gives "
            f"{sg.grams:.0f} g for {amount.text!r})"
        )
        sg = ServingGrams(grams, sg.unit, sg.measure, False, notes[-1])
        scaled = True
    confirmed = f.distance <= PROFILE_CONFIRM_MAX and f.n >= PROFILE_CONFIRM_NUTRIENTS
    return ProfileChoice(ndb, desc, sg, f, switched, scaled, confirmed, tuple(notes))


# -- supplements ---------------------------------------------------------------------------


def _forms() -> Mapping[str, SaltForm]:
    """Magnesium salts by name (the typed ``supplement_forms.toml``)."""
    return get_registry().section("supplement_forms").forms


_FORM_SYNONYMS = {
    "bisglycinate": "glycinate",
    "diglycinate": "glycinate",
    "glycine": "glycinate",
    "l-threonate": "threonate",
    "taurinate": "taurate",
    "sulphate": "sulfate",
    "epsom": "sulfate",
}
_NUTRIENT_WORDS = {
    "magnesium": "magnesium_mg",
    "zinc": "zinc_mg",
    "calcium": "calcium_mg",
    "vitamin d": "vitamin_d_iu",
    "vitamin d3": "vitamin_d_iu",
    "d3": "vitamin_d_iu",
    "b6": "vitamin_b6_mg",
    "vitamin b6": "vitamin_b6_mg",
    "pyridoxine": "vitamin_b6_mg",
}
_DOSE = re.compile(
    r"(?P<num>\d+(?:[.,]\d+)?)\s*(?P<unit>mg|mcg|µg|ug|iu|g)\b(?P<el>\s+elemental)?", re.I
)


def is_supplement_row(name: str, category: str | None, energy_kcal: float | None) -> bool:
    """True when a Cronometer row is a dietary supplement rather than a food.

    A row is a supplement when its name says so (:func:`magnerve.foods.looks_like_supplement`:
    "Vitamin D, 1000 IU", "Zinc", "Magnesium Glycinate 200 mg"), or when Cronometer files it
    under "Supplements" and it gives less than 20 kcal (a protein shake in that category is a
    food).

    Parameters
    ----------
    name : str
        ``Food Name`` cell.
    category : str or None
        ``Category`` cell (None when the export has no such column).
    energy_kcal : float or None
        ``Energy (kcal)`` cell.

    Returns
    -------
    bool
    """
    from magnerve.foods import looks_like_supplement

    if looks_like_supplement(name):
        return True
    if (category or "").strip().lower() == "supplements":
        return energy_kcal is None or energy_kcal < SUPPLEMENT_MAX_KCAL
    return False


@dataclass(frozen=True, slots=True)
class SupplementDose:
    """Dose and form of a supplement row, read from its name and amount.

    Attributes
    ----------
    form : str or None
        Magnesium salt named ("glycinate", "citrate"; keys of ``supplement_forms.toml``).
    hydrate : str or None
        Hydrate named ("hexahydrate").
    elemental_mg : float or None
        Elemental magnesium of the row from the name and amount [mg] (None when no magnesium
        dose is given).
    salt_mg : float or None
        Salt mass of the row when the dose is a salt mass [mg].
    doses : dict
        Other nutrient doses of the row read from the name (``zinc_mg``, ``vitamin_d_iu``,
        ``calcium_mg``, ``vitamin_b6_mg``).
    notes : list of str
        How the dose was read.
    """

    form: str | None
    hydrate: str | None
    elemental_mg: float | None
    salt_mg: float | None
    doses: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _find_form(low: str) -> tuple[str | None, str | None]:
    forms = _forms()
    hydrate = None
    form = None
    for word in re.findall(r"[a-z][a-z-]*", low):
        w = _FORM_SYNONYMS.get(word, word)
        if w in forms and form is None:
            form = w
    if form is not None:
        for hyd in forms[form].hydrates:
            if hyd in low:
                hydrate = hyd
    return form, hydrate


def _elemental_fraction(form: str, hydrate: str | None) -> float:
    entry = _forms()[form]
    if hydrate:
        return float(entry.hydrates[hydrate].elemental_fraction)
    return float(entry.elemental_fraction)


def supplement_dose(name: str, amount: CronometerAmount) -> SupplementDose:
    """Read the dose and form of a supplement row from its name and amount.

    Magnesium: a dose marked "elemental", written "Magnesium 200 mg (as citrate)" or right after
    the word magnesium is elemental; a dose after the salt ("Magnesium Glycinate 1000 mg") is a
    salt mass when it is at least :data:`SALT_DOSE_FROM_MG`, converted with the elemental
    fraction of ``data/supplement_forms.toml`` (the stoichiometry of
    :func:`magnerve.assessment.supplement_daily`). An amount in a mass unit ("400.00 mg") is
    the dose of the whole row. Other nutrients ("Zinc 15 mg", "Vitamin D, 1000 IU") are read
    the same way.

    Parameters
    ----------
    name : str
        ``Food Name`` cell, e.g. ``"Magnesium Glycinate 200 mg"``.
    amount : CronometerAmount
        The row's amount ("2.00 capsule" doubles the dose).

    Returns
    -------
    SupplementDose
    """
    low = " ".join(name.lower().replace("-", " - ").split()).replace(" - ", "-")
    form, hydrate = _find_form(low)
    notes: list[str] = []
    count = amount.count
    u = lookup_unit(amount.unit)
    mass_amount_mg = count * u.factor * 1000.0 if u is not None and u.kind == "mass" else None
    doses: dict[str, float] = {}
    elemental: float | None = None
    salt: float | None = None
    matches = list(_DOSE.finditer(low))
    for dm in matches:
        before = low[: dm.start()]
        # the nutrient this dose belongs to: the last nutrient word before it
        key, pos = None, -1
        for word, k in _NUTRIENT_WORDS.items():
            p = before.rfind(word)
            if p > pos:
                key, pos = k, p
        if key is None:
            key = "magnesium_mg" if "magnesium" in low else None
        if key is None:
            continue
        val = float(dm.group("num").replace(",", "."))
        if not val <= diary_limits().max_nutrient_value:  # also inf: "Zinc 999...9 mg"
            notes.append(f"dose {dm.group(0)[:30]!r} beyond the sanity bound: not read")
            continue
        unit = dm.group("unit").lower()
        if key == "vitamin_d_iu":
            if unit != "iu":
                val = val * 40.0 if unit in ("mcg", "µg", "ug") else val
        elif unit in ("mcg", "µg", "ug"):
            val /= 1000.0
        elif unit == "g":
            val *= 1000.0
        per_dose = val
        if key != "magnesium_mg":
            doses.setdefault(key, per_dose * count)
            continue
        if elemental is not None or salt is not None:
            continue
        between = low[pos : dm.start()]
        elemental_marked = bool(dm.group("el")) or "elemental" in low or " as " in low[dm.end() :]
        after_salt = form is not None and any(
            f in between for f in (form, *[s for s, t in _FORM_SYNONYMS.items() if t == form])
        )
        if not elemental_marked and after_salt and per_dose >= SALT_DOSE_FROM_MG:
            salt = per_dose * count
            frac = _elemental_fraction(form, hydrate)  # type: ignore[arg-type]
            elemental = salt * frac
            notes.append(
                f"{per_dose:g} mg read as {form} salt per serving ({frac:.1%} elemental): "
                f"{elemental:.0f} mg elemental magnesium"
            )
        else:
            elemental = per_dose * count
            if after_salt and not elemental_marked:
                notes.append(
                    f"{per_dose:g} mg read as elemental magnesium (a salt dose would be "
                    f"{SALT_DOSE_FROM_MG:g} mg or more)"
                )
    if elemental is None and "magnesium" in low and mass_amount_mg is not None:
        if form is not None and mass_amount_mg >= SALT_DOSE_FROM_MG:
            salt = mass_amount_mg
            frac = _elemental_fraction(form, hydrate)
            elemental = salt * frac
            notes.append(f"amount {mass_amount_mg:g} mg read as {form} salt ({frac:.1%} elemental)")
        else:
            elemental = mass_amount_mg
            notes.append(f"amount {mass_amount_mg:g} mg read as elemental magnesium")
    if elemental is not None and not (math.isfinite(elemental) and elemental >= 0):
        elemental = None
    return SupplementDose(form, hydrate, elemental, salt, doses, notes)
