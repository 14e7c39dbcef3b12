"""Shared helpers: an independent reader of the embedded SR28 SQLite file.

The tests compare magnerve's in-memory database with what the SQLite file says, read
here with plain ``sqlite3`` + ``zlib`` + ``struct`` (no numpy, no magnerve code).
"""

from __future__ import annotations

import os
import re
import sqlite3
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import settings

import hypothesis_profiles

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
    # the report with the plan, the homeostasis models and the nerves section (3-4 s)
    "tests/web/test_report_nerves.py::test_report_html_has_the_nerves_section",
    # a cold and a warm demo in subprocesses
    "tests/test_demo_speed_paths.py::test_warm_demo_imports_no_scipy_and_writes_the_same_report",
    "tests/cohort/test_cohort_diaries.py::test_dask_engine_equals_polars",
    "tests/test_fuzz_atheris.py::",
    # two `foods search` processes (a cold index build, then the warm path) under -X importtime
    "tests/test_registry_sections.py::test_foods_search_does_not_load_pydantic_or_the_sections",
    # `magnerve intake FILE --json` in a fresh process (imports, search index: ~2 s)
    "tests/test_intake_speed_paths.py::test_the_command_answers_without_typer_in_a_fresh_process",
)


# -- the everyday budget (issue 10) ------------------------------------------------------
# The everyday run `python -m pytest -m "not slow" -n 2` must finish in 15 s on a 2-core
# machine (docs/testing.md), and collecting the suite alone costs each worker about 6 s. So
# it keeps only the tests that cost at most about 0.04 s of CPU each (measured per test, own
# process and children, docs/testing.md), and the web smoke tests in EVERYDAY below; these
# tests, over that budget, are marked slow as well and run in CI. Every source module keeps
# at least one everyday test.
OVER_BUDGET = (
    "tests/test_sections_lazy.py::test_one_section_loads_only_its_module",  # a subprocess
    "tests/cohort/test_cohort_refit.py::test_same_weights_give_the_same_values",
    "tests/cohort/test_cohort_refit.py::test_refit_path_equals_svy_when_values_do_not_change",
    "tests/test_intake_speed_paths.py::test_templates_equal_the_mapping",
    "tests/test_assessment.py::test_demo_pdf_is_the_same_document_as_the_html",
    "tests/test_diary_aliases.py::test_given_aliases_resolve_the_line",
    "tests/test_diary_aliases.py::test_given_aliases_replace_the_alias_file",
    # every web test creates an app, a database and Argon2-hashed accounts (0.1-0.8 s each)
    "tests/web/",
    "tests/cohort/test_cohort_diaries.py::test_cli_usage_and_input_errors",
    "tests/cohort/test_cohort_diaries.py::test_cohort_equals_the_same_numbers_as_a_person_day_file",
    "tests/cohort/test_cohort_diaries.py::test_distributions_by_group",
    "tests/cohort/test_cohort_diaries.py::test_each_distinct_food_resolved_once",
    "tests/cohort/test_cohort_diaries.py::test_fast_row_pass_equals_the_rules_row_by_row",
    "tests/cohort/test_cohort_diaries.py::test_parquet_with_ndb_numbers_and_streaming",
    "tests/cohort/test_cohort_diaries.py::test_totals_equal_the_core_intake",
    "tests/cohort/test_cohort_distributions.py::test_nhanes_file_with_calcium_and_energy",
    "tests/cohort/test_cohort_engines.py::",
    "tests/cohort/test_cohort_errors.py::test_bad_value_api_and_cli",
    "tests/cohort/test_cohort_errors.py::test_chart_to_an_unwritable_place_is_checked_before_the_work",
    "tests/cohort/test_cohort_errors.py::test_real_entry_point_no_traceback",
    "tests/cohort/test_cohort_errors.py::test_usage_errors_exit_2",
    "tests/cohort/test_cohort_estimates.py::test_invariants",
    "tests/cohort/test_cohort_estimates.py::test_one_group_equals_magnerve_group_functions",
    "tests/cohort/test_cohort_estimates.py::test_persons_pregnancy_and_supplements",
    "tests/cohort/test_cohort_estimates.py::test_shrinkage_beats_one_day_against_truth",
    "tests/cohort/test_cohort_nci.py::test_fit_matches_statsmodels_mixedlm",
    "tests/cohort/test_cohort_nci.py::test_lambda_by_profile_likelihood_finds_log",
    "tests/cohort/test_cohort_nci.py::test_nci_through_the_api_and_cli",
    "tests/cohort/test_cohort_nci.py::test_out_dir_tables_and_html",
    "tests/cohort/test_cohort_nci.py::test_progress_callback_and_quiet_json",
    "tests/cohort/test_cohort_nci.py::test_replicate_ses_agree_with_taylor",
    "tests/cohort/test_cohort_nci.py::test_validation_fast",
    "tests/cohort/test_cohort_refit.py::test_cli_flag",
    "tests/cohort/test_cohort_refit.py::test_refit_ses_include_the_model",
    "tests/cohort/test_cohort_readers.py::test_cli_json_contract",
    "tests/cohort/test_cohort_readers.py::test_formats_give_the_same_result",
    "tests/cohort/test_nutrir_agreement.py::",
    "tests/cohort/test_survey_r.py::",
    "tests/test_analysis_registry.py::test_analyse_runs_named_steps_and_records_the_data_hash",
    "tests/test_analysis_registry.py::test_plan_reuses_the_assessment",
    "tests/test_array_kernels.py::test_large_random_arrays_match_scalar_path",
    "tests/test_assessment.py::test_bad_profile_exit_code",
    "tests/test_cli.py::test_assess_plan_simulate_refuse_the_same_profile",
    "tests/test_cli.py::test_intake_by",
    "tests/test_cli.py::test_intake_cronometer",
    "tests/test_cli.py::test_intake_cronometer_table_mentions_file_values",
    "tests/test_cli.py::test_intake_example_table",
    "tests/test_cli.py::test_non_finite_or_huge_options_are_usage_errors",
    "tests/test_cli_help_fast.py::test_help_file_is_what_typer_renders",
    "tests/test_cli_help_fast.py::test_narrow_terminal_goes_through_typer",
    "tests/test_cli_outputs.py::test_alias_markup",
    "tests/test_cli_outputs.py::test_diary_text_is_escaped_and_control_sequences_stripped",
    "tests/test_cli_outputs.py::test_output_equal_to_an_input_is_refused",
    "tests/test_cli_outputs.py::test_rich_markup_in_user_text_prints_as_written",
    "tests/test_cli_outputs.py::test_simulate_json_writes_no_chart_unless_asked",
    "tests/test_cronometer_import.py::test_every_line_is_an_entry_a_supplement_or_a_problem",
    "tests/test_cronometer_import.py::test_forced_format_and_time_column_optional",
    "tests/test_cronometer_import.py::test_trust_flag",
    "tests/test_db.py::test_all_measures_match_sqlite_weight_table",
    "tests/test_db.py::test_matrix_agrees_with_raw_sqlite_for_sample_foods",
    "tests/test_demo_speed_paths.py::test_csr_matrix_equals_scipy_sparse",
    "tests/test_demo_speed_paths.py::test_demo_formulation_matrix_is_canonical",
    "tests/test_demo_speed_paths.py::test_homeostasis_series_cache_round_trip",
    "tests/test_demo_speed_paths.py::test_homeostasis_series_key_covers_every_input",
    "tests/test_demo_speed_paths.py::test_homeostasis_series_key_covers_the_data",
    "tests/test_demo_speed_paths.py::test_plan_path_imports_no_scipy",
    "tests/test_diary.py::test_cronometer_format_forced_same_result",
    "tests/test_diary.py::test_cronometer_nothing_dropped",
    "tests/test_diary_hostile.py::test_json_reading_is_linear",
    "tests/test_diary_supplements.py::test_constructs_file_supplements_counted",
    "tests/test_fuzz_cli.py::",
    "tests/test_homeostasis.py::test_repletion_recovers",
    "tests/test_homeostasis.py::test_start_from_measured_serum",
    "tests/test_homeostasis.py::test_total_body_magnesium_about_25_g",
    "tests/test_homeostasis.py::test_weight_scales_pools_and_speed",
    "tests/test_hostile_regressions.py::test_cli_alias_list_broken_file_exit_1",
    "tests/test_hostile_regressions.py::test_schema_out_fifo_is_refused",
    "tests/test_index_cache.py::test_cache_written_and_reopened_gives_the_same_results",
    "tests/test_index_cache.py::test_database_parts_load_lazily",
    "tests/test_index_cache.py::test_fast_path_prints_what_typer_prints",
    "tests/test_index_cache.py::test_scores_are_the_sparse_scores",
    "tests/test_index_cache.py::test_search_path_loads_neither_numpy_nor_pydantic",
    "tests/test_intake.py::test_cronometer_reported_values_are_totalled",
    "tests/test_intake.py::test_week_example_has_every_day",
    "tests/test_intake_json_stream.py::test_chunks_equal_the_whole_document_on_random_values",
    "tests/test_intake_json_stream.py::test_cli_bytes_are_those_of_the_whole_document",
    "tests/test_intake_json_stream.py::test_cli_bytes_generated_diary",
    "tests/test_intake_json_stream.py::test_round4_is_python_round",
    "tests/test_intake_plausibility.py::test_cli_shows_flags",
    "tests/test_intake_speed_paths.py::test_a_line_whose_amounts_differ_from_its_template_is_written_from_its_mapping",
    "tests/test_intake_speed_paths.py::test_an_unusable_alias_file_is_left_to_typer",
    "tests/test_intake_speed_paths.py::test_array_totals_are_the_loop_totals",
    "tests/test_intake_speed_paths.py::test_bounded_templates_and_shared_parses_write_the_same_json",
    "tests/test_intake_speed_paths.py::test_cached_entries_have_every_field",
    "tests/test_intake_speed_paths.py::test_cached_lines_are_the_lines_resolved_one_by_one",
    "tests/test_intake_speed_paths.py::test_fast_command_writes_what_the_typer_command_writes",
    "tests/test_intake_speed_paths.py::test_plain_part_is_the_parse_mapping",
    "tests/test_intake_speed_paths.py::test_plain_part_leaves_other_values_to_the_schema",
    "tests/test_intake_speed_paths.py::test_templates_equal_the_mapping_on_example_files",
    "tests/test_intake_speed_paths.py::test_templates_on_a_long_diary_with_every_kind_of_total",
    "tests/test_nerve.py::test_firing_and_calcium_rise_as_mg_falls",
    "tests/test_nerve.py::test_reference_figures_unchanged",
    "tests/test_personas.py::test_rules_for_everyone",
    "tests/test_plain_words.py::test_cli_assess_prints_plain_confidence",
    "tests/test_plan.py::test_cli_json_contract",
    "tests/test_plan.py::test_plan_reads_no_private_names_of_other_modules",
    "tests/test_plan.py::test_reduced_cost_fixing_matches_plain_highs",
    "tests/test_plan.py::test_three_steps_compose_to_make_plan",
    "tests/test_plan_properties.py::",
    "tests/test_registry_consistency.py::test_sex_is_normalised_only_in_sex_py",
    "tests/test_registry_loaders.py::test_data_files_are_read_only_through_the_registry",
    "tests/test_registry_loaders.py::test_highspy_and_scipy_give_the_same_plan",
    "tests/test_registry_loaders.py::test_no_module_reads_raw_data_outside_the_allow_list",
    "tests/test_registry_loaders.py::test_parsed_copies_give_the_toml_data",
    "tests/test_registry_loaders.py::test_plan_follows_the_registry",
    "tests/test_registry_loaders.py::test_swapped_registry_changes_the_loader",
    "tests/test_registry_sections.py::test_a_bad_file_names_file_and_key_path",
    "tests/test_registry_sections.py::test_every_shipped_file_has_a_typed_section",
    "tests/test_registry_sections.py::test_risk_thresholds_come_from_the_registry",
    "tests/test_report_charts.py::test_report_does_not_import_matplotlib_or_scipy_stats",
    "tests/test_review_aliases.py::",
    "tests/test_schemas.py::test_analysis_validates",
    "tests/test_schemas.py::test_assessment_to_dict_raises_on_a_key_outside_the_schema",
    "tests/test_schemas.py::test_cli_schema_prints_valid_json_schema",
    "tests/test_schemas.py::test_foods_search_output_validates",
    "tests/test_schemas.py::test_golden_output_validates",
    "tests/test_schemas.py::test_intake_of_other_formats_validates",
    "tests/test_schemas.py::test_make_schemas_check_mode",
    "tests/test_schemas.py::test_parse_output_validates",
    "tests/test_schemas.py::test_published_schema_is_valid_json_schema",
    "tests/test_schemas.py::test_random_diary_intake_validates",
    "tests/test_schemas.py::test_unknown_key_fails",
    "tests/test_search_quality.py::test_all_labelled_phrases_accuracy",
    "tests/test_search_quality.py::test_dev_set_accuracy",
    "tests/test_search_quality.py::test_holdout3_accuracy",
    "tests/test_search_quality.py::test_holdout_accuracy",
    "tests/test_speed_paths.py::test_absorb_occasions_equals_the_scalar_path",
    "tests/test_speed_paths.py::test_intake_without_meals_has_the_same_days",
    "tests/test_suggest.py::test_a_word_prefix_suggests_the_food",
    "tests/test_suggest.py::test_warm_latency_of_word_prefixes",
)

