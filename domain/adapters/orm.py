"""SQLAlchemy 2 tables and the imperative mapping of the plain dataclasses in domain/model.py.

The domain model knows nothing of the database; this module teaches SQLAlchemy how to load and
store it. Column types keep the domain's guarantees at the storage boundary:
- Money is stored as integer cents (never a float) and comes back as Money;
- enums are stored as their short string values and come back as the enum;
- datetimes must be timezone-aware, are stored in UTC, and come back aware (even on SQLite,
  which has no time zone support).

Every table lives on the shared `metadata` (domain/adapters/metadata.py); the hand-written
migration domain/migrations/versions/0001_initial.py must match these definitions exactly
(tests/integration/test_migrations.py compares them).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Session, registry, relationship
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.util import identity_key
from sqlalchemy.types import TypeDecorator

from domain.adapters.metadata import metadata
from domain.model import (
    Account,
    AccountKind,
    AchFile,
    AuditEvent,
    AutopayDateOption,
    AutopayEnrollment,
    BankAccountType,
    Bill,
    Channel,
    Customer,
    CustomerPhone,
    Dispute,
    DisputeStatus,
    IdempotencyRecord,
    MethodKind,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundStatus,
    VerificationAttempt,
)
from domain.money import CURRENCY, Money

# --- column types ----------------------------------------------------------------------


class MoneyCents(TypeDecorator[Money]):
    """Money <-> integer cents. Integers are exact on every database; floats never are."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if not isinstance(value, Money):
            # A bare Decimal/float here is a bug upstream: refuse rather than guess a currency.
            raise TypeError(f"expected Money, got {type(value).__name__}")
        if value.currency != CURRENCY:
            raise ValueError(f"only {CURRENCY} amounts can be stored, got {value.currency}")
        return value.cents

    def process_result_value(self, value: Any, dialect: Dialect) -> Money | None:
        if value is None:
            return None
        return Money.from_cents(int(value))


