"""``magnerve --help`` answers without typer (issue 10: <= 150 ms) and prints typer's own text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HELP_FILE = ROOT / "src" / "magnerve" / "cli" / "top_help.txt"

_PROBE = (
    "import sys; sys.argv = ['magnerve', '--help']\n"
    "from magnerve.cli import main\n"
    "try:\n    main()\n"
    "except SystemExit as e:\n    code = e.code\n"
    "print('TYPER' if 'typer' in sys.modules else 'NO-TYPER', code, file=sys.stderr)\n"
)


def _run(columns: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": columns}
    return subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=False
    )


def test_help_file_is_what_typer_renders() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from make_cli_help import render
    finally:
        sys.path.pop(0)
    assert HELP_FILE.read_text(encoding="utf-8") == render(), (
        "src/magnerve/cli/top_help.txt is stale: run python scripts/make_cli_help.py"
    )


def test_help_answers_without_typer() -> None:
    out = _run("100")
    assert out.stderr.strip().endswith("NO-TYPER 0")
    assert out.stdout == HELP_FILE.read_text(encoding="utf-8")
    assert "Commands:" in out.stdout and "assess" in out.stdout


def test_narrow_terminal_goes_through_typer() -> None:
    out = _run("60")
    assert "TYPER" in out.stderr and "NO-TYPER" not in out.stderr
    assert out.stdout.startswith("Usage: magnerve")
    assert max(len(line) for line in out.stdout.splitlines()) <= 60
