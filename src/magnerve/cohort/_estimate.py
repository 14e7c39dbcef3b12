"""From the prepared per-person table to the prevalence of inadequacy with design-based SEs.

1. EAR and requirement SD per person from magnerve's own reference table
   (:func:`magnerve.requirements.reference_intake`, IOM 1997; the SD is the table's CV x EAR).
   Infants (AI only, no EAR) are left out of the estimate but stay in the survey design.
2. Usual intakes within each sex and age band, from day 1 and, where there is one, day 2:
   by the within-person-variance shrinkage (:func:`magnerve.adequacy.usual_intakes`), or by
   the NCI-style amount-only model (:mod:`magnerve.cohort._nci`: Box-Cox, mixed model,
   Monte-Carlo draws of each person's usual intake); supplements (``DSQTMAGN``) added after
   ("shrink then add").
3. Per person: below the EAR (cut-point), or the probability that the requirement exceeds
   the usual intake (probability approach, normal requirements); with the NCI model, the
   mean of that over the person's draws.
4. Weighted means of that with design-based SEs (svy), overall and by domain (sex x age
   band) over the whole design: Taylor linearisation over strata and PSUs, or replicate
   weights (delete-one-PSU jackknife JKn, or BRR).
5. Optionally (``refit=True``, NCI model with replicate weights): the NCI model refitted with
   every replicate weight set and the replicate variance of the resulting prevalences
   (:mod:`magnerve.cohort._replicates`), so the SEs include the model fit's uncertainty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import polars as pl
from scipy.special import ndtr

from magnerve.adequacy import usual_intakes
from magnerve.cohort._distributions import distributions
from magnerve.cohort._nci import fit_amount, usual_draws
from magnerve.cohort._replicates import (
    ReplicateKind,
    replicate_coefficients,
    replicate_means,
    replicate_se,
)
from magnerve.cohort._result import CohortResult, GroupPrevalence, Prevalence
from magnerve.errors import InputError, MagnerveError
from magnerve.requirements import RequirementError, reference_intake

__all__ = ["Method", "Progress", "Usual", "UsualMethodUnavailable", "Variance", "estimate"]

Method = Literal["cutpoint", "probability"]
Usual = Literal["shrink", "nci"]
Variance = Literal["taylor", "jackknife", "brr"]
#: Progress callback: (step description, steps done, steps in all).
Progress = Callable[[str, int, int], None]

#: Monte-Carlo draws of usual intake per person in the NCI model (method setting: the
#: Monte-Carlo error of a prevalence is then below 0.05 / sqrt(n_persons)).
NCI_DRAWS = 100
#: Seed of the Monte-Carlo draws, so that a run is reproducible (method setting).
NCI_SEED = 20061575
#: Weekend intake days in NHANES DR1DAY/DR2DAY codes (1 = Sunday ... 7 = Saturday):
#: Friday, Saturday, Sunday (an assumption, see docs/cohort.md).
WEEKEND_CODES = (6.0, 7.0, 1.0)
#: Fay coefficient of the BRR replicate weights (method setting: 0 = plain BRR, half-samples
#: with weights 0 and 2).
BRR_FAY = 0.0

_SEX = {1.0: "male", 2.0: "female"}


class UsualMethodUnavailable(MagnerveError, NotImplementedError):
    """A usual-intake method asked for is not built (kept for callers of the first slice;
    both ``shrink`` and ``nci`` are available now)."""


class DesignError(InputError):
    """The survey design cannot give a variance (e.g. a stratum with one PSU)."""


def _band(life_stage: str) -> str:
    """``"male 31+ y"`` → ``"31+ y"``; ``"child 1-3 y"`` → ``"1-3 y"``."""
    return life_stage.split(" ", 1)[1].split(",", 1)[0]


def _stages(table: pl.DataFrame) -> pl.DataFrame:
    """EAR [mg/day], requirement SD [mg/day], age band and its lower age for each person."""
    keys = table.select("RIAGENDR", "RIDAGEYR", "pregnant").unique()
    rows: list[tuple[float, float, bool, float | None, float | None, str | None]] = []
    for sex_code, age, preg in keys.iter_rows():
        sex = _SEX[sex_code]
        general = reference_intake("magnesium", age=age, sex=sex)
        ref = general
        if preg:
            try:
                ref = reference_intake("magnesium", age=age, sex=sex, pregnant=True)
            except RequirementError as e:
                raise InputError(f"RIDEXPRG: a pregnant person aged {age:g}: {e}") from None
        if general.ear is None or ref.ear is None:
            rows.append((sex_code, age, preg, None, None, None))
            continue
        rows.append((sex_code, age, preg, ref.ear, ref.requirement_sd, _band(general.life_stage)))
    stages = pl.DataFrame(
        rows,
        schema={
            "RIAGENDR": pl.Float64,
            "RIDAGEYR": pl.Float64,
            "pregnant": pl.Boolean,
            "ear": pl.Float64,
            "requirement_sd": pl.Float64,
            "age_group": pl.String,
        },
        orient="row",
    )
    return table.join(stages, on=["RIAGENDR", "RIDAGEYR", "pregnant"], how="left")


def _y(u: np.ndarray, ear: np.ndarray, sd: np.ndarray, method: Method) -> np.ndarray:
    """Below the EAR (cut-point) or P(requirement > u) (probability); u may be 2-D."""
    if u.ndim == 2:
        ear, sd = ear[:, None], sd[:, None]
    if method == "cutpoint":
        return (u < ear).astype(np.float64)
    return np.asarray(1.0 - ndtr((u - ear) / sd), dtype=np.float64)


def _weekend(table: pl.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    if "DR1DAY" not in table.columns or "DR2DAY" not in table.columns:
        return None
    codes = list(WEEKEND_CODES)
    we1 = table["DR1DAY"].is_in(codes).fill_null(False).to_numpy()
    we2 = table["DR2DAY"].is_in(codes).fill_null(False).to_numpy()
    return we1, we2


def _usual(
    table: pl.DataFrame,
    method: Method,
    usual: Usual,
    progress: Progress | None,
    *,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Usual intakes [mg/day] (NCI: the mean of each person's draws) and the per-person
    value whose weighted mean is the prevalence, within sex x age band.

    ``weights`` replaces ``WTDRD1`` in the NCI fit (a replicate weight set); a group whose
    weights are all zero gets NaN. The Monte-Carlo generator is seeded with ``NCI_SEED`` on
    every call, so every call (full sample and each replicate) uses the same standard-normal
    draws for the same person (common random numbers)."""
    day1 = table["DR1TMAGN"].to_numpy()
    day2 = table["DR2TMAGN"].fill_null(np.nan).to_numpy()
    w = table["WTDRD1"].to_numpy() if weights is None else weights
    ear = table["ear"].to_numpy()
    sd = table["requirement_sd"].to_numpy()
    supplements = table["DSQTMAGN"].fill_null(0.0).to_numpy()
    weekend = _weekend(table)
    rng = np.random.default_rng(NCI_SEED)
    out = np.full(table.height, np.nan)
    y = np.full(table.height, np.nan)
    groups = (
        table.with_row_index("_i")
        .group_by("sex", "age_group")
        .agg(pl.col("_i"))
        .sort("sex", "age_group")
    )
    for k, (sex, band, idx) in enumerate(groups.iter_rows()):
        if progress is not None:
            progress(f"usual intakes ({usual}): {sex} {band}", k, groups.height)
        i = np.asarray(idx, dtype=np.int64)
        try:
            if usual == "shrink":
                u = usual_intakes(np.column_stack([day1[i], day2[i]])) + supplements[i]
                out[i] = u
                y[i] = _y(u, ear[i], sd[i], method)
                continue
            we = (weekend[0][i], weekend[1][i]) if weekend is not None else (None, None)
            if not np.any(w[i] > 0.0):  # a replicate without this group: nothing to fit
                rng.standard_normal((i.size, NCI_DRAWS))  # keep later groups' draws aligned
                continue
            fit = fit_amount(day1[i], day2[i], w[i], weekend1=we[0], weekend2=we[1])
            draws = usual_draws(
                fit,
                day1[i],
                day2[i],
                weekend1=we[0],
                weekend2=we[1],
                n_draws=NCI_DRAWS,
                rng=rng,
            )
            draws += supplements[i][:, None]
            out[i] = draws.mean(axis=1)
            y[i] = _y(draws, ear[i], sd[i], method).mean(axis=1)
        except ValueError as e:
            raise InputError(
                f"usual intakes of {sex} {band} cannot be estimated: {e}; the {usual} method "
                "needs some persons in each group with a second day (DR2TMAGN)"
            ) from None
    if progress is not None:
        progress("usual intakes", groups.height, groups.height)
    return out, y


