"""Alembic environment: runs on the connection handed over by ``magnerve.web.core.db``."""

from __future__ import annotations

from alembic import context

from magnerve.web.models import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through magnerve.web.core.db.migrate
    raise RuntimeError("run the migrations with magnerve.web.core.db.migrate(engine)")
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
