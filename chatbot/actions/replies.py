"""How the chatbot words money, dates and payments in the turn's language (chatbot/wording).
Plain text (no markdown) so the same words work in the web chat and in a text message."""

from __future__ import annotations

from datetime import date

from chatbot.wording import Words
from conversation.checkout import (
    BANK_CLEARING,
    AmountCheck,
    AmountProblem,
    PayLink,
    PaymentResult,
    ResultCode,
)
from domain.model import Payment, PaymentStatus
from domain.money import Money


def money(value: Money) -> str:
    return value.format()


def payment_line(payment: Payment, words: Words) -> str:
    """One line of the payment history: "Dec 3: $71.90, scheduled (K7M2Q9P4)", with what
    went back ("approved, refunded $20.00")."""
    status = words.status(payment.status)
    back = words.money_back(payment)
    if back:
        status = f"{status}, {back}"
    return words.say("history.line", short=words.short_date(payment.scheduled_for),
                     amount=money(payment.amount), status=status,
                     confirmation=payment.confirmation_number)


def rejected_line(payment: Payment, words: Words) -> str | None:
    """Why a rejected payment was rejected, when the ledger says."""
    if payment.status != PaymentStatus.REJECTED or not payment.rejection_reason:
        return None
    return words.say("history.rejected", amount=money(payment.amount),
                     short=words.short_date(payment.scheduled_for),
                     reason=words.decline(payment.rejection_reason).rstrip(". "))


# --- the checkout (conversation.checkout) ----------------------------------------------------
def amount_refusal(check: AmountCheck, words: Words) -> str:
    """Why an amount can't be paid: the most that can be paid, or the domain's reason."""
    if check.problem in (AmountProblem.TOO_HIGH, AmountProblem.COVERED) \
            and check.payable is not None:
        return words.say("amount.too_high", amount=money(check.payable))
    return words.domain(check.detail)


def pay_link_messages(link: PayLink, today: date, words: Words) -> list[str]:
    when = link.scheduled_for
    return [
        words.say("link.sent", amount=money(link.amount), url=link.url,
                  when=words.say("link.when", day=words.date(when, today)) if when else ""),
        words.say("link.note", minutes=link.minutes),
    ]


def payment_result_text(result: PaymentResult, today: date, words: Words) -> str:
    """A submitted payment's outcome. A repeated yes is answered as the first one was."""
    if result.refused:
        return words.domain(result.detail)
    fee = (words.say("result.fee", fee=money(result.fee), total=money(result.total))
           if result.fee.is_positive() else "")
    code = result.first
    values = {"amount": money(result.amount), "fee": fee,
              "method": words.method(result.method_label),
              "confirmation": result.confirmation_number}
    if code == ResultCode.SCHEDULED:
        return words.say("result.scheduled", day=words.date(result.payment_date, today),
                         **values)
    if code == ResultCode.APPROVED:
        return words.say("result.approved", **values)
    if code == ResultCode.PROCESSING:
        return words.say("result.processing", **values)
    if code == ResultCode.SUBMITTED:
        return words.say("result.submitted", min_days=BANK_CLEARING.min_days,
                         max_days=BANK_CLEARING.max_days, **values)
    return words.say("result.declined", reason=words.decline(result.reason).rstrip(". "))
