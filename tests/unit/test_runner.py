from datetime import timedelta

import pytest

from domain.model import AchFile, Actor, Channel, MethodKind, PaymentStatus
from domain.money import Money
from domain.services.ach import AchService
from domain.services.payments import (
    NO_RESULT_REASON,
    MethodChoice,
    PaymentRequest,
    charge_reference,
)
from domain.services.processing import ScheduledPaymentRunner

RESIDENT = Actor.resident(Channel.CHAT, "chat-1")
FEE = Money.of("1.25")


@pytest.fixture
def runner(uow, clock, payments):
    ach = AchService(lambda: uow, clock, payments)
    return ScheduledPaymentRunner(lambda: uow, clock, payments, ach,
                                  stale_after=timedelta(minutes=2))


def schedule(payments, account, clock, method_index=0, amount="40", days=3, key=None):
    method = account.payment_methods[method_index]
    return payments.schedule(PaymentRequest(
        account.id, Money.of(amount), MethodChoice.saved(method.id), RESIDENT,
        key or f"s-{method_index}-{amount}-{days}",
        accepted_fee=FEE if method.kind == "card" else None,
        scheduled_for=clock.today() + timedelta(days=days))).payment


def test_due_card_payment_is_submitted_charged_and_receipted(runner, payments, account, clock,
                                                             uow, notifier, gateway):
    payment = schedule(payments, account, clock)
    later = schedule(payments, account, clock, amount="5", days=10)
    clock.advance(days=3)
    summary = runner.run()
    assert (summary.submitted, summary.approved) == (1, 1)
    assert uow.payments.get(payment.id).status == PaymentStatus.APPROVED
    assert uow.payments.get(later.id).status == PaymentStatus.SCHEDULED  # not due yet
    assert len(gateway.charges) == 1
    assert notifier.sent[-1].kind == "payment.receipt"
    assert runner.run().submitted == 0  # a second run finds nothing to do


def test_bank_payment_waits_for_the_ach_file(runner, payments, account, clock, uow, gateway):
    payment = schedule(payments, account, clock, method_index=1)
    clock.advance(days=3)
    summary = runner.run()
    assert (summary.submitted, summary.awaiting_ach, summary.approved) == (1, 1, 0)
    assert uow.payments.get(payment.id).status == PaymentStatus.PENDING
    assert gateway.calls == 0


def test_declined_card_is_rejected_and_the_resident_told(runner, payments, account, clock, uow,
                                                        notifier):
    payment = schedule(payments, account, clock, method_index=2)
    clock.advance(days=3)
    assert runner.run().rejected == 1
    assert uow.payments.get(payment.id).rejection_reason == "the card was declined"
    assert notifier.sent[-1].kind == "payment.rejected"


def test_bill_paid_meanwhile_is_skipped_with_a_notice(runner, payments, account, clock, uow,
                                                     notifier, gateway):
    payment = schedule(payments, account, clock, amount="40")
    uow.accounts.get(account.id).apply_payment(Money.of("125.50"))
    clock.advance(days=3)
    summary = runner.run()
    assert summary.skipped_paid == 1 and summary.approved == 0
    assert uow.payments.get(payment.id).status == PaymentStatus.CANCELLED
    assert gateway.calls == 0
    assert notifier.sent[-1].kind == "payment.skipped"


def test_processor_outage_leaves_pending_then_the_next_run_recovers(runner, payments, account,
                                                                   clock, uow, gateway):
    payment = schedule(payments, account, clock)
    clock.advance(days=3)
    gateway.fail_next = True
    summary = runner.run()
    assert summary.submitted == 1 and summary.errors
    assert uow.payments.get(payment.id).status == PaymentStatus.PENDING
    assert runner.run().recovered == 0  # too fresh: may still be in flight
    clock.advance(minutes=3)
    summary = runner.run()
    assert summary.recovered == 1
    assert uow.payments.get(payment.id).status == PaymentStatus.APPROVED
    assert len(gateway.charges) == 1


