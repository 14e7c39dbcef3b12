"""Every data loader reads through the active registry (issue 10): swapping the registry with
``use_registry(dir)`` changes what the loaders return, and leaving the ``with`` block brings
the package's data back."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest

import magnerve
from helpers import DATA, copy_data, edit_data
from magnerve.registry import Registry, get_registry, registry_cache, use_registry

SRC = Path(magnerve.__file__).parent


_copy_data = copy_data
_edit = edit_data


def _ear_adult_man() -> float | None:
    from magnerve.requirements import reference_intake

    return reference_intake(age=58, sex="male").ear


def _plan_min_change() -> Any:
    from magnerve.plan._rules import settings

    return settings()["limits"]["min_change_mg"]


def _absorption_vmax() -> float:
    from magnerve.absorption import parameters

    return parameters().vmax


def _homeostasis_reference() -> float:
    from magnerve.physiology.homeostasis import steady_state_reference

    return steady_state_reference(70.0)


def _cup() -> float | None:
    from magnerve.foods._units import lookup_unit

    unit = lookup_unit("cup")
    return None if unit is None else unit.factor


def _diary_max_lines() -> int:
    from magnerve._limits import diary_limits

    return diary_limits().max_lines


def _age_max() -> float | None:
    from magnerve._bounds import bound

    return bound("profile.person.age").max


def _pregnancy_ages() -> tuple[float, float]:
    from magnerve.profile import _stage_ages

    return _stage_ages()["pregnant"]


def _nmda_unblocked() -> float:
    from magnerve.physiology.nerve import nmda_unblocked_fraction

    return float(nmda_unblocked_fraction(-60.0, 1.0))


def _ckd_kappa_female() -> Any:
    from magnerve.clinical import markers

    return markers()["ckd_epi_2021"]["kappa_female"]


def _racc_almonds() -> float:
    from magnerve._servings import racc_grams

    return racc_grams("Nuts, almonds", "1200")


def _goldberg_7_days() -> float:
    from magnerve.energy import goldberg_cutoff

    return goldberg_cutoff(7)


def _within_sd_woman() -> float:
    from magnerve.adequacy import default_within_sd

    return default_within_sd("magnesium", age=25, sex="female")[0]


def _oldest_age_with_a_reference() -> str:
    from magnerve.requirements import RequirementError, reference_intake

    try:
        return reference_intake(age=128, sex="male").life_stage
    except RequirementError as e:
        return str(e)


def _serum_status_082() -> str:
    from magnerve.clinical import serum_magnesium_status

    return serum_magnesium_status(0.82)


def _vegan_excludes_honey() -> bool:
    from magnerve.plan._rules import _excluded, plan_data

    return _excluded("Honey", "1900", plan_data().patterns["vegan"])


def _glycinate_elemental_mg() -> tuple[float, float]:
    """1000 mg of magnesium glycinate as elemental magnesium: the assessment and the Cronometer
    import (both read ``supplement_forms.toml``)."""
    from magnerve._cronometer import _elemental_fraction
    from magnerve.assessment import supplement_daily
    from magnerve.profile import Supplement

    s = Supplement(name="x", form="glycinate", salt_mg=1000)
    return supplement_daily(s).magnesium_mg, 1000 * _elemental_fraction("glycinate", None)


def _cv_limit() -> float:
    from magnerve.assessment import _cv_limit

    return _cv_limit()


def _oxalate_rich_spinach() -> bool:
    from magnerve.assessment import _oxalate_rich

    return _oxalate_rich("Spinach, raw")


def _ca_mg_band() -> Any:
    from magnerve.interactions import thresholds

    return thresholds()["ca_mg_ratio"]["high_band_above"]


def _stage_at_egfr_42() -> str:
    from magnerve.conditions import kidney_status, recognise

    return kidney_status(42.0, recognise(["CKD"])).to_dict()["stage"]


def _kidney_words() -> str:
    from magnerve.conditions import recognise

    return recognise(["renal impairment"]).to_dict()["recognised"][0]["rule"]


def _evidence_strength() -> Any:
    from magnerve.risk import evidence

    return evidence()["nmda_block"]["strength"]


def _glass_ml() -> float | None:
    from magnerve.foods._units import household_amount

    amount = household_amount("glass")
    return None if amount is None else amount.ml


def _mds_group_of_1() -> tuple[str, list[str], str]:
    import numpy as np

    from magnerve.clinical import magnesium_depletion_score, mds_group

    res = magnesium_depletion_score(
        diuretic=True, ppi=False, egfr=95.0, drinks_per_day=0.0, sex="female"
    )
    return mds_group(1), mds_group(np.arange(6)).tolist(), res.group


def _exchangeable_mg_at_reference_serum() -> float:
    from magnerve.physiology.homeostasis import steady_state_reference

    return steady_state_reference(60.0)


def _gfr_at_egfr_220() -> float | str:
    from magnerve.physiology.homeostasis import gfr_l_per_day

    try:
        return gfr_l_per_day(220.0)
    except ValueError as e:
        return str(e)


def _newborn_reference() -> str:
    from magnerve.requirements import RequirementError, reference_intake

    try:
        return reference_intake(age=0, sex="female").life_stage
    except RequirementError as e:
        return str(e)


# (data file, regex whose group 1 is edited, new text, loader whose result must change)
CASES: list[tuple[str, str, str, Callable[[], Any]]] = [
    ("dri_magnesium.toml", r'sex = "male", age_min = 31, age_max = 200, ear = (350)', "400",
     _ear_adult_man),
    ("dri_magnesium.toml", r'stage = "pregnant", age_min = (14)', "12", _pregnancy_ages),
    ("plan.toml", r"^min_change_mg = (10)", "25", _plan_min_change),
    ("absorption.toml", r"^\[model\.vmax\]\nvalue = (41\.8)", "40.0", _absorption_vmax),
    ("homeostasis.toml", r"^\[scaling\.e0_per_kg\]\nvalue = (0\.642857)", "0.7",
     _homeostasis_reference),
    ("units.toml", r"^cup = \{ factor = (236\.5882365)", "250.0", _cup),
    ("limits.toml", r"^\[resources\.max_lines\]\nvalue = (500_000)", "400_000", _diary_max_lines),
    ("bounds.toml", r"^\[profile\.person\.age\]\nmin = 0\nmax = (130)", "125", _age_max),
    ("physiology.toml", r"^mg_half_mM = (3\.57)", "3.0", _nmda_unblocked),
    ("clinical_markers.toml", r"^kappa_female = (0\.7)", "0.75", _ckd_kappa_female),
    ("clinical_markers.toml",
     r"^\[serum_magnesium\.proposed_lower_cutoff\].*?^value_mmol_l = (0\.85)", "0.8",
     _serum_status_082),
    ("servings.toml", r"^nuts_seeds = (30)", "28", _racc_almonds),
    ("energy.toml", r"^pal = (1\.55)", "1.4", _goldberg_7_days),
    ("within_person_sd.toml", r'^"F 19-30" = \{ sd = (85\.9)', "90.0", _within_sd_woman),
    ("bounds.toml", r"^\[profile\.person\.age\]\nmin = 0\nmax = (130)", "125",
     _oldest_age_with_a_reference),
    ("plan.toml", r'^\[patterns\.vegan\].*?^exclude_words = \[.*?(, "honey")\]', "",
     _vegan_excludes_honey),
    ("supplement_forms.toml", r"^\[forms\.glycinate\].*?^elemental_fraction = (0\.1410)",
     "0.15", _glycinate_elemental_mg),
    ("within_person_sd.toml", r"^cv_limit = (0\.6)", "0.7", _cv_limit),
    ("interactions.toml", r'^words = \[("spinach", )', "", _oxalate_rich_spinach),
    ("interactions.toml", r"^\[ca_mg_ratio\].*?^high_band_above = ([0-9.]+)", "3.1",
     _ca_mg_band),
    ("conditions.toml", r"^G3a = \{ egfr_min = (45)", "40", _stage_at_egfr_42),
    ("conditions.toml", r'^unknown_stage_rule = ("clinician")', '"refer"', _kidney_words),
    ("evidence.toml", r'^id = "nmda_block".*?^strength = "(established)"', "probable",
     _evidence_strength),
    ("units.toml", r"^glass = \{ ml = (240\.0)", "250.0", _glass_ml),
    ("clinical_markers.toml", r'^reported_grouping = ("0-1 / 2 / 3-5")', '"0 / 1 / 2 / >=3"',
     _mds_group_of_1),
    ("homeostasis.toml", r"^\[pools\.serum_reference_range\]\nvalue = (\[0\.75, 0\.95\])",
     "[0.75, 1.05]", _exchangeable_mg_at_reference_serum),
    ("bounds.toml", r"^\[profile\.health\.egfr\]\nmin = 0\nmax = (250)", "200",
     _gfr_at_egfr_220),
    ("bounds.toml", r"^\[profile\.person\.age\]\n(min = 0)\n", "min = 0\nmin_exclusive = true",
     _newborn_reference),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "pattern", "new", "loader"), CASES, ids=[f"{c[0]}:{c[3].__name__}" for c in CASES]
)
def test_swapped_registry_changes_the_loader(
    tmp_path: Path, name: str, pattern: str, new: str, loader: Callable[[], Any]
) -> None:
    before = loader()  # the package's value (and a warm cache that must not leak)
    _edit(_copy_data(tmp_path), name, pattern, new)
    with use_registry(tmp_path) as reg:
        inside = loader()
        assert reg.hash != Registry().hash
    assert inside != before, f"{loader.__name__} ignores the swapped registry"
    assert loader() == before, f"{loader.__name__} kept the swapped registry's result"


def test_assessment_follows_the_registry_and_records_its_hash(tmp_path: Path, demo) -> None:
    diary, profile = demo  # 58-year-old man: IOM EAR 350 mg/day
    base = magnerve.analyse(diary, profile, plan=False)
    _edit(_copy_data(tmp_path), "dri_magnesium.toml",
          r'sex = "male", age_min = 31, age_max = 200, ear = (350)', "400")  # fmt: skip
    with use_registry(tmp_path):
        swapped = magnerve.analyse(diary, profile, plan=False)
    again = magnerve.analyse(diary, profile, plan=False)
    ad = [r.assessment.to_dict()["adequacy"] for r in (base, swapped, again)]
    assert (ad[0]["ear"], ad[1]["ear"], ad[2]["ear"]) == (350.0, 400.0, 350.0)
    assert ad[1]["confidence_adequate"] < ad[0]["confidence_adequate"]
    assert ad[2] == ad[0]
    assert swapped.data_hash != base.data_hash == again.data_hash == get_registry().hash


def test_plan_follows_the_registry(tmp_path: Path, demo) -> None:
    diary, profile = demo
    a = magnerve.assess(diary, profile)
    base = magnerve.make_plan(diary, profile, assessment=a).to_dict()
    # at most one new food: the plan must change
    _edit(_copy_data(tmp_path), "plan.toml", r"^max_new_foods = (4)", "1")
    with use_registry(tmp_path):
        swapped = magnerve.make_plan(diary, profile, assessment=a).to_dict()
    again = magnerve.make_plan(diary, profile, assessment=a).to_dict()
    assert swapped != base
    assert again["steps"] == base["steps"]


def test_registry_cache_is_per_registry_and_bounded(tmp_path: Path) -> None:
    calls: list[str] = []

    @registry_cache.bounded(2)
    def first_file(suffix: str) -> str:
        calls.append(suffix)
        return f"{get_registry().directory}{suffix}"

    assert first_file("a") == first_file("a") and calls == ["a"]
    with use_registry(_copy_data(tmp_path)):
        assert first_file("a") == f"{tmp_path}a"
    assert calls == ["a", "a"]
    assert first_file("a") == "Nonea" and len(calls) == 2  # the package's cache is kept
    first_file("b"), first_file("c")  # the bound empties the cache, then fills it again
    first_file("a")
    assert calls[-1] == "a" and len(calls) == 5
    first_file.cache_clear()
    first_file("c")
    assert calls[-1] == "c"


def test_registry_cache_keys_keyword_arguments() -> None:
    @registry_cache
    def f(x: int, *, y: int = 0) -> int:
        return x + y

    assert f(1, y=2) == 3 and f(1) == 1 and f(1, y=5) == 6


def test_derived_objects_live_in_their_registry(tmp_path: Path) -> None:
    reg = Registry(_copy_data(tmp_path))
    built: list[int] = []
    assert reg.derived("k", lambda: built.append(1) or len(built)) == 1
    assert reg.derived("k", lambda: built.append(1) or len(built)) == 1
    assert Registry(tmp_path).derived("k", lambda: 7) == 7


def test_shipped_data_follows_the_sourced_value_convention() -> None:
    assert get_registry().issues() == []


def test_issues_finds_a_value_without_source_or_confidence(tmp_path: Path) -> None:
    (tmp_path / "x.toml").write_text("[a]\nvalue = 1.0\n[b]\nvalue = 2\nsource = 's'\n", "utf-8")
    problems = {(i.path, i.problem) for i in Registry(tmp_path).issues()}
    assert ("a", "a value without a source") in problems
    assert ("b", "a value without a confidence") in problems


# Modules that read TOML files that are not reference data: a person's profile, the bundled
# demo profile (a dataset, not magnerve/data), the web app's own settings.
_OTHER_TOML = {"profile.py", "datasets/__init__.py", "web/core/config.py"}
_DATA_FILES = {p.name for p in DATA.iterdir() if p.suffix == ".toml"}


def _receiver_is_registry(node: ast.AST) -> bool:
    """True for ``get_registry().x(...)``, ``Registry(...).x(...)``, ``reg.x(...)``."""
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
        if isinstance(node, ast.Name) and node.id in ("get_registry", "Registry", "reg"):
            return True
    return False


def test_data_files_are_read_only_through_the_registry() -> None:
    """No module opens a data file itself: no ``resources.files("magnerve.data")`` (except
    for the SR28 database), no ``tomllib`` outside the registry (and the non-reference TOML
    readers above), and no call that names a data file unless it goes through the registry."""
    readers = re.compile(r"resources\.files\(\s*[\"']magnerve\.data[\"']\s*\)")
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel == "registry.py":
            continue
        text = path.read_text("utf-8")
        for m in readers.finditer(text):
            line = text[text.rfind("\n", 0, m.start()) + 1 : text.find("\n", m.end())]
            if "sr28.sqlite" in line:
                continue  # the SR28 database is not a TOML data file
            found.add(f"{rel}: resources.files('magnerve.data')")
        if "tomllib" not in text and ".toml" not in text:
            continue  # no TOML reader and no data file named: nothing to parse
        for node in ast.walk(ast.parse(text)):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "tomllib"
                and rel not in _OTHER_TOML
            ):
                found.add(f"{rel}: tomllib.{node.attr}")
            if isinstance(node, ast.Call) and not _receiver_is_registry(node.func):
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and arg.value in _DATA_FILES:
                        found.add(f"{rel}: {ast.unparse(node)[:60]}")
    assert not found, sorted(found)


#: Modules that still read a data file as raw TOML through ``Registry.data()`` rather than its
#: typed section, each with the reason. Everything else reads ``get_registry().section(name)``
#: (the compatibility views ``clinical.markers()``, ``plan._rules.settings()``,
#: ``physiology.nerve.parameters()``, ``_servings.plausibility()``,
#: ``interactions.thresholds()``, ``risk.evidence()`` return the section's read-only ``raw``).
_RAW_DATA_READERS = {
    # owned by other helpers during issue 10 (typed sections exist: limits, bounds): move when
    # their work lands
    "cohort/_diaries.py": "limits and bounds; the cohort engine is another helper's file",
    "cohort/_prepare.py": "bounds; the cohort engine is another helper's file",
}


def _raw_data_calls(tree: ast.AST) -> list[str]:
    """``<registry>.data(...)`` calls: ``get_registry().data``, ``magnerve.get_registry().data``,
    ``reg.data``, ``Registry(...).data``."""
    out = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "data"
        ):
            chain: ast.AST = node.func.value
            names = []
            while isinstance(chain, ast.Attribute | ast.Call):
                if isinstance(chain, ast.Attribute):
                    names.append(chain.attr)
                chain = chain.func if isinstance(chain, ast.Call) else chain.value
            if isinstance(chain, ast.Name):
                names.append(chain.id)
            if {"get_registry", "Registry", "reg", "registry"} & set(names):
                out.append(ast.unparse(node)[:70])
    return out


def test_no_module_reads_raw_data_outside_the_allow_list() -> None:
    """Modules read typed sections, not ``Registry.data()`` (issue 10), except the listed
    ones; an allow-listed module that no longer reads raw data must leave the list."""
    found: dict[str, list[str]] = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel == "registry.py" or rel.startswith("_sections/"):
            continue
        text = path.read_text("utf-8")
        if ".data(" not in text:
            continue
        calls = _raw_data_calls(ast.parse(text))
        if calls:
            found[rel] = calls
    assert set(found) <= set(_RAW_DATA_READERS), {
        k: v for k, v in found.items() if k not in _RAW_DATA_READERS
    }
    assert set(_RAW_DATA_READERS) <= set(found), set(_RAW_DATA_READERS) - set(found)


def test_the_raw_data_scan_finds_raw_readers() -> None:
    planted = (
        "a = get_registry().data('plan')['limits']\n"
        "b = magnerve.get_registry().data('limits')\n"
        "c = reg.data('x')\n"
        "d = get_registry().section('plan').limits\n"
        "e = frame.data('x')\n"
    )
    assert len(_raw_data_calls(ast.parse(planted))) == 3


def test_the_scan_finds_a_direct_reader(tmp_path: Path) -> None:
    """The scan above can fail: the patterns it looks for are found in planted code."""
    planted = (
        "import tomllib\n"
        "from importlib import resources\n"
        "t = resources.files('magnerve.data').joinpath('evidence.toml').read_text('utf-8')\n"
        "d = tomllib.loads(t)\n"
        "e = open('interactions.toml')\n"
    )
    tree = ast.parse(planted)
    names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert "loads" in names
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and not _receiver_is_registry(n.func)
        and any(isinstance(a, ast.Constant) and a.value in _DATA_FILES for a in n.args)
    ]
    assert len(calls) == 2
    ok = ast.parse("get_registry().read_bytes('physiology.toml')").body[0]
    assert _receiver_is_registry(cast(ast.Expr, ok).value.func)  # type: ignore[attr-defined]


def _same(a: Any, b: Any) -> bool:
    """Equal, with nan equal to nan and int/float kept apart."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float) and a != a:
        return isinstance(b, float) and b != b
    return type(a) is type(b) and a == b


