"""Reminders on SQLite and PostgreSQL with the real outbox: persisted claims and audit, the due
window, Spanish texts, two processes at once (each payment reminded exactly once), and the
`reminders` command."""

from __future__ import annotations

import re
import socket
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, select

from domain.adapters.clock import FixedClock, SystemClock
from domain.adapters.orm import audit_events_table
from domain.adapters.outbox import OutboxNotifier, list_messages
from domain.model import Account, MethodKind, PaymentStatus
from domain.money import Money
from domain.services.reminders import ReminderRun, ReminderService
from ivr.cli.notifications import commands
from tests.integration.conftest import CITY_TZ, POSTGRES, Builders

_CONF = re.compile(r"\b[A-Z0-9]{4}-?[A-Z0-9]{4}\b")


def _setup(uow_factory: Callable[[], Any], build: Builders, *, language: str = "en",
           phone: str | None = "+13125550101", email: str | None = "ana@example.com",
           offsets: tuple[int, ...] = (1,), status: PaymentStatus = PaymentStatus.SCHEDULED,
           accounts: int = 1) -> list[tuple[int, str]]:
    """Accounts with one scheduled payment per offset (days from build.today); returns
    (payment id, confirmation number) pairs."""
    created = []
    with uow_factory() as uow:
        for n in range(accounts):
            customer = build.customer(language=language, email=email,
                                      phones=[build.phone(phone)] if phone else [])
            account: Account = build.account(customer)
            uow.accounts.add(account)
            uow.flush()
            for offset in offsets:
                payment = build.payment(
                    account.id, status=status, confirmation_number=f"K7MW-{n:02d}{offset + 10:02d}",
                    scheduled_for=build.today + timedelta(days=offset), amount=Money.of("40.00"),
                    method_kind=MethodKind.BANK, method_label="checking account ending 6789",
                    method_token="tok_bank_6789")
                uow.payments.add(payment)
                created.append(payment)
        uow.commit()
    return [(p.id, p.confirmation_number) for p in created]


def _reminders_by_conf(engine: Engine) -> Counter[tuple[str, str]]:
    """(confirmation number, channel) -> how many reminders the outbox holds."""
    counts: Counter[tuple[str, str]] = Counter()
    for m in list_messages(engine, limit=1000):
        if m.kind == "payment.reminder":
            found = _CONF.search(m.body)
            assert found is not None, m.body
            counts[(found.group(0), m.channel)] += 1
    return counts


def _audit_by_conf(engine: Engine) -> Counter[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(audit_events_table.c.subject, audit_events_table.c.actor)
                            .where(audit_events_table.c.action == "payment.reminder_sent"))
        return Counter(subject for subject, actor in rows if actor == "system:reminders")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2024, 11, 22, 10, 0, tzinfo=CITY_TZ))  # Builders.today


@pytest.fixture
def service(uow_factory, clock, engine) -> ReminderService:
    return ReminderService(uow_factory, clock, OutboxNotifier(engine, clock), days_before=3)


def test_reminds_due_payments_once_and_records_it(service, uow_factory, build, engine, clock):
    payments = _setup(uow_factory, build, offsets=(-1, 0, 3, 4))
    (past_id, _), (today_id, today), (last_id, last), (beyond_id, _) = payments

    first = service.send_due_reminders()
    second = service.send_due_reminders()

    assert first == ReminderRun(sent=2) and second == ReminderRun()
    assert _reminders_by_conf(engine) == Counter({(today, "sms"): 1, (today, "email"): 1,
                                                  (last, "sms"): 1, (last, "email"): 1})
    assert _audit_by_conf(engine) == Counter({today: 1, last: 1})
    with uow_factory() as uow:
        for payment_id in (past_id, beyond_id):
            assert uow.payments.get(payment_id).reminder_sent_at is None
        for payment_id in (today_id, last_id):
            reminded = uow.payments.get(payment_id)
            assert reminded.reminder_sent_at == clock.now()
            assert reminded.status == PaymentStatus.SCHEDULED


def test_spanish_reminder_round_trips_through_the_outbox(service, uow_factory, build, engine):
    [(_, conf)] = _setup(uow_factory, build, language="es", offsets=(2,))
    service.send_due_reminders()
    bodies = {m.channel: m.body for m in list_messages(engine)}
    assert set(bodies) == {"sms", "email"}
    assert bodies["sms"] == bodies["email"] == (
        f"City of Riverton: Recordatorio: el pago {conf} de $40.00 con checking account ending "
        "6789 está programado para el 11/24/2024. Para cancelarlo, llame al 311 antes de que "
        "se procese.")
    assert {m.subject for m in list_messages(engine)} == {
        f"City of Riverton: recordatorio de pago {conf}"}


@pytest.mark.parametrize("status", [PaymentStatus.CANCELLED, PaymentStatus.PENDING])
def test_cancelled_or_submitted_payments_are_not_reminded(service, uow_factory, build, engine,
                                                           status):
    _setup(uow_factory, build, offsets=(1,), status=status)
    assert service.send_due_reminders() == ReminderRun()
    assert list_messages(engine) == []


