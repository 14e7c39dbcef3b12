"""The typed pipeline (`analyse`) and the reference-data registry (issue 10)."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

import magnerve
from magnerve.registry import Registry, get_registry, use_registry


def test_analyse_runs_named_steps_and_records_the_data_hash(demo) -> None:
    diary, profile = demo
    r = magnerve.analyse(diary, profile, models=True, days=30)
    assert [s.step for s in r.steps] == ["assess", "plan", "models"]
    assert r.data_hash == get_registry().hash and len(r.data_hash) == 64
    d = r.to_dict()
    assert d["reference_data"]["hash"] == r.data_hash
    assert d["plan"]["status"] == "optimal"
    assert set(d["models"]["series"]) == {"current intake", "plan"}
    text = r.summary()
    assert "not diagnosis" in text and "plan: optimal" in text


def test_plan_reuses_the_assessment(demo, monkeypatch: pytest.MonkeyPatch) -> None:
    diary, profile = demo
    a = magnerve.assess(diary, profile)
    import magnerve.plan._model as model

    calls = []
    real = model.assess
    monkeypatch.setattr(model, "assess", lambda *x, **k: calls.append(1) or real(*x, **k))
    plan = magnerve.make_plan(diary, profile, assessment=a)
    assert plan.status == "optimal"
    # the base is not re-assessed (only the plan's own evaluations run the model)
    n_with = len(calls)
    calls.clear()
    magnerve.make_plan(diary, profile)
    assert len(calls) == n_with + 1


def test_every_sourced_value_has_source_and_confidence() -> None:
    issues = get_registry().issues()
    assert not issues, issues[:5]


def test_registry_can_be_swapped(tmp_path: Path) -> None:
    src = Path(str(resources.files("magnerve.data")))
    for f in src.iterdir():
        if f.suffix == ".toml":
            shutil.copy(f, tmp_path / f.name)
    text = (tmp_path / "plan.toml").read_text("utf-8")
    (tmp_path / "plan.toml").write_text(text + "\n# edited\n", "utf-8")
    with use_registry(tmp_path) as reg:
        assert get_registry() is reg
        assert reg.hash != Registry().hash
        assert reg.data("plan")["limits"]["min_change_mg"] == 10
    assert get_registry() is not reg


def test_flat_public_namespace() -> None:
    for name in magnerve.__all__:
        assert getattr(magnerve, name) is not None
    assert callable(magnerve.intake)


def test_findings_are_registered_one_rule_functions(demo) -> None:
    from magnerve import risk
    from magnerve.risk import RULES, Finding, findings_for, rule

    assert len(RULES) >= 20 and all(r.__doc__ for r in RULES)
    diary, profile = demo
    a = magnerve.assess(diary, profile)
    n = len(findings_for(a))

    @rule
    def extra(a, found):  # type: ignore[no-untyped-def]
        return [Finding("extra", "info", "Extra", "a test rule", [], "", [], [])]

    try:
        ids = [f.id for f in findings_for(a)]
        assert len(ids) == n + 1 and "extra" in ids
    finally:
        risk.RULES.remove(extra)


def test_readers_accept_text_bytes_and_files() -> None:
    import io

    row = "date,food\n2026-11-16,30 g almonds\n"
    for src in (row, row.encode(), io.StringIO(row), io.BytesIO(row.encode("utf-8-sig"))):
        (e,) = magnerve.read_diary(src).entries
        assert e.food_id == "12061"
    assert magnerve.load_profile(b'[person]\nage = 40\nsex = "female"\n').person.age == 40
    assert magnerve.load_profile('{"person": {"age": 41, "sex": "male"}}').person.sex == "male"
    with pytest.raises(magnerve.ProfileError):
        magnerve.load_profile(b"\xff\xfe\x00garbage")