def test_parsed_copies_give_the_toml_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tomllib

    monkeypatch.setenv("MAGNERVE_CACHE_DIR", str(tmp_path))
    names = Registry().names()
    first = {n: Registry().data(n) for n in names}  # parses and writes the copies
    assert len(list((tmp_path / "data").glob("*.json"))) == len(names)
    second = {n: Registry().data(n) for n in names}  # reads the copies
    for n in names:
        toml = tomllib.loads((DATA / f"{n}.toml").read_text("utf-8"))
        assert _same(first[n], toml) and _same(second[n], toml), n


def test_a_bad_parsed_copy_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAGNERVE_CACHE_DIR", str(tmp_path))
    want = Registry().data("plan")["limits"]["min_change_mg"]
    (path,) = (tmp_path / "data").glob("*.json")
    header, payload = path.read_bytes().split(b"\n", 1)
    planted = payload.replace(b'"min_change_mg":10', b'"min_change_mg":99')
    assert planted != payload
    for bad in (header + b"\n" + planted, b"garbage", header, b""):
        path.write_bytes(bad)
        assert Registry().data("plan")["limits"]["min_change_mg"] == want
    monkeypatch.setenv("MAGNERVE_CACHE_DIR", "")  # caching off
    assert Registry().data("plan")["limits"]["min_change_mg"] == want


