"""One vocabulary of health conditions, shared by the assessment, the findings and the plan.

People write conditions in their own words ("CKD stage 3", "renal insufficiency", "kidney
failure", "coeliac"). :func:`recognise` maps them to magnerve's conditions
(``data/conditions.toml``), reads the stage of chronic kidney disease, and reports what it does
not recognise. :func:`kidney_status` combines the stage read from the words with the eGFR
(KDIGO 2012 categories): the more severe of the two wins.

References
----------
.. [1] KDIGO 2012 Clinical Practice Guideline for the Evaluation and Management of Chronic
   Kidney Disease. Kidney Int Suppl 2013;3:1-150.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from magnerve.registry import get_registry, registry_cache

if TYPE_CHECKING:  # pragma: no cover
    from magnerve._sections import ConditionsData

__all__ = [
    "ConditionSet",
    "KidneyStatus",
    "RecognisedCondition",
    "kidney_status",
    "recognise",
]

_RULE_ORDER = {"none": 0, "malabsorption": 1, "clinician": 2, "refer": 3}
_STAGE_RE = re.compile(r"\b(?:stage|g|ckd)\s*([1-5])\s*([ab])?\b")
_STAGE_ALONE_RE = re.compile(r"\b([1-5])([ab])?\b")


def _data() -> ConditionsData:
    """The typed ``conditions.toml`` of the active registry."""
    return get_registry().section("conditions")


def _norm(text: str) -> str:
    t = re.sub(r"[^a-z0-9]+", " ", text.lower())
    return " ".join(t.split())


@registry_cache
def _synonyms() -> dict[str, str]:
    out: dict[str, str] = {}
    for key, entry in _data().conditions.items():
        for s in entry.synonyms:
            out[_norm(s)] = key
        out[_norm(key)] = key
    return out


@dataclass(frozen=True, slots=True)
class RecognisedCondition:
    """A condition as written and as recognised.

    Attributes
    ----------
    text : str
        What the person wrote.
    key : str
        magnerve's condition id (``"ckd_stage_3"``, ``"coeliac_disease"`` ...).
    category : str
        kidney, malabsorption, diabetes, neuropathy or other.
    rule : str
        none, malabsorption, clinician or refer (see ``data/conditions.toml``).
    ckd_stage : str or None
        KDIGO category ("G3a", "G4" ...), "unknown" for kidney disease of unstated stage.
    """

    text: str
    key: str
    category: str
    rule: str
    ckd_stage: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "text": self.text,
            "key": self.key,
            "category": self.category,
            "rule": self.rule,
            "ckd_stage": self.ckd_stage,
        }


@dataclass(frozen=True, slots=True)
class ConditionSet:
    """The recognised and unrecognised conditions of a profile."""

    recognised: tuple[RecognisedCondition, ...] = ()
    unrecognised: tuple[str, ...] = ()

    @property
    def keys(self) -> set[str]:
        """Recognised condition ids."""
        return {c.key for c in self.recognised}

    @property
    def categories(self) -> set[str]:
        """Categories present."""
        return {c.category for c in self.recognised}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "recognised": [c.to_dict() for c in self.recognised],
            "unrecognised": list(self.unrecognised),
        }


def _kidney(text: str) -> RecognisedCondition | None:
    t = _norm(text)
    k = _data()
    words = [_norm(w) for w in k.kidney_words]
    if not any(re.search(rf"\b{re.escape(w)}\b", t) for w in words):
        return None
    stage: str | None = None
    m = _STAGE_RE.search(t)
    if m is None and re.search(r"\b(ckd|stage)\b", t):
        m = _STAGE_ALONE_RE.search(t)
    if m is not None:
        n, sub = m.group(1), m.group(2)
        stage = f"G{n}{sub}" if n == "3" and sub else ("G3a" if n == "3" else f"G{n}")
    elif any(re.search(rf"\b{re.escape(_norm(w))}\b", t) for w in k.stage5_words):
        stage = "G5"
    if stage is None:
        return RecognisedCondition(
            text, "ckd_stage_unknown", "kidney", k.unknown_stage_rule, "unknown"
        )
    rule = k.ckd_stages[stage].rule
    key = "dialysis" if "dialysis" in t else f"ckd_{stage.lower()}"
    return RecognisedCondition(text, key, "kidney", rule, stage)


def recognise(conditions: Iterable[str]) -> ConditionSet:
    """Recognise a profile's conditions.

    Parameters
    ----------
    conditions : iterable of str
        Conditions as written ("CKD stage 3", "renal_insufficiency", "coeliac" ...).

    Returns
    -------
    ConditionSet
        Recognised conditions (with category, rule and CKD stage) and the unrecognised texts.

    Examples
    --------
    >>> recognise(["CKD stage 4", "flat feet"]).unrecognised
    ('flat feet',)
    """
    rec: list[RecognisedCondition] = []
    unknown: list[str] = []
    syn = _synonyms()
    for text in conditions:
        if not text or not text.strip():
            continue
        t = _norm(text)
        key = syn.get(t)
        if key is not None and _data().conditions[key].category != "kidney":
            e = _data().conditions[key]
            rec.append(RecognisedCondition(text, key, e.category, e.rule))
            continue
        kid = _kidney(text)
        if kid is not None:
            rec.append(kid)
        elif key is not None:
            e = _data().conditions[key]
            rec.append(RecognisedCondition(text, key, e.category, e.rule))
        else:
            unknown.append(text)
    return ConditionSet(tuple(rec), tuple(unknown))


def stage_from_egfr(egfr: float) -> str:
    """KDIGO 2012 GFR category of an eGFR [mL/min/1.73 m²] ("G1" ... "G5")."""
    stages = sorted(_data().ckd_stages.items(), key=lambda kv: -kv[1].egfr_min)
    for name, s in stages:
        if egfr >= s.egfr_min:
            return str(name)
    return "G5"


_STAGE_RANK = {"G1": 1, "G2": 2, "G3a": 3, "G3b": 4, "G4": 5, "G5": 6}


@dataclass(frozen=True, slots=True)
class KidneyStatus:
    """Kidney function as magnerve's advice uses it.

    Attributes
    ----------
    stage : str or None
        KDIGO category ("G1" ... "G5"), "unknown" (kidney disease of unstated stage and no
        eGFR) or None (no kidney disease known and no eGFR).
    rule : str
        none, clinician or refer.
    source : str
        Where the stage came from ("eGFR 25", "conditions: CKD stage 4" ...).
    label : str
        Plain description of the stage.
    """

    stage: str | None
    rule: str
    source: str
    label: str
    notes: list[str] = field(default_factory=list)

    @property
    def refer(self) -> bool:
        """Advanced kidney disease (stage 4-5, dialysis): refer, no magnesium-raising plan."""
        return self.rule == "refer"

    @property
    def reduced_function(self) -> bool:
        """Stage 3 or worse, or kidney disease of unknown stage: potassium and phosphorus
        must not rise."""
        return self.stage in ("G3a", "G3b", "G4", "G5", "unknown")

    @property
    def clinician(self) -> bool:
        """Supplements only with a clinician; potassium and phosphorus must not rise."""
        return self.rule in ("clinician", "refer")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "stage": self.stage,
            "rule": self.rule,
            "source": self.source,
            "label": self.label,
        }


def kidney_status(egfr: float | None, conditions: ConditionSet) -> KidneyStatus:
    """Combine the eGFR and the kidney conditions into one status (the more severe wins).

    Stages G1-G2 need evidence of kidney damage to be CKD; an eGFR of 60 or more alone is
    reported as "G1"/"G2" with rule "none".
    """
    stages = _data().ckd_stages
    cands: list[tuple[int, str, str, str]] = []  # rank, stage, rule, source
    if egfr is not None:
        s = stage_from_egfr(egfr)
        cands.append((_STAGE_RANK[s], s, stages[s].rule, f"eGFR {egfr:.0f}"))
    for c in conditions.recognised:
        if c.category != "kidney" or c.ckd_stage is None:
            continue
        if c.ckd_stage == "unknown":
            if egfr is None:
                cands.append((0, "unknown", c.rule, f"conditions: {c.text}"))
            continue
        cands.append((_STAGE_RANK[c.ckd_stage], c.ckd_stage, c.rule, f"conditions: {c.text}"))
    for c in conditions.recognised:
        if c.key == "kidney_transplant":
            cands.append((0, "transplant", "clinician", f"conditions: {c.text}"))
    if not cands:
        return KidneyStatus(None, "none", "unknown", "kidney function unknown")
    best = max(cands, key=lambda t: (_RULE_ORDER[t[2]], t[0]))
    _, stage, rule, source = best
    listed = [c for c in conditions.recognised if c.category == "kidney"]
    if rule == "none" and listed:
        # kidney disease is listed: supplements with a clinician, whatever the stage
        rule, source = "clinician", f"{source}; conditions: {listed[0].text}"
    if stage in stages:
        label = f"chronic kidney disease {stages[stage].label}"
        if stage in ("G1", "G2") and not any(c.category == "kidney" for c in conditions.recognised):
            label = f"eGFR in KDIGO category {stage}"
    elif stage == "transplant":
        label = "kidney transplant"
    else:
        label = "kidney disease of unstated stage"
    return KidneyStatus(stage, rule, source, label)
