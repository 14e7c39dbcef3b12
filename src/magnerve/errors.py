"""magnerve's exception tree.

``MagnerveError`` is the root. ``InputError`` is a user mistake (a bad diary line, profile
field, food line, portion or plan option): it carries where the problem is, a field path
(``loc``) and/or a line number, ready to map to an HTTP 422 or a CLI message with exit code 1.
``ModelError`` is a failure of a model or solver on valid input. Every class also keeps its
historical builtin base (``ValueError``, ``KeyError``, ``RuntimeError``), so existing
``except ValueError`` code keeps working.

    MagnerveError
    ├── InputError (ValueError)
    │   ├── DiaryError, ProfileError, ParseError (SupplementLineError), AmountError,
    │   │   PortionError, PlanError
    │   ├── OutOfRangeError: a number outside its range in ``data/bounds.toml`` (or not finite)
    │   ├── OutputPathError: an output file that cannot be written, or would overwrite an input
    │   └── FoodNotFoundError (also KeyError)
    ├── ReferenceDataError (ValueError): no reference value for a life stage (RequirementError)
    ├── DataError (ValueError): the reference data itself is broken
    │   └── DataFileError: a data file does not fit its typed section (names file and key path)
    └── ModelError (RuntimeError): a model or solver failed; PDFUnavailableError
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DataError",
    "DataFileError",
    "InputError",
    "MagnerveError",
    "ModelError",
    "OutOfRangeError",
    "OutputPathError",
    "ReferenceDataError",
]


class MagnerveError(Exception):
    """Root of magnerve's exceptions."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (``{"type", "message"}``, plus location for input errors)."""
        return {"type": type(self).__name__, "message": str(self)}


class InputError(MagnerveError, ValueError):
    """A user's input cannot be used.

    Attributes
    ----------
    loc : tuple of str or int
        Field path in a structured input (``("person", "age")``); empty when not applicable.
    line : int or None
        Line number in a file, when the input is a file.
    """

    loc: tuple[str | int, ...] = ()
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description with ``loc`` and ``line`` (an HTTP 422 body item)."""
        d = super().to_dict()
        d["loc"] = list(self.loc)
        d["line"] = self.line
        return d


class ReferenceDataError(MagnerveError, ValueError):
    """The reference data has no value for this case (e.g. no EAR for infants)."""


class DataError(MagnerveError, ValueError):
    """The reference data cannot be used: a shipped data file, or one of a registry swapped in
    with :func:`magnerve.registry.use_registry`, is broken or hand-edited wrongly. Not a user
    input error (nothing the person entered is wrong) and not a model failure."""


class DataFileError(DataError):
    """A data file does not fit its typed section (:mod:`magnerve._sections`).

    Attributes
    ----------
    file : str
        The data file (``"absorption.toml"``).
    path : str
        Dotted key path inside the file (``"model.vmax.value"``; empty for the top level).
    problem : str
        What is wrong (``"expected a number, got 'x'"``).
    """

    def __init__(self, file: str, path: str, problem: str) -> None:
        super().__init__(f"{file}: {path or '(top level)'}: {problem}")
        self.file, self.path, self.problem = file, path, problem

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.file, self.path, self.problem))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description with the ``file`` and key ``path``."""
        d = super().to_dict()
        d["file"], d["path"] = self.file, self.path
        return d


class ModelError(MagnerveError, RuntimeError):
    """A model or solver failed on valid input."""


class OutOfRangeError(InputError):
    """A number is not finite, or outside its range in ``data/bounds.toml``.

    Attributes
    ----------
    key : str
        The bound's key in ``bounds.toml`` (``"profile.labs.serum_magnesium"``).
    value : object
        The value as given (or as converted to the bound's unit).
    """

    def __init__(
        self, message: str, *, key: str = "", value: object = None, loc: tuple[str | int, ...] = ()
    ) -> None:
        super().__init__(message)
        self.key = key
        self.value = value
        self.loc = loc

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description with ``loc``, ``line`` and the bound's ``key``."""
        d = super().to_dict()
        d["key"] = self.key
        return d


class OutputPathError(InputError):
    """An output file cannot be written (missing directory, a directory, no permission), or
    it is one of the command's input files."""
