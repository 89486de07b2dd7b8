"""Alembic environment for the platform's database (`receiver.db`).

Run through `receiver.storage.schema.migrate`, which hands over a connection already
inside one IMMEDIATE transaction; there is no alembic.ini and no URL here.
"""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through receiver.storage.schema.migrate()")

# No target metadata: the platform reaches its rows with plain sqlite3, and the
# migrations are the only description of the schema.
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