class StrEnumType(TypeDecorator[StrEnum]):
    """A StrEnum stored as its short string value (VARCHAR, no native ENUM: adding a value
    later is then a code change, not an ALTER TYPE) and loaded back as the enum member."""

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[StrEnum], length: int = 20) -> None:
        super().__init__(length)
        self.enum_class = enum_class
        self.length = length

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        # enum_class(value) rejects strings that are not a member's value.
        return self.enum_class(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        if value is None:
            return None
        return self.enum_class(value)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes only; stored in UTC; loaded back aware in UTC.

    SQLite keeps datetimes as naive text, so the value is normalized to UTC before the tzinfo
    is dropped and UTC is attached again on load. PostgreSQL gets a timestamptz.
    """

    impl = DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: pass an aware datetime (the clock gives one)")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# --- tables ------------------------------------------------------------------------------

customers_table = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_number", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("mailing_street", String(200), nullable=False),
    Column("mailing_city", String(100), nullable=False),
    Column("mailing_state", String(50), nullable=False),
    Column("mailing_zip", String(10), nullable=False),
    Column("email", String(254), nullable=True),
    Column("language", String(8), nullable=False),
    Column("ssn_last4_hash", String(200), nullable=True),
    Column("ssn_last4_salt", String(64), nullable=True),
    Column("processor_customer_id", String(100), nullable=True),
)

customer_phones_table = Table(
    "customer_phones",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False, index=True),
    # Not unique: members of a household share a phone (caller ID is only a hint).
    Column("number", String(20), nullable=False, index=True),
    Column("label", String(20), nullable=False),
)

accounts_table = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    # Text, not a number: printed account numbers keep their leading zeros.
    Column("account_number", String(32), nullable=False, unique=True),
    Column("kind", StrEnumType(AccountKind), nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False, index=True),
    Column("service_street_number", String(20), nullable=True),
    Column("service_street_name", String(200), nullable=False),
    Column("service_city", String(100), nullable=False),
    Column("service_state", String(50), nullable=False),
    Column("service_zip", String(10), nullable=False),
    Column("paperless", Boolean, nullable=False),
    Column("paperless_email", String(254), nullable=True),
    Column("paperless_since", UtcDateTime(), nullable=True),
    Column("credit_cents", MoneyCents(), nullable=False),
    Column("failed_verifications", Integer, nullable=False),
    Column("locked_at", UtcDateTime(), nullable=True),
    Column("lock_reason", Text, nullable=True),
    Column("version", Integer, nullable=False),
)

bills_table = Table(
    "bills",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("bill_number", String(32), nullable=False, index=True),
    Column("bill_type", String(50), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("total_cents", MoneyCents(), nullable=False),
    Column("unpaid_cents", MoneyCents(), nullable=False),
    # Leading column account_id also serves lookups of an account's bills.
    UniqueConstraint("account_id", "bill_number", name="uq_bills_account_id_bill_number"),
)

payment_methods_table = Table(
    "payment_methods",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("kind", StrEnumType(MethodKind), nullable=False),
    Column("token", String(200), nullable=False),
    Column("last4", String(4), nullable=False),
    Column("nickname", String(50), nullable=False),
    Column("brand", String(20), nullable=True),
    Column("exp_month", Integer, nullable=True),
    Column("exp_year", Integer, nullable=True),
    Column("bank_account_type", StrEnumType(BankAccountType), nullable=True),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=True),
    Column("disabled_reason", String(200), nullable=True),
)

_PAYMENT_STATUSES = ", ".join(f"'{status.value}'" for status in PaymentStatus)

payments_table = Table(
    "payments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("confirmation_number", String(32), nullable=False, unique=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("amount_cents", MoneyCents(), nullable=False),
    Column("fee_cents", MoneyCents(), nullable=False),
    Column("method_kind", StrEnumType(MethodKind), nullable=False),
    Column("method_label", String(100), nullable=False),
    Column("method_token", String(200), nullable=False),
    # SET NULL: the payment keeps its own label/token copy if the saved method goes away.
    Column("payment_method_id", Integer,
           ForeignKey("payment_methods.id", ondelete="SET NULL"), nullable=True),
    Column("scheduled_for", Date, nullable=False),
    Column("status", StrEnumType(PaymentStatus), nullable=False),
    Column("channel", StrEnumType(Channel), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # Unique: the last line of defence against charging twice for one interaction.
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("submitted_at", UtcDateTime(), nullable=True),
    Column("completed_at", UtcDateTime(), nullable=True),
    Column("cancelled_at", UtcDateTime(), nullable=True),
    Column("rejection_reason", Text, nullable=True),
    Column("processor_reference", String(100), nullable=True),
    Column("ach_file_id", Integer, ForeignKey("ach_files.id"), nullable=True, index=True),
    # Unique: an ACH return names its entry by trace number and must find exactly one.
    Column("ach_trace_number", String(15), nullable=True, unique=True),
    Column("return_code", String(3), nullable=True),
    Column("reminder_sent_at", UtcDateTime(), nullable=True),
    Column("refunded_cents", MoneyCents(), nullable=False, server_default="0"),
    Column("dispute_status", StrEnumType(DisputeStatus), nullable=True),
    Column("version", Integer, nullable=False),
    CheckConstraint("amount_cents > 0", name="amount_positive"),
    CheckConstraint("fee_cents >= 0", name="fee_not_negative"),
    CheckConstraint("refunded_cents >= 0 AND refunded_cents <= amount_cents + fee_cents",
                    name="refunded_within_total"),
    CheckConstraint(f"status IN ({_PAYMENT_STATUSES})", name="status_valid"),
    # The scheduled-payment runner asks for status='scheduled' AND scheduled_for <= today.
    Index("ix_payments_status_scheduled_for", "status", "scheduled_for"),
)

audit_events_table = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("action", String(64), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("channel", StrEnumType(Channel), nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=True),
    Column("subject", String(100), nullable=True),
    Column("detail", Text, nullable=False),
    Index("ix_audit_events_account_id_at", "account_id", "at"),
)

verification_attempts_table = Table(
    "verification_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("channel", StrEnumType(Channel), nullable=False),
    Column("session_key", String(200), nullable=False),
    Column("caller", String(20), nullable=True),
    Column("account_ref", String(64), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=True),
    # The throttle counts recent failures per session, per caller and per account reference.
    Index("ix_verification_attempts_session_key_at", "session_key", "at"),
    Index("ix_verification_attempts_caller_at", "caller", "at"),
    Index("ix_verification_attempts_account_ref_at", "account_ref", "at"),
)

# Failures on account references that match no account, counted like an account's own
# failed_verifications (across every channel and session), so an unknown number "locks" on
# the same attempt a real one does. The reference is the keyed hash, never the digits.
unknown_account_refs_table = Table(
    "unknown_account_refs",
    metadata,
    Column("account_ref", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first_failed_at", UtcDateTime(), nullable=False),
    Column("last_failed_at", UtcDateTime(), nullable=False),
)

ach_files_table = Table(
    "ach_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_name", String(100), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("file_id_modifier", String(1), nullable=False),
    Column("entry_count", Integer, nullable=False),
    Column("total_debit_cents", MoneyCents(), nullable=False),
    Column("batch_count", Integer, nullable=False),
)

autopay_enrollments_table = Table(
    "autopay_enrollments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("payment_method_id", Integer, ForeignKey("payment_methods.id"), nullable=False),
    Column("date_option", StrEnumType(AutopayDateOption), nullable=False),
    Column("days_before", Integer, nullable=True),
    Column("threshold_cents", MoneyCents(), nullable=True),
    Column("enrolled_at", UtcDateTime(), nullable=False),
    Column("enrolled_by", String(100), nullable=False),
    Column("channel", StrEnumType(Channel), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("cancelled_at", UtcDateTime(), nullable=True),
    CheckConstraint("days_before IS NULL OR (days_before BETWEEN 1 AND 10)",
                    name="days_before_range"),
)

refunds_table = Table(
    "refunds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("payment_id", Integer, ForeignKey("payments.id"), nullable=False, index=True),
    Column("amount_cents", MoneyCents(), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("requested_by", String(100), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False, index=True),
    # Unique: a retried or double-clicked refund request is the same refund.
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("status", StrEnumType(RefundStatus), nullable=False),
    Column("processor_reference", String(100), nullable=True, unique=True),
    Column("completed_at", UtcDateTime(), nullable=True),
    Column("failure_reason", String(500), nullable=True),
    CheckConstraint("amount_cents > 0", name="refund_amount_positive"),
)

disputes_table = Table(
    "disputes",
    metadata,
    Column("id", Integer, primary_key=True),
    # Unique: the processor's dispute id; its webhooks update one row.
    Column("processor_reference", String(100), nullable=False, unique=True),
    Column("payment_id", Integer, ForeignKey("payments.id"), nullable=False, index=True),
    Column("amount_cents", MoneyCents(), nullable=False),
    Column("reason", String(100), nullable=False),
    Column("status", StrEnumType(DisputeStatus), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False, index=True),
    Column("closed_at", UtcDateTime(), nullable=True),
)

# Processor webhook events already handled (Stripe's event id): a replayed event is ignored.
processor_events_table = Table(
    "processor_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", String(100), nullable=False, unique=True),
    Column("event_type", String(100), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
)

idempotency_records_table = Table(
    "idempotency_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("operation", String(32), nullable=False),
    Column("fingerprint", String(128), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("payment_id", Integer, ForeignKey("payments.id"), nullable=True),
)

# --- mapping -----------------------------------------------------------------------------

mapper_registry = registry(metadata=metadata)
_mapping_lock = threading.Lock()
_mapped = False


def start_mappers() -> None:
    """Map the domain dataclasses onto the tables. Idempotent and thread-safe."""
    global _mapped
    with _mapping_lock:
        if _mapped:
            return
        mapper_registry.map_imperatively(CustomerPhone, customer_phones_table)
        mapper_registry.map_imperatively(
            Customer,
            customers_table,
            properties={
                "phones": relationship(CustomerPhone, cascade="all, delete-orphan",
                                       lazy="selectin", order_by=customer_phones_table.c.id),
            },
        )
        mapper_registry.map_imperatively(
            Bill,
            bills_table,
            properties={"total": bills_table.c.total_cents, "unpaid": bills_table.c.unpaid_cents},
        )
        mapper_registry.map_imperatively(PaymentMethod, payment_methods_table)
        mapper_registry.map_imperatively(
            Account,
            accounts_table,
            properties={
                # Inner join: an account always has a customer, and an inner join keeps
                # FOR UPDATE OF accounts legal on PostgreSQL.
                "customer": relationship(Customer, lazy="joined", innerjoin=True),
                # selectin, not joined: PostgreSQL rejects FOR UPDATE on the nullable side of
                # an outer join, and selectin avoids multiplying account rows.
                "bills": relationship(Bill, cascade="all, delete-orphan", lazy="selectin",
                                      order_by=(bills_table.c.due_date, bills_table.c.id)),
                "payment_methods": relationship(PaymentMethod, cascade="all, delete-orphan",
                                                lazy="selectin",
                                                order_by=payment_methods_table.c.id),
                "credit": accounts_table.c.credit_cents,
            },
            version_id_col=accounts_table.c.version,
        )
        mapper_registry.map_imperatively(
            Payment,
            payments_table,
            properties={"amount": payments_table.c.amount_cents, "fee": payments_table.c.fee_cents,
                        "refunded": payments_table.c.refunded_cents},
            version_id_col=payments_table.c.version,
        )
        mapper_registry.map_imperatively(
            Refund, refunds_table, properties={"amount": refunds_table.c.amount_cents})
        mapper_registry.map_imperatively(
            Dispute, disputes_table, properties={"amount": disputes_table.c.amount_cents})
        mapper_registry.map_imperatively(
            AchFile, ach_files_table,
            properties={"total_debit": ach_files_table.c.total_debit_cents})
        mapper_registry.map_imperatively(
            AutopayEnrollment, autopay_enrollments_table,
            properties={"threshold": autopay_enrollments_table.c.threshold_cents})
        mapper_registry.map_imperatively(AuditEvent, audit_events_table)
        mapper_registry.map_imperatively(VerificationAttempt, verification_attempts_table)
        mapper_registry.map_imperatively(IdempotencyRecord, idempotency_records_table)
        mapper_registry.configure()
        event.listen(Session, "before_flush", _version_account_aggregates)
        _mapped = True


def _version_account_aggregates(session: Session, flush_context: Any, instances: Any) -> None:
    """Treat an account with its bills and saved methods as one versioned aggregate.

    The account's version counter only moves when the accounts row is UPDATEd. Applying a
    payment changes bills, not the account row, so without this two concurrent payments could
    both "win". Marking the parent account modified forces an UPDATE ... WHERE version = n,
    which raises StaleDataError (-> ConcurrencyConflict) for the loser.
    """
    touched: dict[int, Account] = {}
    for obj in session.dirty:
        if isinstance(obj, Account):
            if session.is_modified(obj):  # includes bills/methods added to or removed from it
                touched[id(obj)] = obj
        elif isinstance(obj, (Bill, PaymentMethod)) and obj.account_id is not None:
            if session.is_modified(obj):
                parent = session.identity_map.get(identity_key(Account, obj.account_id))
                if isinstance(parent, Account):
                    touched[id(parent)] = parent
    for account in touched.values():
        if account.id is not None:
            _ = account.failed_verifications  # reload if expired: flag_modified needs a value
            # Any column works: the UPDATE it triggers is what bumps the version.
            flag_modified(account, "failed_verifications")


# Short names for the same Table objects; some callers import these (e.g. ivr/web/health.py).
customers = customers_table
customer_phones = customer_phones_table
accounts = accounts_table
bills = bills_table
payment_methods = payment_methods_table
payments = payments_table
audit_events = audit_events_table
verification_attempts = verification_attempts_table
unknown_account_refs = unknown_account_refs_table
idempotency_records = idempotency_records_table
refunds = refunds_table
disputes = disputes_table
processor_events = processor_events_table
ach_files = ach_files_table
autopay_enrollments = autopay_enrollments_table
