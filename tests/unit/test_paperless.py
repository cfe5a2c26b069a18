from datetime import datetime, timedelta

import pytest

from domain.errors import AccountLocked, InvalidEmail
from domain.model import Actor, Channel, PaymentStatus
from domain.money import Money
from domain.services.paperless import mask_email, normalize_email
from domain.services.payments import MethodChoice, PaymentRequest

RESIDENT = Actor.resident(Channel.CHAT, "chat-9")


def test_enroll_stops_paper_and_confirms_by_email_and_text(paperless, account, uow, notifier):
    status = paperless.enroll(account.id, "Ana.Rivera@Example.com", RESIDENT)
    assert status.enrolled and status.email == "Ana.Rivera@example.com"
    stored = uow.accounts.get(account.id)
    assert stored.paperless and stored.paperless_since is not None
    assert {(n.channel, n.to) for n in notifier.sent} == {
        ("email", "Ana.Rivera@example.com"), ("sms", "+13125550101")}
    assert "paper bills will stop" in notifier.sent[0].body
    assert [e.action for e in uow.audit.for_account(account.id)] == ["paperless.enrolled"]
    assert "Ana.Rivera" not in uow.audit.for_account(account.id)[0].detail  # masked


@pytest.mark.parametrize("email", ["", "  ", "not-an-email", "a@", "@b.com", "a b@c.com",
                                   "x" * 250 + "@example.com", "ana@@example.com", "🙂@🙂"])
def test_invalid_email_changes_nothing(paperless, account, uow, notifier, email):
    with pytest.raises(InvalidEmail):
        paperless.enroll(account.id, email, RESIDENT)
    assert not uow.accounts.get(account.id).paperless
    assert notifier.sent == [] and uow.store.audit == []


def test_unenroll_restores_paper_and_keeps_scheduled_payments(paperless, payments, account, uow,
                                                              notifier, clock):
    paperless.enroll(account.id, "ana@example.com", RESIDENT)
    scheduled = payments.schedule(PaymentRequest(
        account.id, Money.of("20"), MethodChoice.saved(account.payment_methods[1].id), RESIDENT,
        "s1", scheduled_for=clock.today() + timedelta(days=4))).payment
    status = paperless.unenroll(account.id, RESIDENT)
    assert not status.enrolled
    assert not uow.accounts.get(account.id).paperless
    assert uow.payments.get(scheduled.id).status == PaymentStatus.SCHEDULED
    assert "Paper bills will be mailed again" in notifier.sent[-1].body


def test_enroll_and_unenroll_are_idempotent(paperless, account, uow, notifier):
    paperless.enroll(account.id, "ana@example.com", RESIDENT)
    paperless.enroll(account.id, "ana@example.com", RESIDENT)
    assert len([e for e in uow.store.audit if e.action == "paperless.enrolled"]) == 1
    paperless.unenroll(account.id, RESIDENT)
    paperless.unenroll(account.id, RESIDENT)
    assert len([e for e in uow.store.audit if e.action == "paperless.unenrolled"]) == 1


def test_spanish_speaker_gets_spanish_confirmation(paperless, uow, notifier):
    from tests.unit.conftest import make_utility_account
    maria = make_utility_account(number="0044444444", language="es", email=None)
    uow.accounts.add(maria)
    paperless.enroll(maria.id, "maria@example.com", RESIDENT)
    assert "facturación sin papel" in notifier.sent[0].body
    assert uow.accounts.get(maria.id).customer.email == "maria@example.com"


def test_locked_account_cannot_change_paperless(paperless, account, uow):
    uow.accounts.get(account.id).locked_at = datetime(2026, 11, 1)
    with pytest.raises(AccountLocked):
        paperless.enroll(account.id, "ana@example.com", RESIDENT)


def test_email_helpers():
    assert normalize_email(" ana@EXAMPLE.com ") == "ana@example.com"
    assert mask_email("maria.lopez@example.com") == "m***z@example.com"
    assert mask_email("a@example.com") == "a***@example.com"
