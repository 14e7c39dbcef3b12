"""Supplements and drinking water in the diary; the idle session timeout (issue 12, slice 3).

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
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
    """Add ``auth_sessions.last_seen_at`` and the ``supplements`` and ``water`` tables."""
    with op.batch_alter_table("auth_sessions") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(), nullable=True))
    op.create_table(
        "supplements",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user_fk("user_id"),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_supplements_user_id", "supplements", ["user_id"])
    op.create_table(
        "water",
        _user_fk("user_id", primary_key=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    """Drop the new tables and ``auth_sessions.last_seen_at``."""
    op.drop_table("water")
    op.drop_table("supplements")
    with op.batch_alter_table("auth_sessions") as batch:
        batch.drop_column("last_seen_at")
