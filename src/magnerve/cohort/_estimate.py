"""From the prepared per-person table to the prevalence of inadequacy with design-based SEs.

1. EAR and requirement SD per person from magnerve's own reference table
   (:func:`magnerve.requirements.reference_intake`, IOM 1997; the SD is the table's CV x EAR).
   Infants (AI only, no EAR) are left out of the estimate but stay in the survey design.
2. Usual intakes by the within-person-variance shrinkage
   (:func:`magnerve.adequacy.usual_intakes`) within each sex and age band, from day 1 and,
   where there is one, day 2; supplements (``DSQTMAGN``) added after ("shrink then add").
3. Per person: below the EAR (cut-point), or the probability that the requirement exceeds
   the usual intake (probability approach, normal requirements).
4. Weighted means of that with SEs by Taylor linearisation over strata and PSUs (svy),
   overall and by domain (sex x age band) over the whole design.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import polars as pl
from scipy.special import ndtr

from magnerve.adequacy import usual_intakes
from magnerve.cohort._result import CohortResult, GroupPrevalence, Prevalence
from magnerve.errors import InputError, MagnerveError
from magnerve.requirements import RequirementError, reference_intake

__all__ = ["Method", "Usual", "UsualMethodUnavailable", "estimate"]

Method = Literal["cutpoint", "probability"]
Usual = Literal["shrink", "nci"]

_SEX = {1.0: "male", 2.0: "female"}


class UsualMethodUnavailable(MagnerveError, NotImplementedError):
    """The usual-intake method asked for is not built yet (the NCI method)."""


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


def _usual(table: pl.DataFrame) -> np.ndarray:
    """Usual intakes [mg/day] of the analysed persons, by shrinkage within sex x age band."""
    day1 = table["DR1TMAGN"].to_numpy()
    day2 = table["DR2TMAGN"].fill_null(np.nan).to_numpy()
    out = np.full(table.height, np.nan)
    groups = table.with_row_index("_i").group_by("sex", "age_group").agg(pl.col("_i"))
    for sex, band, idx in groups.iter_rows():
        i = np.asarray(idx, dtype=np.int64)
        daily = np.column_stack([day1[i], day2[i]])
        try:
            out[i] = usual_intakes(daily)
        except ValueError as e:
            raise InputError(
                f"usual intakes of {sex} {band} cannot be estimated: {e}; the shrinkage "
                "needs some persons in each group with a second day (DR2TMAGN)"
            ) from None
    supplements = table["DSQTMAGN"].fill_null(0.0).to_numpy()
    return np.asarray(out + supplements, dtype=np.float64)


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


def estimate(
    table: pl.DataFrame, *, method: Method = "cutpoint", usual: Usual = "shrink"
) -> CohortResult:
    """Prevalence of usual magnesium intake below the EAR (see the module docstring).

    Parameters
    ----------
    table : polars.DataFrame
        Prepared and checked per-person table (NHANES columns, plus ``pregnant`` [bool] and
        ``DSQTMAGN`` [mg/day, null = none]).
    method : {"cutpoint", "probability"}
        EAR cut-point method or probability approach.
    usual : {"shrink", "nci"}
        Usual-intake method; "nci" is not built yet.

    Returns
    -------
    CohortResult

    Raises
    ------
    UsualMethodUnavailable
        ``usual="nci"``.
    InputError
        A group without second days, a pregnant person outside the IOM pregnancy ages, or a
        design without two PSUs in a stratum.
    """
    if usual == "nci":
        raise UsualMethodUnavailable(
            "the NCI usual-intake method (--usual nci) is not yet available; "
            "use --usual shrink (see docs/cohort.md)"
        )
    if usual != "shrink":
        raise InputError(f"unknown usual-intake method {usual!r}; use 'shrink'")
    if method not in ("cutpoint", "probability"):
        raise InputError(f"unknown method {method!r}; use 'cutpoint' or 'probability'")
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
    u_a = _usual(a)
    ear = a["ear"].to_numpy()
    if method == "cutpoint":
        y_a = (u_a < ear).astype(np.float64)
    else:
        y_a = 1.0 - ndtr((u_a - ear) / a["requirement_sd"].to_numpy())
    y = np.zeros(t.height)
    y[analysed] = y_a
    frame = _design_frame(t, y, analysed)
    _check_design(frame)
    sample = svy.Sample(frame, svy.Design(stratum="stratum", psu="psu", wgt="w"))
    est_all = sample.estimation.mean("y", where=svy.col("dom"))
    est_grp = sample.estimation.mean("y", by=["sex", "age_group"], where=svy.col("dom"))
    o = est_all.to_dicts()[0]  # type: ignore[union-attr]
    overall = Prevalence(
        float(o["est"]), float(o["se"]), _ci(o["lci"], o["uci"]), int(analysed.sum())
    )
    counts = dict(
        a.group_by("sex", "age_group")
        .len()
        .select(pl.concat_str("sex", "age_group", separator="|"), "len")
        .iter_rows()
    )
    first_age = dict(a.group_by("age_group").agg(pl.col("RIDAGEYR").min()).iter_rows())
    groups = []
    for g in est_grp.to_dicts():  # type: ignore[union-attr]
        sex, band = g["by_level"]
        if band not in first_age:
            continue
        groups.append(
            GroupPrevalence(
                sex,
                band,
                Prevalence(
                    float(g["est"]),
                    float(g["se"]),
                    _ci(g["lci"], g["uci"]),
                    counts[f"{sex}|{band}"],
                ),
            )
        )
    groups.sort(key=lambda g: (g.sex != "male", first_age[g.age_group], g.age_group))
    excluded = {"no_day1_intake": no_day1, "no_ear_under_1_year": n_no_ear}
    return CohortResult(int(analysed.sum()), overall, groups, method, usual, excluded)
