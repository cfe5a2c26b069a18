"""Card payments entered at the processor (voice <Pay> with a charge): reserved first,
their method known only from the result; abandoned when the caller never finishes, and
settled by the processor's word when the result comes late or never."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import FeeNotAccepted, InvalidPaymentMethod
from domain.model import Actor, Channel, MethodKind, PaymentStatus
from domain.money import Money
from domain.ports import ChargeResult
from domain.services.payments import (
    NO_RESULT_REASON,
    MethodChoice,
    PaymentRequest,
    charge_reference,
    confirmation_of,
)
from tests.fakes import FakeCharge

CALLER = Actor.resident(Channel.VOICE, "CA1")
RUNNER = Actor.system("runner")
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


# --- the processor's word decides (issue 14 §4) ---------------------------------------------


def test_the_charge_reference_is_paylines_name_for_the_payment(payments, account):
    payment = reserve(payments, account)
    reference = charge_reference(payment)
    assert reference == f"payline-{payment.confirmation_number}"
    assert confirmation_of(reference) == payment.confirmation_number
    assert confirmation_of("connector:PK123") is None and confirmation_of(None) is None


def test_abandon_approves_instead_when_the_processor_did_charge(payments, account, uow,
                                                                 gateway, notifier):
    payment = reserve(payments, account)
    gateway.connector_charge(charge_reference(payment), payment.total)
    settled = payments.abandon(payment.id, "the caller hung up", CALLER)
    assert settled.status == PaymentStatus.APPROVED
    assert uow.accounts.get(account.id).balance_due() == Money.of("85.50")
    assert [n.kind for n in notifier.sent] == ["payment.receipt", "payment.receipt"]


def test_abandon_leaves_it_pending_when_the_processor_cannot_be_asked(payments, account,
                                                                      gateway, notifier):
    payment = reserve(payments, account)
    gateway.lookups_fail = True
    assert payments.abandon(payment.id, "the caller hung up", CALLER).status == (
        PaymentStatus.PENDING)
    assert notifier.sent == []


def test_an_approval_after_the_release_approves_the_payment_after_all(payments, account, uow,
                                                                      notifier, caplog):
    payment = reserve(payments, account)
    payments.abandon(payment.id, "the caller hung up", CALLER)
    assert payments.payable(account.id) == Money.of("125.50")
    late = payments.record_charge_result(payment.id, ChargeResult("approved", "SBX-LATE"),
                                         CALLER, method_label="VISA ending 4242")
    assert late.status == PaymentStatus.APPROVED and late.rejection_reason is None
    assert late.processor_reference == "SBX-LATE"
    assert uow.accounts.get(account.id).balance_due() == Money.of("85.50")
    (event,) = [e for e in uow.audit.for_account(account.id)
                if e.action == "payment.approved_late"]
    assert "SBX-LATE" in event.detail and "the caller hung up" in event.detail
    assert [n.kind for n in notifier.sent] == ["payment.receipt", "payment.receipt"]
    (record,) = [r for r in caplog.records if "after it had been rejected" in r.getMessage()]
    assert record.levelname == "WARNING"  # no credit: nothing to refund
    # The same result again (Twilio retrying) changes nothing more.
    payments.record_charge_result(payment.id, ChargeResult("approved", "SBX-LATE"), CALLER)
    assert uow.accounts.get(account.id).balance_due() == Money.of("85.50")
    assert len(notifier.sent) == 2


def test_a_decline_after_the_release_changes_nothing(payments, account, notifier):
    payment = reserve(payments, account)
    payments.abandon(payment.id, "the caller hung up", CALLER)
    again = payments.record_charge_result(payment.id, ChargeResult("declined", "x"), CALLER)
    assert again.rejection_reason == "the caller hung up"
    assert notifier.sent == []


def test_an_approval_after_the_resident_paid_again_becomes_a_credit(payments, account, uow,
                                                                    caplog):
    payment = reserve(payments, account, amount="125.50")
    payments.abandon(payment.id, "the caller hung up", CALLER)
    payments.pay_now(PaymentRequest(
        account_id=account.id, amount=Money.of("125.50"),
        method=MethodChoice.saved(account.payment_methods[0].id), actor=CALLER,
        idempotency_key="second", accepted_fee=FEE))
    payments.record_charge_result(payment.id, ChargeResult("approved", "SBX-LATE"), CALLER)
    reloaded = uow.accounts.get(account.id)
    assert reloaded.balance_due() == Money.zero()
    assert reloaded.credit == Money.of("125.50")  # paid twice: the city owes it back
    (record,) = [r for r in caplog.records if "after it had been rejected" in r.getMessage()]
    assert record.levelname == "ERROR" and "$125.50" in record.getMessage()


def test_a_rejected_bank_payment_is_never_approved_after_the_fact(payments, account, uow):
    outcome = payments.pay_now(PaymentRequest(
        account_id=account.id, amount=Money.of("10.00"),
        method=MethodChoice.saved(account.payment_methods[1].id), actor=CALLER,
        idempotency_key="bank"))
    payment = uow.payments.get(outcome.payment.id)
    payment.return_by_bank(payment.submitted_at, "R01", "insufficient funds")
    same = payments.record_charge_result(payment.id, ChargeResult("approved", "x"), CALLER)
    assert same.status == PaymentStatus.REJECTED


def test_an_unanswered_payment_with_no_charge_is_released_quietly(payments, account,
                                                                  notifier, uow):
    payment = reserve(payments, account)
    released = payments.resolve_unanswered(payment.id, RUNNER)
    assert released.status == PaymentStatus.REJECTED
    assert released.rejection_reason == NO_RESULT_REASON
    assert notifier.sent == []  # no "declined" notice: nothing was declined
    assert payments.payable(account.id) == Money.of("125.50")
    newest = uow.audit.for_account(account.id)[0]
    assert (newest.action, newest.subject) == ("payment.released", payment.confirmation_number)


def test_an_unanswered_payment_the_processor_charged_is_approved(payments, account, gateway,
                                                                 notifier):
    payment = reserve(payments, account)
    charged = gateway.connector_charge(charge_reference(payment), payment.total)
    approved = payments.resolve_unanswered(payment.id, RUNNER)
    assert approved.status == PaymentStatus.APPROVED
    assert approved.processor_reference == charged.reference
    assert notifier.sent[0].kind == "payment.receipt"


def test_an_unanswered_payment_the_processor_declined_is_released_with_its_reason(
        payments, account, gateway, notifier):
    payment = reserve(payments, account)
    gateway.connector_charge(charge_reference(payment), payment.total, approved=False)
    released = payments.resolve_unanswered(payment.id, RUNNER)
    assert released.status == PaymentStatus.REJECTED
    assert released.rejection_reason == "the card was declined"
    assert notifier.sent == []


def test_a_charge_the_processor_still_calls_pending_waits(payments, account, gateway):
    payment = reserve(payments, account)
    gateway.held.append(FakeCharge("connector:x", "", payment.total,
                                   ChargeResult("pending", "ref-p"),
                                   charge_reference(payment), gateway._now()))
    assert payments.resolve_unanswered(payment.id, RUNNER).status == PaymentStatus.PENDING


def test_an_unanswered_payment_waits_while_the_processor_is_down(payments, account, gateway):
    payment = reserve(payments, account)
    gateway.lookups_fail = True
    with pytest.raises(ConnectionError):
        payments.resolve_unanswered(payment.id, RUNNER)
    assert payments.payable(account.id) == Money.of("85.50")  # still reserved
