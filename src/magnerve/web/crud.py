"""Database operations. Every diary query is filtered by its owner's id: one person's rows
are never reachable from another's account (a missing or foreign id is the same "not
found"). Food lines are understood by the core's public API (``magnerve.foods``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from magnerve import foods
from magnerve.errors import InputError
from magnerve.registry import get_registry
from magnerve.web.core import security
from magnerve.web.core.cache import CachedParse, RecordingAliases, parse_cache
from magnerve.web.core.config import Settings, policy
from magnerve.web.models import (
    AccessToken,
    AuthSession,
    ClientNote,
    DiaryEntryRow,
    FoodAlias,
    LoginFailure,
    PlanDecision,
    ProfileRow,
    Share,
    SupplementDoseRow,
    SupplementRow,
    User,
    WaterRow,
    utcnow,
)

#: How often a token's "last used" time is written (at most once per this interval).
_LAST_USED_RESOLUTION = timedelta(minutes=1)
#: How often a session's "last seen" time is written (``settings.toml`` [session]).
_LAST_SEEN_RESOLUTION = timedelta(seconds=policy()["session"]["last_seen_resolution_seconds"])


def shift_day(day: date, days: int) -> date:
    """``day`` moved by ``days`` days, held within the calendar (``date.min`` to ``date.max``):
    a period asked at the calendar's edge (``?from=9999-12-30``) is cut there, not a 500."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


__all__ = [
    "AccountAliases",
    "FieldError",
    "RateLimited",
    "add_dose",
    "add_note",
    "add_supplement",
    "authenticate",
    "copy_day",
    "create_entry",
    "create_session",
    "create_share",
    "create_token",
    "create_user",
    "day_range",
    "delete_alias",
    "delete_dose",
    "delete_entry",
    "delete_session",
    "delete_share",
    "delete_supplement",
    "delete_token",
    "delete_user",
    "frequent_foods",
    "get_alias",
    "get_dose",
    "get_entry",
    "get_profile",
    "get_user_by_email",
    "get_water",
    "import_entries",
    "latest_entry_date",
    "list_aliases",
    "list_clients",
    "list_decisions",
    "list_doses",
    "list_entries",
    "list_notes",
    "list_shares",
    "list_supplements",
    "list_tokens",
    "read_line",
    "save_alias",
    "save_profile",
    "save_water",
    "session_user",
    "set_decision",
    "set_password",
    "shared_client",
    "token_user",
    "update_entry",
]


# The statements of the per-request lookups, built once (building one costs about as much
# as running it on SQLite).
_TOKEN_BY_DIGEST = (
    select(AccessToken, User)
    .join(User, User.id == AccessToken.user_id)
    .where(AccessToken.token_hash == bindparam("digest"))
)
_SESSION_BY_DIGEST = (
    select(AuthSession, User)
    .join(User, User.id == AuthSession.user_id)
    .where(AuthSession.token_hash == bindparam("digest"))
)
# a Core insert of the table: about half the CPU of the ORM's unit-of-work flush
_ENTRIES = cast(Table, DiaryEntryRow.__table__)
_INSERT_ENTRY = insert(_ENTRIES).returning(_ENTRIES.c.id)
_ALIAS_OF_KEY = select(FoodAlias.food_id).where(
    FoodAlias.user_id == bindparam("user_id"), FoodAlias.key == bindparam("key")
)
_ALIASES_OF_KEYS = select(FoodAlias.key, FoodAlias.food_id).where(
    FoodAlias.user_id == bindparam("user_id"),
    FoodAlias.key.in_(bindparam("keys", expanding=True)),
)


class FieldError(InputError):
    """Bad input at a field of a request (an HTTP 422 with ``loc``).

    Parameters
    ----------
    loc : tuple
        Field path, e.g. ``("body", "text")``.
    message : str
        What is wrong, in words.
    suggestions : list of str
        What the person could write instead.
    """

    def __init__(
        self, loc: tuple[str | int, ...], message: str, suggestions: Sequence[str] = ()
    ) -> None:
        super().__init__(message)
        self.loc = loc
        self.suggestions = list(suggestions)


