"""Import of the diary files the command line reads (Cronometer ``servings.csv``, magnerve
CSV or JSON diaries), through the core's public reader ``magnerve.read_diary``.

Every line of the file is a food entry (a food the core matched to SR28, with its weight), a
supplement dose (a Cronometer supplement row whose elemental magnesium the core read: a dated
dose of the row's whole amount) or a listed problem with its line number: lines the core
could not read, supplement rows without a magnesium amount, and rows that carry only the
export's own nutrient values (the web diary stores SR28 foods). A preview stores nothing;
``commit`` stores every entry and dose in one transaction.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, UploadFile

import magnerve
from magnerve.web import crud
from magnerve.web.api.deps import CurrentCaller, Db
from magnerve.web.api.routes.supplements import MAX_DOSES_PER_DAY, validate_supplement
from magnerve.web.core.config import policy
from magnerve.web.models import User
from magnerve.web.schemas import (
    LIMITS,
    FoodOut,
    ImportEntry,
    ImportProblem,
    ImportResult,
    ImportSupplement,
)

__all__ = ["FORMATS", "MAX_BYTES", "read_upload", "router", "run_import"]

router = APIRouter(tags=["diary"])

#: Formats a person may upload (what ``magnerve intake`` reads as food lines).
FORMATS = ("auto", "csv", "json", "cronometer")
Format = Literal["auto", "csv", "json", "cronometer"]


def _core_max_bytes() -> int:
    """The core's ceiling on a diary file (``data/limits.toml`` resources.max_file_bytes)."""
    value = magnerve.get_registry().section("limits").resources["max_file_bytes"].value
    assert isinstance(value, (int, float))  # a scalar in data/limits.toml
    return int(value)


#: Largest upload [bytes]: the web's bound (``settings.toml`` [import]) within the core's.
MAX_BYTES = min(int(policy()["import"]["max_bytes"]), _core_max_bytes())


def _amount(v: float) -> str:
    return f"{v:.4g}"


def _text(e: Any) -> str:
    """A diary line the core can read again: the file's own words, with the amount and unit
    in front when the file kept them in their own columns."""
    name = " ".join(str(e.name).split())
    p = e.parsed
    if name[:1].isdigit() or not p:
        return name
    return f"{_amount(p.amount)} {p.unit} {name}"


def _source_name(filename: str | None) -> str:
    name = "".join(c for c in (filename or "upload") if c.isprintable())[-100:]
    return name or "upload"


