"""Food search and autocomplete (the core's ``magnerve.foods.search`` and ``suggest``; no
personal data).

Answers are public and depend only on the text, the limit and the reference data, so each
worker keeps the JSON of recent answers (:mod:`magnerve.web.core.cache`): a repeated query
costs a dictionary lookup in the event loop; a new one runs the core in the thread pool.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from magnerve import foods
from magnerve.web.core.cache import cached_answer, store_answer
from magnerve.web.schemas import LIMITS, FoodHit, SearchResult

router = APIRouter(prefix="/foods", tags=["foods"])

_JSON = "application/json"


def _answer_json(find: Callable[[str, int], Sequence[Any]], q: str, limit: int) -> bytes:
    """The JSON body of a search answer (``SearchResult``), made by the core's ``find``."""
    hits = find(q, limit) if q.strip() else []
    result = SearchResult(query=q, hits=[FoodHit(**h.to_dict()) for h in hits])
    return result.model_dump_json().encode()


async def _answer(
    route: str, find: Callable[[str, int], Sequence[Any]], q: str, limit: int
) -> Response:
    key = (route, q, limit)
    body = cached_answer(key)
    if body is None:
        body = await run_in_threadpool(_answer_json, find, q, limit)
        store_answer(key, body)
    return Response(body, media_type=_JSON)


@router.get("/search", response_model=SearchResult)
async def search_foods(
    q: Annotated[str, Query(max_length=LIMITS.text_max_length, description="What was typed.")],
    limit: Annotated[
        int, Query(ge=1, le=LIMITS.search_max_limit, description="Most results to return.")
    ] = LIMITS.search_default_limit,
) -> Response:
    """SR28 foods matching everyday text, best first (empty for blank text)."""
    return await _answer("search", foods.search, q, limit)


@router.get("/suggest", response_model=SearchResult)
async def suggest_foods(
    q: Annotated[
        str, Query(max_length=LIMITS.text_max_length, description="What was typed so far.")
    ],
    limit: Annotated[
        int, Query(ge=1, le=LIMITS.search_max_limit, description="Most results to return.")
    ] = LIMITS.search_default_limit,
) -> Response:
    """Autocomplete while typing: like search, but the last word may be unfinished ("almo"
    suggests almonds); the core's ``magnerve.foods.suggest``."""
    return await _answer("suggest", foods.suggest, q, limit)
