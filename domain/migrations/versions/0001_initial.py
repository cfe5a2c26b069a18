"""Initial schema: customers, accounts, bills, saved methods, payments, audit, verification
attempts, idempotency records.

Hand-written to match domain/adapters/orm.py exactly, with plain SQLAlchemy types (a
migration must not change when application types evolve): MoneyCents is BIGINT cents,
StrEnumType is VARCHAR(20), UtcDateTime is TIMESTAMP WITH TIME ZONE. Constraint and index
names are spelled out as the shared naming convention would produce them.

Revision ID: 0001_initial
Revises:
Create Date: 2024-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ENUM = sa.String(20)
_MONEY = sa.BigInteger()


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_number", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("mailing_street", sa.String(200), nullable=False),
        sa.Column("mailing_city", sa.String(100), nullable=False),
        sa.Column("mailing_state", sa.String(50), nullable=False),
        sa.Column("mailing_zip", sa.String(10), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("ssn_last4_hash", sa.String(200), nullable=True),
        sa.Column("ssn_last4_salt", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("customer_number", name=op.f("uq_customers_customer_number")),
    )

    op.create_table(
        "customer_phones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("label", sa.String(20), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name=op.f("fk_customer_phones_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_phones")),
    )
    op.create_index(op.f("ix_customer_phones_customer_id"), "customer_phones",
                    ["customer_id"])
    op.create_index(op.f("ix_customer_phones_number"), "customer_phones", ["number"])

    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_number", sa.String(32), nullable=False),
        sa.Column("kind", _ENUM, nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("service_street_number", sa.String(20), nullable=True),
        sa.Column("service_street_name", sa.String(200), nullable=False),
        sa.Column("service_city", sa.String(100), nullable=False),
        sa.Column("service_state", sa.String(50), nullable=False),
        sa.Column("service_zip", sa.String(10), nullable=False),
        sa.Column("paperless", sa.Boolean(), nullable=False),
        sa.Column("paperless_email", sa.String(254), nullable=True),
        sa.Column("paperless_since", _utc(), nullable=True),
        sa.Column("credit_cents", _MONEY, nullable=False),
        sa.Column("failed_verifications", sa.Integer(), nullable=False),
        sa.Column("locked_at", _utc(), nullable=True),
        sa.Column("lock_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"],
                                name=op.f("fk_accounts_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("account_number", name=op.f("uq_accounts_account_number")),
    )
    op.create_index(op.f("ix_accounts_customer_id"), "accounts", ["customer_id"])

    op.create_table(
        "bills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("bill_number", sa.String(32), nullable=False),
        sa.Column("bill_type", sa.String(50), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("total_cents", _MONEY, nullable=False),
        sa.Column("unpaid_cents", _MONEY, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_bills_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bills")),
        sa.UniqueConstraint("account_id", "bill_number",
                            name=op.f("uq_bills_account_id_bill_number")),
    )
    op.create_index(op.f("ix_bills_bill_number"), "bills", ["bill_number"])

    op.create_table(
        "payment_methods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", _ENUM, nullable=False),
        sa.Column("token", sa.String(200), nullable=False),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("nickname", sa.String(50), nullable=False),
        sa.Column("brand", sa.String(20), nullable=True),
        sa.Column("exp_month", sa.Integer(), nullable=True),
        sa.Column("exp_year", sa.Integer(), nullable=True),
        sa.Column("bank_account_type", _ENUM, nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_payment_methods_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_methods")),
    )
    op.create_index(op.f("ix_payment_methods_account_id"), "payment_methods", ["account_id"])

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("confirmation_number", sa.String(32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", _MONEY, nullable=False),
        sa.Column("fee_cents", _MONEY, nullable=False),
        sa.Column("method_kind", _ENUM, nullable=False),
        sa.Column("method_label", sa.String(100), nullable=False),
        sa.Column("method_token", sa.String(200), nullable=False),
        sa.Column("payment_method_id", sa.Integer(), nullable=True),
        sa.Column("scheduled_for", sa.Date(), nullable=False),
        sa.Column("status", _ENUM, nullable=False),
        sa.Column("channel", _ENUM, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("submitted_at", _utc(), nullable=True),
        sa.Column("completed_at", _utc(), nullable=True),
        sa.Column("cancelled_at", _utc(), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("processor_reference", sa.String(100), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_payments_amount_positive")),
        sa.CheckConstraint("fee_cents >= 0", name=op.f("ck_payments_fee_not_negative")),
        sa.CheckConstraint(
            "status IN ('scheduled', 'pending', 'approved', 'rejected', 'cancelled')",
            name=op.f("ck_payments_status_valid"),
        ),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_payments_account_id_accounts")),
        sa.ForeignKeyConstraint(["payment_method_id"], ["payment_methods.id"],
                                name=op.f("fk_payments_payment_method_id_payment_methods"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("confirmation_number", name=op.f("uq_payments_confirmation_number")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payments_idempotency_key")),
    )
    op.create_index(op.f("ix_payments_account_id"), "payments", ["account_id"])
    op.create_index(op.f("ix_payments_status_scheduled_for"), "payments",
                    ["status", "scheduled_for"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("channel", _ENUM, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(100), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_audit_events_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_account_id_at"), "audit_events",
                    ["account_id", "at"])

    op.create_table(
        "verification_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("channel", _ENUM, nullable=False),
        sa.Column("session_key", sa.String(200), nullable=False),
        sa.Column("caller", sa.String(20), nullable=True),
        sa.Column("account_ref", sa.String(64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_verification_attempts_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_attempts")),
    )
    op.create_index(op.f("ix_verification_attempts_session_key_at"), "verification_attempts",
                    ["session_key", "at"])
    op.create_index(op.f("ix_verification_attempts_caller_at"), "verification_attempts",
                    ["caller", "at"])
    op.create_index(op.f("ix_verification_attempts_account_ref_at"), "verification_attempts",
                    ["account_ref", "at"])

    op.create_table(
        "idempotency_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("operation", sa.String(32), nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"],
                                name=op.f("fk_idempotency_records_payment_id_payments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_records")),
        sa.UniqueConstraint("key", name=op.f("uq_idempotency_records_key")),
    )


def downgrade() -> None:
    # Children before parents.
    op.drop_table("idempotency_records")
    op.drop_table("verification_attempts")
    op.drop_table("audit_events")
    op.drop_table("payments")
    op.drop_table("payment_methods")
    op.drop_table("bills")
    op.drop_table("accounts")
    op.drop_table("customer_phones")
    op.drop_table("customers")
