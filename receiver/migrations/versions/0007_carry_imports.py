"""Carry files imported from a USB stick or relayed by another terminal
(`receiver/carry.py`): one row per carry file, so a file presented again after its
acknowledgement is told apart from a new one. The cases themselves are made through the
same idempotency keys as the network path; this table only remembers files.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "carry_imports",
        sa.Column("carry_id", sa.String(32), primary_key=True),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("carry_sha256", sa.String(64), nullable=False),
        sa.Column("submissions", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.String(27), nullable=False),
        # "stick" (kiosk-receiver carry import) or the id of the terminal that relayed it
        sa.Column("via", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("carry_imports")
