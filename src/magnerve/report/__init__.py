"""Reports: self-contained HTML (charts inline as SVG) from an assessment's JSON data.

Rendering is kept out of the core: it takes ``Assessment.to_dict()`` and needs nothing beyond
the installed package (no network, no JavaScript). The charts are SVG written directly
(``charts``, standard library only): no matplotlib and no SciPy on the report's path.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, Template, select_autoescape

from magnerve.errors import ModelError

__all__ = ["PDFUnavailableError", "nerve_sweep", "render_html", "render_plan_html", "write_pdf"]


@cache
def _template(name: str) -> Template:
    """The compiled template ``templates/<name>`` (compiled once per process: compiling the
    report's template costs more than drawing its charts)."""
    text = resources.files("magnerve.report").joinpath(f"templates/{name}").read_text("utf-8")
    return _environment().from_string(text)


def _environment() -> Environment:
    """Jinja environment with the plain-words filters used by the templates.

    ``pct`` (probability -> "27 %", "< 1 %"), ``plain`` (internal id -> label), ``check``
    (interaction id -> title) and ``food`` (SR28 description -> everyday name).
    """
    from magnerve._text import format_probability, plain_label
    from magnerve.foods import friendly_name
    from magnerve.interactions import interaction_title

    env = Environment(autoescape=select_autoescape(default=True))
    env.filters["pct"] = lambda p: "unknown" if p is None else format_probability(float(p))
    env.filters["plain"] = lambda key: plain_label(str(key))
    env.filters["check"] = lambda key: interaction_title(str(key))
    env.filters["food"] = lambda desc: friendly_name(str(desc))
    return env


class PDFUnavailableError(ModelError):
    """PDF output needs the optional extra ``magnerve[pdf]`` (WeasyPrint)."""


def render_html(
    data: dict[str, Any],
    plan: dict[str, Any] | None = None,
    models: dict[str, Any] | None = None,
) -> str:
    """Render the assessment report.

    Parameters
    ----------
    data : dict
        ``Assessment.to_dict()``.
    plan : dict, optional
        ``Plan.to_dict()``: adds a "Plan" section.
    models : dict, optional
        ``{"nerve": SweepResult.to_dict(), "homeostasis": {scenario: series}}``: adds the
        "What this means for your nerves" section (model results, labelled as such).

    Returns
    -------
    str
        A complete HTML document.
    """
    from magnerve import __version__
    from magnerve.interactions import thresholds
    from magnerve.report import charts

    ad = data["adequacy"]
    ref = data["reference_intakes"]["magnesium"]
    ratio = next((i for i in data["interactions"] if i["id"] == "ca_mg_ratio"), None)
    band = thresholds()["ca_mg_ratio"]
    figs = {
        "sources": charts.food_sources(data["intake"]["top_food_sources"]),
        "days": charts.by_day(data["intake"]["days"], ref.get("ear"), ref.get("rda")),
        "absorption": charts.absorption(data["absorption"]["by_source_mg"], data["intake"]["mean"]),
        "adequacy": charts.adequacy(ad) if ad else "",
        "ratio": charts.ca_mg_gauge(
            ratio["value"] if ratio else None, band["low_band_below"], band["high_band_above"]
        ),
    }
    template = _template("report.html.j2")
    if models:
        figs["nerve"] = charts.nerve_sweep(models["nerve"])
        figs["homeostasis"] = charts.homeostasis(models["homeostasis"])
    return template.render(d=data, figs=figs, version=__version__, plan=plan, models=models)


def nerve_sweep() -> dict[str, Any]:
    """The model neuron's sweep of the report's "What this means for your nerves" section.

    The same for everyone: firing rate [Hz] and NMDA calcium load at the report's fixed
    extracellular magnesium levels (0.3, 0.5, 0.8, 1.0 and 1.2 mM), 1 s each, with the seed
    of ``data/physiology.toml``. It is read from the user cache directory when the model
    and its parameters are unchanged (a few hundred bytes), else simulated (a few seconds)
    and kept there; the cache never changes the result.

    Returns
    -------
    dict
        ``SweepResult.to_dict()`` of :func:`magnerve.physiology.nerve.simulate_sweep`:
        ``model``, ``duration_s``, ``calcium_load_unit`` and ``conditions`` (``mg_mM``,
        ``firing_rate_hz``, ``calcium_load``); with a homeostasis series it is the
        ``models`` argument of :func:`render_html` (``{"nerve": ..., "homeostasis": ...}``).
    """
    from magnerve.report._sweep_cache import nerve_sweep as cached_sweep

    return cached_sweep()


def write_pdf(
    data: dict[str, Any],
    path: str,
    plan: dict[str, Any] | None = None,
    models: dict[str, Any] | None = None,
) -> None:
    """Write the report as PDF (optional extra: ``pip install 'magnerve[pdf]'``).

    Parameters
    ----------
    data : dict
        ``Assessment.to_dict()``.
    path : str
        Where to write the PDF.
    plan, models : dict, optional
        As for :func:`render_html`: the "Plan" and "What this means for your nerves"
        sections.

    Raises
    ------
    PDFUnavailableError
        When WeasyPrint (or the Pango library it needs) is not available.
    """
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as e:  # OSError: Pango missing
        raise PDFUnavailableError(
            "PDF output needs the optional extra: pip install 'magnerve[pdf]' (WeasyPrint, which "
            f"needs the Pango library) ({e})"
        ) from None
    HTML(string=render_html(data, plan, models)).write_pdf(path)


def render_plan_html(plan: dict[str, Any]) -> str:
    """Render a plan (``Plan.to_dict()``) as a self-contained HTML page."""
    return _template("plan.html.j2").render(p=plan)
