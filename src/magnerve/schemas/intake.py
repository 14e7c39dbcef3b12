"""Output schemas of ``magnerve intake --json`` (``IntakeReport.to_dict`` plus the diary's
own findings the command adds).

A 10-year diary has about 38,000 lines and 150,000 totals: ``IntakeReport.to_dict`` builds
that mapping directly (validating it here would cost more than the whole computation), and
the tests validate the output of every golden example and of random diaries against these
models, so they stay the definition of the JSON.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from magnerve.schemas._base import Closed, Num
from magnerve.schemas.foods import FoodRefOut

__all__ = [
    "DayFlagOut",
    "DayTotalsOut",
    "DiaryProblemOut",
    "DiarySupplementOut",
    "ExportCheckOut",
    "ExportComparisonOut",
    "FileLineOut",
    "IntakeOut",
    "IntakeReportOut",
    "LineFlagOut",
    "MealTotalsOut",
    "MeanDailyOut",
    "NutrientInfoOut",
    "NutrientTotalOut",
    "SR28LineOut",
]

_LINE_NUTRIENTS = (
    "Nutrient key -> amount in this line [the nutrient's unit, see `nutrients`], rounded to 4 "
    "decimals; null where the food has no value."
)


class NutrientInfoOut(Closed):
    """A reported nutrient (a column of the report)."""

    key: str = Field(description="magnerve's nutrient key, e.g. 'magnesium_mg'.")
    label: str = Field(description="Readable name.")
    unit: str = Field(description="Unit of every amount of this nutrient, e.g. 'mg'.")
    sr28_nutr_no: str = Field(description="SR28 nutrient number, e.g. '304'.")


class NutrientTotalOut(Closed):
    """A sum over lines and how complete it is (unknown values are never taken as zero)."""

    value: Num | None = Field(
        description="Sum of the known values [the nutrient's unit], rounded to 4 decimals; "
        "null when no line has a value. A lower bound when `complete` is false."
    )
    complete: bool = Field(description="True when every line had a value.")
    coverage: Num = Field(description="Share of lines with a known value [0-1].")
    missing_lines: list[int] = Field(description="Diary line numbers without a value.")


class SR28LineOut(Closed):
    """A diary line matched to an SR28 food (``source`` = ``"sr28"``)."""

    line: int = Field(description="Line number in the file.")
    date: dt.date = Field(description="Day eaten (ISO 8601).")
    time: str | None = Field(description="Time as written.")
    meal: str | None = Field(description="Meal or diary group as written.")
    text: str = Field(description="The food text as parsed.")
    food: FoodRefOut = Field(description="The SR28 food chosen.")
    amount: Num = Field(description="Number of units [-].")
    unit: str = Field(description="Unit as understood.")
    grams: Num = Field(description="Edible weight [g], rounded to 3 decimals.")
    measure: str | None = Field(description="SR28 household measure used, if any.")
    confidence: Num = Field(description="Match confidence [0-1].")
    notes: list[str] = Field(description="Assumptions made.")
    uncertain: bool = Field(description="True when the match should be reviewed.")
    source: Literal["sr28"] = Field(description="Nutrients from SR28.")
    nutrients: dict[str, Num | None] = Field(description=_LINE_NUTRIENTS)


class FileLineOut(Closed):
    """A diary line with the file's own nutrient values (no SR28 match; ``source`` =
    ``"file"``)."""

    line: int = Field(description="Line number in the file.")
    date: dt.date = Field(description="Day eaten (ISO 8601).")
    time: str | None = Field(description="Time as written.")
    meal: str | None = Field(description="Meal or diary group as written.")
    text: str = Field(description="The food name as written.")
    food: None = Field(description="No SR28 food.")
    amount: None = Field(description="No amount.")
    unit: None = Field(description="No unit.")
    grams: None = Field(description="No weight.")
    measure: None = Field(description="No measure.")
    confidence: None = Field(description="No match.")
    notes: list[str] = Field(description="How the line was read.")
    source: Literal["file"] = Field(description="Nutrients from the file.")
    nutrients: dict[str, Num | None] = Field(description=_LINE_NUTRIENTS)


class MealTotalsOut(Closed):
    """Totals of one meal of one day."""

    date: dt.date = Field(description="Day (ISO 8601).")
    meal: str = Field(description="Meal as written ('unspecified' when the line has none).")
    nutrients: dict[str, NutrientTotalOut] = Field(description="Nutrient key -> total.")


class DayTotalsOut(Closed):
    """Totals of one day."""

    date: dt.date = Field(description="Day (ISO 8601).")
    nutrients: dict[str, NutrientTotalOut] = Field(description="Nutrient key -> total.")


class MeanDailyOut(Closed):
    """Mean of the day totals."""

    n_days: int = Field(description="Days in the diary.")
    nutrients: dict[str, NutrientTotalOut] = Field(
        description="Nutrient key -> mean per day [the nutrient's unit per day]."
    )


class LineFlagOut(Closed):
    """A line to check: an implausible portion or energy in one line."""

    level: Literal["line"]
    line: int = Field(description="Line number in the file.")
    kind: Literal["portion", "line_energy"] = Field(description="What looks implausible.")
    message: str = Field(description="What to check, in words.")


class DayFlagOut(Closed):
    """A day to check: reported energy outside the plausible range."""

    level: Literal["day"]
    date: dt.date = Field(description="Day (ISO 8601).")
    kind: Literal["day_energy"] = Field(description="What looks implausible.")
    message: str = Field(description="What to check, in words.")


class IntakeReportOut(Closed):
    """``IntakeReport.to_dict()``: nutrient intake per line, meal and day, with coverage."""

    nutrients: list[NutrientInfoOut] = Field(description="The reported nutrients, in order.")
    lines: list[Annotated[SR28LineOut | FileLineOut, Field(discriminator="source")]] = Field(
        description="Every diary line, in file order."
    )
    meals: list[MealTotalsOut] = Field(description="Totals per meal within a day.")
    days: list[DayTotalsOut] = Field(description="Totals per day, in date order.")
    mean_daily: MeanDailyOut = Field(description="Mean of the day totals.")
    plausibility: list[Annotated[LineFlagOut | DayFlagOut, Field(discriminator="level")]] = Field(
        description="Lines and days to check; flags never change the numbers."
    )


class DiaryProblemOut(Closed):
    """A diary line that could not be used."""

    line: int = Field(description="Line number in the file.")
    text: str = Field(description="The line's content.")
    reason: str = Field(description="What is wrong.")
    suggestions: list[str] = Field(description="What could be written instead.")


class DiarySupplementOut(Closed):
    """A supplement row of a diary (counted as a supplement, not as food)."""

    line: int = Field(description="Line number in the file.")
    date: dt.date = Field(description="Day taken (ISO 8601).")
    time: str | None = Field(description="Time as written.")
    meal: str | None = Field(description="Diary group as written.")
    name: str = Field(description="Name as written.")
    amount: Num = Field(description="Number of servings [-].")
    unit: str = Field(description="Serving as written.")
    form: str | None = Field(description="Magnesium salt named, e.g. 'glycinate'.")
    hydrate: str | None = Field(description="Hydrate named, if any.")
    elemental_mg: Num | None = Field(description="Elemental magnesium of the row [mg].")
    dose_elemental_mg: Num | None = Field(
        description="Elemental magnesium read from the name and amount [mg]."
    )
    salt_mg: Num | None = Field(description="Salt mass named [mg].")
    nutrients: dict[str, Num | None] = Field(
        description="Nutrient key -> amount of the row [the nutrient's unit]."
    )
    notes: list[str] = Field(description="How the dose was read.")


class ExportComparisonOut(Closed):
    """SR28 figures of an exported row next to the export's own."""

    magnesium_sr28: Num | None = Field(description="Magnesium from SR28 [mg].")
    magnesium_export: Num | None = Field(description="Magnesium in the export [mg].")
    energy_sr28: Num | None = Field(description="Energy from SR28 [kcal].")
    energy_export: Num | None = Field(description="Energy in the export [kcal].")
    agrees: bool | None = Field(description="Whether the compared figures agree.")
    reason: str = Field(description="Why they disagree ('' otherwise).")


