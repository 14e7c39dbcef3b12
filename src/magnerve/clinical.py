"""Clinical markers: Magnesium Depletion Score, eGFR (CKD-EPI 2021), serum/RBC/urine
magnesium, FEMg and the Michigan Neuropathy Screening Instrument.

All constants, cut-offs and their sources live in ``data/clinical_markers.toml``. These are
screening aids: a result here is not a diagnosis.

References
----------
.. [1] Fan L et al. Magnesium Depletion Score (MDS) predicts risk of systemic inflammation and
   cardiovascular mortality among US adults. J Nutr 2021;151:2226-2235.
.. [2] Inker LA et al. New creatinine- and cystatin C-based equations to estimate GFR without
   race. N Engl J Med 2021;385:1737-1749.
.. [3] Costello RB et al. Perspective: the case for an evidence-based reference interval for
   serum magnesium. Adv Nutr 2016;7:977-993.
.. [4] Herman WH et al. Use of the Michigan Neuropathy Screening Instrument as a measure of
   distal symmetrical peripheral neuropathy in type 1 diabetes. Diabet Med 2012;29:937-944.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias, cast, overload

import numpy as np
import numpy.typing as npt

from magnerve._numeric import ArrayInput as _Array
from magnerve._numeric import FloatArray
from magnerve._numeric import any_array as _any_array
from magnerve._numeric import first_index as _index
from magnerve._numeric import float_array as _float_array
from magnerve._numeric import raise_at as _raise_at
from magnerve._sex import FEMALE_SPELLINGS, MALE_SPELLINGS, Sex, normalise_sex
from magnerve.registry import get_registry

if TYPE_CHECKING:  # pragma: no cover
    from magnerve._sections import ClinicalMarkersData

__all__ = [
    "MDSResult",
    "MNSIResult",
    "MarkerReading",
    "egfr_ckd_epi_2021",
    "femg_percent",
    "femg_status",
    "interpret_femg",
    "interpret_rbc_magnesium",
    "interpret_serum_magnesium",
    "interpret_urine_magnesium",
    "magnesium_depletion_score",
    "markers",
    "mds_group",
    "mds_score",
    "mnsi_exam_score",
    "mnsi_history_score",
    "rbc_magnesium_status",
    "serum_magnesium_status",
    "urine_magnesium_status",
]


def markers() -> Mapping[str, Any]:
    """``clinical_markers.toml`` of the active registry as written (read-only tables; lists
    as tuples), e.g. for its golden examples. The functions here read the typed section
    (:func:`_section`)."""
    return _section().raw


def _section() -> ClinicalMarkersData:
    """The typed ``clinical_markers.toml`` of the active registry."""
    return get_registry().section("clinical_markers")


def _sex(sex: str) -> Sex:
    return normalise_sex(sex)


def _positive(name: str, v: float) -> None:
    if not (isinstance(v, int | float) and math.isfinite(v)) or v <= 0:
        raise ValueError(f"{name} must be a number above zero, got {v!r}")


StatusArray: TypeAlias = npt.NDArray[np.str_]

_FEMALE = FEMALE_SPELLINGS
_MALE = MALE_SPELLINGS


def _positive_array(name: str, value: npt.ArrayLike) -> FloatArray:
    x = _float_array(value)
    _raise_at(~(np.isfinite(x) & (x > 0)), x, f"{name} must be a number above zero, got {{!r}}")
    return x


def _female_mask(sex: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Vectorised :func:`_sex`: True where female, False where male (same spellings)."""
    raw = np.asarray(sex)
    s = raw if raw.dtype.kind == "U" else raw.astype(str)
    female = np.asarray(s == "female")
    rest = ~(female | (s == "male"))
    if rest.any():  # other spellings: normalise only those
        norm = np.char.lower(np.char.strip(s[rest]))
        is_f = np.isin(norm, _FEMALE)
        female[rest] = is_f
        bad = np.zeros(s.shape, dtype=np.bool_)
        bad[rest] = ~(is_f | np.isin(norm, _MALE))
        if bad.any():
            idx, where = _index(bad)
            v = raw[idx]
            v = v.item() if isinstance(v, np.generic) else v
            raise ValueError(f"sex must be 'female' or 'male', got {v!r} at index {where}")
    return female


# -- kidney function -------------------------------------------------------------------------