class RateLimited(Exception):
    """Too many failed sign-ins for this account from this client (HTTP 429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many failed sign-ins; try again later")
        self.retry_after = retry_after


# --- accounts -----------------------------------------------------------------------------


def get_user_by_email(db: Session, email: str) -> User | None:
    """The account with this (normalised) e-mail, or None."""
    return db.scalar(select(User).where(User.email == email))


def create_user(db: Session, email: str, password: str, role: str = "person") -> User:
    """A new account (``role`` "person" or "professional").

    Raises
    ------
    FieldError
        When the e-mail is already registered.
    """
    if get_user_by_email(db, email) is not None:
        raise FieldError(("body", "email"), "this e-mail is already registered; sign in instead")
    user = User(email=email, password_hash=security.hash_password(password), role=role)
    db.add(user)
    db.commit()
    return user


def authenticate(
    db: Session, email: str, password: str, client: str, settings: Settings
) -> User | None:
    """The account when the password matches, None otherwise (a failure is recorded).

    Raises
    ------
    RateLimited
        When ``settings.login_max_failures`` failures of this (account, client) fall within
        ``settings.login_window``; the password is then not checked.
    """
    key = security.rate_key(email, client)
    since = utcnow() - settings.login_window
    failures = db.scalar(
        select(func.count()).where(LoginFailure.key == key, LoginFailure.at > since)
    )
    if (failures or 0) >= settings.login_max_failures:
        oldest = db.scalar(
            select(func.min(LoginFailure.at)).where(
                LoginFailure.key == key, LoginFailure.at > since
            )
        )
        wait = (oldest + settings.login_window - utcnow()) if oldest else settings.login_window
        raise RateLimited(max(1, int(wait.total_seconds()) + 1))
    user = get_user_by_email(db, email)
    if user is None:
        security.burn_time(password)
        ok = False
    else:
        ok = security.verify_password(password, user.password_hash)
    if not ok:
        db.add(LoginFailure(key=key))
        db.execute(delete(LoginFailure).where(LoginFailure.at <= since))
        db.commit()
        return None
    db.execute(delete(LoginFailure).where(LoginFailure.key == key))
    db.commit()
    return user


def set_password(db: Session, user: User, new_password: str, keep: AuthSession | None) -> None:
    """Change the password and end every other session of the account (``keep`` stays)."""
    user.password_hash = security.hash_password(new_password)
    q = delete(AuthSession).where(AuthSession.user_id == user.id)
    if keep is not None:
        q = q.where(AuthSession.id != keep.id)
    db.execute(q)
    db.commit()


# --- sessions and tokens --------------------------------------------------------------------


def create_session(db: Session, user: User, settings: Settings) -> tuple[str, AuthSession]:
    """A new sign-in session: (the cookie value, the stored row)."""
    raw = security.new_token()
    row = AuthSession(
        token_hash=security.digest(raw),
        user_id=user.id,
        csrf_token=security.new_token(),
        expires_at=utcnow() + settings.session_lifetime,
        last_seen_at=utcnow(),
    )
    db.add(row)
    db.execute(delete(AuthSession).where(AuthSession.expires_at <= utcnow()))
    db.commit()
    return raw, row


def session_user(
    db: Session, raw: str, idle: timedelta | None = None
) -> tuple[User, AuthSession] | None:
    """The account and session of a cookie value; None when unknown or expired.

    Parameters
    ----------
    db : Session
    raw : str
        The cookie's value.
    idle : datetime.timedelta, optional
        Idle timeout: a session last seen longer ago than this ends (its row is deleted).
        None: only the absolute expiry applies. "Last seen" is written at most once a
        minute.
    """
    found = db.execute(_SESSION_BY_DIGEST, {"digest": security.digest(raw)}).first()
    if found is None:
        return None
    row, user = found
    now = utcnow()
    seen = row.last_seen_at or row.created_at
    if row.expires_at <= now or (idle is not None and now - seen >= idle):
        db.delete(row)
        db.commit()
        return None
    if idle is not None and now - seen >= _LAST_SEEN_RESOLUTION:
        row.last_seen_at = now
        db.commit()
    return user, row


def delete_session(db: Session, row: AuthSession) -> None:
    """End a session (sign-out)."""
    db.execute(delete(AuthSession).where(AuthSession.id == row.id))
    db.commit()


def create_token(
    db: Session, user: User, name: str, scope: str = "read_write"
) -> tuple[str, AccessToken]:
    """A new personal access token: (the secret, shown once; the stored row).

    ``scope`` is ``"read"`` (GET only) or ``"read_write"``.
    """
    if scope not in ("read", "read_write"):
        raise FieldError(("body", "scope"), "scope is 'read' or 'read_write'")
    raw = security.new_token(security.TOKEN_PREFIX)
    row = AccessToken(
        user_id=user.id,
        name=name,
        prefix=raw[: len(security.TOKEN_PREFIX) + 4],
        token_hash=security.digest(raw),
        scope=scope,
    )
    db.add(row)
    db.commit()
    return raw, row


def list_tokens(db: Session, user: User) -> list[AccessToken]:
    """The account's tokens, oldest first."""
    return list(
        db.scalars(
            select(AccessToken).where(AccessToken.user_id == user.id).order_by(AccessToken.id)
        )
    )


