"""The consent guard in front of every SMS transport, and the services behind it: a number that
opted out is never handed to the transport; notices to it are skipped politely (logged at info,
no traceback, the email still goes); a text the resident asked for raises RecipientOptedOut
for the channel to explain."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest

from domain.adapters.sms_consent_guard import ConsentCheckingSmsNotifier
from domain.errors import InvalidPhoneNumber, RecipientOptedOut
from domain.model import Actor, AutopayDateOption, Channel, PaymentStatus
from domain.money import Money
from domain.ports import Notification, Notifier, SmsConsent
from domain.services.autopay import AutopayService
from domain.services.paperless import PaperlessService
from domain.services.payments import MethodChoice, PaymentRequest, PaymentService
from domain.services.reminders import ReminderService
from tests.fakes import FakeNotifier
from tests.unit.conftest import TODAY

OPTED_OUT = "+13125550101"  # the `account` fixture's phone on file
OTHER = "+13125550199"
RESIDENT = Actor.resident(Channel.VOICE, "CA123")


class MemoryConsent(SmsConsent):
    def __init__(self, *opted_out: str) -> None:
        self.opted_out = set(opted_out)
        self.asked: list[str] = []

    def is_opted_out(self, phone: str) -> bool:
        self.asked.append(phone)
        return phone in self.opted_out

    def opt_out(self, phone: str, at: datetime, source: str) -> None:
        self.opted_out.add(phone)

    def opt_in(self, phone: str, at: datetime, source: str) -> None:
        self.opted_out.discard(phone)


@pytest.fixture
def transport() -> FakeNotifier:
    """What sits behind the guard: the outbox or Twilio."""
    return FakeNotifier()


@pytest.fixture
def consent() -> MemoryConsent:
    return MemoryConsent(OPTED_OUT)


@pytest.fixture
def guarded(transport: FakeNotifier, consent: MemoryConsent) -> ConsentCheckingSmsNotifier:
    return ConsentCheckingSmsNotifier(transport, consent)


def sms(to: str, body: str = "Your receipt") -> Notification:
    return Notification(channel="sms", to=to, body=body, kind="payment.receipt", account_id=1)


# --- the guard ---------------------------------------------------------------------------------


def test_is_a_notifier(guarded: ConsentCheckingSmsNotifier) -> None:
    assert isinstance(guarded, Notifier)


@pytest.mark.parametrize("typed", [OPTED_OUT, "(312) 555-0101", "312.555.0101", "+1 312 555 0101"])
def test_an_opted_out_number_is_refused_however_it_is_written(
        guarded, transport, consent, typed: str) -> None:
    with pytest.raises(RecipientOptedOut) as refused:
        guarded.send(sms(typed))
    assert transport.sent == []
    assert consent.asked == [OPTED_OUT]  # checked in E.164, the form opt-outs are kept in
    assert "START" in refused.value.message


def test_other_numbers_go_through_in_e164(guarded, transport) -> None:
    guarded.send(sms("(312) 555-0199", body="Payment received"))
    (sent,) = transport.sent
    assert sent.to == OTHER
    assert (sent.channel, sent.body, sent.kind, sent.account_id) == (
        "sms", "Payment received", "payment.receipt", 1)


def test_opting_back_in_lets_texts_through_again(guarded, transport, consent) -> None:
    consent.opt_in(OPTED_OUT, datetime.now().astimezone(), "START")
    guarded.send(sms(OPTED_OUT))
    assert [n.to for n in transport.sent] == [OPTED_OUT]


def test_a_number_that_is_not_one_never_reaches_the_transport(guarded, transport) -> None:
    with pytest.raises(InvalidPhoneNumber):
        guarded.send(sms("call me maybe"))
    assert transport.sent == []


def test_email_passes_through_untouched(guarded, transport, consent) -> None:
    email = Notification(channel="email", to="ana@example.com", body="Receipt")
    guarded.send(email)
    assert transport.sent == [email] and consent.asked == []


# --- the services behind it --------------------------------------------------------------------


@pytest.fixture
def notifier(guarded: ConsentCheckingSmsNotifier) -> Notifier:
    """The services' notifier: SMS through the guard (email is not its business)."""
    return guarded


