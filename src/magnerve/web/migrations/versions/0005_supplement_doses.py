"""Dated supplement doses in the diary (issue 12, later slice).

Revision ID: 0005
Revises: 0004
Create Date: 2025-01-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the ``supplement_doses`` table (indexed by account and day)."""
    op.create_table(
        "supplement_doses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_supplement_doses_user_date", "supplement_doses", ["user_id", "date"])


def downgrade() -> None:
    """Drop the ``supplement_doses`` table."""
    op.drop_table("supplement_doses")
