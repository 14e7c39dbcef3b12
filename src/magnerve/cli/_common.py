"""Shared pieces of the command-line interface: the typer apps, consoles, option choices,
errors and the diary/profile loaders. Heavy modules are imported inside functions, so that
``magnerve --help`` starts fast."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from magnerve import __version__
from magnerve.cli._json_stream import (  # the commands' JSON writer, re-exported
    _emit_json_items as _emit_json_items,
)
from magnerve.cli._json_stream import (
    _json_object_chunks as _json_object_chunks,
)
from magnerve.cli._json_stream import (
    _json_value_bytes as _json_value_bytes,
)
from magnerve.cli._json_stream import (
    _no_surrogates as _no_surrogates,
)

if TYPE_CHECKING:
    from rich.table import Table as RichTable

    from magnerve.diary import Diary
    from magnerve.intake import IntakeReport, NutrientTotal
    from magnerve.profile import Profile


class _LazyConsole:
    """A rich Console created on first use (importing rich costs ~30 ms at start-up).

    Made again when the stream or ``COLUMNS`` changed since (rich reads the width once, when
    the Console is made): a command run in-process after another, e.g. by a test runner that
    swaps ``sys.stdout`` and the environment, gets its own width.
    """

    def __init__(self, *, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Any = None
        self._made_for: tuple[object, str | None] | None = None

    def __getattr__(self, name: str) -> Any:
        stream = sys.stderr if self._stderr else sys.stdout
        key = (stream, os.environ.get("COLUMNS"))
        if self._console is None or self._made_for != key:
            from rich.console import Console

            # emoji=False: ":cat:" in a food name stays as written
            self._console = Console(stderr=self._stderr, emoji=False)
            self._made_for = key
        return getattr(self._console, name)


# Terminal control: CSI (ESC [ ... final, or the 8-bit CSI), OSC (ESC ] ... BEL or ST), other
# ESC sequences, then any remaining C0/C1 control character (but tab and newline) and the
# bidirectional overrides that can make a line read differently from what it holds.
_TERMINAL = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)


def clean(text: object) -> str:
    """``text`` as a string with terminal escape sequences and control characters removed
    (tab and newline kept): safe to echo to a terminal."""
    return _TERMINAL.sub("", str(text))


def escape(text: object) -> str:
    """User text ready to print with rich: terminal escape sequences removed (:func:`clean`)
    and rich markup escaped (``[/]``, ``[/red]`` print as written)."""
    from rich.markup import escape as _escape

    return _escape(clean(text))


def Table(*args: Any, **kwargs: Any) -> RichTable:
    """A rich Table (imported on first use)."""
    from rich.table import Table as _Table

    return _Table(*args, **kwargs)


app = typer.Typer(
    help="magnerve: magnesium intake and nerve health (screening and education, not diagnosis).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich costs ~120 ms per call
)


foods_app = typer.Typer(
    help="Search and inspect USDA SR28 foods.", no_args_is_help=True, rich_markup_mode=None
)


app.add_typer(foods_app, name="foods")


nerve_app = typer.Typer(
    help="Nerve-excitability model: NMDA magnesium block and a neuron sweep (a model).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


app.add_typer(nerve_app, name="nerve")


out = _LazyConsole(stderr=False)


err = _LazyConsole(stderr=True)


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
    """Write ``data`` as indented JSON (orjson when installed; NaN and Infinity as null).

    The whole document is encoded before anything is written, so a value that cannot be
    encoded never leaves half a document on standard output (a lone surrogate is written as
    U+FFFD).
    """
    raw = _json_value_bytes(data) + b"\n"
    buffer = getattr(sys.stdout, "buffer", None)
    encoding = (getattr(sys.stdout, "encoding", "") or "").lower().replace("-", "")
    if buffer is not None and encoding == "utf8":
        sys.stdout.flush()  # the bytes go straight out, after any text already printed
        buffer.write(raw)
        buffer.flush()
        return
    sys.stdout.write(raw.decode("utf-8"))


def _fail(message: str, code: int = 1, hints: list[str] | None = None) -> None:
    """Print one clear error (user text escaped) and exit with ``code`` (1 bad input, 2 usage)."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    for h in hints or []:
        err.print(f"  [dim]hint:[/] {escape(h)}", highlight=False)
    raise typer.Exit(code)


