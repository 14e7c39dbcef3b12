"""Each rule written once (issue 10): grep-style AST checks over the package source.

* one ``Sex`` type and one reading of sex spellings (``magnerve/_sex.py``);
* thresholds of the interaction and risk rules only from the data (no number of
  ``interactions.toml`` or of the MDS written into ``risk.py`` / ``interactions.py``, in code
  or in a message);
* medicine classes grouped only in ``medications.toml`` (no literal set of classes in code).

Each check also runs on planted code, so it is known to fail when the rule is broken.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest

import magnerve
from magnerve._sex import FEMALE_SPELLINGS, MALE_SPELLINGS, Sex
from magnerve.registry import get_registry

SRC = Path(magnerve.__file__).parent
#: ``magnerve.schemas`` imports no other magnerve module (architecture rule 6), so it spells
#: the Sex literal itself; a test below keeps it equal to ``_sex.Sex``.
_SEX_EXEMPT = {"_sex.py", "schemas/assessment.py"}
# the probability cut-offs of the adequacy verdict ("likely", "possibly" adequate): modelling
# choices of the findings, not reference values (and 0)
_VERDICT_CUTOFFS = {0, 0.15, 0.5, 0.975}


@functools.cache
def _sources() -> tuple[tuple[str, str], ...]:
    return tuple(
        (path.relative_to(SRC).as_posix(), path.read_text("utf-8"))
        for path in sorted(SRC.rglob("*.py"))
    )


@functools.cache
def _parse(rel: str) -> ast.Module:
    return ast.parse(dict(_sources())[rel])


def _modules(*words: str, at_least: int = 1) -> Iterator[tuple[str, ast.Module]]:
    """Parsed modules whose text holds at least ``at_least`` of ``words`` (a quick textual
    filter: a module without them cannot break the rule checked); all modules without words."""
    for rel, text in _sources():
        if not words or sum(w in text for w in words) >= at_least:
            yield rel, _parse(rel)


def _quoted(words: set[str]) -> tuple[str, ...]:
    return tuple(f"{q}{w}{q}" for w in sorted(words) for q in "\"'")


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def _strings(node: ast.AST) -> set[str]:
    return {
        e.value
        for e in getattr(node, "elts", ())
        if isinstance(e, ast.Constant) and isinstance(e.value, str)
    }


# -- one Sex ------------------------------------------------------------------------------------

_SPELLINGS = (set(FEMALE_SPELLINGS) | set(MALE_SPELLINGS)) - set(get_args(Sex))


def _sex_rules_broken(tree: ast.AST) -> list[str]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("Literal"):
            if set(get_args(Sex)) <= {
                c.value for c in ast.walk(node.slice) if isinstance(c, ast.Constant)
            }:
                out.append(f"line {node.lineno}: a Sex literal ({ast.unparse(node)})")
        elif isinstance(node, ast.Set | ast.List | ast.Tuple):
            words = _strings(node)
            if words & _SPELLINGS and words & set(get_args(Sex)):
                out.append(f"line {node.lineno}: sex spellings {sorted(words)}")
        elif isinstance(node, ast.Compare):
            for c in (node.left, *node.comparators):
                if isinstance(c, ast.Constant) and c.value in _SPELLINGS:
                    out.append(f"line {node.lineno}: compares with {c.value!r}")
    return out


def test_sex_is_normalised_only_in_sex_py() -> None:
    broken = {
        rel: found
        for rel, tree in _modules("Literal", *_quoted(_SPELLINGS))
        if rel not in _SEX_EXEMPT and (found := _sex_rules_broken(tree))
    }
    assert not broken, broken


def test_the_schemas_sex_literal_is_the_same_type() -> None:
    from magnerve.schemas.assessment import PersonOut

    ann = PersonOut.model_fields["sex"].annotation
    assert set(get_args(ann)) == set(get_args(Sex))


def test_the_sex_check_finds_planted_code() -> None:
    planted = ast.parse(
        "from typing import Literal\n"
        "S = Literal['female', 'male']\n"
        "if s.lower() in ('f', 'female', 'woman'):\n    pass\n"
        "if s == 'm':\n    pass\n"
    )
    assert len(_sex_rules_broken(planted)) == 3


# -- thresholds only from data ----------------------------------------------------------------


def _thresholds() -> set[float]:
    """Every numeric threshold of ``interactions.toml`` and of the MDS."""
    reg = get_registry()
    it = reg.section("interactions")
    out: set[float] = set()
    for part in (it.ca_mg_ratio, it.zinc, it.vitamin_b6, it.calcium_absorption, it.lifestyle):
        for f in dataclasses.fields(part):
            if "unit" in f.metadata:
                out.add(getattr(part, f.name))
    mds = reg.section("clinical_markers").mds
    out |= set(mds.drinks_per_day_above.values()) | {mds.highest_group_from}
    return out


def _literal_thresholds(tree: ast.AST, thresholds: set[float]) -> list[str]:
    """Numbers compared in code that are not verdict cut-offs, and thresholds written into
    messages (``"above 12 mg/day"``)."""
    docs = _docstrings(tree)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for c in (node.left, *node.comparators):
                v = c.value if isinstance(c, ast.Constant) else None
                number = isinstance(v, int | float) and not isinstance(v, bool)
                if number and (v not in _VERDICT_CUTOFFS or v in thresholds - {0}):
                    out.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
        ):
            for t in thresholds:
                for unit in ("mg/day", "mg/L", "drinks"):
                    if f" {t:g} {unit}" in node.value:
                        out.append(f"line {node.lineno}: {node.value[:60]!r}")
    return out


@pytest.mark.parametrize("module", ["risk.py", "interactions.py"])
def test_rule_thresholds_come_only_from_data(module: str) -> None:
    tree = ast.parse((SRC / module).read_text("utf-8"))
    assert _literal_thresholds(tree, _thresholds()) == []


def test_the_threshold_check_finds_planted_code() -> None:
    planted = ast.parse(
        "if caffeine > 400:\n    pass\n"
        "if drinks / 7 > 2.0:\n    pass\n"
        "msg = 'B6 above 12 mg/day harms nerves'\n"
        "if conf < 0.5:\n    pass\n"  # a verdict cut-off: allowed
    )
    assert len(_literal_thresholds(planted, _thresholds())) == 3


# -- medicine classes only from medications.toml ------------------------------------------------


def _class_sets(tree: ast.AST, classes: set[str]) -> list[str]:
    return [
        f"line {node.lineno}: {sorted(_strings(node) & classes)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Set | ast.List | ast.Tuple) and len(_strings(node) & classes) >= 2
    ]


def test_medicine_classes_are_grouped_only_in_the_data() -> None:
    classes = set(get_registry().section("medications").classes)
    broken = {
        rel: found
        for rel, tree in _modules(*_quoted(classes), at_least=2)
        if (found := _class_sets(tree, classes))
    }
    assert not broken, broken
    planted = ast.parse("x = sorted(c & {'bisphosphonate', 'tetracycline'})")
    assert _class_sets(planted, classes)


def test_the_medication_groups_used_by_the_rules_exist() -> None:
    groups = get_registry().section("medications").groups
    for name in (
        "mds_diuretics",
        "magnesium_wasting_diuretics",
        "renal_magnesium_wasting",
        "spacing_from_magnesium",
    ):
        assert groups[name], name
