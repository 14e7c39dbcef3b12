"""The account's own data: the profile (the core's profile schema), export of everything
(JSON, or CSV files in a ZIP), and deletion of the account with all its data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException, Query, Request, Response, status
from sqlalchemy.orm import Session

import magnerve
from magnerve.web import crud
from magnerve.web.api.deps import CurrentCaller, Db, client_ip, get_settings
from magnerve.web.api.routes.analysis import diary_csv
from magnerve.web.api.routes.diary import entry_out
from magnerve.web.api.routes.sharing import note_out
from magnerve.web.core import security
from magnerve.web.models import User
from magnerve.web.schemas import AccountDelete, ProfileOut
from magnerve.web.session import clear_session_cookie

__all__ = ["export_data", "export_zip", "profile_errors", "router", "validate_profile"]

router = APIRouter(tags=["account"])

_MIN_DAY, _MAX_DAY = dt.date.min, dt.date.max


def profile_errors(
    e: magnerve.ProfileError, prefix: tuple[str, ...] = ("body",)
) -> list[dict[str, Any]]:
    """The core's profile errors as 422 items, one per field (``loc`` ends with its path)."""
    out = []
    for path, msg in e.errors:
        parts = [] if path.startswith("(") else path.split(".")
        loc: list[str | int] = [
            *prefix,
            *(int(p) if p.isascii() and p.isdigit() else p for p in parts),
        ]
        out.append({"loc": loc, "msg": msg, "type": "ProfileError"})
    return out


def validate_profile(data: Any) -> dict[str, Any]:
    """Validate a profile mapping with the core (``magnerve.parse_profile``) and return what
    is stored: the validated profile without empty values.

    Raises
    ------
    magnerve.ProfileError
        With every bad field and its path.
    """
    profile = magnerve.parse_profile(data, "profile")
    stored: dict[str, Any] = profile.model_dump(mode="json", exclude_none=True)
    return stored


def export_data(db: Session, user: User) -> dict[str, Any]:
    """Everything stored about the account (except secrets): JSON-ready."""
    prof = crud.get_profile(db, user)
    entries = crud.list_entries(db, user, _MIN_DAY, _MAX_DAY)
    shares = crud.list_shares(db, user)
    notes = crud.list_notes(db, user)
    if user.role == "professional":
        notes = notes + [
            n for c, _ in crud.list_clients(db, user) for n in crud.list_notes(db, c, user)
        ]
    return {
        "format": "magnerve-web-export",
        "version": 1,
        "account": {
            "id": user.id,
            "email": user.email,
            "role": user.role,
            "created_at": user.created_at.isoformat(),
        },
        "profile": None if prof is None else prof.data,
        "entries": [entry_out(e).model_dump(mode="json") for e in entries],
        "shares": [
            {
                "id": s.id,
                "owner": o.email,
                "professional": p.email,
                "created_at": s.created_at.isoformat(),
            }
            for s, o, p in shares
        ],
        "notes": [note_out(db, n).model_dump(mode="json") for n in notes],
        "plan_decisions": [
            {
                "key": d.change_key,
                "decision": d.decision,
                "summary": d.summary,
                "decided_at": d.decided_at.isoformat(),
            }
            for d in crud.list_decisions(db, user)
        ],
        "supplements": [r.data for r in crud.list_supplements(db, user)],
        "supplement_doses": [
            {"date": r.date.isoformat(), "supplement": r.data}
            for r in crud.list_doses(db, user, _MIN_DAY, _MAX_DAY)
        ],
        "food_aliases": [
            {"text": a.text, "key": a.key, "food_id": a.food_id}
            for a in crud.list_aliases(db, user)
        ],
        "water": None if (w := crud.get_water(db, user)) is None else w.data,
        "tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "scope": t.scope,
                "created_at": t.created_at.isoformat(),
            }
            for t in crud.list_tokens(db, user)
        ],
    }


