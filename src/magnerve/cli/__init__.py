"""Command-line interface (``magnerve``), one module per command group. UI only: all work is
done by the library; heavy modules are imported inside the commands."""

from __future__ import annotations

from magnerve.cli import assess, diary, foods, nerve  # noqa: F401  (register the commands)
from magnerve.cli._common import app, main

__all__ = ["app", "main"]
