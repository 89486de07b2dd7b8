"""A case found by the receipt number of the terminal that printed it.

A citizen at the terminal that printed their receipt types its number (ten digits, a
check digit) instead of the query code; a receipt number is unique only per terminal,
so the look-up is by (terminal_id, receipt_no). The index makes that look-up, and the
failed-read limit counted against it, cost one index probe on a platform of millions
of cases. Existing rows are indexed as they are; nothing else changes.

Revision ID: 0004
Revises: 0002
"""

from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_terminal_receipt", "cases", ["terminal_id", "receipt_no"])


def downgrade() -> None:
    op.drop_index("ix_cases_terminal_receipt", table_name="cases")
