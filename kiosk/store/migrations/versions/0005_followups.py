"""Follow-ups to a submission: the service evaluation now, material added and a
withdrawal next.

Revision ID: 0005
Revises: 0004

A new table `followups`, one row per thing the citizen does after a confirm that
the platform must receive exactly once: its own id (the Idempotency-Key), the
submission it follows (and through it the case, once delivered), its kind, what it
says that is not personal (`payload`: a rating's level and reason codes) and what is
(`sealed`: sealed to the platform's key, like the petition). It moves along the
outbox's own states (`queued`, `sending`, `delivered`, `needs_attention`) and is
claimed only once its submission has a case number. One evaluation per submission
and service (a partial unique index). Nothing existing changes, so the downgrade
drops the table.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KINDS = ("evaluation", "supplement", "withdrawal")
STATES = ("queued", "sending", "delivered", "needs_attention")


def _in(column: str, values: tuple[str, ...]) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{v}'" for v in values))


def upgrade() -> None:
    op.create_table(
        "followups",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("submission_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("service", sa.String(16), nullable=True),
        sa.Column("payload", sa.Text(), server_default="{}", nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("case_no", sa.String(64), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("platform_ack", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(_in("kind", KINDS), name=op.f("ck_followups_kind")),
        sa.CheckConstraint(_in("state", STATES), name=op.f("ck_followups_state")),
        sa.CheckConstraint("state != 'delivered' OR (case_no IS NOT NULL AND "
                           "delivered_at IS NOT NULL)", name=op.f("ck_followups_delivered")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_followups_attempts")),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name=op.f("fk_followups_submission_id_submissions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
    )
    op.create_index("ix_followups_state_created_at", "followups", ["state", "created_at"])
    op.create_index("uq_followups_one_evaluation", "followups", ["submission_id", "service"],
                    unique=True, sqlite_where=sa.text("kind = 'evaluation'"))


def downgrade() -> None:
    op.drop_index("uq_followups_one_evaluation", table_name="followups")
    op.drop_index("ix_followups_state_created_at", table_name="followups")
    op.drop_table("followups")
