"""Cohort results: prevalence of inadequacy overall and by sex and age group, with
``to_dict()`` (the ``--json`` contract), ``summary()`` (a table) and ``plot()`` (an SVG)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import polars as pl

__all__ = ["CohortResult", "GroupPrevalence", "Prevalence"]


@dataclass(frozen=True, slots=True)
class Prevalence:
    """A design-based prevalence estimate.

    Attributes
    ----------
    estimate : float
        Weighted share of the population below the EAR [fraction 0-1].
    se : float
        Standard error by Taylor linearisation over strata and PSUs [fraction].
    ci95 : tuple of float
        95 % confidence interval (t with PSUs - strata degrees of freedom, clipped to 0-1)
        [fraction].
    n : int
        Persons in the estimate.
    se_without_refit : float, optional
        With the NCI model refitted per replicate (``refit=True``): the replicate SE that
        takes the per-person values of the full-sample fit as fixed, for comparison
        [fraction]; None otherwise.
    """

    estimate: float
    se: float
    ci95: tuple[float, float]
    n: int
    se_without_refit: float | None = None


@dataclass(frozen=True, slots=True)
class GroupPrevalence:
    """Prevalence in one sex and IOM life-stage age group.

    Attributes
    ----------
    sex : {"male", "female"}
    age_group : str
        IOM 1997 age band of the magnesium EAR, e.g. ``"31+ y"``.
    prevalence : Prevalence
    """

    sex: str
    age_group: str
    prevalence: Prevalence


@dataclass(frozen=True, slots=True)
class CohortResult:
    """Prevalence of usual magnesium intake below the EAR in a survey cohort.

    Attributes
    ----------
    n_persons : int
        Persons in the estimate (a day-1 intake and an EAR for their life stage).
    overall : Prevalence
    groups : list of GroupPrevalence
        By sex (male, female) and age band, youngest first.
    method : {"cutpoint", "probability"}
        EAR cut-point method or the probability approach (IOM 2000 ch. 4).
    usual : str
        How usual intakes were estimated (``"shrink"`` or ``"nci"``).
    excluded : dict of str to int
        Persons left out, by reason.
    variance : str
        How the SEs were computed (``"taylor"``, ``"jackknife"`` or ``"brr"``).
    refit_replicates : bool
        Whether the NCI model was refitted with each replicate weight set, so that the
        replicate SEs include the model fit's uncertainty.
    persons : polars.DataFrame, optional
        One row per analysed person: ``SEQN``, ``sex``, ``age_group``, ``age`` [years],
        ``weight``, ``ear`` [mg/day], ``usual_intake_mg`` [mg/day] and ``below_ear`` (0/1)
        or ``p_inadequate`` [fraction].
    distribution_table : polars.DataFrame, optional
        Weighted quantiles by sex and age group (see :meth:`distributions`).
    diaries : dict, optional
        For a cohort built from food-level diaries: rows read, aggregated and with problems
        (by reason), person-days, distinct foods.
    """

    n_persons: int
    overall: Prevalence
    groups: list[GroupPrevalence]
    method: str
    usual: str
    excluded: dict[str, int] = field(default_factory=dict)
    variance: str = "taylor"
    refit_replicates: bool = False
    persons: pl.DataFrame | None = None
    distribution_table: pl.DataFrame | None = None
    diaries: dict[str, Any] | None = None

    def distributions(self) -> pl.DataFrame:
        """Weighted p10, p25, p50, p75, p90 of Ca:Mg [mg/mg], magnesium per 1,000 kcal
        [mg/1000 kcal], the supplement share [fraction] and the Magnesium Depletion Score
        [points] by sex x age group and overall.

        Only the measures the input allows (calcium ``DR1TCALC``, energy ``DR1TKCAL``,
        supplements ``DSQTMAGN``, the MDS components ``DIURETIC``, ``PPI``,
        ``DRINKS_PER_DAY``, ``EGFR`` of the person file; food-level diaries give calcium and
        energy); per person from the mean of their recall days (docs/cohort.md).

        Returns
        -------
        polars.DataFrame
            ``measure``, ``unit``, ``sex``, ``age_group``, ``n``, ``p10`` ... ``p90`` (empty
            when the input has none of the columns).
        """
        if self.distribution_table is None:
            from magnerve.cohort._distributions import distributions

            return distributions(pl.DataFrame({"sex": [], "age_group": []}), _EMPTY)
        return self.distribution_table

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (what ``magnerve cohort --json`` prints); fractions 0-1."""
        o = self.overall
        return {
            "n_persons": self.n_persons,
            "overall": {
                "prevalence_below_ear": o.estimate,
                "se": o.se,
                "ci95": list(o.ci95),
                **_without_refit(o),
            },
            "groups": [
                {
                    "sex": g.sex,
                    "age_group": g.age_group,
                    "n": g.prevalence.n,
                    "prevalence_below_ear": g.prevalence.estimate,
                    "se": g.prevalence.se,
                    "ci95": list(g.prevalence.ci95),
                    **_without_refit(g.prevalence),
                }
                for g in self.groups
            ],
            "method": self.method,
            "usual": self.usual,
            "variance": self.variance,
            **({"refit_replicates": True} if self.refit_replicates else {}),
            "excluded": dict(self.excluded),
            **(
                {"distributions": self.distribution_table.to_dicts()}
                if self.distribution_table is not None and self.distribution_table.height
                else {}
            ),
            **({"diaries": dict(self.diaries)} if self.diaries is not None else {}),
        }

    def summary(self) -> pl.DataFrame:
        """The estimates as a table: one row per group and an "all" row last.

        Returns
        -------
        polars.DataFrame
            Columns ``sex``, ``age_group``, ``n``, ``prevalence``, ``se``, ``ci95_low``,
            ``ci95_high`` [fractions].
        """
        rows = [(g.sex, g.age_group, g.prevalence) for g in self.groups]
        rows.append(("all", "all", self.overall))
        return pl.DataFrame(
            {
                "sex": [r[0] for r in rows],
                "age_group": [r[1] for r in rows],
                "n": [r[2].n for r in rows],
                "prevalence": [r[2].estimate for r in rows],
                "se": [r[2].se for r in rows],
                "ci95_low": [r[2].ci95[0] for r in rows],
                "ci95_high": [r[2].ci95[1] for r in rows],
            },
            schema={
                "sex": pl.String,
                "age_group": pl.String,
                "n": pl.Int64,
                "prevalence": pl.Float64,
                "se": pl.Float64,
                "ci95_low": pl.Float64,
                "ci95_high": pl.Float64,
            },
        )

    def plot(self, path: str | Path | None = None) -> str:
        """Prevalence by sex and age group with 95 % CIs, as a self-contained SVG.

        Parameters
        ----------
        path : str or pathlib.Path, optional
            Also write the SVG there.

        Returns
        -------
        str
            The SVG document.
        """
        svg = _bar_chart(self)
        if path is not None:
            Path(path).write_text(svg, encoding="utf-8")
        return svg

    def html(self) -> str:
        """A self-contained HTML summary (inline SVG plots, no network).

        Returns
        -------
        str
            The HTML document: the table, prevalence by sex and age group with 95 % CIs, and
            the distribution of usual intake in each group with its EAR line.
        """
        from magnerve.cohort._output import html_summary

        return html_summary(self)

    def write(self, directory: str | Path) -> list[Path]:
        """Write the tables (CSV and Parquet) and the HTML summary into ``directory``.

        Files: ``overall``, ``groups`` and ``persons`` (per-person usual intakes) as ``.csv``
        and ``.parquet``, and ``summary.html``.

        Parameters
        ----------
        directory : str or pathlib.Path
            Created if missing.

        Returns
        -------
        list of pathlib.Path
            The files written.
        """
        from magnerve.cohort._output import write_outputs

        return write_outputs(self, Path(directory))


