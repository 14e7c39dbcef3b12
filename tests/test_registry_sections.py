"""Typed sections of the reference-data registry (issue 10): every data file is validated into
its section when the registry loads it, a bad file names the file and key path, sections are
frozen, follow a swapped registry, and agree with the raw TOML they were read from."""

from __future__ import annotations

import dataclasses
import math
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from helpers import copy_data, edit_data
from magnerve._sections import (
    CONFIDENCE_LEVELS,
    DataFileError,
    GenericData,
    SourcedValue,
    known_sections,
)
from magnerve.errors import DataError
from magnerve.registry import Registry, get_registry, use_registry

_copy = copy_data
_edit = edit_data


@pytest.fixture(autouse=True)
def _no_parse_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAGNERVE_CACHE_DIR", "")  # every Registry parses its own files


def test_every_shipped_file_has_a_typed_section() -> None:
    reg = Registry()
    sections = reg.validate()
    assert set(sections) == set(reg.names()) == set(known_sections())
    assert not [n for n, s in sections.items() if isinstance(s, GenericData)]
    for name, s in sections.items():
        assert dataclasses.is_dataclass(s), name
        assert reg.section(name) is s  # built once per registry


def test_sections_agree_with_the_raw_toml() -> None:
    reg = get_registry()
    raw = reg.data("interactions")
    it = reg.section("interactions")
    lt = raw["lifestyle_thresholds"]
    assert it.lifestyle.caffeine_high_mg_per_day == lt["caffeine_high_mg_per_day"]
    assert it.lifestyle.water_low_mg_per_l == lt["water_low_mg_per_l"]
    assert it.lifestyle.pss10_high_from == lt["pss10_high_from"]
    assert it.zinc.high_dose_supplement_mg_per_day == raw["zinc"]["high_dose_supplement_mg_per_day"]
    assert it.vitamin_b6.efsa_ul_mg_per_day == raw["vitamin_b6"]["efsa_ul_mg_per_day"]
    assert it.grains.whole_words == tuple(raw["grains"]["whole_words"])
    assert it.oxalate_words == tuple(raw["oxalate"]["words"])

    model = reg.data("absorption")["model"]
    typed = reg.section("absorption").model
    for f in dataclasses.fields(typed):
        v = getattr(typed, f.name)
        if isinstance(v, SourcedValue):
            want = model[f.name]["value"]
            assert v.value == (tuple(want) if isinstance(want, list) else want), f.name
            assert v.unit == model[f.name]["unit"] and v.confidence == model[f.name]["confidence"]

    iom = reg.section("dri_magnesium").tables["iom1997"]
    rows = reg.data("dri_magnesium")["iom1997"]["rows"]
    assert [dict(r.raw) for r in iom.rows] == rows
    assert [(r.sex, r.age_min, r.ear) for r in iom.rows] == [
        (r["sex"], r["age_min"], r.get("ear")) for r in rows
    ]

    bounds = reg.section("bounds").ranges
    assert bounds["profile.person.age"].max == reg.data("bounds")["profile"]["person"]["age"]["max"]
    hd = reg.data("clinical_markers")["mds"]["components"]["heavy_drinking"]
    above = reg.section("clinical_markers").mds.drinks_per_day_above
    assert above == {
        "female": hd["drinks_per_day_above_female"],
        "male": hd["drinks_per_day_above_male"],
    }


def test_one_sourced_value_convention() -> None:
    reg = get_registry()
    n = 0
    for tree in (reg.section("absorption").studies, reg.section("homeostasis").tree):
        for path, v in tree.walk():
            n += 1
            assert v.unit and v.source, path
            assert v.level in CONFIDENCE_LEVELS or v.level == "unverified", path
    assert n > 100
    for group in (reg.section("limits").resources, reg.section("limits").diary):
        for key, v in group.items():
            assert v.unit and v.source and v.level in CONFIDENCE_LEVELS, key
    # a threshold kept as a plain number with its table's source, seen through the same type
    zinc = reg.section("interactions").zinc.sourced("high_dose_supplement_mg_per_day")
    raw = reg.data("interactions")["zinc"]
    assert zinc == SourcedValue(
        raw["high_dose_supplement_mg_per_day"], "mg/day", raw["source"], raw["confidence"]
    )
    caffeine = reg.section("interactions").lifestyle.sourced("caffeine_high_mg_per_day")
    assert caffeine.source == reg.data("interactions")["lifestyle_thresholds"]["caffeine_source"]
    with pytest.raises(KeyError):
        reg.section("interactions").zinc.sourced("source")


