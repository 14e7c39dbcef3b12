"""Person profiles (TOML or JSON): validated at the boundary with pydantic.

Every bad field is reported with its path and a plain message; unknown keys are errors
(they are usually typos). See ``docs/profile.md`` for the schema and
``examples/profile_t2d.toml`` for an example.
"""

from __future__ import annotations

import json
import re
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from magnerve._sex import Sex
from magnerve.errors import InputError

__all__ = [
    "Environment",
    "Health",
    "Labs",
    "Lifestyle",
    "Neuropathy",
    "Person",
    "Profile",
    "ProfileError",
    "Supplement",
    "Water",
    "load_profile",
    "medication_classes",
    "parse_lab",
    "parse_profile",
    "water_hardness_mg_l",
]

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProfileError(InputError):
    """A profile could not be used; :attr:`errors` lists ``(field path, message)``."""

    def __init__(self, errors: list[tuple[str, str]], source: str = "<profile>") -> None:
        self.errors = errors
        self.loc = tuple(errors[0][0].split(".")) if errors else ()
        lines = "\n".join(f"  {path}: {msg}" for path, msg in errors)
        super().__init__(f"{source}: {len(errors)} problem(s) in the profile:\n{lines}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description with every field error (``loc`` as a path list)."""
        d = super().to_dict()
        d["errors"] = [{"loc": path.split("."), "message": msg} for path, msg in self.errors]
        return d


@cache
def _conversions() -> dict[str, Any]:
    text = resources.files("magnerve.data").joinpath("conversions.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def _medications() -> dict[str, Any]:
    text = resources.files("magnerve.data").joinpath("medications.toml").read_text("utf-8")
    return tomllib.loads(text)


_VALUE_UNIT = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*(.*?)\s*$")


def medication_group(name: str) -> frozenset[str]:
    """A named group of medicine classes from ``data/medications.toml`` [groups] (for example
    ``"magnesium_wasting_diuretics"``): one definition shared by every stage."""
    return frozenset(_medications()["groups"][name])


def parse_lab(text: str | float, kind: str) -> float:
    """Convert a laboratory value "value unit" to magnerve's unit for that measurement.

    Parameters
    ----------
    text : str or float
        e.g. ``"0.72 mmol/L"``, ``"1.9 mg/dL"``, ``"1.5 mEq/L"``; a bare number is taken in
        the target unit.
    kind : str
        ``serum_magnesium`` (-> mmol/L), ``rbc_magnesium`` (-> mg/dL),
        ``urine_magnesium_24h`` (-> mg/24 h), ``creatinine`` (-> mg/dL),
        ``vitamin_d_25oh`` (-> nmol/L) or ``hardness`` (-> mg/L as CaCO3).

    Raises
    ------
    ValueError
        Unknown unit or unreadable value (the message lists the accepted units).
    """
    table = _conversions()[kind]
    if isinstance(text, int | float):
        return float(text)
    m = _VALUE_UNIT.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not 'value unit', e.g. '0.8 mmol/L'")
    value = float(m.group(1).replace(",", "."))
    unit = m.group(2).lower().replace(" ", "").replace("μ", "µ")
    norm = {k.replace(" ", ""): v for k, v in table.items()}
    if unit == "":
        return value
    if unit not in norm:
        raise ValueError(f"unknown unit {m.group(2)!r}; use one of: {', '.join(table)}")
    return value * float(norm[unit])


def water_hardness_mg_l(text: str | float) -> float:
    """Total hardness as mg/L CaCO3 from "150 mg/L CaCO3", "8 °dH", "15 °fH", "9 gpg"."""
    return parse_lab(text, "hardness")


def medication_classes(names: list[str]) -> tuple[dict[str, str], list[str]]:
    """Map medicine names or class names to magnerve's medication classes.

    Returns
    -------
    classes : dict
        name as given -> class.
    unknown : list of str
        Names that are neither a known medicine nor a class (reported, not guessed).
    """
    classes = _medications()["classes"]
    lookup = {name: cls for cls, names_ in classes.items() for name in names_}
    out: dict[str, str] = {}
    unknown: list[str] = []
    for raw in names:
        key = raw.strip().lower()
        if key in classes:
            out[raw] = key
        elif key in lookup:
            out[raw] = lookup[key]
        else:
            first = key.split()[0] if key.split() else key  # "omeprazole 20 mg"
            if first in lookup:
                out[raw] = lookup[first]
            else:
                unknown.append(raw)
    return out, unknown


class Person(BaseModel):
    """``[person]``: age [years], sex, pregnancy/lactation, weight [kg]."""

    model_config = _STRICT
    age: float = Field(ge=0, le=130)
    sex: Sex
    pregnant: bool = False
    lactating: bool = False
    weight_kg: float | None = Field(default=None, gt=0, le=400)

    @model_validator(mode="after")
    def _stage(self) -> Person:
        if (self.pregnant or self.lactating) and self.sex != "female":
            raise ValueError("pregnant or lactating applies to sex = 'female' only")
        if self.pregnant and self.lactating:
            raise ValueError("choose pregnant or lactating, not both")
        return self


class Health(BaseModel):
    """``[health]``: diabetes, HbA1c [%], eGFR [mL/min/1.73 m²] or serum creatinine [mg/dL],
    conditions and medications (names or classes)."""

    model_config = _STRICT
    diabetes: Literal["none", "type1", "type2"] = "none"
    hba1c_percent: float | None = Field(default=None, ge=3, le=20)
    egfr: float | None = Field(default=None, ge=0, le=250)
    serum_creatinine_mg_dl: float | None = Field(default=None, gt=0, le=30)
    conditions: list[str] = Field(default_factory=list)
    medications: list[str] = Field(default_factory=list)

    @field_validator("conditions")
    @classmethod
    def _conditions(cls, v: list[str]) -> list[str]:
        # kept as written (trimmed); magnerve.conditions recognises synonyms and stages
        return [c.strip() for c in v if c.strip()]

    @field_validator("medications")
    @classmethod
    def _medications(cls, v: list[str]) -> list[str]:
        _, unknown = medication_classes(v)
        if unknown:
            known = ", ".join(sorted(_medications()["classes"]))
            raise ValueError(
                f"unknown medicine(s) {', '.join(map(repr, unknown))}; give a generic name or "
                f"one of the classes: {known}"
            )
        return v


class Lifestyle(BaseModel):
    """``[lifestyle]``: alcohol [drinks/week], caffeine [mg/day] or coffee cups [/day],
    perceived stress (PSS-10, 0-40), smoking."""

    model_config = _STRICT
    alcohol_drinks_per_week: float | None = Field(default=None, ge=0, le=300)
    caffeine_mg_per_day: float | None = Field(default=None, ge=0, le=3000)
    coffee_cups_per_day: float | None = Field(default=None, ge=0, le=40)
    stress_pss10: int | None = Field(default=None, ge=0, le=40)
    smoker: bool = False
    prebiotic_g_per_day: float | None = Field(
        default=None, ge=0, le=100, description="prebiotic fibre (e.g. scFOS, inulin) [g/day]"
    )


class Environment(BaseModel):
    """``[environment]``: occupational lead or cadmium exposure."""

    model_config = _STRICT
    occupational_lead: bool = False
    occupational_cadmium: bool = False


class Water(BaseModel):
    """``[water]``: drinking-water source and magnesium content."""

    model_config = _STRICT
    source: Literal["tap", "bottled", "well", "filtered_ro"] | None = None
    magnesium_mg_per_l: float | None = Field(default=None, ge=0, le=1000)
    calcium_mg_per_l: float | None = Field(default=None, ge=0, le=2000)
    hardness: str | None = None
    calcium_share: float | None = Field(
        default=None, ge=0, le=1, description="molar share of hardness due to calcium"
    )
    liters_per_day: float | None = Field(default=None, ge=0, le=15)
    taken_with_meals: bool | None = None

    @field_validator("hardness")
    @classmethod
    def _hardness(cls, v: str | None) -> str | None:
        if v is not None:
            water_hardness_mg_l(v)  # raises ValueError with the accepted units
        return v

    def magnesium(self) -> tuple[float | None, str]:
        """Magnesium in the water [mg/L] and how it was obtained."""
        if self.source == "filtered_ro" and self.magnesium_mg_per_l is None:
            return 0.0, "reverse osmosis removes nearly all magnesium (assumed 0 mg/L)"
        if self.magnesium_mg_per_l is not None:
            return self.magnesium_mg_per_l, "given"
        if self.hardness is not None:
            if self.calcium_share is None:
                return None, (
                    "total hardness alone does not give magnesium: add calcium_share or "
                    "magnesium_mg_per_l from the water report"
                )
            conv = _conversions()["molar_mass"]
            mmol = water_hardness_mg_l(self.hardness) / conv["caco3"]
            mg = mmol * (1.0 - self.calcium_share) * conv["magnesium"]
            return mg, f"from hardness {self.hardness} with calcium share {self.calcium_share:g}"
        return None, "unknown"

    def calcium(self) -> tuple[float | None, str]:
        """Calcium in the water [mg/L] and how it was obtained (counted in Ca:Mg, since
        water magnesium is counted)."""
        if self.source == "filtered_ro" and self.calcium_mg_per_l is None:
            return 0.0, "reverse osmosis removes nearly all calcium (assumed 0 mg/L)"
        if self.calcium_mg_per_l is not None:
            return self.calcium_mg_per_l, "given"
        if self.hardness is not None and self.calcium_share is not None:
            conv = _conversions()["molar_mass"]
            mmol = water_hardness_mg_l(self.hardness) / conv["caco3"]
            mg = mmol * self.calcium_share * conv["calcium"]
            return mg, f"from hardness {self.hardness} with calcium share {self.calcium_share:g}"
        return None, "unknown"


class Labs(BaseModel):
    """``[labs]``: each value as "value unit"."""

    model_config = _STRICT
    serum_magnesium: str | float | None = None
    rbc_magnesium: str | float | None = None
    urine_magnesium_24h: str | float | None = None
    urine_creatinine: str | float | None = None
    serum_creatinine: str | float | None = None
    vitamin_d_25oh: str | float | None = None

    @model_validator(mode="after")
    def _units(self) -> Labs:
        kinds = {
            "serum_magnesium": "serum_magnesium",
            "rbc_magnesium": "rbc_magnesium",
            "urine_magnesium_24h": "urine_magnesium_24h",
            "urine_creatinine": "creatinine",
            "serum_creatinine": "creatinine",
            "vitamin_d_25oh": "vitamin_d_25oh",
        }
        for field, kind in kinds.items():
            v = getattr(self, field)
            if v is not None:
                try:
                    parse_lab(v, kind)
                except ValueError as e:
                    raise ValueError(f"{field}: {e}") from None
        return self

    def value(self, field: str) -> float | None:
        """A lab value in magnerve's unit (see :func:`parse_lab`), or None."""
        kind = {"urine_creatinine": "creatinine", "serum_creatinine": "creatinine"}.get(
            field, field
        )
        v = getattr(self, field)
        return None if v is None else parse_lab(v, kind)


class Neuropathy(BaseModel):
    """``[neuropathy]``: symptoms and MNSI answers."""

    model_config = _STRICT
    symptoms: list[str] = Field(default_factory=list)
    mnsi_history: dict[str, bool] = Field(default_factory=dict)
    mnsi_exam: dict[str, Any] = Field(default_factory=dict)


class Supplement(BaseModel):
    """``[[supplements]]``: a product; magnesium by elemental mg or salt mg + form."""

    model_config = _STRICT
    name: str
    form: str | None = None
    elemental_mg: float | None = Field(default=None, ge=0, le=5000)
    salt_mg: float | None = Field(default=None, ge=0, le=20000)
    hydrate: str | None = None
    times_per_day: float = Field(default=1, gt=0, le=12)
    with_food: bool = True
    enteric_coated: bool = False
    zinc_mg: float | None = Field(default=None, ge=0, le=500)
    calcium_mg: float | None = Field(default=None, ge=0, le=5000)
    vitamin_d_iu: float | None = Field(default=None, ge=0, le=100000)
    vitamin_d_ug: float | None = Field(default=None, ge=0, le=2500)
    vitamin_b6_mg: float | None = Field(default=None, ge=0, le=1000)


class Profile(BaseModel):
    """A person's profile: the input of an assessment."""

    model_config = _STRICT
    person: Person
    health: Health = Field(default_factory=Health)
    lifestyle: Lifestyle = Field(default_factory=Lifestyle)
    environment: Environment = Field(default_factory=Environment)
    water: Water = Field(default_factory=Water)
    labs: Labs = Field(default_factory=Labs)
    neuropathy: Neuropathy = Field(default_factory=Neuropathy)
    supplements: list[Supplement] = Field(default_factory=list)

    def medication_classes(self) -> set[str]:
        """Classes of the person's medicines."""
        return set(medication_classes(self.health.medications)[0].values())


def _errors(e: ValidationError) -> list[tuple[str, str]]:
    out = []
    for err in e.errors():
        path = ".".join(str(p) for p in err["loc"]) or "(profile)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; see docs/profile.md)"
        elif err["type"] == "missing":
            msg = "required"
        msg = msg.removeprefix("Value error, ")
        out.append((path, msg))
    return out


def parse_profile(data: dict[str, Any], source: str = "<profile>") -> Profile:
    """Validate a profile mapping.

    Raises
    ------
    ProfileError
        With every bad field and why.
    """
    try:
        return Profile.model_validate(data)
    except ValidationError as e:
        raise ProfileError(_errors(e), source) from None


def load_profile(path: str | Path | bytes) -> Profile:
    """Read and validate a TOML or JSON profile.

    Parameters
    ----------
    path : str, Path or bytes
        A profile file's path; or its content as bytes, or as a string holding more than one
        line (TOML) or starting with ``{`` (JSON).

    Raises
    ------
    ProfileError
        Unreadable file, syntax error (with line) or invalid fields.
    """
    if isinstance(path, bytes):
        try:
            text, p = path.decode("utf-8-sig"), Path("<bytes>")
        except UnicodeDecodeError:
            raise ProfileError([("(file)", "a profile must be UTF-8 text")], "<bytes>") from None
    elif isinstance(path, str) and ("\n" in path or path.lstrip().startswith("{")):
        text, p = path, Path("<text>")
    else:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8-sig")
        except OSError as e:
            raise ProfileError([("(file)", f"cannot read {p}: {e.strerror}")], str(p)) from None
        except UnicodeDecodeError:
            raise ProfileError([("(file)", "a profile must be UTF-8 text")], str(p)) from None
    try:
        if p.suffix.lower() == ".json" or text.lstrip().startswith("{"):
            data = json.loads(text)
        else:
            data = tomllib.loads(text)
    except json.JSONDecodeError as e:
        raise ProfileError([("(file)", f"JSON error line {e.lineno}: {e.msg}")], str(p)) from None
    except tomllib.TOMLDecodeError as e:
        raise ProfileError([("(file)", f"TOML error: {e}")], str(p)) from None
    if not isinstance(data, dict):
        raise ProfileError([("(file)", "a profile is a table/object")], str(p))
    return parse_profile(data, str(p))
