"""Person profiles (TOML or JSON): validated at the boundary with pydantic.

Every bad field is reported with its path and a plain message; unknown keys are errors
(they are usually typos). See ``docs/profile.md`` for the schema and
``examples/profile_t2d.toml`` for an example.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from magnerve import _bounds
from magnerve._sex import Sex
from magnerve.errors import InputError
from magnerve.registry import get_registry, registry_cache

if TYPE_CHECKING:  # pragma: no cover
    from magnerve._sections import MedicationsData, SaltForm

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

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


def _not_bool(v: Any) -> Any:
    """Booleans are not numbers (pydantic would read ``true`` as 1)."""
    if isinstance(v, bool):
        raise ValueError(f"expected a number, got {str(v).lower()}")
    return v


def _in_range(key: str, v: float) -> float:
    _bounds.check(key, v, "value")
    return v


def _r(key: str) -> AfterValidator:
    """Pydantic metadata: the field's range is ``profile.KEY`` in ``data/bounds.toml``."""
    return AfterValidator(partial(_in_range, f"profile.{key}"))


_NB = BeforeValidator(_not_bool)


_Lab = Annotated[str | float | None, BeforeValidator(_not_bool)]


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


def _conversions() -> Mapping[str, Mapping[str, float]]:
    """Unit factors by quantity (typed ``conversions.toml`` of the active registry)."""
    return get_registry().section("conversions").factors


def _supplement_forms() -> Mapping[str, SaltForm]:
    """Magnesium salts by name (typed ``supplement_forms.toml``)."""
    return get_registry().section("supplement_forms").forms


def _unit_hint(field: str, v: str | float) -> str:
    """Why a lab value without a unit is refused (laboratories differ in their units)."""
    m = _VALUE_UNIT.match(str(v))
    if isinstance(v, str) and not (m and m.group(2) == ""):
        return ""
    unit = _bounds.bound(f"profile.labs.{field}").unit
    return (
        f" (a bare number is read as {unit} by some laboratories and in another unit by "
        "others, so magnerve does not guess)"
    )


def _medications() -> MedicationsData:
    """The typed ``medications.toml`` of the active registry."""
    return get_registry().section("medications")


# a number (decimal point or comma, optional exponent: "5e-3") and the rest as the unit
_VALUE_UNIT = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")
# "1,000": a comma followed by exactly three digits after a non-zero integer part
_THOUSANDS = re.compile(r"^[-+]?0*[1-9]\d*,\d{3}$")


def medication_group(name: str) -> frozenset[str]:
    """A named group of medicine classes from ``data/medications.toml`` [groups] (for example
    ``"magnesium_wasting_diuretics"``): one definition shared by every stage."""
    return frozenset(_medications().groups[name])


def parse_lab(text: str | float, kind: str) -> float:
    """Convert a laboratory value "value unit" to magnerve's unit for that measurement.

    Parameters
    ----------
    text : str or float
        e.g. ``"0.72 mmol/L"``, ``"1.9 mg/dL"``, ``"1.5 mEq/L"``. The unit is required
        (``docs/profile.md``: "value unit"): a bare number (``0.78``, ``"150"``) is refused,
        since laboratories report the same marker in different units.
    kind : str
        ``serum_magnesium`` (-> mmol/L), ``rbc_magnesium`` (-> mg/dL),
        ``urine_magnesium_24h`` (-> mg/24 h), ``creatinine`` (-> mg/dL),
        ``vitamin_d_25oh`` (-> nmol/L) or ``hardness`` (-> mg/L as CaCO3).

    Raises
    ------
    ValueError
        No unit, unknown unit or unreadable value (the message lists the accepted units).
    """
    table = _conversions()[kind]
    if isinstance(text, int | float):
        raise ValueError(
            f"{text!r} has no unit: write the value with its unit as text, e.g. "
            f'"{text} {next(iter(table))}" (one of: {", ".join(table)})'
        )
    m = _VALUE_UNIT.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not 'value unit', e.g. '0.8 mmol/L'")
    number = m.group(1)
    if _THOUSANDS.match(number):
        raise ValueError(
            f"{number!r} is ambiguous (a thousands separator or a decimal comma?): write it "
            f"without the comma, or with a decimal point"
        )
    value = float(number.replace(",", "."))
    unit = unicodedata.normalize("NFKC", m.group(2)).lower().replace(" ", "").replace("μ", "µ")
    norm = {k.replace(" ", ""): v for k, v in table.items()}
    if unit == "":
        raise ValueError(
            f"{text!r} has no unit: write the value with its unit, e.g. "
            f'"{number} {next(iter(table))}" (one of: {", ".join(table)})'
        )
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
    classes = _medications().classes
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
    age: Annotated[float, _NB, _r("person.age")]
    sex: Sex
    pregnant: bool = False
    lactating: bool = False
    weight_kg: Annotated[float, _NB, _r("person.weight_kg")] | None = None

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
    hba1c_percent: Annotated[float, _NB, _r("health.hba1c_percent")] | None = None
    egfr: Annotated[float, _NB, _r("health.egfr")] | None = None
    serum_creatinine_mg_dl: Annotated[float, _NB, _r("health.serum_creatinine_mg_dl")] | None = None
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
            known = ", ".join(sorted(_medications().classes))
            raise ValueError(
                f"unknown medicine(s) {', '.join(map(repr, unknown))}; give a generic name or "
                f"one of the classes: {known}"
            )
        return v


