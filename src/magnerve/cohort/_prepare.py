"""Per-row preparation shared by both engines: numbers from text, missing values, flags.

:func:`prepare` turns every needed column into ``Float64`` (null where missing) and adds
``<column>.bad`` (a value that is there but is not a number) and ``<column>.text`` (that
value, for the error message). The Polars engine applies it to a lazy scan; the Dask engine
to each partition (:func:`prepare_pandas`). :func:`check_values` then names the first bad
value of each kind with its SEQN.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from magnerve.cohort._io import CohortFileError

__all__ = [
    "COHORT_COLUMNS",
    "DIET_COLUMNS",
    "MDS_COLUMNS",
    "MISSING_TEXT",
    "PERSON_COLUMNS",
    "check_values",
    "prepare",
    "prepare_pandas",
]

#: The columns a cohort file must have (NHANES names).
COHORT_COLUMNS = (
    "SEQN",
    "RIAGENDR",
    "RIDAGEYR",
    "DR1TMAGN",
    "DR2TMAGN",
    "WTDRD1",
    "SDMVSTRA",
    "SDMVPSU",
)

#: Optional person-file columns of the Magnesium Depletion Score (Fan et al. 2021) by group
#: (magnerve names: NHANES has no single column for them): current diuretic use and current
#: proton-pump-inhibitor use (1 = yes, 0 = no), usual alcoholic drinks per day, eGFR
#: [mL/min/1.73 m²].
MDS_COLUMNS = ("DIURETIC", "PPI", "DRINKS_PER_DAY", "EGFR")

#: Optional columns of a person file (joined on SEQN): pregnancy status (1 = pregnant),
#: magnesium from supplements [mg/day], and the MDS components (:data:`MDS_COLUMNS`).
PERSON_COLUMNS = ("RIDEXPRG", "DSQTMAGN", *MDS_COLUMNS)

#: Optional columns of a cohort file read when present: calcium [mg/day] and energy
#: [kcal/day] on recall days 1 and 2 (for the Ca:Mg and magnesium-per-1,000-kcal
#: distributions).
DIET_COLUMNS = ("DR1TCALC", "DR2TCALC", "DR1TKCAL", "DR2TKCAL")

#: Cell texts read as "no value" (blank; R's NA; SAS's "."; NaN).
MISSING_TEXT = ("", "NA", ".", "NaN", "nan")

_Frame = TypeVar("_Frame", pl.DataFrame, pl.LazyFrame)


def _exprs(column: str, dtype: pl.DataType) -> list[pl.Expr]:
    c = pl.col(column)
    if dtype == pl.String:
        text = c.str.strip_chars()
        # every missing spelling casts to null (or NaN for "NaN"), so one cast serves both
        value = text.cast(pl.Float64, strict=False)
        bad = value.is_null() & ~(text.is_null() | text.is_in(list(MISSING_TEXT)))
        return [
            value.fill_nan(None).alias(column),
            bad.alias(f"{column}.bad"),
            pl.when(bad).then(text).alias(f"{column}.text"),
        ]
    if dtype.is_numeric():
        return [
            c.cast(pl.Float64).fill_nan(None).alias(column),
            pl.lit(False).alias(f"{column}.bad"),
            pl.lit(None, dtype=pl.String).alias(f"{column}.text"),
        ]
    if dtype == pl.Null:
        return [
            c.cast(pl.Float64).alias(column),
            pl.lit(False).alias(f"{column}.bad"),
            pl.lit(None, dtype=pl.String).alias(f"{column}.text"),
        ]
    # dates, booleans, nested values: never a number
    return [
        pl.lit(None, dtype=pl.Float64).alias(column),
        c.is_not_null().alias(f"{column}.bad"),
        c.cast(pl.String, strict=False).alias(f"{column}.text"),
    ]


def prepare(frame: _Frame, columns: Sequence[str]) -> _Frame:
    """Numbers, nulls and bad-value flags for ``columns`` (see the module docstring)."""
    schema = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    exprs: list[pl.Expr] = []
    for col in columns:
        exprs.extend(_exprs(col, schema[col]))
    return frame.select(exprs)


def prepare_pandas(part: Any, columns: Sequence[str]) -> Any:
    """:func:`prepare` on one pandas partition (the Dask engine's per-partition step)."""
    frame = pl.from_pandas(part[list(columns)], nan_to_null=True)
    return prepare(frame, columns).to_pandas()


def _max_magnesium_mg() -> float:
    """Upper sanity bound of magnesium per person-day [mg/day] (``bounds.toml``)."""
    from magnerve.registry import get_registry

    return float(get_registry().data("bounds")["cohort"]["magnesium_mg_per_day"]["max"])


def _fail(path: Path, column: str, message: str) -> CohortFileError:
    e = CohortFileError(f"{path}: {message}")
    e.loc = (column,)
    return e


def _seqn(v: float | None) -> str:
    if v is None:
        return "(no SEQN)"
    return f"{v:.0f}" if float(v).is_integer() else f"{v:g}"


def _refuse_first(
    table: pl.DataFrame,
    path: Path,
    col: str,
    condition: pl.Expr,
    message: str,
    **extra: float,
) -> None:
    """Raise for the first row meeting ``condition``: "SEQN s: " and ``message`` formatted
    with ``col``, the value ``v`` (``shown``: "missing" for no value), the number of rows
    ``n`` and ``extra``."""
    bad = table.filter(condition)
    if bad.height:
        s, v = bad.select("SEQN", col).row(0)
        shown = "missing" if v is None else f"{v:g}"
        text = message.format(col=col, v=v, shown=shown, n=bad.height, **extra)
        raise _fail(path, col, f"SEQN {_seqn(s)}: {text}")


def check_values(table: pl.DataFrame, path: Path, columns: Sequence[str]) -> None:
    """Raise a clear error for the first bad value of each kind (checked in this order:
    non-numbers, SEQN, sex, age, intakes, weights and design).

    Raises
    ------
    CohortFileError
        With ``loc = (column,)`` and a message naming the person (SEQN) and the value.
    """
    for col in columns:
        bad = table.filter(pl.col(f"{col}.bad"))
        if bad.height:
            first = bad.row(0, named=True)
            raise _fail(
                path,
                col,
                f"{col} must be a number; {bad.height} value(s) are not, the first "
                f"{first[f'{col}.text']!r} (SEQN {_seqn(first.get('SEQN'))})",
            )
    for col in columns:
        _refuse_first(
            table,
            path,
            col,
            pl.col(col).is_infinite(),
            "{col} is {v}; a value must be a finite number ({n} row(s) affected)",
        )
    n_null = table["SEQN"].null_count()
    if n_null:
        raise _fail(path, "SEQN", f"SEQN (person id) is missing on {n_null} row(s)")
    dup = table.group_by("SEQN").len().filter(pl.col("len") > 1).sort("SEQN")
    if dup.height:
        s, n = dup.row(0)
        raise _fail(path, "SEQN", f"SEQN {_seqn(s)} appears {n} times; one row per person")
    if "RIAGENDR" in columns:
        sex = pl.col("RIAGENDR")
        _refuse_first(
            table,
            path,
            "RIAGENDR",
            ~sex.is_in([1.0, 2.0]) | sex.is_null(),
            "RIAGENDR is {shown}; use 1 = male or 2 = female ({n} row(s) affected)",
        )
    if "RIDAGEYR" in columns:
        age = pl.col("RIDAGEYR")
        _refuse_first(
            table,
            path,
            "RIDAGEYR",
            age.is_null() | (age < 0) | (age > 130),
            "RIDAGEYR (age) is {shown}; give years between 0 and 130",
        )
    top = _max_magnesium_mg()
    for col in ("DR1TMAGN", "DR2TMAGN", "DSQTMAGN"):
        if col not in columns:
            continue
        _refuse_first(
            table,
            path,
            col,
            pl.col(col) < 0,
            "{col} is {v:g} mg; an intake cannot be negative ({n} row(s) affected)",
        )
        _refuse_first(
            table,
            path,
            col,
            pl.col(col) > top,
            "{col} is {v:g} mg/day, above the plausible {top:g} mg/day (a data error?) "
            "({n} row(s) affected)",
            top=top,
        )
    for col in ("DR1TCALC", "DR2TCALC", "DR1TKCAL", "DR2TKCAL"):
        if col in columns:
            _refuse_first(
                table,
                path,
                col,
                pl.col(col) < 0,
                "{col} is {v:g}; an intake cannot be negative ({n} row(s) affected)",
            )
    for col in ("DIURETIC", "PPI"):
        if col in columns:
            _refuse_first(
                table,
                path,
                col,
                ~pl.col(col).is_in([0.0, 1.0]),
                "{col} is {v:g}; use 1 = current use or 0 = none ({n} row(s) affected)",
            )
    for col in ("DRINKS_PER_DAY", "EGFR"):
        if col in columns:
            _refuse_first(
                table,
                path,
                col,
                pl.col(col) < 0,
                "{col} is {v:g}; it cannot be negative ({n} row(s) affected)",
            )
    if "WTDRD1" in columns:
        has_day1 = pl.col("DR1TMAGN").is_not_null()
        w = pl.col("WTDRD1")
        _refuse_first(
            table,
            path,
            "WTDRD1",
            has_day1 & (w.is_null() | (w <= 0)),
            "WTDRD1 (day-1 dietary weight) is {shown}; a person with a day-1 intake needs a "
            "weight above 0",
        )
        for col in ("SDMVSTRA", "SDMVPSU"):
            _refuse_first(
                table,
                path,
                col,
                has_day1 & pl.col(col).is_null(),
                "{col} (survey design) is missing",
            )
