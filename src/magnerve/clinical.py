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
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

__all__ = [
    "MDSResult",
    "MNSIResult",
    "MarkerReading",
    "egfr_ckd_epi_2021",
    "femg_percent",
    "interpret_femg",
    "interpret_rbc_magnesium",
    "interpret_serum_magnesium",
    "interpret_urine_magnesium",
    "magnesium_depletion_score",
    "markers",
    "mnsi_exam_score",
    "mnsi_history_score",
]

Sex = Literal["female", "male"]


@cache
def markers() -> dict[str, Any]:
    """The parsed ``clinical_markers.toml`` (constants, cut-offs, sources)."""
    text = resources.files("magnerve.data").joinpath("clinical_markers.toml").read_text("utf-8")
    return tomllib.loads(text)


def _sex(sex: str) -> Sex:
    s = sex.strip().lower()
    if s in ("f", "female", "woman"):
        return "female"
    if s in ("m", "male", "man"):
        return "male"
    raise ValueError(f"sex must be 'female' or 'male', got {sex!r}")


def _positive(name: str, v: float) -> None:
    if not (isinstance(v, int | float) and math.isfinite(v)) or v <= 0:
        raise ValueError(f"{name} must be a number above zero, got {v!r}")


# -- kidney function -------------------------------------------------------------------------


def egfr_ckd_epi_2021(creatinine_mg_dl: float, age: float, sex: str) -> float:
    """Estimated GFR by the race-free CKD-EPI 2021 creatinine equation.

    ``eGFR = 142 * min(Scr/k, 1)**a * max(Scr/k, 1)**-1.200 * 0.9938**age [* 1.012 female]``
    with k = 0.7 (female) / 0.9 (male) and a = -0.241 (female) / -0.302 (male).

    Parameters
    ----------
    creatinine_mg_dl : float
        Standardised serum creatinine [mg/dL].
    age : float
        Age [years] (the equation is for adults, 18 and over).
    sex : {"female", "male"}

    Returns
    -------
    float
        eGFR [mL/min/1.73 m²].

    Examples
    --------
    >>> round(egfr_ckd_epi_2021(1.09, 55, "male"))
    80
    """
    c = markers()["ckd_epi_2021"]
    _positive("creatinine_mg_dl", creatinine_mg_dl)
    _positive("age", age)
    s = _sex(sex)
    kappa = c["kappa_female"] if s == "female" else c["kappa_male"]
    alpha = c["alpha_female"] if s == "female" else c["alpha_male"]
    ratio = creatinine_mg_dl / kappa
    egfr = (
        c["multiplier"]
        * min(ratio, 1.0) ** alpha
        * max(ratio, 1.0) ** c["upper_exponent"]
        * c["age_base"] ** age
    )
    return float(egfr * (c["female_factor"] if s == "female" else c["male_factor"]))


