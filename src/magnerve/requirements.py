"""Reference intakes by life stage and authority (IOM, EFSA, FAO/WHO).

Definitions are data (``data/dri_magnesium.toml``, ``data/dri_partners.toml``), parsed into a
registry; this module only looks rows up.

References
----------
.. [1] Institute of Medicine (1997). Dietary Reference Intakes for Calcium, Phosphorus,
   Magnesium, Vitamin D, and Fluoride. doi:10.17226/5776
.. [2] EFSA NDA Panel (2015). Dietary Reference Values for magnesium. EFSA J 13(7):4186.
.. [3] FAO/WHO (2004). Vitamin and mineral requirements in human nutrition, 2nd ed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from magnerve._sex import normalise_sex
from magnerve.errors import ReferenceDataError
from magnerve.registry import get_registry, registry_cache

if TYPE_CHECKING:  # pragma: no cover
    from magnerve._sections import DriTable

__all__ = [
    "ReferenceIntake",
    "RequirementError",
    "authorities",
    "nutrients_with_references",
    "reference_intake",
]


_AUTHORITY_ALIASES = {
    "iom": "iom",
    "iom1997": "iom",
    "efsa": "efsa",
    "efsa2015": "efsa",
    "fao": "faowho",
    "who": "faowho",
    "faowho": "faowho",
    "faowho2004": "faowho",
    "fao/who": "faowho",
}


class RequirementError(ReferenceDataError):
    """A reference intake cannot be given for these inputs (the message says why)."""


@dataclass(frozen=True, slots=True)
class ReferenceIntake:
    """Reference intakes of one nutrient for one life stage.

    Attributes
    ----------
    nutrient : str
        e.g. ``"magnesium"``.
    authority : str
        ``"iom"``, ``"efsa"`` or ``"faowho"``.
    unit : str
        Unit of all values, e.g. ``"mg/day"``.
    life_stage : str
        Human-readable group, e.g. ``"female 31-50 y"``.
    ear, rda, ai, rni, ul : float or None
        Estimated Average Requirement, Recommended Dietary Allowance, Adequate Intake,
        Recommended Nutrient Intake, Tolerable Upper Intake Level [unit].
    requirement_sd : float or None
        SD of requirements (CV x EAR) [unit]; None without an EAR.
    ul_scope : str
        What the UL applies to: ``"supplemental"`` (magnesium: supplements and
        fortificants only), ``"total"`` or ``"none"``.
    source : str
        Citation.
    confidence : str
        How sure the values are.
    """

    nutrient: str
    authority: str
    unit: str
    life_stage: str
    ear: float | None
    rda: float | None
    ai: float | None
    rni: float | None
    ul: float | None
    requirement_sd: float | None
    ul_scope: str
    source: str
    confidence: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "nutrient": self.nutrient,
            "authority": self.authority,
            "unit": self.unit,
            "life_stage": self.life_stage,
            "ear": self.ear,
            "rda": self.rda,
            "ai": self.ai,
            "rni": self.rni,
            "ul": self.ul,
            "requirement_sd": self.requirement_sd,
            "ul_scope": self.ul_scope,
            "source": self.source,
            "confidence": self.confidence,
        }


@dataclass(frozen=True, slots=True)
class _Table:
    nutrient: str
    authority: str
    unit: str
    source: str
    confidence: str
    requirement_cv: float | None
    ul_scope: str
    rows: tuple[dict[str, Any], ...]


def _rows(table: DriTable) -> tuple[dict[str, Any], ...]:
    """The validated rows of a typed table, as the mappings :func:`reference_intake` reads."""
    return tuple(dict(r.raw) for r in table.rows)


@registry_cache
def _registry() -> dict[tuple[str, str], _Table]:
    """Reference-intake tables by (nutrient, authority), from the typed sections of
    ``dri_magnesium.toml`` and ``dri_partners.toml`` (validated when the registry loads them)."""
    reg: dict[tuple[str, str], _Table] = {}
    for key, tab in get_registry().section("dri_magnesium").tables.items():
        authority = _AUTHORITY_ALIASES[key]
        reg[("magnesium", authority)] = _Table(
            "magnesium",
            authority,
            "mg/day",
            tab.source,
            tab.confidence,
            tab.requirement_cv,
            tab.ul_scope,
            _rows(tab),
        )
    try:
        partners = get_registry().section("dri_partners").tables
    except FileNotFoundError:
        partners = {}
    for nutrient, tab in partners.items():
        reg[(nutrient, "iom")] = _Table(
            nutrient,
            "iom",
            tab.unit,
            tab.source,
            tab.confidence,
            tab.requirement_cv,
            tab.ul_scope,
            _rows(tab),
        )
    return reg


def nutrients_with_references() -> list[str]:
    """Nutrients that have reference intakes in magnerve's data files."""
    return sorted({n for n, _ in _registry()})