def delete_token(db: Session, user: User, token_id: int) -> bool:
    """Revoke one of the account's tokens; False when it has no such token."""
    res = db.execute(
        delete(AccessToken).where(AccessToken.id == token_id, AccessToken.user_id == user.id)
    )
    db.commit()
    return bool(getattr(res, "rowcount", 0))


def token_user(db: Session, raw: str) -> tuple[User, AccessToken] | None:
    """The account and the token row of a bearer token; None when unknown or revoked."""
    # one indexed query (the unique index on the digest) for the token and its account
    found = db.execute(_TOKEN_BY_DIGEST, {"digest": security.digest(raw)}).first()
    if found is None:
        return None
    row, user = found
    now = utcnow()
    # a write per call would double the cost of every bearer write (one more commit and
    # fsync): "last used" is kept to the minute
    if row.last_used_at is None or now - row.last_used_at >= _LAST_USED_RESOLUTION:
        row.last_used_at = now
        db.commit()
    return user, row


# --- diary ----------------------------------------------------------------------------------


# The core's "bad input" exceptions for a food line (not all derive from InputError yet).
_CORE_INPUT_ERRORS: tuple[type[Exception], ...] = (
    InputError,
    foods.ParseError,
    foods.AmountError,
    foods.PortionError,
    foods.FoodNotFoundError,
)


def _columns(parsed: Any) -> dict[str, Any]:
    """The food columns of a diary row from the core's ``ParsedLine``."""
    return {
        "food_id": parsed.food.id,
        "food_description": parsed.food.description,
        "amount": float(parsed.amount),
        "unit": parsed.unit,
        "grams": float(parsed.grams),
        "measure": parsed.measure,
        "confidence": float(parsed.confidence),
        "uncertain": bool(parsed.uncertain),
        "alternatives": [h.to_dict() for h in parsed.alternatives],
        "notes": list(parsed.notes),
    }


def _aliases_of(db: Session, user_id: int, keys: tuple[str, ...]) -> dict[str, str]:
    """The account's aliases of these ``alias_key`` values (one indexed query)."""
    rows = db.execute(_ALIASES_OF_KEYS, {"user_id": user_id, "keys": list(keys)})
    return {str(k): str(v) for k, v in rows}


def read_line(db: Session, user: User, text: str, loc: tuple[str | int, ...]) -> Mapping[str, Any]:
    """The food columns of a diary line as the core reads it with the account's aliases.

    The same account's same text read again is answered from
    :data:`magnerve.web.core.cache.parse_cache` when the reference data is the same and the
    account's aliases give the same answers for the alias keys the parser looked up (the
    parse is deterministic given those). Entries are per account (its id and creation time:
    SQLite may give a deleted account's id to a new one), so that how fast a line is
    answered never tells one account what another typed.

    Raises
    ------
    FieldError
        At ``loc``, when the core cannot understand the line (its reason and suggestions).
    """
    user_id = user.id
    key = (user_id, user.created_at, text)
    entry = parse_cache.get(key)
    if entry is None or not entry.valid_for(lambda keys: _aliases_of(db, user_id, keys)):
        registry = get_registry()
        seen = RecordingAliases(AccountAliases(db, user_id))
        try:
            parsed = foods.parse_line(text, aliases=seen)
        except _CORE_INPUT_ERRORS as e:
            why = (str(e), tuple(getattr(e, "suggestions", ()) or ()))
            entry = CachedParse(registry, tuple(seen.lookups.items()), None, why)
        else:
            columns = MappingProxyType(_columns(parsed))  # shared: read-only
            entry = CachedParse(registry, tuple(seen.lookups.items()), columns, None)
        if seen.complete:
            parse_cache.put(key, entry)
    if entry.error is not None:
        raise FieldError(loc, entry.error[0], entry.error[1])
    assert entry.columns is not None
    return entry.columns