# Kept in the everyday run although OVER_BUDGET covers them, so that every source module
# keeps an everyday test: web requests on SQLite that between them reach every group of
# routes and pages (sign-up and tokens, diary, foods, aliases and imports, profile, analysis,
# supplements, reports, sharing; the first one also migrates the template database from
# empty), and the reader limits (``_limits.py``, read once per process).
EVERYDAY = (
    "tests/web/test_diary.py::test_food_search",
    "tests/web/test_food_aliases.py::test_import_uses_the_accounts_aliases",
    "tests/web/test_report_nerves.py::test_a_professional_sees_the_section_read_only",
    "tests/web/test_sharing.py::test_signup_role_defaults_to_person_and_rejects_unknown_roles",
    "tests/test_registry_loaders.py::test_swapped_registry_changes_the_loader[limits.toml:_diary_max_lines]",
)


def _matches(nodeid: str, entries: tuple[str, ...]) -> bool:
    """Whether an entry names the test: a directory (``tests/web/``), a file
    (``tests/x.py::``), or a test function with all its parametrisations
    (``tests/x.py::test_y``)."""
    for entry in entries:
        if entry.endswith(("/", "::")):
            if nodeid.startswith(entry):
                return True
        elif nodeid == entry or nodeid.startswith(entry + "["):
            return True
    return False


