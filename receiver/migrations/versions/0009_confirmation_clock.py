"""How far the terminal could trust its clock when it confirmed, kept per case.

Revision ID: 0009
Revises: 0008

`cases.confirmation_clock`: the record the submission carried (`wire.schemas.
ConfirmationClock` as JSON: the terminal's confirmation time, its clock's state —
synced, drifting, jumped, reset, unknown — the offset it last learned, the bound on the
error, when it learned it). NULL for cases of terminals of earlier releases and for cases
made before this revision. `cases.applied_at` / `applied_basis` (0004) keep saying which
time the platform relies on and why; this column says what the terminal knew. Added in
place (SQLite 3.35+ drops it again on the way down).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("confirmation_clock", sa.Text()))


def downgrade() -> None:
    op.execute("ALTER TABLE cases DROP COLUMN confirmation_clock")