def _set(row: DiaryEntryRow, columns: Mapping[str, Any], keep_alternatives: bool = False) -> None:
    """Write food columns into ``row`` (fresh lists: a cached parse is never shared)."""
    for name in ("food_id", "food_description", "amount", "unit", "grams", "measure"):
        setattr(row, name, columns[name])
    row.confidence = columns["confidence"]
    row.uncertain = columns["uncertain"]
    if not keep_alternatives or columns["alternatives"]:
        row.alternatives = [dict(a) for a in columns["alternatives"]]
    row.notes = list(columns["notes"])


def list_entries(db: Session, user: User, start: date, end: date) -> list[DiaryEntryRow]:
    """The account's entries from ``start`` to ``end`` (inclusive), in date and entry order."""
    return list(
        db.scalars(
            select(DiaryEntryRow)
            .where(
                DiaryEntryRow.user_id == user.id,
                DiaryEntryRow.date >= start,
                DiaryEntryRow.date <= end,
            )
            .order_by(DiaryEntryRow.date, DiaryEntryRow.id)
        )
    )


def get_entry(db: Session, user: User, entry_id: int) -> DiaryEntryRow | None:
    """One of the account's entries; None when it has no entry with this id."""
    return db.scalar(
        select(DiaryEntryRow).where(DiaryEntryRow.id == entry_id, DiaryEntryRow.user_id == user.id)
    )


def create_entry(
    db: Session, user: User, day: date, text: str, meal: str | None, note: str
) -> DiaryEntryRow:
    """Understand ``text`` with the core and store it.

    Raises
    ------
    FieldError
        When the core cannot understand the line (with its reason and suggestions).
    """
    columns = read_line(db, user, text, ("body", "text"))
    now = utcnow()
    values: dict[str, Any] = {
        "user_id": user.id,
        "date": day,
        "meal": meal or None,
        "text": text,
        "note": note,
        **columns,
        "alternatives": [dict(a) for a in columns["alternatives"]],
        "notes": list(columns["notes"]),
        "created_at": now,
        "updated_at": now,
    }
    # one INSERT statement (no unit-of-work flush); the row answered is built from the same
    # values (not attached to the session)
    new_id = db.execute(_INSERT_ENTRY, values).scalar_one()
    db.commit()
    return DiaryEntryRow(id=new_id, **values)


def update_entry(db: Session, row: DiaryEntryRow, changes: dict[str, Any]) -> DiaryEntryRow:
    """Apply ``changes`` (date, text, meal, note, food_id) to an entry of the caller's.

    A new ``text`` is understood again; ``food_id`` keeps the amount and unit and uses that
    SR28 food (the person's choice, so the confidence is the core's for an NDB number).

    Raises
    ------
    FieldError
        When the new text, or the amount with the chosen food, cannot be understood.
    """
    if changes.get("date") is not None:
        row.date = changes["date"]
    if "meal" in changes:
        row.meal = changes["meal"] or None
    if changes.get("note") is not None:
        row.note = changes["note"]
    if changes.get("text") is not None:
        row.text = changes["text"]
        owner = db.get(User, row.user_id)  # the caller, already in the session
        assert owner is not None
        _set(row, read_line(db, owner, row.text, ("body", "text")))
    if changes.get("food_id") is not None:
        ndb = changes["food_id"]
        try:
            foods.get_food(ndb)
            parsed = foods.parse_food_amount(ndb, row.amount, row.unit, text=row.text)
        except _CORE_INPUT_ERRORS as e:
            raise FieldError(("body", "food_id"), str(e), getattr(e, "suggestions", ())) from None
        _set(row, _columns(parsed), keep_alternatives=True)
    row.updated_at = utcnow()
    db.commit()
    return row


def delete_entry(db: Session, row: DiaryEntryRow) -> None:
    """Delete an entry of the caller's."""
    db.delete(row)
    db.commit()


