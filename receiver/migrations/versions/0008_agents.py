"""Agents of proxy stations (代办员): who the operator registered, the pending one-time
binding code (its hash only, with its expiry), where the agent was last bound, and the
wrong codes each terminal sent (a terminal is locked out after too many).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("agent_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("station", sa.String(100), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("code_expires_at", sa.String(27), nullable=True),
        sa.Column("created_at", sa.String(27), nullable=False),
        sa.Column("revoked", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("bound_terminal", sa.String(64), nullable=True),
        sa.Column("bound_at", sa.String(27), nullable=True),
    )
    # A pending code names one agent: the terminal sends the code alone.
    op.create_index("agents_by_pending_code", "agents", ["code_hash"], unique=True,
                    sqlite_where=sa.text("code_hash IS NOT NULL"))
    op.create_table(
        "agent_code_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("at", sa.String(27), nullable=False),
    )
    op.create_index("agent_code_failures_by_terminal", "agent_code_failures",
                    ["terminal_id", "at"])


def downgrade() -> None:
    op.drop_index("agent_code_failures_by_terminal", "agent_code_failures")
    op.drop_table("agent_code_failures")
    op.drop_index("agents_by_pending_code", "agents")
    op.drop_table("agents")
