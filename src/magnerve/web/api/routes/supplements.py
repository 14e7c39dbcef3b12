"""Supplements and drinking water of the diary.

Each supplement is validated by the core's profile model (``magnerve.profile.Supplement``:
product name, form or salt, elemental mg or salt mg, times per day), and the water by
``magnerve.profile.Water`` (litres a day, magnesium and calcium in mg/L, or hardness). The
analysis adds the supplements to the profile's and uses this water instead of the
profile's water section (:func:`effective_profile`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response, status
from sqlalchemy.orm import Session

from magnerve.profile import Supplement, Water
from magnerve.web import crud
from magnerve.web.api.deps import CurrentCaller, Db
from magnerve.web.api.routes.tokens import Id
from magnerve.web.core.config import policy
from magnerve.web.models import SupplementRow, User, WaterRow
from magnerve.web.schemas import LIMITS, SupplementOut, WaterOut

__all__ = [
    "MAX_SUPPLEMENTS",
    "effective_profile",
    "router",
    "supplement_out",
    "validate_supplement",
    "validate_water",
    "water_out",
]

router = APIRouter(tags=["supplements and water"])

#: Most supplements one account keeps (``settings.toml`` [import], a sanity bound).
MAX_SUPPLEMENTS = int(policy()["import"]["max_supplements"])


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