def copy_day(
    db: Session,
    user: User,
    from_date: date,
    to_date: date,
    meal: str | None,
    to_meal: str | None = None,
) -> list[DiaryEntryRow]:
    """Copy the account's entries of ``from_date`` (only ``meal``, when given) to ``to_date``
    (into the meal ``to_meal`` when given; else each keeps its meal).

    Raises
    ------
    FieldError
        When the copy would land on itself (same day, and the same meal or no meal change).
    """
    same_meal = not to_meal or (meal or "").lower() == to_meal.lower()
    if from_date == to_date and same_meal:
        raise FieldError(("body", "to_date"), "choose a different day or meal to copy to")
    source = list_entries(db, user, from_date, from_date)
    if meal:
        source = [e for e in source if (e.meal or "").lower() == meal.lower()]
    copies = []
    for e in source:
        c = DiaryEntryRow(user_id=user.id, date=to_date)
        for col in (
            "meal", "text", "note", "food_id", "food_description", "amount", "unit", "grams",
            "measure", "confidence", "uncertain", "alternatives", "notes",
        ):  # fmt: skip
            setattr(c, col, getattr(e, col))
        if to_meal:
            c.meal = to_meal
        copies.append(c)
    db.add_all(copies)
    db.commit()
    return copies


def frequent_foods(
    db: Session, user: User, today: date, days: int, top: int
) -> list[dict[str, Any]]:
    """Quick add: the lines the account logged most often in the ``days`` days ending
    ``today`` (the same text counts once per entry), at most ``top``, most frequent first
    (ties: the most recently logged first).

    Returns
    -------
    list of dict
        ``text``, ``meal`` (of the newest entry), ``food_id``, ``food_description``,
        ``grams`` [g] (of the newest), ``count``, ``last_date``.
    """
    rows = list_entries(db, user, shift_day(today, -(days - 1)), today)
    found: dict[str, dict[str, Any]] = {}
    for r in rows:  # date, then id order: the last one seen is the newest
        k = r.text.casefold()
        item = found.setdefault(k, {"count": 0})
        item.update(
            text=r.text,
            meal=r.meal,
            food_id=r.food_id,
            food_description=r.food_description,
            grams=r.grams,
            last_date=r.date,
            last_id=r.id,
            count=item["count"] + 1,
        )
    ranked = sorted(
        found.values(), key=lambda i: (-i["count"], -i["last_date"].toordinal(), -i["last_id"])
    )
    for i in ranked:
        del i["last_id"]
    return ranked[:top]


def import_entries(
    db: Session,
    user: User,
    items: Sequence[dict[str, Any]],
    doses: Sequence[tuple[date, dict[str, Any]]] = (),
    most_doses_per_day: int | None = None,
) -> tuple[int, int]:
    """Store entries and dated supplement doses already read by the core (one transaction:
    all or none).

    Each item has the columns of :class:`DiaryEntryRow` except the owner and times; each dose
    is its day and the supplement's stored form (validated by the core).

    Returns
    -------
    tuple of int
        Entries and doses stored.

    Raises
    ------
    FieldError
        When a day would hold more than ``most_doses_per_day`` doses (nothing is stored).
    """
    if doses and most_doses_per_day is not None:
        new: dict[date, int] = {}
        for day, _ in doses:
            new[day] = new.get(day, 0) + 1
        have = dict(
            db.execute(
                select(SupplementDoseRow.date, func.count())
                .where(SupplementDoseRow.user_id == user.id, SupplementDoseRow.date.in_(new))
                .group_by(SupplementDoseRow.date)
            ).all()
        )
        over = sorted(d for d, n in new.items() if n + int(have.get(d, 0)) > most_doses_per_day)
        if over:
            raise FieldError(
                ("body", "file"),
                f"at most {most_doses_per_day} supplement rows a day; the file would exceed it "
                f"on {', '.join(d.isoformat() for d in over[:5])}",
            )
    rows = [DiaryEntryRow(user_id=user.id, **it) for it in items]
    dose_rows = [SupplementDoseRow(user_id=user.id, date=d, data=data) for d, data in doses]
    db.add_all([*rows, *dose_rows])
    db.commit()
    return len(rows), len(dose_rows)


def day_range(start: date, end: date | None, max_days: int) -> tuple[date, date]:
    """Check a listing range: ``end`` defaults to ``start``.

    Raises
    ------
    FieldError
        When ``end`` is before ``start`` or the range is longer than ``max_days``.
    """
    end = start if end is None else end
    if end < start:
        raise FieldError(("query", "end"), "end must not be before start")
    if end - start >= timedelta(days=max_days):
        raise FieldError(("query", "end"), f"at most {max_days} days at a time")
    return start, end


def latest_entry_date(db: Session, user: User) -> date | None:
    """The day of the account's newest diary entry, or None for an empty diary."""
    return db.scalar(select(func.max(DiaryEntryRow.date)).where(DiaryEntryRow.user_id == user.id))


# --- sharing and notes --------------------------------------------------------------------------