def read_upload(
    content: bytes,
    filename: str | None,
    fmt: str,
    aliases: Mapping[str, str] | None = None,
) -> tuple[Any, ImportResult, list[dict[str, Any]], list[tuple[date, dict[str, Any]]]]:
    """Read an uploaded diary with the core.

    Parameters
    ----------
    content : bytes
        The file (at most :data:`MAX_BYTES`).
    filename : str or None
        Its name (shown in messages; ``.json`` helps the format guess).
    fmt : {"auto", "csv", "json", "cronometer"}
    aliases : mapping of str to str, optional
        The account's food aliases (``alias_key`` -> NDB), used by the core's reader instead
        of any alias file of the server's (None: no alias).

    Returns
    -------
    tuple
        The core's ``Diary``, the :class:`ImportResult` (nothing imported yet) and the rows to
        store.

    Raises
    ------
    crud.FieldError
        At ``["body", "file"]``: too large, not a diary the core reads, or only totals.
    """
    if len(content) > MAX_BYTES:
        raise crud.FieldError(("body", "file"), f"the file is larger than {MAX_BYTES:,} bytes")
    source = _source_name(filename)
    buf = io.BytesIO(content)
    buf.name = source
    if fmt == "auto" and source.lower().endswith(".json"):
        fmt = "json"
    try:
        diary = magnerve.read_diary(
            buf,
            fmt,  # type: ignore[arg-type]
            trust="sr28",
            aliases=dict(aliases or {}),
        )
    except magnerve.InputError as err:
        raise crud.FieldError(("body", "file"), str(err)) from None
    if diary.kind != "foods":
        raise crud.FieldError(
            ("body", "file"),
            f"this file holds {diary.kind.replace('_', ' ')}, not food lines; export the "
            "servings (Cronometer: Export > Food & Recipe Entries) or a food diary instead",
        )
    entries: list[ImportEntry] = []
    rows: list[dict[str, Any]] = []
    problems = [
        ImportProblem(line=p.line, text=p.text, reason=p.reason, suggestions=list(p.suggestions))
        for p in diary.problems
    ]
    supplements: list[ImportSupplement] = []
    doses: list[tuple[date, dict[str, Any]]] = []
    for s in diary.supplements:
        why = _dose_problem(s)
        if why:
            problems.append(ImportProblem(line=s.line, text=s.name, reason=why, suggestions=[]))
            continue
        assert s.elemental_mg is not None  # _dose_problem refuses rows without it
        # one dose of the row's whole amount (the core's DiarySupplement.to_profile_supplement)
        doses.append((s.date, validate_supplement(s.to_profile_supplement())))
        supplements.append(
            ImportSupplement(
                line=s.line, date=s.date, name=s.name, magnesium_mg=round(s.elemental_mg, 3)
            )
        )
    for e in diary.entries:
        p = e.parsed
        text = _text(e)
        meal = " ".join(str(e.meal).split()) if e.meal else None
        if p is None:
            why = "; ".join(e.notes) or "no SR28 food for this line"
            problems.append(
                ImportProblem(
                    line=e.line,
                    text=e.name,
                    reason=f"only the export's own nutrient values ({why}); the web diary keeps "
                    "SR28 foods: type the line on the diary page",
                    suggestions=[e.candidate.food.description] if e.candidate else [],
                )
            )
            continue
        if len(text) > LIMITS.text_max_length or (meal and len(meal) > LIMITS.meal_max_length):
            problems.append(
                ImportProblem(
                    line=e.line,
                    text=e.name[:200],
                    reason=f"longer than a diary line ({LIMITS.text_max_length} characters) "
                    f"or a meal name ({LIMITS.meal_max_length})",
                    suggestions=[],
                )
            )
            continue
        entries.append(
            ImportEntry(
                line=e.line,
                date=e.date,
                meal=meal,
                text=text,
                food=FoodOut(id=p.food.id, description=p.food.description),
                grams=float(p.grams),
                confidence=float(p.confidence),
                uncertain=bool(p.uncertain),
            )
        )
        rows.append(
            {
                "date": e.date,
                "meal": meal,
                "text": text,
                "note": "",
                "food_id": p.food.id,
                "food_description": p.food.description,
                "amount": float(p.amount),
                "unit": p.unit,
                "grams": float(p.grams),
                "measure": p.measure,
                "confidence": float(p.confidence),
                "uncertain": bool(p.uncertain),
                "alternatives": [h.to_dict() for h in p.alternatives],
                "notes": list(p.notes),
            }
        )
    problems.sort(key=lambda x: x.line)
    notes = [*diary.notes, *(c.reason for c in diary.disagreements)]
    result = ImportResult(
        source=source,
        format=diary.format,
        lines=diary.n_lines,
        entries=entries,
        problems=problems,
        notes=[str(n) for n in notes],
        imported=0,
        supplements=supplements,
    )
    return diary, result, rows, doses


def _dose_problem(s: Any) -> str:
    """Why a supplement row of the file cannot be stored as a dated dose ("" when it can)."""
    if s.elemental_mg is None:
        return (
            "a supplement with no magnesium amount the core could read (give it on the "
            "supplements page)"
        )
    if not s.name.strip() or len(s.name) > LIMITS.text_max_length:
        return f"a supplement whose name is blank or over {LIMITS.text_max_length} characters"
    return ""


def run_import(
    db: Any, user: User, content: bytes, filename: str | None, fmt: str, commit: bool
) -> ImportResult:
    """Read an upload with the core and, when ``commit``, store its entries (all or none)."""
    aliases = {a.key: a.food_id for a in crud.list_aliases(db, user)}
    _, result, rows, doses = read_upload(content, filename, fmt, aliases)
    if commit and (rows or doses):
        try:
            result.imported, result.imported_supplements = crud.import_entries(
                db, user, rows, doses, MAX_DOSES_PER_DAY
            )
        except crud.FieldError as e:
            raise crud.FieldError(("body", "file"), str(e)) from None
    return result


@router.post("/diary/import", response_model=ImportResult)
async def import_diary(
    caller: CurrentCaller,
    db: Db,
    file: Annotated[
        UploadFile, File(description="A diary file: CSV, JSON or Cronometer servings.csv.")
    ],
    format: Annotated[
        Format, Query(description="File format (auto: from the name and header).")
    ] = "auto",
    commit: Annotated[bool, Query(description="Store the entries (false: preview only).")] = False,
) -> ImportResult:
    """Read an uploaded diary file with the core: every line becomes an entry or a listed
    problem with its line number. ``commit=true`` stores the entries; the default only shows
    what would be imported. Files over the upload limit answer 422 at ``body.file``."""
    content = await file.read(MAX_BYTES + 1)
    return run_import(db, caller.user, content, file.filename, format, commit)