@overload
def egfr_ckd_epi_2021(creatinine_mg_dl: float, age: float, sex: str) -> float: ...
@overload
def egfr_ckd_epi_2021(
    creatinine_mg_dl: _Array, age: float | _Array, sex: str | _Array
) -> FloatArray: ...
@overload
def egfr_ckd_epi_2021(
    creatinine_mg_dl: npt.ArrayLike, age: npt.ArrayLike, sex: npt.ArrayLike
) -> float | FloatArray: ...
def egfr_ckd_epi_2021(
    creatinine_mg_dl: npt.ArrayLike, age: npt.ArrayLike, sex: npt.ArrayLike
) -> float | FloatArray:
    """Estimated GFR by the race-free CKD-EPI 2021 creatinine equation.

    ``eGFR = 142 * min(Scr/k, 1)**a * max(Scr/k, 1)**-1.200 * 0.9938**age [* 1.012 female]``
    with k = 0.7 (female) / 0.9 (male) and a = -0.241 (female) / -0.302 (male).

    Parameters
    ----------
    creatinine_mg_dl : numeric
        Standardised serum creatinine [mg/dL]; above zero.
    age : numeric
        Age [years] (the equation is for adults, 18 and over); above zero.
    sex : str or array_like of str
        "female" or "male" (also "f"/"m", "woman"/"man", any case), per element for arrays.

    Returns
    -------
    numeric
        eGFR [mL/min/1.73 m²]: a float when every input is a scalar, else a float64 ndarray
        of the broadcast shape (0-d arrays stay 0-d).

    Raises
    ------
    ValueError
        A non-positive or non-finite creatinine or age, or an unknown sex (for arrays, the
        message names the first bad index).

    Examples
    --------
    >>> round(egfr_ckd_epi_2021(1.09, 55, "male"))
    80
    >>> egfr_ckd_epi_2021([1.09, 0.7], 55, ["male", "female"]).round()
    array([ 80., 102.])
    """
    if not _any_array(creatinine_mg_dl, age, sex):
        return _egfr_scalar(cast(float, creatinine_mg_dl), cast(float, age), cast(str, sex))
    c = _section().ckd_epi_2021
    scr = _positive_array("creatinine_mg_dl", creatinine_mg_dl)
    years = _positive_array("age", age)
    female = _female_mask(sex)
    kappa = np.where(female, c.kappa_female, c.kappa_male)
    alpha = np.where(female, c.alpha_female, c.alpha_male)
    ratio = scr / kappa
    egfr = (
        c.multiplier
        * np.minimum(ratio, 1.0) ** alpha
        * np.maximum(ratio, 1.0) ** c.upper_exponent
        * c.age_base**years
    )
    return np.asarray(egfr * np.where(female, c.female_factor, c.male_factor), dtype=np.float64)


def _egfr_scalar(creatinine_mg_dl: float, age: float, sex: str) -> float:
    c = _section().ckd_epi_2021
    _positive("creatinine_mg_dl", creatinine_mg_dl)
    _positive("age", age)
    s = _sex(sex)
    kappa = c.kappa_female if s == "female" else c.kappa_male
    alpha = c.alpha_female if s == "female" else c.alpha_male
    ratio = creatinine_mg_dl / kappa
    egfr = (
        c.multiplier
        * min(ratio, 1.0) ** alpha
        * max(ratio, 1.0) ** c.upper_exponent
        * c.age_base**age
    )
    return float(egfr * (c.female_factor if s == "female" else c.male_factor))


def creatinine_umol_to_mg_dl(umol_l: float) -> float:
    """Serum creatinine [µmol/L] -> [mg/dL] with the factor of the CKD-EPI golden tests."""
    return umol_l / float(_section().ckd_epi_2021.umol_per_l_per_mg_per_dl)


# -- Magnesium Depletion Score ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MDSResult:
    """Magnesium Depletion Score (0-5) with its components.

    Attributes
    ----------
    score : int
        Sum of the component points.
    components : dict
        Component -> points (diuretic, ppi, kidney_function, heavy_drinking).
    group : str
        Group label in the grouping magnerve reports (``reported_grouping`` of
        ``clinical_markers.toml``: the 0-1 / 2 / 3-5 scheme used by later studies).
    notes : list of str
        Assumptions and unknown components.
    """

    score: int
    components: dict[str, int]
    group: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        mds = _section().mds
        return {
            "score": self.score,
            "components": dict(self.components),
            "group": self.group,
            "score_range": [mds.score_min, mds.score_max],
            "notes": list(self.notes),
            "reference": mds.source,
        }


