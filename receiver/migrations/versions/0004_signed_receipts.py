"""The terminal's signed receipt and the day an application counts as made.

- `terminal_keys`: every Ed25519 key a terminal has bound, from when until it was
  replaced (NULL: the current one), so that a receipt signed before a re-enrollment
  still proves itself. Filled from `terminals.signing_public_key` (bound at
  `enrolled_at`).
- `cases.receipt`: the signed receipt text the submission carried (NULL for a terminal
  of an earlier release, or one that had no key when it confirmed);
  `cases.confirmed_at`: the confirmation time it signs, when its signature holds;
  `cases.clock_offset_seconds`: the terminal's clock minus the platform's as it sent;
  `cases.applied_at` and `cases.applied_basis`: the moment the application counts as
  made and why — `terminal` (the signed confirmation time) or the reason the platform
  relied on its own arrival time instead. NULL for older cases: their arrival time.

Columns are added in place (SQLite 3.35+ drops them again on the way down).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STAMP = sa.String(27)
_CASE_COLUMNS = (
    sa.Column("receipt", sa.Text()),
    sa.Column("confirmed_at", STAMP),
    sa.Column("clock_offset_seconds", sa.Integer()),
    sa.Column("applied_at", STAMP),
    sa.Column("applied_basis", sa.String(32)),
)


def upgrade() -> None:
    op.create_table(
        "terminal_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("bound_at", STAMP, nullable=False),
        sa.Column("replaced_at", STAMP),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_terminal_keys_terminal", "terminal_keys", ["terminal_id"])
    op.execute("INSERT INTO terminal_keys (terminal_id, public_key, bound_at) "
               "SELECT id, signing_public_key, coalesce(enrolled_at, created_at) FROM terminals "
               "WHERE signing_public_key IS NOT NULL")
    for column in _CASE_COLUMNS:
        op.add_column("cases", column._copy())
    op.create_index("ix_cases_terminal_receipt", "cases", ["terminal_id", "receipt_no"])


def downgrade() -> None:
    op.drop_index("ix_cases_terminal_receipt", "cases")
    for column in reversed(_CASE_COLUMNS):
        op.execute(f"ALTER TABLE cases DROP COLUMN {column.name}")
    op.drop_index("ix_terminal_keys_terminal", "terminal_keys")
    op.drop_table("terminal_keys")
