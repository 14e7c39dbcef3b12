"""Shared test helpers (imported by test modules; pytest puts this folder on sys.path)."""

from __future__ import annotations

import re
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from magnerve.profile import Profile, parse_profile

#: The package's reference-data folder.
DATA = Path(str(resources.files("magnerve.data")))


def copy_data(tmp: Path) -> Path:
    """The package's TOML data files copied to ``tmp`` (the SR28 file stays in the package)."""
    for f in DATA.iterdir():
        if f.suffix == ".toml":
            shutil.copy(f, tmp / f.name)
    return tmp


def edit_data(tmp: Path, name: str, pattern: str, new: str) -> None:
    """Replace group 1 of the first match of ``pattern`` in data file ``name`` with ``new``."""
    path = tmp / name
    text = path.read_text("utf-8")
    m = re.search(pattern, text, flags=re.M | re.S)
    assert m, f"{pattern!r} not found in {name}"
    path.write_text(text[: m.start(1)] + new + text[m.end(1) :], "utf-8")


def make_profile(**over: Any) -> Profile:
    """A 58-year-old man with type 2 diabetes and eGFR 80; tables in ``over`` are merged."""
    base: dict[str, Any] = {
        "person": {"age": 58, "sex": "male"},
        "health": {"diabetes": "type2", "egfr": 80, "medications": []},
        "water": {"source": "tap", "magnesium_mg_per_l": 10, "liters_per_day": 1.5},
    }
    for k, v in over.items():
        base[k] = {**base.get(k, {}), **v} if isinstance(v, dict) else v
    return parse_profile(base)
