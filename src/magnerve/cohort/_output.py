"""Cohort output files: tables (CSV and Parquet) and a self-contained HTML summary with
inline SVG plots (the prevalence chart of :meth:`CohortResult.plot`, and the weighted
distribution of usual intake in each sex and age group with its EAR line)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from magnerve.cohort._result import CohortResult

__all__ = ["distribution_svg", "html_summary", "write_outputs"]

#: Histogram bins per group panel (a display setting).
_BINS = 30


def _overall_table(result: CohortResult) -> pl.DataFrame:
    o = result.overall
    return pl.DataFrame(
        {
            "n_persons": [result.n_persons],
            "prevalence_below_ear": [o.estimate],
            "se": [o.se],
            "ci95_low": [o.ci95[0]],
            "ci95_high": [o.ci95[1]],
            "method": [result.method],
            "usual": [result.usual],
            "variance": [result.variance],
        }
    )


def _groups_table(result: CohortResult) -> pl.DataFrame:
    return result.summary().filter(pl.col("sex") != "all")


def write_outputs(result: CohortResult, directory: Path) -> list[Path]:
    """Write ``overall``, ``groups``, ``persons``, ``distributions`` (when there are any)
    (.csv and .parquet) and ``summary.html``.

    Parameters
    ----------
    result : CohortResult
    directory : pathlib.Path
        Created if missing.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    tables = {"overall": _overall_table(result), "groups": _groups_table(result)}
    if result.persons is not None:
        tables["persons"] = result.persons
    dist = result.distributions()
    if dist.height:
        tables["distributions"] = dist
    written: list[Path] = []
    for name, table in tables.items():
        csv, pq = directory / f"{name}.csv", directory / f"{name}.parquet"
        table.write_csv(csv)
        table.write_parquet(pq)
        written += [csv, pq]
    page = directory / "summary.html"
    page.write_text(html_summary(result), encoding="utf-8")
    written.append(page)
    return written


def _panel(
    x0: float,
    y0: float,
    w: float,
    h: float,
    title: str,
    values: np.ndarray,
    weights: np.ndarray,
    ear: float,
    x_max: float,
) -> list[str]:
    counts, edges = np.histogram(values, bins=_BINS, range=(0.0, x_max), weights=weights)
    total = float(weights.sum()) or 1.0
    share = counts / total
    top = float(share.max()) or 1.0
    out = [
        f'<text x="{x0:.1f}" y="{y0 - 4:.1f}" font-size="11">{html.escape(title)}</text>',
        f'<line x1="{x0:.1f}" y1="{y0 + h:.1f}" x2="{x0 + w:.1f}" y2="{y0 + h:.1f}" '
        'stroke="#888"/>',
    ]
    bw = w / _BINS
    for k, s in enumerate(share):
        bh = h * float(s) / top
        out.append(
            f'<rect x="{x0 + k * bw:.1f}" y="{y0 + h - bh:.1f}" width="{bw - 0.5:.1f}" '
            f'height="{bh:.1f}" fill="#4c78a8"><title>{edges[k]:.0f}-{edges[k + 1]:.0f} mg/day: '
            f"{s * 100:.1f} %</title></rect>"
        )
    xe = x0 + w * min(ear, x_max) / x_max
    out.append(
        f'<line class="ear" x1="{xe:.1f}" y1="{y0:.1f}" x2="{xe:.1f}" y2="{y0 + h:.1f}" '
        'stroke="#d62728" stroke-width="2" stroke-dasharray="4 2">'
        f"<title>EAR {ear:g} mg/day</title></line>"
    )
    for t in (0.0, x_max / 2, x_max):
        out.append(
            f'<text x="{x0 + w * t / x_max:.1f}" y="{y0 + h + 12:.1f}" font-size="9" '
            f'text-anchor="middle">{t:.0f}</text>'
        )
    return out


