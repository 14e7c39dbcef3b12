"""``magnerve foods search|show`` and ``magnerve parse``."""

from __future__ import annotations

from typing import Annotated

import typer

from magnerve.cli._common import (
    Table,
    _emit_json,
    _fail,
    app,
    err,
    escape,
    foods_app,
    out,
)


@foods_app.command("search")
def foods_search(
    query: Annotated[str, typer.Argument(help="What to look for, e.g. 'dry roasted almonds'.")],
    limit: Annotated[int, typer.Option("--limit", "-l", min=1, max=200)] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search the 8,789 USDA SR28 foods."""
    # the same function answers `magnerve foods search` before typer loads (cli/_fast.py)
    from magnerve.cli._fast import show_search

    code = show_search(query, limit, as_json, out=out, err=err)
    if code:
        raise typer.Exit(code)


@foods_app.command("show")
def foods_show(
    ndb: Annotated[str, typer.Argument(help="SR28 NDB number, e.g. 12061.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    all_nutrients: Annotated[
        bool, typer.Option("--all", help="Show all 150 nutrients, not only the main ones.")
    ] = False,
) -> None:
    """Show a food: nutrients per 100 g and household measures."""
    from magnerve.foods import FoodNotFoundError, get_food
    from magnerve.intake import resolve_nutrients

    try:
        food = get_food(ndb)
    except FoodNotFoundError as e:
        _fail(str(e), hints=["find the number with: magnerve foods search 'FOOD'"])
        return
    if as_json:
        _emit_json(food.to_dict())
        return
    infos = {n.key: n for n in resolve_nutrients(None)}
    out.print(
        f"[bold]{food.id}[/] {escape(food.description)}  [dim]({escape(food.food_group)})[/]",
        highlight=False,
    )
    t = Table(title="Per 100 g edible portion")
    t.add_column("Nutrient")
    t.add_column("Value", justify="right")
    t.add_column("Unit")
    from magnerve.foods import load_database

    for n in load_database().nutrients:
        if not all_nutrients and n.key not in infos:
            continue
        v = food.nutrients[n.key]
        t.add_row(escape(n.label), "unknown" if v is None else f"{v:g}", escape(n.units))
    out.print(t)
    m = Table(title="Household measures (SR28)")
    m.add_column("Amount", justify="right")
    m.add_column("Measure")
    m.add_column("Grams", justify="right")
    for meas in food.measures:
        m.add_row(f"{meas.amount:g}", escape(meas.description), f"{meas.grams:g}")
    out.print(m)


@app.command("parse")
def parse_cmd(
    line: Annotated[str, typer.Argument(help="A diary line, e.g. '1/2 cup boiled spinach'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Understand one free-text diary line: food, amount, unit, grams and nutrients."""
    import numpy as np

    from magnerve.foods import ParseError, load_aliases, parse_line
    from magnerve.intake import line_nutrients, resolve_nutrients

    try:
        load_aliases()
    except ValueError as e:  # the alias file is broken: say so once, then parse without it
        err.print(
            f"[yellow]warning:[/] your alias file cannot be used, so no alias was applied: "
            f"{escape(str(e))}",
            highlight=False,
        )
    try:
        p = parse_line(line)
    except ParseError as e:
        if as_json:
            _emit_json({"error": e.reason, "suggestions": e.suggestions})
            raise typer.Exit(1) from None
        _fail(e.reason, hints=e.suggestions[:6])
        return
    infos = resolve_nutrients(None)
    values = line_nutrients([p.food.id], [p.grams], infos)[0]
    nutrients = {
        n.key: (None if np.isnan(v) else round(float(v), 4))
        for n, v in zip(infos, values, strict=True)
    }
    if as_json:
        _emit_json({**p.to_dict(), "nutrients": nutrients})
        return
    out.print(
        f"[bold]{p.amount:g} {escape(p.unit)}[/] of [cyan]{p.food.id}[/] "
        f"{escape(p.food.description)} = [bold]{p.grams:.1f} g[/]  (confidence "
        f"{p.confidence:.2f})",
        highlight=False,
    )
    for note in p.notes:
        out.print(f"  [yellow]note:[/] {escape(note)}", highlight=False)
    t = Table(show_header=True)
    t.add_column("Nutrient")
    t.add_column("Amount", justify="right")
    for n in infos:
        v = nutrients[n.key]
        t.add_row(escape(f"{n.label} [{n.units}]"), "unknown" if v is None else f"{v:.4g}")
    out.print(t)
    if p.alternatives:
        out.print(
            "[dim]Other matches:[/] "
            + escape("; ".join(f"{h.id} {h.description}" for h in p.alternatives[:3])),
            highlight=False,
        )