class ExportCheckOut(Closed):
    """How a Cronometer food row was resolved."""

    line: int = Field(description="Line number in the file.")
    name: str = Field(description="Food name as written.")
    amount: str = Field(description="Amount as written.")
    construct_: str = Field(
        alias="construct", description="Form of the row (mass, multiplier, volume ...)."
    )
    food: FoodRefOut | None = Field(description="SR28 match, if any.")
    grams: Num | None = Field(description="Weight from the match [g].")
    confidence: Num | None = Field(description="Match confidence [0-1].")
    comparison: ExportComparisonOut | None = Field(description="SR28 vs export figures.")
    used: Literal["sr28", "export"] = Field(description="Whose values the entry uses.")
    reason: str = Field(description="Why, in words.")


class IntakeOut(IntakeReportOut):
    """``magnerve intake --json``: the report plus what the diary reader found."""

    source: str = Field(description="The diary file as given.")
    skipped: list[DiaryProblemOut] = Field(description="Lines skipped (--skip-bad).")
    format: str = Field(description="Diary format read, e.g. 'csv', 'cronometer'.")
    kind: Literal["foods", "meal_totals", "day_totals"] = Field(
        description="What a line of the diary is."
    )
    supplements: list[DiarySupplementOut] = Field(description="Supplement rows.")
    export_checks: list[ExportCheckOut] = Field(description="Cronometer rows checked.")
    disagreements: list[int] = Field(description="Lines where export and SR28 disagree.")
    diary_notes: list[str] = Field(description="What the format gives and loses.")
