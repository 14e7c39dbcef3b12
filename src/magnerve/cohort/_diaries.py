"""Food-level diaries for many people → person-day nutrient totals → a cohort table.

A diary file (CSV or Parquet) has one row per food eaten: ``person`` (a number, matched to
``SEQN`` of the person table), ``date`` (``YYYY-MM-DD``), ``food`` (free text) and/or ``ndb``
(an SR28 NDB number), ``amount`` and ``unit`` (magnerve's diary format plus ``person``).

1. **Distinct foods.** One lazy pass collects the distinct (food, ndb, unit, amount given?)
   keys. Each is resolved ONCE by the core's public diary reader
   (:func:`magnerve.diary.read_diary_text`, with amount 1 so the grams are per unit: the
   portion is linear in the amount) and :func:`magnerve.intake.line_nutrients`, so the
   matching rules (confidence threshold, supplements, units) are exactly the diary's.
   Millions of rows cost as many parses as there are distinct foods.
2. **Rows.** A second lazy pass joins every row to its food, multiplies the amount by the
   nutrients per unit and sums magnesium [mg], calcium [mg] and energy [kcal] per person and
   day (``group_by``; ``streaming=True`` runs Polars' streaming engine for files larger than
   memory). Every row is either in a total or a counted problem (``n_rows == n_aggregated +
   sum(problem_counts)``); the first problems are listed with their row.
3. :func:`diary_cohort_table` turns the person-days into the wide NHANES-style table of
   :func:`magnerve.cohort.read_cohort` (day 1 and day 2 = a person's first two dates).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

from magnerve.cohort._io import CohortFileError, file_columns, file_format

__all__ = [
    "DIARY_NUTRIENTS",
    "DiaryTotals",
    "aggregate_diaries",
    "diary_cohort_table",
    "diary_totals",
]

#: magnerve nutrient key → person-day column of the totals table.
DIARY_NUTRIENTS = {
    "magnesium_mg": "magnesium_mg",
    "calcium_mg": "calcium_mg",
    "energy_kcal": "energy_kcal",
}
#: Totals column → NHANES day-1 / day-2 column of the wide cohort table.
_NHANES = {
    "magnesium_mg": ("DR1TMAGN", "DR2TMAGN"),
    "calcium_mg": ("DR1TCALC", "DR2TCALC"),
    "energy_kcal": ("DR1TKCAL", "DR2TKCAL"),
}
#: Problem rows listed one by one (the rest are counted): a display setting.
MAX_LISTED_PROBLEMS = 1000
#: Distinct foods resolved per call of the diary reader (keeps each call under its line limit).
_CHUNK = 5000

_KEY_COLUMNS = ("food", "ndb", "unit")
_GIVEN = "_amount_given"
_Engine = Literal["polars", "dask"]
_Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class DiaryTotals:
    """Person-day nutrient totals of a food-level diary file, and what could not be used.

    Attributes
    ----------
    totals : polars.DataFrame
        One row per person and day, sorted: ``person`` [Float64], ``date`` [Date],
        ``magnesium_mg``, ``calcium_mg`` [mg], ``energy_kcal`` [kcal] (sums over the rows with
        a value), ``n_rows`` and ``n_missing_magnesium``, ``n_missing_calcium``,
        ``n_missing_energy`` (rows whose SR28 food has no value: unknown, not zero).
    n_rows : int
        Rows in the file.
    n_aggregated : int
        Rows in ``totals``.
    problem_counts : dict of str to int
        Rows not used, by reason (``person``, ``date``, ``no_food``, ``amount``, ``food``,
        ``portion``, ``day_total``).
    problems : polars.DataFrame
        The first :data:`MAX_LISTED_PROBLEMS` rows not used: ``row`` (1-based data row; CSV
        line = row + 1), ``person``, ``date``, ``food``, ``reason``, ``detail``.
    n_foods : int
        Distinct foods (food, ndb, unit) resolved.
    """

    totals: pl.DataFrame
    n_rows: int
    n_aggregated: int
    problem_counts: dict[str, int] = field(default_factory=dict)
    problems: pl.DataFrame = field(default_factory=pl.DataFrame)
    n_foods: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Counts as a JSON-ready mapping (the ``diaries`` part of the cohort JSON)."""
        return {
            "rows": self.n_rows,
            "rows_aggregated": self.n_aggregated,
            "rows_with_problems": dict(self.problem_counts),
            "person_days": self.totals.height,
            "distinct_foods": self.n_foods,
        }


