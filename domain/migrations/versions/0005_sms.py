"""SMS: opt-outs per number (STOP/START) and inbound texts by MessageSid (retries replay).

Revision ID: 0005_sms
Revises: 0004_channels
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_sms"
down_revision = "0004_channels"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sms_opt_outs",
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("changed_at", _utc(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("phone", name=op.f("pk_sms_opt_outs")),
    )
    op.create_table(
        "sms_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_sid", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("received_at", _utc(), nullable=False),
        sa.Column("handled_at", _utc(), nullable=True),
        sa.Column("replies", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_messages")),
        sa.UniqueConstraint("message_sid", name=op.f("uq_sms_messages_message_sid")),
    )
    op.create_index(op.f("ix_sms_messages_phone"), "sms_messages", ["phone"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sms_messages_phone"), table_name="sms_messages")
    op.drop_table("sms_messages")
    op.drop_table("sms_opt_outs")
