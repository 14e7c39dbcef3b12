"""Command-line interface (``magnerve``), one module per command group. UI only: all work is
done by the library; heavy modules are imported inside the commands.

``main`` answers ``magnerve foods search`` without importing typer (see
:mod:`magnerve.cli._fast`); the typer app and its commands are loaded for everything else,
and when ``magnerve.cli.app`` is first used.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["app", "main"]


def _register() -> None:
    from magnerve.cli import assess, diary, foods, nerve  # noqa: F401  (register the commands)


def _fast_help(argv: list[str]) -> bool:
    """Print the top-level help without importing typer, when it is exactly what typer prints.

    ``top_help.txt`` is typer's own output at 80 columns (``scripts/make_cli_help.py``; a test
    keeps it current); click wraps help at ``min(terminal width, 80)``, so on a terminal (or
    ``COLUMNS``) of at least 80 columns the text is the same.
    """
    if argv != ["--help"]:
        return False
    import os
    import shutil

    if shutil.get_terminal_size((80, 24)).columns < 80:
        return False
    with open(os.path.join(os.path.dirname(__file__), "top_help.txt"), encoding="utf-8") as f:
        sys.stdout.write(f.read())
    sys.stdout.flush()
    return True


def main() -> None:
    """Entry point of the ``magnerve`` console script."""
    if _fast_help(sys.argv[1:]):
        raise SystemExit(0)
    if sys.argv[1:2] != ["cohort"]:
        # One person's arrays are small: OpenBLAS's thread pool (started when numpy is
        # imported) costs ~0.1 s of CPU and helps nothing; a value the user set is kept. The
        # cohort engine keeps numpy's default.
        import os

        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from magnerve.cli._fast import run_fast

    code = run_fast(sys.argv[1:])
    if code is not None:
        sys.stdout.flush()
        raise SystemExit(code)
    _register()
    from magnerve.cli._common import main as typer_main

    typer_main()


def __getattr__(name: str) -> Any:
    if name == "app":
        _register()
        from magnerve.cli._common import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
