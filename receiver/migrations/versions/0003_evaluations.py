"""Follow-ups to a case and the service evaluation (好差评) with its call-backs.

- `followups`: each follow-up a terminal sent (Idempotency-Key per terminal, like
  `idempotency`): its kind, the case it was linked to and the answer kept for it.
- `evaluations`: one rating per case and service (`terminal`: the service at the
  terminal; `case`: the handling of an answered case): level, reason codes, the
  free text still sealed, when the citizen rated (the terminal's time) and when it
  arrived; for a bad rating, the follow-up's state, note and time.
- `evaluation_callbacks`: the rated-satisfied cases drawn for a period to be called
  back (the seed of the draw kept, so it can be checked), and each call's outcome.

New tables only: the downgrade drops them.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STAMP = sa.String(27)


def upgrade() -> None:
    op.create_table(
        "followups",
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("followup_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("request_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("received_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("terminal_id", "followup_id"),
    )
    op.create_table(
        "evaluations",
        sa.Column("id", sa.String(36), nullable=False),  # the follow-up id
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("service", sa.String(16), nullable=False),
        sa.Column("level", sa.String(24), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("text_sealed", sa.LargeBinary()),
        sa.Column("rated_at", STAMP, nullable=False),
        sa.Column("received_at", STAMP, nullable=False),
        sa.Column("followup_state", sa.String(8)),  # 'open' / 'done' for a bad rating
        sa.Column("followup_note", sa.Text()),
        sa.Column("followed_up_at", STAMP),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_no", "service"),
        sa.ForeignKeyConstraint(["case_no"], ["cases.case_no"]),
        sa.CheckConstraint("service IN ('terminal', 'case')", name="evaluation_service"),
        sa.CheckConstraint("followup_state IS NULL OR followup_state IN ('open', 'done')",
                           name="evaluation_followup_state"),
    )
    op.create_table(
        "evaluation_callbacks",
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("evaluation_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("drawn_at", STAMP, nullable=False),
        sa.Column("outcome", sa.String(16)),
        sa.Column("note", sa.Text()),
        sa.Column("called_at", STAMP),
        sa.PrimaryKeyConstraint("period", "case_no"),
        sa.ForeignKeyConstraint(["evaluation_id"], ["evaluations.id"]),
    )


def downgrade() -> None:
    op.drop_table("evaluation_callbacks")
    op.drop_table("evaluations")
    op.drop_table("followups")
