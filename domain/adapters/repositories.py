"""SQLAlchemy implementations of the repositories declared in domain/ports.py.

Each repository works inside the Session of one unit of work (see unit_of_work.py); none of
them commits. `for_update=True` locks the row with SELECT ... FOR UPDATE OF <its table> on
PostgreSQL (SQLite ignores it; there the version counters catch races) and re-reads the row
even if the Session already holds it (populate_existing), so the caller sees the locked,
current state rather than a stale copy from earlier in the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from domain import ports
from domain.adapters.orm import (
    accounts_table,
    ach_files_table,
    audit_events_table,
    autopay_enrollments_table,
    bills_table,
    customer_phones_table,
    customers_table,
    disputes_table,
    idempotency_records_table,
    payments_table,
    processor_events_table,
    refunds_table,
    unknown_account_refs_table,
    verification_attempts_table,
)
from domain.model import (
    Account,
    AccountKind,
    AchFile,
    AuditEvent,
    AutopayEnrollment,
    Channel,
    Customer,
    Dispute,
    DisputeStatus,
    IdempotencyRecord,
    MethodKind,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    VerificationAttempt,
)

_IN_CHUNK = 500  # values per IN (...) list: well inside every driver's parameter limit


def _lockable(stmt: Select[Any], table: Table, for_update: bool,
              skip_locked: bool = False) -> Select[Any]:
    if not for_update:
        return stmt
    # OF <table>: lock only the main row, never the eagerly joined customer row.
    return (stmt.with_for_update(of=table, skip_locked=skip_locked)
            .execution_options(populate_existing=True))


class SqlAlchemyAccountRepository(ports.AccountRepository):
    def __init__(self, session: Session) -> None:
        self.session = session
        # Strong references to every account handed out, for the life of the unit of work.
        # The Session holds clean objects only weakly: a service that changes a bill and
        # drops its `account` variable before commit() would otherwise let the account be
        # garbage-collected, and the flush could no longer bump the account's version.
        self.seen: set[Account] = set()

    def _track(self, account: Account | None) -> Account | None:
        if account is not None:
            self.seen.add(account)
        return account

    def _track_all(self, found: list[Account]) -> list[Account]:
        self.seen.update(found)
        return found

    def add(self, account: Account) -> None:
        self.session.add(account)
        self.seen.add(account)

    def add_customer(self, customer: Customer) -> None:
        self.session.add(customer)

    def _one(self, stmt: Select[Any], for_update: bool,
             skip_locked: bool = False) -> Account | None:
        stmt = _lockable(stmt, accounts_table, for_update, skip_locked)
        return self._track(self.session.scalars(stmt).first())

    def get(self, account_id: int, *, for_update: bool = False,
            skip_locked: bool = False) -> Account | None:
        return self._one(select(Account).where(accounts_table.c.id == account_id), for_update,
                         skip_locked)

    def by_number(self, account_number: str, *, for_update: bool = False) -> Account | None:
        stmt = select(Account).where(accounts_table.c.account_number == account_number)
        return self._one(stmt, for_update)

    def general_account_for_bill(self, customer_number: str, bill_number: str,
                                 *, for_update: bool = False) -> Account | None:
        # Subqueries rather than joins keep FOR UPDATE OF accounts simple on PostgreSQL.
        customer_ids = select(customers_table.c.id).where(
            customers_table.c.customer_number == customer_number)
        has_bill = exists().where(bills_table.c.account_id == accounts_table.c.id,
                                  bills_table.c.bill_number == bill_number)
        stmt = (select(Account)
                .where(accounts_table.c.customer_id.in_(customer_ids),
                       accounts_table.c.kind == AccountKind.GENERAL,
                       has_bill)
                .order_by(accounts_table.c.id))
        return self._one(stmt, for_update)

    def by_customer(self, customer_number: str, *, kind: AccountKind | None = None,
                    for_update: bool = False) -> list[Account]:
        """The customer's accounts (optionally of one kind), oldest first.

        Not (yet) in ports.AccountRepository: identity verification by customer ID + bill
        number needs the account even when the bill number is wrong, to count the failure.
        """
        customer_ids = select(customers_table.c.id).where(
            customers_table.c.customer_number == customer_number)
        stmt = select(Account).where(accounts_table.c.customer_id.in_(customer_ids))
        if kind is not None:
            stmt = stmt.where(accounts_table.c.kind == kind)
        stmt = _lockable(stmt.order_by(accounts_table.c.id), accounts_table, for_update)
        return self._track_all(list(self.session.scalars(stmt)))

    def by_phone(self, e164: str) -> list[Account]:
        customer_ids = select(customer_phones_table.c.customer_id).where(
            customer_phones_table.c.number == e164)
        stmt = (select(Account)
                .where(accounts_table.c.customer_id.in_(customer_ids))
                .order_by(accounts_table.c.id))
        return self._track_all(list(self.session.scalars(stmt)))

    def customer_by_number(self, customer_number: str) -> Customer | None:
        stmt = select(Customer).where(customers_table.c.customer_number == customer_number)
        return self.session.scalars(stmt).first()

    def by_name_and_address(self, name: str, address: str, limit: int = 20) -> list[Account]:
        street = (func.coalesce(accounts_table.c.service_street_number, "") + " "
                  + accounts_table.c.service_street_name)
        stmt = (select(Account)
                .join(customers_table, customers_table.c.id == accounts_table.c.customer_id))
        for word in name.split():
            stmt = stmt.where(customers_table.c.name.icontains(word, autoescape=True))
        for word in address.split():
            stmt = stmt.where(or_(street.icontains(word, autoescape=True),
                                  customers_table.c.mailing_street.icontains(word,
                                                                             autoescape=True)))
        stmt = stmt.order_by(accounts_table.c.id).limit(max(1, min(limit, 100)))
        return self._track_all(list(self.session.scalars(stmt)))


class SqlAlchemyPaymentRepository(ports.PaymentRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, payment: Payment) -> None:
        self.session.add(payment)

    def get(self, payment_id: int, *, for_update: bool = False) -> Payment | None:
        stmt = _lockable(select(Payment).where(payments_table.c.id == payment_id), payments_table,
                         for_update)
        return self.session.scalars(stmt).first()

    def by_confirmation(self, confirmation_number: str) -> Payment | None:
        stmt = select(Payment).where(payments_table.c.confirmation_number == confirmation_number)
        return self.session.scalars(stmt).first()

    def confirmation_exists(self, confirmation_number: str) -> bool:
        stmt = select(exists().where(payments_table.c.confirmation_number == confirmation_number))
        return bool(self.session.scalar(stmt))

    def for_account(self, account_id: int, *, since: datetime | None = None,
                    statuses: Sequence[PaymentStatus] | None = None) -> list[Payment]:
        stmt = select(Payment).where(payments_table.c.account_id == account_id)
        if since is not None:
            stmt = stmt.where(payments_table.c.created_at >= since)
        if statuses is not None:
            stmt = stmt.where(payments_table.c.status.in_(list(statuses)))
        stmt = stmt.order_by(payments_table.c.created_at.desc(), payments_table.c.id.desc())
        return list(self.session.scalars(stmt))

    def due_scheduled(self, on_or_before: date, limit: int = 100) -> list[Payment]:
        stmt = (select(Payment)
                .where(payments_table.c.status == PaymentStatus.SCHEDULED,
                       payments_table.c.scheduled_for <= on_or_before)
                .order_by(payments_table.c.scheduled_for, payments_table.c.id)
                .limit(limit))
        return list(self.session.scalars(stmt))

    def count_due_scheduled(self, on_or_before: date) -> int:
        stmt = (select(func.count()).select_from(payments_table)
                .where(payments_table.c.status == PaymentStatus.SCHEDULED,
                       payments_table.c.scheduled_for <= on_or_before))
        return int(self.session.scalar(stmt) or 0)

    def stale_pending(self, kind: MethodKind, submitted_before: datetime,
                      limit: int = 100) -> list[Payment]:
        stmt = (select(Payment)
                .where(payments_table.c.status == PaymentStatus.PENDING,
                       payments_table.c.method_kind == kind,
                       # entered at the processor (voice <Pay>): its result, not a retry,
                       # settles it; there is no token to charge again
                       payments_table.c.method_token != "",
                       payments_table.c.ach_file_id.is_(None),
                       payments_table.c.submitted_at < submitted_before)
                .order_by(payments_table.c.submitted_at, payments_table.c.id)
                .limit(limit))
        return list(self.session.scalars(stmt))

    def awaiting_processor_result(self, submitted_before: datetime,
                                  limit: int = 100) -> list[Payment]:
        stmt = (select(Payment)
                .where(payments_table.c.status == PaymentStatus.PENDING,
                       payments_table.c.method_kind == MethodKind.CARD,
                       payments_table.c.method_token == "",
                       payments_table.c.submitted_at < submitted_before)
                .order_by(payments_table.c.submitted_at, payments_table.c.id)
                .limit(limit))
        return list(self.session.scalars(stmt))

    def by_confirmations(self, confirmation_numbers: Sequence[str]) -> list[Payment]:
        return self._where_in(payments_table.c.confirmation_number, confirmation_numbers)

    def by_processor_references(self, references: Sequence[str]) -> list[Payment]:
        return self._where_in(payments_table.c.processor_reference, references)

    def _where_in(self, column: ColumnElement[Any], values: Sequence[str]) -> list[Payment]:
        found: list[Payment] = []
        unique = sorted(set(values))
        for start in range(0, len(unique), _IN_CHUNK):
            chunk = unique[start:start + _IN_CHUNK]
            found.extend(self.session.scalars(select(Payment).where(column.in_(chunk))))
        return found

    def pending_in_ach_files(self, effective_on_or_before: date,
                             limit: int = 1000) -> list[Payment]:
        stmt = (select(Payment)
                .join(ach_files_table, ach_files_table.c.id == payments_table.c.ach_file_id)
                .where(payments_table.c.status == PaymentStatus.PENDING,
                       ach_files_table.c.effective_date <= effective_on_or_before)
                .order_by(payments_table.c.id)
                .limit(limit))
        return list(self.session.scalars(stmt))

    def by_trace_number(self, trace_number: str) -> Payment | None:
        stmt = select(Payment).where(payments_table.c.ach_trace_number == trace_number)
        return self.session.scalars(stmt).first()

    def needing_reminder(self, scheduled_from: date, scheduled_to: date,
                         limit: int = 1000) -> list[Payment]:
        stmt = (select(Payment)
                .where(payments_table.c.status == PaymentStatus.SCHEDULED,
                       payments_table.c.reminder_sent_at.is_(None),
                       payments_table.c.scheduled_for >= scheduled_from,
                       payments_table.c.scheduled_for <= scheduled_to)
                .order_by(payments_table.c.scheduled_for, payments_table.c.id)
                .limit(limit))
        return list(self.session.scalars(stmt))

    def scheduled_with_method(self, payment_method_id: int) -> list[Payment]:
        stmt = (select(Payment)
                .where(payments_table.c.status == PaymentStatus.SCHEDULED,
                       payments_table.c.payment_method_id == payment_method_id)
                .order_by(payments_table.c.scheduled_for, payments_table.c.id))
        return list(self.session.scalars(stmt))


class SqlAlchemyAchFileRepository(ports.AchFileRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, ach_file: AchFile) -> None:
        self.session.add(ach_file)

    def get(self, ach_file_id: int) -> AchFile | None:
        return self.session.get(AchFile, ach_file_id)

    def count_created_on(self, day: date) -> int:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        stmt = (select(func.count()).select_from(ach_files_table)
                .where(ach_files_table.c.created_at >= start,
                       ach_files_table.c.created_at < start + timedelta(days=1)))
        return int(self.session.scalar(stmt) or 0)

    def recent(self, limit: int = 20) -> list[AchFile]:
        stmt = select(AchFile).order_by(ach_files_table.c.id.desc()).limit(limit)
        return list(self.session.scalars(stmt))

    def total_entries(self) -> int:
        stmt = select(func.coalesce(func.sum(ach_files_table.c.entry_count), 0))
        return int(self.session.scalar(stmt) or 0)


class SqlAlchemyAutopayRepository(ports.AutopayRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, enrollment: AutopayEnrollment) -> None:
        self.session.add(enrollment)

    def active_for_account(self, account_id: int) -> AutopayEnrollment | None:
        stmt = (select(AutopayEnrollment)
                .where(autopay_enrollments_table.c.account_id == account_id,
                       autopay_enrollments_table.c.active.is_(True))
                .order_by(autopay_enrollments_table.c.id.desc()))
        return self.session.scalars(stmt).first()

    def active_with_method(self, payment_method_id: int) -> list[AutopayEnrollment]:
        stmt = (select(AutopayEnrollment)
                .where(autopay_enrollments_table.c.payment_method_id == payment_method_id,
                       autopay_enrollments_table.c.active.is_(True)))
        return list(self.session.scalars(stmt))


class SqlAlchemyAuditRepository(ports.AuditRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, event: AuditEvent) -> None:
        self.session.add(event)

    def for_account(self, account_id: int, limit: int = 100) -> list[AuditEvent]:
        stmt = (select(AuditEvent)
                .where(audit_events_table.c.account_id == account_id)
                .order_by(audit_events_table.c.at.desc(), audit_events_table.c.id.desc())
                .limit(limit))
        return list(self.session.scalars(stmt))

    def recent(self, limit: int = 100, *, channel: Channel | None = None) -> list[AuditEvent]:
        stmt = select(AuditEvent)
        if channel is not None:
            stmt = stmt.where(audit_events_table.c.channel == channel)
        stmt = (stmt.order_by(audit_events_table.c.at.desc(), audit_events_table.c.id.desc())
                .limit(max(1, min(limit, 1000))))
        return list(self.session.scalars(stmt))


class SqlAlchemyVerificationAttemptRepository(ports.VerificationAttemptRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, attempt: VerificationAttempt) -> None:
        self.session.add(attempt)

    def failures_since(self, since: datetime, *, session_key: str | None = None,
                       caller: str | None = None, account_ref: str | None = None) -> int:
        table = verification_attempts_table
        stmt = (select(func.count())
                .select_from(table)
                .where(table.c.succeeded.is_(False), table.c.at >= since))
        who = [table.c.session_key == session_key] if session_key is not None else []
        if caller:
            who.append(table.c.caller == caller)
        if who:
            stmt = stmt.where(or_(*who))
        if account_ref is not None:
            stmt = stmt.where(table.c.account_ref == account_ref)
        return int(self.session.scalar(stmt) or 0)

    def count_unknown_failure(self, account_ref: str, at: datetime) -> int:
        # One upsert: PostgreSQL holds the row lock until commit, so concurrent tries on one
        # reference queue up and each sees the count including its own failure.
        table = unknown_account_refs_table
        dialect = self.session.get_bind().dialect.name
        # Both dialects' insert() have the same on_conflict_do_update().
        insert: Any = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
        if insert is None:  # pragma: no cover - only the two supported databases
            raise RuntimeError(f"Payline supports PostgreSQL and SQLite, not {dialect}")
        stmt = (insert(table)
                .values(account_ref=account_ref, failures=1, first_failed_at=at,
                        last_failed_at=at)
                .on_conflict_do_update(index_elements=[table.c.account_ref],
                                       set_={"failures": table.c.failures + 1,
                                             "last_failed_at": at})
                .returning(table.c.failures))
        return int(self.session.execute(stmt).scalar_one())


class SqlAlchemyIdempotencyRepository(ports.IdempotencyRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str) -> IdempotencyRecord | None:
        stmt = select(IdempotencyRecord).where(idempotency_records_table.c.key == key)
        return self.session.scalars(stmt).first()

    def add(self, record: IdempotencyRecord) -> None:
        self.session.add(record)


class SqlAlchemyRefundRepository(ports.RefundRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, refund: Refund) -> None:
        self.session.add(refund)

    def get(self, refund_id: int, *, for_update: bool = False) -> Refund | None:
        stmt = _lockable(select(Refund).where(refunds_table.c.id == refund_id), refunds_table,
                         for_update)
        return self.session.scalars(stmt).first()

    def by_idempotency_key(self, key: str) -> Refund | None:
        stmt = select(Refund).where(refunds_table.c.idempotency_key == key)
        return self.session.scalars(stmt).first()

    def by_processor_references(self, references: Sequence[str]) -> list[Refund]:
        found: list[Refund] = []
        unique = sorted(set(references))
        for start in range(0, len(unique), _IN_CHUNK):
            chunk = unique[start:start + _IN_CHUNK]
            found.extend(self.session.scalars(
                select(Refund).where(refunds_table.c.processor_reference.in_(chunk))))
        return found

    def for_payment(self, payment_id: int) -> list[Refund]:
        return self.for_payments([payment_id])

    def for_payments(self, payment_ids: Sequence[int]) -> list[Refund]:
        found: list[Refund] = []
        unique = sorted(set(payment_ids))
        for start in range(0, len(unique), _IN_CHUNK):
            chunk = unique[start:start + _IN_CHUNK]
            found.extend(self.session.scalars(
                select(Refund).where(refunds_table.c.payment_id.in_(chunk))))
        return sorted(found, key=lambda r: (r.requested_at, r.id or 0))

    def pending(self, requested_before: datetime, limit: int = 100) -> list[Refund]:
        stmt = (select(Refund)
                .where(refunds_table.c.status == RefundStatus.PENDING,
                       refunds_table.c.requested_at < requested_before)
                .order_by(refunds_table.c.requested_at, refunds_table.c.id)
                .limit(limit))
        return list(self.session.scalars(stmt))

    def requested_between(self, start: datetime, end: datetime) -> list[Refund]:
        stmt = (select(Refund)
                .where(refunds_table.c.requested_at >= start,
                       refunds_table.c.requested_at < end)
                .order_by(refunds_table.c.requested_at, refunds_table.c.id))
        return list(self.session.scalars(stmt))


class SqlAlchemyDisputeRepository(ports.DisputeRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, dispute: Dispute) -> None:
        self.session.add(dispute)

    def by_processor_reference(self, reference: str, *,
                               for_update: bool = False) -> Dispute | None:
        stmt = _lockable(select(Dispute).where(disputes_table.c.processor_reference == reference),
                         disputes_table, for_update)
        return self.session.scalars(stmt).first()

    def for_payment(self, payment_id: int) -> list[Dispute]:
        stmt = (select(Dispute).where(disputes_table.c.payment_id == payment_id)
                .order_by(disputes_table.c.opened_at, disputes_table.c.id))
        return list(self.session.scalars(stmt))

    def recent(self, limit: int = 100, *,
               statuses: Sequence[DisputeStatus] | None = None) -> list[Dispute]:
        stmt = select(Dispute)
        if statuses is not None:
            stmt = stmt.where(disputes_table.c.status.in_(list(statuses)))
        stmt = (stmt.order_by(disputes_table.c.opened_at.desc(), disputes_table.c.id.desc())
                .limit(max(1, min(limit, 1000))))
        return list(self.session.scalars(stmt))

    def opened_between(self, start: datetime, end: datetime) -> list[Dispute]:
        stmt = (select(Dispute)
                .where(disputes_table.c.opened_at >= start, disputes_table.c.opened_at < end)
                .order_by(disputes_table.c.opened_at, disputes_table.c.id))
        return list(self.session.scalars(stmt))


class SqlAlchemyProcessorEventLog(ports.ProcessorEventLog):
    """Rows of processor_events, written through the unit of work's Session (so they commit
    or roll back with the event's effect); the unique event id stops a concurrent twin."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def seen(self, event_id: str) -> bool:
        stmt = select(exists().where(processor_events_table.c.event_id == event_id))
        return bool(self.session.scalar(stmt))

    def claim(self, event: ports.ProcessorEvent, at: datetime) -> bool:
        if self.seen(event.id):
            return False
        self.session.execute(processor_events_table.insert().values(
            event_id=event.id[:100], event_type=event.type[:100], received_at=at))
        return True
