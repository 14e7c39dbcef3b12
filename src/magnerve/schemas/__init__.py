"""Output schemas: the JSON of magnerve's results, defined once as pydantic models.

``Assessment.to_dict()``, ``Plan.to_dict()``, ``Analysis.to_dict()`` and
``ParsedLine.to_dict()`` are the dumps of these models (a key or type outside the schema
raises). ``IntakeReport.to_dict()`` is built directly for speed (a 10-year diary has about
38,000 lines) and is held to :class:`IntakeReportOut` by the tests. The published JSON Schemas
(``docs/schema/*.json``, ``magnerve schema NAME``) are generated from these models by
:func:`json_schema`, so the CLI and the web API share them.

Submodules: ``foods`` (parse, search), ``intake``, ``assessment``, ``plan``, ``analysis``,
``errors``. This package imports pydantic only when a model is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

    from magnerve.schemas.analysis import AnalysisOut
    from magnerve.schemas.assessment import AssessmentOut
    from magnerve.schemas.errors import ErrorOut
    from magnerve.schemas.foods import (
        FoodsSearchOut,
        ParsedLineOut,
        ParseErrorOut,
        ParseOut,
        SearchHitOut,
    )
    from magnerve.schemas.intake import IntakeOut, IntakeReportOut
    from magnerve.schemas.plan import PlanOut

__all__ = [
    "SCHEMAS",
    "AnalysisOut",
    "AssessmentOut",
    "ErrorOut",
    "FoodsSearchOut",
    "IntakeOut",
    "IntakeReportOut",
    "ParseErrorOut",
    "ParseOut",
    "ParsedLineOut",
    "PlanOut",
    "SearchHitOut",
    "dump",
    "json_schema",
    "schema_model",
    "schema_text",
]

#: Published schema name -> (module, model): the output each describes.
SCHEMAS: dict[str, tuple[str, str]] = {
    "assess": ("assessment", "AssessmentOut"),  # magnerve assess --json, demo --json
    "plan": ("plan", "PlanOut"),  # magnerve plan --json
    "intake": ("intake", "IntakeOut"),  # magnerve intake --json
    "analysis": ("analysis", "AnalysisOut"),  # magnerve.analyse(...).to_dict()
    "parse": ("foods", "ParseOut"),  # magnerve parse --json
    "foods-search": ("foods", "FoodsSearchOut"),  # magnerve foods search --json
    "error": ("errors", "ErrorOut"),  # MagnerveError.to_dict(), an HTTP 422 body item
}

_MODULE_OF = {
    "AnalysisOut": "analysis",
    "AssessmentOut": "assessment",
    "ErrorOut": "errors",
    "FoodsSearchOut": "foods",
    "IntakeOut": "intake",
    "IntakeReportOut": "intake",
    "ParseErrorOut": "foods",
    "ParseOut": "foods",
    "ParsedLineOut": "foods",
    "PlanOut": "plan",
    "SearchHitOut": "foods",
}

_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def dump(model: BaseModel) -> dict[str, Any]:
    """The JSON-ready mapping of a validated output model (keys not given are left out).

    Parameters
    ----------
    model : pydantic.BaseModel
        An instance of one of this package's output models.

    Returns
    -------
    dict
        Plain JSON types; NaN stays a float (magnerve's JSON writer turns it into ``null``).
    """
    from magnerve.schemas._base import dump as _dump

    return _dump(model)


def schema_model(name: str) -> type[BaseModel]:
    """The output model of a published schema.

    Parameters
    ----------
    name : str
        A key of :data:`SCHEMAS` ("assess", "plan", "intake", "analysis", "parse",
        "foods-search", "error").

    Returns
    -------
    type of pydantic.BaseModel

    Raises
    ------
    KeyError
        For an unknown name (the message lists the known ones).
    """
    if name not in SCHEMAS:
        raise KeyError(f"unknown schema {name!r}; choose one of: {', '.join(SCHEMAS)}")
    module, model = SCHEMAS[name]
    cls: type[BaseModel] = getattr(importlib.import_module(f"magnerve.schemas.{module}"), model)
    return cls


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a published output.

    Parameters
    ----------
    name : str
        A key of :data:`SCHEMAS`.

    Returns
    -------
    dict
        The schema, with ``$schema`` and ``title``; deterministic (the same text on
        every run), as written to ``docs/schema/NAME.json`` by ``scripts/make_schemas.py``.
    """
    model = schema_model(name)
    body = model.model_json_schema(mode="validation")
    return {"$schema": _SCHEMA_DIALECT, **body}


def schema_text(name: str) -> str:
    """The published text of a JSON Schema: indented JSON with a final newline.

    ``scripts/make_schemas.py`` writes it to ``docs/schema/NAME.json`` and ``magnerve schema
    NAME`` prints it; a test keeps the files equal to it.

    Parameters
    ----------
    name : str
        A key of :data:`SCHEMAS`.

    Returns
    -------
    str
    """
    import json

    return json.dumps(json_schema(name), indent=2, ensure_ascii=False) + "\n"


def __getattr__(name: str) -> Any:
    if name in _MODULE_OF:
        return getattr(importlib.import_module(f"magnerve.schemas.{_MODULE_OF[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