def _no_times(d: Any) -> Any:
    if isinstance(d, dict):
        return {k: _no_times(v) for k, v in d.items() if not k.endswith("_ms")}
    if isinstance(d, list):
        return [_no_times(v) for v in d]
    return d


@pytest.mark.parametrize("key", ["demo", "vegan_woman_25", "renal_insufficiency_words"])
def test_highspy_and_scipy_give_the_same_plan(
    key: str, demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan's HiGHS bindings (issue 10: highspy instead of scipy.optimize) pick the same
    plan, with all foods and the vegan pattern too (all personas were compared when changed)."""
    pytest.importorskip("highspy")
    from magnerve.plan import _solve
    from personas import build, by_key

    diary, profile = demo if key == "demo" else build(by_key()[key], tmp_path)
    a = magnerve.assess(diary, profile)
    for opts in ({}, {"scope": "all"}, {"pattern": "vegan"}):
        out = []
        for backend in ("scipy", "highspy"):
            monkeypatch.setattr(_solve, "BACKEND", backend)
            plan = magnerve.make_plan(diary, profile, assessment=a, **opts)  # type: ignore[arg-type]
            out.append(_no_times(plan.to_dict()))
        assert out[0] == out[1], (key, opts)


def test_solve_lp_matches_linprog(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("highspy")
    import numpy as np
    from scipy.sparse import csr_matrix

    from magnerve.plan import _solve

    rng = np.random.default_rng(5)
    A = csr_matrix(rng.uniform(0, 1, (6, 12)) * (rng.uniform(0, 1, (6, 12)) < 0.5))
    b = rng.uniform(1, 3, 6)
    c = -rng.uniform(0.1, 1, 12)
    lb, ub = np.zeros(12), np.full(12, 2.0)
    got = []
    for backend in ("scipy", "highspy"):
        monkeypatch.setattr(_solve, "BACKEND", backend)
        got.append(_solve.solve_lp(c, A, b, lb, ub))
    s, h = got
    assert s is not None and h is not None
    assert s.objective == pytest.approx(h.objective, abs=1e-9)
    for f in ("x", "row_marginals", "lower_marginals"):
        np.testing.assert_allclose(getattr(s, f), getattr(h, f), atol=1e-9, err_msg=f)
    assert np.any(h.row_marginals != 0)
