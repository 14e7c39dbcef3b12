"""The person's analysis (dashboard data) and plan, from the core's public API.

The stored diary lines are handed to the core as a CSV diary (SR28 food number, grams), read
by :func:`magnerve.read_diary_text`, and analysed with the stored profile by
:func:`magnerve.analyse`. Results are cached per process by content (diary text, profile,
plan or not), so a page and its API call do not run the pipeline twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy.orm import Session

import magnerve
from magnerve.errors import ModelError
from magnerve.schemas import AnalysisOut
from magnerve.web import crud
from magnerve.web.api.deps import CurrentCaller, Db
from magnerve.web.api.routes.supplements import diary_supplement_rows, effective_profile
from magnerve.web.models import DiaryEntryRow, User
from magnerve.web.schemas import LIMITS, DecisionIn, DecisionOut, PlanView

__all__ = [
    "DEFAULT_DAYS",
    "analysis_for",
    "change_key",
    "diary_csv",
    "doses_json",
    "period",
    "router",
]

router = APIRouter(tags=["analysis"])

#: Days shown when no period is asked for (ending at the newest entry): two weeks, a display
#: choice (the core's adequacy method uses whatever days there are).
DEFAULT_DAYS = 14

From = Annotated[
    date | None, Query(alias="from", description="First day (default: 13 days before `to`).")
]
To = Annotated[
    date | None, Query(description="Last day, inclusive (default: the newest entry's day).")
]


def diary_csv(rows: Sequence[DiaryEntryRow]) -> str:
    """The entries as a magnerve CSV diary: ``date, meal, food`` (SR28 number), grams."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["date", "meal", "food", "amount", "unit"])
    for r in rows:
        w.writerow([r.date.isoformat(), r.meal or "", r.food_id, f"{r.grams:.6g}", "g"])
    return buf.getvalue()


def doses_json(db: Session, user: User, start: date, end: date) -> str:
    """The account's supplement doses of the period as canonical JSON (a cache key)."""
    rows = crud.list_doses(db, user, start, end)
    return json.dumps([[r.date.isoformat(), r.data] for r in rows], sort_keys=True)


@lru_cache(maxsize=16)
def _analyse(
    diary_text: str, profile_json: str, plan: bool, models: bool, doses: str = "[]"
) -> dict[str, Any]:
    diary = magnerve.read_diary_text(diary_text, "csv", "<web diary>")
    diary.raise_for_problems()
    dated = [(date.fromisoformat(d), data) for d, data in json.loads(doses)]
    diary.supplements.extend(diary_supplement_rows(dated))
    profile = magnerve.parse_profile(json.loads(profile_json), "<profile>")
    return magnerve.analyse(diary, profile, plan=plan, models=models).to_dict()


def period(db: Session, user: User, start: date | None, end: date | None) -> tuple[date, date]:
    """The asked period, or the :data:`DEFAULT_DAYS` ending at the newest entry (today for an
    empty diary).

    Raises
    ------
    crud.FieldError
        When ``to`` is before ``from`` or the period is longer than the listing limit.
    """
    if end is None:
        end = crud.latest_entry_date(db, user) or date.today()
        if start is not None and end < start:
            end = crud.shift_day(start, DEFAULT_DAYS - 1)
    if start is None:
        start = crud.shift_day(end, -(DEFAULT_DAYS - 1))
    if end < start:
        raise crud.FieldError(("query", "to"), "to must not be before from")
    if end - start >= timedelta(days=LIMITS.list_max_days):
        raise crud.FieldError(("query", "to"), f"at most {LIMITS.list_max_days} days at a time")
    return start, end