def test_payment_cancelled_after_listing_is_skipped_under_the_lock(uow_factory, build, engine,
                                                                   clock):
    [(payment_id, _)] = _setup(uow_factory, build, offsets=(1,))
    calls = []

    def factory():
        calls.append(1)
        if len(calls) == 2:  # between the listing and the claim, the resident cancels
            with uow_factory() as uow:
                uow.payments.get(payment_id, for_update=True).cancel(clock.now())
                uow.commit()
        return uow_factory()

    run = ReminderService(factory, clock, OutboxNotifier(engine, clock)).send_due_reminders()
    assert run == ReminderRun(skipped=1)
    assert list_messages(engine) == []
    assert _audit_by_conf(engine) == Counter()


@pytest.mark.parametrize("database_url", [POSTGRES], indirect=True)
def test_two_processes_at_once_remind_each_payment_exactly_once(uow_factory, build, engine,
                                                                clock):
    payments = _setup(uow_factory, build, offsets=(0, 1, 2, 3), accounts=8)
    barrier = threading.Barrier(2)
    runs: list[ReminderRun | BaseException] = [ReminderRun(), ReminderRun()]

    def run(i: int) -> None:
        # Each "process" has its own service and notifier; they share only the database.
        service = ReminderService(uow_factory, clock, OutboxNotifier(engine, clock))
        barrier.wait(timeout=30)
        try:
            runs[i] = service.send_due_reminders()
        except BaseException as exc:  # surfaced by the assertions below
            runs[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a runner hung (deadlock?)"
    assert all(isinstance(r, ReminderRun) for r in runs), runs
    assert sum(r.sent for r in runs) == len(payments)  # type: ignore[union-attr]
    assert sum(r.failed for r in runs) == 0  # type: ignore[union-attr]
    expected = Counter({(conf, channel): 1 for _, conf in payments for channel in
                        ("sms", "email")})
    assert _reminders_by_conf(engine) == expected
    assert _audit_by_conf(engine) == Counter({conf: 1 for _, conf in payments})


def test_concurrent_runs_never_remind_twice_on_either_database(uow_factory, build, engine,
                                                                clock):
    # SQLite has no row locks: a loser of a race retries or leaves the payment to the next
    # run, but never sends a second reminder.
    payments = _setup(uow_factory, build, offsets=(1, 2), accounts=5)
    barrier = threading.Barrier(3)

    def run() -> None:
        service = ReminderService(uow_factory, clock, OutboxNotifier(engine, clock))
        barrier.wait(timeout=30)
        service.send_due_reminders()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert max(_reminders_by_conf(engine).values()) == 1
    ReminderService(uow_factory, clock, OutboxNotifier(engine, clock)).send_due_reminders()
    assert _reminders_by_conf(engine) == Counter(
        {(conf, channel): 1 for _, conf in payments for channel in ("sms", "email")})


# --- the `reminders` command ------------------------------------------------------------------


def _cli() -> click.Group:
    group = click.Group("payline")
    for command in commands:
        group.add_command(command)
    return group


def _invoke(database_url: str, *args: str, **env: str) -> Result:
    return CliRunner().invoke(_cli(), ["reminders", *args],
                              env={"PAYLINE_DATABASE_URL": database_url,
                                   "PAYLINE_TIMEZONE": "America/Chicago",
                                   "PAYLINE_SMTP_HOST": "", **env},
                              catch_exceptions=False)


def _schedule_from_real_today(uow_factory, build: Builders, offsets: tuple[int, ...]) -> None:
    # The command uses the wall clock: date the payments from the city's real today.
    build.today = SystemClock(CITY_TZ).today()
    _setup(uow_factory, build, offsets=offsets)


def test_reminders_command_sends_and_summarizes(database_url, uow_factory, build, engine):
    _schedule_from_real_today(uow_factory, build, offsets=(1, 30))

    first = _invoke(database_url)
    second = _invoke(database_url)

    assert first.exit_code == 0, first.output
    assert first.stdout == "Reminders: 1 sent, 0 failed to send, 0 skipped.\n"
    assert second.stdout == "Reminders: 0 sent, 0 failed to send, 0 skipped.\n"
    assert sorted(m.channel for m in list_messages(engine)) == ["email", "sms"]


def test_reminders_command_reports_a_failed_email_and_does_not_retry(database_url, uow_factory,
                                                                    build, engine):
    _schedule_from_real_today(uow_factory, build, offsets=(1,))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]

    first = _invoke(database_url, PAYLINE_SMTP_HOST="127.0.0.1",
                    PAYLINE_SMTP_PORT=str(closed_port))
    second = _invoke(database_url)

    assert first.exit_code == 0, first.output
    assert first.stdout == "Reminders: 0 sent, 1 failed to send, 0 skipped.\n"
    assert "not retried" in first.stderr
    assert [m.channel for m in list_messages(engine)] == ["sms"]  # the SMS still went
    assert second.stdout == "Reminders: 0 sent, 0 failed to send, 0 skipped.\n"


def test_reminders_command_rejects_a_bad_setting(database_url):
    result = _invoke(database_url, PAYLINE_REMINDER_DAYS="-1")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: days_before must be")


def test_reminders_command_limit(database_url, uow_factory, build):
    _schedule_from_real_today(uow_factory, build, offsets=(1, 2))
    assert _invoke(database_url, "--limit", "1").stdout.startswith("Reminders: 1 sent")
    assert _invoke(database_url, "--limit", "0").exit_code == 2
