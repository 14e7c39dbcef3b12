"""Shared helpers: an independent reader of the embedded SR28 SQLite file.

The tests compare magnerve's in-memory database with what the SQLite file says, read
here with plain ``sqlite3`` + ``zlib`` + ``struct`` (no numpy, no magnerve code).
"""

from __future__ import annotations

import sqlite3
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).parent / "data"
REPO_ROOT = Path(__file__).resolve().parents[1]


def sr28_path() -> Path:
    """Path of the embedded SR28 SQLite file (editable install: a real file)."""
    return Path(str(resources.files("magnerve.data").joinpath("sr28.sqlite")))


def sr28_connect() -> sqlite3.Connection:
    return sqlite3.connect(f"file:{sr28_path()}?mode=ro", uri=True)


@dataclass(frozen=True)
class RawSR28:
    """SR28 nutrient values decoded straight from the ``matrix`` blobs."""

    values: dict[tuple[str, str], float]  # (ndb, nutr_no) -> value per 100 g

    def value(self, ndb: str, nutr_no: str) -> float | None:
        return self.values.get((ndb, nutr_no))


@cache
def raw_sr28() -> RawSR28:
    con = sr28_connect()
    try:
        blobs = dict(con.execute("SELECT name, data FROM matrix"))
        food_by_idx = dict((idx, ndb) for ndb, idx in con.execute("SELECT ndb, idx FROM food"))
        nutr_by_idx = dict(
            (idx, no) for no, idx in con.execute("SELECT nutr_no, idx FROM nutrient")
        )
    finally:
        con.close()
    fi = zlib.decompress(blobs["food_idx"])
    ni = zlib.decompress(blobs["nutr_idx"])
    va = zlib.decompress(blobs["value"])
    n = len(ni)
    foods = struct.unpack(f"<{n}H", fi)
    nutrs = struct.unpack(f"<{n}B", ni)
    vals = struct.unpack(f"<{n}d", va)
    return RawSR28(
        {(food_by_idx[f], nutr_by_idx[k]): v for f, k, v in zip(foods, nutrs, vals, strict=True)}
    )


@pytest.fixture(scope="session")
def sr28_db() -> Iterator[sqlite3.Connection]:
    con = sr28_connect()
    yield con
    con.close()


@pytest.fixture(scope="session")
def sr28_raw() -> RawSR28:
    return raw_sr28()


@pytest.fixture(scope="session")
def demo():
    """The bundled demo diary and profile (parsed once per test session)."""
    from magnerve.datasets import load_demo

    return load_demo()


# -- slow tests ---------------------------------------------------------------------------
# Marked here in one place (measured with `pytest --durations=0`): the everyday run
# `python -m pytest -m "not slow"` stays quick; CI (the README's Tests command) runs everything.
SLOW = (
    "tests/test_plan_properties.py::test_plan_safety_properties_many",
    "tests/test_assessment.py::test_pdf_report",
    "tests/test_assessment.py::test_demo_command_writes_report",
    "tests/test_personas.py::test_cli_plan_and_assess_never_crash",
    "tests/test_nerve.py::test_engines_agree_with_traces",
    "tests/test_nerve.py::test_default_engine_is_numba_and_equals_numpy_reference",
    "tests/test_nerve.py::test_fallback_to_numpy_without_numba",
    "tests/test_nerve.py::test_cli_contracts",
    "tests/test_quality.py::",
    "tests/test_plain_words.py::test_report_has_no_ids_and_friendly_food_names",
    "tests/test_plain_words.py::test_friendly_name_is_short_lowercase_and_clean_for_every_food",
    "tests/test_plan.py::test_demo_report_has_plan",
    "tests/test_plan.py::test_plan_html",
    "tests/test_homeostasis.py::test_steady_state_urine_equals_net_absorption",
    "tests/test_homeostasis.py::test_simulate_cli",
    "tests/test_profile.py::test_random_profiles_never_crash",
    "tests/test_golden.py::",
    "tests/test_db.py::test_hard_coded_values_match_sqlite",
    "tests/test_robustness.py::",
    # each rebuilds the search index from SR28 (2-3 s); the fast path keeps the reuse tests
    "tests/test_index_cache.py::test_bad_cache_is_ignored_and_rebuilt",
    "tests/test_index_cache.py::test_planted_files_in_the_cache_dir_are_never_loaded",
    "tests/test_index_cache.py::test_unwritable_or_disabled_cache",
    # a local Dask cluster (30 s) and a connection timeout (10 s)
    "tests/cohort/test_cohort_engines.py::test_local_cluster_identical",
    "tests/cohort/test_cohort_engines.py::test_unreachable_scheduler",
    # the long fuzz variants (hundreds of generated profiles and CLI runs)
    "tests/test_fuzz_cli.py::test_generated_profiles_never_crash_long",
    "tests/test_fuzz_cli.py::test_plan_and_simulate_refuse_exactly_as_assess_long",
    "tests/test_fuzz_cli.py::test_generated_options_never_crash_long",
    "tests/test_fuzz_diary.py::",
    # web reliability: a long Schemathesis run, and a real server SIGKILLed mid-burst
    "tests/web/test_schemathesis.py::test_api_long",
    "tests/web/test_durability.py::",
    # a cold and a warm demo in subprocesses
    "tests/test_demo_speed_paths.py::test_warm_demo_imports_no_scipy_and_writes_the_same_report",
    "tests/cohort/test_cohort_diaries.py::test_dask_engine_equals_polars",
    "tests/test_fuzz_atheris.py::",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)
