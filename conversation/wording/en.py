"""The shared words in English (es.py has the same functions). The domain already speaks
English, so most of these pass its words through."""

from __future__ import annotations

from datetime import date

from conversation.payment_history import describe
from conversation.understanding.dates import describe_date
from domain.model import Payment, PaymentStatus
from domain.payment_policy import ScheduleWarning

_STATUS = {
    PaymentStatus.SCHEDULED: "scheduled",
    PaymentStatus.PENDING: "pending",
    PaymentStatus.APPROVED: "approved",
    PaymentStatus.REJECTED: "rejected",
    PaymentStatus.CANCELLED: "cancelled",
}


def date_text(day: date) -> str:
    """"12/05": a date in a text message."""
    return f"{day:%m/%d}"


def day_text(day: date, today: date) -> str:
    """"Friday, December 4" (the year only when it is not this year's)."""
    return describe_date(day, today)


def short_day_text(day: date) -> str:
    """"Dec 4": a date in a one-line list or a button."""
    return f"{day:%b} {day.day}"


def method_text(label: str) -> str:
    """The domain's method label ("VISA ending 4242") is already English."""
    return label


def status_text(status: PaymentStatus | str) -> str:
    """A payment's status in a word: "scheduled", "pending", ..."""
    try:
        return _STATUS[PaymentStatus(status)]
    except ValueError:
        return str(status)


def money_back_text(payment: Payment) -> str:
    """"refunded $20.00", "refunded in full", "disputed"; empty when nothing went back."""
    return describe(payment)


def decline_text(reason: str) -> str:
    """Why a payment was declined: the processor's words (domain/declines.py) as recorded."""
    return reason


def warning_text(warning: ScheduleWarning) -> str:
    """What a resident must hear about a date a payment can be scheduled for."""
    return warning.message


def domain_text(detail: str, fallback: str | None = None) -> str:
    """The domain's own messages (domain/errors.py, the services) are English already
    (`fallback` is for a language that may not know one)."""
    return detail


def hours_text(hours: str) -> str:
    return hours