def is_slow(nodeid: str) -> bool:
    """Whether the test is marked ``slow`` (left out of the everyday run)."""
    return _matches(nodeid, SLOW) or (
        _matches(nodeid, OVER_BUDGET) and not _matches(nodeid, EVERYDAY)
    )


_FULL_RUN_ENV = ("CI", "MAGNERVE_FULL_TESTS")


def everyday_run(config: pytest.Config) -> bool:
    """Whether this is the quick everyday run: the ``slow`` tests deselected (``-m "not slow"``)
    and neither ``CI`` nor ``MAGNERVE_FULL_TESTS`` set."""
    if any(
        os.environ.get(name, "").lower() not in ("", "0", "false", "no") for name in _FULL_RUN_ENV
    ):
        return False
    return re.search(r"\bnot\s+slow\b", config.option.markexpr or "") is not None


def pytest_configure(config: pytest.Config) -> None:
    # Before any test module is imported, so ``examples(n)`` in their ``@settings`` sees it.
    if not config.getoption("hypothesis_profile", None):
        settings.load_profile(
            hypothesis_profiles.EVERYDAY if everyday_run(config) else hypothesis_profiles.CI
        )


def pytest_report_header(config: pytest.Config) -> str:
    return f"magnerve: hypothesis profile {settings.get_current_profile_name()!r}"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """In the everyday run, do not even import a test file whose tests are all slow."""
    if collection_path.suffix != ".py" or not everyday_run(config):
        return None
    try:
        rel = collection_path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return None
    if not rel.startswith("tests/") or not collection_path.name.startswith("test_"):
        return None
    in_file = tuple(e for e in EVERYDAY if e.startswith(rel + "::"))
    if is_slow(rel + "::") and not in_file:
        return True
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if is_slow(item.nodeid):
            item.add_marker(pytest.mark.slow)
