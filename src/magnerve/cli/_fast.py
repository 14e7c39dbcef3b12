"""Command-line pieces that must not import typer (nor pydantic, which typer loads to coerce
every option): JSON output and the food search.

``magnerve foods search WORDS`` is the command people run most often and expect at once, so
:func:`run_fast` answers its plain forms (``[--limit N | -l N | --limit=N] [--json]``) before
typer is imported; anything else (help, a bad option, ``--debug``) goes through typer as
usual, which prints the same output.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

__all__ = ["dumps_json", "emit_json", "run_fast", "show_search"]

# orjson writes a float below 1e-4 in magnitude differently from Python ("0.00001" and
# "1e-9" against "1e-05" and "1e-09"): if its output has a number that may be one, the
# standard encoder writes the document instead (a string containing such text costs speed
# only, never a difference).
_NEGATIVE_EXPONENT = re.compile(rb"e-[0-9]")


def _orjson_differs(raw: bytes) -> bool:
    if raw.find(b"0.0000") >= 0:
        return True
    return any(
        m.start() > 0 and raw[m.start() - 1 : m.start()].isdigit()
        for m in _NEGATIVE_EXPONENT.finditer(raw)
    )


def _finite(data: Any) -> Any:
    """``data`` with every non-finite float replaced by None (JSON has no NaN or Infinity)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(v) for v in data]
    return data


def _orjson_bytes(data: Any) -> bytes | None:
    """orjson's indented JSON of ``data`` when it is installed and writes it as Python would."""
    try:
        import orjson
    except ImportError:  # optional speed-up
        return None
    try:
        raw = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # a type orjson does not write (e.g. non-string keys)
        return None
    return None if _orjson_differs(raw) else raw


def dumps_json(data: Any) -> str:
    """The CLI's JSON text of ``data``: 2-space indent, UTF-8 kept, a final newline.

    Uses orjson when it is installed (about 20 times faster on a large diary) and the
    standard library otherwise; both give the same text, keys in order and floats as Python
    writes them. A non-finite float (NaN, Infinity) is written as ``null``: JSON has no
    such number.
    """
    raw = _orjson_bytes(data)
    if raw is not None:
        return raw.decode("utf-8")
    try:
        text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    except ValueError:
        text = json.dumps(_finite(data), indent=2, ensure_ascii=False, allow_nan=False)
    return text + "\n"


def emit_json(data: Any) -> None:
    """Write ``data`` as JSON to standard output (see :func:`dumps_json`)."""
    raw = _orjson_bytes(data)
    buffer = getattr(sys.stdout, "buffer", None)
    encoding = (getattr(sys.stdout, "encoding", "") or "").lower().replace("-", "")
    if raw is not None and buffer is not None and encoding == "utf8":
        sys.stdout.flush()  # the bytes go straight out: no second copy of a large document
        buffer.write(raw)
        buffer.flush()
        return
    sys.stdout.write(raw.decode("utf-8") if raw is not None else dumps_json(data))


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr)


def show_search(query: str, limit: int, as_json: bool, *, out: Any = None, err: Any = None) -> int:
    """Print the foods matching ``query`` (a table, or JSON); the exit code (1: no match)."""
    from magnerve.foods import search

    hits = search(query, limit)
    if as_json:
        emit_json([h.to_dict() for h in hits])
        return 0
    from rich.markup import escape

    if not hits:
        err = err if err is not None else _console(stderr=True)
        err.print(f"[bold red]error:[/] no food matches {escape(repr(query))}", highlight=False)
        err.print("  [dim]hint:[/] check the spelling or use fewer words", highlight=False)
        return 1
    from rich.table import Table

    table = Table(title=f"Foods matching {escape(repr(query))}")
    table.add_column("NDB", style="cyan", no_wrap=True)
    table.add_column("Description")
    table.add_column("Group", style="dim")
    table.add_column("Score", justify="right")
    for h in hits:
        table.add_row(h.id, escape(h.description), escape(h.food_group), f"{h.score:.2f}")
    (out if out is not None else _console()).print(table)
    return 0


_DIGITS = re.compile(r"[0-9]{1,6}")


def _search_args(args: list[str]) -> tuple[str, int, bool] | None:
    """(query, limit, as_json) of ``foods search`` arguments in a plain form, else None."""
    query: str | None = None
    limit, as_json, options = 10, False, True
    i = 0
    while i < len(args):
        a = args[i]
        value: str | None = None
        if options and a == "--":
            options = False
        elif options and a == "--json":
            as_json = True
        elif options and a in ("--limit", "-l"):
            if i + 1 >= len(args):
                return None
            i += 1
            value = args[i]
        elif options and a.startswith("--limit="):
            value = a.removeprefix("--limit=")
        elif options and a.startswith("-") and a != "-":
            return None  # --help, an unknown option, -l5: typer answers
        elif query is None:
            query = a
        else:
            return None  # a second argument: typer's usage error
        if value is not None:
            if not _DIGITS.fullmatch(value) or not 1 <= int(value) <= 200:
                return None
            limit = int(value)
        i += 1
    return None if query is None else (query, limit, as_json)


def run_fast(argv: list[str]) -> int | None:
    """Answer ``magnerve foods search ...`` (and ``magnerve intake FILE --json``, see
    :func:`magnerve.cli._intake_json.run_intake_json`) without typer; None when typer must
    answer.

    Parameters
    ----------
    argv : list of str
        The command-line arguments (``sys.argv[1:]``).

    Returns
    -------
    int or None
        The exit code, or None when the command is not one this fast path answers (or it
        failed unexpectedly: typer then runs it again and reports the error its usual way).
    """
    if argv[:1] == ["intake"] and "--debug" not in argv:  # intake FILE --json: no typer
        from magnerve.cli._intake_json import run_intake_json

        return run_intake_json(argv[1:])
    if len(argv) < 3 or argv[0] != "foods" or argv[1] != "search" or "--debug" in argv:
        return None
    parsed = _search_args(argv[2:])
    if parsed is None:
        return None
    try:
        return show_search(*parsed)
    except (KeyboardInterrupt, BrokenPipeError):
        return 130
    except Exception:  # reported by the full command line, with its error handling
        return None