def _cell(value: Any) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading quote
    (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows([[_cell(v) for v in r] for r in rows])
    return buf.getvalue()


def _flatten(value: Any, path: str = "") -> list[list[Any]]:
    if isinstance(value, dict):
        return [r for k, v in value.items() for r in _flatten(v, f"{path}.{k}" if path else k)]
    if isinstance(value, list):
        return [r for i, v in enumerate(value) for r in _flatten(v, f"{path}.{i}")]
    return [[path, json.dumps(value) if isinstance(value, bool) else value]]


def export_zip(db: Session, user: User) -> bytes:
    """The export as CSV files in a ZIP: ``entries.csv``, ``diary.csv`` (readable by
    ``magnerve intake``), ``profile.csv`` (field path, value), ``notes.csv``, ``shares.csv``,
    ``plan_decisions.csv``, ``account.csv``, ``supplements.csv`` and ``supplement_doses.csv``
    (field path, value per supplement or dated dose), ``food_aliases.csv``, ``water.csv`` and
    ``tokens.csv`` (names and prefixes, never the secret): all the JSON export holds."""
    d = export_data(db, user)
    files = {
        "account.csv": _csv(list(d["account"]), [list(d["account"].values())]),
        "entries.csv": _csv(
            [
                "id",
                "date",
                "meal",
                "text",
                "note",
                "food_id",
                "food",
                "amount",
                "unit",
                "grams",
                "confidence",
            ],
            [
                [
                    e["id"],
                    e["date"],
                    e["meal"],
                    e["text"],
                    e["note"],
                    e["food"]["id"],
                    e["food"]["description"],
                    e["amount"],
                    e["unit"],
                    e["grams"],
                    e["confidence"],
                ]
                for e in d["entries"]
            ],
        ),
        "diary.csv": diary_csv(crud.list_entries(db, user, _MIN_DAY, _MAX_DAY)),
        "profile.csv": _csv(["field", "value"], _flatten(d["profile"] or {})),
        "notes.csv": _csv(
            ["id", "about", "author", "created_at", "text"],
            [
                [n["id"], n["owner"]["email"], n["author"]["email"], n["created_at"], n["text"]]
                for n in d["notes"]
            ],
        ),
        "shares.csv": _csv(
            ["id", "owner", "professional", "created_at"],
            [[s["id"], s["owner"], s["professional"], s["created_at"]] for s in d["shares"]],
        ),
        "plan_decisions.csv": _csv(
            ["key", "decision", "summary", "decided_at"],
            [[p["key"], p["decision"], p["summary"], p["decided_at"]] for p in d["plan_decisions"]],
        ),
        # everything else the JSON export holds, so that neither export loses anything
        "supplements.csv": _csv(
            ["supplement", "field", "value"],
            [[i, *r] for i, s in enumerate(d["supplements"]) for r in _flatten(s)],
        ),
        "supplement_doses.csv": _csv(
            ["date", "field", "value"],
            [[x["date"], *r] for x in d["supplement_doses"] for r in _flatten(x["supplement"])],
        ),
        "food_aliases.csv": _csv(
            ["text", "key", "food_id"],
            [[a["text"], a["key"], a["food_id"]] for a in d["food_aliases"]],
        ),
        "water.csv": _csv(["field", "value"], _flatten(d["water"] or {})),
        "tokens.csv": _csv(
            ["name", "prefix", "scope", "created_at"],
            [[t["name"], t["prefix"], t["scope"], t["created_at"]] for t in d["tokens"]],
        ),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


@router.get("/profile", response_model=ProfileOut)
def get_profile(caller: CurrentCaller, db: Db) -> ProfileOut:
    """The caller's profile (``profile`` is null until one is saved)."""
    row = crud.get_profile(db, caller.user)
    return ProfileOut(
        profile=None if row is None else row.data,
        updated_at=None if row is None else row.updated_at,
    )


@router.put(
    "/profile",
    response_model=ProfileOut,
    responses={422: {"description": "Every bad field, with its path under body"}},
)
def put_profile(
    caller: CurrentCaller,
    db: Db,
    body: Annotated[
        dict[str, Any],
        Body(description="A profile: the same schema as the TOML/JSON profile (docs/profile.md)."),
    ],
) -> ProfileOut:
    """Save the caller's profile, validated by the core exactly as a TOML profile file is."""
    try:
        data = validate_profile(body)
    except magnerve.ProfileError as e:
        raise HTTPException(422, detail=profile_errors(e)) from None
    row = crud.save_profile(db, caller.user, data)
    return ProfileOut(profile=row.data, updated_at=row.updated_at)


@router.get(
    "/export",
    responses={200: {"content": {"application/json": {}, "application/zip": {}}}},
)
def export(
    caller: CurrentCaller,
    db: Db,
    format: Annotated[
        Literal["json", "csv"], Query(description="json, or csv (a ZIP of CSV files).")
    ] = "json",
) -> Response:
    """All the caller's data: account, profile, diary entries, shares, notes, plan answers."""
    stamp = f"magnerve-export-{caller.user.id}"
    if format == "csv":
        return Response(
            export_zip(db, caller.user),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{stamp}.zip"'},
        )
    return Response(
        json.dumps(export_data(db, caller.user), ensure_ascii=False, indent=1),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{stamp}.json"'},
    )


@router.post("/users/me/delete", status_code=status.HTTP_204_NO_CONTENT)
def delete_account(
    body: AccountDelete, caller: CurrentCaller, request: Request, db: Db
) -> Response:
    """Delete the account and all its data (the password confirms it); every session and
    token of the account ends."""
    if not security.verify_password(body.password, caller.user.password_hash):
        raise crud.FieldError(("body", "password"), "the password is wrong")
    crud.delete_user(db, caller.user, client_ip(request))
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookie(response, get_settings(request))
    return response
