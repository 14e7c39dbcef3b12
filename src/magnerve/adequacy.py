"""Adequacy of intake: the IOM individual method and group methods.

Individual (IOM 2000, chapter 3 and appendix B): with observed mean intake ``y`` over ``n``
days, the difference ``D = y - EAR`` has standard deviation
``SD_D = sqrt(SD_req**2 + SD_within**2 / n)``; ``z = D / SD_D`` and the confidence that
usual intake meets the requirement is ``Phi(z)``. The within-person (day-to-day) SD is a
survey-pooled value by life stage (``data/within_person_sd.toml``), not the person's own.

Groups (IOM 2000, chapter 4): the EAR cut-point method (share of *usual* intakes below the
EAR) and the probability approach (mean over people of the probability that intake is
below requirement); usual intakes come from observed days with the within-person variance
removed.

References
----------
.. [1] Institute of Medicine (2000). Dietary Reference Intakes: Applications in Dietary
   Assessment. National Academy Press; doi:10.17226/9956.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, TypeAlias, cast, overload

import numpy as np
import numpy.typing as npt

from magnerve._numeric import ArrayInput as _Array
from magnerve._numeric import FloatArray
from magnerve._numeric import any_array as _any_array
from magnerve._numeric import raise_at as _raise_at
from magnerve._sex import normalise_sex
from magnerve.registry import get_registry
from magnerve.requirements import ReferenceIntake, RequirementError, reference_intake

if TYPE_CHECKING:  # pragma: no cover
    from magnerve.registry import WithinPersonSdData

__all__ = [
    "IndividualAdequacy",
    "IndividualAdequacyArray",
    "assess_individual",
    "confidence_above",
    "default_within_sd",
    "ear_cut_point",
    "individual_adequacy",
    "probability_approach",
    "required_mean_intake",
    "usual_intakes",
]


@dataclass(frozen=True, slots=True)
class IndividualAdequacy:
    """Result of the IOM individual assessment against the EAR.

    Attributes
    ----------
    mean_intake : float
        Observed mean daily intake [unit/day].
    n_days : int
        Days observed.
    ear : float
        Estimated Average Requirement [unit/day].
    requirement_sd : float
        SD of requirements [unit/day].
    within_person_sd : float
        Day-to-day SD of intake [unit/day].
    d : float
        ``mean_intake - ear`` [unit/day].
    sd_d : float
        SD of ``d`` [unit/day].
    z : float
        ``d / sd_d`` [-].
    confidence_adequate : float
        ``Phi(z)``: confidence that usual intake meets the requirement [0-1].
    required_mean_intake : float or None
        Mean intake needed over ``n_days`` for the target confidence [unit/day].
    target_confidence : float or None
        The target used for ``required_mean_intake``.
    """

    mean_intake: float
    n_days: int
    ear: float
    requirement_sd: float
    within_person_sd: float
    d: float
    sd_d: float
    z: float
    confidence_adequate: float
    required_mean_intake: float | None = None
    target_confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {k: getattr(self, k) for k in self.__slots__}


IntArray: TypeAlias = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class IndividualAdequacyArray:
    """Element-wise result of :func:`individual_adequacy` for array input.

    Every attribute is an array of the broadcast shape of the inputs (read-only views where
    an input was broadcast), with the meaning of the same attribute of
    :class:`IndividualAdequacy`.

    Attributes
    ----------
    mean_intake, ear, requirement_sd, within_person_sd : numpy.ndarray of float64
        The inputs [unit/day].
    n_days : numpy.ndarray of int64
        Days observed.
    d, sd_d : numpy.ndarray of float64
        ``mean_intake - ear`` and its SD [unit/day].
    z : numpy.ndarray of float64
        ``d / sd_d`` [-].
    confidence_adequate : numpy.ndarray of float64
        ``Phi(z)`` [0-1].
    """

    mean_intake: FloatArray
    n_days: IntArray
    ear: FloatArray
    requirement_sd: FloatArray
    within_person_sd: FloatArray
    d: FloatArray
    sd_d: FloatArray
    z: FloatArray
    confidence_adequate: FloatArray

    @property
    def shape(self) -> tuple[int, ...]:
        """The broadcast shape of the inputs."""
        return tuple(self.z.shape)


def _ndtr(z: float) -> float:
    """Standard normal CDF of a scalar (math.erfc: no scipy import on the scalar path)."""
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def _ndtri(p: float) -> float:
    """Inverse standard normal CDF of a scalar in (0, 1)."""
    return NormalDist().inv_cdf(p)


def _ndtr_array(z: Any) -> Any:
    """Standard normal CDF of an array (scipy, imported on first use)."""
    from scipy.special import ndtr

    return ndtr(z)


def _check(name: str, value: float, *, positive: bool = False) -> None:
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        rule = "more than zero" if positive else "zero or more"
        raise ValueError(f"{name} must be a finite number {rule}, got {value!r}")


def _check_array(name: str, value: npt.ArrayLike, *, positive: bool = False) -> FloatArray:
    """Array form of :func:`_check`: the values as float64, or ValueError at the first bad."""
    x = np.asarray(value, dtype=np.float64)
    ok = np.isfinite(x) & ((x > 0) if positive else (x >= 0))
    rule = "more than zero" if positive else "zero or more"
    _raise_at(~ok, x, f"{name} must be a finite number {rule}, got {{!r}}")
    return x


def _check_n_days(n_days: float) -> None:
    if not math.isfinite(n_days) or int(n_days) != n_days or n_days < 1:
        raise ValueError(f"n_days must be a whole number of days >= 1, got {n_days!r}")


def _n_days_array(n_days: npt.ArrayLike) -> IntArray:
    x = np.asarray(n_days, dtype=np.float64)
    ok = np.isfinite(x) & (x >= 1) & (x == np.floor(x))
    _raise_at(~ok, x, "n_days must be a whole number of days >= 1, got {!r}")
    return x.astype(np.int64)


@overload
def individual_adequacy(
    mean_intake: float,
    n_days: int,
    *,
    ear: float,
    requirement_sd: float,
    within_person_sd: float,
) -> IndividualAdequacy: ...
@overload
def individual_adequacy(
    mean_intake: _Array,
    n_days: npt.ArrayLike,
    *,
    ear: npt.ArrayLike,
    requirement_sd: npt.ArrayLike,
    within_person_sd: npt.ArrayLike,
) -> IndividualAdequacyArray: ...
@overload
def individual_adequacy(
    mean_intake: float | _Array,
    n_days: _Array,
    *,
    ear: npt.ArrayLike,
    requirement_sd: npt.ArrayLike,
    within_person_sd: npt.ArrayLike,
) -> IndividualAdequacyArray: ...
@overload
def individual_adequacy(
    mean_intake: npt.ArrayLike,
    n_days: npt.ArrayLike,
    *,
    ear: npt.ArrayLike,
    requirement_sd: npt.ArrayLike,
    within_person_sd: npt.ArrayLike,
) -> IndividualAdequacy | IndividualAdequacyArray: ...
def individual_adequacy(
    mean_intake: npt.ArrayLike,
    n_days: npt.ArrayLike,
    *,
    ear: npt.ArrayLike,
    requirement_sd: npt.ArrayLike,
    within_person_sd: npt.ArrayLike,
) -> IndividualAdequacy | IndividualAdequacyArray:
    """Confidence that an individual's usual intake meets the requirement (IOM 2000).

    Parameters
    ----------
    mean_intake : numeric
        Observed mean intake over ``n_days`` [mg/day]; 0 or more.
    n_days : int or array_like of int
        Number of days observed (whole numbers, >= 1).
    ear : numeric
        Estimated Average Requirement [mg/day]; above zero.
    requirement_sd : numeric
        SD of requirements [mg/day] (10 % of the EAR for magnesium); 0 or more.
    within_person_sd : numeric
        Day-to-day SD of intake [mg/day]; 0 or more.

    Returns
    -------
    IndividualAdequacy or IndividualAdequacyArray
        :class:`IndividualAdequacy` when every input is a scalar; otherwise
        :class:`IndividualAdequacyArray`, whose attributes are arrays of the broadcast shape
        (one person-assessment per element, equal to the scalar result element-wise).

    Raises
    ------
    ValueError
        A value out of range or not finite (for arrays, naming the first bad index).

    Examples
    --------
    IOM 2000 p. 53-54: a woman aged 40 with 3 days averaging 320 mg magnesium (EAR 265,
    SD of requirement 26.5, SD of daily intake about 86 mg) has D = 55, SD_D = 56 and about
    85 % confidence of adequacy.

    >>> r = individual_adequacy(320, 3, ear=265, requirement_sd=26.5, within_person_sd=85.9)
    >>> round(r.sd_d), round(r.z, 2)
    (56, 0.98)

    With arrays (here: the same woman after 1, 3 and 7 days):

    >>> r = individual_adequacy(320, [1, 3, 7], ear=265, requirement_sd=26.5,
    ...                         within_person_sd=85.9)
    >>> r.confidence_adequate.round(2)
    array([0.73, 0.84, 0.91])
    """
    if _any_array(mean_intake, n_days, ear, requirement_sd, within_person_sd):
        return _adequacy_arrays(mean_intake, n_days, ear, requirement_sd, within_person_sd)
    mean_f, n_f = cast(float, mean_intake), cast(float, n_days)
    ear_f, req_f = cast(float, ear), cast(float, requirement_sd)
    within_f = cast(float, within_person_sd)
    _check("mean_intake", mean_f)
    _check("ear", ear_f, positive=True)
    _check("requirement_sd", req_f)
    _check("within_person_sd", within_f)
    _check_n_days(n_f)
    sd_d = math.sqrt(req_f**2 + within_f**2 / n_f)
    d = mean_f - ear_f
    z = d / sd_d if sd_d > 0 else math.copysign(math.inf, d) if d else 0.0
    return IndividualAdequacy(
        float(mean_f),
        int(n_f),
        float(ear_f),
        float(req_f),
        float(within_f),
        d,
        sd_d,
        z,
        _ndtr(float(z)),
    )


def _pow2(x: FloatArray) -> FloatArray:
    return np.asarray(np.power(x, np.full(x.shape, 2.0)), dtype=np.float64)


def _adequacy_arrays(
    mean_intake: npt.ArrayLike,
    n_days: npt.ArrayLike,
    ear: npt.ArrayLike,
    requirement_sd: npt.ArrayLike,
    within_person_sd: npt.ArrayLike,
) -> IndividualAdequacyArray:
    mean = _check_array("mean_intake", mean_intake)
    e = _check_array("ear", ear, positive=True)
    req = _check_array("requirement_sd", requirement_sd)
    within = _check_array("within_person_sd", within_person_sd)
    n = _n_days_array(n_days)
    # ``x ** 2`` as the scalar path computes it (C ``pow``): NumPy's ``x ** 2`` is ``x * x``,
    # which can differ from ``pow`` in the last bit; an array exponent keeps ``pow``.
    sd_d = np.sqrt(_pow2(req) + _pow2(within) / n.astype(np.float64))
    d = mean - e
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = d / sd_d
    z = np.where(sd_d > 0, ratio, np.where(d != 0, np.copysign(np.inf, d), 0.0))
    shape = np.broadcast_shapes(mean.shape, n.shape, e.shape, req.shape, within.shape)

    def full(x: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return np.broadcast_to(x, shape)

    return IndividualAdequacyArray(
        full(mean),
        full(n),
        full(e),
        full(req),
        full(within),
        full(d),
        full(sd_d),
        full(z),
        full(np.asarray(_ndtr_array(z), dtype=np.float64)),
    )


@overload
def required_mean_intake(
    confidence: float,
    n_days: int,
    *,
    ear: float,
    requirement_sd: float,
    within_person_sd: float,
) -> float: ...
@overload
def required_mean_intake(
    confidence: _Array,
    n_days: npt.ArrayLike,
    *,
    ear: npt.ArrayLike,
    requirement_sd: npt.ArrayLike,
    within_person_sd: npt.ArrayLike,
) -> FloatArray: ...
@overload
def required_mean_intake(
    confidence: float | _Array,
    n_days: _Array,
    *,
    ear: npt.ArrayLike,
    requirement_sd: npt.ArrayLike,
    within_person_sd: npt.ArrayLike,
) -> FloatArray: ...
@overload
def required_mean_intake(
    confidence: npt.ArrayLike,
    n_days: npt.ArrayLike,
    *,
    ear: npt.ArrayLike,
    requirement_sd: npt.ArrayLike,
    within_person_sd: npt.ArrayLike,
) -> float | FloatArray: ...
def required_mean_intake(
    confidence: npt.ArrayLike,
    n_days: npt.ArrayLike,
    *,
    ear: npt.ArrayLike,
    requirement_sd: npt.ArrayLike,
    within_person_sd: npt.ArrayLike,
) -> float | FloatArray:
    """Mean intake over ``n_days`` needed for a given confidence of adequacy.

    ``EAR + z_p * SD_D`` with ``z_p = Phi^-1(confidence)`` [mg/day]. IOM 2000 Table 3-1 rounds
    ``z`` to 2 for "97.5 %"; pass ``confidence=ndtr(2)`` to reproduce it.

    Parameters
    ----------
    confidence : numeric
        Target confidence of adequacy, between 0 and 1 (exclusive).
    n_days : int or array_like of int
        Days observed (whole numbers, >= 1).
    ear, requirement_sd, within_person_sd : numeric
        As in :func:`individual_adequacy` [mg/day].

    Returns
    -------
    numeric
        Required mean intake [mg/day]: a float when every input is a scalar, else a float64
        ndarray of the broadcast shape.

    Raises
    ------
    ValueError
        A value out of range or not finite (for arrays, naming the first bad index).
    """
    if not _any_array(confidence, n_days, ear, requirement_sd, within_person_sd):
        c = cast(float, confidence)
        if not 0.0 < c < 1.0:
            raise ValueError(f"confidence must be between 0 and 1 (exclusive), got {c!r}")
        e = cast(float, ear)
        base = individual_adequacy(
            e,
            cast(int, n_days),
            ear=e,
            requirement_sd=cast(float, requirement_sd),
            within_person_sd=cast(float, within_person_sd),
        )
        return e + _ndtri(float(c)) * base.sd_d
    conf = np.asarray(confidence, dtype=np.float64)
    _raise_at(
        ~((conf > 0.0) & (conf < 1.0)),
        conf,
        "confidence must be between 0 and 1 (exclusive), got {!r}",
    )
    ear_a = np.asarray(ear, dtype=np.float64)
    arrays = _adequacy_arrays(ear_a, n_days, ear_a, requirement_sd, within_person_sd)
    from scipy.special import ndtri

    return np.asarray(ear_a + ndtri(conf) * arrays.sd_d, dtype=np.float64)


@overload
def confidence_above(
    mean_intake: float, n_days: float, reference: float, within_sd: float
) -> float: ...
@overload
def confidence_above(
    mean_intake: _Array, n_days: npt.ArrayLike, reference: npt.ArrayLike, within_sd: npt.ArrayLike
) -> FloatArray: ...
@overload
def confidence_above(
    mean_intake: float | _Array,
    n_days: _Array,
    reference: npt.ArrayLike,
    within_sd: npt.ArrayLike,
) -> FloatArray: ...
@overload
def confidence_above(
    mean_intake: npt.ArrayLike,
    n_days: npt.ArrayLike,
    reference: npt.ArrayLike,
    within_sd: npt.ArrayLike,
) -> float | FloatArray: ...
def confidence_above(
    mean_intake: npt.ArrayLike,
    n_days: npt.ArrayLike,
    reference: npt.ArrayLike,
    within_sd: npt.ArrayLike,
) -> float | FloatArray:
    """Confidence that usual intake exceeds a reference with no requirement spread (an AI or a
    UL): ``Phi((mean - reference) / (SD_within / sqrt(n)))`` (IOM 2000 appendix B).

    For a UL, ``1 - confidence_above(...)`` is the confidence that usual intake is below it.

    Parameters
    ----------
    mean_intake : numeric
        Observed mean intake [unit/day]; 0 or more.
    n_days : numeric
        Days observed; above zero.
    reference : numeric
        The AI or UL [unit/day]; 0 or more.
    within_sd : numeric
        Day-to-day SD of intake [unit/day]; above zero.

    Returns
    -------
    numeric
        Confidence [0-1]: a float when every input is a scalar, else a float64 ndarray of the
        broadcast shape.

    Raises
    ------
    ValueError
        A value out of range or not finite (for arrays, naming the first bad index).
    """
    if not _any_array(mean_intake, n_days, reference, within_sd):
        m, n = cast(float, mean_intake), cast(float, n_days)
        r, w = cast(float, reference), cast(float, within_sd)
        _check("within_sd", w, positive=True)
        _check("mean_intake", m)
        _check("reference", r)
        _check("n_days", n, positive=True)
        return _ndtr((m - r) / (w / math.sqrt(n)))
    w_a = _check_array("within_sd", within_sd, positive=True)
    m_a = _check_array("mean_intake", mean_intake)
    r_a = _check_array("reference", reference)
    n_a = _check_array("n_days", n_days, positive=True)
    return np.asarray(_ndtr_array((m_a - r_a) / (w_a / np.sqrt(n_a))), dtype=np.float64)


# -- within-person SD defaults --------------------------------------------------------------


def _within_section() -> WithinPersonSdData | None:
    """The typed ``within_person_sd.toml`` of the active registry (None without the file)."""
    try:
        return get_registry().section("within_person_sd")
    except FileNotFoundError:
        return None


def _within_table() -> Mapping[str, Any]:
    """``within_person_sd.toml`` as written (read-only; empty without the file)."""
    sec = _within_section()
    return {} if sec is None else sec.raw


def _group_keys(age: float, sex: str, pregnant: bool, lactating: bool) -> list[str]:
    if pregnant:
        return ["pregnant"]
    if lactating:
        return ["lactating"]
    s = "M" if sex == "male" else "F"
    if age < 4:
        return [f"{s} 1-3", "child 1-3"]
    if age < 9:
        return [f"{s} 4-8", "child 4-8"]
    for lo, hi in ((9, 13), (14, 18), (19, 30), (31, 50), (51, 70)):
        if age < hi + 1:
            return [f"{s} {lo}-{hi}"]
    return [f"{s} 71+", f"{s} 70+", f"{s} >70"]


def default_within_sd(
    nutrient: str, *, age: float, sex: str, pregnant: bool = False, lactating: bool = False
) -> tuple[float, str, str]:
    """Default day-to-day SD of intake for a life stage, with its source and confidence.

    Published values (IOM 2000 appendix B, CSFII 1994-96) are used where magnerve has them;
    other life stages get a value derived from a cited CV and the stage's mean intake
    (``[<nutrient>_derived]`` in ``data/within_person_sd.toml``, confidence "low"), else the
    file's stated fallback.

    Returns
    -------
    sd : float
        Within-person SD [unit/day].
    source : str
        Citation of the value (and "approximation" when the fallback is used).
    confidence : str
        "high", "medium" or "low".

    Raises
    ------
    RequirementError
        When the data file has nothing for this nutrient (pass ``within_person_sd``).
    """
    data = _within_section()
    if data is not None:
        for table in (data.published.get(nutrient, {}), data.derived.get(nutrient, {})):
            for key in _group_keys(age, sex, pregnant, lactating):
                entry = table.get(key)
                if entry is not None:
                    return float(entry.sd), entry.source, entry.confidence
        fb = data.fallback.get(nutrient)
        if fb is not None:
            return float(fb.sd), fb.source, fb.confidence
    raise RequirementError(
        f"no default within-person SD of {nutrient} intake; give one with --within-sd"
    )


def assess_individual(
    nutrient: str,
    mean_intake: float,
    n_days: int,
    *,
    age: float,
    sex: str,
    pregnant: bool = False,
    lactating: bool = False,
    within_person_sd: float | None = None,
    target_confidence: float | None = None,
    authority: str = "iom",
) -> tuple[IndividualAdequacy, ReferenceIntake, str]:
    """Look up the EAR and within-person SD for a person and run the IOM method.

    Returns
    -------
    result : IndividualAdequacy
    reference : ReferenceIntake
    within_source : str
        Where the within-person SD came from ("given" when passed in).

    Raises
    ------
    RequirementError
        When the authority has no EAR for this life stage (e.g. EFSA's AIs, infants).
    """
    ref = reference_intake(
        nutrient, age=age, sex=sex, pregnant=pregnant, lactating=lactating, authority=authority
    )
    if ref.ear is None or ref.requirement_sd is None:
        raise RequirementError(
            f"{ref.authority} has no EAR for {nutrient} ({ref.life_stage}); the IOM individual "
            "method needs an EAR (use authority 'iom')"
        )
    if within_person_sd is None:
        sex_n = normalise_sex(sex)
        within_person_sd, src, conf = default_within_sd(
            nutrient, age=age, sex=sex_n, pregnant=pregnant, lactating=lactating
        )
        src = f"{src} (confidence: {conf})"
    else:
        src = "given"
    res = individual_adequacy(
        mean_intake,
        n_days,
        ear=ref.ear,
        requirement_sd=ref.requirement_sd,
        within_person_sd=within_person_sd,
    )
    if target_confidence is not None:
        need = required_mean_intake(
            target_confidence,
            n_days,
            ear=ref.ear,
            requirement_sd=ref.requirement_sd,
            within_person_sd=within_person_sd,
        )
        res = replace(res, required_mean_intake=need, target_confidence=target_confidence)
    return res, ref, src


# -- groups -------------------------------------------------------------------------------


def usual_intakes(daily: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Estimate usual intakes of a group from repeated daily intakes.

    Shrinks each person's mean towards the group mean by the share of between-person
    variance, removing the within-person (day-to-day) variance that inflates the spread of
    observed means (the variance-adjustment approach of NRC 1986, described in IOM 2000
    chapter 4; the ISU/NCI methods add a normalising transform on top of this).

    Parameters
    ----------
    daily : array_like, shape (n_people, n_days)
        Daily intakes; NaN for days not observed (each person needs >= 1 day; the within-
        person variance is estimated from people with >= 2 days).

    Returns
    -------
    numpy.ndarray, shape (n_people,)
        Estimated usual intakes [unit/day].
    """
    x = np.asarray(daily, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError("daily intakes must be a 2-D array (people x days)")
    n = np.sum(~np.isnan(x), axis=1)
    if np.any(n == 0):
        raise ValueError("every person needs at least one observed day")
    means = np.nanmean(x, axis=1)
    multi = n >= 2
    if not multi.any():
        raise ValueError("the within-person variance needs people with two or more days")
    # pooled within-person variance
    dev = np.where(np.isnan(x), 0.0, x - means[:, None])
    s2w = float(np.sum(dev[multi] ** 2) / np.sum(n[multi] - 1))
    grand = float(np.mean(means))
    s2_obs = float(np.var(means, ddof=1)) if len(means) > 1 else 0.0
    s2b = max(s2_obs - s2w * float(np.mean(1.0 / n)), 0.0)
    shrink = np.sqrt(s2b / (s2b + s2w / n)) if s2b > 0 else np.zeros_like(means)
    result: npt.NDArray[np.float64] = grand + (means - grand) * shrink
    return result


def ear_cut_point(usual: npt.ArrayLike, ear: float) -> float:
    """Prevalence of inadequacy by the EAR cut-point method: share of usual intakes < EAR.

    Valid when intakes and requirements are independent, the requirement distribution is
    symmetric and its variance is smaller than that of usual intakes (IOM 2000 ch. 4).
    """
    u = np.asarray(usual, dtype=np.float64)
    if u.size == 0:
        raise ValueError("no intakes given")
    return float(np.mean(u < ear))


def probability_approach(usual: npt.ArrayLike, ear: float, requirement_sd: float) -> float:
    """Prevalence of inadequacy by the probability approach with normal requirements:
    mean over people of ``P(requirement > usual intake) = 1 - Phi((y - EAR) / SD_req)``."""
    u = np.asarray(usual, dtype=np.float64)
    if u.size == 0:
        raise ValueError("no intakes given")
    _check("requirement_sd", requirement_sd, positive=True)
    return float(np.mean(1.0 - _ndtr_array((u - ear) / requirement_sd)))
