"""Command-line interface (``magnerve``). UI only: all work is done by the library."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from magnerve import __version__
from magnerve.diary import Diary, DiaryError, read_diary
from magnerve.foods import (
    FoodNotFoundError,
    ParseError,
    get_food,
    parse_line,
    search,
)
from magnerve.intake import IntakeReport, NutrientTotal, intake, line_nutrients, resolve_nutrients
from magnerve.profile import Profile

app = typer.Typer(
    help="magnerve: magnesium intake and nerve health (screening and education, not diagnosis).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
foods_app = typer.Typer(help="Search and inspect USDA SR28 foods.", no_args_is_help=True)
app.add_typer(foods_app, name="foods")
nerve_app = typer.Typer(
    help="Nerve-excitability model: NMDA magnesium block and a neuron sweep (a model).",
    no_args_is_help=True,
)
app.add_typer(nerve_app, name="nerve")

out = Console()
err = Console(stderr=True)


class DiaryFormatChoice(StrEnum):
    auto = "auto"
    csv = "csv"
    json = "json"
    cronometer = "cronometer"
    cronometer_daily = "cronometer_daily"
    mfp = "mfp"
    totals = "totals"


class TrustChoice(StrEnum):
    auto = "auto"
    export = "export"
    sr28 = "sr28"


class ByChoice(StrEnum):
    day = "day"
    meal = "meal"
    line = "line"


def _emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _fail(message: str, code: int = 1, hints: list[str] | None = None) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    for h in hints or []:
        err.print(f"  [dim]hint:[/] {h}", highlight=False)
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        out.print(f"magnerve {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """magnerve command-line interface."""


@foods_app.command("search")
def foods_search(
    query: Annotated[str, typer.Argument(help="What to look for, e.g. 'dry roasted almonds'.")],
    limit: Annotated[int, typer.Option("--limit", "-l", min=1, max=200)] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search the 8,789 USDA SR28 foods."""
    hits = search(query, limit)
    if as_json:
        _emit_json([h.to_dict() for h in hits])
        return
    if not hits:
        _fail(f"no food matches {query!r}", hints=["check the spelling or use fewer words"])
    table = Table(title=f"Foods matching {query!r}")
    table.add_column("NDB", style="cyan", no_wrap=True)
    table.add_column("Description")
    table.add_column("Group", style="dim")
    table.add_column("Score", justify="right")
    for h in hits:
        table.add_row(h.id, h.description, h.food_group, f"{h.score:.2f}")
    out.print(table)


