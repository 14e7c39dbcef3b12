"""Food-level diaries for many people → person-day nutrient totals → a cohort table.

A diary file (CSV or Parquet) has one row per food eaten: ``person`` (a number, matched to
``SEQN`` of the person table), ``date`` (``YYYY-MM-DD``), ``food`` (free text) and/or ``ndb``
(an SR28 NDB number), ``amount`` and ``unit`` (magnerve's diary format plus ``person``).

1. **First pass** (one lazy scan, aggregations only): the distinct (food, ndb, unit, amount
   given?) keys with their largest amount, and one row of column checks (persons missing or
   not whole numbers, first and last date, amounts missing/negative/infinite; the distinct
   non-numeric amount texts when amounts are text). Each key is resolved ONCE by the core's
   public diary reader (:func:`magnerve.diary.read_diary_text`, with amount 1 so the grams
   are per unit: the portion is linear in the amount) and
   :func:`magnerve.intake.line_nutrients`, so the matching rules (confidence threshold,
   supplements, units) are exactly the diary's. Millions of rows cost as many parses as
   there are distinct foods.
2. **Second pass: one lazy query.** The rows are joined with the tiny resolved-food table on
   the key columns that vary (a constant column is not joined at all), amount x nutrient per
   unit, ``group_by`` on ONE integer person-day key ``(person - lowest) * days + day`` when
   persons are whole numbers (else on person and date), summing magnesium [mg], calcium [mg]
   and energy [kcal]. The row checks are only those the first pass says can fire (a clean
   file has none); their counts by reason are aggregated in the same ``group_by`` (not
   filtered out row by row). ``streaming=True`` runs Polars' streaming engine (files larger
   than memory). Every row is either in a total or a counted problem (``n_rows ==
   n_aggregated + sum(problem_counts)``); when there are problems, a third query lists the
   first ones with their row number.
3. :func:`diary_cohort_table` turns the person-days into the wide NHANES-style table of
   :func:`magnerve.cohort.read_cohort` (day 1 and day 2 = a person's first two dates).
"""

from __future__ import annotations

import csv
import datetime as _dt
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
_EPOCH = _dt.date(1970, 1, 1)
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


def _numeric(dtype: pl.DataType) -> bool:
    return dtype.is_numeric() or dtype == pl.Null


def _text_amounts(path: Path, cols: Sequence[str]) -> bool:
    """Whether the file's amounts can be text that is not a plain number ("1/2")."""
    return "amount" in cols and not _numeric(_scan(path).collect_schema()["amount"])


