"""Channels: conversation state per call/thread, handoffs to 311, one-time links.

Revision ID: 0004_channels
Revises: 0003_payment_processing
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_channels"
down_revision = "0003_payment_processing"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "channel_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("session_key", sa.String(64), nullable=False),
        sa.Column("caller", sa.String(20), nullable=True),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("step", sa.String(40), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("verified_at", _utc(), nullable=True),
        sa.Column("last_response", sa.Text(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("ended_at", _utc(), nullable=True),
        sa.Column("end_status", sa.String(20), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_channel_sessions_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_sessions")),
        sa.UniqueConstraint("channel", "session_key",
                            name=op.f("uq_channel_sessions_channel")),
    )
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("session_key", sa.String(64), nullable=False),
        sa.Column("caller", sa.String(20), nullable=True),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("masked_account", sa.String(24), nullable=True),
        sa.Column("last_step", sa.String(60), nullable=False),
        sa.Column("intent", sa.String(60), nullable=False),
        sa.Column("summary", sa.String(400), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("taken_by", sa.String(40), nullable=True),
        sa.Column("taken_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_handoffs_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
    )
    op.create_index(op.f("ix_handoffs_status"), "handoffs", ["status"])
    op.create_index(op.f("ix_handoffs_session_key"), "handoffs", ["session_key"])
    op.create_table(
        "one_time_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.Column("used_at", _utc(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_one_time_links_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_one_time_links_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("one_time_links")
    op.drop_index(op.f("ix_handoffs_session_key"), table_name="handoffs")
    op.drop_index(op.f("ix_handoffs_status"), table_name="handoffs")
    op.drop_table("handoffs")
    op.drop_table("channel_sessions")
