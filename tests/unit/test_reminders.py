"""Reminders before scheduled payments, with fakes: the due window, the texts in en/es, SMS and
email, at most once (across runs, races and send failures), and the lock order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest

from domain.model import Channel, MethodKind, Payment, PaymentStatus
from domain.money import Money
from domain.ports import ConcurrencyConflict, Notification, Notifier
from domain.services.reminders import ReminderRun, ReminderService
from tests.fakes import FakeClock, FakeNotifier, FakeUnitOfWork
from tests.unit.conftest import CHICAGO, TODAY, make_utility_account

_numbers = count(1)


def add_payment(uow: FakeUnitOfWork, account_id: int, when: date, *,
                status: PaymentStatus = PaymentStatus.SCHEDULED, amount: str = "40.00",
                kind: MethodKind = MethodKind.BANK, conf: str | None = None) -> Payment:
    card = kind == MethodKind.CARD
    payment = Payment(
        confirmation_number=conf or f"K7MW-{next(_numbers):04d}", account_id=account_id,
        amount=Money.of(amount), fee=Money.of("1.25") if card else Money.zero(),
        method_kind=kind,
        method_label="VISA ending 4242" if card else "checking account ending 6789",
        method_token="tok_visa_4242" if card else "tok_bank_6789", scheduled_for=when,
        status=status, channel=Channel.SMS, created_by="resident:s1",
        created_at=datetime(2026, 11, 1, 9, 0, tzinfo=CHICAGO), idempotency_key=f"k{conf}")
    uow.payments.add(payment)
    uow.flush()
    return payment


def stored(uow: FakeUnitOfWork, payment_id: int) -> Payment:
    # The fake unit of work restores deep copies on rollback: always re-read.
    payment = uow.payments.get(payment_id)
    assert payment is not None
    return payment


def sent_for(notifier: FakeNotifier, conf: str) -> list[Notification]:
    return [n for n in notifier.sent if conf in n.body]


@pytest.fixture
def service(uow, clock, notifier) -> ReminderService:
    return ReminderService(lambda: uow, clock, notifier, days_before=3)


def test_due_window_is_today_through_days_before(service, uow, account, notifier):
    past = add_payment(uow, account.id, TODAY - timedelta(days=1))
    today = add_payment(uow, account.id, TODAY)
    last = add_payment(uow, account.id, TODAY + timedelta(days=3))
    beyond = add_payment(uow, account.id, TODAY + timedelta(days=4))

    run = service.send_due_reminders()

    assert run == ReminderRun(sent=2, skipped=0, failed=0)
    assert sent_for(notifier, today.confirmation_number)
    assert sent_for(notifier, last.confirmation_number)
    assert not sent_for(notifier, past.confirmation_number)  # the runner's business
    assert not sent_for(notifier, beyond.confirmation_number)
    assert stored(uow, today.id).reminder_sent_at is not None
    assert stored(uow, last.id).reminder_sent_at is not None
    assert stored(uow, past.id).reminder_sent_at is None
    assert stored(uow, beyond.id).reminder_sent_at is None


def test_the_day_after_the_window_gets_its_reminder_tomorrow(service, uow, account, clock,
                                                             notifier):
    beyond = add_payment(uow, account.id, TODAY + timedelta(days=4))
    assert service.send_due_reminders().sent == 0
    clock.advance(days=1)
    assert service.send_due_reminders().sent == 1
    assert len(sent_for(notifier, beyond.confirmation_number)) == 2


def test_days_before_zero_reminds_only_today(uow, clock, notifier, account):
    today = add_payment(uow, account.id, TODAY)
    add_payment(uow, account.id, TODAY + timedelta(days=1))
    run = ReminderService(lambda: uow, clock, notifier, days_before=0).send_due_reminders()
    assert run.sent == 1
    assert len(notifier.sent) == 2
    assert all(today.confirmation_number in n.body for n in notifier.sent)


def test_today_is_the_city_date(uow, notifier, account):
    # 23:30 in Chicago is already the 23rd in UTC; the payment of the 22nd is still today.
    late = FakeClock(datetime(2026, 11, 22, 23, 30, tzinfo=CHICAGO))
    assert late.now().astimezone(UTC).date() == TODAY + timedelta(days=1)
    payment = add_payment(uow, account.id, TODAY)
    assert ReminderService(lambda: uow, late, notifier).send_due_reminders().sent == 1
    assert sent_for(notifier, payment.confirmation_number)


def test_english_reminder_by_sms_and_email(service, uow, account, notifier):
    payment = add_payment(uow, account.id, date(2026, 11, 25), conf="K7MW-3QTX")

    service.send_due_reminders()

    body = ("City of Riverton: Reminder: payment K7MW-3QTX of $40.00 from checking account "
            "ending 6789 is scheduled for 11/25/2026. To cancel it, call 311 before it is "
            "processed.")
    assert [(n.channel, n.to) for n in notifier.sent] == [("sms", "+13125550101"),
                                                          ("email", "ana@example.com")]
    for n in notifier.sent:
        assert n.body == body
        assert n.subject == "City of Riverton: payment reminder K7MW-3QTX"
        assert n.kind == "payment.reminder"
        assert n.account_id == account.id
    assert stored(uow, payment.id).status == PaymentStatus.SCHEDULED  # only reminded


def test_spanish_reminder_for_a_spanish_speaker(uow, clock, notifier):
    account = make_utility_account(language="es")
    uow.accounts.add(account)
    add_payment(uow, account.id, date(2026, 11, 25), conf="K7MW-3QTX")

    ReminderService(lambda: uow, clock, notifier).send_due_reminders()

    assert len(notifier.sent) == 2
    for n in notifier.sent:
        assert n.body == ("City of Riverton: Recordatorio: el pago K7MW-3QTX de $40.00 con "
                          "checking account ending 6789 está programado para el 11/25/2026. "
                          "Para cancelarlo, llame al 311 antes de que se procese.")
        assert n.subject == "City of Riverton: recordatorio de pago K7MW-3QTX"


def test_card_reminder_states_the_fee(service, uow, account, notifier):
    add_payment(uow, account.id, TODAY + timedelta(days=1), kind=MethodKind.CARD)
    service.send_due_reminders()
    assert "of $40.00 (plus $1.25 fee) from VISA ending 4242" in notifier.sent[0].body


def test_city_name_from_settings_drops_the_leading_article(uow, clock, notifier, account):
    add_payment(uow, account.id, TODAY + timedelta(days=1))
    ReminderService(lambda: uow, clock, notifier,
                    city_name="the City of Lakeside").send_due_reminders()
    assert notifier.sent[0].body.startswith("City of Lakeside: Reminder:")


@pytest.mark.parametrize(("phone", "email", "expected"), [
    ("+13125550101", None, [("sms", "+13125550101")]),
    ("", "ana@example.com", [("email", "ana@example.com")]),
])
def test_sms_only_or_email_only(uow, clock, notifier, phone, email, expected):
    account = make_utility_account(phone=phone, email=email)
    uow.accounts.add(account)
    add_payment(uow, account.id, TODAY + timedelta(days=2))
    assert ReminderService(lambda: uow, clock, notifier).send_due_reminders().sent == 1
    assert [(n.channel, n.to) for n in notifier.sent] == expected


def test_only_the_first_phone_gets_the_text(uow, clock, notifier):
    account = make_utility_account(email=None)
    account.customer.phones.append(type(account.customer.phones[0])("+13125550199", "home"))
    uow.accounts.add(account)
    add_payment(uow, account.id, TODAY + timedelta(days=2))
    ReminderService(lambda: uow, clock, notifier).send_due_reminders()
    assert [n.to for n in notifier.sent] == ["+13125550101"]


def test_no_phone_and_no_email_is_skipped_and_left_for_later(uow, clock, notifier):
    account = make_utility_account(phone="", email=None)
    uow.accounts.add(account)
    payment = add_payment(uow, account.id, TODAY + timedelta(days=2))

    run = ReminderService(lambda: uow, clock, notifier).send_due_reminders()

    assert run == ReminderRun(sent=0, skipped=1, failed=0)
    assert notifier.sent == []
    assert stored(uow, payment.id).reminder_sent_at is None
    assert [e for e in uow.store.audit if e.action == "payment.reminder_sent"] == []


def test_one_reminder_per_payment_across_runs_and_it_is_audited(service, uow, account, clock,
                                                                notifier):
    payment = add_payment(uow, account.id, TODAY + timedelta(days=2))

    first = service.send_due_reminders()
    clock.advance(hours=1)
    second = service.send_due_reminders()

    assert (first.sent, second.sent, second.skipped) == (1, 0, 0)
    assert len(notifier.sent) == 2  # one SMS + one email, once
    assert stored(uow, payment.id).reminder_sent_at == datetime(2026, 11, 22, 10, 0,
                                                                tzinfo=CHICAGO)
    events = [e for e in uow.store.audit if e.action == "payment.reminder_sent"]
    assert len(events) == 1
    assert events[0].actor == "system:reminders"
    assert events[0].channel == Channel.SYSTEM
    assert events[0].subject == payment.confirmation_number
    assert events[0].account_id == account.id


@pytest.mark.parametrize("status", [PaymentStatus.CANCELLED, PaymentStatus.PENDING,
                                    PaymentStatus.APPROVED])
def test_payments_no_longer_scheduled_are_not_reminded(service, uow, account, notifier,
                                                       status):
    payment = add_payment(uow, account.id, TODAY + timedelta(days=1), status=status)
    assert service.send_due_reminders() == ReminderRun()
    assert notifier.sent == []
    assert stored(uow, payment.id).reminder_sent_at is None


def _change_after_listing(uow: FakeUnitOfWork, change):
    """A uow factory that applies `change` to the store after the run listed its candidates,
    as a resident, the runner or a second reminder process would meanwhile."""
    calls = count()

    def factory() -> FakeUnitOfWork:
        if next(calls) == 1:
            change()
        return uow
    return factory


@pytest.mark.parametrize("change", ["cancelled", "submitted", "reminded elsewhere"])
def test_state_is_checked_again_under_the_lock(uow, clock, notifier, account, change):
    payment = add_payment(uow, account.id, TODAY + timedelta(days=1))
    reminded_at = datetime(2026, 11, 22, 9, 59, tzinfo=CHICAGO)

    def apply() -> None:
        p = stored(uow, payment.id)
        if change == "cancelled":
            p.cancel(clock.now())
        elif change == "submitted":
            p.transition(PaymentStatus.PENDING, clock.now())
        else:
            p.reminder_sent_at = reminded_at

    service = ReminderService(_change_after_listing(uow, apply), clock, notifier)
    assert service.send_due_reminders() == ReminderRun(sent=0, skipped=1, failed=0)
    assert notifier.sent == []
    expected = reminded_at if change == "reminded elsewhere" else None
    assert stored(uow, payment.id).reminder_sent_at == expected
    assert [e for e in uow.store.audit if e.action == "payment.reminder_sent"] == []


def test_locks_account_then_payment_and_commits_before_sending(uow, clock, account):
    payment = add_payment(uow, account.id, TODAY + timedelta(days=1))
    events: list[tuple] = []
    get_account, get_payment = uow.accounts.get, uow.payments.get

    def account_get(account_id, *, for_update=False, skip_locked=False):
        events.append(("lock account" if for_update else "read account", account_id))
        return get_account(account_id, for_update=for_update, skip_locked=skip_locked)

    def payment_get(payment_id, *, for_update=False):
        events.append(("lock payment" if for_update else "read payment", payment_id))
        return get_payment(payment_id, for_update=for_update)

    uow.accounts.get = account_get  # type: ignore[method-assign]
    uow.payments.get = payment_get  # type: ignore[method-assign]

    class Spy(Notifier):
        def send(self, notification: Notification) -> None:
            # Sent only once the claim is committed: a crash cannot remind twice.
            events.append(("send", notification.channel, uow.commits,
                                    get_payment(payment.id).reminder_sent_at is not None))

    commits_before = uow.commits
    ReminderService(lambda: uow, clock, Spy()).send_due_reminders()

    assert events == [
        ("lock account", account.id), ("lock payment", payment.id),
        ("send", "sms", commits_before + 1, True), ("send", "email", commits_before + 1, True),
    ]


class _FailingNotifier(FakeNotifier):
    def __init__(self, failing_channel: str) -> None:
        super().__init__()
        self.failing_channel = failing_channel
        self.attempts: list[str] = []

    def send(self, notification: Notification) -> None:
        self.attempts.append(notification.channel)
        if notification.channel == self.failing_channel:
            raise ConnectionError("gateway down")
        super().send(notification)


def test_a_failed_send_is_logged_not_retried(uow, clock, account, caplog):
    payment = add_payment(uow, account.id, TODAY + timedelta(days=1))
    notifier = _FailingNotifier("sms")
    service = ReminderService(lambda: uow, clock, notifier)

    first = service.send_due_reminders()
    second = service.send_due_reminders()

    assert first == ReminderRun(sent=0, skipped=0, failed=1)
    assert second == ReminderRun()
    assert notifier.attempts == ["sms", "email"]  # the email still went, once
    assert [n.channel for n in notifier.sent] == ["email"]
    assert stored(uow, payment.id).reminder_sent_at is not None
    assert "could not be sent" in caplog.text
    assert "Reminder:" not in caplog.text  # never the body in a log


class _ConflictOnce(FakeUnitOfWork):
    """Loses the first commit of a claim to a concurrent transaction."""

    def __init__(self) -> None:
        super().__init__()
        self.conflicts = 1

    def commit(self) -> None:
        if self.conflicts:
            self.conflicts -= 1
            raise ConcurrencyConflict("stale version")
        super().commit()


def test_a_lost_race_is_retried_and_reminds_once(clock, notifier):
    uow = _ConflictOnce()
    account = make_utility_account()
    uow.accounts.add(account)
    payment = add_payment(uow, account.id, TODAY + timedelta(days=1))

    run = ReminderService(lambda: uow, clock, notifier).send_due_reminders()

    assert run == ReminderRun(sent=1)
    assert uow.conflicts == 0
    assert len(notifier.sent) == 2
    assert len([e for e in uow.store.audit if e.action == "payment.reminder_sent"]) == 1
    assert stored(uow, payment.id).reminder_sent_at is not None


def test_limit_caps_one_run(service, uow, account, notifier):
    for days in (1, 2, 3):
        add_payment(uow, account.id, TODAY + timedelta(days=days))
    assert service.send_due_reminders(limit=2).sent == 2
    assert service.send_due_reminders(limit=2).sent == 1


@pytest.mark.parametrize("days_before", [-1, True, 1.5, "3"])
def test_days_before_must_be_a_whole_number_of_days(uow, clock, notifier, days_before):
    with pytest.raises(ValueError):
        ReminderService(lambda: uow, clock, notifier, days_before=days_before)


@pytest.mark.parametrize("limit", [0, -5, True, 1.0])
def test_limit_must_be_positive(service, limit):
    with pytest.raises(ValueError):
        service.send_due_reminders(limit=limit)


def test_overdue_scheduled_payments_do_not_crowd_out_due_ones(uow, clock, notifier, account):
    # The runner was down: many scheduled payments are past their date. They belong to the
    # runner, and must not use up the run's limit before the due ones are reached.
    for days_ago in range(1, 6):
        add_payment(uow, account.id, TODAY - timedelta(days=days_ago))
    due = add_payment(uow, account.id, TODAY + timedelta(days=1))
    run = ReminderService(lambda: uow, clock, notifier, days_before=3).send_due_reminders(limit=2)
    assert run.sent == 1
    assert sent_for(notifier, due.confirmation_number)
