"""Delivery counts per day and kind, kept after submissions are purged.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("delivered", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("day", "kind", name=op.f("pk_delivery_counts")),
    )


def downgrade() -> None:
    op.drop_table("delivery_counts")
