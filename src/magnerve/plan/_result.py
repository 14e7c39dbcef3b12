"""The plan's result types: :class:`Plan` and its steps, :class:`PlanChange`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from magnerve.assessment import Assessment


@dataclass(frozen=True, slots=True)
class PlanChange:
    """One step of a plan.

    Attributes
    ----------
    food_id, description : str
        SR28 food.
    action : {"add", "increase", "decrease", "remove"}
    amount : float
        Household measures per day.
    unit : str
        The SR28 household measure.
    grams : float
        Grams per day.
    meal : str or None
    magnesium_mg : float
        Change of magnesium intake [mg/day].
    reason : str
        Why, in plain words.
    name : str
        Friendly food name.
    """

    food_id: str
    description: str
    action: str  # add | remove | increase | decrease
    amount: float  # servings per day
    unit: str  # SR28 household measure
    grams: float  # per day
    meal: str | None
    magnesium_mg: float  # change per day
    reason: str = ""
    name: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "food": {"id": self.food_id, "description": self.description, "name": self.name},
            "action": self.action,
            "amount": round(self.amount, 2),
            "unit": self.unit,
            "grams": round(self.grams, 1),
            "meal": self.meal,
            "magnesium_mg": round(self.magnesium_mg, 1),
            "reason": self.reason,
        }

    def text(self) -> str:
        """Readable step, e.g. 'Add ½ cup of cooked black beans at lunch (86 g/day): ...'."""
        name = self.name or self.description
        where = f" at {self.meal}" if self.meal else ""
        amt = _amount_text(self.amount)
        if self.action == "remove":
            head = f"Stop eating {name}{where} (now about {self.grams:.0f} g/day)"
        elif self.action == "decrease":
            how = {0.25: "a quarter less", 0.5: "half as much", 0.75: "a quarter as much"}.get(
                round(self.amount * 4) / 4, f"{self.amount:.0%} less"
            )
            head = f"Eat {how} {name}{where} (about {self.grams:.0f} g/day less)"
        elif self.action == "increase":
            head = f"Eat {amt} {_clean_unit(self.unit)} more {name}{where} ({self.grams:.0f} g/day)"
        else:
            head = f"Add {amt} {_clean_unit(self.unit)} of {name}{where} ({self.grams:.0f} g/day)"
        return f"{head}: {self.reason}" if self.reason else head


_FRACTIONS = {0.25: "¼", 0.5: "½", 0.75: "¾"}


def _clean_unit(unit: str) -> str:
    """A household measure as people say it: "cup, sliced" stays, "(yield ...)" and
    "with hulls, edible yield" go."""
    u = re.sub(r"\([^)]*\)", "", unit)
    u = re.sub(r",?\s*(edible yield|with hulls|NLEA serving)", "", u, flags=re.IGNORECASE)
    return " ".join(u.replace(" ,", ",").split()).strip(" ,") or unit


def _amount_text(x: float) -> str:
    whole = int(x + 1e-9)
    frac = round((x - whole) * 4) / 4
    if frac in _FRACTIONS:
        return (f"{whole} " if whole else "") + _FRACTIONS[frac]
    return f"{x:g}" if abs(x - round(x)) < 1e-9 else f"{x:.1f}"


@dataclass(slots=True)
class Plan:
    """Result of :func:`make_plan`; ``to_dict()`` is the ``magnerve plan --json`` output.

    ``status`` is "optimal" (a plan, possibly with no change when intake already meets the
    target), "refer" (no magnesium-raising plan: see ``referral``), "infeasible" or "error".
    """

    status: str
    changes: list[PlanChange]
    supplement: dict[str, Any] | None
    before: dict[str, Any]
    after: dict[str, Any] | None
    target: dict[str, Any]
    conflicts: list[dict[str, Any]]
    binding: list[dict[str, Any]]
    worst_case: dict[str, Any] | None
    solve_ms: float
    notes: list[str] = field(default_factory=list)
    n_candidates: int = 0
    supplement_changes: list[dict[str, Any]] = field(default_factory=list)
    referral: dict[str, Any] | None = None
    safety: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    total_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping: the dump of :class:`magnerve.schemas.plan.PlanOut`."""
        from magnerve.schemas import PlanOut, dump

        return dump(PlanOut.model_validate(self.unvalidated_dict()))

    def unvalidated_dict(self) -> dict[str, Any]:
        """The plan's mapping before schema validation (what :meth:`to_dict` validates)."""
        return {
            "status": self.status,
            "summary": self.summary,
            "changes": [c.to_dict() for c in self.changes],
            "steps": [c.text() for c in self.changes],
            "supplement": self.supplement,
            "supplement_changes": self.supplement_changes,
            "referral": self.referral,
            "safety": self.safety,
            "before": self.before,
            "after": self.after,
            "target": self.target,
            "conflicts": self.conflicts,
            "binding_constraints": self.binding,
            "worst_case": self.worst_case,
            "solve_ms": round(self.solve_ms, 2),
            "total_ms": round(self.total_ms, 2),
            "n_candidates": self.n_candidates,
            "notes": self.notes,
            "disclaimer": "Education, not medical advice: discuss supplements and large diet "
            "changes with a clinician or dietitian.",
        }


def assessment_summary(a: Assessment) -> dict[str, Any]:
    """The plan's ``before``/``after`` figures of an assessment."""
    d = a.to_dict()
    return {
        "magnesium_mg": d["intake"]["mean"]["total_mg"],
        "food_mg": d["intake"]["mean"]["food_mg"],
        "supplements_mg": d["intake"]["mean"]["supplements_mg"],
        "absorbed_mg": d["absorption"]["mean_absorbed_mg"],
        "reference_equivalent_mg": d["absorption"]["reference_equivalent_mg"],
        "confidence_adequate": d["adequacy"].get("confidence_adequate"),
        "confidence_adequate_reference_equivalent": d["adequacy_reference_equivalent"].get(
            "confidence_adequate"
        ),
        "calcium_mg": d["intake"]["nutrients_mean"].get("calcium_mg"),
        "protein_g": d["intake"]["nutrients_mean"].get("protein_g"),
        "potassium_mg": d["intake"]["nutrients_mean"].get("potassium_mg"),
        "phosphorus_mg": d["intake"]["nutrients_mean"].get("phosphorus_mg"),
        "energy_kcal": d["intake"]["nutrients_mean"].get("energy_kcal"),
    }