def bounded(key: str, *, integer: bool = False) -> Callable[[Any], Any]:
    """A typer option callback: the value must be finite and inside ``bounds.toml``'s range
    ``key`` (a usage error, exit 2, otherwise; None passes)."""

    def callback(value: Any) -> Any:
        from magnerve import _bounds
        from magnerve.errors import OutOfRangeError

        if value is None:
            return value
        try:
            _bounds.check(key, value, "the value")
        except OutOfRangeError as e:
            raise typer.BadParameter(clean(str(e))) from None
        return value

    return callback


def check_outputs(outputs: Mapping[str, Path | None], inputs: Sequence[Path | None]) -> None:
    """Check output files before any work: each must be a writable file (not a directory, in
    an existing directory), none may be an input file (symlinks resolved) or another output.
    Exit 1 with one clear line otherwise."""
    from magnerve.errors import OutputPathError

    try:
        _check_outputs(outputs, inputs)
    except OutputPathError as e:
        _fail(str(e))


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError, ValueError):  # unreadable, a symlink loop, a NUL byte
        return False


def _check_outputs(outputs: Mapping[str, Path | None], inputs: Sequence[Path | None]) -> None:
    from magnerve.errors import OutputPathError

    seen: list[tuple[str, Path]] = []
    for option, path in outputs.items():
        if path is None:
            continue
        if str(path) in ("", "-"):
            raise OutputPathError(f"{option}: give a file name")
        for inp in inputs:
            if inp is not None and _same_file(path, inp):
                raise OutputPathError(
                    f"{option} {path} is an input file of this command: it would be overwritten; "
                    "choose another file name"
                )
        for other, p in seen:
            if _same_file(path, p):
                raise OutputPathError(f"{option} and {other} name the same file {path}")
        seen.append((option, path))
        try:
            if path.is_dir():
                raise OutputPathError(f"{option} {path} is a directory; give a file name")
            if path.is_fifo() or path.is_socket():
                raise OutputPathError(
                    f"{option} {path} is a named pipe or socket: writing would wait for a "
                    "reader; give a regular file"
                )
            parent = path.parent
            if not parent.is_dir():
                raise OutputPathError(f"{option}: the directory {parent} does not exist")
            if path.exists():
                with path.open("r+b"):  # writable? (opened without truncating)
                    pass
            else:
                with path.open("xb"):  # can a file be created here? (removed at once)
                    pass
                path.unlink()
        except OutputPathError:
            raise
        except OSError as e:
            reason = e.strerror or type(e).__name__
            raise OutputPathError(f"{option}: cannot write {path}: {reason}") from None
        except ValueError as e:  # e.g. a NUL byte in the name
            raise OutputPathError(f"{option}: not a usable file name: {e}") from None