def analysis_for(
    db: Session, user: User, start: date, end: date, *, plan: bool = False, models: bool = False
) -> dict[str, Any]:
    """The core's analysis JSON (``magnerve.schemas.AnalysisOut``) of the account's diary from
    ``start`` to ``end`` with its stored profile, its standing supplements and its drinking
    water (``supplements.effective_profile``), and the supplement doses logged on the days of
    the period (as the diary's supplement rows); ``models`` adds the homeostasis simulation.

    Raises
    ------
    crud.FieldError
        No profile yet (``loc`` ``["profile"]``), or no entries in the period.
    magnerve.InputError
        When the core refuses the diary or the profile (with its field path).
    fastapi.HTTPException
        503 when a model of the core fails (not the person's input).
    """
    prof = crud.get_profile(db, user)
    if prof is None:
        raise crud.FieldError(
            ("profile",), "no profile yet: fill in the profile page (or PUT /api/v1/profile)"
        )
    rows = crud.list_entries(db, user, start, end)
    if not rows:
        raise crud.FieldError(
            ("query", "from"), f"no diary entries from {start.isoformat()} to {end.isoformat()}"
        )
    try:
        profile = json.dumps(effective_profile(db, user, prof.data), sort_keys=True)
        doses = doses_json(db, user, start, end)
        return _analyse(diary_csv(rows), profile, plan, models, doses)
    except ModelError as e:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=str(e)) from None


def change_key(change: dict[str, Any]) -> str:
    """A stable name of a plan change: food, action and meal (16 hex digits)."""
    food = change.get("food") or {}
    raw = f"{food.get('id', '')}|{change.get('action', '')}|{change.get('meal') or ''}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def change_summary(change: dict[str, Any]) -> str:
    """The change in a few words, kept with the person's answer."""
    food = change.get("food") or {}
    name = food.get("name") or food.get("description") or ""
    parts = (change.get("action"), change.get("amount"), change.get("unit"), name)
    return " ".join(str(p) for p in parts if p not in (None, ""))


def decision_out(row: Any) -> DecisionOut:
    """The API form of a stored answer."""
    return DecisionOut(
        key=row.change_key, decision=row.decision, summary=row.summary, decided_at=row.decided_at
    )


@router.get(
    "/analysis",
    response_model=AnalysisOut,
    responses={422: {"description": "No profile, no entries in the period, or bad dates"}},
)
def get_analysis(
    caller: CurrentCaller,
    db: Db,
    from_: From = None,
    to: To = None,
    plan: Annotated[bool, Query(description="Also make the plan (slower).")] = False,
) -> dict[str, Any]:
    """The caller's analysis: the core's ``magnerve.analyse(diary, profile)`` of the period
    (intake by day, adequacy, Ca:Mg, MDS, findings with evidence; the plan when asked)."""
    start, end = period(db, caller.user, from_, to)
    return analysis_for(db, caller.user, start, end, plan=plan)


@router.get("/plan", response_model=PlanView)
def get_plan(caller: CurrentCaller, db: Db, from_: From = None, to: To = None) -> PlanView:
    """The plan of the period: each change with its reason, and the caller's answers."""
    start, end = period(db, caller.user, from_, to)
    a = analysis_for(db, caller.user, start, end, plan=True)
    plan = a["plan"]
    return PlanView(
        start=start,
        end=end,
        plan=plan,
        keys=[change_key(c) for c in plan["changes"]],
        decisions=[decision_out(d) for d in crud.list_decisions(db, caller.user)],
    )


@router.get("/plan/decisions", response_model=list[DecisionOut])
def list_decisions(caller: CurrentCaller, db: Db) -> list[DecisionOut]:
    """The caller's answers to plan changes."""
    return [decision_out(d) for d in crud.list_decisions(db, caller.user)]


@router.post("/plan/decisions", response_model=DecisionOut)
def decide(
    body: DecisionIn, caller: CurrentCaller, db: Db, from_: From = None, to: To = None
) -> DecisionOut:
    """Accept or reject one change of the current plan (``key`` from ``GET /plan``)."""
    start, end = period(db, caller.user, from_, to)
    plan = analysis_for(db, caller.user, start, end, plan=True)["plan"]
    found = [c for c in plan["changes"] if change_key(c) == body.key]
    if not found:
        raise crud.FieldError(("body", "key"), "the plan of this period has no such change")
    row = crud.set_decision(db, caller.user, body.key, body.decision, change_summary(found[0]))
    return decision_out(row)
