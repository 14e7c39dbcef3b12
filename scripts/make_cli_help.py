"""Write ``src/magnerve/cli/top_help.txt``: the text ``magnerve --help`` prints.

``magnerve --help`` answers from this file without importing typer (issue 10: <= 150 ms whole
process); ``tests/test_cli_help_fast.py`` fails when the file differs from what typer renders
(at the 80 columns click uses on any terminal at least that wide), so after changing a
command's docstring run::

    python scripts/make_cli_help.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HELP_FILE = Path(__file__).resolve().parents[1] / "src" / "magnerve" / "cli" / "top_help.txt"


def render() -> str:
    """The top-level help as typer renders it, at 80 columns, through the typer path."""
    code = (
        "import sys; sys.argv = ['magnerve', '--help']\n"
        "from magnerve.cli import _register; _register()\n"
        "from magnerve.cli._common import main; main()\n"
    )
    env = {**os.environ, "COLUMNS": "80"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"typer --help failed: {out.stderr}")
    return out.stdout


if __name__ == "__main__":
    HELP_FILE.write_text(render(), encoding="utf-8")
    print(f"wrote {HELP_FILE}")
