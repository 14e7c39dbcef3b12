"""Charts for the report, as inline SVG strings.

The charts are written as SVG directly (``magnerve.report._svg``), in matplotlib's default
look, instead of through matplotlib: the report needs bars, lines, bands and a gauge, and
importing matplotlib and drawing the figures used to cost more than the assessment itself.
Only the standard library is used here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from magnerve._text import format_probability
from magnerve.report._svg import (
    LABEL_PAD,
    TAB10,
    TICK_LEN,
    TICK_PAD,
    Axes,
    Canvas,
    legend_row,
    nice_ticks,
    text_width,
    tick_labels,
)

__all__ = [
    "absorption",
    "adequacy",
    "by_day",
    "ca_mg_gauge",
    "food_sources",
    "homeostasis",
    "nerve_sweep",
]

_COLORS = {"food": "#2e7d32", "water": "#0277bd", "supplements": "#ef6c00", "lost": "#bdbdbd"}
_PT = 72.0  # points per inch: figure sizes below are matplotlib's, in inches
_PAD = 7.2  # space around the drawing (matplotlib's bbox_inches="tight" pad, 0.1 in)
_TITLE = 12.0 + 6.0 + 3.0  # title size, pad and a little air
_XAXIS = TICK_LEN + TICK_PAD + 10.0 + 3.0  # ticks and their labels
_XLABEL = LABEL_PAD + 10.0 + 3.0
_YLABEL = LABEL_PAD + 10.0 + 2.0


def _axes(
    size_in: tuple[float, float],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    *,
    left: float,
    right: float = 0.0,
    top: float = 0.0,
    bottom: float = 0.0,
    title: str = "",
    label: str = "",
) -> Axes:
    """A canvas around one plotting area of matplotlib's default share of a figure of
    ``size_in`` inches (77.5 % x 77 %), with room for the decorations around it; a title
    wider than the plot widens the canvas, as matplotlib's tight bounding box does."""
    w, h = 0.775 * size_in[0] * _PT, 0.77 * size_in[1] * _PT
    spill = max(0.0, (text_width(title, 12) - w) / 2 + 2)
    left, right = max(left, spill), max(right, spill)
    top += _TITLE if title else 0.0
    canvas = Canvas(w + left + right + 2 * _PAD, h + top + bottom + 2 * _PAD, label or title)
    return Axes(canvas, _PAD + left, _PAD + top, w, h, xlim, ylim)


