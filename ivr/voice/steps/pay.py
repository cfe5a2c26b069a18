"""Pay now: method, fee and total, then <Pay>. A card is charged by the processor during
<Pay> (the payment is reserved first, its result recorded after); a bank account is
tokenized by <Pay>, the debit authorization read back (TEL), then submitted for ACH."""

from __future__ import annotations

from conversation.checkout import BANK_CLEARING
from domain.model import MethodKind, PaymentStatus
from domain.ports import ChargeResult
from domain.services.payments import MethodChoice, PaymentRequest, charge_reference
from ivr.voice.flow import (
    RESULT,
    Ask,
    CollectPayment,
    End,
    Heard,
    Outcome,
    PaySpec,
    Step,
    Turn,
    ask,
    goto,
    register,
    retry,
)
from ivr.voice.prompts import template
from ivr.voice.speech import Amount, Characters, Day, Line, Telephone
from ivr.voice.steps.payment_common import (
    CANCELLED,
    DECLINED,
    HUNG_UP,
    PROCESSOR_DOWN,
    SUCCESS,
    checkout,
    masked_card_label,
    pay_result,
    refused,
    tokenized_from_pay,
)

METHODS = {"1": "card", "2": "bank"}


def confirmation_lines(conf: str) -> Line:
    return Line.of("confirmation", conf=Characters(conf))


def account_type_word(turn: Turn, account_type: str | None) -> str:
    return template(turn.language, "savings" if account_type == "savings" else "checking")


def bank_authorization(turn: Turn, when: Day) -> Line:
    """The read-back a phone-authorized (TEL) ACH debit requires."""
    method = turn.call.tokenized
    assert method is not None
    settings = turn.container.settings
    return Line.of("authorize_bank", city=turn.city, amount=Amount(turn.call.chosen_amount()),
                   account_type=account_type_word(turn, str(method.bank_account_type or "")),
                   last4=Characters(method.last4), date=when,
                   phone=Telephone(settings.phone_311))


@register
class PayMethod(Step):
    name = "pay_method"
    back = "pay_amount"

    def ask(self, turn: Turn) -> Ask:
        return ask(Line.of("method_menu", fee=Amount(checkout(turn).fee(MethodKind.CARD))))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        if heard.digits not in METHODS:
            return retry(Line.of("not_understood"))
        turn.call.method = METHODS[heard.digits]
        return goto("pay_confirm")


@register
class PayConfirm(Step):
    """The fee and total are heard and accepted before anything is charged."""

    name = "pay_confirm"
    back = "pay_method"
    yes_no = True

    def ask(self, turn: Turn) -> Ask:
        amount = turn.call.chosen_amount()
        if turn.call.method == "bank":
            return ask(Line.of("confirm_bank", amount=Amount(amount)))
        costs = checkout(turn).costs(amount, MethodKind.CARD)
        return ask(Line.of("confirm_card", amount=Amount(amount), fee=Amount(costs.fee),
                           total=Amount(costs.total)))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        if heard.digits == "2":
            return goto("menu", Line.of("pay_cancelled"))
        if heard.digits != "1":
            return retry(Line.of("not_understood"))
        city = turn.city
        if turn.call.method == "bank":
            return CollectPayment(PaySpec("ach-debit", "0", f"{city} payment", "pay_bank_result"),
                                  (Line.of("pay_bank_intro"),))
        pay = checkout(turn)
        result = pay.reserve(PaymentRequest(
            account_id=turn.account_id, amount=turn.call.chosen_amount(),
            method=MethodChoice.entered_at_processor(MethodKind.CARD), actor=turn.actor,
            idempotency_key=turn.idempotency_key("pay"), accepted_fee=pay.fee(MethodKind.CARD)))
        if result.payment is None:
            return refused(result, "pay_amount")
        payment = result.payment
        turn.call.pay_payment_id = payment.id
        turn.call.receipt_conf = payment.confirmation_number
        return CollectPayment(PaySpec("credit-card", payment.total.canonical(),
                                      f"{city} payment {payment.confirmation_number}",
                                      "pay_card_result", reference=charge_reference(payment)),
                              (Line.of("pay_card_intro"),))