def distribution_svg(result: CohortResult) -> str:
    """Weighted distribution of usual intake [mg/day] per sex and age group, EAR as a red
    dashed line; one small panel per group (empty string without per-person data)."""
    persons = result.persons
    if persons is None or persons.height == 0:
        return ""
    usual = persons["usual_intake_mg"].to_numpy()
    x_max = float(np.ceil(np.nanpercentile(usual, 99.5) / 100.0) * 100.0) or 100.0
    keys = [(g.sex, g.age_group) for g in result.groups]
    cols, pw, ph, gap = 4, 170.0, 90.0, 40.0
    rows = max(1, -(-len(keys) // cols))
    width, height = cols * (pw + 20) + 20, rows * (ph + gap) + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif">',
        '<text x="20" y="16" font-size="13">Usual magnesium intake [mg/day] by group '
        "(weighted share per bin); red dashed line: EAR</text>",
    ]
    for k, (sex, band) in enumerate(keys):
        sel = persons.filter((pl.col("sex") == sex) & (pl.col("age_group") == band))
        if sel.height == 0:
            continue
        x0 = 20 + (k % cols) * (pw + 20)
        y0 = 40 + (k // cols) * (ph + gap)
        out += _panel(
            x0,
            y0,
            pw,
            ph,
            f"{sex} {band}",
            sel["usual_intake_mg"].to_numpy(),
            sel["weight"].to_numpy(),
            float(sel["ear"].median()),  # type: ignore[arg-type]
            x_max,
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _distribution_html(result: CohortResult) -> str:
    dist = result.distributions()
    if not dist.height:
        return ""
    qs = [c for c in dist.columns if c.startswith("p")]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ("measure", "sex", "age", "n", *qs))
    rows = []
    for r in dist.iter_rows(named=True):
        cells = [f"{r['measure']} [{r['unit']}]", r["sex"], r["age_group"], f"{r['n']:,}"]
        cells += ["" if r[q] is None else f"{r[q]:.3g}" for q in qs]
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    return (
        "<h2>Distributions by group (weighted quantiles)</h2>\n<p>Per person from the mean of "
        "their recall days (day-to-day variation not removed).</p>\n"
        f"<table><tr>{head}</tr>\n" + "\n".join(rows) + "\n</table>\n"
    )


def html_summary(result: CohortResult) -> str:
    """Self-contained HTML: table, prevalence chart with CIs, usual-intake distributions."""
    rows = []
    for r in result.summary().iter_rows(named=True):
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{html.escape(str(v))}</td>"
                for v in (
                    r["sex"],
                    r["age_group"],
                    f"{r['n']:,}",
                    f"{r['prevalence'] * 100:.1f} %",
                    f"{r['se'] * 100:.2f}",
                    f"{r['ci95_low'] * 100:.1f}-{r['ci95_high'] * 100:.1f} %",
                )
            )
            + "</tr>"
        )
    excluded = ", ".join(f"{k}: {v:,}" for k, v in result.excluded.items())
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<title>magnerve cohort summary</title><style>"
        "body{font-family:sans-serif;margin:2em;max-width:960px}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;"
        "text-align:right}</style></head><body>\n"
        "<h1>Usual magnesium intake below the EAR</h1>\n"
        f"<p>{result.n_persons:,} persons; method {html.escape(result.method)}, usual intakes "
        f"{html.escape(result.usual)}, standard errors {html.escape(result.variance)}. "
        f"Not in the estimate: {html.escape(excluded) or 'none'}.</p>\n"
        "<table><tr><th>sex</th><th>age</th><th>n</th><th>below EAR</th>"
        "<th>SE [points]</th><th>95 % CI</th></tr>\n" + "\n".join(rows) + "\n</table>\n"
        "<h2>Prevalence by sex and age group (95 % CI)</h2>\n"
        + result.plot()
        + "<h2>Distribution of usual intake</h2>\n"
        + distribution_svg(result)
        + _distribution_html(result)
        + "<p>Screening and education software, not a diagnostic device. Methods: "
        "docs/cohort.md.</p>\n</body></html>\n"
    )
