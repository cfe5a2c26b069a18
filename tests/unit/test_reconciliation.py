"""Reconciling the processor's charges with the ledger: what money taken the ledger does not
account for is reported, each once by the scheduler's watch, never with card digits."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from domain.model import Actor, Channel, MethodKind, PaymentStatus
from domain.money import Money
from domain.services.payments import MethodChoice, PaymentRequest, charge_reference
from domain.services.reconciliation import ChargeReconciliation, UnmatchedChargeWatch

CALLER = Actor.resident(Channel.VOICE, "CA1")
FEE = Money.of("1.25")
HOUR = timedelta(hours=1)


@pytest.fixture
def reconciliation(uow, gateway, clock) -> ChargeReconciliation:
    return ChargeReconciliation(lambda: uow, gateway, clock)


def reserve(payments, account, key="voice:CA1:8:pay", amount="40.00"):
    return payments.begin_payment(PaymentRequest(
        account_id=account.id, amount=Money.of(amount),
        method=MethodChoice.entered_at_processor(MethodKind.CARD), actor=CALLER,
        idempotency_key=key, accepted_fee=FEE)).payment


def check(reconciliation, clock):
    return reconciliation.check(clock.now() - HOUR, clock.now() + timedelta(seconds=1))


def test_charges_the_ledger_accounts_for_are_not_reported(reconciliation, payments, account,
                                                          gateway, clock, caplog):
    saved = payments.pay_now(PaymentRequest(  # charged by Payline with its reference as key
        account_id=account.id, amount=Money.of("10.00"),
        method=MethodChoice.saved(account.payment_methods[0].id), actor=CALLER,
        idempotency_key="saved", accepted_fee=FEE)).payment
    assert saved.status == PaymentStatus.APPROVED
    by_phone = reserve(payments, account, key="phone")  # charged at the processor, result due
    gateway.connector_charge(charge_reference(by_phone), by_phone.total)
    gateway.connector_charge("payline-ZZZZ-ZZZZ", Money.of("5.00"), approved=False)  # no money
    report = check(reconciliation, clock)
    assert (report.checked, report.unmatched) == (2, ())
    assert "unmatched" not in caplog.text


def test_a_charge_no_payment_knows_is_reported_with_an_error_line(reconciliation, gateway,
                                                                 clock, caplog):
    gateway.connector_charge("payline-K7MW-3QTX", Money.of("147.82"))
    gateway.connector_charge(None, Money.of("20.00"))  # no Payline reference at all
    with caplog.at_level(logging.ERROR, logger="domain.services.reconciliation"):
        report = check(reconciliation, clock)
    first, second = report.unmatched
    assert first.problem == "no payment in the ledger has this Payline reference"
    assert first.confirmation_number == "K7MW-3QTX"
    assert "no Payline reference" in second.problem
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    line = errors[0].getMessage()
    assert "$147.82" in line and "ref0" in line and "payline-K7MW-3QTX" in line
    assert "2026-11-22 10:00:00 CST" in line  # when, in the city's time


def test_money_taken_for_a_payment_the_ledger_rejected_is_reported(reconciliation, payments,
                                                                   account, gateway, clock):
    payment = reserve(payments, account)
    payments.abandon(payment.id, "the caller hung up", CALLER)  # no charge yet: released
    gateway.connector_charge(charge_reference(payment), payment.total)  # then charged anyway
    (item,) = check(reconciliation, clock).unmatched
    assert item.problem == f"the ledger has payment {payment.confirmation_number} as rejected"


def test_a_different_amount_and_a_second_charge_are_reported(reconciliation, payments,
                                                             account, gateway, clock, uow):
    short = reserve(payments, account, key="a", amount="40.00")
    gateway.connector_charge(charge_reference(short), Money.of("4.00"))
    twice = reserve(payments, account, key="b", amount="10.00")
    first = gateway.connector_charge(charge_reference(twice), twice.total)
    payments.record_charge_result(twice.id, first, CALLER)
    gateway.connector_charge(charge_reference(twice), twice.total)  # charged again
    problems = {item.problem for item in check(reconciliation, clock).unmatched}
    assert problems == {f"payment {short.confirmation_number} in the ledger is for $41.25",
                        f"payment {twice.confirmation_number} was approved with another "
                        f"charge ({first.reference}): charged twice?"}


def test_the_watch_judges_each_charge_once_after_it_has_settled(reconciliation, gateway,
                                                                clock, caplog):
    watch = UnmatchedChargeWatch(reconciliation, clock, settle=timedelta(minutes=15))
    gateway.connector_charge("payline-K7MW-3QTX", Money.of("147.82"))
    assert watch.check().unmatched == ()  # too fresh: its result may still come
    clock.advance(minutes=16)
    assert len(watch.check().unmatched) == 1
    clock.advance(minutes=1)
    assert watch.check().unmatched == ()  # already raised: not every minute
    assert sum(r.levelno == logging.ERROR for r in caplog.records) == 1


def test_the_watch_checks_the_same_window_again_after_a_failure(reconciliation, gateway,
                                                                clock):
    watch = UnmatchedChargeWatch(reconciliation, clock, settle=timedelta(minutes=15))
    gateway.connector_charge("payline-K7MW-3QTX", Money.of("147.82"))
    clock.advance(minutes=16)
    gateway.lookups_fail = True
    with pytest.raises(ConnectionError):
        watch.check()
    gateway.lookups_fail = False
    assert len(watch.check().unmatched) == 1


def test_the_first_watch_looks_back_a_day(reconciliation, gateway, clock):
    gateway.connector_charge("payline-K7MW-3QTX", Money.of("147.82"))
    clock.advance(hours=20)
    watch = UnmatchedChargeWatch(reconciliation, clock, settle=timedelta(minutes=15))
    assert len(watch.check().unmatched) == 1