def _number(c: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """(value as Float64, text of a value that is there but is not a plain number)."""
    if dtype == pl.String:
        text = c.str.strip_chars()
        value = text.cast(pl.Float64, strict=False)
        bad = value.is_null() & text.is_not_null() & (text != "")
        return value, pl.when(bad).then(text)
    if _numeric(dtype):
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


def _rows(lf: pl.LazyFrame, cols: Sequence[str], offset: int | None = 1) -> pl.LazyFrame:
    """Every row with ``_row`` (unless ``offset`` is None: the hot path does not number the
    rows), ``_person`` and ``_date`` parsed, ``_amount`` [Float64], ``_amount_text`` (a
    non-numeric amount), the raw key columns and ``_amount_given``."""
    schema = lf.collect_schema()
    person, person_text = _number(pl.col("person"), schema["person"])
    if schema["person"].is_integer():  # grouping on the integers is faster; Float64 after
        person = pl.col("person")
    exprs = [] if offset is None else [pl.col("_row")]
    exprs += [
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
    if offset is None:
        return lf.select(exprs)
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


def _with_amounts(lf: pl.LazyFrame, amounts: dict[str, float | None]) -> pl.LazyFrame:
    """``_amount`` of the amount texts that are not plain numbers ("1/2"), by the core's parser."""
    if not amounts:
        return lf
    return lf.with_columns(
        pl.when(pl.col("_amount_text").is_not_null())
        .then(pl.col("_amount_text").replace_strict(amounts, default=None, return_dtype=pl.Float64))
        .otherwise(pl.col("_amount"))
        .alias("_amount")
    )


def _reasoned(
    rows: pl.LazyFrame,
    foods: pl.DataFrame,
    key_cols: Sequence[str],
    amounts: dict[str, float | None],
) -> pl.LazyFrame:
    """Rows joined to their food with ``_reason`` / ``_why`` (null = usable): the listing of
    the problem rows (the totals are summed by :func:`_second_pass`, with the same rules)."""
    max_g, y0, y1, _ = _limits()
    lf = _with_amounts(rows, amounts)
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
    return lf.with_columns(reason.alias("_reason")).with_columns(
        pl.when(pl.col("_reason").is_not_null()).then(why).alias("_why")
    )


def _listed(
    rows: pl.LazyFrame,
    foods: pl.DataFrame,
    key_cols: Sequence[str],
    amounts: dict[str, float | None],
) -> pl.LazyFrame:
    """The first :data:`MAX_LISTED_PROBLEMS` problem rows (``rows`` numbered by ``_row``)."""
    food = pl.col("food").cast(pl.String) if "food" in key_cols else pl.col("ndb").cast(pl.String)
    return (
        _reasoned(rows, foods, key_cols, amounts)
        .filter(pl.col("_reason").is_not_null())
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


# ------------------------------------------------------------------------ the first pass


def _first_pass(
    rows: pl.LazyFrame, key_cols: Sequence[str], amount_text: bool
) -> list[pl.LazyFrame]:
    """Queries of the first pass over the file.

    1. the distinct food keys, with their rows ``_n`` and largest amount ``_amax``;
    2. one row of aggregated column checks: rows ``n``; persons missing ``p_null``, not
       whole numbers ``p_nonint``, lowest and highest ``p_lo``/``p_hi``; dates missing
       ``d_null``, first and last ``d_lo``/``d_hi``; amounts given but missing, negative or
       infinite ``a_bad`` (before fractions such as "1/2" are read: an upper bound);
    3. when amounts are text, the distinct amounts that are not plain numbers.

    From these the second pass knows which row checks can fire at all (a clean file needs
    none) and whether the person-day can be one integer key.
    """
    schema = rows.collect_schema()
    p, a = pl.col("_person"), pl.col("_amount")
    if schema["_person"].is_integer():
        nonint = pl.lit(0)
    else:
        nonint = (~(p.is_finite() & (p == p.floor()))).sum()
    queries = [
        rows.group_by(*key_cols, _GIVEN).agg(pl.len().alias("_n"), a.max().alias("_amax")),
        rows.select(
            pl.len().cast(pl.Int64).alias("n"),
            p.null_count().cast(pl.Int64).alias("p_null"),
            nonint.cast(pl.Int64).alias("p_nonint"),
            p.min().alias("p_lo"),
            p.max().alias("p_hi"),
            pl.col("_date").null_count().cast(pl.Int64).alias("d_null"),
            pl.col("_date").min().alias("d_lo"),
            pl.col("_date").max().alias("d_hi"),
            (pl.col(_GIVEN) & (a.is_null() | (a < 0) | a.is_infinite()))
            .sum()
            .cast(pl.Int64)
            .alias("a_bad"),
        ),
    ]
    if amount_text:
        queries.append(rows.select(pl.col("_amount_text").drop_nulls().unique()))
    return queries


def _merge_first(
    parts: Sequence[Sequence[pl.DataFrame]], key_cols: Sequence[str]
) -> tuple[pl.DataFrame, dict[str, Any], list[str]]:
    """(distinct food keys, column checks, amount texts) of one or more first passes."""
    keys = pl.concat([q[0] for q in parts], how="vertical_relaxed")
    if len(parts) > 1:
        keys = keys.group_by(*key_cols, _GIVEN).agg(pl.col("_n").sum(), pl.col("_amax").max())
    stats = (
        pl.concat([q[1] for q in parts], how="vertical_relaxed")
        .select(
            pl.col("n", "p_null", "p_nonint", "d_null", "a_bad").sum(),
            pl.col("p_lo", "d_lo").min(),
            pl.col("p_hi", "d_hi").max(),
        )
        .row(0, named=True)
    )
    texts = sorted({t for q in parts if len(q) > 2 for t in q[2]["_amount_text"].to_list()})
    return keys, stats, texts


# ----------------------------------------------------------------------- the second pass


#: Why a row is not used, in the order checked (the first that applies is the reason).
_REASONS = ("person", "date", "no_food", "amount", "food", "portion")
#: Per-unit nutrient column of the resolved food table → person-day total column.
_PER_UNIT = {f"_{k}_per_unit": col for k, col in DIARY_NUTRIENTS.items()}


def _missing_name(col: str) -> str:
    return f"n_missing_{col.split('_')[0]}"


@dataclass(frozen=True, slots=True)
class _Plan:
    """The second pass, as the first pass allows it to be.

    ``join_on``: the key columns that vary (joined with the resolved food table, which has
    one row per value of them); ``food``: that table (or its one row when nothing varies);
    ``given``: the amount-given flag when it is the same on every row; ``checks``: the
    reasons that can occur at all (a subset of :data:`_REASONS`, same order); ``missing``:
    the total columns some food has no value for; ``key``: (lowest person, first day [days
    since 1970], days in range) of the integer person-day key, or None (group on both).
    """

    join_on: tuple[str, ...]
    food: pl.DataFrame
    given: bool | None
    checks: tuple[str, ...]
    missing: tuple[str, ...]
    key: tuple[int, int, int] | None
    amounts: dict[str, float | None]


def _plan(
    foods: pl.DataFrame,
    stats: dict[str, Any],
    key_cols: Sequence[str],
    amounts: dict[str, float | None],
) -> _Plan:
    """What the second pass must do, from the resolved foods and the column checks."""
    max_g, y0, y1, _ = _limits()
    cols = [*key_cols, _GIVEN]
    join_on = tuple(c for c in cols if foods[c].n_unique() > 1) if foods.height else tuple(cols)
    given = None if _GIVEN in join_on or not foods.height else bool(foods[_GIVEN][0])
    problems = set(foods["_problem"].drop_nulls().to_list())
    fractions = [v for v in amounts.values() if v is not None]
    factor = pl.when(pl.col(_GIVEN)).then(pl.col("_amax")).otherwise(1.0)
    if fractions:
        factor = pl.max_horizontal(factor, pl.when(pl.col(_GIVEN)).then(max(fractions)))
    # a portion check is needed when some usable food may exceed the bound (NaN: be safe)
    portion = (
        foods.filter(pl.col("_problem").is_null() & pl.col("_g_per_unit").is_not_null())
        .select((~(factor * pl.col("_g_per_unit") <= max_g)).fill_null(False).any())
        .item()
    )
    d_lo, d_hi = stats["d_lo"], stats["d_hi"]
    possible = {
        "person": stats["p_null"] > 0,
        "date": stats["d_null"] > 0 or (d_lo is not None and (d_lo.year < y0 or d_hi.year > y1)),
        "no_food": "no_food" in problems,
        "amount": stats["a_bad"] > 0,
        "food": bool(problems - {"no_food"}),
        "portion": bool(portion),
    }
    per_unit = [c for c in _PER_UNIT if foods[c].null_count() > 0]
    keep = [*join_on, *_PER_UNIT, "_g_per_unit", "_problem"]
    key = None
    p_lo, p_hi = stats["p_lo"], stats["p_hi"]
    if p_lo is not None and d_lo is not None and stats["p_nonint"] == 0:
        lo, hi = int(p_lo), int(p_hi)
        day0 = (d_lo - _EPOCH).days
        span = (d_hi - d_lo).days + 1
        if lo > -(2**62) and (hi - lo + 1) * span < 2**62:
            key = (lo, day0, span)
    return _Plan(
        join_on=join_on,
        food=foods.select(keep) if join_on else foods.select(keep).head(1),
        given=given,
        checks=tuple(r for r in _REASONS if possible[r]),
        missing=tuple(_PER_UNIT[c] for c in per_unit),
        key=key,
        amounts=amounts,
    )


def _second_pass(rows: pl.LazyFrame, plan: _Plan) -> pl.LazyFrame:
    """One lazy query: rows joined with the tiny food table, amount x nutrient per unit,
    summed per person-day (one integer key when it can be), with the problem rows counted
    by reason in the same aggregation (``_r_<reason>``) instead of being filtered out."""
    max_g, y0, y1, _ = _limits()
    lf = _with_amounts(rows, plan.amounts)
    schema = lf.collect_schema()
    if plan.join_on:
        food = plan.food.with_columns(pl.col(c).cast(schema[c], strict=False) for c in plan.join_on)
        lf = lf.join(food.lazy(), on=list(plan.join_on), how="left", nulls_equal=True)

        def col(name: str) -> pl.Expr:
            return pl.col(name)

    else:
        one = plan.food.row(0, named=True) if plan.food.height else {}

        def col(name: str) -> pl.Expr:
            return pl.lit(one.get(name), dtype=plan.food.schema[name])

    amount = pl.col("_amount")
    if plan.given is None:
        given: pl.Expr = pl.col(_GIVEN)
        factor = pl.when(given).then(amount).otherwise(1.0)
    elif plan.given:
        given, factor = pl.lit(True), amount
    else:
        given, factor = pl.lit(False), pl.lit(1.0)
    date = pl.col("_date")
    problem = col("_problem")
    test = {
        "person": pl.col("_person").is_null(),
        "date": date.is_null()
        | (date < pl.lit(_dt.date(y0, 1, 1)))
        | (date > pl.lit(_dt.date(y1, 12, 31))),
        "no_food": problem == "no_food",
        "amount": given & (amount.is_null() | (amount < 0) | amount.is_infinite()),
        "food": problem.is_not_null(),
        "portion": factor * col("_g_per_unit") > max_g,
    }
    exprs: list[pl.Expr] = []
    if plan.key is not None:
        lo, day0, span = plan.key
        exprs.append(
            (
                (pl.col("_person").cast(pl.Int64) - lo) * span
                + (date.cast(pl.Int32).cast(pl.Int64) - day0)
            ).alias("_k")
        )
        by = ["_k"]
    else:
        exprs += [pl.col("_person"), date]
        by = ["_person", "_date"]
    values = {c: factor * col(u) for u, c in _PER_UNIT.items()}
    aggs: list[pl.Expr]
    if not plan.checks:
        exprs += [v.alias(c) for c, v in values.items()]
        aggs = [pl.col(*values).sum(), pl.len().alias("n_rows")]
        aggs += [pl.col(c).null_count().alias(_missing_name(c)) for c in plan.missing]
    else:
        reason: Any = pl.when(test[plan.checks[0]]).then(pl.lit(0, dtype=pl.UInt8))
        for i, r in enumerate(plan.checks[1:], 1):
            reason = reason.when(test[r]).then(pl.lit(i, dtype=pl.UInt8))
        ok = reason.is_null()
        exprs += [reason.alias("_reason"), ok.alias("_ok")]
        exprs += [pl.when(ok).then(v).alias(c) for c, v in values.items()]
        exprs += [
            (ok & v.is_null()).alias(_missing_name(c))
            for c, v in values.items()
            if c in plan.missing
        ]
        aggs = [pl.col(*values).sum(), pl.col("_ok").sum().alias("n_rows")]
        aggs += [pl.col(_missing_name(c)).sum() for c in plan.missing]
        aggs += [(pl.col("_reason") == i).sum().alias(f"_r_{r}") for i, r in enumerate(plan.checks)]
    return lf.select(exprs).group_by(by).agg(aggs)


def _split(grouped: pl.DataFrame, plan: _Plan) -> tuple[pl.DataFrame, dict[str, int]]:
    """Usable person-day sums (``_person`` [Float64], ``_date``, the totals, ``n_rows``,
    ``n_missing_*``), and the problem rows counted by reason."""
    counts = {r: int(grouped[f"_r_{r}"].sum()) for r in plan.checks}
    counts = {r: n for r, n in counts.items() if n}
    good = grouped.filter(pl.col("n_rows") > 0) if plan.checks else grouped
    if plan.key is not None:  # the key's order is (person, date): sort one integer column
        good = good.sort("_k")
        lo, day0, span = plan.key
        who = [
            (pl.col("_k") // span + lo).cast(pl.Float64).alias("_person"),
            (pl.col("_k") % span + day0).cast(pl.Int32).cast(pl.Date).alias("_date"),
        ]
    else:
        who = [pl.col("_person").cast(pl.Float64), pl.col("_date")]
    idx = pl.get_index_type()
    good = good.select(
        *who,
        *DIARY_NUTRIENTS.values(),
        pl.col("n_rows").cast(idx),
        *(
            (pl.col(_missing_name(c)) if c in plan.missing else pl.lit(0))
            .cast(idx)
            .alias(_missing_name(c))
            for c in DIARY_NUTRIENTS.values()
        ),
    )
    return good, counts


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
    numbered: Callable[[], pl.LazyFrame],
    foods: pl.DataFrame,
    key_cols: Sequence[str],
    plan: _Plan,
    run: dict[str, Any],
) -> tuple[pl.DataFrame, dict[str, int], pl.DataFrame]:
    """The row pass (one aggregation); the problem rows are listed, from the rows as
    ``numbered()`` gives them, in a second query only when there are any."""
    totals, counts = _split(_second_pass(rows, plan).collect(**run), plan)
    if counts:
        listed = _listed(numbered(), foods, key_cols, plan.amounts).collect(**run).sort("row")
    else:
        listed = pl.DataFrame(schema=_LISTED_SCHEMA)
    return totals, counts, listed


_LISTED_SCHEMA = {
    "row": pl.Int64,
    "person": pl.Float64,
    "date": pl.Date,
    "food": pl.String,
    "reason": pl.String,
    "detail": pl.String,
}


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
    rows = _rows(_scan(p).select(cols), cols, offset=None)
    if progress is not None:
        progress("diaries: distinct foods", 0, 3)
    try:
        first = pl.collect_all(_first_pass(rows, key_cols, _text_amounts(p, cols)), **run)
    except (pl.exceptions.PolarsError, OSError) as e:
        raise CohortFileError(f"{p}: cannot be read: {e}") from None
    keys, stats, texts = _merge_first([first], key_cols)
    if progress is not None:
        progress(f"diaries: resolving {keys.height:,} foods", 1, 3)
    foods = _resolve(keys, key_cols)
    plan = _plan(foods, stats, key_cols, _amount_values(texts))
    if progress is not None:
        progress("diaries: person-day totals", 2, 3)
    try:
        totals, counts, listed = _pass(
            rows, lambda: _rows(_scan(p).select(cols), cols), foods, key_cols, plan, run
        )
    except (pl.exceptions.PolarsError, OSError) as e:
        raise CohortFileError(f"{p}: cannot be read: {e}") from None
    if progress is not None:
        progress("diaries: person-day totals", 3, 3)
    return _finish(
        totals, counts, listed, int(stats["n"]), foods.height, presorted=plan.key is not None
    )


def _finish(
    totals: pl.DataFrame,
    counts: dict[str, int],
    listed: pl.DataFrame,
    n_rows: int,
    n_foods: int,
    *,
    presorted: bool = False,
) -> DiaryTotals:
    """Sort the totals (unless ``presorted``), move implausible day totals to the problems,
    check the tally."""
    *_, top = _limits()
    totals = totals.rename({"_person": "person", "_date": "date"})
    if not presorted:
        totals = totals.sort("person", "date")
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


def _part_frame(part: Any, cols: Sequence[str], offset: int | None) -> pl.LazyFrame:
    return _rows(pl.from_pandas(part[list(cols)]).lazy(), cols, offset)


def _part_first(part: Any, cols: Sequence[str], key_cols: Sequence[str]) -> list[pl.DataFrame]:
    frame = pl.from_pandas(part[list(cols)]).lazy()
    text = "amount" in cols and not _numeric(frame.collect_schema()["amount"])
    return pl.collect_all(_first_pass(_rows(frame, cols, None), key_cols, text))


def _part_totals(
    part: Any,
    cols: Sequence[str],
    key_cols: Sequence[str],
    offset: int,
    foods: pl.DataFrame,
    plan: _Plan,
) -> tuple[pl.DataFrame, dict[str, int], pl.DataFrame]:
    rows = _part_frame(part, cols, None)
    schema = rows.collect_schema()
    foods = foods.with_columns(pl.col(k).cast(schema[k], strict=False) for k in key_cols)
    return _pass(rows, lambda: _part_frame(part, cols, offset), foods, key_cols, plan, {})


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
            [dask.delayed(_part_first)(p, list(cols), list(key_cols)) for p in parts],
            sync=True,
        )
        keys, stats, texts = _merge_first(first, key_cols)
        if progress is not None:
            progress(f"diaries (dask): resolving {keys.height:,} foods", 1, 3)
        foods = _resolve(keys, key_cols)
        plan = _plan(foods, stats, key_cols, _amount_values(texts))
        if progress is not None:
            progress("diaries (dask): person-day totals", 2, 3)
        f_future = client.scatter(foods, broadcast=True)
        second = client.compute(
            [
                dask.delayed(_part_totals)(p, list(cols), list(key_cols), int(o), f_future, plan)
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
