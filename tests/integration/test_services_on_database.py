"""The domain services on the real stack (SQLAlchemy unit of work, sandbox processor, outbox),
on SQLite and PostgreSQL: the same rules the unit tests check with fakes, now persisted."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from domain.adapters.clock import FixedClock
from domain.adapters.outbox import OutboxNotifier, list_messages
from domain.config import VerificationPolicy
from domain.errors import AccountLocked, InvalidAmount, PaymentNotCancellable, VerificationFailed
from domain.hashing import hash_last4, new_salt
from domain.model import Actor, BankAccountType, Channel, FactorKind, PaymentStatus
from domain.money import Money
from domain.ports import BankDetails, CardDetails
from domain.services.accounts import AccountService
from domain.services.balance import BalanceService
from domain.services.identity import IdentityService, Requester
from domain.services.paperless import PaperlessService
from domain.services.payment_notices import PaymentNotices
from domain.services.payments import MethodChoice, PaymentRequest, PaymentService
from sandbox.processor import SandboxProcessor
from tests.integration.conftest import CITY_TZ


@pytest.fixture
def city(engine, uow_factory, build):
    clock = FixedClock(datetime(2026, 11, 22, 9, 0, tzinfo=CITY_TZ))
    gateway = SandboxProcessor(engine)
    notifier = OutboxNotifier(engine)
    salt = new_salt()
    customer = build.customer(ssn_last4_salt=salt, ssn_last4_hash=hash_last4("6789", salt),
                              email="ana@example.com", phones=[build.phone("+13125550101")])
    account = build.account(customer, account_number="0012345678", service_street_number="412",
                            bills=[build.bill(due_date=date(2026, 10, 25), total=Money.of("60"),
                                              unpaid=Money.of("40.00")),
                                   build.bill(due_date=date(2026, 12, 5),
                                              total=Money.of("85.50"),
                                              unpaid=Money.of("85.50"))])
    with uow_factory() as uow:
        uow.accounts.add(account)
        uow.commit()
    return {
        "engine": engine, "clock": clock, "gateway": gateway, "account_id": account.id,
        "identity": IdentityService(uow_factory, clock, VerificationPolicy()),
        "payments": PaymentService(uow_factory, clock, gateway, PaymentNotices(notifier)),
        "balance": BalanceService(uow_factory, clock),
        "paperless": PaperlessService(uow_factory, clock, notifier),
        "accounts": AccountService(uow_factory, clock),
    }


def test_lockout_persists_across_channels_and_agent_unlocks(city, uow_factory):
    identity = city["identity"]
    for channel in (Channel.VOICE, Channel.SMS):
        with pytest.raises(VerificationFailed):
            identity.verify_account("0012345678", FactorKind.STREET_NUMBER, "1",
                                    Requester(channel, f"s-{channel}"))
    with pytest.raises(AccountLocked):
        identity.verify_account("0012345678", FactorKind.SSN_LAST4, "0000",
                                Requester(Channel.CHAT, "s-chat"))
    with pytest.raises(AccountLocked):
        identity.verify_account("0012345678", FactorKind.SSN_LAST4, "6789",
                                Requester(Channel.WEB, "s-web"))
    city["accounts"].unlock("0012345678", Actor.agent("a1"), "verified caller by phone")
    verified = identity.verify_account("0012345678", FactorKind.SSN_LAST4, "6789",
                                       Requester(Channel.WEB, "s-web-2"))
    assert verified.account_id == city["account_id"]
    trail = city["accounts"].audit_trail(city["account_id"])
    # Newest first: the right answer tried while locked is on the trail too (issue 14 §2).
    assert [e.action for e in trail[:3]] == ["account.unlocked", "verification.failed",
                                             "account.locked"]
    assert trail[1].detail.endswith("while locked")


def test_pay_schedule_cancel_and_receipts(city):
    payments, gateway, account_id = city["payments"], city["gateway"], city["account_id"]
    card = gateway.tokenize_card(CardDetails("4242424242424242", 12, 2030, "123"))
    outcome = payments.pay_now(PaymentRequest(
        account_id, Money.of("40.00"), MethodChoice.new(card, save_as="visa"),
        Actor.resident(Channel.CHAT, "c1"), "chat-c1-pay-1", accepted_fee=Money.of("1.25")))
    assert outcome.approved and outcome.payment.total == Money.of("41.25")
    saved = payments.saved_methods(account_id)
    assert [m.label() for m in saved] == ["VISA ending 4242"]

    bank = gateway.tokenize_bank(BankDetails("011000015", "000123456789",
                                             BankAccountType.CHECKING))
    scheduled = payments.schedule(PaymentRequest(
        account_id, Money.of("85.50"), MethodChoice.new(bank), Actor.resident(Channel.VOICE),
        "CA9-schedule", scheduled_for=date(2026, 12, 5))).payment
    assert scheduled.status == PaymentStatus.SCHEDULED
    summary = city["balance"].summary(account_id)
    assert summary.total_due == Money.of("85.50")
    assert [p.confirmation_number for p in summary.scheduled_payments] == [
        scheduled.confirmation_number]

    cancelled = payments.cancel(account_id, scheduled.confirmation_number,
                                Actor.resident(Channel.SMS))
    assert cancelled.status == PaymentStatus.CANCELLED
    assert city["balance"].summary(account_id).scheduled_payments == ()

    bodies = [m.body for m in list_messages(city["engine"], recipient="+13125550101")]
    assert any(outcome.payment.confirmation_number in b and "received" in b for b in bodies)
    assert any("cancelled" in b for b in bodies)


def test_declined_card_is_rejected_and_changes_nothing(city):
    payments, gateway, account_id = city["payments"], city["gateway"], city["account_id"]
    declined = gateway.tokenize_card(CardDetails("4000000000000002", 12, 2030, "123"))
    result = payments.pay_now(PaymentRequest(
        account_id, Money.of("10"), MethodChoice.new(declined), Actor.resident(Channel.SMS),
        "k-declined", accepted_fee=Money.of("1.25")))
    assert result.payment.status == PaymentStatus.REJECTED
    assert result.payment.rejection_reason
    assert city["balance"].summary(account_id).total_due == Money.of("125.50")
    assert city["balance"].summary(account_id).pending_payments == ()


def test_runner_step_then_pending_cannot_be_cancelled(city):
    payments, gateway, clock = city["payments"], city["gateway"], city["clock"]
    card = gateway.tokenize_card(CardDetails("5555555555554444", 1, 2031, "321"))
    payment = payments.schedule(PaymentRequest(
        city["account_id"], Money.of("20"), MethodChoice.new(card), Actor.resident(Channel.CHAT),
        "k-s", accepted_fee=Money.of("1.25"),
        scheduled_for=clock.today() + timedelta(days=2))).payment
    clock.advance(days=2)
    submitted = payments.submit_scheduled(payment.id, Actor.system("runner"))
    assert submitted.status == PaymentStatus.PENDING
    with pytest.raises(PaymentNotCancellable):
        payments.cancel(city["account_id"], payment.confirmation_number,
                        Actor.resident(Channel.CHAT))
    assert payments.settle(payment.id, Actor.system("runner")).status == PaymentStatus.APPROVED


def test_bad_amount_writes_nothing(city):
    payments = city["payments"]
    with pytest.raises(InvalidAmount):
        payments.pay_now(PaymentRequest(
            city["account_id"], Money.zero(), MethodChoice(), Actor.resident(Channel.CHAT), "k"))
    assert payments.history(city["account_id"]) == []


def test_paperless_round_trip(city):
    paperless, account_id = city["paperless"], city["account_id"]
    assert paperless.enroll(account_id, "ana@example.com", Actor.resident(Channel.CHAT)).enrolled
    assert paperless.status(account_id).enrolled
    assert not paperless.unenroll(account_id, Actor.resident(Channel.VOICE)).enrolled
    kinds = [m.kind for m in list_messages(city["engine"])]
    assert kinds.count("paperless.enrolled") == 2 and kinds.count("paperless.unenrolled") == 2
