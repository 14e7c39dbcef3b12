"""Bundled example data (lifelines-style ``datasets``).

``load_demo()`` returns the demo person's diary and profile: a 58-year-old man with type 2
diabetes on a proton-pump inhibitor and a thiazide diuretic, drinking soft tap water, with a
week of meals. The same files are in the repository's ``examples/`` folder.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from magnerve.diary import Diary, read_diary_text
from magnerve.profile import Profile, parse_profile

__all__ = ["demo_paths", "load_demo"]


def demo_paths() -> tuple[Path, Path]:
    """Paths of the demo diary (CSV) and profile (TOML) inside the installed package."""
    base = resources.files("magnerve.datasets")
    return Path(str(base.joinpath("diary_week.csv"))), Path(str(base.joinpath("profile_t2d.toml")))


def load_demo() -> tuple[Diary, Profile]:
    """The demo diary and profile, parsed."""
    import tomllib

    base = resources.files("magnerve.datasets")
    diary = read_diary_text(base.joinpath("diary_week.csv").read_text("utf-8"), "csv", "demo diary")
    diary.raise_for_problems()
    profile = parse_profile(
        tomllib.loads(base.joinpath("profile_t2d.toml").read_text("utf-8")), "demo profile"
    )
    return diary, profile
