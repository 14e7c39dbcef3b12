"""Output schema of an error (``MagnerveError.to_dict``): the body item of an HTTP 422 and
what a JSON client gets instead of a result."""

from __future__ import annotations

from pydantic import Field

from magnerve.schemas._base import Closed
from magnerve.schemas.intake import DiaryProblemOut

__all__ = ["ErrorOut"]


class ErrorOut(Closed):
    """An error: its class, message and, for a user's input, where the problem is."""

    type: str = Field(description="Exception class, e.g. 'ProfileError', 'DiaryError'.")
    message: str = Field(description="What went wrong, in words.")
    loc: list[str | int] | None = Field(
        default=None,
        description="Input errors: field path in a structured input, e.g. ['person', 'age'].",
    )
    line: int | None = Field(default=None, description="Input errors: line number in a file.")
    problems: list[DiaryProblemOut] | None = Field(
        default=None, description="Diary errors: every line that could not be used."
    )
