"""magnerve: magnesium status and nerve health.

The public API is flat: everything a user needs is importable from ``magnerve``. Names are
loaded lazily (PEP 562), so ``import magnerve`` and the command line start fast.
Screening and education software, not a diagnostic device.
"""

from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "foods": ("magnerve.foods", None),
    "Analysis": ("magnerve.analysis", "Analysis"),
    "analyse": ("magnerve.analysis", "analyse"),
    "Assessment": ("magnerve.assessment", "Assessment"),
    "assess": ("magnerve.assessment", "assess"),
    "Plan": ("magnerve.plan", "Plan"),
    "make_plan": ("magnerve.plan", "make_plan"),
    "Profile": ("magnerve.profile", "Profile"),
    "ProfileError": ("magnerve.profile", "ProfileError"),
    "load_profile": ("magnerve.profile", "load_profile"),
    "parse_profile": ("magnerve.profile", "parse_profile"),
    "MagnerveError": ("magnerve.errors", "MagnerveError"),
    "InputError": ("magnerve.errors", "InputError"),
    "ModelError": ("magnerve.errors", "ModelError"),
    "get_registry": ("magnerve.registry", "get_registry"),
    "use_registry": ("magnerve.registry", "use_registry"),
    "Diary": ("magnerve.diary", "Diary"),
    "DiaryEntry": ("magnerve.diary", "DiaryEntry"),
    "DiaryError": ("magnerve.diary", "DiaryError"),
    "DiaryProblem": ("magnerve.diary", "DiaryProblem"),
    "read_diary": ("magnerve.diary", "read_diary"),
    "read_diary_text": ("magnerve.diary", "read_diary_text"),
    "Food": ("magnerve.foods", "Food"),
    "FoodNotFoundError": ("magnerve.foods", "FoodNotFoundError"),
    "ParsedLine": ("magnerve.foods", "ParsedLine"),
    "ParseError": ("magnerve.foods", "ParseError"),
    "SearchHit": ("magnerve.foods", "SearchHit"),
    "get_food": ("magnerve.foods", "get_food"),
    "parse_line": ("magnerve.foods", "parse_line"),
    "search": ("magnerve.foods", "search"),
    "IntakeReport": ("magnerve.intake", "IntakeReport"),
    "NutrientTotal": ("magnerve.intake", "NutrientTotal"),
    "intake": ("magnerve.intake", "intake"),
}

if TYPE_CHECKING:
    from magnerve import foods
    from magnerve.analysis import Analysis, analyse
    from magnerve.assessment import Assessment, assess
    from magnerve.diary import (
        Diary,
        DiaryEntry,
        DiaryError,
        DiaryProblem,
        read_diary,
        read_diary_text,
    )
    from magnerve.errors import InputError, MagnerveError, ModelError
    from magnerve.foods import (
        Food,
        FoodNotFoundError,
        ParsedLine,
        ParseError,
        SearchHit,
        get_food,
        parse_line,
        search,
    )
    from magnerve.intake import IntakeReport, NutrientTotal, intake
    from magnerve.plan import Plan, make_plan
    from magnerve.profile import Profile, ProfileError, load_profile, parse_profile
    from magnerve.registry import get_registry, use_registry


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'magnerve' has no attribute {name!r}") from None
    mod = import_module(module)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


class _Package(types.ModuleType):
    """The package module: the submodule ``magnerve.intake`` must not shadow the public
    function ``magnerve.intake`` when it is imported (the import system sets the parent's
    attribute after loading a submodule)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "intake" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__all__ = [
    "Analysis",
    "Assessment",
    "Diary",
    "DiaryEntry",
    "DiaryError",
    "DiaryProblem",
    "Food",
    "FoodNotFoundError",
    "InputError",
    "IntakeReport",
    "MagnerveError",
    "ModelError",
    "NutrientTotal",
    "ParseError",
    "ParsedLine",
    "Plan",
    "Profile",
    "ProfileError",
    "SearchHit",
    "__version__",
    "analyse",
    "assess",
    "foods",
    "get_food",
    "get_registry",
    "intake",
    "load_profile",
    "make_plan",
    "parse_line",
    "parse_profile",
    "read_diary",
    "read_diary_text",
    "search",
    "use_registry",
]
