"""Request and response bodies of the JSON API (pydantic), with their bounds.

Bounds come from ``settings.toml`` (``[limits]``, ``[password]``). Text fields refuse
control characters (PostgreSQL cannot store NUL; a diary line is one line).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from magnerve.profile import Supplement, Water
from magnerve.schemas.plan import PlanOut
from magnerve.web.core.config import Limits


def _as_utc(value: dt.datetime) -> dt.datetime:
    """Times are stored as naive UTC: answer them with their offset (RFC 3339 date-time)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


#: A response time in UTC, written with its offset ("2026-12-03T15:15:39+00:00").
UtcDateTime = Annotated[dt.datetime, AfterValidator(_as_utc)]

__all__ = [
    "AccountDelete",
    "AliasIn",
    "AliasOut",
    "AliasUpdate",
    "Alternative",
    "ClientOut",
    "CopyRequest",
    "CopyResult",
    "Credentials",
    "DecisionIn",
    "DecisionOut",
    "EntryCreate",
    "EntryList",
    "EntryOut",
    "EntryUpdate",
    "FoodHit",
    "FoodOut",
    "FrequentFood",
    "FrequentList",
    "ImportEntry",
    "ImportProblem",
    "ImportResult",
    "NoteCreate",
    "NoteOut",
    "PasswordChange",
    "PlanView",
    "ProfileOut",
    "Role",
    "SearchResult",
    "ShareCreate",
    "ShareOut",
    "SignIn",
    "SignedIn",
    "SupplementDoseIn",
    "SupplementDoseOut",
    "SupplementOut",
    "TokenCreate",
    "TokenCreated",
    "TokenOut",
    "TokenScope",
    "UserOut",
    "UserRef",
    "WaterOut",
]

LIMITS = Limits.from_policy()
DB_INT_MAX = 2**31 - 1  # largest SQL INTEGER (PostgreSQL int4): no id can be above it


def _one_line(value: str) -> str:
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise ValueError("must not contain control characters (tabs, line breaks, NUL)")
    return value.strip()


def _multi_line(value: str) -> str:
    if any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in value):
        raise ValueError("must not contain control characters")
    return value.strip()


def _email(value: str) -> str:
    v = value.strip().lower()
    local, at, domain = v.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in v):
        raise ValueError("is not an e-mail address (name@example.org)")
    return v


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