def magnesium_depletion_score(
    *,
    diuretic: bool,
    ppi: bool,
    egfr: float | None,
    drinks_per_day: float,
    sex: str,
) -> MDSResult:
    """Magnesium Depletion Score (Fan et al. 2021).

    Parameters
    ----------
    diuretic : bool
        Current diuretic use (+1).
    ppi : bool
        Current proton-pump inhibitor use (+1).
    egfr : float or None
        eGFR [mL/min/1.73 m²]: 60 to < 90 -> +1, < 60 -> +2; None -> component unknown (0,
        noted).
    drinks_per_day : float
        Usual alcoholic drinks per day; heavy drinking (> 1/day women, > 2/day men) -> +1.
    sex : {"female", "male"}

    Returns
    -------
    MDSResult
    """
    mds = _section().mds
    s = _sex(sex)
    notes: list[str] = []
    points = {
        "diuretic": mds.diuretic_points if diuretic else 0,
        "ppi": mds.ppi_points if ppi else 0,
        "kidney_function": 0,
        "heavy_drinking": 0,
    }
    if egfr is None:
        notes.append("eGFR unknown: kidney component counted as 0 (score may be higher)")
    else:
        if not math.isfinite(egfr) or egfr < 0:
            raise ValueError(f"egfr must be a number of 0 or more, got {egfr!r}")
        for band in mds.kidney_bands:
            if band.egfr_min <= egfr < band.egfr_max_exclusive:
                points["kidney_function"] = band.points
    if not math.isfinite(drinks_per_day) or drinks_per_day < 0:
        raise ValueError(f"drinks_per_day must be 0 or more, got {drinks_per_day!r}")
    if drinks_per_day > mds.drinks_per_day_above[s]:
        points["heavy_drinking"] = mds.heavy_drinking_points
    score = sum(points.values())
    return MDSResult(score, points, _mds_group_of(score), notes)


IntArray: TypeAlias = npt.NDArray[np.int64]


@overload
def mds_score(
    *, diuretic: bool, ppi: bool, egfr: float | None, drinks_per_day: float, sex: str
) -> int: ...
@overload
def mds_score(
    *,
    diuretic: npt.ArrayLike,
    ppi: npt.ArrayLike,
    egfr: _Array,
    drinks_per_day: npt.ArrayLike,
    sex: npt.ArrayLike,
) -> IntArray: ...
@overload
def mds_score(
    *,
    diuretic: npt.ArrayLike,
    ppi: npt.ArrayLike,
    egfr: npt.ArrayLike | None,
    drinks_per_day: npt.ArrayLike,
    sex: npt.ArrayLike,
) -> int | IntArray: ...
def mds_score(
    *,
    diuretic: npt.ArrayLike,
    ppi: npt.ArrayLike,
    egfr: npt.ArrayLike | None,
    drinks_per_day: npt.ArrayLike,
    sex: npt.ArrayLike,
) -> int | IntArray:
    """Magnesium Depletion Score (Fan et al. 2021) as a number, vectorised.

    The same rules as :func:`magnesium_depletion_score`, for a cohort: every argument may be
    an array (broadcast together), and the result is the score alone.

    Parameters
    ----------
    diuretic, ppi : bool or array_like of bool
        Current diuretic / proton-pump inhibitor use (+1 each).
    egfr : numeric or None
        eGFR [mL/min/1.73 m²]: 60 to < 90 -> +1, < 60 -> +2. None: unknown for everyone
        (component 0). NaN is an error, as for a scalar.
    drinks_per_day : numeric
        Usual alcoholic drinks per day; > 1/day women, > 2/day men -> +1.
    sex : str or array_like of str
        "female" or "male" (same spellings as :func:`egfr_ckd_epi_2021`).

    Returns
    -------
    int or numpy.ndarray of int64
        Score 0-5: an int when every input is a scalar (or None), else an array of the
        broadcast shape.

    Raises
    ------
    ValueError
        Unknown sex, a negative or non-finite eGFR or drinks per day (for arrays, naming the
        first bad index).

    Examples
    --------
    >>> mds_score(diuretic=[True, False], ppi=True, egfr=[55.0, 95.0], drinks_per_day=0,
    ...           sex="female")
    array([4, 1])
    """
    if not _any_array(diuretic, ppi, egfr, drinks_per_day, sex):
        return magnesium_depletion_score(
            diuretic=cast(bool, diuretic),
            ppi=cast(bool, ppi),
            egfr=cast(float | None, egfr),
            drinks_per_day=cast(float, drinks_per_day),
            sex=cast(str, sex),
        ).score
    mds = _section().mds
    female = _female_mask(sex)
    kidney: IntArray | int = 0
    if egfr is not None:
        e = _float_array(egfr)
        _raise_at(~(np.isfinite(e) & (e >= 0)), e, "egfr must be a number of 0 or more, got {!r}")
        k = np.zeros(e.shape, dtype=np.int64)
        for band in mds.kidney_bands:
            inside = (band.egfr_min <= e) & (e < band.egfr_max_exclusive)
            k = np.where(inside, np.int64(band.points), k)
        kidney = k
    drinks = _float_array(drinks_per_day)
    _raise_at(
        ~(np.isfinite(drinks) & (drinks >= 0)),
        drinks,
        "drinks_per_day must be 0 or more, got {!r}",
    )
    above = mds.drinks_per_day_above
    limit = np.where(female, above["female"], above["male"])
    score = (
        np.where(np.asarray(diuretic, dtype=np.bool_), np.int64(mds.diuretic_points), 0)
        + np.where(np.asarray(ppi, dtype=np.bool_), np.int64(mds.ppi_points), 0)
        + kidney
        + np.where(drinks > limit, np.int64(mds.heavy_drinking_points), 0)
    )
    return np.asarray(score, dtype=np.int64)


