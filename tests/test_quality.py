"""Lint and type checks run as part of the suite (ruff and mypy are dev dependencies)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean() -> None:
    pytest.importorskip("ruff")
    res = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "src", "tests", "scripts", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_mypy_clean() -> None:
    pytest.importorskip("mypy")
    res = subprocess.run(
        [sys.executable, "-m", "mypy", "src"], cwd=ROOT, capture_output=True, text=True
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_import_layers() -> None:
    """The architecture contracts in pyproject.toml ([tool.importlinter]) hold."""
    pytest.importorskip("importlinter")
    import shutil

    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe is not None
    res = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_package_is_typed() -> None:
    assert (ROOT / "src" / "magnerve" / "py.typed").is_file()
