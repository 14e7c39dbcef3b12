"""The ``/api/v1`` router: every resource router in one place."""

from __future__ import annotations

from fastapi import APIRouter

from magnerve.web.api.routes import (
    account,
    aliases,
    analysis,
    auth,
    diary,
    foods,
    imports,
    reports,
    sharing,
    supplements,
    tokens,
)

__all__ = ["API_PREFIX", "api_router"]

API_PREFIX = "/api/v1"

api_router = APIRouter(prefix=API_PREFIX)
api_router.include_router(auth.router)
api_router.include_router(tokens.router)
api_router.include_router(diary.router)
api_router.include_router(foods.router)
api_router.include_router(account.router)
api_router.include_router(sharing.router)
api_router.include_router(analysis.router)
api_router.include_router(supplements.router)
api_router.include_router(aliases.router)
api_router.include_router(imports.router)
api_router.include_router(reports.router)
