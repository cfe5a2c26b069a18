"""The receipts and notices residents get when their payments change: the handler of
domain.events, sending through the Notifier port (SMS and email on file; the outbox by
default). A notice that cannot be sent never undoes or fails the payment it is about.
Refunds and disputes are told the same way (to the phone and email on file)."""

from __future__ import annotations

import logging

from domain.errors import RecipientOptedOut
from domain.events import (
    DisputeChanged,
    DomainEvent,
    PaymentEvent,
    ReceiptRequested,
    RefundIssued,
)
from domain.model import Account, Payment
from domain.notifications import language_of, payment_text, render
from domain.ports import Notification, Notifier

log = logging.getLogger(__name__)

class PaymentNotices:
    def __init__(self, notifier: Notifier, city_name: str = "City of Riverton") -> None:
        self._notifier = notifier
        self._city = city_name.removeprefix("the ")

    def publish(self, event: DomainEvent) -> None:
        if isinstance(event, ReceiptRequested):
            self._receipt(event)
        elif isinstance(event, RefundIssued):
            self._money_back(event.account, event.payment, "refund",
                             refund=event.refund.amount.format())
        elif isinstance(event, DisputeChanged):
            self._money_back(event.account, event.payment, f"dispute.{event.dispute.status}",
                             amount=event.dispute.amount.format())
        else:
            self._notice(event)

    def _receipt(self, event: ReceiptRequested) -> None:
        # Asked for now, so a failure is the resident's to hear: it is not swallowed.
        payment = event.payment
        self._notifier.send(Notification(
            channel="sms", to=event.phone, account_id=payment.account_id,
            body=payment_text(event.kind, payment, event.language, self._city),
            kind=f"payment.{event.kind}", subject=self._subject(event)))

    def _notice(self, event: PaymentEvent) -> None:
        account, payment = event.account, event.payment
        body = payment_text(event.kind, payment, language_of(account.customer), self._city,
                            reason=payment.rejection_reason or "")
        self._tell_holder(account, payment, body, str(event.kind))

    def _money_back(self, account: Account, payment: Payment, kind: str,
                    **values: str) -> None:
        body = render(kind, language_of(account.customer), city=self._city,
                      conf=payment.confirmation_number, method=payment.method_label,
                      **{"amount": payment.total.format(), **values})
        self._tell_holder(account, payment, body, kind)

    def _tell_holder(self, account: Account, payment: Payment, body: str, kind: str) -> None:
        customer = account.customer
        recipients: list[tuple[str, str]] = []
        if customer.phones:
            recipients.append(("sms", customer.phones[0].number))
        if customer.email:
            recipients.append(("email", customer.email))
        for channel, to in recipients:
            try:
                self._notifier.send(Notification(
                    channel=channel, to=to, body=body, account_id=account.id,
                    subject=f"{self._city} payment {payment.confirmation_number}",
                    kind=f"payment.{kind}"))
            except RecipientOptedOut:  # honoured, not a failure
                log.info("no %s text for payment %s: the number opted out", kind,
                         payment.confirmation_number)
            except Exception:  # a notice failing must never undo or fail a payment
                log.exception("could not queue %s notice for payment %s", channel,
                              payment.confirmation_number)

    def _subject(self, event: DomainEvent) -> str:
        return f"{self._city} payment {event.payment.confirmation_number}"
