"""Sandbox processor tables and the notification outbox.

Revision ID: 0002_processor_outbox
Revises: 0001_initial

Hand-written to match the Table definitions in sandbox/processor.py and
domain/adapters/outbox.py (constraint names follow the naming convention in
domain/adapters/metadata.py), so autogenerate finds nothing to do after this upgrade.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_processor_outbox"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sandbox_tokens",
        sa.Column("token", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("brand", sa.String(16), nullable=True),
        sa.Column("exp_month", sa.Integer(), nullable=True),
        sa.Column("exp_year", sa.Integer(), nullable=True),
        sa.Column("bank_account_type", sa.String(16), nullable=True),
        sa.Column("routing_number", sa.String(9), nullable=True),
        sa.Column("behaviour", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_sandbox_tokens")),
    )
    op.create_table(
        "sandbox_charges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("token", sa.String(40), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decline_code", sa.String(32), nullable=True),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_charges")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_sandbox_charges_idempotency_key")),
        sa.UniqueConstraint("reference", name=op.f("uq_sandbox_charges_reference")),
    )
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
    )
    op.create_index(op.f("ix_outbox_messages_recipient"), "outbox_messages", ["recipient"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_messages_recipient"), table_name="outbox_messages")
    op.drop_table("outbox_messages")
    op.drop_table("sandbox_charges")
    op.drop_table("sandbox_tokens")