def _mds_group_of(score: float) -> str:
    """The reported grouping's group of a valid score (``reported_grouping`` in
    ``clinical_markers.toml``)."""
    return next(g.scores for g in _section().mds.groups if score <= g.max)


@overload
def mds_group(score: int) -> str: ...
@overload
def mds_group(score: _Array) -> StatusArray: ...
@overload
def mds_group(score: npt.ArrayLike) -> str | StatusArray: ...
def mds_group(score: npt.ArrayLike) -> str | StatusArray:
    """Group label of a Magnesium Depletion Score in the reported grouping
    (``reported_grouping`` of ``clinical_markers.toml``: the 0-1 / 2 / 3-5 scheme).

    Parameters
    ----------
    score : int or array_like of int
        Scores 0-5 (e.g. from :func:`mds_score`).

    Returns
    -------
    str or numpy.ndarray of str
        "0-1", "2" or "3-5" (the ``group`` of :class:`MDSResult`), per element for arrays.

    Raises
    ------
    ValueError
        A score that is not a whole number from 0 to 5 (for arrays, naming the first index).
    """
    mds = _section().mds
    lo, hi = mds.score_min, mds.score_max
    if not _any_array(score):
        v = cast(float, score)
        ok = isinstance(v, int | float | np.number) and math.isfinite(v)
        if not (ok and v == int(v) and lo <= v <= hi):
            raise ValueError(f"MDS score must be a whole number from {lo} to {hi}, got {v!r}")
        return _mds_group_of(v)
    x = _float_array(score)
    _raise_at(
        ~((x == np.floor(x)) & (x >= lo) & (x <= hi)),
        x,
        f"MDS score must be a whole number from {lo} to {hi}, got {{!r}}",
    )
    groups = mds.groups
    idx = np.searchsorted(np.array([g.min for g in groups[1:]]), x, side="right")
    return np.asarray(np.array([g.scores for g in groups])[idx])


# -- laboratory values -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MarkerReading:
    """An interpreted laboratory value.

    Attributes
    ----------
    value : float
        In ``unit``.
    unit : str
    status : str
        Short machine-readable status, e.g. ``"low"``, ``"low_normal"``, ``"normal"``.
    message : str
        Plain-language interpretation.
    caveats : list of str
    sources : list of str
    """

    value: float
    unit: str
    status: str
    message: str
    caveats: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "value": self.value,
            "unit": self.unit,
            "status": self.status,
            "message": self.message,
            "caveats": list(self.caveats),
            "sources": list(self.sources),
        }


def interpret_serum_magnesium(mmol_l: float) -> MarkerReading:
    """Serum magnesium against the 0.75-0.95 mmol/L interval and the 0.85 cut-off.

    Parameters
    ----------
    mmol_l : float
        Serum magnesium [mmol/L] (see :func:`magnerve.profile.parse_lab` for other units).
    """
    _positive("serum magnesium", mmol_l)
    sm = _section().serum_magnesium
    cut = sm.proposed_lower_cutoff_mmol_l
    symptoms = sm.symptom_threshold_mmol_l
    if mmol_l < symptoms:
        status, msg = (
            "very_low",
            f"{mmol_l:.2f} mmol/L is far below the reference interval; levels below "
            f"{symptoms} mmol/L usually cause symptoms: this needs prompt clinical care",
        )
    elif mmol_l < sm.low_mmol_l:
        status, msg = (
            "low",
            f"{mmol_l:.2f} mmol/L is below the reference interval "
            f"({sm.low_mmol_l}-{sm.high_mmol_l} mmol/L): hypomagnesaemia; discuss with a "
            "clinician",
        )
    elif mmol_l < cut:
        status, msg = (
            "low_normal",
            f"{mmol_l:.2f} mmol/L is inside the reference interval but below the "
            f"{cut} mmol/L lower cut-off proposed by Costello et al. 2016",
        )
    elif mmol_l <= sm.high_mmol_l:
        status, msg = "normal", f"{mmol_l:.2f} mmol/L is within the reference interval"
    else:
        status, msg = (
            "high",
            f"{mmol_l:.2f} mmol/L is above the reference interval; with supplements or reduced "
            "kidney function, discuss with a clinician",
        )
    return MarkerReading(
        mmol_l,
        "mmol/L",
        status,
        msg,
        [
            "serum holds less than 1 % of body magnesium: a normal serum value does not "
            "exclude magnesium depletion"
        ],
        [sm.source, sm.sourced("proposed_lower_cutoff_mmol_l").source],
    )


