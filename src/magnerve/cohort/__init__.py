"""Cohorts: usual magnesium intake and the prevalence of inadequacy in a survey.

One wide file (CSV, Parquet or SAS transport XPT) with NHANES column names, one row per
person: ``SEQN``, ``RIAGENDR`` (1 = male, 2 = female), ``RIDAGEYR`` [years], ``DR1TMAGN``
and ``DR2TMAGN`` [mg/day; blank where there is no second day], ``WTDRD1`` (day-1 dietary
weight), ``SDMVSTRA`` and ``SDMVPSU`` (design strata and PSUs). An optional person file
(joined on ``SEQN``) adds ``RIDEXPRG`` (1 = pregnant) and ``DSQTMAGN`` (supplemental
magnesium [mg/day], added after the usual-intake step) and the Magnesium Depletion Score
components ``DIURETIC``, ``PPI`` (1 = current use), ``DRINKS_PER_DAY``, ``EGFR``
[mL/min/1.73 m²] (MDS by group in ``distributions()``). Optional ``DR1DAY``/``DR2DAY``
(intake day of the week, 1 = Sunday) give the NCI model its weekend covariate.

>>> from magnerve.cohort import cohort_prevalence
>>> r = cohort_prevalence("nhanes.parquet")                      # doctest: +SKIP
>>> r.to_dict()["overall"]                                       # doctest: +SKIP
{'prevalence_below_ear': 0.47, 'se': 0.012, 'ci95': [0.44, 0.50]}
>>> r.summary(); r.plot("prevalence.svg")                        # doctest: +SKIP

Needs the extra ``magnerve[cohort]`` (polars, pyreadstat, dask, distributed, svy). Methods
and limits: ``docs/cohort.md``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl

from magnerve.cohort._diaries import (
    DiaryTotals,
    aggregate_diaries,
    diary_cohort_table,
    diary_totals,
)
from magnerve.cohort._engine import Engine, SchedulerError, load_table
from magnerve.cohort._estimate import (
    DesignError,
    Method,
    Progress,
    Usual,
    UsualMethodUnavailable,
    Variance,
    estimate,
)
from magnerve.cohort._io import CohortFileError, file_columns, require_columns
from magnerve.cohort._prepare import (
    COHORT_COLUMNS,
    DIET_COLUMNS,
    PERSON_COLUMNS,
    check_values,
)
from magnerve.cohort._result import CohortResult, GroupPrevalence, Prevalence

__all__ = [
    "COHORT_COLUMNS",
    "DAY_COLUMNS",
    "DIARY_PERSON_COLUMNS",
    "DIET_COLUMNS",
    "PERSON_COLUMNS",
    "CohortFileError",
    "CohortResult",
    "DesignError",
    "DiaryTotals",
    "Engine",
    "GroupPrevalence",
    "Method",
    "Prevalence",
    "Progress",
    "SchedulerError",
    "Usual",
    "UsualMethodUnavailable",
    "Variance",
    "aggregate_diaries",
    "cohort_from_diaries",
    "cohort_prevalence",
    "diary_totals",
    "estimate_prevalence",
    "read_cohort",
    "read_diary_cohort",
]


#: Optional columns of the cohort file: intake day of the week of recall 1 and 2
#: (NHANES codes 1 = Sunday ... 7 = Saturday), used by the NCI model's weekend covariate.
DAY_COLUMNS = ("DR1DAY", "DR2DAY")


#: Columns of the person table for food-level diaries (``--diaries --persons``): the id the
#: diary's ``person`` column refers to, sex (1 = male, 2 = female), age [years], day-1 dietary
#: weight, design strata and PSUs. ``RIDEXPRG`` and ``DSQTMAGN`` may be added.
DIARY_PERSON_COLUMNS = ("SEQN", "RIAGENDR", "RIDAGEYR", "WTDRD1", "SDMVSTRA", "SDMVPSU")


def _check_days(table: pl.DataFrame, path: Path) -> None:
    for col in DAY_COLUMNS:
        v = pl.col(col)
        bad = table.filter(v.is_not_null() & (~v.is_in([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])))
        if bad.height:
            s, x = bad.select("SEQN", col).row(0)
            e = CohortFileError(
                f"{path}: SEQN {s:.0f}: {col} (day of the week) is {x:g}; "
                "use 1 = Sunday ... 7 = Saturday"
            )
            e.loc = (col,)
            raise e


def _read_persons(path: Path) -> pl.DataFrame:
    require_columns(path, ["SEQN"])
    have = [c for c in PERSON_COLUMNS if c in file_columns(path)]
    if not have:
        raise CohortFileError(
            f"{path}: a person file needs SEQN and at least one of {', '.join(PERSON_COLUMNS)}"
        )
    cols = ["SEQN", *have]
    table = load_table(path, cols, engine="polars")
    check_values(table, path, cols)
    out = table.select(cols)
    for c in PERSON_COLUMNS:
        if c not in have:
            out = out.with_columns(pl.lit(None, dtype=pl.Float64).alias(c))
    return out


def read_cohort(
    path: str | Path,
    *,
    persons: str | Path | None = None,
    engine: Engine = "polars",
    scheduler: str | None = None,
) -> pl.DataFrame:
    """Read and check a cohort file (and a person file) into one row per person.

    Parameters
    ----------
    path : str or pathlib.Path
        Cohort file: CSV, Parquet or XPT with the columns in :data:`COHORT_COLUMNS`.
    persons : str or pathlib.Path, optional
        Person file with ``SEQN`` and any of :data:`PERSON_COLUMNS`.
    engine : {"polars", "dask"}, default "polars"
        Engine that reads and prepares the rows.
    scheduler : str, optional
        Dask scheduler address (``tcp://host:port``); default: a local two-worker cluster.

    Returns
    -------
    polars.DataFrame
        Sorted by SEQN: the cohort columns as Float64 [mg/day for intakes, years for age],
        ``DR1DAY``/``DR2DAY`` when the file has both, ``pregnant`` [bool] and ``DSQTMAGN``
        [mg/day, null = none].

    Raises
    ------
    CohortFileError
        Unknown format, missing columns, or a bad value (named with its SEQN).
    """
    p = Path(path)
    if not p.is_file():
        raise CohortFileError(f"cohort file not found: {p}")
    require_columns(p, COHORT_COLUMNS)
    have = set(file_columns(p))
    extra = DAY_COLUMNS if set(DAY_COLUMNS) <= have else ()
    diet = tuple(c for c in DIET_COLUMNS if c in have)
    cols = (*COHORT_COLUMNS, *extra, *diet)
    table = load_table(p, cols, engine=engine, scheduler=scheduler)
    check_values(table, p, cols)
    table = table.select(cols)
    if extra:
        _check_days(table, p)
    if persons is not None:
        pp = Path(persons)
        if not pp.is_file():
            raise CohortFileError(f"person file not found: {pp}")
        table = table.join(_read_persons(pp), on="SEQN", how="left")
    else:
        table = table.with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in PERSON_COLUMNS)
    return _with_pregnancy(table, persons)


def _with_pregnancy(table: pl.DataFrame, persons: str | Path | None) -> pl.DataFrame:
    if persons is not None:
        pp = Path(persons)
        male_pregnant = table.filter((pl.col("RIDEXPRG") == 1.0) & (pl.col("RIAGENDR") == 1.0))
        if male_pregnant.height:
            e = CohortFileError(
                f"{pp}: SEQN {male_pregnant['SEQN'][0]:.0f}: RIDEXPRG = 1 (pregnant) for a "
                f"person recorded as male (RIAGENDR = 1) ({male_pregnant.height} row(s))"
            )
            e.loc = ("RIDEXPRG",)
            raise e
    return table.with_columns(
        ((pl.col("RIDEXPRG") == 1.0) & (pl.col("RIAGENDR") == 2.0))
        .fill_null(False)
        .alias("pregnant")
    )


def estimate_prevalence(
    table: pl.DataFrame,
    *,
    method: Method = "cutpoint",
    usual: Usual = "shrink",
    variance: Variance = "taylor",
    refit: bool = False,
    progress: Progress | None = None,
) -> CohortResult:
    """Prevalence of usual magnesium intake below the EAR from a table of :func:`read_cohort`.

    Parameters
    ----------
    table : polars.DataFrame
        From :func:`read_cohort`.
    method : {"cutpoint", "probability"}, default "cutpoint"
        EAR cut-point method, or the probability approach (normal requirements, the CV of
        magnerve's reference table).
    usual : {"shrink", "nci"}, default "shrink"
        Usual intakes by within-person-variance shrinkage, or by the NCI-style amount-only
        model (Box-Cox, mixed model, Monte Carlo; docs/cohort.md).
    variance : {"taylor", "jackknife", "brr"}, default "taylor"
        Design-based SEs: Taylor linearisation, delete-one-PSU jackknife or BRR (svy).
    refit : bool, default False
        With ``usual="nci"`` and ``variance="jackknife"`` or ``"brr"``: refit the NCI model
        with every replicate weight set, so the SEs include the model fit's uncertainty
        (slow: one fit per replicate; docs/cohort.md).
    progress : callable, optional
        Called as ``progress(step, done, total)`` during long steps.

    Returns
    -------
    CohortResult
    """
    return estimate(
        table, method=method, usual=usual, variance=variance, refit=refit, progress=progress
    )


def cohort_prevalence(
    path: str | Path,
    *,
    persons: str | Path | None = None,
    engine: Engine = "polars",
    scheduler: str | None = None,
    method: Method = "cutpoint",
    usual: Usual = "shrink",
    variance: Variance = "taylor",
    refit: bool = False,
    progress: Progress | None = None,
) -> CohortResult:
    """Read a cohort file and estimate the prevalence of inadequate magnesium intake.

    :func:`read_cohort` then :func:`estimate_prevalence`; see them for the parameters.

    Returns
    -------
    CohortResult
        ``to_dict()``, ``summary()`` and ``plot()``.
    """
    if progress is not None:
        progress("reading", 0, 1)
    table = read_cohort(path, persons=persons, engine=engine, scheduler=scheduler)
    if progress is not None:
        progress("reading", 1, 1)
    return estimate_prevalence(
        table, method=method, usual=usual, variance=variance, refit=refit, progress=progress
    )


def read_diary_cohort(
    path: str | Path,
    *,
    persons: str | Path,
    streaming: bool = False,
    engine: Engine = "polars",
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Food-level diaries and a person table → the per-person table of :func:`read_cohort`.

    Parameters
    ----------
    path : str or pathlib.Path
        Diary file (CSV or Parquet): ``person``, ``date``, ``food`` and/or ``ndb``,
        ``amount``, ``unit`` (see :func:`diary_totals`).
    persons : str or pathlib.Path
        Person table (CSV, Parquet or XPT) with :data:`DIARY_PERSON_COLUMNS` and optionally
        ``RIDEXPRG``, ``DSQTMAGN``; ``SEQN`` is what the diary's ``person`` refers to.
    streaming : bool, default False
        Polars' streaming engine for the diary rows.
    engine : {"polars", "dask"}, default "polars"
    scheduler : str, optional
        Dask scheduler address.
    progress : callable, optional
        Called as ``progress(step, done, total)``.

    Returns
    -------
    tuple of (polars.DataFrame, dict)
        The table (day 1 and 2 = each person's first two diary dates, with calcium, energy and
        the day of the week) and the ``diaries`` summary (rows aggregated, problems by reason).

    Raises
    ------
    CohortFileError
        A missing file or column, or a bad value in the person table.
    """
    pp = Path(persons)
    if not pp.is_file():
        raise CohortFileError(f"person file not found: {pp}")
    require_columns(pp, DIARY_PERSON_COLUMNS)
    optional = tuple(c for c in PERSON_COLUMNS if c in file_columns(pp))
    pcols = (*DIARY_PERSON_COLUMNS, *optional)
    people = load_table(pp, pcols, engine="polars")
    totals = diary_totals(
        path, streaming=streaming, engine=engine, scheduler=scheduler, progress=progress
    )
    table, summary = diary_cohort_table(totals, people.select(pcols))
    diet = ("DR1TMAGN", "DR2TMAGN", *DIET_COLUMNS, *DAY_COLUMNS)
    flags = [pl.lit(False).alias(f"{c}.bad") for c in diet]
    flags += [pl.lit(None, dtype=pl.String).alias(f"{c}.text") for c in diet]
    checked = table.join(people.select("SEQN", pl.exclude(pcols)), on="SEQN", how="left")
    check_values(checked.with_columns(flags), pp, (*pcols, *diet))
    cols = (*COHORT_COLUMNS, *DAY_COLUMNS, *DIET_COLUMNS)
    out = table.select(*cols, *optional)
    for c in PERSON_COLUMNS:
        if c not in optional:
            out = out.with_columns(pl.lit(None, dtype=pl.Float64).alias(c))
    return _with_pregnancy(out, pp if optional else None), summary


def cohort_from_diaries(
    path: str | Path,
    *,
    persons: str | Path,
    streaming: bool = False,
    engine: Engine = "polars",
    scheduler: str | None = None,
    method: Method = "cutpoint",
    usual: Usual = "shrink",
    variance: Variance = "taylor",
    refit: bool = False,
    progress: Progress | None = None,
) -> CohortResult:
    """Prevalence of inadequate magnesium intake from food-level diaries and a person table.

    :func:`read_diary_cohort` then :func:`estimate_prevalence`; see them for the parameters.

    Returns
    -------
    CohortResult
        With ``diaries`` (rows aggregated and with problems) and ``distributions()`` (Ca:Mg,
        magnesium per 1,000 kcal).
    """
    table, summary = read_diary_cohort(
        path,
        persons=persons,
        streaming=streaming,
        engine=engine,
        scheduler=scheduler,
        progress=progress,
    )
    result = estimate_prevalence(
        table, method=method, usual=usual, variance=variance, refit=refit, progress=progress
    )
    return replace(result, diaries=summary)
