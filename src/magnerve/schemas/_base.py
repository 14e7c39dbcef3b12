"""Base classes and field types shared by the output schemas."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, WithJsonSchema

__all__ = ["Closed", "Num", "dump"]

#: A JSON number. Python ints stay ints and floats stay floats (``0`` is not rewritten as
#: ``0.0``), so the dump is the JSON magnerve wrote before the schemas existed. NaN and
#: infinity are written as ``null`` by magnerve's JSON writer: fields that can hold them are
#: typed ``Num | None``.
Num = Annotated[int | float, WithJsonSchema({"type": "number"})]


class Closed(BaseModel):
    """An output object whose keys are all known: an unknown key is an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def dump(model: BaseModel) -> dict[str, Any]:
    """The JSON-ready mapping of an output model.

    Keys that were not given are left out (``exclude_unset``), so an optional key (``declined``
    of the adequacy, ``history`` of the MNSI) appears only when the pipeline wrote it.

    Parameters
    ----------
    model : pydantic.BaseModel
        A validated output model.

    Returns
    -------
    dict
        Plain JSON types; NaN stays a float (the JSON writer turns it into ``null``).
    """
    out: dict[str, Any] = model.model_dump(mode="json", exclude_unset=True, by_alias=True)
    return out
