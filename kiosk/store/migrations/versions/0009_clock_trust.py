"""How far the terminal could trust its clock when it confirmed, kept with the submission.

Revision ID: 0009
Revises: 0008

A nullable column `clock_trust`: a small JSON record made at confirm
(`kiosk/clock_trust.confirmation_clock`: the local confirmation time, the trust state —
synced, drifting, jumped, reset, unknown — the offset to the platform's clock last
learned, the bound on the error, when it was learned), sent unchanged with the
submission on every path so the platform can rely on the confirmation time. NULL for
submissions confirmed before this revision. Nothing personal. Added in place: no table
copy, every CHECK stays; it stays when the item is purged.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("submissions", sa.Column("clock_trust", sa.Text(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE submissions DROP COLUMN clock_trust")
