"""The coverage-guided fuzzers (``fuzz/atheris_*.py``) on a short CI budget: each harness
runs 2,000 inputs from its seed corpus in a subprocess and must find no crash. Skipped where
atheris is not installed (it is in the ``dev`` extra on Linux x86_64; ``docs/fuzzing.md``
has the longer documented runs)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("atheris") is None, reason="atheris is not installed"
)


@pytest.mark.parametrize("harness", ["atheris_diary.py", "atheris_profile.py"])
def test_short_fuzz_run_finds_no_crash(harness: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MAGNERVE_FUZZ_SEEDS": str(tmp_path / "seeds"),
        "MAGNERVE_FUZZ_PROFILE_SEEDS": str(tmp_path / "pseeds"),
        "MAGNERVE_CACHE_DIR": str(tmp_path / "cache"),
        "MAGNERVE_CONFIG_DIR": str(tmp_path / "config"),
    }
    r = subprocess.run(
        [sys.executable, str(ROOT / "fuzz" / harness), "-atheris_runs=2000", "-seed=1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    tail = (r.stdout + r.stderr)[-3000:]
    assert r.returncode == 0, tail
    assert "Done 2000 runs" in tail or "DONE" in tail or "Done" in tail, tail