def _design_frame(table: pl.DataFrame, y: np.ndarray, analysed: np.ndarray) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "y": np.where(analysed, y, 0.0),
            "w": table["WTDRD1"].to_numpy(),
            "stratum": table["SDMVSTRA"].to_numpy(),
            "psu": (table["SDMVSTRA"].cast(pl.String) + "/" + table["SDMVPSU"].cast(pl.String)),
            "sex": table["sex"].to_numpy(),
            "age_group": table["age_group"].fill_null("(no EAR)"),
            "dom": analysed,
        }
    )


def _check_design(frame: pl.DataFrame) -> None:
    per = frame.group_by("stratum").agg(pl.col("psu").n_unique().alias("k")).sort("stratum")
    single = per.filter(pl.col("k") < 2)
    if single.height:
        raise DesignError(
            f"stratum SDMVSTRA {single['stratum'][0]:g} has only one PSU (SDMVPSU) among persons "
            "with a day-1 intake; Taylor linearisation needs two or more per stratum"
        )


def _ci(lo: float, hi: float) -> tuple[float, float]:
    return (max(0.0, float(lo)), min(1.0, float(hi)))


def _sample(frame: pl.DataFrame, variance: Variance) -> object:
    import svy

    sample = svy.Sample(frame, svy.Design(stratum="stratum", psu="psu", wgt="w"))
    if variance == "jackknife":
        return sample.weighting.create_jk_wgts(rep_prefix="w_rep")
    if variance == "brr":  # svy pairs the PSUs of strata with more than two
        return sample.weighting.create_brr_wgts(rep_prefix="w_rep", fay_coef=BRR_FAY)
    return sample


