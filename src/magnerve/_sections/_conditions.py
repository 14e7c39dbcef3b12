"""Typed section of ``conditions.toml``: CKD stages, kidney words and the condition
vocabulary.

Builder ``_conditions``, found by name by :func:`magnerve._sections.build_section`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import cast

from magnerve._sections._base import (
    _At,
)

_RULES = ("none", "malabsorption", "clinician", "refer")


@dataclass(frozen=True, slots=True)
class CkdStage:
    """A KDIGO CKD stage: from ``egfr_min`` [mL/min/1.73 m2]."""

    egfr_min: float
    label: str
    rule: str


@dataclass(frozen=True, slots=True)
class Condition:
    """A health condition: synonyms, category and what it means for advice (``rule``)."""

    synonyms: tuple[str, ...]
    category: str
    rule: str
    note: str


@dataclass(frozen=True, slots=True)
class ConditionsData:
    """``conditions.toml``: CKD stages, kidney words and the condition vocabulary."""

    ckd_stages: Mapping[str, CkdStage]
    kidney_words: tuple[str, ...]
    stage5_words: tuple[str, ...]
    unknown_stage_rule: str
    conditions: Mapping[str, Condition]
    source: str
    confidence: str


def _conditions(at: _At) -> ConditionsData:
    def rule(t: _At) -> str:
        r = cast(str, t.text("rule"))
        if r not in _RULES:
            t.fail(f"rule {r!r} is not one of {', '.join(_RULES)}", "rule")
        return r

    stages = {
        k: CkdStage(t.num("egfr_min"), t.text("label"), rule(t))
        for k, t in at.table("ckd_stages").tables()
    }
    conds = {
        k: Condition(t.texts("synonyms"), t.text("category"), rule(t), t.text("note", ""))
        for k, t in at.table("conditions").tables()
    }
    kid, meta = at.table("kidney"), at.table("meta")
    unknown = kid.text("unknown_stage_rule")
    if unknown not in _RULES:
        kid.fail(f"rule {unknown!r} is not one of {', '.join(_RULES)}", "unknown_stage_rule")
    return ConditionsData(
        MappingProxyType(stages),
        kid.texts("words"),
        kid.texts("stage5_words"),
        unknown,
        MappingProxyType(conds),
        meta.text("source"),
        meta.confidence(),
    )
