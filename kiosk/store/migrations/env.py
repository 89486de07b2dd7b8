"""Alembic environment for the kiosk store.

Run through `kiosk.store.db.migrate`, which hands over a connection already inside
one IMMEDIATE transaction; there is no alembic.ini and no URL here.
"""

from alembic import context

from kiosk.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through kiosk.store.db.migrate()")

# Batch mode: SQLite alters most things by copying the table.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