def _t_ci(est: float, se: float, df: float) -> tuple[float, float]:
    """95 % CI est ± t(df) se, clipped to 0-1 (svy's interval for a replicate mean)."""
    from scipy.stats import t as student_t

    q = float(student_t.ppf(0.975, df))
    return _ci(est - q * se, est + q * se)


def _refit_ses(
    a: pl.DataFrame,
    analysed: np.ndarray,
    sample: Any,
    method: Method,
    variance: Variance,
    keys: list[tuple[str, str]],
    progress: Progress | None,
) -> np.ndarray:
    """Replicate SEs with the NCI model refitted on every replicate weight set: row 0 the
    whole analysed population, then one row per (sex, age band) in ``keys``."""
    data = sample.data.sort("_row")
    rep_cols = list(sample.rep_columns)
    rep_all = data.select(rep_cols).to_numpy()
    kind: ReplicateKind = "jkn" if variance == "jackknife" else "brr"
    coefs = replicate_coefficients(
        rep_all, data["stratum"].to_numpy(), data["psu"].to_numpy(), kind, fay=BRR_FAY
    )
    rep_w = rep_all[analysed]
    sex, band = a["sex"].to_numpy(), a["age_group"].to_numpy()
    domains = np.column_stack(
        [np.ones(a.height, dtype=bool)] + [(sex == s) & (band == b) for s, b in keys]
    )
    n_reps = rep_w.shape[1]
    theta = np.empty((domains.shape[1], n_reps))
    for r in range(n_reps):
        if progress is not None:
            progress(f"refitting the NCI model ({variance} replicates)", r, n_reps)
        _, y_r = _usual(a, method, "nci", None, weights=rep_w[:, r])
        theta[:, r] = replicate_means(y_r, rep_w[:, r : r + 1], domains)[:, 0]
    if progress is not None:
        progress(f"refitting the NCI model ({variance} replicates)", n_reps, n_reps)
    return replicate_se(theta, coefs)


