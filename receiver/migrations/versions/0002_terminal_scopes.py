"""Idempotency keys per terminal, and who may read a case.

- `idempotency`: the primary key is (terminal_id, key), so another terminal's key is
  simply a different key; `cases` is unique on (terminal_id, submission_id) instead of
  submission_id alone. Existing rows are copied as they are (a key was only ever used
  by one terminal, the one that sent it).
- `terminals.jurisdiction`: the area a terminal belongs to, set by the operator; NULL
  (every terminal enrolled before this revision) until then.
- `cases.terminal_jurisdiction`: the submitting terminal's jurisdiction when the case
  was made (NULL for older cases until the operator sets that terminal's);
  `cases.phone_factors`: salted hashes of the last 4 digits of the contact phones the
  sealed document gives (NULL for older cases: derived from the envelope when first
  asked for).
- `case_query_failures`: failed case reads, the sliding window the rate limits count.
- `attachments.terminal_id`: the terminal an upload belongs to (NULL for older ones:
  anyone's, as before).

SQLite cannot change a primary key or a unique constraint in place: both tables are
rebuilt, in the migration's one transaction.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from alembic.util import CommandError

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

STAMP = sa.String(27)
_CASE_COLUMNS = ("case_no, query_code, submission_id, terminal_id, receipt_no, kind, category, "
                 "purpose, jurisdiction, created_at, received_at, status, envelope, updated_at")
_IDEMPOTENCY_COLUMNS = "key, terminal_id, request_sha256, status, response, created_at"


def _idempotency_table(name: str, primary_key: tuple[str, ...]) -> None:
    op.create_table(
        name,
        sa.Column("key", sa.String(36), nullable=False),  # the submission id
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("request_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint(*primary_key),
    )


def _cases_table(name: str, unique_submission: tuple[str, ...], *, scoped: bool) -> None:
    extra = [sa.Column("terminal_jurisdiction", sa.String(200)),
             sa.Column("phone_factors", sa.Text())] if scoped else []
    op.create_table(
        name,
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("query_code", sa.String(16), nullable=False),
        sa.Column("submission_id", sa.String(36), nullable=False),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("receipt_no", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(64)),
        sa.Column("jurisdiction", sa.String(200), nullable=False),  # as the terminal sent it
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("received_at", STAMP, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("envelope", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        *extra,
        sa.PrimaryKeyConstraint("case_no"),
        sa.UniqueConstraint("query_code"),
        sa.UniqueConstraint(*unique_submission),
    )


def _replace(table: str, rebuilt: str, columns: str) -> None:
    op.execute(f"INSERT INTO {rebuilt} ({columns}) SELECT {columns} FROM {table}")
    op.drop_table(table)
    op.rename_table(rebuilt, table)


def upgrade() -> None:
    _idempotency_table("idempotency_0002", ("terminal_id", "key"))
    _replace("idempotency", "idempotency_0002", _IDEMPOTENCY_COLUMNS)
    _cases_table("cases_0002", ("terminal_id", "submission_id"), scoped=True)
    _replace("cases", "cases_0002", _CASE_COLUMNS)
    op.add_column("terminals", sa.Column("jurisdiction", sa.String(200)))
    op.add_column("attachments", sa.Column("terminal_id", sa.String(64)))  # NULL: anyone's
    op.create_table(
        "case_query_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        # sha256 of the code typed with a second factor; NULL for a read without one,
        # which counts for the terminal only
        sa.Column("code_hash", sa.String(64)),
        sa.Column("at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_query_failures_terminal", "case_query_failures",
                    ["terminal_id", "at"])
    op.create_index("ix_case_query_failures_code", "case_query_failures", ["code_hash", "at"])
    op.create_index("ix_case_query_failures_at", "case_query_failures", ["at"])


def _refuse_if_shared(table: str, column: str, what: str) -> None:
    shared = op.get_bind().execute(sa.text(
        f"SELECT {column} FROM {table} GROUP BY {column} HAVING count(*) > 1 LIMIT 1")).first()
    if shared is not None:
        raise CommandError(f"cannot downgrade below 0002: {what} {shared[0]!r} is used by more "
                           "than one terminal, and revision 0001 can keep only one of them")


def downgrade() -> None:
    _refuse_if_shared("idempotency", "key", "Idempotency-Key")
    _refuse_if_shared("cases", "submission_id", "submission id")
    op.drop_table("case_query_failures")
    op.execute("ALTER TABLE terminals DROP COLUMN jurisdiction")  # SQLite 3.35 and later
    op.execute("ALTER TABLE attachments DROP COLUMN terminal_id")
    _cases_table("cases_0001", ("submission_id",), scoped=False)
    _replace("cases", "cases_0001", _CASE_COLUMNS)
    _idempotency_table("idempotency_0001", ("key",))
    _replace("idempotency", "idempotency_0001", _IDEMPOTENCY_COLUMNS)
