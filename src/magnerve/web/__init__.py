"""The web face of magnerve: a FastAPI app with accounts, a food diary and a JSON API.

Build it with :func:`magnerve.web.create_app` (``magnerve serve`` runs it under uvicorn).
Business logic stays in the core: this package only stores diary lines, calls the core's
public API (``magnerve.foods``) and renders the results. See ``docs/web.md``.

Needs the ``web`` extra: ``pip install "magnerve[web]"``. Names load lazily (PEP 562), so
``magnerve.web.core.config`` can be read without importing FastAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Settings", "create_app"]

if TYPE_CHECKING:
    from magnerve.web.core.config import Settings
    from magnerve.web.main import create_app

_LAZY = {"Settings": "magnerve.web.core.config", "create_app": "magnerve.web.main"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
