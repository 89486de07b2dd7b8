"""A case whose category the platform no longer accepts is kept, for the office to
classify: `cases.category` then holds `unclassified` and `cases.category_given` the code
the terminal sent (NULL when the platform took the category as given).

Added in place (SQLite 3.35+ drops it again on the way down).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("category_given", sa.String(64)))


def downgrade() -> None:
    op.execute("ALTER TABLE cases DROP COLUMN category_given")
