"""The typed sections load lazily: ``magnerve._sections`` is a package with one module per data
file, ``build_section`` imports only the module of the file it builds, and the public names
(``from magnerve._sections import PlanData``) are found on first use (PEP 562)."""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import magnerve._sections as sections

PKG = Path(sections.__file__).parent
DATA = PKG.parent / "data"


def _submodules() -> list[str]:
    return sorted(p.stem for p in PKG.glob("_*.py") if p.name != "__init__.py")


def test_every_lazy_name_is_the_object_of_its_module() -> None:
    assert sections._LAZY  # the dict the test reads
    for name, module in sections._LAZY.items():
        sub = importlib.import_module(f"magnerve._sections.{module}")
        assert getattr(sections, name) is getattr(sub, name), name
        got: dict[str, object] = {}
        exec(f"from magnerve._sections import {name} as got_it", got)  # the import statement
        assert got["got_it"] is getattr(sub, name), name
        if isinstance(getattr(sub, name), type):  # defined there, not imported from elsewhere
            assert getattr(sub, name).__module__ == sub.__name__, name
    assert sections.DataFileError is importlib.import_module("magnerve.errors").DataFileError
    assert set(sections.__all__) <= {*sections._LAZY, *vars(sections)}
    assert set(sections._LAZY) <= set(dir(sections))
    with pytest.raises(AttributeError, match="NoSuchSection"):
        sections.NoSuchSection  # noqa: B018


def test_every_public_name_of_the_submodules_is_listed() -> None:
    """A class added to a section module is importable from the package too."""
    defined = {}
    for module in _submodules():
        for node in ast.parse((PKG / f"{module}.py").read_text("utf-8")).body:
            if isinstance(node, ast.ClassDef):
                names = [node.name]
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
            else:
                continue
            for n in names:
                if not n.startswith("_") and n != "T":  # T: the TypeVar of _base
                    defined[n] = module
    assert defined == sections._LAZY


def test_the_lazy_names_and_the_type_checking_imports_agree() -> None:
    """mypy sees the names through the ``if TYPE_CHECKING:`` imports, the interpreter through
    ``_LAZY``: both list the same names from the same modules."""
    tree = ast.parse((PKG / "__init__.py").read_text("utf-8"))
    blocks = [
        n
        for n in tree.body
        if isinstance(n, ast.If) and isinstance(n.test, ast.Name) and n.test.id == "TYPE_CHECKING"
    ]
    assert len(blocks) == 1
    imported: dict[str, str] = {}
    for node in blocks[0].body:
        assert isinstance(node, ast.ImportFrom) and node.module, ast.unparse(node)
        package, _, module = node.module.rpartition(".")
        assert package == "magnerve._sections", node.module
        for alias in node.names:
            # ``X as X``: an explicit re-export for mypy --strict
            assert alias.asname == alias.name, ast.unparse(node)
            assert alias.name not in imported, alias.name
            imported[alias.name] = module
    assert imported == sections._LAZY


def test_one_section_loads_only_its_module() -> None:
    code = (
        "import json, sys\n"
        "from magnerve.registry import get_registry\n"
        "get_registry().section('limits')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('magnerve._sections.'))))"
    )
    env = {**os.environ, "MAGNERVE_CACHE_DIR": ""}
    p = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(p.stdout))
    assert "magnerve._sections._limits" in loaded
    assert loaded <= {"magnerve._sections._base", "magnerve._sections._limits"}, loaded
    assert len(_submodules()) - len(loaded) >= 15  # most section modules stay unimported


def test_known_sections_are_the_data_files_with_a_builder() -> None:
    files = {p.stem for p in DATA.glob("*.toml")}
    with_builder = set()
    for module in _submodules():
        sub = importlib.import_module(f"magnerve._sections.{module}")
        with_builder |= {f for f in files if callable(getattr(sub, f"_{f}", None))}
    assert sections.known_sections() == tuple(sorted(with_builder))
    for name, module in sections._BUILDERS.items():  # each name's builder is in its module
        sub = importlib.import_module(f"magnerve._sections.{module}")
        assert callable(getattr(sub, f"_{name}")), name
    generic = sections.build_section("no_such_file", {"a": [1]})  # a file without a model
    assert isinstance(generic, sections.GenericData) and generic.raw["a"] == (1,)
