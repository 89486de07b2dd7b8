"""Which agent of a proxy station made a submission (代办员).

Revision ID: 0008
Revises: 0007

A nullable column `agent_id`, set by the agent session that confirmed the submission
(never typed), and an index on it for the agent's list (我办理的). NULL for a walk-in
citizen's submission and for every submission made before this revision. The agent id is
the platform's registration id, not personal data. Added in place: no table copy.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("submissions", sa.Column("agent_id", sa.String(32), nullable=True))
    op.create_index("ix_submissions_agent_id", "submissions", ["agent_id"])


def downgrade() -> None:
    op.drop_index("ix_submissions_agent_id", "submissions")
    op.execute("ALTER TABLE submissions DROP COLUMN agent_id")
