"""Roles, sharing, notes, profiles and plan decisions (issue 12, slice 2).

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def _user_fk(name: str, *, primary_key: bool = False) -> sa.Column[int]:
    return sa.Column(
        name,
        sa.Integer(),
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    """Add ``users.role`` (existing accounts are persons) and the new tables."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("role", sa.String(20), nullable=False, server_default="person"))
    op.create_table(
        "profiles",
        _user_fk("user_id", primary_key=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "shares",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_fk("owner_id"),
        _user_fk("professional_id"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("owner_id", "professional_id", name="uq_shares_pair"),
    )
    op.create_index("ix_shares_owner_id", "shares", ["owner_id"])
    op.create_index("ix_shares_professional_id", "shares", ["professional_id"])
    op.create_table(
        "client_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_fk("owner_id"),
        _user_fk("author_id"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_client_notes_owner_id", "client_notes", ["owner_id"])
    op.create_index("ix_client_notes_author_id", "client_notes", ["author_id"])
    op.create_table(
        "plan_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_fk("user_id"),
        sa.Column("change_key", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "change_key", name="uq_plan_decisions_key"),
    )
    op.create_index("ix_plan_decisions_user_id", "plan_decisions", ["user_id"])


def downgrade() -> None:
    """Drop the new tables and ``users.role``."""
    for table in ("plan_decisions", "client_notes", "shares", "profiles"):
        op.drop_table(table)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("role")
