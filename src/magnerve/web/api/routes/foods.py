"""Food search and autocomplete (the core's ``magnerve.foods.search`` and ``suggest``; no
personal data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from magnerve import foods
from magnerve.web.schemas import LIMITS, FoodHit, SearchResult

router = APIRouter(prefix="/foods", tags=["foods"])


@router.get("/search", response_model=SearchResult)
def search_foods(
    q: Annotated[str, Query(max_length=LIMITS.text_max_length, description="What was typed.")],
    limit: Annotated[
        int, Query(ge=1, le=LIMITS.search_max_limit, description="Most results to return.")
    ] = LIMITS.search_default_limit,
) -> SearchResult:
    """SR28 foods matching everyday text, best first (empty for blank text)."""
    hits = foods.search(q, limit) if q.strip() else []
    return SearchResult(query=q, hits=[FoodHit(**h.to_dict()) for h in hits])


@router.get("/suggest", response_model=SearchResult)
def suggest_foods(
    q: Annotated[
        str, Query(max_length=LIMITS.text_max_length, description="What was typed so far.")
    ],
    limit: Annotated[
        int, Query(ge=1, le=LIMITS.search_max_limit, description="Most results to return.")
    ] = LIMITS.search_default_limit,
) -> SearchResult:
    """Autocomplete while typing: like search, but the last word may be unfinished ("almo"
    suggests almonds); the core's ``magnerve.foods.suggest``."""
    hits = foods.suggest(q, limit) if q.strip() else []
    return SearchResult(query=q, hits=[FoodHit(**h.to_dict()) for h in hits])
