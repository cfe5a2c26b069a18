"""How the chatbot words things: money, dates, payments. Plain text (no markdown) so the same
words work in the web chat and in a text message."""

from __future__ import annotations

from datetime import date

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
    return (f"{money(payment.amount)} on {day(payment.scheduled_for, today)} with "
            f"{payment.method_label}, {status} (confirmation {payment.confirmation_number})")


def yes_no_buttons() -> list[dict[str, str]]:
    return [{"title": "Yes", "payload": "yes"}, {"title": "No", "payload": "no"}]
