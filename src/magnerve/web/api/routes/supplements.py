"""Supplements and drinking water of the diary.

Each supplement is validated by the core's profile model (``magnerve.profile.Supplement``:
product name, form or salt, elemental mg or salt mg, times per day), and the water by
``magnerve.profile.Water`` (litres a day, magnesium and calcium in mg/L, or hardness). The
analysis adds the standing supplements to the profile's and uses this water instead of the
profile's water section (:func:`effective_profile`).

Dated doses (``/diary/supplements``) are supplements taken on one day: the same core model,
``times_per_day`` being the doses of that day. The analysis of a period receives the doses
of its days as the diary's supplement rows (``magnerve.diary.DiarySupplement``), which the
core counts as a mean per day over the diary's days (:func:`diary_supplement_rows`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status
from sqlalchemy.orm import Session

from magnerve.diary import DiarySupplement
from magnerve.profile import Supplement, Water
from magnerve.web import crud
from magnerve.web.api.deps import CurrentCaller, Db
from magnerve.web.api.routes.tokens import Id
from magnerve.web.core.config import policy
from magnerve.web.models import SupplementDoseRow, SupplementRow, User, WaterRow
from magnerve.web.schemas import (
    LIMITS,
    SupplementDoseIn,
    SupplementDoseOut,
    SupplementOut,
    WaterOut,
)

__all__ = [
    "MAX_DOSES_PER_DAY",
    "MAX_SUPPLEMENTS",
    "diary_supplement_rows",
    "dose_out",
    "effective_profile",
    "router",
    "supplement_out",
    "validate_dose",
    "validate_supplement",
    "validate_water",
    "water_out",
]

router = APIRouter(tags=["supplements and water"])

#: Most supplements one account keeps (``settings.toml`` [import], a sanity bound).
MAX_SUPPLEMENTS = int(policy()["import"]["max_supplements"])
#: Most dated supplement rows of one day (``settings.toml`` [doses], a sanity bound).
MAX_DOSES_PER_DAY = int(policy()["doses"]["max_per_day"])


def validate_supplement(s: Supplement) -> dict[str, Any]:
    """The stored form of a supplement validated by the core.

    Raises
    ------
    crud.FieldError
        A name that is blank or longer than a diary line.
    """
    if not s.name.strip() or len(s.name) > LIMITS.text_max_length:
        raise crud.FieldError(
            ("body", "name"),
            f"give the product's name (at most {LIMITS.text_max_length} characters)",
        )
    data: dict[str, Any] = s.model_dump(mode="json", exclude_none=True)
    return data


def validate_dose(body: SupplementDoseIn) -> tuple[date, dict[str, Any]]:
    """The day and stored form of a dated dose validated by the core.

    The core's diary supplement row carries the magnesium, zinc, calcium, vitamin D in IU
    and B6 of a dose; the other keys of a profile supplement would be dropped, so they are
    refused instead of ignored.

    Raises
    ------
    crud.FieldError
        A blank or overlong name; ``vitamin_d_ug``, ``with_food`` or ``enteric_coated``.
    """
    if body.vitamin_d_ug is not None:
        raise crud.FieldError(
            ("body", "vitamin_d_ug"), "for a dated dose, give vitamin D in IU (vitamin_d_iu)"
        )
    for name in ("with_food", "enteric_coated"):
        if name in body.model_fields_set:
            raise crud.FieldError(
                ("body", name),
                "not recorded for a dated dose (the standing supplement list keeps it)",
            )
    s = Supplement.model_validate(body.model_dump(exclude={"date"}, exclude_unset=True))
    return body.date, validate_supplement(s)


def dose_out(row: SupplementDoseRow) -> SupplementDoseOut:
    """The API form of a stored dose."""
    s = Supplement.model_validate(row.data)
    per_dose = s.magnesium_mg_per_dose()
    return SupplementDoseOut(
        id=row.id,
        date=row.date,
        supplement=s,
        magnesium_mg_per_dose=round(per_dose, 3),
        magnesium_mg=round(per_dose * s.times_per_day, 3),
        created_at=row.created_at,
    )


def diary_supplement_rows(doses: Sequence[tuple[date, dict[str, Any]]]) -> list[DiarySupplement]:
    """Dated doses as the core's diary supplement rows (what a Cronometer export's supplement
    rows become), numbered 1, 2, … in the order given.

    Parameters
    ----------
    doses : sequence of (date, dict)
        Day and stored supplement (``magnerve.profile.Supplement`` JSON; ``times_per_day`` is
        the doses of that day).

    Returns
    -------
    list of DiarySupplement
        One row per dose entry: ``amount`` the doses, ``elemental_mg`` the magnesium of the
        day's doses [mg], partner nutrients likewise (``nutrients``).
    """
    out = []
    for i, (day, data) in enumerate(doses, 1):
        s = Supplement.model_validate(data)
        n = float(s.times_per_day)
        mg = s.magnesium_mg_per_dose() * n

        def times(v: float | None, n: float = n) -> float | None:
            return None if v is None else v * n

        nutrients = {
            "magnesium_mg": mg,
            "zinc_mg": times(s.zinc_mg),
            "calcium_mg": times(s.calcium_mg),
            "vitamin_d_iu": times(s.vitamin_d_iu),
            "vitamin_b6_mg": times(s.vitamin_b6_mg),
        }
        out.append(
            DiarySupplement(
                line=i,
                date=day,
                time=None,
                meal=None,
                name=s.name,
                amount=n,
                unit="dose",
                form=(s.form or "").strip().lower() or None,
                hydrate=s.hydrate,
                elemental_mg=mg,
                dose_elemental_mg=mg,
                salt_mg=times(s.salt_mg),
                nutrients=nutrients,
                notes=(f"{n:g} dose(s) logged in the web diary",),
            )
        )
    return out


def validate_water(w: Water) -> dict[str, Any]:
    """The stored form of a drinking-water section validated by the core."""
    data: dict[str, Any] = w.model_dump(mode="json", exclude_none=True)
    return data


def supplement_out(row: SupplementRow) -> SupplementOut:
    """The API form of a stored supplement."""
    s = Supplement.model_validate(row.data)
    per_dose = s.magnesium_mg_per_dose()
    return SupplementOut(
        id=row.id,
        supplement=s,
        magnesium_mg_per_dose=round(per_dose, 3),
        magnesium_mg_per_day=round(per_dose * s.times_per_day, 3),
        created_at=row.created_at,
    )


def water_out(row: WaterRow | None) -> WaterOut:
    """The API form of the stored water (or of none)."""
    if row is None:
        return WaterOut(
            water=None, magnesium_mg_per_l=None, magnesium_mg_per_day=None, how="not given",
            updated_at=None,
        )  # fmt: skip
    w = Water.model_validate(row.data)
    mg_l, how = w.magnesium()
    per_day = None if mg_l is None or w.liters_per_day is None else mg_l * w.liters_per_day
    return WaterOut(
        water=w,
        magnesium_mg_per_l=None if mg_l is None else round(mg_l, 3),
        magnesium_mg_per_day=None if per_day is None else round(per_day, 3),
        how=how,
        updated_at=row.updated_at,
    )


def effective_profile(db: Session, user: User, data: dict[str, Any]) -> dict[str, Any]:
    """The profile the analysis uses: the stored profile, with the diary's supplements added
    to its own and the diary's water (when set) in place of its water section."""
    out = dict(data)
    extra = [r.data for r in crud.list_supplements(db, user)]
    if extra:
        out["supplements"] = [*(data.get("supplements") or []), *extra]
    water = crud.get_water(db, user)
    if water is not None:
        out["water"] = water.data
    return out


