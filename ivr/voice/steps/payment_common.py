"""What paying now and scheduling share: choosing the amount, reading a <Pay> result, the
method a tokenized <Pay> produced, and the text receipt offer."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from conversation.checkout import AmountProblem, Checkout, PaymentResult, ResultCode
from domain.config import PROCESSOR_STRIPE
from domain.declines import DECLINE_REASONS, payline_code
from domain.errors import InvalidPhoneNumber, RecipientOptedOut
from domain.model import MethodKind, Payment
from domain.money import Money
from domain.ports import TokenizedMethod
from domain.services.payments import charge_reference
from ivr.voice.flow import (
    ENTRY,
    PAYMENT_METHOD_TOKEN,
    Ask,
    Heard,
    Outcome,
    PaySpec,
    Step,
    Turn,
    ask,
    entry,
    goto,
    register,
    retry,
)
from ivr.voice.speech import Amount, Line

log = logging.getLogger(__name__)

MAX_AMOUNT_DIGITS = 9  # $9,999,999.99: anything longer is a slip of the finger

# <Pay> Result values (Twilio) grouped by what the caller hears next.
SUCCESS = "success"
CANCELLED = "cancelled"
HUNG_UP = "hung_up"
DECLINED = "declined"
UNREADABLE = "unreadable"
PROCESSOR_DOWN = "processor_down"
FAILED = "failed"


def pay_result(params: Mapping[str, str]) -> str:
    result = params.get("Result", "")
    if result == "success":
        return SUCCESS
    if result == "caller-interrupted-with-star":
        return CANCELLED
    if result == "caller-hung-up":
        return HUNG_UP
    if result == "payment-connector-error":
        # The connector answered with an error (a decline, an invalid routing number), or it
        # could not be reached at all (no PaymentError).
        return DECLINED if params.get("PaymentError") else PROCESSOR_DOWN
    if result in ("too-many-failed-attempts", "validation-error", "input-timeout"):
        return UNREADABLE
    return FAILED


def masked_card_label(params: Mapping[str, str]) -> str | None:
    """'VISA ending 4242' from Twilio's masked PaymentCardNumber and PaymentCardType."""
    digits = "".join(ch for ch in params.get("PaymentCardNumber", "") if ch.isdigit())
    if len(digits) < 4:
        return None
    brand = (params.get("PaymentCardType", "") or "card").strip()[:20]
    brand = brand.upper() if brand.lower() in ("visa", "amex") else brand.title()
    return f"{brand} ending {digits[-4:]}"


def tokenized_from_pay(turn: Turn, kind: MethodKind) -> TokenizedMethod | None:
    """The method behind a <Pay> token, as the processor describes it (not as the request
    claims), stored in the call state as plain values until the caller confirms."""
    token = (turn.params.get("PaymentToken") or "").strip()
    if not token or len(token) > 200:
        return None
    method = turn.container.gateway.token_details(token)
    if method is None or method.kind != kind:
        return None
    turn.call.tokenized = method
    return method


def payline_charges_cards(turn: Turn) -> bool:
    """Whether Payline charges a card entered by phone itself (Stripe mode: Twilio's Stripe
    Pay Connector only turns the keyed digits into a PaymentMethod) rather than the connector
    charging it during <Pay> (the sandbox's Generic Pay Connector)."""
    return turn.container.settings.processor == PROCESSOR_STRIPE


def card_spec(turn: Turn, description: str, result_step: str,
              payment: Payment | None = None) -> PaySpec:
    """The one decision of how <Pay> takes a card. Stripe mode: tokenize only, as a Stripe
    PaymentMethod (chargeAmount 0, no charge parameters), for Payline to charge after <Pay>
    with its own PaymentIntent and idempotency key, paying now or later alike. Sandbox: the
    connector charges the reserved `payment` during <Pay>, or (no payment: a later date)
    keeps a reusable token."""
    if payline_charges_cards(turn):
        return PaySpec("credit-card", "0", description, result_step,
                       token_type=PAYMENT_METHOD_TOKEN)
    if payment is None:
        return PaySpec("credit-card", "0", description, result_step)
    return PaySpec("credit-card", payment.total.canonical(), description, result_step,
                   reference=charge_reference(payment))


def decline_code(payment: Payment) -> str:
    """The Payline decline code behind a rejected payment: the ledger keeps the processor's
    sentence for it (one per code, domain/declines.py), or a bare code when there was none."""
    reason = (payment.rejection_reason or "").strip()
    return _CODE_OF_REASON.get(reason) or payline_code(reason)


_CODE_OF_REASON = {sentence: code for code, sentence in DECLINE_REASONS.items()}


def checkout(turn: Turn) -> Checkout:
    """The channel-neutral checkout (conversation.checkout) on this call's services."""
    return Checkout(turn.container)