Email = Annotated[
    str,
    Field(max_length=LIMITS.email_max_length),
    AfterValidator(_one_line),
    AfterValidator(_email),
]
Password = Annotated[
    str,
    Field(min_length=LIMITS.password_min_length, max_length=LIMITS.password_max_length),
    AfterValidator(_multi_line),
]
AnyPassword = Annotated[str, Field(max_length=LIMITS.password_max_length)]
Line = Annotated[
    str,
    Field(max_length=LIMITS.text_max_length),
    AfterValidator(_one_line),
    AfterValidator(_not_blank),
]
Meal = Annotated[str, Field(max_length=LIMITS.meal_max_length), AfterValidator(_one_line)]
Note = Annotated[str, Field(max_length=LIMITS.note_max_length), AfterValidator(_multi_line)]
Ndb = Annotated[str, Field(pattern=r"^[0-9]{4,5}$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


Role = Literal["person", "professional"]


class Credentials(_Body):
    """E-mail, password and role (sign-up): a person keeps a diary; a professional
    (dietitian, clinician) reads the diaries shared with them."""

    email: Email
    password: Password
    role: Role = "person"


class SignIn(_Body):
    """Sign-in: any stored password is accepted in length (the policy applies at sign-up)."""

    email: Email
    password: AnyPassword


class PasswordChange(_Body):
    """The current password and the new one."""

    current_password: AnyPassword
    new_password: Password


class UserOut(BaseModel):
    """An account as shown to its owner."""

    id: int
    email: str
    created_at: UtcDateTime
    role: str


class SignedIn(BaseModel):
    """Answer to a sign-in: the account and the CSRF token for unsafe cookie calls."""

    user: UserOut
    csrf_token: str


#: What a personal access token may do: ``read`` (GET only; 403 on any write) or
#: ``read_write`` (``settings.toml`` [tokens]).
TokenScope = Literal["read", "read_write"]


class TokenCreate(_Body):
    """A new personal access token's name and scope (default ``read_write``)."""

    name: Annotated[
        str,
        Field(max_length=LIMITS.token_name_max_length),
        AfterValidator(_one_line),
        AfterValidator(_not_blank),
    ]
    scope: TokenScope = "read_write"


class TokenOut(BaseModel):
    """A personal access token as listed (never the secret)."""

    id: int
    name: str
    prefix: str
    scope: TokenScope
    created_at: UtcDateTime
    last_used_at: UtcDateTime | None


class TokenCreated(TokenOut):
    """A new token: ``token`` is shown once and stored only as a digest."""

    token: str


class Alternative(BaseModel):
    """Another candidate food for a line (the core's ``SearchHit``)."""

    id: str
    description: str
    score: float
    food_group: str


class FoodOut(BaseModel):
    """An SR28 food by NDB number."""

    id: str
    description: str


class EntryCreate(_Body):
    """A diary line typed by the person: ``"1/2 cup boiled spinach"``."""

    date: dt.date
    text: Line
    meal: Meal | None = None
    note: Note = ""


class EntryUpdate(_Body):
    """Changes to a diary line; ``food_id`` picks one of its alternatives (or any SR28 food)."""

    date: dt.date | None = None
    text: Line | None = None
    meal: Meal | None = None
    note: Note | None = None
    food_id: Ndb | None = None


class EntryOut(BaseModel):
    """A stored diary line and how the core understood it.

    ``grams`` [g] is the edible weight; ``confidence`` is 0-1 and ``uncertain`` is True when
    it is below the core's review threshold.
    """

    id: int
    date: dt.date
    meal: str | None
    text: str
    note: str
    food: FoodOut
    amount: float
    unit: str
    grams: float
    measure: str | None
    confidence: float
    uncertain: bool
    alternatives: list[Alternative]
    notes: list[str]
    created_at: UtcDateTime
    updated_at: UtcDateTime


class EntryList(BaseModel):
    """Entries of a date range, oldest first."""

    start: dt.date
    end: dt.date
    entries: list[EntryOut]


class CopyRequest(_Body):
    """Copy every entry of ``from_date`` (or of one ``meal``) to ``to_date`` (into the meal
    ``to_meal`` when given: copy a meal to another meal, even of the same day)."""

    from_date: dt.date
    to_date: dt.date
    meal: Meal | None = None
    to_meal: Meal | None = None


class CopyResult(BaseModel):
    """The entries created by a copy."""

    copied: int
    entries: list[EntryOut]


class FoodHit(Alternative):
    """One food search result (score 0-1, higher is better)."""


class SearchResult(BaseModel):
    """Food search results, best first."""

    query: str
    hits: list[FoodHit]


# --- slice 2: sharing, notes, account deletion, profile, plan decisions -----------------------


class UserRef(BaseModel):
    """Another account as one side of a share or a note."""

    id: int
    email: str


class ShareCreate(_Body):
    """Share the diary and results, read-only, with the professional of this e-mail."""

    email: Email


class ShareOut(BaseModel):
    """A share: ``owner`` lets ``professional`` read their diary and results."""

    id: int
    owner: UserRef
    professional: UserRef
    created_at: UtcDateTime


class ClientOut(BaseModel):
    """A person who shares their diary with the calling professional."""

    id: int
    email: str
    shared_at: UtcDateTime


class NoteCreate(_Body):
    """A professional's note about a client."""

    text: Annotated[
        str,
        Field(max_length=LIMITS.note_max_length),
        AfterValidator(_multi_line),
        AfterValidator(_not_blank),
    ]


class NoteOut(BaseModel):
    """A note by a professional about a person (visible to both)."""

    id: int
    owner: UserRef
    author: UserRef
    text: str
    created_at: UtcDateTime


class AccountDelete(_Body):
    """Delete the account and all its data: the password confirms it."""

    password: AnyPassword


class ProfileOut(BaseModel):
    """The stored profile (the core's profile schema, ``docs/profile.md``)."""

    profile: dict[str, Any] | None
    updated_at: UtcDateTime | None


class DecisionIn(_Body):
    """Accept or reject one change of the plan (``key`` from ``GET /plan``)."""

    key: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
    decision: Literal["accepted", "rejected"]


class DecisionOut(BaseModel):
    """A stored answer to a plan change."""

    key: str
    decision: str
    summary: str
    decided_at: UtcDateTime


class PlanView(BaseModel):
    """The plan of a diary period and the person's answers to its changes.

    ``plan`` is the core's plan JSON (``magnerve.schemas.PlanOut``); ``keys[i]`` names
    ``plan.changes[i]`` for :class:`DecisionIn`.
    """

    start: dt.date
    end: dt.date
    plan: PlanOut
    keys: list[str]
    decisions: list[DecisionOut]


# --- slice 3: supplements and water, quick add, import ------------------------------------------


class SupplementOut(BaseModel):
    """A supplement on the person's list: the core's profile supplement, its elemental
    magnesium per dose [mg] and per day [mg/day] (per dose x ``times_per_day``)."""

    id: int
    supplement: Supplement
    magnesium_mg_per_dose: float
    magnesium_mg_per_day: float
    created_at: UtcDateTime


class WaterOut(BaseModel):
    """The person's drinking water (the core's profile water section; null until set),
    its magnesium [mg/L] and magnesium drunk [mg/day] when both are known, and how the
    magnesium was obtained."""

    water: Water | None
    magnesium_mg_per_l: float | None
    magnesium_mg_per_day: float | None
    how: str
    updated_at: UtcDateTime | None


class FrequentFood(BaseModel):
    """A line logged often recently: quick add sends ``text`` (and ``meal``) again.
    ``grams`` [g] is that of the newest entry."""

    text: str
    meal: str | None
    food: FoodOut
    grams: float
    count: int
    last_date: dt.date


class FrequentList(BaseModel):
    """The most often logged lines of the ``days`` days ending ``end``, most frequent first."""

    end: dt.date
    days: int
    foods: list[FrequentFood]


class ImportEntry(BaseModel):
    """A line of the file the core read as a food: its line number, what was written, and
    the food and weight [g] it became."""

    line: int
    date: dt.date
    meal: str | None
    text: str
    food: FoodOut
    grams: float
    confidence: float
    uncertain: bool


class ImportProblem(BaseModel):
    """A line of the file that is not imported as a food, with its line number and why."""

    line: int
    text: str
    reason: str
    suggestions: list[str]


class ImportSupplement(BaseModel):
    """A supplement row of the file (a Cronometer export's), imported as a dated dose: its
    line, day, name as written and elemental magnesium of the row [mg]."""

    line: int
    date: dt.date
    name: str
    magnesium_mg: float


class ImportResult(BaseModel):
    """What the core read from an uploaded diary file. ``lines`` = ``len(entries)`` +
    ``len(supplements)`` + ``len(problems)`` (every line is a food entry, a supplement dose
    or a listed problem). ``imported`` is the number of food entries stored and
    ``imported_supplements`` the number of doses (0 for a preview)."""

    source: str
    format: str
    lines: int
    entries: list[ImportEntry]
    problems: list[ImportProblem]
    notes: list[str]
    imported: int
    supplements: list[ImportSupplement] = []
    imported_supplements: int = 0


# --- later slices: food aliases, dated supplement doses ---------------------------------------


class AliasIn(_Body):
    """Remember that a food text means an SR28 food: ``text`` is a food text or a whole line
    ("6 chicken nuggets" is stored as "chicken nuggets", the core's ``alias_key``)."""

    text: Line
    food_id: Ndb


class AliasUpdate(_Body):
    """Point an alias at another SR28 food."""

    food_id: Ndb


class AliasOut(BaseModel):
    """One of the account's food aliases: the text as given, the normalised ``key`` a diary
    line is looked up by, and the food."""

    id: int
    text: str
    key: str
    food: FoodOut
    created_at: UtcDateTime


class SupplementDoseIn(Supplement):
    """A supplement taken on one ``date``: the core's profile supplement (``name``, ``form``,
    ``elemental_mg`` from the label or ``salt_mg`` with its ``form``, partner nutrients per
    dose), with ``times_per_day`` read as the number of doses taken that day."""

    date: dt.date


class SupplementDoseOut(BaseModel):
    """A dated supplement row of the diary, with its elemental magnesium per dose [mg] and
    for the day [mg] (per dose x ``times_per_day``, the doses of that day)."""

    id: int
    date: dt.date
    supplement: Supplement
    magnesium_mg_per_dose: float
    magnesium_mg: float
    created_at: UtcDateTime
