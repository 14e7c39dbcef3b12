"""``magnerve nerve block|sweep``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from magnerve.cli._common import (
    Table,
    _emit_json,
    _fail,
    bounded,
    check_outputs,
    escape,
    nerve_app,
    out,
    write_output,
)


@nerve_app.command("block")
def nerve_block(
    voltage: Annotated[
        float,
        typer.Option(
            "--voltage", help="Membrane potential [mV].", callback=bounded("cli.nerve.voltage_mv")
        ),
    ],
    mg: Annotated[
        float,
        typer.Option(
            "--mg", help="Extracellular magnesium [mM].", callback=bounded("cli.nerve.mg_mm")
        ),
    ],
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
    duration: Annotated[
        float,
        typer.Option(
            "--duration", help="Simulated time [s].", callback=bounded("cli.nerve.duration_s")
        ),
    ] = 1.0,
    chart: Annotated[Path | None, typer.Option("--chart", help="Write an SVG chart.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Firing rate and NMDA calcium load of a model neuron across extracellular Mg."""
    from magnerve import _bounds
    from magnerve.errors import OutOfRangeError
    from magnerve.physiology.nerve import simulate_sweep

    check_outputs({"--chart": chart}, [])
    n_max = int(_bounds.bound("cli.nerve.sweep_points").max)
    try:
        parts = [x.strip() for x in mg.split(",") if x.strip()]
        if not parts:
            raise ValueError("give at least one magnesium value")
        if len(parts) > n_max:
            raise ValueError(f"give at most {n_max} magnesium values")
        values = []
        for x in parts:
            try:
                v = float(x)
            except ValueError:
                raise ValueError(f"--mg: {x!r} is not a number") from None
            values.append(_bounds.check("cli.nerve.mg_mm", v, "--mg"))
    except (ValueError, OutOfRangeError) as e:
        _fail(f"{e} (e.g. --mg 0.3,0.5,0.8,1.0,1.2)", code=2)
        return
    try:
        res = simulate_sweep(values, duration)
    except ValueError as e:
        _fail(str(e), code=2)
        return
    data = res.to_dict()  # type: ignore[union-attr]
    if chart is not None:
        from magnerve.report import charts

        write_output(chart, charts.nerve_sweep(data))
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
        out.print(f"Chart written to [bold]{escape(chart)}[/]", highlight=False)
