"""Weighted distributions by sex and age group: Ca:Mg, magnesium per 1,000 kcal and the
supplement share of magnesium.

Per person, from the mean of their recall days (``DR1T*``/``DR2T*``; a person's day-to-day
variation is NOT removed, so these spreads are wider than usual-intake distributions):

* ``ca_mg_ratio`` [mg/mg]: mean calcium / mean magnesium (needs ``DR1TCALC``);
* ``mg_per_1000kcal`` [mg/1,000 kcal]: mean magnesium / mean energy x 1,000 (needs
  ``DR1TKCAL``; persons with no energy are left out);
* ``supplement_share`` [fraction]: supplemental magnesium (``DSQTMAGN``) / usual intake
  including it (only when the person file has ``DSQTMAGN``);
* ``mds`` [points, 0-5]: the Magnesium Depletion Score (Fan et al. 2021), by the core's
  :func:`magnerve.clinical.mds_score`, of the persons whose person file gives all four
  components (``DIURETIC``, ``PPI``, ``DRINKS_PER_DAY``, ``EGFR``); persons missing any
  are left out (the score would count an unknown component as 0).

Weighted quantiles use the day-1 dietary weight: the smallest value whose cumulative weight
reaches the share q of the group's weight (the inverse of the weighted distribution function).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

__all__ = ["QUANTILES", "distributions", "weighted_quantiles"]

#: The quantiles reported (p10, p25, p50, p75, p90): a display setting.
QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)

_SCHEMA = {
    "measure": pl.String,
    "unit": pl.String,
    "sex": pl.String,
    "age_group": pl.String,
    "n": pl.Int64,
    **{f"p{round(q * 100)}": pl.Float64 for q in QUANTILES},
}


def weighted_quantiles(
    values: npt.ArrayLike, weights: npt.ArrayLike, qs: Sequence[float] = QUANTILES
) -> npt.NDArray[np.float64]:
    """Weighted quantiles: for each q the smallest value whose cumulative weight share >= q.

    Parameters
    ----------
    values : array_like
        Values (NaN are left out).
    weights : array_like
        Non-negative weights, same length.
    qs : sequence of float
        Shares in [0, 1].

    Returns
    -------
    numpy.ndarray
        One value per q (NaN when there is no value with a positive weight).
    """
    v = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    keep = np.isfinite(v) & np.isfinite(w) & (w > 0)
    v, w = v[keep], w[keep]
    if v.size == 0:
        return np.full(len(qs), np.nan)
    order = np.argsort(v, kind="stable")
    v, cw = v[order], np.cumsum(w[order])
    share = cw / cw[-1]
    idx = np.searchsorted(share, np.asarray(qs, dtype=np.float64) - 1e-12, side="left")
    return np.asarray(v[np.minimum(idx, v.size - 1)], dtype=np.float64)


def _mean_days(table: pl.DataFrame, day1: str, day2: str) -> pl.Expr:
    if day2 in table.columns:
        return pl.mean_horizontal(pl.col(day1), pl.col(day2))
    return pl.col(day1)


_MDS = ("DIURETIC", "PPI", "DRINKS_PER_DAY", "EGFR")


def _mds(table: pl.DataFrame) -> pl.Series | None:
    """MDS per person [points] (null where a component is missing), or None when no person
    has all four components."""
    if not set(_MDS) <= set(table.columns):
        return None
    complete = table.select(pl.all_horizontal(pl.col(c).is_not_null() for c in _MDS))
    ok = complete.to_series().to_numpy()
    if not ok.any():
        return None
    from magnerve.clinical import mds_score

    sub = table.filter(pl.Series(ok))
    score = mds_score(
        diuretic=sub["DIURETIC"].to_numpy() == 1.0,
        ppi=sub["PPI"].to_numpy() == 1.0,
        egfr=sub["EGFR"].to_numpy(),
        drinks_per_day=sub["DRINKS_PER_DAY"].to_numpy(),
        sex=sub["sex"].to_numpy(),
    )
    out = np.full(table.height, np.nan)
    out[ok] = score
    return pl.Series("_mds", out).fill_nan(None)


def distributions(table: pl.DataFrame, usual_mg: npt.NDArray[np.float64]) -> pl.DataFrame:
    """Weighted p10-p90 of each measure the table allows, by sex x age group and overall.

    Parameters
    ----------
    table : polars.DataFrame
        The analysed persons (``sex``, ``age_group``, ``WTDRD1``, ``DR1TMAGN``, optional
        ``DR2TMAGN``, ``DR1TCALC``, ``DR2TCALC``, ``DR1TKCAL``, ``DR2TKCAL``, ``DSQTMAGN``,
        ``DIURETIC``, ``PPI``, ``DRINKS_PER_DAY``, ``EGFR``).
    usual_mg : numpy.ndarray
        Usual magnesium intake per person including supplements [mg/day].

    Returns
    -------
    polars.DataFrame
        ``measure``, ``unit``, ``sex``, ``age_group``, ``n``, ``p10`` ... ``p90``; empty (with
        these columns) when the table has none of the needed columns.
    """
    mg = _mean_days(table, "DR1TMAGN", "DR2TMAGN")
    measures: list[tuple[str, str, pl.Expr]] = []
    if "DR1TCALC" in table.columns:
        ratio = _mean_days(table, "DR1TCALC", "DR2TCALC") / mg
        measures.append(("ca_mg_ratio", "mg/mg", pl.when(mg > 0).then(ratio)))
    if "DR1TKCAL" in table.columns:
        kcal = _mean_days(table, "DR1TKCAL", "DR2TKCAL")
        measures.append(
            ("mg_per_1000kcal", "mg/1000 kcal", pl.when(kcal > 0).then(mg / kcal * 1000.0))
        )
    if "DSQTMAGN" in table.columns and table["DSQTMAGN"].drop_nulls().len():
        u = pl.Series("_usual", usual_mg)
        share = pl.col("DSQTMAGN").fill_null(0.0) / pl.col("_usual")
        measures.append(("supplement_share", "fraction", pl.when(pl.col("_usual") > 0).then(share)))
        table = table.with_columns(u)
    mds = _mds(table)
    if mds is not None:
        measures.append(("mds", "points", pl.col("_mds")))
        table = table.with_columns(mds)
    if not measures:
        return pl.DataFrame(schema=_SCHEMA)
    t = table.select(
        "sex", "age_group", pl.col("WTDRD1").alias("_w"), *(e.alias(m) for m, _, e in measures)
    )
    first_age = (
        dict(table.group_by("age_group").agg(pl.col("RIDAGEYR").min()).iter_rows())
        if "RIDAGEYR" in table.columns
        else {}
    )
    keys = sorted(
        {(s, a) for s, a in t.select("sex", "age_group").unique().iter_rows()},
        key=lambda k: (k[0] != "male", first_age.get(k[1], 0.0), k[1]),
    )
    rows: list[dict[str, object]] = []
    for name, unit, _ in measures:
        for sex, band in [*keys, ("all", "all")]:
            sel = (
                t
                if sex == "all"
                else t.filter((pl.col("sex") == sex) & (pl.col("age_group") == band))
            )
            v = sel[name].to_numpy().astype(np.float64)
            w = sel["_w"].to_numpy().astype(np.float64)
            ok = np.isfinite(v)
            qv = weighted_quantiles(v[ok], w[ok])
            row: dict[str, object] = {
                "measure": name,
                "unit": unit,
                "sex": sex,
                "age_group": band,
                "n": int(ok.sum()),
            }
            row.update({f"p{round(q * 100)}": float(x) for q, x in zip(QUANTILES, qv, strict=True)})
            rows.append(row)
    return pl.DataFrame(rows, schema=_SCHEMA).with_columns(
        pl.col(f"p{round(q * 100)}").fill_nan(None) for q in QUANTILES
    )
