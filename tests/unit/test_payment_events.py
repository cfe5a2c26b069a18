"""Payments raise events once a change is committed (domain/events.py), and one handler turns
them into the receipts and notices residents get (domain/services/payment_notices.py)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import RecipientOptedOut
from domain.events import DomainEvent, PaymentEvent, PaymentEventKind, ReceiptRequested
from domain.money import Money
from domain.ports import Notification
from domain.services.payment_notices import PaymentNotices
from domain.services.payments import PaymentService
from tests.fakes import FakeNotifier
from tests.unit.test_payments import bank, req


class RecordedEvents:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def publish(self, event: DomainEvent) -> None:
        self.events.append(event)


@pytest.fixture
def recorded() -> RecordedEvents:
    return RecordedEvents()


@pytest.fixture
def service(uow, clock, gateway, recorded) -> PaymentService:
    return PaymentService(lambda: uow, clock, gateway, recorded)


def test_each_change_raises_its_event_and_builds_no_message(service, account, recorded):
    approved = service.pay_now(req(account, "40")).payment
    scheduled = service.schedule(req(account, "10", bank(account), fee=None, key="s",
                                     when=date(2026, 12, 1))).payment
    service.cancel(account.id, scheduled.confirmation_number, req(account, "1").actor)
    kinds = [(e.kind, e.payment.confirmation_number) for e in recorded.events]
    assert kinds == [(PaymentEventKind.APPROVED, approved.confirmation_number),
                     (PaymentEventKind.SCHEDULED, scheduled.confirmation_number),
                     (PaymentEventKind.CANCELLED, scheduled.confirmation_number)]
    assert all(isinstance(e, PaymentEvent) and e.account.id == account.id
               for e in recorded.events)


def test_a_replayed_request_raises_nothing_again(service, account, recorded):
    service.pay_now(req(account, "40", key="same"))
    service.pay_now(req(account, "40", key="same"))
    assert len(recorded.events) == 1


def test_a_receipt_asked_for_is_an_event_for_that_number(service, account, recorded):
    paid = service.pay_now(req(account, "40")).payment
    service.text_receipt(account.id, paid.confirmation_number, "(312) 555-0199", "es-MX")
    event = recorded.events[-1]
    assert event == ReceiptRequested(PaymentEventKind.APPROVED, paid, "+13125550199", "es")


def test_the_handler_tells_the_holder_by_text_and_email(service, account, recorded):
    paid = service.pay_now(req(account, "40")).payment
    notifier = FakeNotifier()
    PaymentNotices(notifier, "the City of Riverton").publish(recorded.events[0])
    assert [(n.channel, n.to, n.kind) for n in notifier.sent] == [
        ("sms", "+13125550101", "payment.receipt"), ("email", "ana@example.com", "payment.receipt")]
    assert all(paid.confirmation_number in n.body and n.body.startswith("City of Riverton")
               and n.subject == f"City of Riverton payment {paid.confirmation_number}"
               for n in notifier.sent)
    assert Money.of("40").format() in notifier.sent[0].body


class OptedOutSms(FakeNotifier):
    def send(self, notification: Notification) -> None:
        if notification.channel == "sms":
            raise RecipientOptedOut()
        super().send(notification)


class Broken(FakeNotifier):
    def send(self, notification: Notification) -> None:
        raise OSError("smtp down")


def test_an_opted_out_number_or_a_broken_transport_never_fails_the_payment(service, account,
                                                                           recorded):
    service.pay_now(req(account, "40"))
    opted_out = OptedOutSms()
    PaymentNotices(opted_out).publish(recorded.events[0])
    assert [n.channel for n in opted_out.sent] == ["email"]  # the email still goes
    PaymentNotices(Broken()).publish(recorded.events[0])  # logged, not raised


def test_a_receipt_that_cannot_be_sent_is_the_residents_to_hear(service, account, recorded):
    paid = service.pay_now(req(account, "40")).payment
    service.text_receipt(account.id, paid.confirmation_number, "+13125550199")
    with pytest.raises(OSError):
        PaymentNotices(Broken()).publish(recorded.events[-1])
