"""Charts for the report, as inline SVG strings (matplotlib, no display needed)."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import norm

from magnerve._text import format_probability

_COLORS = {"food": "#2e7d32", "water": "#0277bd", "supplements": "#ef6c00", "lost": "#bdbdbd"}


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]


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
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(items) + 1))
    ax.barh(
        labels,
        [s["magnesium_mg_per_day"] for s in items],
        color=_COLORS["food"],
    )
    ax.set_xlabel("magnesium [mg/day, mean over the diary]")
    ax.set_title("Top food sources of magnesium")
    return _svg(fig)


def by_day(days: list[dict[str, Any]], ear: float | None, rda: float | None) -> str:
    """Stacked bars per day: food, water, supplements [mg] with EAR and RDA lines."""
    labels = [d["date"][5:] for d in days]
    food = np.array([d["food_mg"] or 0.0 for d in days])
    water = np.array([d["water_mg"] or 0.0 for d in days])
    supp = np.array([d["supplements_mg"] or 0.0 for d in days])
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.bar(labels, food, color=_COLORS["food"], label="food")
    ax.bar(labels, water, bottom=food, color=_COLORS["water"], label="water")
    ax.bar(labels, supp, bottom=food + water, color=_COLORS["supplements"], label="supplements")
    if ear:
        ax.axhline(ear, color="#c62828", linestyle="--", label=f"EAR {ear:g}")
    if rda:
        ax.axhline(rda, color="#6a1b9a", linestyle=":", label=f"RDA {rda:g}")
    ax.set_ylabel("magnesium [mg/day]")
    ax.set_title("Magnesium intake by day")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=5, frameon=False)
    return _svg(fig)


def absorption(by_source: dict[str, float], intake_mean: dict[str, Any]) -> str:
    """Bars per source: intake split into absorbed and not absorbed [mg/day]."""
    srcs = ["food", "water", "supplements"]
    intake = [intake_mean.get(f"{s}_mg") or 0.0 for s in srcs]
    absorbed = [by_source.get(s, 0.0) for s in srcs]
    fig, ax = plt.subplots(figsize=(6, 2.6))
    ax.barh(srcs, absorbed, color=[_COLORS[s] for s in srcs], label="absorbed")
    ax.barh(
        srcs,
        np.array(intake) - np.array(absorbed),
        left=absorbed,
        color=_COLORS["lost"],
        label="not absorbed",
    )
    ax.set_xlabel("magnesium [mg/day] (model estimate)")
    ax.set_title("Absorption by source")
    ax.legend(fontsize=8)
    return _svg(fig)


def adequacy(ad: dict[str, Any]) -> str:
    """Distribution of D = usual intake - requirement, with the share above zero shaded."""
    d, sd = ad["d"], ad["sd_d"]
    x = np.linspace(d - 4 * sd, d + 4 * sd, 400)
    y = norm.pdf(x, d, sd)
    fig, ax = plt.subplots(figsize=(6, 2.6))
    ax.plot(x, y, color="#37474f")
    ax.fill_between(x, y, where=x >= 0, color=_COLORS["food"], alpha=0.4, label="adequate")
    ax.fill_between(x, y, where=x < 0, color="#c62828", alpha=0.3, label="inadequate")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks([])
    ax.set_xlabel("usual intake minus requirement [mg/day]")
    ax.set_title(
        f"Confidence that intake is adequate: {format_probability(ad['confidence_adequate'])}"
    )
    ax.legend(fontsize=8)
    return _svg(fig)


def ca_mg_gauge(ratio: float | None, low: float, high: float) -> str:
    """Gauge of the Ca:Mg intake ratio with the 1.7-2.8 band."""
    fig, ax = plt.subplots(figsize=(6, 1.3))
    top = max(4.0, (ratio or 0) * 1.1)
    ax.barh([0], [low], color="#ffcc80")
    ax.barh([0], [high - low], left=[low], color="#a5d6a7")
    ax.barh([0], [top - high], left=[high], color="#ffcc80")
    if ratio is not None:
        ax.axvline(ratio, color="black", linewidth=2)
        ax.text(ratio, 0.45, f"{ratio:.2f}", ha="center")
    ax.set_xlim(0, top)
    ax.set_yticks([])
    ax.set_xlabel(f"Ca:Mg intake ratio (band {low}-{high}, Rosanoff et al. 2016)")
    return _svg(fig)


def nerve_sweep(data: dict[str, Any]) -> str:
    """Firing rate and NMDA calcium load against extracellular magnesium (model)."""
    cond = data["conditions"]
    mg = [c["mg_mM"] for c in cond]
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(mg, [c["firing_rate_hz"] for c in cond], "o-", color="#c62828", label="firing rate")
    ax.set_xlabel("extracellular magnesium [mM]")
    ax.set_ylabel("firing rate [Hz]", color="#c62828")
    ax2 = ax.twinx()
    ax2.plot(mg, [c["calcium_load"] for c in cond], "s--", color="#1565c0", label="Ca load")
    ax2.set_ylabel("NMDA Ca2+ load [nC/cm²]", color="#1565c0")
    ax.axvspan(0.7, 1.1, color="#e0e0e0", alpha=0.5, lw=0)
    ax.set_title("Model neuron: lower magnesium, more excitability (a model, not a measurement)")
    return _svg(fig)


def homeostasis(series: dict[str, Any]) -> str:
    """Serum and exchangeable magnesium over time for each scenario (model)."""
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(7, 4.6), sharex=True)
    for name, tr in series.items():
        a1.plot(tr["days"], tr["serum_mmol_l"], label=name)
        a2.plot(tr["days"], np.asarray(tr["total_body_mg"]) / 1000.0, label=name)
    a1.axhspan(0.75, 0.95, color="#e8f5e9", lw=0)
    a1.axhline(0.85, color="#9e9e9e", ls=":", lw=1)
    a1.set_ylabel("serum Mg [mmol/L]")
    a2.set_ylabel("total body Mg [g]")
    a2.set_xlabel("day")
    a1.legend(fontsize=8)
    a1.set_title("Simulated magnesium (a model, not a measurement)")
    return _svg(fig)
