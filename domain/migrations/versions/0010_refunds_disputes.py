"""Real card processing: refunds, chargebacks (disputes), processor webhook events already
handled, the processor's customer id on a customer, and the sandbox processor's own refunds
and disputes (so reconciliation can list them as it lists Stripe's).

Revision ID: 0010_refunds_disputes
Revises: 0009_charge_references
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_refunds_disputes"
down_revision = "0009_charge_references"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("processor_customer_id", sa.String(100), nullable=True))
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("refunded_cents", sa.BigInteger(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("dispute_status", sa.String(20), nullable=True))
        batch.create_check_constraint(
            "refunded_within_total",
            "refunded_cents >= 0 AND refunded_cents <= amount_cents + fee_cents")
    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("payment_id", sa.Integer, sa.ForeignKey("payments.id"), nullable=False,
                  index=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("processor_reference", sa.String(100), nullable=True, unique=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure_reason", sa.String(500), nullable=True),
        sa.CheckConstraint("amount_cents > 0", name="refund_amount_positive"),
    )
    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("processor_reference", sa.String(100), nullable=False, unique=True),
        sa.Column("payment_id", sa.Integer, sa.ForeignKey("payments.id"), nullable=False,
                  index=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "processor_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.String(100), nullable=False, unique=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sandbox_refunds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("charge_reference", sa.String(16), nullable=False, index=True),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    op.create_table(
        "sandbox_disputes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("charge_reference", sa.String(16), nullable=False, index=True),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def downgrade() -> None:
    for table in ("sandbox_disputes", "sandbox_refunds", "processor_events", "disputes",
                  "refunds"):
        op.drop_table(table)
    with op.batch_alter_table("payments") as batch:
        batch.drop_constraint("refunded_within_total", type_="check")
        batch.drop_column("dispute_status")
        batch.drop_column("refunded_cents")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("processor_customer_id")
