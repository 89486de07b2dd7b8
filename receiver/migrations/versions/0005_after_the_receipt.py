"""Material added (补充材料, Art. 14) and withdrawals (撤回申请, Art. 17).

- `supplements`: each delivery of material a citizen added to a case, its pages sealed
  as they came (the platform's key opens them), when it was made at the terminal and
  when it arrived.
- `withdrawals`: each request to withdraw a case, its signature sealed, when it was made
  and arrived, and what the office decided (`confirmed_at` once it set `withdrawn`).
- `cases.material_requested_at`: when the office last asked for material;
  `cases.material_complete_at`: the day it was complete — the first material added
  after that request, at the time the terminal confirmed it (Art. 14: that day counts
  as the day of receipt).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

STAMP = sa.String(27)
_CASE_COLUMNS = (
    sa.Column("material_requested_at", STAMP),
    sa.Column("material_complete_at", STAMP),
)


def upgrade() -> None:
    op.create_table(
        "supplements",
        sa.Column("id", sa.String(36), nullable=False),  # the follow-up id
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("sealed_sha256", sa.String(64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("made_at", STAMP, nullable=False),
        sa.Column("received_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_supplements_case", "supplements", ["case_no"])
    op.create_table(
        "withdrawals",
        sa.Column("id", sa.String(36), nullable=False),  # the follow-up id
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("signature_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("status_before", sa.String(32), nullable=False),
        sa.Column("made_at", STAMP, nullable=False),
        sa.Column("received_at", STAMP, nullable=False),
        sa.Column("confirmed_at", STAMP),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_withdrawals_case", "withdrawals", ["case_no"])
    for column in _CASE_COLUMNS:
        op.add_column("cases", column._copy())


def downgrade() -> None:
    for column in reversed(_CASE_COLUMNS):
        op.execute(f"ALTER TABLE cases DROP COLUMN {column.name}")
    op.drop_index("ix_withdrawals_case", "withdrawals")
    op.drop_table("withdrawals")
    op.drop_index("ix_supplements_case", "supplements")
    op.drop_table("supplements")
