"""Diary entries: list by date range, create from free text, read, edit, delete, copy a day.

Every query is restricted to the caller's own rows; another account's id answers 404.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel

from magnerve.web import crud
from magnerve.web.api.deps import CurrentCaller, Db
from magnerve.web.api.routes.tokens import Id
from magnerve.web.core.config import policy
from magnerve.web.models import DiaryEntryRow, User
from magnerve.web.schemas import (
    LIMITS,
    CopyRequest,
    CopyResult,
    EntryCreate,
    EntryList,
    EntryOut,
    EntryUpdate,
    FoodOut,
    FrequentFood,
    FrequentList,
)

#: Quick add: the lines of the last ``RECENT_DAYS`` days, the ``RECENT_TOP`` most frequent
#: (``settings.toml`` [recent]).
RECENT_DAYS = int(policy()["recent"]["days"])
RECENT_TOP = int(policy()["recent"]["top"])

router = APIRouter(prefix="/diary", tags=["diary"])


def entry_out(row: DiaryEntryRow) -> EntryOut:
    """The API form of a stored entry."""
    return EntryOut(
        id=row.id,
        date=row.date,
        meal=row.meal,
        text=row.text,
        note=row.note,
        food={"id": row.food_id, "description": row.food_description},  # type: ignore[arg-type]
        amount=row.amount,
        unit=row.unit,
        grams=row.grams,
        measure=row.measure,
        confidence=row.confidence,
        uncertain=row.uncertain,
        alternatives=row.alternatives,  # type: ignore[arg-type]
        notes=row.notes,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _own(db: Db, caller: CurrentCaller, entry_id: int) -> DiaryEntryRow:
    row = crud.get_entry(db, caller.user, entry_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such diary entry")
    return row


@router.get("/entries", response_model=EntryList)
def list_entries(
    caller: CurrentCaller,
    db: Db,
    start: Annotated[date, Query(description="First day (YYYY-MM-DD).")],
    end: Annotated[date | None, Query(description="Last day, inclusive (default: start).")] = None,
) -> EntryList:
    """The caller's entries from ``start`` to ``end``, by date then entry order."""
    first, last = crud.day_range(start, end, LIMITS.list_max_days)
    rows = crud.list_entries(db, caller.user, first, last)
    return EntryList(start=first, end=last, entries=[entry_out(r) for r in rows])


def validated_json(model: BaseModel, status_code: int = status.HTTP_200_OK) -> Response:
    """``model`` (validated when it was built) as a JSON response.

    Returning a model instead would have FastAPI validate it again against the route's
    ``response_model``, in another trip through the thread pool for a plain ``def`` route.
    """
    return Response(model.model_dump_json().encode(), status_code, media_type="application/json")


@router.post("/entries", status_code=status.HTTP_201_CREATED, response_model=EntryOut)
def create_entry(body: EntryCreate, caller: CurrentCaller, db: Db) -> Response:
    """Add a line typed as free text (``"1/2 cup boiled spinach"``); the core finds the food,
    the grams, a confidence and the alternatives. A line it cannot understand answers 422 at
    ``body.text`` with its reason and suggestions."""
    row = crud.create_entry(db, caller.user, body.date, body.text, body.meal, body.note)
    return validated_json(entry_out(row), status.HTTP_201_CREATED)


@router.get("/entries/{entry_id}", response_model=EntryOut)
def read_entry(entry_id: Id, caller: CurrentCaller, db: Db) -> Response:
    """One of the caller's entries."""
    return validated_json(entry_out(_own(db, caller, entry_id)))


@router.patch("/entries/{entry_id}", response_model=EntryOut)
def update_entry(entry_id: Id, body: EntryUpdate, caller: CurrentCaller, db: Db) -> Response:
    """Change the day, meal, note or text of an entry, or pick another food for it
    (``food_id``, e.g. one of its alternatives)."""
    row = _own(db, caller, entry_id)
    return validated_json(
        entry_out(crud.update_entry(db, row, body.model_dump(exclude_unset=True)))
    )


@router.delete("/entries/{entry_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_entry(entry_id: Id, caller: CurrentCaller, db: Db) -> Response:
    """Delete one of the caller's entries."""
    crud.delete_entry(db, _own(db, caller, entry_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/copy", status_code=status.HTTP_201_CREATED, response_model=CopyResult)
def copy_day(body: CopyRequest, caller: CurrentCaller, db: Db, request: Request) -> CopyResult:
    """Copy every entry of ``from_date`` (or of one ``meal``) to ``to_date``, into the meal
    ``to_meal`` when given (copy a meal, also to another meal of the same day)."""
    rows = crud.copy_day(db, caller.user, body.from_date, body.to_date, body.meal, body.to_meal)
    return CopyResult(copied=len(rows), entries=[entry_out(r) for r in rows])


def frequent(db: Db, user: User, end: date) -> FrequentList:
    """The quick-add list of ``user`` for the :data:`RECENT_DAYS` days ending ``end``."""
    found = crud.frequent_foods(db, user, end, RECENT_DAYS, RECENT_TOP)
    return FrequentList(
        end=end,
        days=RECENT_DAYS,
        foods=[
            FrequentFood(
                text=f["text"],
                meal=f["meal"],
                food=FoodOut(id=f["food_id"], description=f["food_description"]),
                grams=f["grams"],
                count=f["count"],
                last_date=f["last_date"],
            )
            for f in found
        ],
    )


@router.get("/frequent", response_model=FrequentList)
def frequent_foods(
    caller: CurrentCaller,
    db: Db,
    end: Annotated[date | None, Query(description="Last day (default: today).")] = None,
) -> FrequentList:
    """Recent and frequent foods for quick add: the caller's lines of the last 14 days, the
    10 logged most often (ties: the most recent first). Add one again by posting its
    ``text`` and ``meal`` to ``/diary/entries``."""
    return frequent(db, caller.user, end or date.today())
