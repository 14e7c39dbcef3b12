"""Cohort SEs equal R ``survey``'s (issue 13): Taylor, jackknife and BRR on the same design.

Runs ``benchmarks/bench_cohort_survey_r.py`` (magnerve's engine, then R's ``survey`` on
magnerve's per-person values). Skipped where ``Rscript`` with ``survey`` is missing (``.ci/run``
installs Debian's ``r-base-core`` and ``r-cran-survey`` when run as root).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _has_r_survey() -> bool:
    if shutil.which("Rscript") is None:
        return False
    out = subprocess.run(
        ["Rscript", "--vanilla", "-e", "library(survey)"], capture_output=True, check=False
    )
    return out.returncode == 0


@pytest.mark.skipif(not _has_r_survey(), reason="Rscript with the survey package is not installed")
def test_standard_errors_equal_r_survey() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_cohort_survey_r.py"), "--n", "1500"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    m = re.search(r"every method and group: ([0-9.e+-]+)", out.stdout)
    assert m is not None, out.stdout
    assert float(m.group(1)) < 1e-8, out.stdout
    # both methods and all three variances were compared
    for word in ("cutpoint:", "probability:", "taylor", "jackknife", "brr"):
        assert word in out.stdout
