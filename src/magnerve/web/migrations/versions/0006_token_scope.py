"""Scopes of personal access tokens: ``read`` or ``read_write`` (issue 12, later slice).

Revision ID: 0006
Revises: 0005
Create Date: 2025-01-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``access_tokens.scope``; tokens made before keep what they could do (read_write)."""
    with op.batch_alter_table("access_tokens") as batch:
        batch.add_column(
            sa.Column("scope", sa.String(20), nullable=False, server_default="read_write")
        )


def downgrade() -> None:
    """Drop ``access_tokens.scope``."""
    with op.batch_alter_table("access_tokens") as batch:
        batch.drop_column("scope")
