"""Alembic environment: run with a connection handed in by storage.db (sync, via run_sync)."""
from alembic import context

from storage.models import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through storage.db.migrate(), which passes a connection")
context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                  compare_type=True)
with context.begin_transaction():
    context.run_migrations()