def estimate(
    table: pl.DataFrame,
    *,
    method: Method = "cutpoint",
    usual: Usual = "shrink",
    variance: Variance = "taylor",
    refit: bool = False,
    progress: Progress | None = None,
) -> CohortResult:
    """Prevalence of usual magnesium intake below the EAR (see the module docstring).

    Parameters
    ----------
    table : polars.DataFrame
        Prepared and checked per-person table (NHANES columns, plus ``pregnant`` [bool] and
        ``DSQTMAGN`` [mg/day, null = none]; optional ``DR1DAY``/``DR2DAY`` [1 = Sunday]).
    method : {"cutpoint", "probability"}
        EAR cut-point method or probability approach.
    usual : {"shrink", "nci"}
        Usual-intake method: within-person-variance shrinkage or the NCI-style
        amount-only model.
    variance : {"taylor", "jackknife", "brr"}
        Design-based SEs: Taylor linearisation, delete-one-PSU jackknife (JKn) or BRR.
    refit : bool, default False
        With ``usual="nci"`` and a replicate ``variance``: refit the NCI model (Box-Cox
        power, fixed effects, variance components, Monte-Carlo draws with the same seed)
        with every replicate weight set and take the replicate variance of the resulting
        prevalences, so the SEs include the model fit's uncertainty (NCI practice; one fit
        per replicate, so about R + 1 times the time of one fit).
    progress : callable, optional
        Called as ``progress(step, done, total)``.

    Returns
    -------
    CohortResult

    Raises
    ------
    InputError
        An unknown option, ``refit`` without the NCI model and replicate weights, a group
        without second days, a pregnant person outside the IOM pregnancy ages, or a design
        without two PSUs in a stratum.
    """
    if usual not in ("shrink", "nci"):
        raise InputError(f"unknown usual-intake method {usual!r}; use 'shrink' or 'nci'")
    if method not in ("cutpoint", "probability"):
        raise InputError(f"unknown method {method!r}; use 'cutpoint' or 'probability'")
    if variance not in ("taylor", "jackknife", "brr"):
        raise InputError(f"unknown variance {variance!r}; use 'taylor', 'jackknife' or 'brr'")
    if refit and (usual != "nci" or variance == "taylor"):
        raise InputError(
            "refitting per replicate needs the NCI model and replicate weights: "
            "usual='nci' with variance='jackknife' or 'brr'"
        )
    import svy

    no_day1 = int(table["DR1TMAGN"].null_count())
    t = table.filter(pl.col("DR1TMAGN").is_not_null())
    if t.height == 0:
        raise InputError("no person has a day-1 magnesium intake (DR1TMAGN)")
    t = _stages(t).with_columns(
        pl.col("RIAGENDR").replace_strict(_SEX, return_dtype=pl.String).alias("sex")
    )
    analysed = t["ear"].is_not_null().to_numpy()
    n_no_ear = int((~analysed).sum())
    if not analysed.any():
        raise InputError("nobody in the file has an EAR (IOM gives none below 1 year of age)")
    a = t.filter(pl.col("ear").is_not_null())
    u_a, y_a = _usual(a, method, usual, progress)
    y = np.zeros(t.height)
    y[analysed] = y_a
    frame = _design_frame(t, y, analysed)
    _check_design(frame)
    if progress is not None:
        progress(f"standard errors ({variance})", 0, 1)
    if refit:
        frame = frame.with_row_index("_row")
    sample: Any = _sample(frame, variance)
    how = "taylor" if variance == "taylor" else "replication"
    est_all = sample.estimation.mean("y", where=svy.col("dom"), method=how)
    est_grp = sample.estimation.mean("y", by=["sex", "age_group"], where=svy.col("dom"), method=how)
    if progress is not None:
        progress(f"standard errors ({variance})", 1, 1)
    first_age = dict(a.group_by("age_group").agg(pl.col("RIDAGEYR").min()).iter_rows())
    rows = [(None, None, est_all.to_dicts()[0])]
    rows += [
        (g["by_level"][0], g["by_level"][1], g)
        for g in est_grp.to_dicts()
        if g["by_level"][1] in first_age
    ]
    refit_se: np.ndarray | None = None
    if refit:
        keys = [(str(sex), str(band)) for sex, band, _ in rows[1:]]
        refit_se = _refit_ses(a, analysed, sample, method, variance, keys, progress)
    counts = dict(
        a.group_by("sex", "age_group")
        .len()
        .select(pl.concat_str("sex", "age_group", separator="|"), "len")
        .iter_rows()
    )
    prevalences = []
    for k, (sex, band, g) in enumerate(rows):
        n = int(analysed.sum()) if sex is None else counts[f"{sex}|{band}"]
        est, se = float(g["est"]), float(g["se"])
        if refit_se is None:
            prevalences.append(Prevalence(est, se, _ci(g["lci"], g["uci"]), n))
            continue
        new_se = float(refit_se[k])
        ci = _t_ci(est, new_se, float(g["df"]))
        prevalences.append(Prevalence(est, new_se, ci, n, se_without_refit=se))
    overall = prevalences[0]
    groups = [
        GroupPrevalence(str(sex), str(band), p)
        for (sex, band, _), p in zip(rows[1:], prevalences[1:], strict=True)
    ]
    groups.sort(key=lambda g: (g.sex != "male", first_age[g.age_group], g.age_group))
    excluded = {"no_day1_intake": no_day1, "no_ear_under_1_year": n_no_ear}
    persons = a.select(
        "SEQN",
        "sex",
        "age_group",
        pl.col("RIDAGEYR").alias("age"),
        pl.col("WTDRD1").alias("weight"),
        "ear",
        pl.Series("usual_intake_mg", u_a),
        pl.Series("below_ear" if method == "cutpoint" else "p_inadequate", y_a),
    )
    dist = distributions(a, u_a)
    return CohortResult(
        int(analysed.sum()),
        overall,
        groups,
        method,
        usual,
        excluded,
        variance=variance,
        refit_replicates=refit,
        persons=persons,
        distribution_table=dist if dist.height else None,
    )
