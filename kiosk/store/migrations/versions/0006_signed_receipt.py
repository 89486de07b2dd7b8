"""The receipt the terminal signed at confirm, kept with its submission.

Revision ID: 0006
Revises: 0005

A nullable column `receipt_token`: the text of the signed receipt (`wire.receipt`:
terminal id, receipt number, kind, confirmation time, sha256 of the sealed envelope,
signed with the terminal's key), made in the confirm's own transaction and sent with
the submission so the platform records when it was confirmed. NULL for submissions
confirmed before this revision, or before the terminal was enrolled (no key yet). It
stays when the item is purged. Added in place: no table copy, every CHECK stays.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("submissions", sa.Column("receipt_token", sa.Text(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE submissions DROP COLUMN receipt_token")
