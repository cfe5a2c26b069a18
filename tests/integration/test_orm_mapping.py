"""The mapping and the repositories on SQLite and PostgreSQL: what goes in comes back out,
exactly (money to the cent, leading zeros, enums, aware datetimes), and the queries the
services rely on return the right rows in the right order."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import StatementError

from domain.adapters.orm import MoneyCents, StrEnumType, UtcDateTime, start_mappers
from domain.adapters.unit_of_work import SqlAlchemyUnitOfWork
from domain.model import (
    Account,
    AccountKind,
    AuditEvent,
    BankAccountType,
    Bill,
    Channel,
    Customer,
    CustomerPhone,
    IdempotencyRecord,
    MethodKind,
    Payment,
    PaymentMethod,
    PaymentStatus,
    VerificationAttempt,
)
from domain.money import Money

if TYPE_CHECKING:
    from conftest import Builders

UowFactory = Callable[[], SqlAlchemyUnitOfWork]
CHICAGO = ZoneInfo("America/Chicago")
MAPPED = [Customer, CustomerPhone, Account, Bill, PaymentMethod, Payment, AuditEvent,
          VerificationAttempt, IdempotencyRecord]


# --- the mapping itself (no database needed) ---------------------------------------------


@pytest.mark.parametrize("cls", MAPPED, ids=lambda c: c.__name__)
def test_every_dataclass_field_is_mapped(cls: type) -> None:
    # An unmapped field would be missing on every object loaded from the database.
    start_mappers()
    mapped = set(inspect(cls).attrs.keys())
    missing = {f.name for f in dataclasses.fields(cls)} - mapped
    assert not missing


def test_start_mappers_is_idempotent() -> None:
    start_mappers()
    mapper = inspect(Account)
    start_mappers()
    start_mappers()
    assert inspect(Account) is mapper
    assert mapper.version_id_col is not None and mapper.version_id_col.name == "version"
    assert inspect(Payment).version_id_col.name == "version"


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()],
                         ids=["sqlite", "postgresql"])
def test_column_types_refuse_what_would_lose_information(dialect: object) -> None:
    money, when, kind = MoneyCents(), UtcDateTime(), StrEnumType(PaymentStatus)
    assert money.process_bind_param(Money.of("1234.56"), dialect) == 123456  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="USD"):
        money.process_bind_param(Money(Decimal("1.00"), "EUR"), dialect)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        money.process_bind_param(12.5, dialect)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        money.process_bind_param(Decimal("12.50"), dialect)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="naive"):
        when.process_bind_param(datetime(2024, 1, 1, 12), dialect)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        kind.process_bind_param("paid", dialect)  # type: ignore[arg-type]
    assert kind.process_bind_param(PaymentStatus.SCHEDULED, dialect) == "scheduled"  # type: ignore[arg-type]


# --- round trips ----------------------------------------------------------------------------


def test_account_aggregate_round_trip(uow_factory: UowFactory, build: Builders) -> None:
    enrolled = datetime(2024, 3, 10, 1, 30, 15, 123456, tzinfo=CHICAGO)  # before a DST switch
    locked = datetime(2024, 11, 3, 1, 30, tzinfo=ZoneInfo("America/New_York"))
    customer = build.customer(customer_number="0000417", email="ana@example.org",
                              language="es", ssn_last4_hash="pbkdf2$1$ab", ssn_last4_salt="cd")
    customer.phones.extend([build.phone("+13125550100"), build.phone("+13125550101", "home")])
    account = build.account(
        customer, account_number="0012345678", service_street_number="0042",
        paperless=True, paperless_email="ana@example.org", paperless_since=enrolled,
        credit=Money.of("0.01"), failed_verifications=2, locked_at=locked,
        lock_reason="3 failed verification attempts",
        bills=[build.bill(bill_number="000981", total=Money.of("1234.56"),
                          unpaid=Money.of("0.01"), due_date=date(2024, 12, 1)),
               build.bill(bill_number="000982", total=Money.of("0.01"),
                          unpaid=Money.zero(), due_date=date(2024, 12, 2))],
        payment_methods=[build.method(kind=MethodKind.BANK, token="tok_bank", last4="0007",
                                      brand=None, exp_month=None, exp_year=None,
                                      bank_account_type=BankAccountType.SAVINGS,
                                      nickname="savings", enabled=False)],
    )
    with uow_factory() as uow:
        uow.accounts.add(account)
        uow.commit()
    assert account.id is not None

    with uow_factory() as uow:
        loaded = uow.accounts.by_number("0012345678")
    assert loaded is not None and loaded is not account

    assert loaded.account_number == "0012345678"
    assert loaded.service_street_number == "0042"
    assert loaded.kind is AccountKind.UTILITY
    assert loaded.paperless is True and loaded.paperless_email == "ana@example.org"
    assert loaded.paperless_since == enrolled
    assert loaded.paperless_since.tzinfo is not None
    assert loaded.paperless_since.utcoffset() == timedelta(0)  # stored and returned as UTC
    # 01:30 on the night DST ends happens twice; PEP 495 makes such a time unequal to any
    # other zone's, so compare in UTC: fold=0 is the first (EDT) one, 05:30 UTC.
    assert loaded.locked_at == locked.astimezone(UTC) == datetime(2024, 11, 3, 5, 30, tzinfo=UTC)
    assert loaded.lock_reason == "3 failed verification attempts"
    assert loaded.failed_verifications == 2
    assert loaded.credit == Money.of("0.01")
    assert type(loaded.credit.amount) is Decimal
    assert loaded.version == 1

    assert loaded.customer.customer_number == "0000417"
    assert (loaded.customer.email, loaded.customer.language) == ("ana@example.org", "es")
    assert (loaded.customer.ssn_last4_hash, loaded.customer.ssn_last4_salt) == (
        "pbkdf2$1$ab", "cd")
    assert [(p.number, p.label) for p in loaded.customer.phones] == [
        ("+13125550100", "mobile"), ("+13125550101", "home")]

    first, second = loaded.bills
    assert (first.bill_number, second.bill_number) == ("000981", "000982")
    assert first.total == Money.of("1234.56") and first.unpaid == Money.of("0.01")
    assert first.total.amount == Decimal("1234.56")
    assert type(first.total.amount) is Decimal and type(first.unpaid.amount) is Decimal
    assert second.unpaid == Money.zero()
    assert type(first.due_date) is date and first.due_date == date(2024, 12, 1)
    assert first.account_id == account.id
    assert loaded.balance_due() == Money.zero()  # 0.01 unpaid minus 0.01 credit

    (method,) = loaded.payment_methods
    assert method.kind is MethodKind.BANK
    assert method.bank_account_type is BankAccountType.SAVINGS
    assert (method.token, method.last4, method.enabled) == ("tok_bank", "0007", False)
    assert method.brand is None and method.exp_month is None
    assert method.created_at == build.now


def test_money_is_stored_as_integer_cents(uow_factory: UowFactory, build: Builders) -> None:
    with uow_factory() as uow:
        uow.accounts.add(build.account(
            account_number="0000000001", credit=Money.of("0.01"),
            bills=[build.bill(total=Money.of("1234.56"), unpaid=Money.of("1234.56"))]))
        uow.commit()
    with uow_factory() as uow:
        total, unpaid = uow.session.execute(
            text("SELECT total_cents, unpaid_cents FROM bills")).one()
        credit = uow.session.execute(text("SELECT credit_cents FROM accounts")).scalar_one()
    assert (total, unpaid, credit) == (123456, 123456, 1)
    assert all(type(v) is int for v in (total, unpaid, credit))


def test_datetimes_are_stored_in_utc(uow_factory: UowFactory, build: Builders) -> None:
    at = datetime(2024, 7, 4, 18, 0, tzinfo=CHICAGO)  # 23:00 UTC
    with uow_factory() as uow:
        uow.audit.add(AuditEvent(at=at, action="x", actor="system:test",
                                 channel=Channel.SYSTEM))
        uow.commit()
    with uow_factory() as uow:
        stored = uow.session.execute(text("SELECT at FROM audit_events")).scalar_one()
    if isinstance(stored, str):  # SQLite keeps text
        assert stored.startswith("2024-07-04 23:00:00")
    else:
        assert stored == datetime(2024, 7, 4, 23, 0, tzinfo=UTC)


def test_payment_round_trip(uow_factory: UowFactory, build: Builders) -> None:
    submitted = datetime(2024, 11, 22, 10, 0, 1, 500, tzinfo=CHICAGO)
    with uow_factory() as uow:
        account = build.account(payment_methods=[build.method()])
        uow.accounts.add(account)
        uow.flush()
        assert account.id is not None
        payment = build.payment(
            account.id, confirmation_number="K7MW3QTX", amount=Money.of("1234.56"),
            fee=Money.of("1.25"), status=PaymentStatus.APPROVED, channel=Channel.SMS,
            payment_method_id=account.payment_methods[0].id,
            scheduled_for=date(2025, 1, 31), idempotency_key="CA1234:pay:1",
            submitted_at=submitted, completed_at=submitted + timedelta(seconds=3),
            processor_reference="ch_0001", rejection_reason=None)
        uow.payments.add(payment)
        uow.commit()
        payment_id = payment.id

    with uow_factory() as uow:
        loaded = uow.payments.by_confirmation("K7MW3QTX")
        by_id = uow.payments.get(payment_id)  # type: ignore[arg-type]
    assert loaded is not None and loaded is by_id
    assert loaded.amount == Money.of("1234.56") and loaded.fee == Money.of("1.25")
    assert loaded.total == Money.of("1235.81")
    assert type(loaded.amount.amount) is Decimal
    assert loaded.status is PaymentStatus.APPROVED and loaded.channel is Channel.SMS
    assert loaded.method_kind is MethodKind.CARD
    assert loaded.payment_method_id == account.payment_methods[0].id
    assert loaded.scheduled_for == date(2025, 1, 31)
    assert loaded.created_at == build.now
    assert loaded.submitted_at == submitted
    assert loaded.completed_at == submitted + timedelta(seconds=3)
    assert loaded.cancelled_at is None and loaded.rejection_reason is None
    assert loaded.processor_reference == "ch_0001"
    assert loaded.idempotency_key == "CA1234:pay:1"
    assert loaded.created_by == "resident:CA123"
    assert loaded.version == 1
    for moment in (loaded.created_at, loaded.submitted_at, loaded.completed_at):
        assert moment is not None and moment.utcoffset() == timedelta(0)


def test_records_round_trip(uow_factory: UowFactory, build: Builders) -> None:
    at = datetime(2024, 11, 22, 23, 59, 59, 999999, tzinfo=CHICAGO)  # next day in UTC
    with uow_factory() as uow:
        account = build.account()
        uow.accounts.add(account)
        uow.flush()
        payment = build.payment(account.id)  # type: ignore[arg-type]
        uow.payments.add(payment)
        uow.flush()
        uow.audit.add(AuditEvent(at=at, action="payment.approved", actor="resident:CA1",
                                 channel=Channel.VOICE, account_id=account.id,
                                 subject="K7MW3QTX", detail="amount=25.00"))
        uow.attempts.add(VerificationAttempt(at=at, channel=Channel.CHAT, session_key="s-1",
                                             caller=None, account_ref="0012345678",
                                             succeeded=True, account_id=account.id))
        uow.idempotency.add(IdempotencyRecord(key="CA1:pay", operation="pay",
                                              fingerprint="f" * 64, created_at=at,
                                              payment_id=payment.id))
        uow.commit()

    with uow_factory() as uow:
        (event,) = uow.audit.for_account(account.id)  # type: ignore[arg-type]
        record = uow.idempotency.get("CA1:pay")
        attempt = uow.session.scalars(select(VerificationAttempt)).one()
    assert (event.action, event.actor, event.subject, event.detail) == (
        "payment.approved", "resident:CA1", "K7MW3QTX", "amount=25.00")
    assert event.channel is Channel.VOICE and event.at == at
    assert record is not None
    assert (record.operation, record.fingerprint, record.payment_id) == (
        "pay", "f" * 64, payment.id)
    assert record.created_at == at and record.created_at.tzinfo is not None
    assert attempt is not None
    assert attempt.channel is Channel.CHAT and attempt.succeeded is True
    assert attempt.caller is None and attempt.account_ref == "0012345678"
    assert attempt.at == at


def test_unstorable_values_fail_at_flush(uow_factory: UowFactory, build: Builders) -> None:
    with uow_factory() as uow:
        uow.accounts.add(build.account(credit=Money(Decimal("1.00"), "EUR")))
        with pytest.raises(StatementError, match="USD"):
            uow.flush()
    with uow_factory() as uow:
        uow.audit.add(AuditEvent(at=datetime(2024, 1, 1), action="x", actor="y",
                                 channel=Channel.SYSTEM))
        with pytest.raises(StatementError, match="naive"):
            uow.flush()


def test_removed_bill_and_phone_are_deleted(uow_factory: UowFactory, build: Builders) -> None:
    customer = build.customer()
    customer.phones.append(build.phone("+13125550100"))
    with uow_factory() as uow:
        uow.accounts.add(build.account(customer, account_number="0000000009",
                                       bills=[build.bill(bill_number="1"),
                                              build.bill(bill_number="2")]))
        uow.commit()
    with uow_factory() as uow:
        account = uow.accounts.by_number("0000000009")
        assert account is not None
        account.bills.pop(0)
        account.customer.phones.clear()
        uow.commit()
    with uow_factory() as uow:
        count_bills = uow.session.execute(text("SELECT count(*) FROM bills")).scalar_one()
        count_phones = uow.session.execute(
            text("SELECT count(*) FROM customer_phones")).scalar_one()
        account = uow.accounts.by_number("0000000009")
    assert (count_bills, count_phones) == (1, 0)
    assert account is not None and [b.bill_number for b in account.bills] == ["2"]


# --- account queries ----------------------------------------------------------------------


def test_account_lookups(uow_factory: UowFactory, build: Builders) -> None:
    household = "+13125550100"
    ana, ben, other = (build.customer(customer_number=n) for n in ("1001", "1002", "1003"))
    ana.phones.append(build.phone(household))
    ben.phones.extend([build.phone("+13125550199"), build.phone(household, "home")])
    other.phones.append(build.phone("+13125550111"))
    utility = build.account(ana, account_number="0000000100",
                            bills=[build.bill(bill_number="5001")])
    general = build.account(ana, account_number="G1001", kind=AccountKind.GENERAL,
                            bills=[build.bill(bill_number="5001"),
                                   build.bill(bill_number="5002")])
    ben_account = build.account(ben, account_number="0000000200")
    other_general = build.account(other, account_number="G1003", kind=AccountKind.GENERAL,
                                  bills=[build.bill(bill_number="5002")])
    with uow_factory() as uow:
        for account in (utility, general, ben_account, other_general):
            uow.accounts.add(account)
        uow.commit()

    with uow_factory() as uow:
        assert uow.accounts.get(general.id) is not None  # type: ignore[arg-type]
        assert uow.accounts.get(999_999) is None
        assert uow.accounts.by_number("100") is None  # no implicit number conversion
        assert uow.accounts.by_number("0000000100") is not None

        # Households share a phone: every account of every customer with that number.
        assert [a.account_number for a in uow.accounts.by_phone(household)] == [
            "0000000100", "G1001", "0000000200"]
        assert [a.account_number for a in uow.accounts.by_phone("+13125550111")] == ["G1003"]
        assert uow.accounts.by_phone("+19995550000") == []

        # Only the customer's *general* account, and only if that bill is on it.
        found = uow.accounts.general_account_for_bill("1001", "5002")
        assert found is not None and found.account_number == "G1001"
        found = uow.accounts.general_account_for_bill("1001", "5001")
        assert found is not None and found.account_number == "G1001"
        assert uow.accounts.general_account_for_bill("1003", "5001") is None
        assert uow.accounts.general_account_for_bill("1002", "5002") is None
        assert uow.accounts.general_account_for_bill("9999", "5002") is None
        locked = uow.accounts.general_account_for_bill("1003", "5002", for_update=True)
        assert locked is not None and locked.account_number == "G1003"

        customer = uow.accounts.customer_by_number("1002")
        assert customer is not None and customer.name == ben.name
        assert uow.accounts.customer_by_number("nobody") is None

        assert [a.account_number for a in uow.accounts.by_customer("1001")] == [
            "0000000100", "G1001"]
        assert [a.account_number for a in uow.accounts.by_customer(
            "1001", kind=AccountKind.GENERAL, for_update=True)] == ["G1001"]


def test_add_customer_without_account(uow_factory: UowFactory, build: Builders) -> None:
    with uow_factory() as uow:
        customer = build.customer(customer_number="7007")
        customer.phones.append(build.phone("+13125550177"))
        uow.accounts.add_customer(customer)
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.accounts.customer_by_number("7007")
    assert loaded is not None and [p.number for p in loaded.phones] == ["+13125550177"]


# --- payment queries ------------------------------------------------------------------------


def test_payment_queries(uow_factory: UowFactory, build: Builders) -> None:
    today = date(2024, 11, 22)
    t0 = datetime(2024, 11, 1, 12, tzinfo=UTC)
    with uow_factory() as uow:
        mine, theirs = build.account(), build.account()
        uow.accounts.add(mine)
        uow.accounts.add(theirs)
        uow.flush()
        rows = [
            # (confirmation, account, status, scheduled_for, created_at)
            ("OLD", mine, PaymentStatus.APPROVED, today - timedelta(days=30), t0),
            ("DUE2", mine, PaymentStatus.SCHEDULED, today, t0 + timedelta(days=1)),
            ("DUE1", theirs, PaymentStatus.SCHEDULED, today - timedelta(days=1),
             t0 + timedelta(days=2)),
            ("LATER", mine, PaymentStatus.SCHEDULED, today + timedelta(days=1),
             t0 + timedelta(days=3)),
            ("GONE", mine, PaymentStatus.CANCELLED, today - timedelta(days=2),
             t0 + timedelta(days=4)),
            ("DUE0", mine, PaymentStatus.SCHEDULED, today - timedelta(days=3),
             t0 + timedelta(days=5)),
        ]
        for conf, account, status, scheduled_for, created_at in rows:
            uow.payments.add(build.payment(account.id, confirmation_number=conf,  # type: ignore[arg-type]
                                           status=status, scheduled_for=scheduled_for,
                                           created_at=created_at))
        uow.commit()

    with uow_factory() as uow:
        # The runner: scheduled and due, oldest date first, across accounts.
        due = uow.payments.due_scheduled(today)
        assert [p.confirmation_number for p in due] == ["DUE0", "DUE1", "DUE2"]
        assert [p.confirmation_number for p in uow.payments.due_scheduled(today, limit=2)] == [
            "DUE0", "DUE1"]
        assert uow.payments.due_scheduled(today - timedelta(days=10)) == []

        history = uow.payments.for_account(mine.id)  # type: ignore[arg-type]
        assert [p.confirmation_number for p in history] == [
            "DUE0", "GONE", "LATER", "DUE2", "OLD"]  # newest first
        recent = uow.payments.for_account(mine.id, since=t0 + timedelta(days=3))  # type: ignore[arg-type]
        assert [p.confirmation_number for p in recent] == ["DUE0", "GONE", "LATER"]
        open_ = uow.payments.for_account(
            mine.id, statuses=[PaymentStatus.SCHEDULED, PaymentStatus.APPROVED])  # type: ignore[arg-type]
        assert [p.confirmation_number for p in open_] == ["DUE0", "LATER", "DUE2", "OLD"]
        assert uow.payments.for_account(mine.id, statuses=[]) == []  # type: ignore[arg-type]

        assert uow.payments.confirmation_exists("DUE1") is True
        assert uow.payments.confirmation_exists("due1") is False
        assert uow.payments.by_confirmation("NOPE") is None
        assert uow.payments.get(999_999) is None
        assert uow.idempotency.get("nope") is None


# --- audit and verification attempts -----------------------------------------------------


def test_audit_for_account_newest_first(uow_factory: UowFactory, build: Builders) -> None:
    t0 = datetime(2024, 11, 22, 8, tzinfo=CHICAGO)
    with uow_factory() as uow:
        account, other = build.account(), build.account()
        uow.accounts.add(account)
        uow.accounts.add(other)
        uow.flush()
        for minutes, action, account_id in [(5, "b", account.id), (1, "a", account.id),
                                            (9, "c", account.id), (7, "x", other.id),
                                            (3, "none", None)]:
            uow.audit.add(AuditEvent(at=t0 + timedelta(minutes=minutes), action=action,
                                     actor="system:test", channel=Channel.SYSTEM,
                                     account_id=account_id))
        uow.commit()
    with uow_factory() as uow:
        assert [e.action for e in uow.audit.for_account(account.id)] == ["c", "b", "a"]  # type: ignore[arg-type]
        assert [e.action for e in uow.audit.for_account(account.id, limit=2)] == ["c", "b"]  # type: ignore[arg-type]


def test_failures_since_counts_by_session_or_caller(uow_factory: UowFactory) -> None:
    now = datetime(2024, 11, 22, 12, tzinfo=CHICAGO)
    since = now - timedelta(minutes=60)
    attempts = [
        # (minutes ago, session, caller, account_ref, succeeded)
        (5, "s1", "+13125550100", "A1", False),
        (10, "s1", None, "A2", False),
        (15, "s2", "+13125550100", "A1", False),   # same caller, other session
        (20, "s3", "+13125550199", "A1", False),   # neither
        (25, "s1", "+13125550100", "A1", True),    # a success never counts
        (61, "s1", "+13125550100", "A1", False),   # before the window
    ]
    with uow_factory() as uow:
        for ago, session_key, caller, ref, ok in attempts:
            uow.attempts.add(VerificationAttempt(
                at=now - timedelta(minutes=ago), channel=Channel.VOICE,
                session_key=session_key, caller=caller, account_ref=ref, succeeded=ok))
        uow.commit()
    with uow_factory() as uow:
        failures = uow.attempts.failures_since
        assert failures(since, session_key="s1", caller="+13125550100") == 3
        assert failures(since, session_key="s1", caller=None) == 2
        assert failures(since, session_key="s9", caller="+13125550100") == 2
        assert failures(since, session_key="s1", caller="+13125550100", account_ref="A1") == 2
        assert failures(since, session_key="s1", caller=None, account_ref="A2") == 1
        assert failures(since, session_key="s9", caller=None) == 0
        # The boundary is inclusive.
        assert failures(now - timedelta(minutes=5), session_key="s1", caller=None) == 1
