"""The platform's signed acknowledgement, kept with each item it settled.

Revision ID: 0004
Revises: 0003

A nullable column `platform_ack`: the platform's signed answer (a `wire.ack`
document) that delivered the item or set it aside. It stays when the item is
purged, so the terminal can prove what the platform accepted and when. Items settled
before this revision have none. SQLite adds and (3.35+) drops a plain column in
place, so no table copy is needed and every CHECK constraint stays as it is.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("submissions", sa.Column("platform_ack", sa.Text(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE submissions DROP COLUMN platform_ack")
