"""Items a technician sets aside (搁置), with the reason given.

Revision ID: 0003
Revises: 0002

A new state `set_aside` (out of the needs-attention list, never sent, never purged,
its sealed envelope kept) and the column `set_aside_reason`. SQLite cannot alter a
CHECK constraint in place, so the table is copied (batch mode) from its full 0002
definition: reflection alone would drop the other CHECK constraints.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OLD_STATES = ("queued", "sending", "delivered", "needs_attention", "purged")
NEW_STATES = ("queued", "sending", "delivered", "needs_attention", "set_aside", "purged")


def _state_check(states: tuple[str, ...]) -> str:
    return "state IN ({})".format(", ".join(f"'{s}'" for s in states))


def _submissions(states: tuple[str, ...], *, with_reason: bool) -> sa.Table:
    columns = [
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
    ]
    if with_reason:
        columns.append(sa.Column("set_aside_reason", sa.Text(), nullable=True))
    return sa.Table(
        "submissions",
        sa.MetaData(),
        *columns,
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
        sa.UniqueConstraint("receipt_no", name="uq_submissions_receipt_no"),
        sa.CheckConstraint(_state_check(states), name="ck_submissions_state"),
        sa.CheckConstraint("state = 'purged' OR envelope IS NOT NULL",
                           name="ck_submissions_envelope"),
        sa.CheckConstraint(
            "state NOT IN ('delivered', 'purged') OR "
            "(case_no IS NOT NULL AND delivered_at IS NOT NULL)",
            name="ck_submissions_delivered",
        ),
        sa.CheckConstraint("attempts >= 0", name="ck_submissions_attempts"),
        sa.Index("ix_submissions_state_created_at", "state", "created_at"),
    )


def upgrade() -> None:
    with op.batch_alter_table(
        "submissions", copy_from=_submissions(OLD_STATES, with_reason=False), recreate="always"
    ) as batch:
        batch.add_column(sa.Column("set_aside_reason", sa.Text(), nullable=True))
        batch.drop_constraint(op.f("ck_submissions_state"), type_="check")
        batch.create_check_constraint(op.f("ck_submissions_state"), _state_check(NEW_STATES))


def downgrade() -> None:
    # Set-aside items go back to needing attention: nothing confirmed is lost.
    op.execute("UPDATE submissions SET state = 'needs_attention' WHERE state = 'set_aside'")
    with op.batch_alter_table(
        "submissions", copy_from=_submissions(NEW_STATES, with_reason=True), recreate="always"
    ) as batch:
        batch.drop_column("set_aside_reason")
        batch.drop_constraint(op.f("ck_submissions_state"), type_="check")
        batch.create_check_constraint(op.f("ck_submissions_state"), _state_check(OLD_STATES))