def interpret_rbc_magnesium(mg_dl: float) -> MarkerReading:
    """Red-cell magnesium [mg/dL] against published laboratory ranges (not standardised)."""
    _positive("RBC magnesium", mg_dl)
    ranges = [r for r in _section().rbc_magnesium if r.unit == "mg/dL"]
    lows = [r.low for r in ranges]
    highs = [r.high for r in ranges]
    if mg_dl < min(lows):
        status = "low"
    elif mg_dl < max(lows):
        status = "borderline_low"
    elif mg_dl > max(highs):
        status = "high"
    else:
        status = "normal"
    labs = "; ".join(f"{r.lab} {r.low}-{r.high}" for r in ranges)
    return MarkerReading(
        mg_dl,
        "mg/dL",
        status,
        f"{mg_dl:.2f} mg/dL compared with laboratory ranges ({labs} mg/dL): {status}",
        ["RBC magnesium is not standardised: use the range of the laboratory that measured it"],
        [r.source for r in ranges],
    )


def interpret_urine_magnesium(mg_per_day: float, serum_mmol_l: float | None) -> MarkerReading:
    """24-hour urine magnesium [mg/day]; with low serum magnesium, separates renal wasting
    from extrarenal loss."""
    if not math.isfinite(mg_per_day) or mg_per_day < 0:
        raise ValueError(f"urine magnesium must be 0 or more mg/day, got {mg_per_day!r}")
    u = _section().urine_magnesium_24h
    low_serum = serum_mmol_l is not None and (serum_mmol_l < _section().serum_magnesium.low_mmol_l)
    cut = u.extrarenal_below_mg_day
    if low_serum:
        if mg_per_day > cut:
            status, msg = (
                "renal_wasting_suspected",
                f"{mg_per_day:.0f} mg/day with low serum magnesium suggests renal magnesium "
                "loss (medicines such as diuretics, PPIs are not renal; discuss with a clinician)",
            )
        else:
            status, msg = (
                "extrarenal_loss_suspected",
                f"{mg_per_day:.0f} mg/day with low serum magnesium suggests low intake or gut loss",
            )
    elif mg_per_day < u.low_mg_day:
        status, msg = (
            "low",
            f"{mg_per_day:.0f} mg/day is below the usual {u.low_mg_day:g}-"
            f"{u.high_mg_day:g} mg/day: low intake or absorption is possible",
        )
    elif mg_per_day > u.high_mg_day:
        status, msg = "high", f"{mg_per_day:.0f} mg/day is above the usual range"
    else:
        status, msg = "normal", f"{mg_per_day:.0f} mg/day is within the usual range"
    return MarkerReading(
        mg_per_day,
        "mg/24 h",
        status,
        msg,
        ["cut-offs for renal wasting differ between sources (about 10-30 mg/day)"],
        [u.source, u.sourced("extrarenal_below_mg_day").source],
    )


@overload
def femg_percent(
    urine_mg: float, plasma_creatinine: float, plasma_mg: float, urine_creatinine: float
) -> float: ...
@overload
def femg_percent(
    urine_mg: _Array,
    plasma_creatinine: float | _Array,
    plasma_mg: float | _Array,
    urine_creatinine: float | _Array,
) -> FloatArray: ...
@overload
def femg_percent(
    urine_mg: npt.ArrayLike,
    plasma_creatinine: npt.ArrayLike,
    plasma_mg: npt.ArrayLike,
    urine_creatinine: npt.ArrayLike,
) -> float | FloatArray: ...
def femg_percent(
    urine_mg: npt.ArrayLike,
    plasma_creatinine: npt.ArrayLike,
    plasma_mg: npt.ArrayLike,
    urine_creatinine: npt.ArrayLike,
) -> float | FloatArray:
    """Fractional excretion of magnesium [%]:
    ``U_Mg * P_Cr / (0.7 * P_Mg * U_Cr) * 100``.

    Magnesium values in one unit and creatinine values in one unit (the ratio cancels them);
    0.7 is the filterable fraction of plasma magnesium.

    Parameters
    ----------
    urine_mg, plasma_creatinine, plasma_mg, urine_creatinine : numeric
        Spot urine and plasma magnesium and creatinine; each above zero.

    Returns
    -------
    numeric
        FEMg [%]: a float when every input is a scalar, else a float64 ndarray of the
        broadcast shape.

    Raises
    ------
    ValueError
        A value that is not a number above zero (for arrays, naming the first bad index).
    """
    names = ("urine magnesium", "plasma creatinine", "plasma magnesium", "urine creatinine")
    values = (urine_mg, plasma_creatinine, plasma_mg, urine_creatinine)
    frac = _section().femg.filterable_fraction
    if not _any_array(*values):
        u, pc, pm, uc = (cast(float, v) for v in values)
        for n, v in zip(names, (u, pc, pm, uc), strict=True):
            _positive(n, v)
        return float(u * pc / (frac * pm * uc) * 100.0)
    u_a, pc_a, pm_a, uc_a = (_positive_array(n, v) for n, v in zip(names, values, strict=True))
    return np.asarray(u_a * pc_a / (frac * pm_a * uc_a) * 100.0, dtype=np.float64)