def create_share(db: Session, owner: User, email: str) -> Share:
    """Let the professional with ``email`` read ``owner``'s diary and results (idempotent).

    Raises
    ------
    FieldError
        When ``owner`` is not a person, or ``email`` is not a professional's account.
    """
    if owner.role != "person":
        raise FieldError(("body", "email"), "only a person's account shares its diary")
    pro = get_user_by_email(db, email)
    if pro is None or pro.role != "professional" or pro.id == owner.id:
        raise FieldError(
            ("body", "email"),
            "no professional (dietitian or clinician) account has this e-mail; ask them to "
            "sign up as a professional first",
        )
    found = db.scalar(
        select(Share).where(Share.owner_id == owner.id, Share.professional_id == pro.id)
    )
    if found is not None:
        return found
    row = Share(owner_id=owner.id, professional_id=pro.id)
    db.add(row)
    db.commit()
    return row


def list_shares(db: Session, user: User) -> list[tuple[Share, User, User]]:
    """The shares the account gave or received: (share, owner, professional), oldest first."""
    rows = db.scalars(
        select(Share)
        .where(or_(Share.owner_id == user.id, Share.professional_id == user.id))
        .order_by(Share.id)
    )
    out = []
    for s in rows:
        owner, pro = db.get(User, s.owner_id), db.get(User, s.professional_id)
        if owner is not None and pro is not None:
            out.append((s, owner, pro))
    return out


def delete_share(db: Session, user: User, share_id: int) -> bool:
    """End a share the account gave (revoke) or received; False when it has no such share.
    Access ends at once: every read by the professional checks the share again."""
    res = db.execute(
        delete(Share).where(
            Share.id == share_id,
            or_(Share.owner_id == user.id, Share.professional_id == user.id),
        )
    )
    db.commit()
    return bool(getattr(res, "rowcount", 0))


def list_clients(db: Session, professional: User) -> list[tuple[User, Share]]:
    """The persons who share their diary with ``professional``: (person, share)."""
    return [(o, s) for s, o, p in list_shares(db, professional) if p.id == professional.id]


def shared_client(db: Session, professional: User, client_id: int) -> User | None:
    """The person ``client_id`` when they share their diary with ``professional`` now;
    None otherwise (no such account, or no share: the same "not found")."""
    share = db.scalar(
        select(Share).where(Share.owner_id == client_id, Share.professional_id == professional.id)
    )
    return None if share is None else db.get(User, client_id)


def add_note(db: Session, author: User, client: User, text: str) -> ClientNote:
    """A professional's note about a client who shares with them (checked by the caller)."""
    row = ClientNote(owner_id=client.id, author_id=author.id, text=text)
    db.add(row)
    db.commit()
    return row


def list_notes(db: Session, owner: User, author: User | None = None) -> list[ClientNote]:
    """Notes about ``owner`` (only those by ``author`` when given), oldest first."""
    q = select(ClientNote).where(ClientNote.owner_id == owner.id)
    if author is not None:
        q = q.where(ClientNote.author_id == author.id)
    return list(db.scalars(q.order_by(ClientNote.id)))


# --- profile and plan decisions -----------------------------------------------------------------


def get_profile(db: Session, user: User) -> ProfileRow | None:
    """The account's stored profile, or None."""
    return db.get(ProfileRow, user.id)


def save_profile(db: Session, user: User, data: dict[str, Any]) -> ProfileRow:
    """Store a profile already validated by the core (``magnerve.parse_profile``)."""
    row = db.get(ProfileRow, user.id)
    if row is None:
        row = ProfileRow(user_id=user.id, data=data)
        db.add(row)
    else:
        row.data = data
        row.updated_at = utcnow()
    db.commit()
    return row


def list_decisions(db: Session, user: User) -> list[PlanDecision]:
    """The account's answers to plan changes, oldest first."""
    return list(
        db.scalars(
            select(PlanDecision).where(PlanDecision.user_id == user.id).order_by(PlanDecision.id)
        )
    )


def set_decision(db: Session, user: User, key: str, decision: str, summary: str) -> PlanDecision:
    """Record (or change) the answer to the plan change ``key``."""
    row = db.scalar(
        select(PlanDecision).where(PlanDecision.user_id == user.id, PlanDecision.change_key == key)
    )
    if row is None:
        row = PlanDecision(user_id=user.id, change_key=key, decision=decision, summary=summary)
        db.add(row)
    else:
        row.decision, row.summary, row.decided_at = decision, summary, utcnow()
    db.commit()
    return row


