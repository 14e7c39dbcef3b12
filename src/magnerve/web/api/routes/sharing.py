"""Sharing with a professional: a person shares their diary and results read-only, and
revokes; the professional lists their clients, reads each one's diary and analysis, and
writes notes the client sees.

Every read by a professional checks the share again, so access ends the moment it is
revoked. A person who does not share with the caller answers 404, the same as no person.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from sqlalchemy.orm import Session

from magnerve.schemas import AnalysisOut
from magnerve.web import crud
from magnerve.web.api.deps import CurrentCaller, Db
from magnerve.web.api.routes.analysis import From, To, analysis_for, period
from magnerve.web.api.routes.diary import entry_out
from magnerve.web.api.routes.tokens import Id
from magnerve.web.models import ClientNote, User
from magnerve.web.schemas import (
    LIMITS,
    ClientOut,
    EntryList,
    NoteCreate,
    NoteOut,
    ShareCreate,
    ShareOut,
    UserRef,
)

__all__ = ["note_out", "router"]

router = APIRouter(tags=["sharing"])


def _ref(u: User) -> UserRef:
    return UserRef(id=u.id, email=u.email)


def note_out(db: Session, n: ClientNote) -> NoteOut:
    """The API form of a note (with both accounts' e-mails)."""
    owner, author = db.get(User, n.owner_id), db.get(User, n.author_id)
    assert owner is not None and author is not None
    return NoteOut(
        id=n.id, owner=_ref(owner), author=_ref(author), text=n.text, created_at=n.created_at
    )


def client_of(db: Session, caller: CurrentCaller, client_id: int) -> User:
    """The person ``client_id`` when they share with the caller now; 404 otherwise."""
    client = crud.shared_client(db, caller.user, client_id)
    if client is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such client")
    return client


@router.get("/shares", response_model=list[ShareOut])
def list_shares(caller: CurrentCaller, db: Db) -> list[ShareOut]:
    """The shares the caller gave (as a person) or received (as a professional)."""
    return [
        ShareOut(id=s.id, owner=_ref(o), professional=_ref(p), created_at=s.created_at)
        for s, o, p in crud.list_shares(db, caller.user)
    ]


@router.post("/shares", status_code=status.HTTP_201_CREATED, response_model=ShareOut)
def create_share(body: ShareCreate, caller: CurrentCaller, db: Db) -> ShareOut:
    """Share the caller's diary and results, read-only, with the professional of ``email``
    (422 at ``body.email`` when there is no professional account with it)."""
    s = crud.create_share(db, caller.user, body.email)
    pro = db.get(User, s.professional_id)
    assert pro is not None
    return ShareOut(
        id=s.id, owner=_ref(caller.user), professional=_ref(pro), created_at=s.created_at
    )


@router.delete("/shares/{share_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_share(share_id: Id, caller: CurrentCaller, db: Db) -> Response:
    """Revoke a share (the person) or leave it (the professional); access ends at once."""
    if not crud.delete_share(db, caller.user, share_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such share")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/notes", response_model=list[NoteOut])
def my_notes(caller: CurrentCaller, db: Db) -> list[NoteOut]:
    """Notes professionals wrote about the caller."""
    return [note_out(db, n) for n in crud.list_notes(db, caller.user)]


@router.get("/clients", response_model=list[ClientOut])
def list_clients(caller: CurrentCaller, db: Db) -> list[ClientOut]:
    """The persons who share their diary with the caller."""
    return [
        ClientOut(id=u.id, email=u.email, shared_at=s.created_at)
        for u, s in crud.list_clients(db, caller.user)
    ]


@router.get("/clients/{client_id}/entries", response_model=EntryList)
def client_entries(
    client_id: Id,
    caller: CurrentCaller,
    db: Db,
    start: Annotated[date, Query(description="First day (YYYY-MM-DD).")],
    end: Annotated[date | None, Query(description="Last day, inclusive (default: start).")] = None,
) -> EntryList:
    """A client's diary entries, read-only (404 unless the client shares with the caller)."""
    client = client_of(db, caller, client_id)
    first, last = crud.day_range(start, end, LIMITS.list_max_days)
    rows = crud.list_entries(db, client, first, last)
    return EntryList(start=first, end=last, entries=[entry_out(r) for r in rows])


@router.get("/clients/{client_id}/analysis", response_model=AnalysisOut)
def client_analysis(
    client_id: Id, caller: CurrentCaller, db: Db, from_: From = None, to: To = None
) -> dict[str, Any]:
    """A client's analysis, read-only (404 unless the client shares with the caller)."""
    client = client_of(db, caller, client_id)
    start, end = period(db, client, from_, to)
    return analysis_for(db, client, start, end)


@router.get("/clients/{client_id}/notes", response_model=list[NoteOut])
def client_notes(client_id: Id, caller: CurrentCaller, db: Db) -> list[NoteOut]:
    """The caller's notes about a client."""
    client = client_of(db, caller, client_id)
    return [note_out(db, n) for n in crud.list_notes(db, client, caller.user)]


@router.post(
    "/clients/{client_id}/notes", status_code=status.HTTP_201_CREATED, response_model=NoteOut
)
def add_note(client_id: Id, body: NoteCreate, caller: CurrentCaller, db: Db) -> NoteOut:
    """Write a note about a client (the client sees it)."""
    client = client_of(db, caller, client_id)
    return note_out(db, crud.add_note(db, caller.user, client, body.text))
