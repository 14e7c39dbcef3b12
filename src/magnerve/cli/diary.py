"""``magnerve intake`` (with the review step) and ``magnerve alias``."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from magnerve.cli._common import (
    ByChoice,
    DiaryFormatChoice,
    TrustChoice,
    _emit_json,
    _fail,
    _load_diary,
    _print_report,
    alias_app,
    app,
    check_diary_path,
    err,
    escape,
    out,
    warn_alias_file,
)

if TYPE_CHECKING:
    from magnerve.diary import Diary


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
    from magnerve.diary import DiaryError, read_diary
    from magnerve.intake import intake, resolve_nutrients

    try:
        infos = resolve_nutrients(nutrient)
    except KeyError as e:
        _fail(str(e.args[0]), code=2)
        return
    if review:
        check_diary_path(diary)
        try:
            rd = read_diary(diary, fmt.value, trust=trust.value)
        except DiaryError as e:
            for pr in e.problems:
                err.print(f"[red]{escape(diary)}:[/]{escape(str(pr))}", highlight=False)
            _fail(f"{diary} could not be read", code=1)
            return
        warn_alias_file(rd)
        _review(rd, as_json, sys.stdin.isatty() if interactive is None else interactive)
        return
    d = _load_diary(diary, fmt.value, skip_bad, trust.value)
    report = intake(d, [n.key for n in infos])
    if as_json:
        from magnerve.cli._intake_json import emit_intake_json

        # ``report.to_dict()`` and the diary's items, written as they are made: a 10-year
        # diary's lines, meals and days go out 1,000 at a time (the same bytes as the whole
        # object); ``magnerve intake FILE --json`` itself answers without typer (_fast.py)
        emit_intake_json(report, d, str(diary))
        return
    out.print(
        f"[bold]{escape(diary)}[/]: {len(report.entries)} lines, {len(report.days)} day(s)"
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
        text = pr.food or pr.text
        items.append(_ReviewItem(pr.line, text, None, None, None, alts[:5]))
    return sorted(items, key=lambda i: i.line)


def _review(d: Diary, as_json: bool, interactive: bool) -> None:
    """The review step: uncertain matches with their alternatives; choices become aliases."""
    from magnerve.foods import add_alias, alias_path, get_food

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
        elif (
            answer.isascii()
            and answer.isdigit()
            and len(answer) <= 2
            and 1 <= int(answer) <= len(it.alternatives)
        ):
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
            f"\n{saved} alias(es) saved to {escape(alias_path())}: these lines now resolve the "
            "same way next time.",
            highlight=False,
        )
    else:
        out.print(
            '\nTo fix a line: magnerve alias add "TEXT" NDB (or rerun with --interactive).',
            highlight=False,
        )


@alias_app.command("add")
def alias_add_cmd(
    text: Annotated[str, typer.Argument(help="The food text as you type it.")],
    food_id: Annotated[str, typer.Argument(help="SR28 NDB number (see magnerve foods search).")],
) -> None:
    """Save an alias: TEXT will always mean this SR28 food."""
    from magnerve.foods import add_alias, alias_path, get_food

    try:
        food = get_food(food_id)
    except KeyError:
        _fail(f"no SR28 food {food_id!r}", hints=["find it with: magnerve foods search WORDS"])
        return
    from magnerve.errors import InputError

    try:
        key = add_alias(text, food.id)
    except ValueError as e:  # no food words, too long (usage); the alias file (input)
        _fail(str(e), code=1 if isinstance(e, InputError) else 2)
        return
    out.print(
        f"{escape(key)!s} → {escape(food.description)} ({food.id}); saved in "
        f"{escape(alias_path())}",
        highlight=False,
    )


@alias_app.command("list")
def alias_list_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List your aliases."""
    from magnerve.foods import alias_path, get_food, load_aliases

    al = load_aliases()
    if as_json:
        _emit_json({"file": str(alias_path()), "aliases": al})
        return
    if not al:
        out.print(f"no aliases yet ({escape(alias_path())})", highlight=False)
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
