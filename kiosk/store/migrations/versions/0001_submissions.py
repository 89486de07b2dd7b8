"""Submissions and their attachments.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATES = ("queued", "sending", "delivered", "needs_attention", "purged")


def upgrade() -> None:
    state_list = ", ".join(f"'{s}'" for s in STATES)
    op.create_table(
        "submissions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("receipt_no", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=True),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("jurisdiction", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("envelope", sa.LargeBinary(), nullable=True),
        sa.Column("receipt_fields", sa.Text(), server_default="{}", nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("case_no", sa.String(64), nullable=True),
        sa.Column("query_code", sa.String(64), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint("receipt_no", name=op.f("uq_submissions_receipt_no")),
        sa.CheckConstraint(f"state IN ({state_list})", name=op.f("ck_submissions_state")),
        sa.CheckConstraint(
            "state = 'purged' OR envelope IS NOT NULL", name=op.f("ck_submissions_envelope")
        ),
        sa.CheckConstraint(
            "state NOT IN ('delivered', 'purged') OR "
            "(case_no IS NOT NULL AND delivered_at IS NOT NULL)",
            name=op.f("ck_submissions_delivered"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_submissions_attempts")),
    )
    op.create_index("ix_submissions_state_created_at", "submissions", ["state", "created_at"])
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.String(36), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("media_type", sa.String(128), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("sealed_digest", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_attachments_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "submission_id", "digest", name=op.f("uq_attachments_submission_id_digest")
        ),
    )


def downgrade() -> None:
    op.drop_table("attachments")
    op.drop_index("ix_submissions_state_created_at", table_name="submissions")
    op.drop_table("submissions")
