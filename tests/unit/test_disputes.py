"""DisputeService on fakes: a chargeback makes the balance owed again, a won one restores it,
a lost one keeps it owed; repeats and replays change nothing; unknown charges are logged."""

from __future__ import annotations

import logging

import pytest

from domain.model import Actor, Channel, DisputeStatus, PaymentStatus
from domain.money import Money
from domain.ports import ProcessorEvent
from domain.services.disputes import DisputeService
from domain.services.payment_notices import PaymentNotices
from domain.services.payments import MethodChoice, PaymentRequest
from domain.services.refunds import RefundService
from tests.unit.test_refunds import SUPERVISOR, Agents

FEE = Money.of("1.25")


@pytest.fixture
def disputes(uow, clock, notifier) -> DisputeService:
    return DisputeService(lambda: uow, clock, PaymentNotices(notifier))


@pytest.fixture
def paid(payments, account, notifier):
    outcome = payments.pay_now(PaymentRequest(
        account.id, Money.of("50.00"), MethodChoice.saved(account.payment_methods[0].id),
        Actor.resident(Channel.CHAT, "c1"), idempotency_key="pay-1", accepted_fee=FEE))
    assert outcome.payment.status == PaymentStatus.APPROVED
    notifier.sent.clear()
    return outcome.payment


def balance(uow, account) -> Money:
    return uow.accounts.get(account.id).balance_due()


def test_a_dispute_makes_the_payment_owed_again_and_tells_the_resident(
        disputes, paid, uow, account, notifier):
    assert balance(uow, account) == Money.of("75.50")
    dispute = disputes.opened("dp_1", paid.processor_reference, paid.total, "fraudulent",
                              ProcessorEvent("evt_1", "charge.dispute.created"))
    assert dispute is not None and dispute.status == DisputeStatus.OPEN
    assert dispute.payment_id == paid.id and dispute.reason == "fraudulent"
    assert uow.payments.get(paid.id).dispute_status == DisputeStatus.OPEN
    assert balance(uow, account) == Money.of("125.50")  # $50.00 owed again, not the fee
    assert uow.audit.for_account(account.id)[0].action == "dispute.opened"
    assert uow.processor_events.seen("evt_1")
    assert {n.kind for n in notifier.sent} == {"payment.dispute.open"}
    assert notifier.sent[0].body == (
        f"City of Riverton: your bank has disputed payment {paid.confirmation_number} of "
        "$51.25; the amount is owed again until the dispute is resolved.")


def test_a_won_dispute_restores_the_payment(disputes, paid, uow, account, notifier):
    disputes.opened("dp_1", paid.processor_reference, paid.total, "fraudulent")
    won = disputes.closed("dp_1", True, event=ProcessorEvent("evt_2", "charge.dispute.closed"))
    assert won.status == DisputeStatus.WON and won.closed_at is not None
    assert uow.payments.get(paid.id).dispute_status == DisputeStatus.WON
    assert balance(uow, account) == Money.of("75.50")
    assert uow.audit.for_account(account.id)[0].action == "dispute.won"
    assert notifier.sent[-1].kind == "payment.dispute.won"


def test_a_lost_dispute_stays_owed(disputes, paid, uow, account, notifier):
    disputes.opened("dp_1", paid.processor_reference, paid.total, "fraudulent")
    lost = disputes.closed("dp_1", False)
    assert lost.status == DisputeStatus.LOST
    assert uow.payments.get(paid.id).dispute_status == DisputeStatus.LOST
    assert balance(uow, account) == Money.of("125.50")
    assert notifier.sent[-1].kind == "payment.dispute.lost"


def test_repeats_change_nothing(disputes, paid, uow, account, notifier):
    first = disputes.opened("dp_1", paid.processor_reference, paid.total, "fraudulent")
    again = disputes.opened("dp_1", paid.processor_reference, paid.total, "fraudulent")
    assert again.id == first.id
    assert balance(uow, account) == Money.of("125.50")  # reversed once
    disputes.closed("dp_1", True)
    disputes.closed("dp_1", True)
    disputes.closed("dp_1", False)  # a decided dispute does not flip
    assert balance(uow, account) == Money.of("75.50")  # restored once
    assert uow.payments.get(paid.id).dispute_status == DisputeStatus.WON
    assert [n.kind for n in notifier.sent if n.channel == "sms"] == [
        "payment.dispute.open", "payment.dispute.won"]


def test_a_replayed_event_changes_nothing(disputes, paid, uow, account):
    event = ProcessorEvent("evt_1", "charge.dispute.created")
    uow.processor_events.claim(event, uow.store.payments[0].created_at)
    assert disputes.opened("dp_1", paid.processor_reference, paid.total, "x", event) is None
    assert uow.store.disputes == []
    assert balance(uow, account) == Money.of("75.50")


def test_a_closed_dispute_never_reported_as_opened_is_opened_then_closed(disputes, paid, uow,
                                                                         account):
    lost = disputes.closed("dp_9", False, charge_reference=paid.processor_reference,
                           amount=paid.total, reason="product_not_received")
    assert lost.status == DisputeStatus.LOST
    assert balance(uow, account) == Money.of("125.50")
    assert disputes.closed("dp_unknown", True) is None


def test_a_dispute_on_a_charge_the_ledger_lacks_is_logged_and_acknowledged(disputes, uow,
                                                                           caplog):
    with caplog.at_level(logging.ERROR, logger="domain.services.disputes"):
        assert disputes.opened("dp_1", "pi_unknown", Money.of("10.00"), "fraudulent") is None
    assert "pi_unknown" in caplog.text
    assert uow.store.disputes == []


def test_a_partly_refunded_payment_is_owed_again_only_for_what_it_still_paid(
        disputes, paid, uow, account, clock, gateway, notifier):
    refunds = RefundService(lambda: uow, clock, gateway, PaymentNotices(notifier),
                            Agents(clock.now()))
    refunds.refund(paid.id, Money.of("30.00"), "partial", SUPERVISOR, "k-1")
    assert balance(uow, account) == Money.of("105.50")
    disputes.opened("dp_1", paid.processor_reference, Money.of("21.25"), "fraudulent")
    assert balance(uow, account) == Money.of("125.50")  # the other $20.00
    disputes.closed("dp_1", True)
    assert balance(uow, account) == Money.of("105.50")


def test_the_console_list_puts_open_disputes_first(disputes, payments, paid, account, clock):
    second = payments.pay_now(PaymentRequest(
        account.id, Money.of("10.00"), MethodChoice.saved(account.payment_methods[0].id),
        Actor.resident(Channel.CHAT, "c1"), idempotency_key="pay-2", accepted_fee=FEE)).payment
    disputes.opened("dp_1", paid.processor_reference, paid.total, "fraudulent")
    clock.advance(hours=1)
    disputes.opened("dp_2", second.processor_reference, second.total, "duplicate")
    disputes.closed("dp_2", False)
    views = disputes.recent()
    assert [(v.dispute.processor_reference, v.payment.confirmation_number) for v in views] == [
        ("dp_1", paid.confirmation_number), ("dp_2", second.confirmation_number)]
    assert disputes.for_payments([paid.id, second.id])[second.id].status == DisputeStatus.LOST
