"""What happened to a payment, as values the services raise once the change is committed.

The services do not build messages: a handler subscribed to these events does (today
`domain.services.payment_notices.PaymentNotices`, the receipts and notices residents get),
so a new reaction (an audit feed, a finance export) is a new handler, not a change to the
payment code."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from domain.model import Account, Dispute, Payment, PaymentStatus, Refund


class PaymentEventKind(StrEnum):
    # The values name the notice the resident gets (domain/notifications.py).
    APPROVED = "receipt"
    SUBMITTED = "submitted"  # a bank debit on its way (a receipt asked for during a call)
    REJECTED = "rejected"
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"  # a scheduled payment not sent: the balance was already paid


# The event a payment's new status raises when nothing more specific happened.
EVENT_OF_STATUS = {PaymentStatus.APPROVED: PaymentEventKind.APPROVED,
                   PaymentStatus.REJECTED: PaymentEventKind.REJECTED,
                   PaymentStatus.SCHEDULED: PaymentEventKind.SCHEDULED}


@dataclass(frozen=True)
class PaymentEvent:
    """A payment changed; the account holder hears of it at the phone and email on file."""

    kind: PaymentEventKind
    account: Account
    payment: Payment


@dataclass(frozen=True)
class ReceiptRequested:
    """A resident asked for a receipt at a number given now (e.g. the phone they call from)."""

    kind: PaymentEventKind
    payment: Payment
    phone: str  # E.164
    language: str


@dataclass(frozen=True)
class RefundIssued:
    """Money went back to the card a payment was made with (a supervisor's refund, or one
    made at the processor and recorded from its webhook)."""

    account: Account
    payment: Payment
    refund: Refund


@dataclass(frozen=True)
class DisputeChanged:
    """The card holder's bank opened a dispute on a payment, or it was decided (the
    dispute's status says which: open, won or lost)."""

    account: Account
    payment: Payment
    dispute: Dispute


DomainEvent = PaymentEvent | ReceiptRequested | RefundIssued | DisputeChanged


class EventPublisher(Protocol):
    def publish(self, event: DomainEvent) -> None: ...