class Lifestyle(BaseModel):
    """``[lifestyle]``: alcohol [drinks/week], caffeine [mg/day] or coffee cups [/day],
    perceived stress (PSS-10, 0-40), smoking."""

    model_config = _STRICT
    alcohol_drinks_per_week: (
        Annotated[float, _NB, _r("lifestyle.alcohol_drinks_per_week")] | None
    ) = None
    caffeine_mg_per_day: Annotated[float, _NB, _r("lifestyle.caffeine_mg_per_day")] | None = None
    coffee_cups_per_day: Annotated[float, _NB, _r("lifestyle.coffee_cups_per_day")] | None = None
    stress_pss10: Annotated[int, _NB, _r("lifestyle.stress_pss10")] | None = None
    smoker: bool = False
    prebiotic_g_per_day: Annotated[float, _NB, _r("lifestyle.prebiotic_g_per_day")] | None = Field(
        default=None, description="prebiotic fibre (e.g. scFOS, inulin) [g/day]"
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
    magnesium_mg_per_l: Annotated[float, _NB, _r("water.magnesium_mg_per_l")] | None = None
    calcium_mg_per_l: Annotated[float, _NB, _r("water.calcium_mg_per_l")] | None = None
    hardness: str | None = None
    calcium_share: Annotated[float, _NB, _r("water.calcium_share")] | None = Field(
        default=None, description="molar share of hardness due to calcium"
    )
    liters_per_day: Annotated[float, _NB, _r("water.liters_per_day")] | None = None
    taken_with_meals: bool | None = None

    @field_validator("hardness")
    @classmethod
    def _hardness(cls, v: str | None) -> str | None:
        if v is not None:
            # raises ValueError with the accepted units, or the range
            _bounds.check("profile.water.hardness", water_hardness_mg_l(v), "hardness", given=v)
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
    serum_magnesium: _Lab = None
    rbc_magnesium: _Lab = None
    urine_magnesium_24h: _Lab = None
    urine_creatinine: _Lab = None
    serum_creatinine: _Lab = None
    vitamin_d_25oh: _Lab = None

    @field_validator(
        "serum_magnesium",
        "rbc_magnesium",
        "urine_magnesium_24h",
        "urine_creatinine",
        "serum_creatinine",
        "vitamin_d_25oh",
    )
    @classmethod
    def _units(cls, v: str | float | None, info: ValidationInfo) -> str | float | None:
        field = str(info.field_name)
        if v is not None:
            kind = "creatinine" if field.endswith("creatinine") else field
            try:
                _bounds.check(f"profile.labs.{field}", parse_lab(v, kind), field, given=str(v))
            except ValueError as e:
                raise ValueError(f"{e}{_unit_hint(field, v)}") from None
        return v

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

    @field_validator("mnsi_history")
    @classmethod
    def _history(cls, v: dict[str, bool]) -> dict[str, bool]:
        from magnerve.clinical import mnsi_history_score

        mnsi_history_score(v)  # unknown items raise ValueError, with the accepted ones
        return v

    @field_validator("mnsi_exam")
    @classmethod
    def _exam(cls, v: dict[str, Any]) -> dict[str, Any]:
        from magnerve.clinical import mnsi_exam_score

        mnsi_exam_score(v)  # unknown sides, components or states raise ValueError
        return v


class Supplement(BaseModel):
    """``[[supplements]]``: a product; magnesium by elemental mg or salt mg + form."""

    model_config = _STRICT
    name: str
    form: str | None = None
    elemental_mg: Annotated[float, _NB, _r("supplements.elemental_mg")] | None = None
    salt_mg: Annotated[float, _NB, _r("supplements.salt_mg")] | None = None
    hydrate: str | None = None
    times_per_day: Annotated[float, _NB, _r("supplements.times_per_day")] = 1
    with_food: bool = True
    enteric_coated: bool = False
    zinc_mg: Annotated[float, _NB, _r("supplements.zinc_mg")] | None = None
    calcium_mg: Annotated[float, _NB, _r("supplements.calcium_mg")] | None = None
    vitamin_d_iu: Annotated[float, _NB, _r("supplements.vitamin_d_iu")] | None = None
    vitamin_d_ug: Annotated[float, _NB, _r("supplements.vitamin_d_ug")] | None = None
    vitamin_b6_mg: Annotated[float, _NB, _r("supplements.vitamin_b6_mg")] | None = None

    @model_validator(mode="after")
    def _salt_form(self) -> Supplement:
        if self.elemental_mg is None and self.salt_mg is not None:
            self.magnesium_mg_per_dose()  # raises ValueError for an unknown form or hydrate
        return self

    def magnesium_mg_per_dose(self) -> float:
        """Elemental magnesium per dose [mg]: ``elemental_mg``, else ``salt_mg`` x the elemental
        fraction of ``form`` (and ``hydrate``) in ``data/supplement_forms.toml``, else 0.

        Raises
        ------
        ValueError
            ``salt_mg`` with an unknown or missing form, or an unknown hydrate.
        """
        if self.elemental_mg is not None:
            return float(self.elemental_mg)
        if self.salt_mg is None:
            return 0.0
        forms = _supplement_forms()
        form = (self.form or "").strip().lower()
        if form not in forms:
            raise ValueError(
                f"salt_mg needs a known form ({', '.join(forms)}); or give elemental_mg from the "
                "label"
            )
        frac = float(forms[form].elemental_fraction)
        if self.hydrate:
            hyd = forms[form].hydrates.get(self.hydrate.lower())
            if hyd is None:
                raise ValueError(f"unknown hydrate {self.hydrate!r} for {form}")
            frac = float(hyd.elemental_fraction)
        return float(self.salt_mg) * frac


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


def _structure(data: Any) -> list[tuple[str, str]]:
    """Resource bounds of a parsed profile (``[limits.profile]`` in ``data/bounds.toml``):
    nesting depth, text length and list length, checked without recursion."""
    lim = _bounds.limits("profile")
    out: list[tuple[str, str]] = []
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack and len(out) < 10:
        node, path, depth = stack.pop()
        where = path or "(profile)"
        if depth > lim["max_depth"]:
            out.append((where, f"nested more than {lim['max_depth']} levels deep"))
            continue
        if isinstance(node, str) and len(node) > lim["max_string_chars"]:
            out.append((where, f"text longer than {lim['max_string_chars']:,} characters"))
        elif isinstance(node, dict):
            if len(node) > lim["max_list_items"]:
                out.append((where, f"more than {lim['max_list_items']} keys"))
                continue
            for k, v in node.items():
                if len(str(k)) > lim["max_string_chars"]:
                    out.append((where, f"a key longer than {lim['max_string_chars']:,} characters"))
                    continue
                stack.append((v, f"{path}.{k}" if path else str(k), depth + 1))
        elif isinstance(node, list):
            if len(node) > lim["max_list_items"]:
                out.append((where, f"more than {lim['max_list_items']} items"))
                continue
            for i, v in enumerate(node):
                stack.append((v, f"{path}.{i}" if path else str(i), depth + 1))
    return out


@registry_cache
def _stage_ages() -> dict[str, tuple[float, float]]:
    """Ages [years] covered by the IOM 1997 pregnancy and lactation life stages
    (``dri_magnesium.toml``): (lowest age_min, highest age_max exclusive) per stage."""
    rows = get_registry().section("dri_magnesium").tables["iom1997"].rows
    out: dict[str, tuple[float, float]] = {}
    for stage in ("pregnant", "lactating"):
        r = [x for x in rows if x.stage == stage]
        out[stage] = (min(x.age_min for x in r), max(x.age_max for x in r))
    return out


def _cross_checks(p: Profile) -> list[tuple[str, str]]:
    """Checks across fields, on a profile whose fields are each valid."""
    out: list[tuple[str, str]] = []
    person = p.person
    for stage, flag in (("pregnant", person.pregnant), ("lactating", person.lactating)):
        lo, hi = _stage_ages()[stage]
        if flag and not lo <= person.age < hi:
            out.append(
                (
                    f"person.{stage}",
                    f"{stage} at age {person.age:g}: magnerve's reference intakes for this life "
                    f"stage cover ages {lo:g} to under {hi:g} years (IOM 1997)",
                )
            )
    # serum creatinine in the wrong unit: the eGFR computed from it must stay within the
    # eGFR bound (for adults, as the assessment computes it; a child's eGFR is not computed)
    path, scr = "health.serum_creatinine_mg_dl", p.health.serum_creatinine_mg_dl
    if scr is None and p.labs.serum_creatinine is not None:
        path, scr = "labs.serum_creatinine", p.labs.value("serum_creatinine")
    adult = _bounds.bound("profile.egfr_from_creatinine_age").min
    if scr is not None and p.health.egfr is None and person.age >= adult:
        from magnerve.clinical import egfr_ckd_epi_2021

        egfr = egfr_ckd_epi_2021(scr, person.age, person.sex)
        b = _bounds.bound("profile.health.egfr")
        if not b.contains(egfr):
            out.append(
                (
                    path,
                    f"serum creatinine {scr:.3g} mg/dL gives an eGFR of {egfr:.0f} {b.unit} "
                    f"(CKD-EPI 2021), outside {b.describe()}: check the value and its unit "
                    "(mg/dL or µmol/L; 1 mg/dL = 88.4 µmol/L)",
                )
            )
    total = 0.0
    for s in p.supplements:
        total += s.magnesium_mg_per_dose() * s.times_per_day
    b = _bounds.bound("profile.supplements_magnesium_mg_per_day")
    if not b.contains(total):
        out.append(
            (
                "supplements",
                f"the supplements give {total:,.0f} mg of magnesium a day, outside "
                f"{b.describe()} ({b.confidence}): check the dose per unit and the times per day",
            )
        )
    return out


def parse_profile(data: dict[str, Any], source: str = "<profile>") -> Profile:
    """Validate a profile mapping: each field (type, range from ``data/bounds.toml``), then
    checks across fields (pregnancy age, creatinine unit through the eGFR, supplemental
    magnesium per day) and size limits.

    Raises
    ------
    ProfileError
        With every bad field and why.
    """
    if not isinstance(data, dict):
        raise ProfileError([("(profile)", "a profile is a table/object")], source)
    problems = _structure(data)
    if problems:
        raise ProfileError(problems, source)
    try:
        profile = Profile.model_validate(data)
    except ValidationError as e:
        raise ProfileError(_errors(e), source) from None
    problems = _cross_checks(profile)
    if problems:
        raise ProfileError(problems, source)
    return profile


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object; a key given twice is an error (JSON would keep the last silently)."""
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"the key {k!r} is given twice in one object")
        out[k] = v
    return out


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
    max_bytes = int(_bounds.limits("profile")["max_bytes"])
    too_big = f"a profile file is at most {max_bytes:,} bytes"
    if isinstance(path, bytes):
        if len(path) > max_bytes:
            raise ProfileError([("(file)", too_big)], "<bytes>")
        try:
            text, p = path.decode("utf-8-sig"), Path("<bytes>")
        except UnicodeDecodeError:
            raise ProfileError([("(file)", "a profile must be UTF-8 text")], "<bytes>") from None
    elif isinstance(path, str) and ("\n" in path or path.lstrip().startswith("{")):
        text, p = path, Path("<text>")
        if len(text) > max_bytes:
            raise ProfileError([("(file)", too_big)], str(p))
    else:
        p = Path(path)
        try:
            with p.open("rb") as f:
                raw = f.read(max_bytes + 1)
        except OSError as e:
            raise ProfileError([("(file)", f"cannot read {p}: {e.strerror}")], str(p)) from None
        if len(raw) > max_bytes:
            raise ProfileError([("(file)", too_big)], str(p))
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            line = raw[: e.start].count(b"\n") + 1
            raise ProfileError(
                [("(file)", f"a profile must be UTF-8 text (line {line} is not)")], str(p)
            ) from None
    if "\x00" in text:
        raise ProfileError([("(file)", "a profile is text, not a binary file")], str(p))
    try:
        if p.suffix.lower() == ".json" or text.lstrip().startswith("{"):
            data = json.loads(text, object_pairs_hook=_json_object)
        else:
            data = tomllib.loads(text)
    except json.JSONDecodeError as e:
        raise ProfileError([("(file)", f"JSON error line {e.lineno}: {e.msg}")], str(p)) from None
    except tomllib.TOMLDecodeError as e:
        raise ProfileError([("(file)", f"TOML error: {e}")], str(p)) from None
    except RecursionError:
        lim = _bounds.limits("profile")["max_depth"]
        raise ProfileError(
            [("(file)", f"nested far too deep (at most {lim} levels)")], str(p)
        ) from None
    except ValueError as e:  # e.g. an integer with more digits than Python converts
        raise ProfileError([("(file)", f"unreadable value: {e}")], str(p)) from None
    if not isinstance(data, dict):
        raise ProfileError([("(file)", "a profile is a table/object")], str(p))
    return parse_profile(data, str(p))
