"""Typed lines by construct (issue 9): fat %, processing state, cacao %, count nouns with
per-piece weights, dish words and default forms resolve to the right food and amount.
Cases: tests/data/typed_constructs.json (also measured by benchmarks/bench_matching.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_matching import CASES, magnerve_ok

_ALL = [
    (k, c)
    for k, v in json.loads(Path(CASES).read_text("utf-8")).items()
    if k != "_about"
    for c in v
]


@pytest.fixture(autouse=True)
def _no_user_aliases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAGNERVE_CONFIG_DIR", str(tmp_path))


@pytest.mark.parametrize(("construct", "case"), _ALL, ids=[c["line"] for _, c in _ALL])
def test_typed_line(construct: str, case: dict[str, Any]) -> None:
    assert magnerve_ok(case), (construct, case)