# --- supplements and drinking water ------------------------------------------------------------


def list_supplements(db: Session, user: User) -> list[SupplementRow]:
    """The account's supplements, oldest first."""
    return list(
        db.scalars(
            select(SupplementRow).where(SupplementRow.user_id == user.id).order_by(SupplementRow.id)
        )
    )


def add_supplement(db: Session, user: User, data: dict[str, Any], most: int) -> SupplementRow:
    """Store a supplement already validated by the core (``magnerve.profile.Supplement``).

    Raises
    ------
    FieldError
        When the account already has ``most`` supplements.
    """
    n = db.scalar(select(func.count()).where(SupplementRow.user_id == user.id)) or 0
    if n >= most:
        raise FieldError(("body",), f"at most {most} supplements; delete one first")
    row = SupplementRow(user_id=user.id, data=data)
    db.add(row)
    db.commit()
    return row


def delete_supplement(db: Session, user: User, supplement_id: int) -> bool:
    """Delete one of the account's supplements; False when it has no such supplement."""
    res = db.execute(
        delete(SupplementRow).where(
            SupplementRow.id == supplement_id, SupplementRow.user_id == user.id
        )
    )
    db.commit()
    return bool(getattr(res, "rowcount", 0))


def get_water(db: Session, user: User) -> WaterRow | None:
    """The account's drinking water, or None."""
    return db.get(WaterRow, user.id)


def save_water(db: Session, user: User, data: dict[str, Any] | None) -> WaterRow | None:
    """Store the drinking water (validated by ``magnerve.profile.Water``); None clears it."""
    row = db.get(WaterRow, user.id)
    if data is None:
        if row is not None:
            db.delete(row)
            db.commit()
        return None
    if row is None:
        row = WaterRow(user_id=user.id, data=data)
        db.add(row)
    else:
        row.data, row.updated_at = data, utcnow()
    db.commit()
    return row


# --- food aliases -------------------------------------------------------------------------------


class AccountAliases(Mapping[str, str]):
    """One account's food aliases as the core's parser reads them: the core's
    ``alias_key`` of a food text -> SR28 NDB number. Each lookup is one indexed query, so a
    line costs no more than a read of its own key.

    Parameters
    ----------
    db : Session
    user_id : int
        The account.
    """

    def __init__(self, db: Session, user_id: int) -> None:
        self._db = db
        self._user_id = user_id

    def __getitem__(self, key: str) -> str:
        found = self._db.scalar(_ALIAS_OF_KEY, {"user_id": self._user_id, "key": key})
        if found is None:
            raise KeyError(key)
        return str(found)

    def __iter__(self) -> Iterator[str]:
        q = select(FoodAlias.key).where(FoodAlias.user_id == self._user_id)
        return iter(list(self._db.scalars(q.order_by(FoodAlias.id))))

    def __len__(self) -> int:
        n = self._db.scalar(select(func.count()).where(FoodAlias.user_id == self._user_id))
        return int(n or 0)


def list_aliases(db: Session, user: User) -> list[FoodAlias]:
    """The account's aliases, oldest first."""
    return list(
        db.scalars(select(FoodAlias).where(FoodAlias.user_id == user.id).order_by(FoodAlias.id))
    )


def get_alias(db: Session, user: User, alias_id: int) -> FoodAlias | None:
    """One of the account's aliases; None when it has no alias with this id."""
    return db.scalar(
        select(FoodAlias).where(FoodAlias.id == alias_id, FoodAlias.user_id == user.id)
    )


def save_alias(
    db: Session, user: User, text: str, food_id: str, most: int, *, max_key: int = 500
) -> tuple[FoodAlias, bool]:
    """Remember that ``text`` (a food text or a whole line) means the SR28 food ``food_id``
    for this account; an alias of the same key is replaced.

    Returns
    -------
    tuple
        The stored row, and True when it is new.

    Raises
    ------
    FieldError
        No food words in the text (``["body", "text"]``), no SR28 food with this number
        (``["body", "food_id"]``), or the account already has ``most`` aliases.
    """
    key = foods.alias_key(text)
    if not key:
        raise FieldError(("body", "text"), "no food words in the text (e.g. 'chicken nuggets')")
    if len(key) > max_key:
        raise FieldError(("body", "text"), f"at most {max_key} characters of food words")
    try:
        ndb = foods.get_food(food_id).id
    except (foods.FoodNotFoundError, ValueError):
        raise FieldError(("body", "food_id"), f"no SR28 food has the number {food_id!r}") from None
    row = db.scalar(select(FoodAlias).where(FoodAlias.user_id == user.id, FoodAlias.key == key))
    if row is not None:
        row.text, row.food_id = text, ndb
        db.commit()
        return row, False
    n = db.scalar(select(func.count()).where(FoodAlias.user_id == user.id)) or 0
    if n >= most:
        raise FieldError(("body",), f"at most {most} aliases; delete one first")
    row = FoodAlias(user_id=user.id, key=key, text=text, food_id=ndb)
    db.add(row)
    db.commit()
    return row, True