def test_ach_payments_clear_after_the_settlement_days(runner, payments, account, clock, uow,
                                                     notifier):
    payment = payments.pay_now(PaymentRequest(
        account.id, Money.of("40"), MethodChoice.saved(account.payment_methods[1].id),
        RESIDENT, "bank-now")).payment
    ach_file = AchFile("f1", clock.now(), clock.today() + timedelta(days=1), "A", 1,
                       Money.of("40"), 1)
    uow.ach_files.add(ach_file)
    uow.flush()
    stored = uow.payments.get(payment.id)
    stored.ach_file_id, stored.ach_trace_number = ach_file.id, "011000010000001"
    assert runner.run().cleared == 0
    clock.advance(days=3)  # effective tomorrow + 2 settlement days
    assert runner.run().cleared == 1
    stored = uow.payments.get(payment.id)
    assert stored.status == PaymentStatus.APPROVED
    assert stored.processor_reference == "011000010000001"
    assert uow.accounts.get(account.id).balance_due() == Money.of("85.50")
    assert notifier.sent[-1].kind == "payment.receipt"


def test_summary_reads_well(runner):
    lines = runner.run().lines()
    assert lines[0].startswith("submitted 0, approved 0")


def test_count_due(runner, payments, account, clock):
    schedule(payments, account, clock, days=1)
    schedule(payments, account, clock, days=5, amount="1")
    clock.advance(days=1)
    assert runner.count_due() == 1




# --- phone card payments whose <Pay> result never came --------------------------------------


def reserve_by_phone(payments, account, key="voice:CA1:8:pay", amount="40"):
    return payments.begin_payment(PaymentRequest(
        account.id, Money.of(amount), MethodChoice.entered_at_processor(MethodKind.CARD),
        Actor.resident(Channel.VOICE, "CA1"), key, accepted_fee=FEE)).payment


def test_an_unanswered_phone_payment_is_left_alone_until_the_time_out(runner, payments,
                                                                      account, clock, uow,
                                                                      gateway):
    payment = reserve_by_phone(payments, account)
    clock.advance(minutes=9)  # a <Pay> session may still be running
    runner.run()
    assert uow.payments.get(payment.id).status == PaymentStatus.PENDING
    assert gateway.lookups == 0
    clock.advance(minutes=2)
    summary = runner.run()
    assert summary.released == 1 and summary.errors == []
    assert uow.payments.get(payment.id).rejection_reason == NO_RESULT_REASON
    assert gateway.calls == 0  # never charged again: there is no token to charge
    assert "released (no charge) 1" in summary.lines()[1]


def test_an_unanswered_phone_payment_that_was_charged_is_approved(runner, payments, account,
                                                                  clock, uow, gateway,
                                                                  notifier):
    payment = reserve_by_phone(payments, account)
    gateway.connector_charge(charge_reference(payment), payment.total)
    clock.advance(minutes=11)
    summary = runner.run()
    assert (summary.recovered, summary.approved, summary.released) == (1, 1, 0)
    assert uow.payments.get(payment.id).status == PaymentStatus.APPROVED
    assert notifier.sent[-1].kind == "payment.receipt"
    assert runner.run().recovered == 0  # settled once


def test_the_time_out_is_the_runners_setting(uow, clock, payments, account):
    ach = AchService(lambda: uow, clock, payments)
    patient = ScheduledPaymentRunner(lambda: uow, clock, payments, ach,
                                     pay_result_timeout=timedelta(minutes=30))
    payment = reserve_by_phone(payments, account)
    clock.advance(minutes=11)
    patient.run()
    assert uow.payments.get(payment.id).status == PaymentStatus.PENDING
    clock.advance(minutes=20)
    patient.run()
    assert uow.payments.get(payment.id).status == PaymentStatus.REJECTED


def test_a_processor_outage_keeps_phone_payments_reserved_for_the_next_run(
        runner, payments, account, clock, uow, gateway):
    first = reserve_by_phone(payments, account, key="a", amount="10")
    second = reserve_by_phone(payments, account, key="b", amount="10")
    clock.advance(minutes=11)
    gateway.lookups_fail = True
    summary = runner.run()
    assert len(summary.errors) == 1 and "lookup failed" in summary.errors[0]
    assert gateway.lookups == 1  # stopped instead of hammering a processor that is down
    assert {uow.payments.get(p.id).status for p in (first, second)} == {PaymentStatus.PENDING}
    gateway.lookups_fail = False
    assert runner.run().released == 2
