"""What every channel adds to a payment in its history when money went back: refunded in
part, refunded in full, or disputed by the card holder's bank. Each channel words it in its
own language (chat/SMS replies, voice prompts, the console); the rule is written once here."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.model import DisputeStatus, Payment
from domain.money import Money


class MoneyBackKind(StrEnum):
    REFUNDED = "refunded"  # part of it
    REFUNDED_IN_FULL = "refunded_in_full"
    DISPUTED = "disputed"  # open, or lost: the bank took it back


@dataclass(frozen=True)
class MoneyBack:
    kind: MoneyBackKind
    amount: Money  # refunded so far; the payment's total when disputed


def money_back(payment: Payment) -> MoneyBack | None:
    """None for a payment that stands as it was made (a won dispute restored it)."""
    if payment.dispute_status in (DisputeStatus.OPEN, DisputeStatus.LOST):
        return MoneyBack(MoneyBackKind.DISPUTED, payment.total)
    if payment.refunded.is_positive():
        full = payment.refunded >= payment.total
        return MoneyBack(MoneyBackKind.REFUNDED_IN_FULL if full else MoneyBackKind.REFUNDED,
                         payment.refunded)
    return None


def describe(payment: Payment) -> str:
    """English words for a written history line: "refunded $20.00", "refunded in full",
    "disputed"; empty when nothing went back."""
    note = money_back(payment)
    if note is None:
        return ""
    if note.kind == MoneyBackKind.REFUNDED:
        return f"refunded {note.amount.format()}"
    return "refunded in full" if note.kind == MoneyBackKind.REFUNDED_IN_FULL else "disputed"