def _limits(
    values: Sequence[float], *, zero: bool = False, margin: float = 0.05
) -> tuple[float, float]:
    """Data limits with matplotlib's 5 % margins; ``zero`` pins the lower end at 0 (bars)."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if zero:
        lo = min(lo, 0.0)
    if hi - lo < 1e-12:
        pad = abs(hi) * 0.05 or 0.5
        lo, hi = lo - (0.0 if zero else pad), hi + pad
    span = hi - lo
    return (lo if zero and lo == 0 else lo - margin * span, hi + margin * span)


def _max_ticks(length: float, per: float) -> int:
    """At most 10 ticks, one per ``per`` points (matplotlib's tick space: 3 label heights
    along x, 2 along y)."""
    return max(2, min(10, int(length // per) + 1))


def food_sources(sources: list[dict[str, Any]]) -> str:
    """Horizontal bars: magnesium per day by food [mg/day]."""
    from magnerve.foods import friendly_name

    items = sources[:10][::-1]
    names = [friendly_name(s["description"]) for s in items]
    # bars are keyed by label: two foods with the same everyday name keep their SR28 names
    labels = [
        n if names.count(n) == 1 else s["description"][:45]
        for n, s in zip(names, items, strict=True)
    ]
    values = [float(s["magnesium_mg_per_day"] or 0.0) for s in items]
    n = len(items)
    title = "Top food sources of magnesium"
    tick_w = max((text_width(s, 10) for s in labels), default=0.0)
    ax = _axes(
        (7, 0.35 * n + 1),
        _limits(values, zero=True),
        (-0.4 - 0.05 * max(n - 0.2, 1), n - 0.6 + 0.05 * max(n - 0.2, 1)),
        left=TICK_LEN + TICK_PAD + tick_w,
        bottom=_XAXIS + _XLABEL,
        title=title,
    )
    for i, v in enumerate(values):
        ax.barh(i, v, 0.0, 0.8, _COLORS["food"])
    ax.frame()
    ax.xticks(nice_ticks(*ax.xlim, _max_ticks(ax.width, 30)))
    ax.yticks(list(range(n)), labels)
    ax.xlabel("magnesium [mg/day, mean over the diary]")
    ax.title(title)
    return ax.canvas.svg()


def by_day(days: list[dict[str, Any]], ear: float | None, rda: float | None) -> str:
    """Stacked bars per day: food, water, supplements [mg] with EAR and RDA lines."""
    labels = [d["date"][5:] for d in days]
    food = [d["food_mg"] or 0.0 for d in days]
    water = [d["water_mg"] or 0.0 for d in days]
    supp = [d["supplements_mg"] or 0.0 for d in days]
    totals = [f + w + s for f, w, s in zip(food, water, supp, strict=True)]
    n = len(days)
    title = "Magnesium intake by day"
    ylim = _limits([*totals, *(v for v in (ear, rda) if v)], zero=True)
    y_ticks = nice_ticks(*ylim, _max_ticks(0.77 * 3.2 * _PT, 20))
    tick_w = max(text_width(s, 10) for s in tick_labels(y_ticks))
    span = max(n - 0.2, 1.0)
    ax = _axes(
        (7, 3.2),
        (-0.4 - 0.05 * span, n - 0.6 + 0.05 * span),
        ylim,
        left=TICK_LEN + TICK_PAD + tick_w + _YLABEL,
        bottom=_XAXIS + 16.0,
        title=title,
    )
    for i in range(n):
        ax.bar(i, food[i], 0.0, 0.8, _COLORS["food"])
        ax.bar(i, water[i], food[i], 0.8, _COLORS["water"])
        ax.bar(i, supp[i], food[i] + water[i], 0.8, _COLORS["supplements"])
    legend = []  # lines first, then bars, as matplotlib orders them
    if ear:
        ax.axhline(ear, "#c62828", "--")
        legend.append((f"EAR {ear:g}", "#c62828", "--"))
    if rda:
        ax.axhline(rda, "#6a1b9a", ":")
        legend.append((f"RDA {rda:g}", "#6a1b9a", ":"))
    legend += [
        ("food", _COLORS["food"], "patch"),
        ("water", _COLORS["water"], "patch"),
        ("supplements", _COLORS["supplements"], "patch"),
    ]
    ax.frame()
    # one label per bar, thinned when they would overlap (long diaries)
    every = max(1, math.ceil(n * (text_width("00-00", 10) + 6) / ax.width))
    shown = list(range(0, n, every))
    ax.xticks([float(i) for i in shown], [labels[i] for i in shown])
    ax.yticks(y_ticks)
    ax.ylabel("magnesium [mg/day]", tick_w)
    ax.title(title)
    legend_row(ax.canvas, legend, ax.left + ax.width / 2, ax.bottom + _XAXIS + 8.0)
    return ax.canvas.svg()


def absorption(by_source: dict[str, float], intake_mean: dict[str, Any]) -> str:
    """Bars per source: intake split into absorbed and not absorbed [mg/day]."""
    srcs = ["food", "water", "supplements"]
    intake = [float(intake_mean.get(f"{s}_mg") or 0.0) for s in srcs]
    absorbed = [float(by_source.get(s) or 0.0) for s in srcs]
    title = "Absorption by source"
    ax = _axes(
        (6, 2.6),
        _limits([max(i, a) for i, a in zip(intake, absorbed, strict=True)], zero=True),
        (-0.54, 2.54),
        left=TICK_LEN + TICK_PAD + max(text_width(s, 10) for s in srcs),
        bottom=_XAXIS + _XLABEL,
        title=title,
    )
    for i, s in enumerate(srcs):
        ax.barh(i, absorbed[i], 0.0, 0.8, _COLORS[s])
    for i in range(len(srcs)):
        ax.barh(i, intake[i] - absorbed[i], absorbed[i], 0.8, _COLORS["lost"])
    ax.frame()
    ax.xticks(nice_ticks(*ax.xlim, _max_ticks(ax.width, 30)))
    ax.yticks([0.0, 1.0, 2.0], srcs)
    ax.xlabel("magnesium [mg/day] (model estimate)")
    ax.title(title)
    ax.legend([("absorbed", _COLORS["food"], "patch"), ("not absorbed", _COLORS["lost"], "patch")])
    return ax.canvas.svg()


def adequacy(ad: dict[str, Any]) -> str:
    """Distribution of D = usual intake - requirement, with the share above zero shaded."""
    d, sd = float(ad["d"]), float(ad["sd_d"])
    sd = sd if sd > 0 and math.isfinite(sd) else max(abs(d), 1.0) * 0.1
    n = 200
    xs = [d - 4 * sd + 8 * sd * i / (n - 1) for i in range(n)]
    if xs[0] < 0 < xs[-1]:  # the boundary itself, so both shaded parts meet at zero
        xs = sorted([*xs, 0.0])

    def pdf(x: float) -> float:
        return math.exp(-0.5 * ((x - d) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))

    ys = [pdf(x) for x in xs]
    conf = ad.get("confidence_adequate")
    title = "Confidence that intake is adequate: " + (
        format_probability(conf) if conf is not None else "not assessed"
    )
    lo, hi = _limits(xs)
    ax = _axes(
        (6, 2.6),
        (min(lo, 0.0), max(hi, 0.0)),
        (0.0, max(ys) * 1.05),
        left=4.0,
        bottom=_XAXIS + _XLABEL,
        title=title,
    )
    above = [(x, y) for x, y in zip(xs, ys, strict=True) if x >= 0]
    below = [(x, y) for x, y in zip(xs, ys, strict=True) if x <= 0]
    if above:
        ax.fill_between([p[0] for p in above], [p[1] for p in above], _COLORS["food"], 0.4)
    if below:
        ax.fill_between([p[0] for p in below], [p[1] for p in below], "#c62828", 0.3)
    ax.plot(xs, ys, "#37474f")
    ax.axvline(0.0, "#000000", width=0.8)
    ax.frame()
    ax.xticks(nice_ticks(*ax.xlim, _max_ticks(ax.width, 30)))
    ax.xlabel("usual intake minus requirement [mg/day]")
    ax.title(title)
    ax.legend([("adequate", _COLORS["food"], "patch:0.4"), ("inadequate", "#c62828", "patch:0.3")])
    return ax.canvas.svg()


def ca_mg_gauge(ratio: float | None, low: float, high: float) -> str:
    """Gauge of the Ca:Mg intake ratio with the 1.7-2.8 band."""
    top = max(4.0, (ratio or 0) * 1.1)
    label = f"Ca:Mg intake ratio (band {low}-{high}, Rosanoff et al. 2016)"
    ax = _axes(
        (6, 1.3),
        (0.0, top),
        (-0.44, 0.44),
        left=4.0,
        top=14.0 if ratio is not None else 0.0,
        bottom=_XAXIS + _XLABEL,
        label=label,
    )
    ax.barh(0, low, 0.0, 0.8, "#ffcc80")
    ax.barh(0, high - low, low, 0.8, "#a5d6a7")
    ax.barh(0, top - high, high, 0.8, "#ffcc80")
    if ratio is not None:
        ax.axvline(ratio, "#000000", width=2.0)
        ax.canvas.text(ax.x(ratio), ax.y(0.45), f"{ratio:.2f}")
    ax.frame()
    ax.xticks(nice_ticks(0.0, top, _max_ticks(ax.width, 30)))
    ax.xlabel(label)
    return ax.canvas.svg()


def nerve_sweep(data: dict[str, Any]) -> str:
    """Firing rate and NMDA calcium load against extracellular magnesium (model)."""
    cond = data["conditions"]
    mg = [float(c["mg_mM"]) for c in cond]
    rate = [float(c["firing_rate_hz"]) for c in cond]
    ca = [float(c["calcium_load"]) for c in cond]
    title = "Model neuron: lower magnesium, more excitability (a model, not a measurement)"
    red, blue = "#c62828", "#1565c0"
    h = 0.77 * 3 * _PT
    left_ticks = nice_ticks(*_limits(rate), _max_ticks(h, 20))
    right_ticks = nice_ticks(*_limits(ca), _max_ticks(h, 20))
    lw = max((text_width(s, 10) for s in tick_labels(left_ticks)), default=0.0)
    rw = max((text_width(s, 10) for s in tick_labels(right_ticks)), default=0.0)
    ax = _axes(
        (6, 3),
        _limits(mg),
        _limits(rate),
        left=TICK_LEN + TICK_PAD + lw + _YLABEL,
        right=TICK_LEN + TICK_PAD + rw + _YLABEL + 6.0,
        bottom=_XAXIS + _XLABEL,
        title=title,
    )
    ax.axvspan(0.7, 1.1, "#e0e0e0", 0.5)
    ax.plot(mg, rate, red, marker="o")
    ax2 = Axes(ax.canvas, ax.left, ax.top, ax.width, ax.height, ax.xlim, _limits(ca))
    ax2.plot(mg, ca, blue, style="--", marker="s")
    ax.frame()
    ax.xticks(nice_ticks(*ax.xlim, _max_ticks(ax.width, 30)))
    ax.yticks(left_ticks)
    ax2.yticks(right_ticks, side="right")
    ax.xlabel("extracellular magnesium [mM]")
    ax.ylabel("firing rate [Hz]", lw, color=red)
    ax2.ylabel("NMDA Ca2+ load [nC/cm²]", rw, side="right", color=blue)
    ax.title(title)
    return ax.canvas.svg()


def homeostasis(series: dict[str, Any]) -> str:
    """Serum and exchangeable magnesium over time for each scenario (model)."""
    title = "Simulated magnesium (a model, not a measurement)"
    days = [float(x) for tr in series.values() for x in tr["days"]]
    serum = [float(x) for tr in series.values() for x in tr["serum_mmol_l"]]
    body = [float(x) / 1000.0 for tr in series.values() for x in tr["total_body_mg"]]
    w, total_h = 0.775 * 7 * _PT, 0.77 * 4.6 * _PT
    h = total_h / 2.2  # two plots, 0.2 of a plot between them
    ylim1, ylim2 = _limits([*serum, 0.75, 0.95]), _limits(body)
    t1, t2 = nice_ticks(*ylim1, _max_ticks(h, 20)), nice_ticks(*ylim2, _max_ticks(h, 20))
    tick_w = max(text_width(s, 10) for s in [*tick_labels(t1), *tick_labels(t2), ""])
    left = TICK_LEN + TICK_PAD + tick_w + _YLABEL
    spill = max(0.0, (text_width(title, 12) - w) / 2 + 2)
    canvas = Canvas(
        w + max(left, spill) + spill + 2 * _PAD,
        total_h + _TITLE + _XAXIS + _XLABEL + 2 * _PAD,
        title,
    )
    x0, y0 = _PAD + max(left, spill), _PAD + _TITLE
    xlim = _limits(days)
    a1 = Axes(canvas, x0, y0, w, h, xlim, ylim1)
    a2 = Axes(canvas, x0, y0 + total_h - h, w, h, xlim, ylim2)
    a1.axhspan(0.75, 0.95, "#e8f5e9")
    a1.axhline(0.85, "#9e9e9e", ":", width=1.0)
    legend = []
    for i, (name, tr) in enumerate(series.items()):
        color = TAB10[i % len(TAB10)]
        a1.plot(tr["days"], tr["serum_mmol_l"], color)
        a2.plot(tr["days"], [v / 1000.0 for v in tr["total_body_mg"]], color)
        legend.append((str(name), color, "-"))
    x_ticks = nice_ticks(*xlim, _max_ticks(w, 30))
    for a, ticks in ((a1, t1), (a2, t2)):
        a.frame()
        a.yticks(ticks)
    a1.xticks(x_ticks, [""] * len(x_ticks))
    a2.xticks(x_ticks)
    a1.ylabel("serum Mg [mmol/L]", tick_w)
    a2.ylabel("total body Mg [g]", tick_w)
    a2.xlabel("day")
    a1.legend(legend)
    a1.title(title)
    return canvas.svg()
