"""magnerve: magnesium status and nerve health.

The public API is flat: everything a user needs is importable from ``magnerve``.
Screening and education software, not a diagnostic device.
"""

from magnerve import foods
from magnerve.diary import Diary, DiaryEntry, DiaryError, DiaryProblem, read_diary, read_diary_text
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

__version__ = "0.1.0"

__all__ = [
    "Diary",
    "DiaryEntry",
    "DiaryError",
    "DiaryProblem",
    "Food",
    "FoodNotFoundError",
    "IntakeReport",
    "NutrientTotal",
    "ParseError",
    "ParsedLine",
    "SearchHit",
    "__version__",
    "foods",
    "get_food",
    "intake",
    "parse_line",
    "read_diary",
    "read_diary_text",
    "search",
]
