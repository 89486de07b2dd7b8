"""The platform's tables as release 0.1.0 made them (then without migrations).

A database made by that release has exactly this schema and is stamped at this
revision when first opened (`receiver.storage.schema`).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Aware UTC datetimes as fixed-width text (`%Y-%m-%dT%H:%M:%S.%fZ`): they sort as strings.
STAMP = sa.String(27)


def upgrade() -> None:
    op.create_table(
        "terminals",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("signing_public_key", sa.String(64)),  # base64 raw Ed25519; NULL until enrolled
        sa.Column("code_hash", sa.String(64)),  # sha256 of the pending one-time code
        sa.Column("code_expires_at", STAMP),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("enrolled_at", STAMP),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "nonces",
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("terminal_id", "nonce"),  # refuses a second use
    )
    op.create_index("ix_nonces_created_at", "nonces", ["created_at"])
    op.create_table(
        "idempotency",
        sa.Column("key", sa.String(36), nullable=False),  # the submission id
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("request_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),  # the JSON answered the first time
        sa.Column("created_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "cases",
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("query_code", sa.String(16), nullable=False),
        sa.Column("submission_id", sa.String(36), nullable=False),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("receipt_no", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(64)),
        sa.Column("jurisdiction", sa.String(200), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),  # on the terminal
        sa.Column("received_at", STAMP, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("envelope", sa.LargeBinary(), nullable=False),  # still sealed
        sa.Column("updated_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("case_no"),
        sa.UniqueConstraint("query_code"),
        sa.UniqueConstraint("submission_id"),
    )
    op.create_table(
        "case_counters",
        sa.Column("day", sa.String(8), nullable=False),  # YYYYMMDD in China
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "attachments",
        sa.Column("sealed_digest", sa.String(64), nullable=False),
        sa.Column("declared_size", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("path", sa.String(200), nullable=False),  # relative to the data directory
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("sealed_digest"),
    )
    op.create_table(
        "heartbeats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("received_at", STAMP, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_heartbeats_terminal", "heartbeats", ["terminal_id", "id"])
    op.create_table(
        "content",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),  # TerminalContent JSON
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("at", STAMP, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text()),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["case_no"], ["cases.case_no"]),
    )
    op.create_index("ix_case_events_case", "case_events", ["case_no", "id"])
    op.create_table(
        "case_attachments",
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("sealed_digest", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("case_no", "sealed_digest"),
        sa.ForeignKeyConstraint(["case_no"], ["cases.case_no"]),
    )


def downgrade() -> None:
    for table in ("case_attachments", "case_events", "content", "heartbeats", "attachments",
                  "case_counters", "cases", "idempotency", "nonces", "terminals"):
        op.drop_table(table)
