"""The sandbox processor keeps Payline's reference on each charge (and lists charges by time),
so the ledger can be reconciled with what the processor charged.

Revision ID: 0009_charge_references
Revises: 0008_agent_mfa
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_charge_references"
down_revision = "0008_agent_mfa"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sandbox_charges") as batch:
        batch.add_column(sa.Column("payline_reference", sa.String(200), nullable=True))
        batch.create_index(op.f("ix_sandbox_charges_payline_reference"), ["payline_reference"])
        batch.create_index(op.f("ix_sandbox_charges_created_at"), ["created_at"])


def downgrade() -> None:
    with op.batch_alter_table("sandbox_charges") as batch:
        batch.drop_index(op.f("ix_sandbox_charges_created_at"))
        batch.drop_index(op.f("ix_sandbox_charges_payline_reference"))
        batch.drop_column("payline_reference")
