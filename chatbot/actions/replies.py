"""How the chatbot words things: money, dates, payments. Plain text (no markdown) so the same
words work in the web chat and in a text message."""

from __future__ import annotations

from datetime import date

from conversation.checkout import (
    BANK_CLEARING,
    AmountCheck,
    AmountProblem,
    PayLink,
    PaymentResult,
    ResultCode,
)
from conversation.payment_history import describe as describe_money_back
from conversation.understanding.dates import describe_date
from domain.model import Payment, PaymentStatus
from domain.money import Money

NEED_YES_NO = "Please answer yes or no."

STATUS_WORDS = {
    PaymentStatus.SCHEDULED: "scheduled",
    PaymentStatus.PENDING: "pending (being processed)",
    PaymentStatus.APPROVED: "approved",
    PaymentStatus.REJECTED: "rejected",
    PaymentStatus.CANCELLED: "cancelled",
}


def money(value: Money) -> str:
    return value.format()


def day(value: date, today: date) -> str:
    return describe_date(value, today)


def payment_line(payment: Payment, today: date) -> str:
    """'$50.00 on Friday, December 4 from checking account ending 6789, scheduled
    (confirmation K7M2Q9P4)'."""
    status = STATUS_WORDS.get(payment.status, str(payment.status))
    back = describe_money_back(payment)  # "refunded $20.00", "refunded in full", "disputed"
    if back:
        status = f"{status}, {back}"
    return (f"{money(payment.amount)} on {day(payment.scheduled_for, today)} with "
            f"{payment.method_label}, {status} (confirmation {payment.confirmation_number})")


def yes_no_buttons() -> list[dict[str, str]]:
    return [{"title": "Yes", "payload": "yes"}, {"title": "No", "payload": "no"}]


# --- the checkout (conversation.checkout) ----------------------------------------------------
def amount_refusal(check: AmountCheck) -> str:
    """Why an amount can't be paid: the most that can be paid, or the domain's reason."""
    if check.problem in (AmountProblem.TOO_HIGH, AmountProblem.COVERED) \
            and check.payable is not None:
        return (f"That's more than can be paid on this account. The most you can pay is "
                f"{money(check.payable)}.")
    return check.detail


def pay_link_messages(link: PayLink, today: date) -> list[str]:
    when = link.scheduled_for
    return [
        f"Here is your secure pay link for {money(link.amount)}"
        + (f" on {day(when, today)}" if when else "") + f": {link.url}",
        f"It works once and expires in {link.minutes} minutes. Enter your card or bank details "
        "on that page, never in this chat. Ask me for your payment status when you're done.",
    ]


def payment_result_text(result: PaymentResult, today: date) -> str:
    """A submitted payment's outcome. A repeated yes is answered as the first one was."""
    if result.refused:
        return result.detail
    fee_note = (f" plus a {money(result.fee)} fee ({money(result.total)} in all)"
                if result.fee.is_positive() else "")
    code = result.first
    if code == ResultCode.SCHEDULED:
        return (f"Done: {money(result.amount)}{fee_note} is scheduled for "
                f"{day(result.payment_date, today)} with {result.method_label}. Your "
                f"confirmation number is {result.confirmation_number}. You can cancel it here "
                "until that date.")
    if code == ResultCode.APPROVED:
        return (f"Payment approved: {money(result.amount)}{fee_note} with "
                f"{result.method_label}. Your confirmation number is "
                f"{result.confirmation_number}.")
    if code == ResultCode.PROCESSING:
        return (f"We couldn't get an answer from the card processor just now, so your "
                f"{result.method_label} has not been charged yet. We'll finish the payment of "
                f"{money(result.amount)}{fee_note} shortly and send you the result; please "
                f"don't pay again. Your confirmation number is {result.confirmation_number}.")
    if code == ResultCode.SUBMITTED:
        return (f"Your payment of {money(result.amount)}{fee_note} with {result.method_label} "
                f"is submitted and pending. Your confirmation number is "
                f"{result.confirmation_number}. Bank payments take {BANK_CLEARING.min_days} to "
                f"{BANK_CLEARING.max_days} business days to post.")
    return (f"Sorry, that payment didn't go through ({result.reason}). No money was taken. You "
            "can try another payment method, or ask for a secure pay link for a new card.")
