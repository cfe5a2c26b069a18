"""Payment processing: ACH files and returns, reminders, autopay, the bank-account vault.

Revision ID: 0003_payment_processing
Revises: 0002_processor_outbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_payment_processing"
down_revision = "0002_processor_outbox"
branch_labels = None
depends_on = None

_ENUM = sa.String(20)
_MONEY = sa.BigInteger()


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ach_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(100), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("file_id_modifier", sa.String(1), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("total_debit_cents", _MONEY, nullable=False),
        sa.Column("batch_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ach_files")),
        sa.UniqueConstraint("file_name", name=op.f("uq_ach_files_file_name")),
    )
    op.create_table(
        "autopay_enrollments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("payment_method_id", sa.Integer(), nullable=False),
        sa.Column("date_option", _ENUM, nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=True),
        sa.Column("threshold_cents", _MONEY, nullable=True),
        sa.Column("enrolled_at", _utc(), nullable=False),
        sa.Column("enrolled_by", sa.String(100), nullable=False),
        sa.Column("channel", _ENUM, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("cancelled_at", _utc(), nullable=True),
        sa.CheckConstraint("days_before IS NULL OR (days_before BETWEEN 1 AND 10)",
                           name=op.f("ck_autopay_enrollments_days_before_range")),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_autopay_enrollments_account_id_accounts")),
        sa.ForeignKeyConstraint(
            ["payment_method_id"], ["payment_methods.id"],
            name=op.f("fk_autopay_enrollments_payment_method_id_payment_methods")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_autopay_enrollments")),
    )
    op.create_index(op.f("ix_autopay_enrollments_account_id"), "autopay_enrollments",
                    ["account_id"])
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("ach_file_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("ach_trace_number", sa.String(15), nullable=True))
        batch.add_column(sa.Column("return_code", sa.String(3), nullable=True))
        batch.add_column(sa.Column("reminder_sent_at", _utc(), nullable=True))
        batch.create_foreign_key(op.f("fk_payments_ach_file_id_ach_files"), "ach_files",
                                 ["ach_file_id"], ["id"])
        batch.create_unique_constraint(op.f("uq_payments_ach_trace_number"),
                                       ["ach_trace_number"])
        batch.create_index(op.f("ix_payments_ach_file_id"), ["ach_file_id"])
    with op.batch_alter_table("payment_methods") as batch:
        batch.add_column(sa.Column("disabled_reason", sa.String(200), nullable=True))
    with op.batch_alter_table("sandbox_tokens") as batch:
        batch.add_column(sa.Column("account_number_encrypted", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sandbox_tokens") as batch:
        batch.drop_column("account_number_encrypted")
    with op.batch_alter_table("payment_methods") as batch:
        batch.drop_column("disabled_reason")
    with op.batch_alter_table("payments") as batch:
        batch.drop_index(op.f("ix_payments_ach_file_id"))
        batch.drop_constraint(op.f("uq_payments_ach_trace_number"), type_="unique")
        batch.drop_constraint(op.f("fk_payments_ach_file_id_ach_files"), type_="foreignkey")
        batch.drop_column("reminder_sent_at")
        batch.drop_column("return_code")
        batch.drop_column("ach_trace_number")
        batch.drop_column("ach_file_id")
    op.drop_index(op.f("ix_autopay_enrollments_account_id"), table_name="autopay_enrollments")
    op.drop_table("autopay_enrollments")
    op.drop_table("ach_files")