def write_output(path: Path, text: str) -> None:
    """Write an output file (checked before the work by :func:`check_outputs`); a failure now
    (disk full, the directory removed meanwhile) is one clear line and exit 1."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        _fail(f"cannot write {path}: {e.strerror or type(e).__name__}")


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


def _cell(t: NutrientTotal) -> str:
    if t.value is None:
        return "unknown"
    s = f"{t.value:,.1f}" if abs(t.value) >= 10 else f"{t.value:.3g}"
    return s if t.complete else f"≥{s}"


_COMPACT = ("magnesium_mg", "calcium_mg", "zinc_mg", "energy_kcal")


def _print_report(report: IntakeReport, by: ByChoice, compact: bool) -> None:
    import numpy as np

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
            t.add_row(
                escape(n.label),
                escape(n.units),
                *[_cell(d[1][j]) for d in report.days],
                _cell(mean[j]),
            )
        out.print(t)
    elif by is ByChoice.meal:
        t = Table(title="Nutrient intake per meal")
        t.add_column("Date")
        t.add_column("Meal")
        for j in cols:
            t.add_column(escape(f"{infos[j].label} [{infos[j].units}]"), justify="right")
        for d, m, totals in report.meals:
            t.add_row(d.isoformat(), escape(m), *[_cell(totals[j]) for j in cols])
        out.print(t)
    else:
        t = Table(title="Nutrient intake per line")
        t.add_column("Line", justify="right")
        t.add_column("Date")
        t.add_column("Food")
        t.add_column("g", justify="right")
        for j in cols:
            t.add_column(escape(f"{infos[j].label} [{infos[j].units}]"), justify="right")
        for e, row in zip(report.entries, report.values, strict=True):
            t.add_row(
                str(e.line),
                e.date.isoformat(),
                escape(f"{e.description[:40]} ({e.food_id or 'from file'})"),
                "?" if e.grams is None else f"{e.grams:.0f}",
                *["unknown" if np.isnan(row[j]) else f"{row[j]:.3g}" for j in cols],
            )
        out.print(t)
    gaps = [(n, tot) for n, tot in zip(infos, report.mean_daily(), strict=True) if not tot.complete]
    for n, tot in gaps:
        lines = ", ".join(str(x) for x in tot.missing_lines[:12])
        more = " ..." if len(tot.missing_lines) > 12 else ""
        out.print(
            f"[dim]coverage:[/] {escape(n.label)}: no value on {len(tot.missing_lines)} of "
            f"{tot.n_lines} lines ({lines}{more}); totals are lower bounds",
            highlight=False,
        )


def check_diary_path(path: Path) -> None:
    """Exit 2 when the diary path does not exist or is a directory. A regular file, a pipe,
    a FIFO or ``/dev/stdin`` is read (:func:`magnerve.read_diary` bounds and times it)."""
    try:
        exists, is_dir = path.exists(), path.is_dir()
    except (OSError, ValueError):  # a NUL byte, a symlink loop
        exists, is_dir = False, False
    if not exists:
        _fail(f"diary file not found: {path}", code=2)
    if is_dir:
        _fail(f"the diary path is a directory, not a file: {path}", code=2)


def warn_alias_file(d: Diary) -> None:
    """Warn once on standard error when the alias file could not be used for this diary."""
    from magnerve.diary import ALIAS_FILE_NOTE

    for note in d.notes:
        if note.startswith(ALIAS_FILE_NOTE):
            err.print(f"[yellow]warning:[/] {escape(note)}", highlight=False)


def _load_diary(path: Path, fmt: str, skip_bad: bool, trust: str = "auto") -> Diary:
    """Read a diary for a command: every problem is printed with its line; the command stops
    (exit 1) unless ``skip_bad``, and then says how many lines it skipped."""
    from magnerve.diary import DiaryError, read_diary

    check_diary_path(path)
    try:
        d = read_diary(path, fmt, trust=trust)  # type: ignore[arg-type]
    except DiaryError as e:
        for p in e.problems:
            err.print(f"[red]{escape(path)}:{escape(p)}[/]", highlight=False)
        _fail(f"{path} could not be read", code=1)
        raise
    warn_alias_file(d)
    if d.problems and not skip_bad:
        for p in d.problems:
            err.print(f"[red]{escape(path)}:[/]{escape(p)}", highlight=False)
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
            err.print(
                f"[red]{escape(path)}: {escape(field_path)}:[/] {escape(msg)}", highlight=False
            )
        _fail(f"{path} has {len(e.errors)} problem(s)", hints=["see docs/profile.md"])
        raise


alias_app = typer.Typer(
    help="Your food aliases: typed text that always means one SR28 food.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


app.add_typer(alias_app, name="alias")


class SexChoice(StrEnum):
    female = "female"
    male = "male"


def main() -> None:
    """Entry point of the ``magnerve`` console script.

    A user mistake (:class:`magnerve.errors.InputError`) prints one clear message and exits
    with 1; any other failure prints a short internal-error message and exits with 3. A
    Python traceback is shown only with ``--debug``.
    """
    from magnerve.errors import InputError, MagnerveError

    debug = "--debug" in sys.argv[1:]
    if debug:
        sys.argv = [a for a in sys.argv if a != "--debug"]
    try:
        app()
    except (InputError, MagnerveError) as e:
        if debug:
            raise
        err.print(f"[red]error:[/] {escape(str(e))}", highlight=False)
        raise SystemExit(1) from None
    except (KeyboardInterrupt, BrokenPipeError):
        raise SystemExit(130) from None
    except Exception as e:  # the last line of defence: no traceback for users
        if debug:
            raise
        internal_error(e)
        raise SystemExit(3) from None


def internal_error(e: Exception) -> None:
    """Print the short message of an unexpected failure (a bug; exit code 3)."""
    err.print(
        f"[red]internal error:[/] {escape(type(e).__name__)}: {escape(str(e))}\n"
        "This is a bug in magnerve: please report it with the command you ran "
        "(rerun with --debug to see the traceback).",
        highlight=False,
    )


from magnerve.cli import cohort as _cohort  # noqa: E402, F401  (registers `magnerve cohort`)
from magnerve.cli import schema as _schema  # noqa: E402, F401  (registers `magnerve schema`)
from magnerve.cli import serve as _serve  # noqa: E402, F401  (registers `magnerve serve`)
