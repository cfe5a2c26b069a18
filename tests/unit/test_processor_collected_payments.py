"""Card payments entered at the processor (voice <Pay> with a charge): reserved first,
their method known only from the result; abandoned when the caller never finishes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import FeeNotAccepted, InvalidPaymentMethod
from domain.model import Actor, Channel, MethodKind, PaymentStatus
from domain.money import Money
from domain.ports import ChargeResult
from domain.services.payments import MethodChoice, PaymentRequest

CALLER = Actor.resident(Channel.VOICE, "CA1")
FEE = Money.of("1.25")


def reserve(payments, account, key="voice:CA1:8:pay", amount="40.00", fee=FEE):
    return payments.begin_payment(PaymentRequest(
        account_id=account.id, amount=Money.of(amount),
        method=MethodChoice.entered_at_processor(MethodKind.CARD), actor=CALLER,
        idempotency_key=key, accepted_fee=fee)).payment


def test_the_reservation_holds_the_amount_with_the_fee_accepted(payments, account):
    payment = reserve(payments, account)
    assert payment.status == PaymentStatus.PENDING
    assert (payment.method_token, payment.fee, payment.total) == ("", FEE, Money.of("41.25"))
    assert payment.method_label == "card entered by phone"
    assert payments.payable(account.id) == Money.of("85.50")  # 125.50 - 40 reserved
    with pytest.raises(FeeNotAccepted):
        reserve(payments, account, key="other", fee=None)


def test_the_same_webhook_twice_reserves_once(payments, account, uow):
    first = reserve(payments, account)
    again = reserve(payments, account)
    assert again.id == first.id
    assert len(uow.payments.for_account(account.id)) == 1


def test_the_result_names_the_card_and_approves(payments, account, uow, notifier):
    payment = reserve(payments, account)
    recorded = payments.record_charge_result(
        payment.id, ChargeResult("approved", "SBX-1"), CALLER, method_label="VISA ending 4242")
    assert recorded.status == PaymentStatus.APPROVED
    assert recorded.method_label == "VISA ending 4242"
    assert uow.accounts.get(account.id).balance_due() == Money.of("85.50")
    assert any("VISA ending 4242" in n.body for n in notifier.sent)


def test_abandoning_releases_the_amount_without_a_declined_notice(payments, account, notifier):
    payment = reserve(payments, account)
    abandoned = payments.abandon(payment.id, "the caller hung up", CALLER)
    assert abandoned.status == PaymentStatus.REJECTED
    assert abandoned.rejection_reason == "the caller hung up"
    assert notifier.sent == []
    assert payments.payable(account.id) == Money.of("125.50")
    # Idempotent, and never undoes a recorded result.
    assert payments.abandon(payment.id, "again", CALLER).rejection_reason == "the caller hung up"


def test_abandon_never_touches_a_payment_with_a_token(payments, account):
    outcome = payments.pay_now(PaymentRequest(
        account_id=account.id, amount=Money.of("10.00"),
        method=MethodChoice.saved(account.payment_methods[0].id), actor=CALLER,
        idempotency_key="k", accepted_fee=FEE))
    assert payments.abandon(outcome.payment.id, "x", CALLER).status == PaymentStatus.APPROVED


def test_the_runner_never_recharges_a_payment_entered_at_the_processor(
        payments, account, uow, clock):
    reserve(payments, account)
    later = clock.now() + timedelta(hours=2)
    assert uow.payments.stale_pending(MethodKind.CARD, later) == []


def test_entered_at_processor_cannot_be_mixed_with_another_method(payments, account):
    choice = MethodChoice(saved_method_id=account.payment_methods[0].id,
                          processor_kind=MethodKind.CARD)
    with pytest.raises(InvalidPaymentMethod):
        payments.begin_payment(PaymentRequest(account_id=account.id, amount=Money.of("5"),
                                              method=choice, actor=CALLER,
                                              idempotency_key="k", accepted_fee=FEE))


def test_a_text_receipt_goes_to_the_number_given_in_the_callers_language(
        payments, account, notifier):
    payment = reserve(payments, account)
    payments.record_charge_result(payment.id, ChargeResult("approved", "SBX-1"), CALLER,
                                  method_label="VISA ending 4242")
    notifier.sent.clear()
    payments.text_receipt(account.id, payment.confirmation_number, "(312) 555-0199", "es")
    (text,) = notifier.sent
    assert text.channel == "sms" and text.to == "+13125550199"
    assert "recibimos su pago" in text.body and payment.confirmation_number in text.body
