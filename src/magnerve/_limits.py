"""Resource limits and sanity bounds for diary input, from ``data/limits.toml``.

The limits are engineering limits, not physiological values: they bound the memory and time
one diary can take and refuse input no real diary holds. Each is stated in the data file with
its reason; input beyond a limit is refused with an :class:`magnerve.errors.InputError` (a
whole-file limit) or reported as a problem of its line (a per-line bound), never cut silently.

Examples
--------
>>> lim = diary_limits()
>>> lim.max_line_chars
100000
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from magnerve.registry import get_registry, registry_cache

if TYPE_CHECKING:  # pragma: no cover
    from magnerve._sections import SourcedValue

__all__ = ["DiaryLimits", "diary_limits"]


@dataclass(frozen=True, slots=True)
class DiaryLimits:
    """Limits applied by the diary readers (see ``data/limits.toml``).

    Attributes
    ----------
    max_file_bytes : int
        Largest diary file [bytes] (for text: characters).
    max_lines : int
        Most physical lines in a diary [-].
    max_line_chars : int
        Longest physical line of a CSV diary [characters].
    max_record_lines : int
        Most physical lines one CSV record may span through a quoted cell [-].
    max_json_depth : int
        Deepest nesting of a JSON diary [levels].
    max_food_chars : int
        Longest food text matched against SR28 [characters].
    max_portion_g : float
        Largest portion of one diary line [g] (sanity bound, not physiological).
    max_nutrient_value : float
        Largest nutrient value of one line, in the column's own unit [-] (sanity bound).
    min_year, max_year : int
        Range of diary dates accepted [year] (sanity bound).
    fifo_wait_s : float
        Longest wait for the first data of a diary read from a pipe or FIFO [s].
    max_alias_file_bytes : int
        Largest alias file [bytes].
    max_alias_json_depth : int
        Deepest nesting of the alias file [levels].
    """

    max_file_bytes: int
    max_lines: int
    max_line_chars: int
    max_record_lines: int
    max_json_depth: int
    max_food_chars: int
    max_portion_g: float
    max_nutrient_value: float
    min_year: int
    max_year: int
    fifo_wait_s: float
    max_alias_file_bytes: int
    max_alias_json_depth: int


@registry_cache
def diary_limits() -> DiaryLimits:
    """The diary limits of ``data/limits.toml`` (loaded once per registry).

    Returns
    -------
    DiaryLimits
    """
    lim = get_registry().section("limits")
    res, diary, aliases = lim.resources, lim.diary, lim.aliases

    def n(v: SourcedValue) -> int:
        return int(float(v))

    return DiaryLimits(
        max_file_bytes=n(res["max_file_bytes"]),
        max_lines=n(res["max_lines"]),
        max_line_chars=n(res["max_line_chars"]),
        max_record_lines=n(res["max_record_lines"]),
        max_json_depth=n(res["max_json_depth"]),
        max_food_chars=n(res["max_food_chars"]),
        max_portion_g=float(diary["max_portion_g"]),
        max_nutrient_value=float(diary["max_nutrient_value"]),
        min_year=n(diary["min_year"]),
        max_year=n(diary["max_year"]),
        fifo_wait_s=float(res["fifo_wait_s"]),
        max_alias_file_bytes=n(aliases["max_file_bytes"]),
        max_alias_json_depth=n(aliases["max_json_depth"]),
    )