def refused(result: PaymentResult, amount_step: str) -> Outcome:
    """What the caller hears when a payment was refused at submit: the balance changed
    (back to choosing the amount), nothing due, a date no longer possible (back to the
    date), or another problem (the main menu, as for any failure)."""
    if result.code == ResultCode.BALANCE_CHANGED:
        return goto(amount_step, Line.of("already_covered"))
    if result.code == ResultCode.NOTHING_DUE:
        return goto("menu", Line.of("nothing_due"))
    if result.code == ResultCode.INVALID_DATE:
        return goto("schedule_date", Line.of("date_invalid"))
    log.warning("payment refused at submit: %s", result.detail)
    return goto("menu", Line.of("problem"))


# --- choosing the amount --------------------------------------------------------------------


class AmountChoice(Step):
    """Full balance, past-due part, or another amount. `flow` is "pay" or "schedule"."""

    flow: str = "pay"
    next_step: str = "pay_method"

    def ask(self, turn: Turn) -> Ask | Outcome:
        options = checkout(turn).options(turn.account_id)
        if options.nothing_due:
            return goto("menu", Line.of("nothing_due"))
        if options.covered:
            return goto("menu", Line.of("already_covered"))
        call = turn.call
        call.payable = options.full
        lines = [Line.of("schedule_intro")] if self.flow == "schedule" else []
        lines.append(Line.of("amount_menu_full", amount=Amount(options.full)))
        past_due = options.past_due_option
        call.past_due = past_due
        if past_due is not None:
            lines.append(Line.of("amount_menu_past_due", amount=Amount(past_due)))
        lines.append(Line.of("amount_menu_other"))
        return ask(*lines)

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        call = turn.call
        if heard.digits == "1" and call.payable is not None:
            return self._chosen(turn, call.payable)
        if heard.digits == "2" and call.past_due is not None:
            return self._chosen(turn, call.past_due)
        if heard.digits == "3":
            return goto(f"{self.name}_entry")
        return retry(Line.of("not_understood"))

    def _chosen(self, turn: Turn, amount: Money) -> Outcome:
        turn.call.amount = amount
        return goto(self.next_step)


class AmountEntry(Step):
    """Dollars and cents typed without a decimal point: 4550# is $45.50."""

    kind = ENTRY
    next_step: str = "pay_method"

    def ask(self, turn: Turn) -> Ask:
        return entry(Line.of("amount_entry"))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        digits = heard.digits.rstrip("#")
        if not digits.isdigit() or len(digits) > MAX_AMOUNT_DIGITS:
            return retry(Line.of("amount_invalid"))
        amount = Money.from_cents(int(digits))
        check = checkout(turn).check_amount(turn.account_id, amount)
        if check.problem == AmountProblem.COVERED:
            return goto("menu", Line.of("already_covered"))
        if check.problem == AmountProblem.TOO_HIGH and check.payable is not None:
            return retry(Line.of("amount_too_high", amount=Amount(check.payable)))
        if check.problem == AmountProblem.INVALID:
            return retry(Line.of("amount_invalid"))
        if check.problem == AmountProblem.NOTHING_DUE:
            return goto("menu", Line.of("nothing_due"))
        turn.call.amount = amount
        return goto(self.next_step, Line.of("amount_heard", amount=Amount(amount)))


@register
class PayAmount(AmountChoice):
    name = "pay_amount"


@register
class PayAmountEntry(AmountEntry):
    name = "pay_amount_entry"
    back = "pay_amount"


@register
class ScheduleAmount(AmountChoice):
    name = "schedule_amount"
    flow = "schedule"
    next_step = "schedule_date"


@register
class ScheduleAmountEntry(AmountEntry):
    name = "schedule_amount_entry"
    back = "schedule_amount"
    next_step = "schedule_date"


# --- the receipt --------------------------------------------------------------------------------


@register
class ReceiptOffer(Step):
    """Offer a text receipt at the calling number (a landline just fails politely)."""

    name = "receipt_offer"
    yes_no = True

    def ask(self, turn: Turn) -> Ask:
        return ask(Line.of("receipt_offer"))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        if heard.digits == "2":
            return goto("menu")
        if heard.digits != "1":
            return retry(Line.of("not_understood"))
        caller = turn.state.caller
        if not caller:
            return goto("menu", Line.of("text_unavailable"))
        try:
            turn.container.payment_service().text_receipt(
                turn.account_id, turn.call.receipt_conf or "", caller, turn.language)
        except InvalidPhoneNumber:
            return goto("menu", Line.of("text_unavailable"))
        except RecipientOptedOut:
            return goto("menu", Line.of("text_opted_out"))
        return goto("menu", Line.of("receipt_sent"))