@router.get("/supplements", response_model=list[SupplementOut])
def list_supplements(caller: CurrentCaller, db: Db) -> list[SupplementOut]:
    """The caller's supplements, oldest first."""
    return [supplement_out(r) for r in crud.list_supplements(db, caller.user)]


@router.post("/supplements", status_code=status.HTTP_201_CREATED, response_model=SupplementOut)
def add_supplement(body: Supplement, caller: CurrentCaller, db: Db) -> SupplementOut:
    """Add a supplement: ``name``, and ``elemental_mg`` from the label or ``salt_mg`` with
    its ``form`` (glycinate, citrate, oxide …); ``times_per_day``. A salt mass with an unknown
    form answers 422 with the forms the core knows."""
    row = crud.add_supplement(db, caller.user, validate_supplement(body), MAX_SUPPLEMENTS)
    return supplement_out(row)


@router.delete("/supplements/{supplement_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_supplement(supplement_id: Id, caller: CurrentCaller, db: Db) -> Response:
    """Delete one of the caller's supplements."""
    if not crud.delete_supplement(db, caller.user, supplement_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such supplement")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/water", response_model=WaterOut)
def get_water(caller: CurrentCaller, db: Db) -> WaterOut:
    """The caller's drinking water (``water`` is null until set)."""
    return water_out(crud.get_water(db, caller.user))


@router.put("/water", response_model=WaterOut)
def put_water(body: Water, caller: CurrentCaller, db: Db) -> WaterOut:
    """Set the drinking water: ``liters_per_day``, and ``magnesium_mg_per_l`` and
    ``calcium_mg_per_l`` from the label, or ``hardness`` with its unit and ``calcium_share``."""
    return water_out(crud.save_water(db, caller.user, validate_water(body)))


@router.delete("/water", status_code=status.HTTP_204_NO_CONTENT)
def delete_water(caller: CurrentCaller, db: Db) -> Response:
    """Clear the diary's water (the profile's water section applies again)."""
    crud.save_water(db, caller.user, None)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- dated doses --------------------------------------------------------------------------------


@router.get("/diary/supplements", response_model=list[SupplementDoseOut])
def list_doses(
    caller: CurrentCaller,
    db: Db,
    start: Annotated[date, Query(description="First day (YYYY-MM-DD).")],
    end: Annotated[date | None, Query(description="Last day, inclusive (default: start).")] = None,
) -> list[SupplementDoseOut]:
    """The caller's supplement doses from ``start`` to ``end``, by day."""
    first, last = crud.day_range(start, end, LIMITS.list_max_days)
    return [dose_out(r) for r in crud.list_doses(db, caller.user, first, last)]


@router.post(
    "/diary/supplements", status_code=status.HTTP_201_CREATED, response_model=SupplementDoseOut
)
def add_dose(body: SupplementDoseIn, caller: CurrentCaller, db: Db) -> SupplementDoseOut:
    """Log a supplement taken on ``date``: ``name``, ``elemental_mg`` from the label or
    ``salt_mg`` with its ``form``, and ``times_per_day`` the doses of that day (default 1).
    The analysis of a period counts the doses of its days (mean per day)."""
    day, data = validate_dose(body)
    return dose_out(crud.add_dose(db, caller.user, day, data, MAX_DOSES_PER_DAY))


@router.delete("/diary/supplements/{dose_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_dose(dose_id: Id, caller: CurrentCaller, db: Db) -> Response:
    """Delete one of the caller's supplement doses."""
    if not crud.delete_dose(db, caller.user, dose_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such supplement dose")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
