"""Golden JSON outputs of the bundled examples (issue 10): the redesign keeps every key and
value of `assess`, `plan`, `intake` and `demo`; new keys may be added. Snapshot written by
scripts/make_golden.py before the redesign."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from make_golden import COMMANDS, GOLDEN, run  # noqa: E402


def _same(golden: Any, now: Any, path: str = "$") -> list[str]:
    """Differences where ``now`` changes or drops what ``golden`` has (additions allowed)."""
    if isinstance(golden, dict):
        if not isinstance(now, dict):
            return [f"{path}: was an object"]
        out = []
        for k, v in golden.items():
            if k not in now:
                out.append(f"{path}.{k}: missing")
            else:
                out += _same(v, now[k], f"{path}.{k}")
        return out
    if isinstance(golden, list):
        if not isinstance(now, list) or len(now) != len(golden):
            return [f"{path}: list changed"]
        return [
            d
            for i, (a, b) in enumerate(zip(golden, now, strict=True))
            for d in _same(a, b, f"{path}[{i}]")
        ]
    if isinstance(golden, float) and isinstance(now, (int, float)):
        ok = math.isclose(golden, now, rel_tol=1e-6, abs_tol=1e-9)
        return [] if ok else [f"{path}: {golden} -> {now}"]
    return [] if golden == now else [f"{path}: {golden!r} -> {now!r}"]


@pytest.fixture(autouse=True)
def _no_user_aliases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAGNERVE_CONFIG_DIR", str(tmp_path))


@pytest.mark.parametrize("name", list(COMMANDS))
def test_golden_output_unchanged(name: str) -> None:
    golden = json.loads((GOLDEN / f"{name}.json").read_text("utf-8"))
    diffs = _same(golden, run(name))
    assert not diffs, "\n".join(diffs[:20])