@foods_app.command("show")
def foods_show(
    ndb: Annotated[str, typer.Argument(help="SR28 NDB number, e.g. 12061.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    all_nutrients: Annotated[
        bool, typer.Option("--all", help="Show all 150 nutrients, not only the main ones.")
    ] = False,
) -> None:
    """Show a food: nutrients per 100 g and household measures."""
    try:
        food = get_food(ndb)
    except FoodNotFoundError as e:
        _fail(str(e), hints=["find the number with: magnerve foods search 'FOOD'"])
        return
    if as_json:
        _emit_json(food.to_dict())
        return
    infos = {n.key: n for n in resolve_nutrients(None)}
    out.print(f"[bold]{food.id}[/] {food.description}  [dim]({food.food_group})[/]")
    t = Table(title="Per 100 g edible portion")
    t.add_column("Nutrient")
    t.add_column("Value", justify="right")
    t.add_column("Unit")
    from magnerve.foods import load_database

    for n in load_database().nutrients:
        if not all_nutrients and n.key not in infos:
            continue
        v = food.nutrients[n.key]
        t.add_row(n.label, "unknown" if v is None else f"{v:g}", n.units)
    out.print(t)
    m = Table(title="Household measures (SR28)")
    m.add_column("Amount", justify="right")
    m.add_column("Measure")
    m.add_column("Grams", justify="right")
    for meas in food.measures:
        m.add_row(f"{meas.amount:g}", meas.description, f"{meas.grams:g}")
    out.print(m)


@app.command("parse")
def parse_cmd(
    line: Annotated[str, typer.Argument(help="A diary line, e.g. '1/2 cup boiled spinach'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Understand one free-text diary line: food, amount, unit, grams and nutrients."""
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
        f"[bold]{p.amount:g} {p.unit}[/] of [cyan]{p.food.id}[/] {p.food.description} "
        f"= [bold]{p.grams:.1f} g[/]  (confidence {p.confidence:.2f})"
    )
    for note in p.notes:
        out.print(f"  [yellow]note:[/] {note}")
    t = Table(show_header=True)
    t.add_column("Nutrient")
    t.add_column("Amount", justify="right")
    for n in infos:
        v = nutrients[n.key]
        t.add_row(f"{n.label} [{n.units}]", "unknown" if v is None else f"{v:.4g}")
    out.print(t)
    if p.alternatives:
        out.print(
            "[dim]Other matches:[/] "
            + "; ".join(f"{h.id} {h.description}" for h in p.alternatives[:3])
        )


def _cell(t: NutrientTotal) -> str:
    if t.value is None:
        return "unknown"
    s = f"{t.value:,.1f}" if abs(t.value) >= 10 else f"{t.value:.3g}"
    return s if t.complete else f"≥{s}"


_COMPACT = ("magnesium_mg", "calcium_mg", "zinc_mg", "energy_kcal")


def _print_report(report: IntakeReport, by: ByChoice, compact: bool) -> None:
    infos = report.nutrients
    cols = [j for j, n in enumerate(infos) if not compact or n.key in _COMPACT]
    if by is ByChoice.day:
        t = Table(title="Nutrient intake per day (≥: lower bound, some lines have no SR28 value)")
        t.add_column("Nutrient")
        t.add_column("Unit", style="dim")
        for d, _ in report.days:
            t.add_column(d.strftime("%a %d %b"), justify="right")
        t.add_column("Mean/day", justify="right", style="bold")
        mean = report.mean_daily()
        for j, n in enumerate(infos):
            t.add_row(n.label, n.units, *[_cell(d[1][j]) for d in report.days], _cell(mean[j]))
        out.print(t)
    elif by is ByChoice.meal:
        t = Table(title="Nutrient intake per meal")
        t.add_column("Date")
        t.add_column("Meal")
        for j in cols:
            t.add_column(f"{infos[j].label} [{infos[j].units}]", justify="right")
        for d, m, totals in report.meals:
            t.add_row(d.isoformat(), m, *[_cell(totals[j]) for j in cols])
        out.print(t)
    else:
        t = Table(title="Nutrient intake per line")
        t.add_column("Line", justify="right")
        t.add_column("Date")
        t.add_column("Food")
        t.add_column("g", justify="right")
        for j in cols:
            t.add_column(f"{infos[j].label} [{infos[j].units}]", justify="right")
        for e, row in zip(report.entries, report.values, strict=True):
            t.add_row(
                str(e.line),
                e.date.isoformat(),
                f"{e.description[:40]} ({e.food_id or 'from file'})",
                "?" if e.grams is None else f"{e.grams:.0f}",
                *["unknown" if np.isnan(row[j]) else f"{row[j]:.3g}" for j in cols],
            )
        out.print(t)
    gaps = [(n, tot) for n, tot in zip(infos, report.mean_daily(), strict=True) if not tot.complete]
    for n, tot in gaps:
        lines = ", ".join(str(x) for x in tot.missing_lines[:12])
        more = " ..." if len(tot.missing_lines) > 12 else ""
        out.print(
            f"[dim]coverage:[/] {n.label}: no value on {len(tot.missing_lines)} of "
            f"{tot.n_lines} lines ({lines}{more}); totals are lower bounds",
            highlight=False,
        )


def _load_diary(path: Path, fmt: str, skip_bad: bool, trust: str = "auto") -> Diary:
    """Read a diary for a command: every problem is printed with its line; the command stops
    (exit 1) unless ``skip_bad``, and then says how many lines it skipped."""
    if not path.is_file():
        _fail(f"diary file not found: {path}", code=2)
    try:
        d = read_diary(path, fmt, trust=trust)  # type: ignore[arg-type]
    except DiaryError as e:
        for p in e.problems:
            err.print(f"[red]{path}:{p}[/]", highlight=False)
        _fail(f"{path} could not be read", code=1)
        raise
    if d.problems and not skip_bad:
        for p in d.problems:
            err.print(f"[red]{path}:[/]{p}", highlight=False)
        _fail(
            f"{len(d.problems)} of {d.n_lines} diary lines could not be used; nothing was computed",
            hints=["fix the lines above, or rerun with --skip-bad to use the rest"],
        )
    if d.problems:
        err.print(
            f"[yellow]warning:[/] skipped {len(d.problems)} of {d.n_lines} lines "
            "(--skip-bad): " + ", ".join(str(p.line) for p in d.problems),
            highlight=False,
        )
    if not d.entries:
        _fail(f"{path} has no usable lines", hints=["a diary needs date and food columns"])
    return d


def _load_profile(path: Path) -> Profile:
    """Read a profile for a command: every bad field is printed; exit 1 (2 if missing)."""
    from magnerve.profile import ProfileError, load_profile

    if not path.is_file():
        _fail(f"profile file not found: {path}", code=2)
    try:
        return load_profile(path)
    except ProfileError as e:
        for field_path, msg in e.errors:
            err.print(f"[red]{path}: {field_path}:[/] {escape(msg)}", highlight=False)
        _fail(f"{path} has {len(e.errors)} problem(s)", hints=["see docs/profile.md"])
        raise


@app.command("intake")
def intake_cmd(
    diary: Annotated[Path, typer.Argument(help="Diary file: CSV, JSON or Cronometer export.")],
    fmt: Annotated[
        DiaryFormatChoice, typer.Option("--format", "-f", help="Diary format.")
    ] = DiaryFormatChoice.auto,
    nutrient: Annotated[
        list[str] | None,
        typer.Option(
            "--nutrient",
            "-n",
            help="Nutrient to report (key, SR28 number or tagname); repeat for more. "
            "Default: magnesium and its partners.",
        ),
    ] = None,
    by: Annotated[ByChoice, typer.Option("--by", help="Table rows.")] = ByChoice.day,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Skip lines that cannot be used (and say how many).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    review: Annotated[
        bool,
        typer.Option(
            "--review",
            help="List the lines whose food match is uncertain, with alternatives; choose one "
            "to save it as your alias (the same line then resolves the same way next time).",
        ),
    ] = False,
    trust: Annotated[
        TrustChoice,
        typer.Option(
            "--trust",
            help="Cronometer rows with both an SR28 match and their own values: auto (SR28 "
            "unless the match is weak or the figures disagree), export or sr28.",
        ),
    ] = TrustChoice.auto,
    interactive: Annotated[
        bool | None,
        typer.Option(
            "--interactive/--no-interactive",
            help="With --review: ask for a choice per line (default: when the terminal is "
            "interactive).",
        ),
    ] = None,
) -> None:
    """Nutrient totals of a food diary per day (or meal or line), with coverage."""
    try:
        infos = resolve_nutrients(nutrient)
    except KeyError as e:
        _fail(str(e.args[0]), code=2)
        return
    if review:
        if not diary.is_file():
            _fail(f"diary file not found: {diary}", code=2)
        try:
            rd = read_diary(diary, fmt.value, trust=trust.value)
        except DiaryError as e:
            for pr in e.problems:
                err.print(f"[red]{diary}:[/]{escape(str(pr))}", highlight=False)
            _fail(f"{diary} could not be read", code=1)
            return
        _review(rd, as_json, sys.stdin.isatty() if interactive is None else interactive)
        return
    d = _load_diary(diary, fmt.value, skip_bad, trust.value)
    report = intake(d, [n.key for n in infos])
    if as_json:
        data = report.to_dict()
        data["source"] = str(diary)
        data["skipped"] = [p.to_dict() for p in d.problems]
        data["format"] = d.format
        data["kind"] = d.kind
        data["supplements"] = [x.to_dict() for x in d.supplements]
        data["export_checks"] = [c.to_dict() for c in d.checks]
        data["disagreements"] = [c.line for c in d.disagreements]
        data["diary_notes"] = list(d.notes)
        _emit_json(data)
        return
    out.print(
        f"[bold]{diary}[/]: {len(report.entries)} lines, {len(report.days)} day(s)"
        + (f", {len(d.problems)} skipped" if d.problems else ""),
        highlight=False,
    )
    low = [e for e in report.entries if e.parsed is not None and e.parsed.notes]
    from_file = [e for e in report.entries if e.parsed is None]
    _print_report(report, by, compact=not nutrient)
    if low:
        out.print(f"[dim]{len(low)} line(s) carry assumptions; see --by line or --json.[/]")
    if from_file:
        out.print(
            f"[yellow]{len(from_file)} line(s) have no SR28 match and use the nutrient values "
            "in the file:[/] " + escape(", ".join(f"{e.line} {e.name}" for e in from_file)),
            highlight=False,
        )
    for flag in report.plausibility:
        out.print(f"[yellow]check:[/] {escape(flag['message'])}", highlight=False)
    for sup in d.supplements:
        mg = f", {sup.elemental_mg:.0f} mg magnesium" if sup.elemental_mg else ""
        out.print(
            f"[cyan]supplement[/] line {sup.line}: {escape(sup.name)}{mg} (counted as a "
            "supplement, not food)",
            highlight=False,
        )
    for c in d.disagreements:
        out.print(
            f"[yellow]export and SR28 disagree[/] line {c.line}: {escape(c.name)} — "
            f"{escape(c.reason)} (choose with --trust export|sr28)",
            highlight=False,
        )
    for note in d.notes:
        out.print(f"[dim]note: {escape(note)}[/]", highlight=False)


@dataclass(frozen=True)
class _ReviewItem:
    line: int
    text: str  # the food text the alias is keyed on
    food_id: str | None
    description: str | None
    confidence: float | None
    alternatives: list[tuple[str, str]]


def _review_items(d: Diary) -> list[_ReviewItem]:
    """Uncertain matches: entries flagged ``uncertain`` and lines refused as uncertain."""
    items = []
    for e in d.entries:
        p = e.parsed
        from_alias = p is not None and any(n.startswith("food from your alias") for n in p.notes)
        if p is not None and p.uncertain and not from_alias:
            items.append(
                _ReviewItem(
                    e.line,
                    e.name or p.text,
                    p.food.id,
                    p.food.description,
                    p.confidence,
                    [(h.id, h.description) for h in p.alternatives[:5]],
                )
            )
    for pr in d.problems:
        if not pr.reason.startswith("uncertain match") or not pr.suggestions:
            continue
        alts = []
        for sug in pr.suggestions[:6]:
            ndb, _, desc = sug.partition(" ")
            if ndb.isdigit():
                alts.append((ndb, desc))
        text = getattr(pr, "food", "") or pr.text
        items.append(_ReviewItem(pr.line, text, None, None, None, alts[:5]))
    return sorted(items, key=lambda i: i.line)


def _review(d: Diary, as_json: bool, interactive: bool) -> None:
    """The review step: uncertain matches with their alternatives; choices become aliases."""
    from magnerve.foods import add_alias, alias_path

    items = _review_items(d)
    if as_json:
        _emit_json(
            {
                "flagged": [
                    {
                        "line": i.line,
                        "text": i.text,
                        "food": None
                        if i.food_id is None
                        else {"id": i.food_id, "description": i.description},
                        "confidence": None if i.confidence is None else round(i.confidence, 3),
                        "alternatives": [{"id": a, "description": b} for a, b in i.alternatives],
                    }
                    for i in items
                ],
                "alias_file": str(alias_path()),
            }
        )
        return
    if not items:
        out.print("Every line matched its food with confidence: nothing to review.")
        return
    out.print(f"[bold]{len(items)} line(s) to review[/] (uncertain food match):", highlight=False)
    saved = 0
    for it in items:
        now = (
            f" → {escape(it.description or '')} [dim]({it.food_id}; confidence "
            f"{it.confidence:.2f})[/]"
            if it.food_id is not None and it.confidence is not None
            else " [dim](not used: too uncertain)[/]"
        )
        out.print(f"\nline {it.line}: [bold]{escape(it.text)}[/]{now}", highlight=False)
        for k, (ndb, desc) in enumerate(it.alternatives, 1):
            out.print(f"  {k}. {escape(desc)} [dim]({ndb})[/]", highlight=False)
        if not interactive:
            continue
        answer = typer.prompt(
            "choose a number, 0 to keep the match, an SR28 NDB number, or Enter to skip",
            default="",
            show_default=False,
        ).strip()
        chosen: str | None = None
        if answer == "0" and it.food_id is not None:
            chosen = it.food_id
        elif answer.isdigit() and len(answer) <= 2 and 1 <= int(answer) <= len(it.alternatives):
            chosen = it.alternatives[int(answer) - 1][0]
        elif answer:
            try:
                chosen = get_food(answer).id
            except KeyError:
                err.print(f"[yellow]not an SR28 food: {escape(answer)}; skipped[/]")
        if chosen is not None:
            add_alias(it.text, chosen)
            saved += 1
    if interactive:
        out.print(
            f"\n{saved} alias(es) saved to {alias_path()}: these lines now resolve the same way "
            "next time.",
            highlight=False,
        )
    else:
        out.print(
            '\nTo fix a line: magnerve alias add "TEXT" NDB (or rerun with --interactive).',
            highlight=False,
        )


alias_app = typer.Typer(
    help="Your food aliases: typed text that always means one SR28 food.", no_args_is_help=True
)
app.add_typer(alias_app, name="alias")


@alias_app.command("add")
def alias_add_cmd(
    text: Annotated[str, typer.Argument(help="The food text as you type it.")],
    food_id: Annotated[str, typer.Argument(help="SR28 NDB number (see magnerve foods search).")],
) -> None:
    """Save an alias: TEXT will always mean this SR28 food."""
    from magnerve.foods import add_alias, alias_path

    try:
        food = get_food(food_id)
    except KeyError:
        _fail(f"no SR28 food {food_id!r}", hints=["find it with: magnerve foods search WORDS"])
        return
    try:
        key = add_alias(text, food.id)
    except ValueError as e:
        _fail(str(e), code=2)
        return
    out.print(
        f"{escape(key)!s} → {escape(food.description)} ({food.id}); saved in {alias_path()}",
        highlight=False,
    )


@alias_app.command("list")
def alias_list_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List your aliases."""
    from magnerve.foods import alias_path, load_aliases

    al = load_aliases()
    if as_json:
        _emit_json({"file": str(alias_path()), "aliases": al})
        return
    if not al:
        out.print(f"no aliases yet ({alias_path()})", highlight=False)
    for k, v in sorted(al.items()):
        out.print(f"{escape(k)} → {escape(get_food(v).description)} ({v})", highlight=False)


@alias_app.command("remove")
def alias_remove_cmd(
    text: Annotated[str, typer.Argument(help="The food text of the alias.")],
) -> None:
    """Remove an alias."""
    from magnerve.foods import remove_alias

    if not remove_alias(text):
        _fail(f"no alias for {text!r}", code=1)
    out.print("removed")


class SexChoice(StrEnum):
    female = "female"
    male = "male"


@app.command("adequacy")
def adequacy_cmd(
    mean_intake: Annotated[
        float, typer.Option("--mean-intake", help="Observed mean intake [mg/day].", min=0)
    ],
    age: Annotated[float, typer.Option("--age", help="Age [years].", min=0, max=130)],
    sex: Annotated[SexChoice, typer.Option("--sex", help="female or male.")],
    days: Annotated[int, typer.Option("--days", help="Days of intake observed.", min=1)] = 1,
    nutrient: Annotated[str, typer.Option("--nutrient", help="Nutrient.")] = "magnesium",
    within_sd: Annotated[
        float | None,
        typer.Option(
            "--within-sd", help="Day-to-day SD of intake [mg/day]; default: IOM table.", min=0
        ),
    ] = None,
    target_confidence: Annotated[
        float | None,
        typer.Option(
            "--target-confidence",
            help="Also give the mean intake needed for this confidence (0-1).",
        ),
    ] = None,
    pregnant: Annotated[bool, typer.Option("--pregnant")] = False,
    lactating: Annotated[bool, typer.Option("--lactating")] = False,
    authority: Annotated[str, typer.Option("--authority", help="iom (EAR needed).")] = "iom",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Confidence that usual intake is adequate (IOM 2000 individual method)."""
    from magnerve.adequacy import assess_individual
    from magnerve.requirements import RequirementError

    if target_confidence is not None and not 0 < target_confidence < 1:
        _fail("--target-confidence must be between 0 and 1, e.g. 0.975", code=2)
    try:
        res, ref, src = assess_individual(
            nutrient,
            mean_intake,
            days,
            age=age,
            sex=sex.value,
            pregnant=pregnant,
            lactating=lactating,
            within_person_sd=within_sd,
            target_confidence=target_confidence,
            authority=authority,
        )
    except (RequirementError, ValueError) as e:
        _fail(str(e), code=2)
        return
    data = {
        **res.to_dict(),
        "nutrient": nutrient,
        "unit": ref.unit,
        "rda": ref.rda,
        "life_stage": ref.life_stage,
        "authority": ref.authority,
        "reference_source": ref.source,
        "within_person_sd_source": src,
        "method": "IOM 2000 Applications in Dietary Assessment, individual assessment (z-score)",
    }
    if target_confidence is None:
        data.pop("required_mean_intake")
        data.pop("target_confidence")
    if as_json:
        _emit_json(data)
        return
    out.print(
        f"[bold]{nutrient}[/] {ref.life_stage} ({ref.authority}): EAR {res.ear:g}, RDA "
        f"{ref.rda:g} {ref.unit}; SD of requirement {res.requirement_sd:g}; day-to-day SD "
        f"{res.within_person_sd:g} ({escape(src)})",
        highlight=False,
    )
    out.print(
        f"Mean {res.mean_intake:g} {ref.unit} over {res.n_days} day(s): D = {res.d:.1f}, "
        f"SD_D = {res.sd_d:.1f}, z = {res.z:.2f} -> "
        f"[bold]{res.confidence_adequate:.0%}[/] confidence that usual intake is adequate.",
        highlight=False,
    )
    if res.required_mean_intake is not None:
        out.print(
            f"For {target_confidence:.1%} confidence with {res.n_days} day(s): a mean of "
            f"{res.required_mean_intake:.0f} {ref.unit} is needed.",
            highlight=False,
        )


@app.command("mds")
def mds_cmd(
    sex: Annotated[SexChoice, typer.Option("--sex", help="female or male.")],
    diuretic: Annotated[bool, typer.Option("--diuretic", help="Current diuretic use.")] = False,
    ppi: Annotated[bool, typer.Option("--ppi", help="Current proton-pump inhibitor use.")] = False,
    egfr: Annotated[
        float | None, typer.Option("--egfr", help="eGFR [mL/min/1.73 m2].", min=0)
    ] = None,
    creatinine: Annotated[
        float | None,
        typer.Option(
            "--creatinine", help="Serum creatinine [mg/dL] (eGFR by CKD-EPI 2021).", min=0
        ),
    ] = None,
    age: Annotated[
        float | None, typer.Option("--age", help="Age [years], with --creatinine.")
    ] = None,
    drinks_per_day: Annotated[
        float, typer.Option("--drinks-per-day", help="Usual alcoholic drinks per day.", min=0)
    ] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Magnesium Depletion Score (Fan et al. 2021): diuretic, PPI, kidney function, alcohol."""
    from magnerve.clinical import egfr_ckd_epi_2021, magnesium_depletion_score

    if egfr is None and creatinine is not None:
        if age is None:
            _fail("--creatinine needs --age to compute eGFR (CKD-EPI 2021)", code=2)
            return
        try:
            egfr = egfr_ckd_epi_2021(creatinine, age, sex.value)
        except ValueError as e:
            _fail(str(e), code=2)
    try:
        res = magnesium_depletion_score(
            diuretic=diuretic, ppi=ppi, egfr=egfr, drinks_per_day=drinks_per_day, sex=sex.value
        )
    except ValueError as e:
        _fail(str(e), code=2)
        return
    data = {**res.to_dict(), "egfr": egfr}
    if as_json:
        _emit_json(data)
        return
    parts = ", ".join(f"{k} {v}" for k, v in res.components.items())
    out.print(f"Magnesium Depletion Score [bold]{res.score}[/] of 5 (group {res.group}): {parts}")
    for n in res.notes:
        out.print(f"  [yellow]note:[/] {n}")
    out.print("[dim]Screening aid, not a diagnosis. Fan et al. J Nutr 2021;151:2226.[/]")


def _print_assessment(data: dict[str, Any]) -> None:
    from magnerve._text import format_probability

    m = data["intake"]["mean"]
    ref = data["reference_intakes"]["magnesium"]
    out.print(
        "[bold]Magnesium assessment[/] — screening and education, not diagnosis", highlight=False
    )
    out.print(
        f"Intake {m['total_mg'] or 0:.0f} mg/day (food {m['food_mg'] or 0:.0f}, water "
        f"{m['water_mg'] or 0:.0f}, supplements {m['supplements_mg'] or 0:.0f}) over "
        f"{data['intake']['n_days']} days; EAR {ref['ear']}, RDA {ref['rda']} mg/day "
        f"({ref['life_stage']}).",
        highlight=False,
    )
    ad = data["adequacy"]
    if ad and ad.get("declined"):
        out.print(
            f"Individual adequacy method not used: {escape(ad['declined'])}.", highlight=False
        )
    elif ad:
        out.print(
            "Confidence that usual intake is adequate: "
            f"[bold]{format_probability(ad['confidence_adequate'])}[/] "
            f"(z = {ad['z']:.2f}); {ad['required_mean_intake']:.0f} mg/day would give 97.5 %.",
            highlight=False,
        )
    a = data["absorption"]
    re_ad = data.get("adequacy_reference_equivalent") or {}
    sens = (
        f"; if your meals absorb less than usual, confidence "
        f"{format_probability(re_ad['confidence_adequate'])}"
        if re_ad.get("confidence_adequate") is not None
        else ""
    )
    out.print(
        f"Absorption (a sensitivity, model): {a['mean_absorbed_mg']:.0f} mg/day absorbed; "
        f"effective intake about {a['effective_intake_mg'] or 0:.0f} mg/day{sens}.",
        highlight=False,
    )
    k = data.get("kidney") or {}
    if k.get("stage"):
        out.print(f"Kidney: {escape(k['label'])} ({escape(k['source'])}).", highlight=False)
    e = data.get("energy_reporting") or {}
    if e.get("magnesium_mg_per_1000_kcal") is not None:
        out.print(
            f"Energy {e['energy_kcal']:.0f} kcal/day; magnesium density "
            f"{e['magnesium_mg_per_1000_kcal']:.0f} mg per 1,000 kcal.",
            highlight=False,
        )
    mds = data["mds"]
    out.print(f"Magnesium Depletion Score {mds['score']}/5 (group {mds['group']}).")
    if data["serum"]:
        out.print(f"Serum: {escape(data['serum']['message'])}.", highlight=False)
    t = Table(title="Findings (most important first)")
    t.add_column("Severity")
    t.add_column("Finding")
    t.add_column("Evidence")
    colors = {"urgent": "bold red", "high": "red", "moderate": "yellow", "low": "green"}
    for f in data["findings"]:
        t.add_row(
            f"[{colors.get(f['severity'], 'white')}]{f['severity']}[/]",
            f"[bold]{escape(f['title'])}[/]\n{escape(f['message'])}",
            escape(f["strength_of_evidence"]),
        )
    out.print(t)
    for n in data["notes"]:
        out.print(f"[dim]note: {escape(n)}[/]", highlight=False)


def _run_assessment(
    diary_path: Path | None, profile_path: Path | None, skip_bad: bool
) -> dict[str, Any]:
    from magnerve.assessment import assess
    from magnerve.datasets import load_demo

    if diary_path is None or profile_path is None:
        d, prof = load_demo()
        return assess(d, prof).to_dict()
    prof = _load_profile(profile_path)
    d = _load_diary(diary_path, "auto", skip_bad)
    try:
        return assess(d, prof).to_dict()
    except ValueError as e:
        _fail(str(e))
        raise


@app.command("assess")
def assess_cmd(
    diary: Annotated[Path, typer.Argument(help="Diary file (CSV, JSON, Cronometer).")],
    profile: Annotated[Path, typer.Option("--profile", "-p", help="Profile (TOML or JSON).")],
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Skip bad diary lines.")] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write a self-contained HTML report.")
    ] = None,
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="Also write a PDF report (extra magnerve[pdf]).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Assess magnesium status: intake, absorption, adequacy, markers, findings."""
    data = _run_assessment(diary, profile, skip_bad)
    if html is not None:
        from magnerve.report import render_html

        html.write_text(render_html(data), encoding="utf-8")
    if pdf is not None:
        _write_pdf(data, pdf)
    if as_json:
        _emit_json(data)
        return
    _print_assessment(data)
    if html is not None:
        out.print(f"Report written to [bold]{html}[/]")


def _write_pdf(data: dict[str, Any], path: Path) -> None:
    from magnerve.report import PDFUnavailableError, write_pdf

    try:
        write_pdf(data, str(path))
    except PDFUnavailableError as e:
        _fail(str(e), code=2)


@app.command("plan")
def plan_cmd(
    diary: Annotated[Path, typer.Argument(help="Diary file (CSV, JSON, Cronometer).")],
    profile: Annotated[Path, typer.Option("--profile", "-p", help="Profile (TOML or JSON).")],
    pattern: Annotated[
        str, typer.Option("--pattern", help="omnivore, pescatarian, vegetarian or vegan.")
    ] = "omnivore",
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            help="tree_nuts, peanuts, gluten, soy, dairy, fish, shellfish, egg; repeat for more.",
        ),
    ] = None,
    exclude_food: Annotated[
        list[str] | None, typer.Option("--exclude-food", help="Word of a food never to suggest.")
    ] = None,
    no_supplements: Annotated[
        bool, typer.Option("--no-supplements", help="Plan with food only.")
    ] = False,
    target: Annotated[
        str, typer.Option("--target", help="ear, rda, or a confidence such as 0.9.")
    ] = "rda",
    fewest_changes: Annotated[
        bool, typer.Option("--fewest-changes", help="Prefer fewer new foods.")
    ] = False,
    all_foods: Annotated[
        bool, typer.Option("--all-foods", help="Consider all SR28 foods, not only generic ones.")
    ] = False,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Skip bad diary lines.")] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the plan as HTML.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Optimise the diet (and optionally a supplement) to reach a magnesium target, safely."""
    from magnerve.plan import PlanError, make_plan

    prof = _load_profile(profile)
    d = _load_diary(diary, "auto", skip_bad)
    tgt: str | float = target
    if target not in ("ear", "rda"):
        try:
            tgt = float(target)
        except ValueError:
            _fail("--target must be ear, rda or a confidence such as 0.9", code=2)
    try:
        plan = make_plan(
            d,
            prof,
            pattern=pattern,
            exclude=exclude or (),
            exclude_foods=exclude_food or (),
            supplements=not no_supplements,
            target=tgt,
            fewest_changes=fewest_changes,
            scope="all" if all_foods else "filtered",
        )
    except PlanError as e:
        _fail(str(e), code=2)
        return
    data = plan.to_dict()
    if html is not None:
        from magnerve.report import render_plan_html

        html.write_text(render_plan_html(data), encoding="utf-8")
    if as_json:
        _emit_json(data)
        return
    _print_plan(data)


def _print_plan(data: dict[str, Any]) -> None:
    """The plan in plain words (status, summary, steps with reasons, supplement, before/after)."""
    from magnerve._text import format_probability

    b, a = data["before"], data["after"]
    out.print(
        f"[bold]Magnesium plan[/] ({data['status']}) — education, not medical advice",
        highlight=False,
    )
    t = data["target"]
    out.print(f"Target: magnesium intake ≥ {t['magnesium_mg']:.0f} mg/day ({t['kind']}).")
    if data.get("summary"):
        out.print(escape(data["summary"]), highlight=False)
    if data["status"] == "refer":
        r = data["referral"] or {}
        out.print(
            f"[bold red]Please see {escape(str(r.get('to')))}[/]: {escape(str(r.get('reason')))}"
        )
    elif data["status"] != "optimal":
        out.print("[red]No plan meets every rule:[/]")
        for c in data["conflicts"]:
            out.print(f"  - {escape(str(c.get('message', c.get('constraint'))))}", highlight=False)
    n = 0
    for sc in data.get("supplement_changes", []):
        n += 1
        to = sc.get("to_mg_per_day")
        dose = f" to {to:.0f} mg/day" if to is not None else ""
        out.print(
            f"{n}. Your supplement {escape(sc['supplement'])}: {sc['action']}{dose} — "
            f"{escape(sc['reason'])}",
            highlight=False,
        )
    for step in data["steps"]:
        n += 1
        out.print(f"{n}. {escape(step)}", highlight=False)
    if data["supplement"]:
        s = data["supplement"]
        n += 1
        who = " [bold]with your clinician[/]" if s.get("with_clinician") else ""
        out.print(
            f"{n}. Magnesium {s['form']}{who}: {s['elemental_mg_per_day']:.0f} mg elemental a day "
            f"in {s['times_per_day']} dose(s) ({s['elemental_mg_per_dose']:.0f} mg each), below "
            f"the upper level — {escape(s['reason'])}; {escape(s['note'])}.",
            highlight=False,
        )
        if s.get("monitor"):
            out.print("   Monitor: " + escape("; ".join(s["monitor"])), highlight=False)
    if a is not None and data["status"] == "optimal":
        tab = Table(title="Before and after")
        tab.add_column("")
        tab.add_column("Before", justify="right")
        tab.add_column("After", justify="right")
        tab.add_row(
            "Magnesium intake [mg/day]", f"{b['magnesium_mg']:.0f}", f"{a['magnesium_mg']:.0f}"
        )

        def conf(v: float | None) -> str:
            return "—" if v is None else format_probability(v)

        tab.add_row(
            "Confidence intake is adequate",
            conf(b["confidence_adequate"]),
            conf(a["confidence_adequate"]),
        )
        tab.add_row(
            "Absorbed (model) [mg/day]", f"{b['absorbed_mg']:.0f}", f"{a['absorbed_mg']:.0f}"
        )
        out.print(tab)
        wc = data["worst_case"]
        if wc:
            out.print(
                "If your meals absorb less than usual (absorption model, low end): about "
                f"{wc['worst_effective_intake_mg']:.0f} mg/day "
                f"({'still meets' if wc['meets_target_in_worst_case'] else 'below'} the target)."
            )
    for note in data["notes"]:
        out.print(f"[dim]note: {escape(note)}[/]", highlight=False)
    if data["status"] not in ("optimal", "refer"):
        raise typer.Exit(1)


def _models(data: dict[str, Any], plan: dict[str, Any] | None, profile: Profile) -> dict[str, Any]:
    """Model results for the report's nerve section (nerve sweep, homeostasis series)."""
    from magnerve.physiology.homeostasis import body_inputs, modifiers_for, simulate
    from magnerve.physiology.nerve import simulate_sweep

    sweep = simulate_sweep([0.3, 0.5, 0.8, 1.0, 1.2], 1.0)
    now = data["absorption"]["mean_absorbed_mg"] or 0.0
    mods, _ = modifiers_for(profile, data["intake"]["nutrients_mean"].get("caffeine_mg"))
    egfr = data.get("egfr") or {}
    body = body_inputs(profile, egfr.get("value"), egfr.get("source"))
    series = {
        name: simulate(
            absorbed,
            120,
            start_absorbed_mg=now,
            mods=mods,
            egfr=body.egfr,
            weight_kg=body.weight_kg,
            initial_serum_mmol_l=body.initial_serum_mmol_l,
        ).to_dict()
        for name, absorbed in [("current intake", now)]
        + ([("plan", plan["after"]["absorbed_mg"])] if plan and plan.get("after") else [])
    }
    return {"nerve": sweep.to_dict(), "homeostasis": series}  # type: ignore[union-attr]


@app.command("demo")
def demo_cmd(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the HTML report.")
    ] = Path("magnerve-demo-report.html"),
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="Also write a PDF report (extra magnerve[pdf]).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead.")] = False,
) -> None:
    """Assess the bundled example person (58 y, type 2 diabetes, PPI + thiazide, soft water,
    a week of meals) and write the HTML report."""
    from magnerve.report import render_html

    data = _run_assessment(None, None, False)
    if as_json:
        _emit_json(data)
        return
    _print_assessment(data)
    from magnerve.datasets import load_demo
    from magnerve.plan import make_plan

    diary, profile = load_demo()
    plan = make_plan(diary, profile).to_dict()
    out.print("[bold]Plan[/] (details: magnerve plan --help):")
    for i, step in enumerate(plan["steps"], 1):
        out.print(f"  {i}. {escape(step)}", highlight=False)
    output.write_text(render_html(data, plan, _models(data, plan, profile)), encoding="utf-8")
    out.print(f"Report written to [bold]{output}[/]")
    if pdf is not None:
        _write_pdf(data, pdf)
        out.print(f"PDF written to [bold]{pdf}[/]")