def interpret_femg(percent: float, serum_mmol_l: float | None) -> MarkerReading:
    """FEMg against the 2 % and 4 % cut-offs (meaningful with low serum magnesium).

    Raises
    ------
    ValueError
        ``percent`` negative or not finite.
    """
    if not math.isfinite(percent) or percent < 0:
        raise ValueError(f"FEMg must be 0 or more %, got {percent!r}")
    femg = _section().femg
    cuts = sorted(float(c.above) for c in femg.renal_wasting_cutoffs if c.above is not None)
    low_cut = _section().serum_magnesium.low_mmol_l
    low_serum = serum_mmol_l is not None and serum_mmol_l < low_cut
    if percent > cuts[-1]:
        status = "renal_wasting_likely" if low_serum else "high"
    elif percent > cuts[0]:
        status = "indeterminate"
    else:
        status = "renal_loss_unlikely" if low_serum else "normal"
    return MarkerReading(
        percent,
        "%",
        status,
        f"FEMg {percent:.1f} % (renal wasting above {cuts[-1]:g} %, some sources above "
        f"{cuts[0]:g} %)",
        ["FEMg separates renal from extrarenal loss only when serum magnesium is low"],
        [c.source for c in femg.renal_wasting_cutoffs],
    )


# -- vectorised status classifiers -----------------------------------------------------------
# The ``status`` of the interpret_* readings for many values at once (no messages): the same
# cut-offs from ``clinical_markers.toml``; scalar input returns the scalar reading's status.


def _labels(labels: tuple[str, ...], idx: npt.NDArray[np.intp]) -> StatusArray:
    return np.asarray(np.array(labels)[idx])


def _low_serum(serum_mmol_l: npt.ArrayLike | None) -> npt.NDArray[np.bool_] | bool:
    if serum_mmol_l is None:
        return False
    low = _section().serum_magnesium.low_mmol_l
    return np.asarray(_float_array(serum_mmol_l) < low)  # NaN (unknown) is not low


_SERUM_STATUS = ("very_low", "low", "low_normal", "normal", "high")


@overload
def serum_magnesium_status(mmol_l: float) -> str: ...
@overload
def serum_magnesium_status(mmol_l: _Array) -> StatusArray: ...
@overload
def serum_magnesium_status(mmol_l: npt.ArrayLike) -> str | StatusArray: ...
def serum_magnesium_status(mmol_l: npt.ArrayLike) -> str | StatusArray:
    """Status of serum magnesium values, as :func:`interpret_serum_magnesium` gives it.

    Parameters
    ----------
    mmol_l : numeric
        Serum magnesium [mmol/L]; above zero.

    Returns
    -------
    str or numpy.ndarray of str
        "very_low", "low", "low_normal", "normal" or "high"; an array of the input's shape
        for array input.

    Raises
    ------
    ValueError
        A value that is not a number above zero (for arrays, naming the first bad index).
    """
    if not _any_array(mmol_l):
        return interpret_serum_magnesium(cast(float, mmol_l)).status
    x = _positive_array("serum magnesium", mmol_l)
    sm = _section().serum_magnesium
    idx = np.select(
        [
            x < sm.symptom_threshold_mmol_l,
            x < sm.low_mmol_l,
            x < sm.proposed_lower_cutoff_mmol_l,
            x <= sm.high_mmol_l,
        ],
        [0, 1, 2, 3],
        4,
    )
    return _labels(_SERUM_STATUS, idx)


_RBC_STATUS = ("low", "borderline_low", "normal", "high")