def _without_refit(p: Prevalence) -> dict[str, float]:
    return {} if p.se_without_refit is None else {"se_without_refit": p.se_without_refit}


_EMPTY = np.zeros(0)

_COLOURS = {"male": "#1f77b4", "female": "#d62728", "all": "#555555"}


def _bar_chart(result: CohortResult) -> str:
    """Horizontal bars (prevalence [%]) with CI whiskers, one row per group plus "all"."""
    rows = [(f"{g.sex} {g.age_group}", g.sex, g.prevalence) for g in result.groups]
    rows.append(("all", "all", result.overall))
    label_w, plot_w, row_h, top, bottom = 150.0, 420.0, 22.0, 40.0, 40.0
    width = label_w + plot_w + 30.0
    height = top + row_h * len(rows) + bottom
    hi = max([r[2].ci95[1] for r in rows] + [r[2].estimate for r in rows] + [0.1])
    x_max = min(1.0, (int(hi * 10) + 1) / 10.0)

    def x(v: float) -> float:
        return label_w + plot_w * max(0.0, min(v, x_max)) / x_max

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif" font-size="12">',
        f'<text x="{label_w:.0f}" y="20" font-size="14">'
        f"{escape('Usual magnesium intake below the EAR (' + result.method + ')')}</text>",
    ]
    ticks = [x_max * i / 5 for i in range(6)]
    axis_y = top + row_h * len(rows)
    for t in ticks:
        out.append(
            f'<line x1="{x(t):.1f}" y1="{top:.1f}" x2="{x(t):.1f}" y2="{axis_y:.1f}" '
            'stroke="#ddd"/>'
        )
        out.append(
            f'<text x="{x(t):.1f}" y="{axis_y + 15:.1f}" text-anchor="middle">'
            f"{t * 100:.0f} %</text>"
        )
    for i, (label, sex, p) in enumerate(rows):
        y = top + row_h * i
        colour = _COLOURS.get(sex, "#555555")
        out.append(
            f'<text x="{label_w - 8:.0f}" y="{y + row_h * 0.65:.1f}" text-anchor="end">'
            f"{escape(label)} (n={p.n})</text>"
        )
        out.append(
            f'<rect x="{label_w:.1f}" y="{y + 4:.1f}" width="{x(p.estimate) - label_w:.1f}" '
            f'height="{row_h - 8:.1f}" fill="{colour}" fill-opacity="0.7">'
            f"<title>{escape(label)}: {p.estimate * 100:.1f} % "
            f"(95 % CI {p.ci95[0] * 100:.1f}-{p.ci95[1] * 100:.1f})</title></rect>"
        )
        mid = y + row_h / 2
        out.append(
            f'<line x1="{x(p.ci95[0]):.1f}" y1="{mid:.1f}" x2="{x(p.ci95[1]):.1f}" '
            f'y2="{mid:.1f}" stroke="#000"/>'
        )
    out.append(
        f'<text x="{label_w + plot_w / 2:.0f}" y="{height - 8:.0f}" text-anchor="middle">'
        "share of the population [%], 95 % CI</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"