def authorities(nutrient: str = "magnesium") -> list[str]:
    """Authorities with reference intakes for ``nutrient``."""
    return sorted(a for n, a in _registry() if n == nutrient)


def _age_label(lo: float, hi: float) -> str:
    if hi <= 1:
        return f"{round(lo * 12)}-{round(hi * 12)} mo"
    if hi >= 150:
        return f"{lo:g}+ y"
    return f"{lo:g}-{hi - 1:g} y"


def reference_intake(
    nutrient: str = "magnesium",
    *,
    age: float,
    sex: str,
    pregnant: bool = False,
    lactating: bool = False,
    authority: str = "iom",
) -> ReferenceIntake:
    """Reference intakes for a person.

    Parameters
    ----------
    nutrient : str, default "magnesium"
        Nutrient name (see :func:`nutrients_with_references`).
    age : float
        Age [years].
    sex : {"female", "male"}
        Sex.
    pregnant, lactating : bool
        Life stage (females only; not both).
    authority : {"iom", "efsa", "faowho"}, default "iom"
        Which reference values: IOM 1997 (default), EFSA 2015 or FAO/WHO 2004.

    Returns
    -------
    ReferenceIntake

    Raises
    ------
    RequirementError
        Unknown nutrient or authority, impossible life stage, or no row for the age.

    Examples
    --------
    >>> r = reference_intake("magnesium", age=58, sex="male")
    >>> r.ear, r.rda, r.ul, r.requirement_sd
    (350.0, 420.0, 350.0, 35.0)
    """
    auth = _AUTHORITY_ALIASES.get(authority.strip().lower())
    if auth is None:
        raise RequirementError(f"unknown authority {authority!r}; use iom, efsa or faowho")
    table = _registry().get((nutrient, auth))
    if table is None:
        have = ", ".join(authorities(nutrient)) or "none"
        known = ", ".join(nutrients_with_references())
        raise RequirementError(
            f"no {auth} reference intakes for {nutrient!r} (authorities for it: {have}; "
            f"nutrients: {known})"
        )
    try:
        sex_n = normalise_sex(sex)
    except ValueError:
        raise RequirementError(f"sex must be 'female' or 'male', got {sex!r}") from None
    lo, hi, lo_exclusive = _age_bounds()
    number = isinstance(age, int | float) and math.isfinite(age)
    if not number or (age <= lo if lo_exclusive else age < lo) or age > hi:
        span = f"above {lo:g} and at most {hi:g}" if lo_exclusive else f"between {lo:g} and {hi:g}"
        raise RequirementError(f"age must be a number of years {span}, got {age!r}")
    if (pregnant or lactating) and sex_n != "female":
        raise RequirementError("pregnant or lactating applies to sex 'female' only")
    if pregnant and lactating:
        raise RequirementError("choose pregnant or lactating, not both")
    stage = "pregnant" if pregnant else "lactating" if lactating else "general"
    for row in table.rows:
        if row.get("stage", "general") != stage:
            continue
        if row["sex"] not in ("both", sex_n):
            continue
        if not (row["age_min"] <= age < row["age_max"]):
            continue
        ear = _num(row.get("ear"))
        cv = table.requirement_cv
        who = sex_n if row["sex"] != "both" else "child"
        label = f"{who} {_age_label(row['age_min'], row['age_max'])}"
        if stage != "general":
            label += f", {stage}"
        return ReferenceIntake(
            nutrient,
            auth,
            table.unit,
            label,
            ear,
            _num(row.get("rda")),
            _num(row.get("ai")),
            _num(row.get("rni")),
            _num(row.get("ul")),
            ear * cv if ear is not None and cv is not None else None,
            table.ul_scope,
            row.get("source", table.source),
            row.get("confidence", table.confidence),
        )
    raise RequirementError(
        f"{auth} gives no {nutrient} reference intake for a {sex_n} aged {age:g}"
        + (f" ({stage})" if stage != "general" else "")
    )


def _age_bounds() -> tuple[float, float, bool]:
    """Ages [years] a reference intake is looked up for: ``profile.person.age`` of
    ``bounds.toml`` (the same range as the profile's): low, high and whether low is excluded
    (``min_exclusive``)."""
    r = get_registry().section("bounds").ranges["profile.person.age"]
    return r.min, r.max, r.min_exclusive


def _num(v: Any) -> float | None:
    return None if v is None else float(v)