@register
class PayCardResult(Step):
    """Twilio posts the <Pay> result of a card charge here."""

    name = "pay_card_result"
    kind = RESULT

    def ask(self, turn: Turn) -> Outcome:
        return goto("menu")

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        payments = turn.container.payment_service()
        payment_id, turn.call.pay_payment_id = turn.call.pay_payment_id, None
        if payment_id is None:
            raise RuntimeError("a <Pay> result without a reserved payment")
        result = pay_result(turn.params)
        if result == SUCCESS:
            reference = (turn.params.get("PaymentConfirmationCode") or "")[:64] or None
            payment = payments.record_charge_result(
                payment_id, ChargeResult(status="approved", reference=reference), turn.actor,
                account_id=turn.account_id, method_label=masked_card_label(turn.params))
            if payment.status == PaymentStatus.APPROVED:
                return goto("receipt_offer",
                            Line.of("pay_approved", amount=Amount(payment.amount)),
                            confirmation_lines(payment.confirmation_number))
            return goto("pay_retry", Line.of("pay_declined"))
        if result == DECLINED:
            payments.record_charge_result(
                payment_id, ChargeResult(
                    status="declined", decline_code=(turn.params.get("PaymentError") or "")[:32],
                    decline_reason=_reason(turn.params.get("ConnectorError", ""))),
                turn.actor, account_id=turn.account_id,
                method_label=masked_card_label(turn.params))
            return goto("pay_retry", Line.of("pay_declined"))
        reasons = {CANCELLED: "cancelled by the caller", HUNG_UP: "the caller hung up",
                   PROCESSOR_DOWN: "the payment processor could not be reached"}
        payments.abandon(payment_id, reasons.get(result, "the card details were not accepted"),
                         turn.actor)
        if result == HUNG_UP:
            return End()
        if result == CANCELLED:
            return goto("menu", Line.of("pay_cancelled"))
        if result == PROCESSOR_DOWN:
            return goto("menu", Line.of("pay_processor_down"))
        return goto("pay_retry", Line.of("pay_unreadable"))


@register
class PayRetry(PayMethod):
    """After a decline or unreadable details: another card, a bank account, or the menu."""

    name = "pay_retry"
    back = "menu"

    def ask(self, turn: Turn) -> Ask:
        return ask(Line.of("pay_retry_menu"))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        return goto("menu") if heard.digits == "3" else super().answer(turn, heard)


class TokenizeResult(Step):
    """Twilio posts the result of a tokenizing <Pay> (zero charge) here; the method is read
    from the processor, then the caller hears what will be charged and confirms."""

    kind = RESULT
    method_kind: MethodKind = MethodKind.BANK
    next_step: str = "pay_authorize"
    retry_step: str = "pay_retry"

    def ask(self, turn: Turn) -> Outcome:
        return goto("menu")

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        return after_tokenize(turn, self.method_kind, self.next_step, self.retry_step)


@register
class PayBankResult(TokenizeResult):
    name = "pay_bank_result"


def after_tokenize(turn: Turn, kind: MethodKind, next_step: str, retry_step: str) -> Outcome:
    result = pay_result(turn.params)
    if result == SUCCESS and tokenized_from_pay(turn, kind) is not None:
        return goto(next_step)
    if result == HUNG_UP:
        return End()
    if result == CANCELLED:
        return goto("menu", Line.of("pay_cancelled"))
    if result == PROCESSOR_DOWN:
        return goto("menu", Line.of("pay_processor_down"))
    return goto(retry_step, Line.of("pay_unreadable"))


@register
class PayAuthorize(Step):
    name = "pay_authorize"
    yes_no = True

    def ask(self, turn: Turn) -> Ask:
        return ask(bank_authorization(turn, Day(turn.container.clock.today())), timeout=8)

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        if heard.digits == "2":
            return goto("menu", Line.of("pay_cancelled"))
        if heard.digits != "1":
            return retry(Line.of("not_understood"))
        method = turn.call.tokenized
        assert method is not None
        result = checkout(turn).submit(PaymentRequest(
            account_id=turn.account_id, amount=turn.call.chosen_amount(),
            method=MethodChoice.new(method), actor=turn.actor,
            idempotency_key=turn.idempotency_key("pay")))
        if result.payment is None:
            return refused(result, "pay_amount")
        turn.call.receipt_conf = result.confirmation_number
        turn.call.tokenized = None
        return goto("receipt_offer",
                    Line.of("bank_submitted", amount=Amount(result.amount),
                            min_days=BANK_CLEARING.min_days, max_days=BANK_CLEARING.max_days),
                    confirmation_lines(result.confirmation_number))


def _reason(text: str) -> str:
    """The processor's decline message, without any digits (it is stored and texted)."""
    return "".join(ch for ch in text if not ch.isdigit())[:120].strip() or "declined"
