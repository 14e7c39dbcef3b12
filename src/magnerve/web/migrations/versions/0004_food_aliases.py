"""Per-account food aliases (issue 12, later slice).

Revision ID: 0004
Revises: 0003
Create Date: 2025-01-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the ``food_aliases`` table (one key per account)."""
    op.create_table(
        "food_aliases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("food_id", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "key", name="uq_food_aliases_key"),
    )
    op.create_index("ix_food_aliases_user_id", "food_aliases", ["user_id"])


def downgrade() -> None:
    """Drop the ``food_aliases`` table."""
    op.drop_table("food_aliases")
