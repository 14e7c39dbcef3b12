"""Database tables (SQLAlchemy 2 declarative models).

Times are naive UTC (``utcnow``), the same on SQLite and PostgreSQL. Secrets are stored only
as SHA-256 digests (session ids, personal access tokens) or Argon2 hashes (passwords).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AccessToken",
    "AuthSession",
    "Base",
    "ClientNote",
    "DiaryEntryRow",
    "FoodAlias",
    "LoginFailure",
    "PlanDecision",
    "ProfileRow",
    "Share",
    "SupplementDoseRow",
    "SupplementRow",
    "User",
    "WaterRow",
    "utcnow",
]


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (how every time is stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Declarative base of the web app's tables."""


class User(Base):
    """An account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # "person" (keeps a diary, may share it) or "professional" (dietitian, clinician: sees
    # the diaries shared with them, read-only, and writes notes)
    role: Mapped[str] = mapped_column(String(20), default="person", server_default="person")


class AuthSession(Base):
    """A browser sign-in: the cookie holds the id, the table its SHA-256 digest."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    # last request seen (to the minute): the idle timeout; NULL for rows made before 0003
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AccessToken(Base):
    """A personal access token for API clients (``Authorization: Bearer``)."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # "read" (GET only) or "read_write"; tokens made before migration 0006 are read_write
    scope: Mapped[str] = mapped_column(
        String(20), default="read_write", server_default="read_write"
    )


class LoginFailure(Base):
    """One failed sign-in, keyed by a digest of (account, client IP): the rate limit."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DiaryEntryRow(Base):
    """One diary line: what the person typed and how the core understood it."""

    __tablename__ = "diary_entries"
    __table_args__ = (Index("ix_diary_entries_user_date", "user_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date)
    meal: Mapped[str | None] = mapped_column(String(100), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    food_id: Mapped[str] = mapped_column(String(8))
    food_description: Mapped[str] = mapped_column(Text)
    amount: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(100))
    grams: Mapped[float] = mapped_column(Float)
    measure: Mapped[str | None] = mapped_column(Text, nullable=True)
    confidence: Mapped[float] = mapped_column(Float)
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    alternatives: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ProfileRow(Base):
    """A person's profile: the core's profile schema (``magnerve.Profile``) as JSON."""

    __tablename__ = "profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Share(Base):
    """A person lets a professional read their diary and results (until revoked)."""

    __tablename__ = "shares"
    __table_args__ = (UniqueConstraint("owner_id", "professional_id", name="uq_shares_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    professional_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ClientNote(Base):
    """A professional's note about a client (visible to the client)."""

    __tablename__ = "client_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PlanDecision(Base):
    """A person's answer to one change of their plan: accepted or rejected."""

    __tablename__ = "plan_decisions"
    __table_args__ = (UniqueConstraint("user_id", "change_key", name="uq_plan_decisions_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    change_key: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SupplementRow(Base):
    """A supplement the person takes: the core's profile supplement (``magnerve.profile.
    Supplement``) as validated JSON; added to the profile's supplements in the analysis."""

    __tablename__ = "supplements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class WaterRow(Base):
    """The person's drinking water: the core's profile water section (``magnerve.profile.
    Water``) as validated JSON; replaces the profile's water section in the analysis."""

    __tablename__ = "water"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class FoodAlias(Base):
    """One account's correction "this food text means SR28 food X", used when that account's
    diary lines are read (the core's ``parse_line(text, aliases=...)``), never another's."""

    __tablename__ = "food_aliases"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_food_aliases_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # the core's ``magnerve.foods.alias_key`` of the text: what a line is looked up by
    key: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    food_id: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SupplementDoseRow(Base):
    """A supplement taken on one day: the core's profile supplement (``magnerve.profile.
    Supplement``) as validated JSON, its ``times_per_day`` being the doses of that day. Handed
    to the analysis as a diary supplement row (``magnerve.diary.DiarySupplement``)."""

    __tablename__ = "supplement_doses"
    __table_args__ = (Index("ix_supplement_doses_user_date", "user_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
