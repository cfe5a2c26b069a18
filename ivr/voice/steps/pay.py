"""Pay now: method, fee and total, then <Pay>. In sandbox mode a card is charged by the
connector during <Pay> (the payment is reserved first, its result recorded after); in Stripe
mode <Pay> only makes a Stripe PaymentMethod and Payline charges it after <Pay> returns, with
its own PaymentIntent and idempotency key (PaymentService.pay_now), so no charge happens
without the ledger knowing. A bank account is tokenized by <Pay> (Payline's own connector,
the ACH vault, in either mode), the debit authorization read back (TEL), then submitted for
ACH."""

from __future__ import annotations

from conversation.checkout import BANK_CLEARING, PaymentResult, ResultCode
from domain.declines import AUTHENTICATION_REQUIRED
from domain.errors import AmountOutOfRange, InvalidPhoneNumber, NothingDue, RecipientOptedOut
from domain.model import MethodKind, Payment, PaymentStatus
from domain.phone import normalize_phone
from domain.ports import ChargeResult, Notification, ProcessorUnavailable
from domain.services.payments import MethodChoice, PaymentRequest
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
    card_spec,
    checkout,
    decline_code,
    masked_card_label,
    pay_result,
    payline_charges_cards,
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
        if payline_charges_cards(turn):  # charged after <Pay> (PayCardResult)
            return CollectPayment(card_spec(turn, f"{city} payment", "pay_card_result"),
                                  (Line.of("pay_card_intro"),))
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
        return CollectPayment(card_spec(turn, f"{city} payment {payment.confirmation_number}",
                                        "pay_card_result", payment),
                              (Line.of("pay_card_intro"),))


@register
class PayCardResult(Step):
    """Twilio posts the <Pay> result of a card payment here: the connector's charge of the
    reserved payment (sandbox), or the PaymentMethod Payline now charges (Stripe mode)."""

    name = "pay_card_result"
    kind = RESULT

    def ask(self, turn: Turn) -> Outcome:
        return goto("menu")

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        payments = turn.container.payment_service()
        payment_id, turn.call.pay_payment_id = turn.call.pay_payment_id, None
        if payment_id is None:
            if payline_charges_cards(turn):
                return charge_entered_card(turn)
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
            return goto("pay_retry", decline_line(turn.params.get("PaymentError") or ""))
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


def charge_entered_card(turn: Turn) -> Outcome:
    """Stripe mode: <Pay> made a PaymentMethod of the card; the processor describes it
    (token_details, never the request's word), then Payline pays now with it, through the
    same path as every other channel (checkout -> PaymentService.pay_now)."""
    result = pay_result(turn.params)
    method = None
    if result == SUCCESS:
        try:
            method = tokenized_from_pay(turn, MethodKind.CARD)
        except ProcessorUnavailable:  # Stripe could not say what the token is: no charge
            return goto("menu", Line.of("pay_processor_down"))
    if method is None:
        return tokenize_failed(result, "pay_retry")
    pay = checkout(turn)
    submitted = pay.submit(PaymentRequest(
        account_id=turn.account_id, amount=turn.call.chosen_amount(),
        method=MethodChoice.new(method), actor=turn.actor,
        idempotency_key=turn.idempotency_key("pay"), accepted_fee=pay.fee(MethodKind.CARD)))
    turn.call.tokenized = None  # charged or not, a card is entered again for another try
    return card_paid(turn, submitted)


def card_paid(turn: Turn, result: PaymentResult) -> Outcome:
    """What the caller hears after Payline charged a card (a retried request is answered as
    the first one was)."""
    payment = result.payment
    if payment is None:
        return refused(result, "pay_amount")
    turn.call.receipt_conf = payment.confirmation_number
    code = result.first or result.code
    if code == ResultCode.APPROVED:
        return goto("receipt_offer", Line.of("pay_approved", amount=Amount(payment.amount)),
                    confirmation_lines(payment.confirmation_number))
    if code == ResultCode.DECLINED:
        return declined(payment)
    # Pending: the processor could not be reached (or has not decided). Nothing is charged
    # yet; the runner charges it with the same idempotency key, so never twice.
    return goto("menu", Line.of("pay_card_pending"),
                confirmation_lines(payment.confirmation_number))


# Decline codes the caller hears in their own words; any other is "the card was declined".
DECLINE_PROMPTS = {"insufficient_funds": "pay_insufficient_funds",
                   "expired_card": "pay_card_expired"}


def decline_line(code: str) -> Line:
    return Line.of(DECLINE_PROMPTS.get(code, "pay_declined"))


def declined(payment: Payment) -> Outcome:
    code = decline_code(payment)
    if code == AUTHENTICATION_REQUIRED:  # SCA: the bank wants the card holder to confirm
        return goto("pay_authenticate", Line.of("pay_authentication_required"))
    return goto("pay_retry", decline_line(code))


@register
class PayAuthenticate(Step):
    """The card's bank wants the card holder to confirm the payment (3-D Secure), which
    cannot be done by phone: a text with a secure pay link (its page lets the bank ask),
    another card, or the menu."""

    name = "pay_authenticate"
    back = "menu"

    def ask(self, turn: Turn) -> Ask:
        return ask(Line.of("pay_authentication_menu"))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        if heard.digits == "1":
            return text_pay_link(turn)
        if heard.digits == "2":
            turn.call.method = "card"
            return goto("pay_confirm")
        if heard.digits == "3":
            return goto("menu")
        return retry(Line.of("not_understood"))


def text_pay_link(turn: Turn) -> Outcome:
    """A one-time secure pay link for the chosen amount, texted to the calling number."""
    caller = turn.state.caller
    if not caller:
        return goto("pay_retry", Line.of("text_unavailable"))
    try:
        to = normalize_phone(caller)
        link = checkout(turn).pay_link(turn.account_id, turn.call.chosen_amount(), turn.actor,
                                       turn.channels.public_url)
    except InvalidPhoneNumber:
        return goto("pay_retry", Line.of("text_unavailable"))
    except NothingDue:
        return goto("menu", Line.of("nothing_due"))
    except AmountOutOfRange:
        return goto("pay_amount", Line.of("already_covered"))
    body = template(turn.language, "pay_link_text").format(city=turn.city, url=link.url,
                                                            minutes=link.minutes)
    try:
        turn.container.notifier.send(Notification(channel="sms", to=to, body=body,
                                                  account_id=turn.account_id,
                                                  kind="pay_link"))
    except RecipientOptedOut:
        return goto("pay_retry", Line.of("text_opted_out"))
    return goto("menu", Line.of("pay_link_sent", minutes=link.minutes))


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
    if result == SUCCESS:
        try:
            if tokenized_from_pay(turn, kind) is not None:
                return goto(next_step)
        except ProcessorUnavailable:  # the processor could not say what the token is
            return goto("menu", Line.of("pay_processor_down"))
    return tokenize_failed(result, retry_step)


def tokenize_failed(result: str, retry_step: str) -> Outcome:
    """A tokenizing <Pay> that produced no usable method: nothing was charged."""
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