def creatinine_umol_to_mg_dl(umol_l: float) -> float:
    """Serum creatinine [µmol/L] -> [mg/dL] with the factor of the CKD-EPI golden tests."""
    return umol_l / float(
        markers()["ckd_epi_2021"]["creatinine_conversion"]["umol_per_l_per_mg_per_dl"]
    )


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
        Group label in the 0-1 / 2 / 3-5 scheme used by later studies.
    notes : list of str
        Assumptions and unknown components.
    """

    score: int
    components: dict[str, int]
    group: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        mds = markers()["mds"]
        return {
            "score": self.score,
            "components": dict(self.components),
            "group": self.group,
            "score_range": [mds["score_min"], mds["score_max"]],
            "notes": list(self.notes),
            "reference": mds["reference"],
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
    mds = markers()["mds"]
    comp = mds["components"]
    s = _sex(sex)
    notes: list[str] = []
    points = {
        "diuretic": comp["diuretic"]["points"] if diuretic else 0,
        "ppi": comp["ppi"]["points"] if ppi else 0,
        "kidney_function": 0,
        "heavy_drinking": 0,
    }
    if egfr is None:
        notes.append("eGFR unknown: kidney component counted as 0 (score may be higher)")
    else:
        if not math.isfinite(egfr) or egfr < 0:
            raise ValueError(f"egfr must be a number of 0 or more, got {egfr!r}")
        for band in comp["kidney_function"]["bands"]:
            if band["egfr_min"] <= egfr < band["egfr_max_exclusive"]:
                points["kidney_function"] = band["points"]
    if not math.isfinite(drinks_per_day) or drinks_per_day < 0:
        raise ValueError(f"drinks_per_day must be 0 or more, got {drinks_per_day!r}")
    hd = comp["heavy_drinking"]
    limit = hd["drinks_per_day_above_female"] if s == "female" else hd["drinks_per_day_above_male"]
    if drinks_per_day > limit:
        points["heavy_drinking"] = hd["points"]
    score = sum(points.values())
    group = "0-1" if score <= 1 else "2" if score == 2 else "3-5"
    return MDSResult(score, points, group, notes)


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
    sm = markers()["serum_magnesium"]
    ri = sm["reference_interval"]
    cut = sm["proposed_lower_cutoff"]["value_mmol_l"]
    symptoms = sm["symptom_threshold"]["value_mmol_l"]
    if mmol_l < symptoms:
        status, msg = (
            "very_low",
            f"{mmol_l:.2f} mmol/L is far below the reference interval; levels below "
            f"{symptoms} mmol/L usually cause symptoms: this needs prompt clinical care",
        )
    elif mmol_l < ri["low_mmol_l"]:
        status, msg = (
            "low",
            f"{mmol_l:.2f} mmol/L is below the reference interval "
            f"({ri['low_mmol_l']}-{ri['high_mmol_l']} mmol/L): hypomagnesaemia; discuss with a "
            "clinician",
        )
    elif mmol_l < cut:
        status, msg = (
            "low_normal",
            f"{mmol_l:.2f} mmol/L is inside the reference interval but below the "
            f"{cut} mmol/L lower cut-off proposed by Costello et al. 2016",
        )
    elif mmol_l <= ri["high_mmol_l"]:
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
        [ri["source"], sm["proposed_lower_cutoff"]["source"]],
    )


def interpret_rbc_magnesium(mg_dl: float) -> MarkerReading:
    """Red-cell magnesium [mg/dL] against published laboratory ranges (not standardised)."""
    _positive("RBC magnesium", mg_dl)
    ranges = [r for r in markers()["rbc_magnesium"]["reference_intervals"] if "low_mg_dl" in r]
    lows = [r["low_mg_dl"] for r in ranges]
    highs = [r["high_mg_dl"] for r in ranges]
    if mg_dl < min(lows):
        status = "low"
    elif mg_dl < max(lows):
        status = "borderline_low"
    elif mg_dl > max(highs):
        status = "high"
    else:
        status = "normal"
    labs = "; ".join(f"{r['lab']} {r['low_mg_dl']}-{r['high_mg_dl']}" for r in ranges)
    return MarkerReading(
        mg_dl,
        "mg/dL",
        status,
        f"{mg_dl:.2f} mg/dL compared with laboratory ranges ({labs} mg/dL): {status}",
        ["RBC magnesium is not standardised: use the range of the laboratory that measured it"],
        [r["source"] for r in ranges],
    )


def interpret_urine_magnesium(mg_per_day: float, serum_mmol_l: float | None) -> MarkerReading:
    """24-hour urine magnesium [mg/day]; with low serum magnesium, separates renal wasting
    from extrarenal loss."""
    if not math.isfinite(mg_per_day) or mg_per_day < 0:
        raise ValueError(f"urine magnesium must be 0 or more mg/day, got {mg_per_day!r}")
    u = markers()["urine_magnesium_24h"]
    nr = u["normal_range"]
    low_serum = serum_mmol_l is not None and (
        serum_mmol_l < markers()["serum_magnesium"]["reference_interval"]["low_mmol_l"]
    )
    cut = u["extrarenal_loss"]["below_mg_day"]
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
    elif mg_per_day < nr["low_mg_day"]:
        status, msg = (
            "low",
            f"{mg_per_day:.0f} mg/day is below the usual {nr['low_mg_day']:g}-"
            f"{nr['high_mg_day']:g} mg/day: low intake or absorption is possible",
        )
    elif mg_per_day > nr["high_mg_day"]:
        status, msg = "high", f"{mg_per_day:.0f} mg/day is above the usual range"
    else:
        status, msg = "normal", f"{mg_per_day:.0f} mg/day is within the usual range"
    return MarkerReading(
        mg_per_day,
        "mg/24 h",
        status,
        msg,
        ["cut-offs for renal wasting differ between sources (about 10-30 mg/day)"],
        [nr["source"], u["extrarenal_loss"]["source"]],
    )


def femg_percent(
    urine_mg: float, plasma_creatinine: float, plasma_mg: float, urine_creatinine: float
) -> float:
    """Fractional excretion of magnesium [%]:
    ``U_Mg * P_Cr / (0.7 * P_Mg * U_Cr) * 100``.

    Magnesium values in one unit and creatinine values in one unit (the ratio cancels them);
    0.7 is the filterable fraction of plasma magnesium.
    """
    for n, v in (
        ("urine magnesium", urine_mg),
        ("plasma creatinine", plasma_creatinine),
        ("plasma magnesium", plasma_mg),
        ("urine creatinine", urine_creatinine),
    ):
        _positive(n, v)
    frac = markers()["femg"]["filterable_fraction"]
    return float(urine_mg * plasma_creatinine / (frac * plasma_mg * urine_creatinine) * 100.0)


def interpret_femg(percent: float, serum_mmol_l: float | None) -> MarkerReading:
    """FEMg against the 2 % and 4 % cut-offs (meaningful with low serum magnesium)."""
    cuts = sorted(c["above_percent"] for c in markers()["femg"]["renal_wasting_cutoffs"])
    low_cut = markers()["serum_magnesium"]["reference_interval"]["low_mmol_l"]
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
        [c["source"] for c in markers()["femg"]["renal_wasting_cutoffs"]],
    )


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
    hist = markers()["mnsi"]["history"]
    items = {str(it["number"]): it for it in hist["items"]}
    score = 0
    seen: set[str] = set()
    for raw, yes in answers.items():
        key = str(raw).lower().removeprefix("q").strip()
        if key not in items:
            raise ValueError(f"unknown MNSI history item {raw!r}; items are 1-15 (or q1-q15)")
        if not isinstance(yes, bool):
            raise ValueError(f"MNSI history item {raw!r} must be true (yes) or false (no)")
        seen.add(key)
        rule = items[key]["scores_on"]
        if (rule == "yes" and yes) or (rule == "no" and not yes):
            score += 1
    if cutoff is None:
        cutoff = next(
            c["abnormal_at_or_above"] for c in hist["cutoffs"] if c["label"] == "original"
        )
    missing = [k for k in items if k not in seen and items[k]["scores_on"] != "none"]
    return MNSIResult(
        float(score), float(hist["max_score"]), score >= cutoff, float(cutoff), len(seen), missing
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
    comps = {c["name"]: c["per_foot_points"] for c in markers()["mnsi"]["exam"]["components"]}
    cutoff = next(
        c["abnormal_at_or_above"]
        for c in markers()["mnsi"]["exam"]["cutoffs"]
        if "abnormal_at_or_above" in c
    )
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
    max_score = markers()["mnsi"]["exam"]["max_score_with_monofilament"]
    return MNSIResult(score, float(max_score), score >= cutoff, float(cutoff), answered, missing)