def test_sections_are_frozen() -> None:
    it = get_registry().section("interactions")
    with pytest.raises(dataclasses.FrozenInstanceError):
        it.zinc.high_dose_supplement_mg_per_day = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        get_registry().section("bounds").ranges["x"] = None  # type: ignore[index]
    with pytest.raises(TypeError):
        get_registry().section("absorption").model.vmax.extra["x"] = 1  # type: ignore[index]


# (file, regex whose group 1 is replaced, new text, the key path the error must name)
BAD = [
    ("interactions.toml", r"^caffeine_high_mg_per_day = (400)", '"lots"',
     "interactions.toml: lifestyle_thresholds.caffeine_high_mg_per_day: expected a number"),
    ("interactions.toml", r"^\[zinc\].*?^(confidence = )", "level = ",
     "interactions.toml: zinc.confidence: missing"),
    ("absorption.toml", r"^\[model\.vmax\]\nvalue = (41\.8)", '"x"',
     "absorption.toml: model.vmax.value: expected a number or a list of numbers"),
    ("absorption.toml", r"^\[model\.km\]\n.*?^(source = )", "origin = ",
     "absorption.toml: model.km: a value without a source"),
    ("limits.toml", r"^\[resources\.max_lines\]\nvalue = 500_000\n(unit = )", "units = ",
     "limits.toml: resources.max_lines.unit: missing"),
    ("dri_magnesium.toml", r'(sex = "male"), age_min = 31', 'sex = "man"',
     "dri_magnesium.toml: iom1997.rows["),
    ("bounds.toml", r"^\[profile\.person\.age\]\nmin = 0\nmax = (130)", "-1",
     "bounds.toml: profile.person.age: min is above max"),
    ("evidence.toml", r'^id = "(phytate)"', "nmda_block",
     "evidence.toml: evidence[", ),
    ("medications.toml", r'^mds_diuretics = \["(loop_diuretic)"', "loop",
     "medications.toml: groups.mds_diuretics: unknown class 'loop'"),
    ("physiology.toml", r"^mg_half_mM = (3\.57)", "inf",
     "physiology.toml: jahr_stevens.mg_half_mM: expected a finite number"),
    ("physiology.toml", r"^seed = (20261124)", "1.5",
     "physiology.toml: inputs.seed: expected an integer"),
    ("physiology.toml", r"^tau_nmda_ms = (100\.0)", "0",
     "physiology.toml: synapses.tau_nmda_ms: expected a positive number"),
    ("plan.toml", r"^min_change_mg = (10)", '"ten"',
     "plan.toml: limits.min_change_mg: expected a number"),
    ("plan.toml", r"^max_new_foods = (4)", "4.5",
     "plan.toml: limits.max_new_foods: expected an integer"),
    ("plan.toml", r"^\[exclusions\.egg\]\n(words) =", "wordz",
     "plan.toml: exclusions.egg.wordz: unknown key"),
    ("plan.toml", r"^forms = (\[.*?\])\n", "[]",
     "plan.toml: supplements.forms: expected at least one form"),
    ("servings.toml", r"^(other) = 85", "others",
     "servings.toml: racc_g.other: missing"),
    ("servings.toml", r"^day_energy_min_kcal = (800)", "5000",
     "servings.toml: plausibility: day_energy_min_kcal must be below day_energy_max_kcal"),
    ("within_person_sd.toml", r"^cv_limit = (0\.6)", "1.5",
     "within_person_sd.toml: meta.cv_limit: expected a CV below 1"),
    ("within_person_sd.toml", r'^"F 19-30" = \{ sd = (85\.9)', '"x"',
     "within_person_sd.toml: magnesium.F 19-30.sd: expected a number"),
    ("homeostasis.toml", r"^\[calibration\.tm_c\]\nvalue = (0\.591)", "-0.5",
     "homeostasis.toml: calibration.tm_c.value: expected a positive number"),
    ("homeostasis.toml", r"^\[renal\.gfr\]\nvalue = (180\.0)", "nan",
     "homeostasis.toml: renal.gfr.value: expected one finite number"),
    ("energy.toml", r"^pal = (1\.55)", "0",
     "energy.toml: goldberg.pal: expected a positive number"),
    ("clinical_markers.toml", r"^kappa_female = (0\.7)", '"a"',
     "clinical_markers.toml: ckd_epi_2021.kappa_female: expected a number"),
    ("clinical_markers.toml", r'scores_on = "(yes)"', "maybe",
     "clinical_markers.toml: mnsi.history.items[0].scores_on: scores_on must be yes, no or none"),
    ("clinical_markers.toml", r"^max_score = (13)", "12",
     "clinical_markers.toml: mnsi.history.max_score: max_score 12 is not the number of scored"),
    ("clinical_markers.toml", r"^low_mmol_l = (0\.75)", "0.99",
     "clinical_markers.toml: serum_magnesium.reference_interval: low_mmol_l must be below"),
    ("clinical_markers.toml", r"^filterable_fraction = (0\.7)", "1.7",
     "clinical_markers.toml: femg.filterable_fraction: a fraction above 1"),
    ("clinical_markers.toml", r'^label = "(original)"', "first",
     "clinical_markers.toml: mnsi.history.cutoffs: needs the cut-off labelled 'original'"),
    ("clinical_markers.toml", r'^reported_grouping = ("0-1 / 2 / 3-5")', '"0-2 / 3-5"',
     "clinical_markers.toml: mds.reported_grouping: names no [[mds.groupings]] scheme"),
    ("clinical_markers.toml", r'\{ label = "middle", min = 2, max = (2) \}', "3",
     "clinical_markers.toml: mds.groupings[0].groups: groups must cover scores 0 to 5 once"),
    ("clinical_markers.toml", r'\{ label = ">=3", min = 3, max = (5) \}', "4",
     "clinical_markers.toml: mds.groupings[1].groups: groups must cover scores 0 to 5 once"),
    ("homeostasis.toml", r"^\[pools\.serum_reference_range\]\nvalue = (\[0\.75, 0\.95\])",
     "[0.95, 0.75]",
     "homeostasis.toml: pools.serum_reference_range.value: expected [low, high] with 0 < low"),
    ("search_lexicon.toml", r"^\[(supplements)\]", "supplement",
     "search_lexicon.toml: supplements: missing (word lists)"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "pattern", "new", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_file_names_file_and_key_path(
    tmp_path: Path, name: str, pattern: str, new: str, message: str
) -> None:
    _edit(_copy(tmp_path), name, pattern, new)
    stem = name.removesuffix(".toml")
    reg = Registry(tmp_path)
    with pytest.raises(DataFileError) as e:
        reg.section(stem)
    assert message in str(e.value)
    assert e.value.file == name and isinstance(e.value, ValueError)
    assert isinstance(e.value, DataError) and e.value.to_dict()["file"] == name
    with pytest.raises(DataFileError):  # the raw path validates too, and nothing was cached
        reg.data(stem)
    with pytest.raises(DataFileError):
        reg.validate()
    assert get_registry().section(stem) is not None  # the package's data is untouched


def test_loaders_follow_a_swapped_registry_through_their_sections(tmp_path: Path) -> None:
    from magnerve.interactions import vitamin_b6_check, zinc_check

    assert vitamin_b6_check(13.0, 0.0).status == "above_efsa_ul"
    before = zinc_check(None, 150.0, age=40, sex="female")
    _edit(_copy(tmp_path), "interactions.toml", r"^efsa_ul_mg_per_day = (12)", "14")
    _edit(tmp_path, "interactions.toml", r"^high_dose_supplement_mg_per_day = (142)", "160")
    with use_registry(tmp_path):
        assert vitamin_b6_check(13.0, 0.0).status == "ok"
        inside = zinc_check(None, 150.0, age=40, sex="female")
    assert before.status == "high_dose" and "at 142 mg/day" in before.message
    assert inside.status != "high_dose"
    assert vitamin_b6_check(13.0, 0.0).status == "above_efsa_ul"


def test_risk_thresholds_come_from_the_registry(tmp_path: Path, demo: Any) -> None:
    import magnerve

    diary, profile = demo
    base = {f.id for f in magnerve.assess(diary, profile).findings}
    # the demo person: MDS at the highest-risk group, soft water
    assert {"mds_high", "soft_water"} <= base
    _copy(tmp_path)
    _edit(tmp_path, "interactions.toml", r"^water_low_mg_per_l = (10)", "0.5")
    text = (tmp_path / "clinical_markers.toml").read_text("utf-8")
    for old, new in (  # the highest group from 5, every score still in one group
        ('"middle", min = 2, max = 2', '"middle", min = 2, max = 4'),
        ('"higher", min = 3, max = 5', '"higher", min = 5, max = 5'),
        ('"2", min = 2, max = 2', '"2-4", min = 2, max = 4'),
        ('">=3", min = 3, max = 5', '">=5", min = 5, max = 5'),
    ):
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "clinical_markers.toml").write_text(text, "utf-8")
    with use_registry(tmp_path):
        swapped = {f.id for f in magnerve.assess(diary, profile).findings}
    assert "mds_high" not in swapped and "soft_water" not in swapped
    assert {f.id for f in magnerve.assess(diary, profile).findings} == base


def test_compatibility_views_are_the_sections_read_only_raw() -> None:
    """``interactions.thresholds()`` and ``risk.evidence()`` keep their dict-like results for
    callers (report, _text, tests): the typed section's read-only view of the file as written,
    not ``Registry.data()``."""
    from magnerve.interactions import thresholds
    from magnerve.risk import evidence

    reg = get_registry()
    assert thresholds() is reg.section("interactions").raw
    assert _same(thresholds(), reg.data("interactions"))
    entries = reg.data("evidence")["evidence"]
    assert list(evidence()) == [e["id"] for e in entries]
    assert all(_same(evidence()[e["id"]], e) for e in entries)
    assert list(evidence()) == list(reg.section("evidence").entries)
    with pytest.raises(TypeError):
        thresholds()["zinc"]["high_dose_supplement_mg_per_day"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        evidence()["nmda_block"]["strength"] = "possible"  # type: ignore[index]


def test_lexicon_and_mds_groups_are_typed() -> None:
    reg = get_registry()
    lex, raw = reg.section("search_lexicon"), reg.data("search_lexicon")
    for name in ("synonyms", "everyday", "defaults", "everyday_defaults"):
        assert dict(getattr(lex, name)) == raw[name], name
    for name in ("classes", "equivalents", "state_conflicts", "default_preparation", "supplements"):
        assert {k: list(v) for k, v in getattr(lex, name).items()} == raw[name], name
    mds, raw_mds = reg.section("clinical_markers").mds, reg.data("clinical_markers")["mds"]
    (scheme,) = [g for g in raw_mds["groupings"] if g["scheme"] == raw_mds["reported_grouping"]]
    assert mds.grouping_scheme == scheme["scheme"]
    assert [(g.label, g.min, g.max) for g in mds.groups] == [
        (g["label"], g["min"], g["max"]) for g in scheme["groups"]
    ]
    assert " / ".join(g.scores for g in mds.groups) == scheme["scheme"]
    model = reg.section("homeostasis").model
    lo, hi = reg.data("homeostasis")["pools"]["serum_reference_range"]["value"]
    assert model.pool_serum_mmol_l == (lo + hi) / 2  # the middle of the reference interval


def _same(a: Any, b: Any) -> bool:
    """A read-only view equal to the parsed TOML (mappings as dicts, tuples as lists)."""
    if isinstance(a, Mapping):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, tuple):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and a == b


def test_a_file_without_a_model_is_kept_raw(tmp_path: Path) -> None:
    (tmp_path / "extra.toml").write_text("[a]\nvalue = 1.0\nsource = 's'\nconfidence = 'high'\n")
    s = Registry(tmp_path).section("extra")
    assert isinstance(s, GenericData) and s.raw["a"]["value"] == 1.0


def test_nan_is_allowed_only_as_not_found(tmp_path: Path) -> None:
    reg = get_registry()
    fa = reg.section("absorption").studies.get("oxalate.bohn2004_fa")
    assert isinstance(fa.value, tuple) and all(math.isnan(x) for x in fa.value)
    assert fa.level == "low" or fa.level == "unverified"
    _edit(_copy(tmp_path), "limits.toml", r"^\[resources\.max_lines\]\nvalue = (500_000)", "nan")
    with pytest.raises(DataFileError, match=r"resources\.max_lines\.value: expected one finite"):
        Registry(tmp_path).section("limits")


def test_foods_search_does_not_load_pydantic_or_the_sections(tmp_path: Path) -> None:
    """The fast ``foods search`` path: no pydantic ever, and with a warm index no registry
    sections either (the lexicon is read only when the index is built)."""
    env = {**os.environ, "MAGNERVE_CACHE_DIR": str(tmp_path), "MAGNERVE_CONFIG_DIR": str(tmp_path)}
    cmd = [sys.executable, "-X", "importtime", "-c", "from magnerve.cli import main; main()"]
    cmd += ["foods", "search", "almonds", "--json"]
    for warm in (False, True):
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        modules = {line.rsplit("|", 1)[-1].strip() for line in p.stderr.splitlines()}
        assert '"12061"' in p.stdout or "12061" in p.stdout
        assert not {m for m in modules if m.split(".")[0] == "pydantic"}, warm
        if warm:
            assert "magnerve._sections" not in modules and "magnerve.registry" not in modules


def test_every_file_is_typed_with_named_fields() -> None:
    """The files that had only generic tables are typed: named fields with units, the raw
    view kept only for the read-only compatibility accessors."""
    reg = get_registry()
    plan = reg.section("plan")
    raw = reg.data("plan")
    assert plan.limits.min_change_mg == raw["limits"]["min_change_mg"]
    assert plan.limits.sourced("sodium_cdrr_mg").source == raw["limits"]["sodium_source"]
    assert plan.limits.sourced("min_change_mg").unit == "mg/day"
    assert plan.patterns["vegan"].words == tuple(raw["patterns"]["vegan"]["exclude_words"])
    assert plan.exclusions["dairy"].except_words == tuple(
        raw["exclusions"]["dairy"]["except_words"]
    )
    assert plan.supplements.monitor["kidney"] == tuple(raw["supplements"]["monitor"]["kidney"])
    assert dict(plan.category_caps) == {
        k: v for k, v in raw["category_caps"].items() if k != "confidence"
    }
    phys = reg.section("physiology")
    assert phys.jahr_stevens.mg_half_mM == reg.data("physiology")["jahr_stevens"]["mg_half_mM"]
    assert phys.synapses.sourced("tau_nmda_ms").unit == "ms"
    assert phys.inputs.seed == reg.data("physiology")["inputs"]["seed"]
    sv = reg.section("servings")
    assert dict(sv.racc_g) == reg.data("servings")["racc_g"]
    assert sv.plausibility.sourced("day_energy_min_kcal").confidence == "medium"
    wsd = reg.section("within_person_sd")
    assert wsd.published["magnesium"]["F 19-30"].sd == 85.9
    assert set(wsd.derived["magnesium"]) == {
        k
        for k, v in reg.data("within_person_sd")["magnesium_derived"].items()
        if isinstance(v, dict)
    }
    assert wsd.cv_limit == reg.data("within_person_sd")["meta"]["cv_limit"]
    home = reg.section("homeostasis")
    h_raw = reg.data("homeostasis")
    assert home.model.tm_c.value == h_raw["calibration"]["tm_c"]["value"]
    assert home.model.tm_c.unit == h_raw["calibration"]["tm_c"]["unit"]
    assert home.model.ppi_absorption_factor == home.tree.get("modifiers.ppi.absorption_factor")
    assert home.reference_body_mass_kg == h_raw["meta"]["reference_body_mass_kg"]
    cm = reg.section("clinical_markers")
    c_raw = reg.data("clinical_markers")
    assert cm.ckd_epi_2021.kappa_female == c_raw["ckd_epi_2021"]["kappa_female"]
    assert len(cm.ckd_epi_2021.golden) == len(c_raw["ckd_epi_2021"]["golden"])
    conv = cm.ckd_epi_2021.sourced("umol_per_l_per_mg_per_dl")
    assert conv.source == c_raw["ckd_epi_2021"]["creatinine_conversion"]["source"]
    assert (
        cm.serum_magnesium.low_mmol_l
        == c_raw["serum_magnesium"]["reference_interval"]["low_mmol_l"]
    )
    assert [i.number for i in cm.mnsi.history_items] == list(range(1, 16))
    assert {c.name for c in cm.mnsi.exam_components} >= {"appearance", "monofilament"}
    assert [r.lab for r in cm.rbc_magnesium] == [
        r["lab"] for r in c_raw["rbc_magnesium"]["reference_intervals"]
    ]
    energy = reg.section("energy")
    assert energy.goldberg.pal == reg.data("energy")["goldberg"]["pal"]
    assert energy.goldberg.sourced("cv_bmr").unit == "%"


def test_section_types_are_importable_from_the_public_registry() -> None:
    import magnerve.registry as registry
    from magnerve import _sections

    assert registry.PlanData is _sections.PlanData
    assert registry.WordRule is _sections.WordRule
    with pytest.raises(AttributeError):
        registry.NoSuchSection  # noqa: B018
