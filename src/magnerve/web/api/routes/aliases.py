"""Per-account food aliases: "this text means SR28 food X".

A person's corrections are stored with their account (``food_aliases``) and used when their
diary lines are read, through the core's ``magnerve.foods.parse_line(text, aliases=...)``:
never the server operator's alias file, and never another account's aliases.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response, status

from magnerve import foods
from magnerve.web import crud
from magnerve.web.api.deps import CurrentCaller, Db
from magnerve.web.api.routes.tokens import Id
from magnerve.web.core.config import policy
from magnerve.web.models import FoodAlias
from magnerve.web.schemas import AliasIn, AliasOut, AliasUpdate, FoodOut

__all__ = ["MAX_ALIASES", "alias_out", "router"]

router = APIRouter(prefix="/aliases", tags=["aliases"])

#: Most aliases one account keeps (``settings.toml`` [aliases], a sanity bound).
MAX_ALIASES = int(policy()["aliases"]["max_aliases"])


def alias_out(row: FoodAlias) -> AliasOut:
    """The API form of a stored alias."""
    food = foods.get_food(row.food_id)
    return AliasOut(
        id=row.id,
        text=row.text,
        key=row.key,
        food=FoodOut(id=food.id, description=food.description),
        created_at=row.created_at,
    )


@router.get("", response_model=list[AliasOut])
def list_aliases(caller: CurrentCaller, db: Db) -> list[AliasOut]:
    """The caller's food aliases, oldest first."""
    return [alias_out(r) for r in crud.list_aliases(db, caller.user)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AliasOut)
def create_alias(body: AliasIn, caller: CurrentCaller, db: Db, response: Response) -> AliasOut:
    """Remember that ``text`` means the SR28 food ``food_id``: the caller's later diary lines
    with this food text (any amount, case or punctuation) resolve to it. An alias of the same
    text is replaced (200). 422 at ``body.text`` when the text has no food words, at
    ``body.food_id`` when no SR28 food has the number."""
    row, new = crud.save_alias(db, caller.user, body.text, body.food_id, MAX_ALIASES)
    if not new:
        response.status_code = status.HTTP_200_OK
    return alias_out(row)


@router.put("", response_model=AliasOut)
def put_alias(body: AliasIn, caller: CurrentCaller, db: Db) -> AliasOut:
    """Create or replace the alias of ``text`` (the same as ``POST``, always 200)."""
    row, _ = crud.save_alias(db, caller.user, body.text, body.food_id, MAX_ALIASES)
    return alias_out(row)


@router.put("/{alias_id}", response_model=AliasOut)
def update_alias(alias_id: Id, body: AliasUpdate, caller: CurrentCaller, db: Db) -> AliasOut:
    """Point one of the caller's aliases at another SR28 food."""
    row = crud.get_alias(db, caller.user, alias_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such alias")
    row, _ = crud.save_alias(db, caller.user, row.text, body.food_id, MAX_ALIASES)
    return alias_out(row)


@router.delete("/{alias_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_alias(alias_id: Id, caller: CurrentCaller, db: Db) -> Response:
    """Forget one of the caller's aliases (404 when the caller has no such alias)."""
    if not crud.delete_alias(db, caller.user, alias_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such alias")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