@app.command("simulate")
def simulate_cmd(
    diary: Annotated[Path, typer.Argument(help="Diary file (CSV, JSON, Cronometer).")],
    profile: Annotated[Path, typer.Option("--profile", "-p", help="Profile (TOML or JSON).")],
    days: Annotated[float, typer.Option("--days", help="Days to simulate.", min=1, max=3650)] = 120,
    with_plan: Annotated[
        bool, typer.Option("--plan", help="Also simulate the optimised plan.")
    ] = False,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="SVG chart of serum and total body Mg.")
    ] = Path("magnerve-simulation.svg"),
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Skip bad diary lines.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (the series).")] = False,
) -> None:
    """Simulate serum and body magnesium over time for the current intake (and the plan)."""
    from magnerve.assessment import assess
    from magnerve.physiology.homeostasis import (
        body_inputs,
        modifiers_for,
        simulate,
        steady_state,
    )

    prof = _load_profile(profile)
    d = _load_diary(diary, "auto", skip_bad)
    a = assess(d, prof)
    absorbed_now = a.to_dict()["absorption"]["mean_absorbed_mg"] or 0.0
    mods, notes = modifiers_for(prof, a.nutrients_mean.get("caffeine_mg"))
    body = body_inputs(prof, a.egfr, a.egfr_source)
    scen = {"current intake": absorbed_now}
    if with_plan:
        from magnerve.plan import make_plan

        plan = make_plan(d, prof)
        if plan.after is not None:
            scen["plan"] = plan.after["absorbed_mg"]
    series = {}
    for name, absorbed in scen.items():
        series[name] = simulate(
            absorbed,
            days,
            start_absorbed_mg=absorbed_now,
            mods=mods,
            egfr=body.egfr,
            weight_kg=body.weight_kg,
            initial_serum_mmol_l=body.initial_serum_mmol_l,
        ).to_dict()
    data: dict[str, Any] = {
        "model": "three-pool magnesium homeostasis model (pools scaled to body weight, GFR from "
        "eGFR when known); a model, not a measurement",
        "absorbed_mg_per_day": scen,
        "steady_state": {
            k: steady_state(v, mods, egfr=body.egfr, weight_kg=body.weight_kg)
            for k, v in scen.items()
        },
        "modifiers": notes,
        "series": series,
        **body.to_dict(series["current intake"]["serum_mmol_l"][0]),
    }
    if chart is not None:
        from magnerve.report import charts

        chart.write_text(charts.homeostasis(series), encoding="utf-8")
    if as_json:
        _emit_json(data)
        return
    t = Table(title=f"Simulated {days:g} days (a model, not a measurement)")
    t.add_column("Scenario")
    t.add_column("Absorbed [mg/day]", justify="right")
    t.add_column("Serum day 0 → end [mmol/L]", justify="right")
    t.add_column("Steady-state serum", justify="right")
    t.add_column("Urine at end [mg/day]", justify="right")
    for name, tr in series.items():
        t.add_row(
            name,
            f"{scen[name]:.0f}",
            f"{tr['serum_mmol_l'][0]:.3f} → {tr['serum_mmol_l'][-1]:.3f}",
            f"{data['steady_state'][name]['serum_mmol_l']:.3f}",
            f"{tr['urine_mg'][-1]:.0f}",
        )
    out.print(t)
    for n in notes:
        out.print(f"[dim]modifier: {n}[/]", highlight=False)
    out.print(f"[dim]person: {escape(body.summary())}[/]", highlight=False)
    for n in body.notes:
        out.print(f"[dim]note: {escape(n)}[/]", highlight=False)
    if chart is not None:
        out.print(f"Chart written to [bold]{chart}[/]")


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


def main() -> None:
    """Entry point of the ``magnerve`` console script."""
    app()


if __name__ == "__main__":
    main()