def assert_quietly_skipped(caplog: pytest.LogCaptureFixture) -> None:
    skipped = [r for r in caplog.records if "opted out" in r.getMessage()]
    assert skipped and all(r.levelno == logging.INFO and r.exc_info is None for r in skipped)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "5550101" not in caplog.text


def test_payment_receipt_skips_the_text_and_still_emails(payments: PaymentService, account,
                                                         transport, caplog) -> None:
    caplog.set_level(logging.INFO)
    outcome = payments.pay_now(PaymentRequest(
        account.id, Money.of("40.00"), MethodChoice.saved(account.payment_methods[0].id),
        RESIDENT, "k1", accepted_fee=Money.of("1.25")))
    assert outcome.payment.status == PaymentStatus.APPROVED
    assert [(n.channel, n.kind) for n in transport.sent] == [("email", "payment.receipt")]
    assert_quietly_skipped(caplog)


def test_a_text_receipt_asked_for_is_refused_with_the_reason(payments: PaymentService, account,
                                                             transport) -> None:
    outcome = payments.pay_now(PaymentRequest(
        account.id, Money.of("40.00"), MethodChoice.saved(account.payment_methods[0].id),
        RESIDENT, "k1", accepted_fee=Money.of("1.25")))
    transport.sent.clear()
    with pytest.raises(RecipientOptedOut):
        payments.text_receipt(account.id, outcome.payment.confirmation_number, "312-555-0101")
    assert transport.sent == []
    payments.text_receipt(account.id, outcome.payment.confirmation_number, OTHER)
    assert [n.to for n in transport.sent] == [OTHER]


def test_paperless_confirms_by_email_only(paperless: PaperlessService, account, transport,
                                          caplog) -> None:
    caplog.set_level(logging.INFO)
    assert paperless.enroll(account.id, "ana@example.com", RESIDENT).enrolled
    assert [n.channel for n in transport.sent] == ["email"]
    assert_quietly_skipped(caplog)


def test_paperless_link_asked_for_is_refused(paperless: PaperlessService, account,
                                             transport) -> None:
    with pytest.raises(RecipientOptedOut):
        paperless.text_enrollment_link(account.id, OPTED_OUT, "https://x.example/p/t", 30,
                                       RESIDENT)
    assert transport.sent == []


def test_autopay_notice_skips_the_text(uow, clock, notifier, payments, account, transport,
                                       caplog) -> None:
    caplog.set_level(logging.INFO)
    autopay = AutopayService(lambda: uow, clock, notifier, payments)
    autopay.enroll(account.id, account.payment_methods[1].id, AutopayDateOption.DUE_DATE,
                   RESIDENT)
    assert [(n.channel, n.kind) for n in transport.sent] == [("email", "autopay.enrolled")]
    assert_quietly_skipped(caplog)


def test_a_reminder_to_an_opted_out_number_is_not_a_failure(uow, clock, notifier, payments,
                                                            account, transport, caplog) -> None:
    caplog.set_level(logging.INFO)
    payments.schedule(PaymentRequest(
        account.id, Money.of("20.00"), MethodChoice.saved(account.payment_methods[1].id),
        RESIDENT, "s1", scheduled_for=TODAY + timedelta(days=2)))
    transport.sent.clear()
    caplog.clear()
    run = ReminderService(lambda: uow, clock, notifier, days_before=3).send_due_reminders()
    assert (run.sent, run.failed) == (1, 0)
    assert [(n.channel, n.kind) for n in transport.sent] == [("email", "payment.reminder")]
    assert_quietly_skipped(caplog)
