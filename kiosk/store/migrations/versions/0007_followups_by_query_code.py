"""Follow-ups that name their case by its query code: material added, a withdrawal or a
case's rating from the query screen, for a case of any terminal.

Revision ID: 0007
Revises: 0006

`followups.submission_id` may now be NULL, when the new `query_code` (with the phone's
last 4 digits the citizen proved and the asking terminal's id) names the case instead;
exactly one of the two (CHECK `linked`). One rating per case and service and one
withdrawal per case, whichever way the case is named (partial unique indexes).
SQLite changes a column's NULL rule only by copying the table: the rows are copied
into the new table whole, in the migration's one transaction. The downgrade refuses
while a follow-up is named by query code (its link has nowhere to go), else copies back.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

KINDS = ("evaluation", "supplement", "withdrawal")
STATES = ("queued", "sending", "delivered", "needs_attention")
OLD_COLUMNS = ("id", "submission_id", "kind", "service", "payload", "sealed", "created_at",
               "state", "attempts", "next_attempt_at", "last_error", "case_no", "delivered_at",
               "platform_ack", "updated_at")
INDEXES = ("ix_followups_state_created_at", "uq_followups_one_evaluation",
           "uq_followups_one_code_evaluation", "uq_followups_one_withdrawal",
           "uq_followups_one_code_withdrawal")


def _in(column: str, values: tuple[str, ...]) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{v}'" for v in values))


def _table(name: str, *, by_code: bool) -> None:
    extra = [sa.Column("query_code", sa.String(8), nullable=True),
             sa.Column("phone_last4", sa.String(4), nullable=True),
             sa.Column("terminal_id", sa.String(64), nullable=True)] if by_code else []
    checks = [sa.CheckConstraint(
        "(submission_id IS NULL) != (query_code IS NULL) AND (query_code IS NULL OR "
        "(phone_last4 IS NOT NULL AND terminal_id IS NOT NULL))",
        name=op.f("ck_followups_linked"))] if by_code else []
    op.create_table(
        name,
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("submission_id", sa.String(36), nullable=by_code),
        *extra,
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
        *checks,
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name=op.f("fk_followups_submission_id_submissions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
    )


def _indexes(*, by_code: bool) -> None:
    op.create_index("ix_followups_state_created_at", "followups", ["state", "created_at"])
    op.create_index("uq_followups_one_evaluation", "followups", ["submission_id", "service"],
                    unique=True, sqlite_where=sa.text("kind = 'evaluation'"))
    if by_code:
        op.create_index("uq_followups_one_code_evaluation", "followups",
                        ["query_code", "service"], unique=True,
                        sqlite_where=sa.text("kind = 'evaluation'"))
        op.create_index("uq_followups_one_withdrawal", "followups", ["submission_id"],
                        unique=True, sqlite_where=sa.text("kind = 'withdrawal'"))
        op.create_index("uq_followups_one_code_withdrawal", "followups", ["query_code"],
                        unique=True, sqlite_where=sa.text("kind = 'withdrawal'"))


def _copy(*, by_code: bool) -> None:
    for index in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {index}")
    _table("followups_copy", by_code=by_code)
    columns = ", ".join(OLD_COLUMNS)
    op.execute(f"INSERT INTO followups_copy ({columns}) SELECT {columns} FROM followups")
    op.drop_table("followups")
    op.rename_table("followups_copy", "followups")
    _indexes(by_code=by_code)


def upgrade() -> None:
    _copy(by_code=True)


def downgrade() -> None:
    bound = op.get_bind().execute(sa.text("SELECT count(*) FROM followups WHERE "
                                          "submission_id IS NULL")).scalar()
    if bound:
        raise RuntimeError(f"{bound} follow-up(s) name their case by query code; revision "
                           "0006 cannot keep them: deliver them first")
    _copy(by_code=False)
