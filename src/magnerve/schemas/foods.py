"""Output schemas of the food commands: ``foods search``, ``parse`` and a parsed diary line."""

from __future__ import annotations

from pydantic import Field, RootModel

from magnerve.schemas._base import Closed, Num

__all__ = [
    "FoodRefOut",
    "FoodsSearchOut",
    "ParseErrorOut",
    "ParseOut",
    "ParsedLineOut",
    "SearchHitOut",
]


class FoodRefOut(Closed):
    """An SR28 food: NDB number and description."""

    id: str = Field(description="SR28 NDB number, e.g. '12061'.")
    description: str = Field(description="SR28 long description.")


class SearchHitOut(Closed):
    """One food found by the search."""

    id: str = Field(description="SR28 NDB number.")
    description: str = Field(description="SR28 long description.")
    score: Num = Field(description="Ranking score [0-1], rounded to 4 decimals.")
    food_group: str = Field(description="SR28 food group name.")


class FoodsSearchOut(RootModel[list[SearchHitOut]]):
    """``magnerve foods search --json``: the hits, best first."""


class ParsedLineOut(Closed):
    """A free-text line understood as an amount of an SR28 food (``ParsedLine.to_dict``)."""

    text: str = Field(description="The line as given.")
    food: FoodRefOut = Field(description="The food chosen.")
    amount: Num = Field(description="Number of units [-].")
    unit: str = Field(description="Unit as understood (mass, volume or SR28 measure word).")
    grams: Num = Field(description="Edible weight [g], rounded to 3 decimals.")
    measure: str | None = Field(description="SR28 household measure used, if any.")
    confidence: Num = Field(description="Match confidence [0-1], rounded to 3 decimals.")
    alternatives: list[SearchHitOut] = Field(description="Other candidate foods, best first.")
    notes: list[str] = Field(description="Assumptions made (unit, measure, amount).")
    uncertain: bool = Field(description="True when the line should be reviewed.")


class ParseOut(ParsedLineOut):
    """``magnerve parse --json``: the parsed line and its nutrients."""

    nutrients: dict[str, Num | None] = Field(
        description="Nutrient key -> amount in the line [the nutrient's unit, see "
        "`magnerve foods show`]; null where SR28 has no value."
    )


class ParseErrorOut(Closed):
    """``magnerve parse --json`` when the line cannot be understood (exit code 1)."""

    error: str = Field(description="What went wrong, in words.")
    suggestions: list[str] = Field(description="What could be written instead.")