@overload
def rbc_magnesium_status(mg_dl: float) -> str: ...
@overload
def rbc_magnesium_status(mg_dl: _Array) -> StatusArray: ...
@overload
def rbc_magnesium_status(mg_dl: npt.ArrayLike) -> str | StatusArray: ...
def rbc_magnesium_status(mg_dl: npt.ArrayLike) -> str | StatusArray:
    """Status of red-cell magnesium values, as :func:`interpret_rbc_magnesium` gives it.

    Parameters
    ----------
    mg_dl : numeric
        RBC magnesium [mg/dL]; above zero.

    Returns
    -------
    str or numpy.ndarray of str
        "low", "borderline_low", "normal" or "high".

    Raises
    ------
    ValueError
        A value that is not a number above zero (for arrays, naming the first bad index).
    """
    if not _any_array(mg_dl):
        return interpret_rbc_magnesium(cast(float, mg_dl)).status
    x = _positive_array("RBC magnesium", mg_dl)
    ranges = [r for r in _section().rbc_magnesium if r.unit == "mg/dL"]
    lows = [r.low for r in ranges]
    highs = [r.high for r in ranges]
    idx = np.select([x < min(lows), x < max(lows), x > max(highs)], [0, 1, 3], 2)
    return _labels(_RBC_STATUS, idx)


_URINE_STATUS = ("renal_wasting_suspected", "extrarenal_loss_suspected", "low", "high", "normal")


@overload
def urine_magnesium_status(mg_per_day: float, serum_mmol_l: float | None = None) -> str: ...
@overload
def urine_magnesium_status(
    mg_per_day: _Array, serum_mmol_l: float | _Array | None = None
) -> StatusArray: ...
@overload
def urine_magnesium_status(
    mg_per_day: npt.ArrayLike, serum_mmol_l: npt.ArrayLike | None = None
) -> str | StatusArray: ...
def urine_magnesium_status(
    mg_per_day: npt.ArrayLike, serum_mmol_l: npt.ArrayLike | None = None
) -> str | StatusArray:
    """Status of 24-hour urine magnesium values, as :func:`interpret_urine_magnesium` gives it.

    Parameters
    ----------
    mg_per_day : numeric
        24-hour urine magnesium [mg/day]; 0 or more.
    serum_mmol_l : numeric, optional
        Serum magnesium [mmol/L], broadcast against ``mg_per_day``; None or NaN: unknown.

    Returns
    -------
    str or numpy.ndarray of str
        "renal_wasting_suspected", "extrarenal_loss_suspected" (both only with low serum),
        "low", "high" or "normal".

    Raises
    ------
    ValueError
        Urine magnesium negative or not finite (for arrays, naming the first bad index).
    """
    if not _any_array(mg_per_day, serum_mmol_l):
        return interpret_urine_magnesium(
            cast(float, mg_per_day), cast(float | None, serum_mmol_l)
        ).status
    x = _float_array(mg_per_day)
    _raise_at(~(np.isfinite(x) & (x >= 0)), x, "urine magnesium must be 0 or more mg/day, got {!r}")
    u = _section().urine_magnesium_24h
    low_serum = _low_serum(serum_mmol_l)
    above_cut = x > u.extrarenal_below_mg_day
    idx = np.select(
        [low_serum & above_cut, low_serum, x < u.low_mg_day, x > u.high_mg_day],
        [0, 1, 2, 3],
        4,
    )
    return _labels(_URINE_STATUS, idx)


_FEMG_STATUS = ("renal_wasting_likely", "high", "indeterminate", "renal_loss_unlikely", "normal")


@overload
def femg_status(percent: float, serum_mmol_l: float | None = None) -> str: ...
@overload
def femg_status(percent: _Array, serum_mmol_l: float | _Array | None = None) -> StatusArray: ...
@overload
def femg_status(
    percent: npt.ArrayLike, serum_mmol_l: npt.ArrayLike | None = None
) -> str | StatusArray: ...
def femg_status(
    percent: npt.ArrayLike, serum_mmol_l: npt.ArrayLike | None = None
) -> str | StatusArray:
    """Status of FEMg values, as :func:`interpret_femg` gives it.

    Parameters
    ----------
    percent : numeric
        FEMg [%] (:func:`femg_percent`); 0 or more.
    serum_mmol_l : numeric, optional
        Serum magnesium [mmol/L], broadcast against ``percent``; None or NaN: unknown.

    Returns
    -------
    str or numpy.ndarray of str
        "renal_wasting_likely" / "renal_loss_unlikely" (with low serum), "high", "normal",
        or "indeterminate".

    Raises
    ------
    ValueError
        FEMg negative or not finite (for arrays, naming the first bad index).
    """
    if not _any_array(percent, serum_mmol_l):
        return interpret_femg(cast(float, percent), cast(float | None, serum_mmol_l)).status
    x = _float_array(percent)
    _raise_at(~(np.isfinite(x) & (x >= 0)), x, "FEMg must be 0 or more %, got {!r}")
    femg = _section().femg
    cuts = sorted(float(c.above) for c in femg.renal_wasting_cutoffs if c.above is not None)
    low_serum = _low_serum(serum_mmol_l)
    above, between = x > cuts[-1], x > cuts[0]
    idx = np.select([above & low_serum, above, between, low_serum], [0, 1, 2, 3], 4)
    return _labels(_FEMG_STATUS, idx)


