"""``magnerve nerve block|sweep``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from magnerve.cli._common import (
    Table,
    _emit_json,
    _fail,
    nerve_app,
    out,
)

if TYPE_CHECKING:
    pass


@nerve_app.command("block")
def nerve_block(
    voltage: Annotated[float, typer.Option("--voltage", help="Membrane potential [mV].")],
    mg: Annotated[float, typer.Option("--mg", help="Extracellular magnesium [mM].", min=0)],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """NMDA-receptor unblocked fraction (Jahr & Stevens 1990)."""
    from magnerve.physiology.nerve import nmda_unblocked_fraction

    f = float(nmda_unblocked_fraction(voltage, mg))
    if as_json:
        _emit_json({"voltage_mV": voltage, "mg_mM": mg, "unblocked_fraction": f})
        return
    out.print(f"At {voltage:g} mV and {mg:g} mM Mg, {f:.1%} of NMDA conductance is unblocked.")


@nerve_app.command("sweep")
def nerve_sweep(
    mg: Annotated[
        str, typer.Option("--mg", help="Comma-separated extracellular Mg [mM].")
    ] = "0.3,0.5,0.8,1.0,1.2",
    duration: Annotated[float, typer.Option("--duration", help="Simulated time [s].")] = 1.0,
    chart: Annotated[Path | None, typer.Option("--chart", help="Write an SVG chart.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Firing rate and NMDA calcium load of a model neuron across extracellular Mg."""
    from magnerve.physiology.nerve import simulate_sweep

    try:
        values = [float(x) for x in mg.split(",") if x.strip()]
        if not values:
            raise ValueError("give at least one magnesium value")
        res = simulate_sweep(values, duration)
    except ValueError as e:
        _fail(f"{e} (e.g. --mg 0.3,0.5,0.8,1.0,1.2)", code=2)
        return
    data = res.to_dict()  # type: ignore[union-attr]
    if chart is not None:
        from magnerve.report import charts

        chart.write_text(charts.nerve_sweep(data), encoding="utf-8")
    if as_json:
        _emit_json(data)
        return
    t = Table(title=f"Model neuron, {duration:g} s of input (a model, not a measurement)")
    t.add_column("Mg [mM]", justify="right")
    t.add_column("Firing rate [Hz]", justify="right")
    t.add_column("NMDA Ca load [nC/cm²]", justify="right")
    for c in data["conditions"]:
        t.add_row(f"{c['mg_mM']:g}", f"{c['firing_rate_hz']:.0f}", f"{c['calcium_load']:.0f}")
    out.print(t)
    if chart is not None:
        out.print(f"Chart written to [bold]{chart}[/]")