def delete_alias(db: Session, user: User, alias_id: int) -> bool:
    """Forget one of the account's aliases; False when it has no such alias."""
    res = db.execute(
        delete(FoodAlias).where(FoodAlias.id == alias_id, FoodAlias.user_id == user.id)
    )
    db.commit()
    return bool(getattr(res, "rowcount", 0))


# --- dated supplement doses ----------------------------------------------------------------------


def list_doses(db: Session, user: User, start: date, end: date) -> list[SupplementDoseRow]:
    """The account's supplement doses from ``start`` to ``end`` (inclusive), by day."""
    return list(
        db.scalars(
            select(SupplementDoseRow)
            .where(
                SupplementDoseRow.user_id == user.id,
                SupplementDoseRow.date >= start,
                SupplementDoseRow.date <= end,
            )
            .order_by(SupplementDoseRow.date, SupplementDoseRow.id)
        )
    )


def add_dose(
    db: Session, user: User, day: date, data: dict[str, Any], most_per_day: int
) -> SupplementDoseRow:
    """Store a dose already validated by the core (``magnerve.profile.Supplement``).

    Raises
    ------
    FieldError
        When the day already has ``most_per_day`` doses.
    """
    n = db.scalar(
        select(func.count()).where(
            SupplementDoseRow.user_id == user.id, SupplementDoseRow.date == day
        )
    )
    if (n or 0) >= most_per_day:
        raise FieldError(("body", "date"), f"at most {most_per_day} supplement rows a day")
    row = SupplementDoseRow(user_id=user.id, date=day, data=data)
    db.add(row)
    db.commit()
    return row


def get_dose(db: Session, user: User, dose_id: int) -> SupplementDoseRow | None:
    """One of the account's doses; None when it has no dose with this id."""
    return db.scalar(
        select(SupplementDoseRow).where(
            SupplementDoseRow.id == dose_id, SupplementDoseRow.user_id == user.id
        )
    )


def delete_dose(db: Session, user: User, dose_id: int) -> bool:
    """Delete one of the account's doses; False when it has no such dose."""
    res = db.execute(
        delete(SupplementDoseRow).where(
            SupplementDoseRow.id == dose_id, SupplementDoseRow.user_id == user.id
        )
    )
    db.commit()
    return bool(getattr(res, "rowcount", 0))


# --- deleting an account ------------------------------------------------------------------------


def delete_user(db: Session, user: User, client: str) -> None:
    """Delete the account and everything of it: diary, profile, sessions, tokens, shares
    (given and received), notes (about it and by it), plan answers and the login failures of
    its e-mail from this client. Rows are deleted explicitly, so the result does not depend
    on the database enforcing ``ON DELETE CASCADE``."""
    uid = user.id
    for stmt in (
        delete(DiaryEntryRow).where(DiaryEntryRow.user_id == uid),
        delete(FoodAlias).where(FoodAlias.user_id == uid),
        delete(SupplementDoseRow).where(SupplementDoseRow.user_id == uid),
        delete(SupplementRow).where(SupplementRow.user_id == uid),
        delete(WaterRow).where(WaterRow.user_id == uid),
        delete(ProfileRow).where(ProfileRow.user_id == uid),
        delete(PlanDecision).where(PlanDecision.user_id == uid),
        delete(ClientNote).where(or_(ClientNote.owner_id == uid, ClientNote.author_id == uid)),
        delete(Share).where(or_(Share.owner_id == uid, Share.professional_id == uid)),
        delete(AccessToken).where(AccessToken.user_id == uid),
        delete(AuthSession).where(AuthSession.user_id == uid),
        delete(LoginFailure).where(LoginFailure.key == security.rate_key(user.email, client)),
        delete(User).where(User.id == uid),
    ):
        db.execute(stmt)
    db.commit()