# -- MNSI ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MNSIResult:
    """An MNSI part score.

    Attributes
    ----------
    score : float
    max_score : float
    abnormal : bool
        Score at or above the cut-off.
    cutoff : float
    answered : int
        Items answered (unanswered items count as 0 and are listed in ``missing``).
    missing : list of str
    """

    score: float
    max_score: float
    abnormal: bool
    cutoff: float
    answered: int
    missing: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "score": self.score,
            "max_score": self.max_score,
            "abnormal": self.abnormal,
            "cutoff": self.cutoff,
            "answered": self.answered,
            "missing": list(self.missing),
            "note": "screening, not diagnosis",
        }


def mnsi_history_score(answers: dict[str, bool], cutoff: float | None = None) -> MNSIResult:
    """MNSI history (patient questionnaire) score, 0-13.

    Parameters
    ----------
    answers : dict
        Item number ("1".."15" or "q1".."q15") -> True for "yes", False for "no". Items 4
        and 10 are not scored; items 7 and 13 score on "no".
    cutoff : float, optional
        Abnormal at or above; default the original 7 (Herman 2012 also uses 4).

    Raises
    ------
    ValueError
        Unknown item keys.
    """
    mnsi = _section().mnsi
    items = {str(it.number): it for it in mnsi.history_items}
    score = 0
    seen: set[str] = set()
    for raw, yes in answers.items():
        key = str(raw).lower().removeprefix("q").strip()
        if key not in items:
            raise ValueError(f"unknown MNSI history item {raw!r}; items are 1-15 (or q1-q15)")
        if not isinstance(yes, bool):
            raise ValueError(f"MNSI history item {raw!r} must be true (yes) or false (no)")
        seen.add(key)
        rule = items[key].scores_on
        if (rule == "yes" and yes) or (rule == "no" and not yes):
            score += 1
    if cutoff is None:
        cutoff = next(
            c.at_or_above
            for c in mnsi.history_cutoffs
            if c.label == "original" and c.at_or_above is not None
        )
    missing = [k for k in items if k not in seen and items[k].scores_on != "none"]
    return MNSIResult(
        float(score),
        float(mnsi.history_max_score),
        score >= cutoff,
        float(cutoff),
        len(seen),
        missing,
    )


def mnsi_exam_score(exam: dict[str, Any]) -> MNSIResult:
    """MNSI physical examination score (per foot: appearance, ulceration, ankle reflexes,
    vibration at the great toe, monofilament), abnormal at >= 2.5.

    Parameters
    ----------
    exam : dict
        ``{"right": {"appearance": "abnormal", "ankle_reflexes": "absent", ...}, "left": {...}}``
        with the states listed in ``clinical_markers.toml`` (e.g. ankle reflexes: present,
        present_with_reinforcement, absent).

    Raises
    ------
    ValueError
        Unknown side, component or state (the message lists the allowed ones).
    """
    mnsi = _section().mnsi
    comps = {c.name: c.per_foot_points for c in mnsi.exam_components}
    cutoff = next(c.at_or_above for c in mnsi.exam_cutoffs if c.at_or_above is not None)
    score = 0.0
    answered = 0
    missing: list[str] = []
    for side in ("right", "left"):
        foot = exam.get(side, {})
        if not isinstance(foot, dict):
            raise ValueError(f"MNSI exam {side!r} must be a table of components")
        for name in foot:
            if name not in comps:
                raise ValueError(f"unknown MNSI exam component {name!r}; use {', '.join(comps)}")
        for name, states in comps.items():
            if name not in foot:
                missing.append(f"{side}.{name}")
                continue
            state = str(foot[name]).lower()
            if state not in states:
                raise ValueError(
                    f"MNSI exam {side}.{name}: {foot[name]!r} is not one of {', '.join(states)}"
                )
            score += float(states[state])
            answered += 1
    extra = set(exam) - {"right", "left"}
    if extra:
        raise ValueError(f"MNSI exam sides are 'right' and 'left', got {sorted(extra)}")
    max_score = mnsi.exam_max_score_with_monofilament
    return MNSIResult(score, float(max_score), score >= cutoff, float(cutoff), answered, missing)
