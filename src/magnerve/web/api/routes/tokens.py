"""Personal access tokens for API clients: create, list, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response, status

from magnerve.web import crud
from magnerve.web.api.deps import CurrentCaller, Db
from magnerve.web.schemas import DB_INT_MAX, TokenCreate, TokenCreated, TokenOut

router = APIRouter(prefix="/tokens", tags=["tokens"])

Id = Annotated[int, Path(ge=1, le=DB_INT_MAX)]


@router.get("", response_model=list[TokenOut])
def list_tokens(caller: CurrentCaller, db: Db) -> list[TokenOut]:
    """The caller's tokens (never their secrets)."""
    return [
        TokenOut.model_validate(t, from_attributes=True) for t in crud.list_tokens(db, caller.user)
    ]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TokenCreated)
def create_token(body: TokenCreate, caller: CurrentCaller, db: Db) -> TokenCreated:
    """A new token; its secret is in this answer only (stored as a SHA-256 digest).
    ``scope``: ``read_write`` (default) or ``read`` (every POST, PUT, PATCH and DELETE with
    it answers 403)."""
    raw, row = crud.create_token(db, caller.user, body.name, body.scope)
    out = TokenOut.model_validate(row, from_attributes=True)
    return TokenCreated(**out.model_dump(), token=raw)


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: Id, caller: CurrentCaller, db: Db) -> Response:
    """Revoke one of the caller's tokens (404 when the caller has no such token)."""
    if not crud.delete_token(db, caller.user, token_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such token")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