# ---------------------------------------------------------------------------------- reading


def _scan(path: Path) -> pl.LazyFrame:
    fmt = file_format(path)
    if fmt == "csv":
        return pl.scan_csv(path, infer_schema=False)
    if fmt == "parquet":
        return pl.scan_parquet(path)
    raise CohortFileError(f"{path}: a food-level diary is read from CSV or Parquet, not XPT")


def _columns(path: Path) -> list[str]:
    if file_format(path) == "xpt":
        raise CohortFileError(f"{path}: a food-level diary is read from CSV or Parquet, not XPT")
    have = file_columns(path)
    missing = [c for c in ("person", "date") if c not in have]
    if not ({"food", "ndb"} & set(have)):
        missing.append("food or ndb")
    if missing:
        raise CohortFileError(
            f"{path}: a food-level diary needs the columns person, date, food (or ndb), "
            f"amount, unit; missing: {', '.join(missing)} (the file has: {', '.join(have[:20])})"
        )
    return [c for c in ("person", "date", "food", "ndb", "amount", "unit") if c in have]


def _number(c: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """(value as Float64, text of a value that is there but is not a plain number)."""
    if dtype == pl.String:
        text = c.str.strip_chars()
        value = text.cast(pl.Float64, strict=False)
        bad = value.is_null() & text.is_not_null() & (text != "")
        return value, pl.when(bad).then(text)
    if dtype.is_numeric() or dtype == pl.Null:
        return c.cast(pl.Float64), pl.lit(None, dtype=pl.String)
    return pl.lit(None, dtype=pl.Float64), c.cast(pl.String, strict=False)


def _date(c: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Date:
        return c
    if isinstance(dtype, pl.Datetime):
        return c.dt.date()
    if dtype == pl.String:
        return c.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
    return pl.lit(None, dtype=pl.Date)


def _rows(lf: pl.LazyFrame, cols: Sequence[str], offset: int = 1) -> pl.LazyFrame:
    """Every row with ``_row``, ``_person`` and ``_date`` parsed, ``_amount`` [Float64],
    ``_amount_text`` (a non-numeric amount), the raw key columns and ``_amount_given``."""
    schema = lf.collect_schema()
    person, person_text = _number(pl.col("person"), schema["person"])
    if schema["person"].is_integer():  # grouping on the integers is faster; Float64 after
        person = pl.col("person")
    exprs = [
        pl.col("_row"),
        person.alias("_person"),
        person_text.alias("_person_text"),
        _date(pl.col("date"), schema["date"]).alias("_date"),
    ]
    if "amount" in cols:
        amount, amount_text = _number(pl.col("amount"), schema["amount"])
        given = pl.col("amount").is_not_null()
        if schema["amount"] == pl.String:
            given = given & (pl.col("amount").str.strip_chars() != "")
        exprs += [amount.alias("_amount"), amount_text.alias("_amount_text"), given.alias(_GIVEN)]
    else:
        exprs += [
            pl.lit(None, dtype=pl.Float64).alias("_amount"),
            pl.lit(None, dtype=pl.String).alias("_amount_text"),
            pl.lit(False).alias(_GIVEN),
        ]
    exprs += [pl.col(k) for k in _KEY_COLUMNS if k in cols]
    return lf.with_row_index("_row", offset=offset).select(exprs)


# ----------------------------------------------------------------------- resolving foods


def _food_text(food: Any, ndb: Any) -> str:
    """The text the diary reader gets: the NDB number (zero-padded) if given, else the food."""
    if ndb is not None and str(ndb).strip() not in ("", "nan"):
        v = ndb
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        s = str(v).strip()
        return s.zfill(5) if s.isdigit() else s
    return "" if food is None else str(food).strip()


def _resolve(keys: pl.DataFrame, key_cols: Sequence[str]) -> pl.DataFrame:
    """Resolve each distinct key once through the core's diary reader and nutrient table.

    Returns ``keys`` with ``_ndb`` (SR28 id), ``_g_per_unit`` [g per amount unit, or g of the
    line when no amount is given], ``_<nutrient>_per_unit`` and ``_problem`` / ``_detail``.
    """
    from magnerve.diary import read_diary_text
    from magnerve.intake import line_nutrients, resolve_nutrients

    infos = resolve_nutrients(list(DIARY_NUTRIENTS))
    rows = keys.to_dicts()
    ndbs: list[str | None] = [None] * len(rows)
    grams = np.full(len(rows), np.nan)
    problem: list[str | None] = [None] * len(rows)
    detail: list[str | None] = [None] * len(rows)
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["date", "food", "amount", "unit"])
        lines: dict[int, int] = {}
        for j, r in enumerate(chunk):
            text = _food_text(r.get("food"), r.get("ndb"))
            if not text:
                problem[start + j], detail[start + j] = "no_food", "no food given"
                continue
            unit = r.get("unit")
            unit = "" if unit is None else str(unit).strip()
            w.writerow(["2000-01-01", text, "1" if r[_GIVEN] else "", unit])
            lines[len(lines) + 2] = start + j  # CSV line of this key (header = line 1)
        if not lines:
            continue
        diary = read_diary_text(buf.getvalue(), "csv", source="<distinct foods>")
        for e in diary.entries:
            i = lines[e.line]
            if e.parsed is None:  # pragma: no cover - plain CSV lines always parse to a food
                problem[i], detail[i] = "food", "no SR28 food"
                continue
            ndbs[i], grams[i] = e.parsed.food.id, e.parsed.grams
        for p in diary.problems:
            i = lines[p.line]
            problem[i], detail[i] = "food", p.reason
        for s in diary.supplements:
            i = lines[s.line]
            problem[i], detail[i] = "food", "a dietary supplement, not a food"
    ok = [i for i, n in enumerate(ndbs) if n is not None]
    per_unit = np.full((len(rows), len(infos)), np.nan)
    if ok:
        per_unit[ok] = line_nutrients([ndbs[i] for i in ok], grams[ok], infos)  # type: ignore[misc]
    out = keys.with_columns(
        pl.Series("_ndb", ndbs, dtype=pl.String),
        pl.Series("_g_per_unit", grams).fill_nan(None),
        *(
            pl.Series(f"_{k}_per_unit", per_unit[:, j]).fill_nan(None)
            for j, k in enumerate(DIARY_NUTRIENTS)
        ),
        pl.Series("_problem", problem, dtype=pl.String),
        pl.Series("_detail", detail, dtype=pl.String),
    )
    return out.select(
        [*key_cols, _GIVEN, *[c for c in out.columns if c.startswith("_") and c != _GIVEN]]
    )


def _amount_values(texts: Sequence[str]) -> dict[str, float | None]:
    """Amount texts that are not plain numbers ("1/2", "½", "1 1/2") by the core's parser."""
    from magnerve.foods import AmountError, parse_amount

    out: dict[str, float | None] = {}
    for t in texts:
        try:
            value, rest = parse_amount(t)
        except (AmountError, OverflowError, ValueError):
            value, rest = None, ""
        out[t] = float(value) if value is not None and not rest.strip() else None
    return out


# -------------------------------------------------------------------------- aggregating


def _limits() -> tuple[float, int, int, float]:
    """(max portion [g], first year, last year, max magnesium per person-day [mg/day])."""
    from magnerve.registry import get_registry

    reg = get_registry()
    lim = reg.data("limits")["diary"]
    top = reg.data("bounds")["cohort"]["magnesium_mg_per_day"]["max"]
    return (
        float(lim["max_portion_g"]["value"]),
        int(lim["min_year"]["value"]),
        int(lim["max_year"]["value"]),
        float(top),
    )


def _reasoned(
    rows: pl.LazyFrame,
    foods: pl.DataFrame,
    key_cols: Sequence[str],
    amounts: dict[str, float | None],
) -> pl.LazyFrame:
    """Rows joined to their food with ``_reason`` / ``_why`` (null = usable) and nutrients."""
    max_g, y0, y1, _ = _limits()
    lf = rows
    if amounts:
        lf = lf.with_columns(
            pl.when(pl.col("_amount_text").is_not_null())
            .then(
                pl.col("_amount_text").replace_strict(
                    amounts, default=None, return_dtype=pl.Float64
                )
            )
            .otherwise(pl.col("_amount"))
            .alias("_amount")
        )
    lf = lf.join(foods.lazy(), on=[*key_cols, _GIVEN], how="left", nulls_equal=True)
    amount = pl.col("_amount")
    factor = pl.when(pl.col(_GIVEN)).then(amount).otherwise(1.0)
    year = pl.col("_date").dt.year()
    reason = (
        pl.when(pl.col("_person").is_null())
        .then(pl.lit("person"))
        .when(pl.col("_date").is_null() | (year < y0) | (year > y1))
        .then(pl.lit("date"))
        .when(pl.col("_problem") == "no_food")
        .then(pl.lit("no_food"))
        .when(pl.col(_GIVEN) & (amount.is_null() | (amount < 0) | amount.is_infinite()))
        .then(pl.lit("amount"))
        .when(pl.col("_problem").is_not_null())
        .then(pl.col("_problem"))
        .when(factor * pl.col("_g_per_unit") > max_g)
        .then(pl.lit("portion"))
    )
    why = (
        pl.when(pl.col("_person").is_null())
        .then(
            pl.when(pl.col("_person_text").is_not_null())
            .then(pl.lit("person is not a number: ") + pl.col("_person_text"))
            .otherwise(pl.lit("no person given"))
        )
        .when(pl.col("_date").is_null())
        .then(pl.lit("no date, or not YYYY-MM-DD"))
        .when((year < y0) | (year > y1))
        .then(pl.lit(f"date outside {y0}-{y1}"))
        .when(pl.col(_GIVEN) & amount.is_null())
        .then(pl.lit("amount is not a number: ") + pl.col("_amount_text").fill_null(""))
        .when(pl.col(_GIVEN) & ((amount < 0) | amount.is_infinite()))
        .then(pl.lit("amount must be a finite number of 0 or more"))
        .when(pl.col("_problem").is_not_null())
        .then(pl.col("_detail"))
        .otherwise(pl.lit(f"portion beyond the sanity bound of {max_g:,.0f} g for one line"))
    )
    return lf.with_columns(
        reason.alias("_reason"),
        *((factor * pl.col(f"_{k}_per_unit")).alias(col) for k, col in DIARY_NUTRIENTS.items()),
    ).with_columns(pl.when(pl.col("_reason").is_not_null()).then(why).alias("_why"))


def _queries(lf: pl.LazyFrame, key_cols: Sequence[str]) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(partial person-day sums by reason (null = usable rows), first listed problems)."""
    totals = lf.group_by("_person", "_date", "_reason").agg(
        *(pl.col(c).sum() for c in DIARY_NUTRIENTS.values()),
        pl.len().alias("n_rows"),
        *(
            pl.col(c).null_count().alias(f"n_missing_{c.split('_')[0]}")
            for c in DIARY_NUTRIENTS.values()
        ),
    )
    food = pl.col("food").cast(pl.String) if "food" in key_cols else pl.col("ndb").cast(pl.String)
    listed = (
        lf.filter(pl.col("_reason").is_not_null())
        .select(
            pl.col("_row").cast(pl.Int64).alias("row"),
            pl.col("_person").cast(pl.Float64).alias("person"),
            pl.col("_date").alias("date"),
            food.alias("food"),
            pl.col("_reason").alias("reason"),
            pl.col("_why").alias("detail"),
        )
        .head(MAX_LISTED_PROBLEMS)
    )
    return totals, listed


def _split(by_reason: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, int]]:
    """Usable person-day sums, and the problem rows counted by reason."""
    bad = by_reason.filter(pl.col("_reason").is_not_null())
    counts = {
        str(r): int(n) for r, n in bad.group_by("_reason").agg(pl.col("n_rows").sum()).iter_rows()
    }
    good = by_reason.filter(pl.col("_reason").is_null()).drop("_reason")
    return good.with_columns(pl.col("_person").cast(pl.Float64)), counts


def _combine(
    parts: Sequence[tuple[pl.DataFrame, dict[str, int], pl.DataFrame]],
) -> tuple[pl.DataFrame, dict[str, int], pl.DataFrame]:
    totals = pl.concat([p[0] for p in parts], how="vertical_relaxed")
    if len(parts) > 1:
        totals = totals.group_by("_person", "_date").agg(pl.all().sum())
    counts: dict[str, int] = {}
    for p in parts:
        for reason, n in p[1].items():
            counts[reason] = counts.get(reason, 0) + n
    listed = (
        pl.concat([p[2] for p in parts], how="vertical_relaxed")
        .sort("row")
        .head(MAX_LISTED_PROBLEMS)
    )
    return totals, counts, listed


def _pass(
    rows: pl.LazyFrame,
    foods: pl.DataFrame,
    key_cols: Sequence[str],
    amounts: dict[str, float | None],
    run: dict[str, Any],
) -> tuple[pl.DataFrame, dict[str, int], pl.DataFrame]:
    """The row pass: one group-by (rows with a problem are grouped by reason too); the problem
    rows are listed in a second pass only when there are any."""
    q_totals, q_listed = _queries(_reasoned(rows, foods, key_cols, amounts), key_cols)
    totals, counts = _split(q_totals.collect(**run))
    listed = (q_listed.collect(**run) if counts else q_listed.clear().collect()).sort("row")
    return totals, counts, listed


def diary_totals(
    path: str | Path,
    *,
    streaming: bool = False,
    engine: _Engine = "polars",
    scheduler: str | None = None,
    progress: _Progress | None = None,
) -> DiaryTotals:
    """Person-day nutrient totals of a food-level diary file (see the module docstring).

    Parameters
    ----------
    path : str or pathlib.Path
        CSV or Parquet with ``person``, ``date``, ``food`` and/or ``ndb``, ``amount``, ``unit``.
    streaming : bool, default False
        Run the row pass on Polars' streaming engine (files larger than memory).
    engine : {"polars", "dask"}, default "polars"
        ``dask``: the row pass runs per partition on a dask.distributed cluster (a local
        two-worker cluster, or ``scheduler``) and the partial sums are combined.
    scheduler : str, optional
        Dask scheduler address (``tcp://host:port``).
    progress : callable, optional
        Called as ``progress(step, done, total)``.

    Returns
    -------
    DiaryTotals

    Raises
    ------
    CohortFileError
        The file is missing, of an unknown type, or lacks the needed columns.
    """
    p = Path(path)
    if not p.is_file():
        raise CohortFileError(f"diary file not found: {p}")
    cols = _columns(p)
    key_cols = [k for k in _KEY_COLUMNS if k in cols]
    if engine == "dask":
        return _dask_totals(p, cols, key_cols, scheduler, progress)
    if engine != "polars":
        raise CohortFileError(f"unknown engine {engine!r}; use 'polars' or 'dask'")
    run: dict[str, Any] = {"engine": "streaming"} if streaming else {}
    rows = _rows(_scan(p).select(cols), cols)
    if progress is not None:
        progress("diaries: distinct foods", 0, 3)
    try:
        keys, texts, n = pl.collect_all(
            [
                rows.select(*key_cols, _GIVEN).unique(),
                rows.select(pl.col("_amount_text").drop_nulls().unique()),
                rows.select(pl.len()),
            ],
            **run,
        )
    except (pl.exceptions.PolarsError, OSError) as e:
        raise CohortFileError(f"{p}: cannot be read: {e}") from None
    if progress is not None:
        progress(f"diaries: resolving {keys.height:,} foods", 1, 3)
    foods = _resolve(keys, key_cols)
    amounts = _amount_values(texts["_amount_text"].to_list())
    if progress is not None:
        progress("diaries: person-day totals", 2, 3)
    try:
        totals, counts, listed = _pass(rows, foods, key_cols, amounts, run)
    except (pl.exceptions.PolarsError, OSError) as e:
        raise CohortFileError(f"{p}: cannot be read: {e}") from None
    if progress is not None:
        progress("diaries: person-day totals", 3, 3)
    return _finish(totals, counts, listed, int(n.item()), foods.height)


def _finish(
    totals: pl.DataFrame, counts: dict[str, int], listed: pl.DataFrame, n_rows: int, n_foods: int
) -> DiaryTotals:
    """Sort the totals, move implausible day totals to the problems, check the tally."""
    *_, top = _limits()
    totals = totals.rename({"_person": "person", "_date": "date"}).sort("person", "date")
    over = totals.filter(pl.col("magnesium_mg") > top)
    if over.height:
        totals = totals.filter(~(pl.col("magnesium_mg") > top))
        counts["day_total"] = counts.get("day_total", 0) + int(over["n_rows"].sum())
        listed = pl.concat(
            [
                listed,
                over.select(
                    pl.lit(None, dtype=pl.Int64).alias("row"),
                    "person",
                    "date",
                    pl.lit(None, dtype=pl.String).alias("food"),
                    pl.lit("day_total").alias("reason"),
                    pl.format(
                        "magnesium of the day is {} mg, above the plausible {} mg/day "
                        "(a data error?)",
                        pl.col("magnesium_mg").round(0),
                        pl.lit(f"{top:g}"),
                    ).alias("detail"),
                ),
            ],
            how="vertical_relaxed",
        ).head(MAX_LISTED_PROBLEMS)
    n_agg = int(totals["n_rows"].sum()) if totals.height else 0
    if n_agg + sum(counts.values()) != n_rows:  # pragma: no cover - an internal invariant
        raise AssertionError(f"rows lost: {n_rows} != {n_agg} + {sum(counts.values())}")
    counts = {k: counts[k] for k in sorted(counts)}
    return DiaryTotals(totals, n_rows, n_agg, counts, listed, n_foods)


def aggregate_diaries(
    path: str | Path,
    *,
    streaming: bool = False,
    engine: _Engine = "polars",
    scheduler: str | None = None,
) -> pl.DataFrame:
    """Person-day magnesium, calcium and energy totals of a food-level diary file.

    ``diary_totals(path, ...).totals``; use :func:`diary_totals` to see the problem rows.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV or Parquet with ``person``, ``date``, ``food`` and/or ``ndb``, ``amount``, ``unit``.
    streaming : bool, default False
        Polars' streaming engine (larger-than-memory files).
    engine : {"polars", "dask"}, default "polars"
    scheduler : str, optional
        Dask scheduler address.

    Returns
    -------
    polars.DataFrame
        ``person``, ``date``, ``magnesium_mg``, ``calcium_mg`` [mg], ``energy_kcal`` [kcal],
        ``n_rows``, ``n_missing_*``; one row per person and day.
    """
    return diary_totals(path, streaming=streaming, engine=engine, scheduler=scheduler).totals


# -------------------------------------------------------------------- the cohort table


def _nhanes_day(d: pl.Expr) -> pl.Expr:
    """NHANES intake day of the week (1 = Sunday ... 7 = Saturday) of a date."""
    return (d.dt.weekday() % 7 + 1).cast(pl.Float64)


def diary_cohort_table(
    totals: DiaryTotals, persons: pl.DataFrame
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The wide NHANES-style table of :func:`magnerve.cohort.read_cohort` from person-days.

    Day 1 and day 2 are each person's first two dates. Diary persons missing from the person
    table are counted (their rows as the problem ``person_not_in_person_table``); persons
    without diary days keep a missing day 1 (``excluded.no_day1_intake``).

    Parameters
    ----------
    totals : DiaryTotals
    persons : polars.DataFrame
        Checked person table (``SEQN``, ``RIAGENDR``, ``RIDAGEYR``, ``WTDRD1``, ``SDMVSTRA``,
        ``SDMVPSU`` [Float64] and optional columns).

    Returns
    -------
    tuple of (polars.DataFrame, dict)
        The table (persons' columns, then ``DR1TMAGN`` ... ``DR2DAY``) and the ``diaries``
        summary for the JSON.
    """
    t = totals.totals.with_columns(pl.col("date").rank("ordinal").over("person").alias("_day"))
    known = t.join(persons.select(pl.col("SEQN").alias("person")), on="person", how="semi")
    unknown = t.join(known.select("person", "date"), on=["person", "date"], how="anti")
    beyond = known.filter(pl.col("_day") > 2)
    wide = None
    for day in (1, 2):
        d = known.filter(pl.col("_day") == day).select(
            pl.col("person").alias("SEQN"),
            *(pl.col(k).alias(v[day - 1]) for k, v in _NHANES.items()),
            _nhanes_day(pl.col("date")).alias(f"DR{day}DAY"),
        )
        wide = d if wide is None else wide.join(d, on="SEQN", how="left")
    assert wide is not None
    table = persons.join(wide, on="SEQN", how="left")
    summary = totals.to_dict()
    counts = dict(summary["rows_with_problems"])
    if unknown.height:
        counts["person_not_in_person_table"] = int(unknown["n_rows"].sum())
    summary["rows_with_problems"] = {k: counts[k] for k in sorted(counts)}
    summary["rows_aggregated"] = int(known["n_rows"].sum()) if known.height else 0
    summary["persons_not_in_person_table"] = int(unknown["person"].n_unique())
    summary["days_after_the_second_not_used"] = beyond.height
    summary["rows_in_days_after_the_second"] = int(beyond["n_rows"].sum()) if beyond.height else 0
    return table, summary


# ------------------------------------------------------------------------- dask engine


def _dask_frame(path: Path, cols: Sequence[str]) -> Any:
    dd: Any = import_module("dask.dataframe")  # untyped library: used through Any
    if file_format(path) == "csv":
        return dd.read_csv(
            str(path),
            usecols=list(cols),
            dtype=dict.fromkeys(cols, "string"),
            keep_default_na=False,
            na_values=[""],
            blocksize="64MB",
        )[list(cols)]
    return dd.read_parquet(str(path), columns=list(cols))


def _part_frame(part: Any, cols: Sequence[str], offset: int) -> pl.LazyFrame:
    return _rows(pl.from_pandas(part[list(cols)]).lazy(), cols, offset)


def _part_keys(
    part: Any, cols: Sequence[str], key_cols: Sequence[str], offset: int
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    rows = _part_frame(part, cols, offset)
    keys, texts = pl.collect_all(
        [
            rows.select(*key_cols, _GIVEN).unique(),
            rows.select(pl.col("_amount_text").drop_nulls().unique()),
        ]
    )
    return keys, texts, len(part)


def _part_totals(
    part: Any,
    cols: Sequence[str],
    key_cols: Sequence[str],
    offset: int,
    foods: pl.DataFrame,
    amounts: dict[str, float | None],
) -> tuple[pl.DataFrame, dict[str, int], pl.DataFrame]:
    rows = _part_frame(part, cols, offset)
    schema = rows.collect_schema()
    foods = foods.with_columns(pl.col(k).cast(schema[k], strict=False) for k in key_cols)
    return _pass(rows, foods, key_cols, amounts, {})


def _dask_totals(
    path: Path,
    cols: Sequence[str],
    key_cols: Sequence[str],
    scheduler: str | None,
    progress: _Progress | None,
) -> DiaryTotals:
    """The two passes of :func:`diary_totals` per partition on a dask.distributed cluster."""
    import logging

    from magnerve.cohort._engine import SchedulerError

    dist: Any = import_module("distributed")
    dask: Any = import_module("dask")

    def run(client: Any) -> DiaryTotals:
        parts = _dask_frame(path, cols).to_delayed()
        lengths = client.compute([dask.delayed(len)(p) for p in parts], sync=True)
        offsets = np.concatenate([[1], np.cumsum(lengths)[:-1] + 1]).tolist()
        if progress is not None:
            progress("diaries (dask): distinct foods", 0, 3)
        first = client.compute(
            [
                dask.delayed(_part_keys)(p, list(cols), list(key_cols), int(o))
                for p, o in zip(parts, offsets, strict=True)
            ],
            sync=True,
        )
        keys = pl.concat([f[0] for f in first], how="vertical_relaxed").unique()
        texts = pl.concat([f[1] for f in first], how="vertical_relaxed").unique()
        if progress is not None:
            progress(f"diaries (dask): resolving {keys.height:,} foods", 1, 3)
        foods = _resolve(keys, key_cols)
        amounts = _amount_values(texts["_amount_text"].to_list())
        if progress is not None:
            progress("diaries (dask): person-day totals", 2, 3)
        f_future = client.scatter(foods, broadcast=True)
        second = client.compute(
            [
                dask.delayed(_part_totals)(p, list(cols), list(key_cols), int(o), f_future, amounts)
                for p, o in zip(parts, offsets, strict=True)
            ],
            sync=True,
        )
        totals, counts, listed = _combine(second)
        if progress is not None:
            progress("diaries (dask): person-day totals", 3, 3)
        return _finish(totals, counts, listed, int(sum(lengths)), foods.height)

    if scheduler is not None:
        try:
            client = dist.Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as e:
            raise SchedulerError(
                f"cannot connect to the Dask scheduler at {scheduler!r}: {e}"
            ) from None
        try:
            return run(client)
        finally:
            client.close()
    with (
        dist.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        dist.Client(cluster) as client,
    ):
        return run(client)
