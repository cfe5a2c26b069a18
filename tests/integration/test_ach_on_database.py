"""Bank debits end to end on SQLite and PostgreSQL: export a NACHA file, the sandbox bank
returns two of them, the returns are applied, the rest clear, and a late R10 reverses."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from domain.ach.nacha import parse_file
from domain.adapters.clock import FixedClock
from domain.adapters.outbox import OutboxNotifier, list_messages
from domain.config import AchSettings
from domain.errors import InvalidInput
from domain.model import Actor, BankAccountType, Channel, PaymentStatus
from domain.money import Money
from domain.ports import BankDetails
from domain.services.ach import AchService, originator_from
from domain.services.balance import BalanceService
from domain.services.payment_notices import PaymentNotices
from domain.services.payments import MethodChoice, PaymentRequest, PaymentService
from domain.services.processing import ScheduledPaymentRunner
from sandbox.bank import simulate_returns
from sandbox.processor import SandboxProcessor
from tests.integration.conftest import CITY_TZ


@pytest.fixture
def bank_world(engine, uow_factory, build, tmp_path):
    clock = FixedClock(datetime(2026, 11, 20, 10, 0, tzinfo=CITY_TZ))  # a Friday
    processor = SandboxProcessor(engine)
    payments = PaymentService(uow_factory, clock, processor,
                              PaymentNotices(OutboxNotifier(engine)))
    settings = AchSettings(output_dir=tmp_path / "ach")
    ach = AchService(uow_factory, clock, payments, vault=processor, settings=settings)
    account = build.account(build.customer(name="Lucía Núñez", phones=[
        build.phone("+13125550101")]), bills=[build.bill(
            due_date=date(2026, 12, 10), total=Money.of("200"), unpaid=Money.of("200"))])
    with uow_factory() as uow:
        uow.accounts.add(account)
        uow.commit()
    methods = {}
    for name, number in (("good", "000123456789"), ("broke", "000111111116"),
                         ("closed", "000222222226")):
        token = processor.tokenize_bank(BankDetails("021000021", number,
                                                    BankAccountType.CHECKING))
        methods[name] = payments.save_method(account.id, token, name, Actor.system("t")).id
    return {"clock": clock, "payments": payments, "ach": ach, "account_id": account.id,
            "methods": methods, "engine": engine, "settings": settings,
            "runner": ScheduledPaymentRunner(uow_factory, clock, payments, ach),
            "balance": BalanceService(uow_factory, clock)}


def _pay(world, method: str, amount: str, channel: Channel, key: str):
    return world["payments"].pay_now(PaymentRequest(
        world["account_id"], Money.of(amount), MethodChoice.saved(world["methods"][method]),
        Actor.resident(channel, key), key)).payment


def test_export_returns_clearing_and_a_late_unauthorized_return(bank_world):
    w = bank_world
    good = _pay(w, "good", "50.00", Channel.VOICE, "CA1")
    broke = _pay(w, "broke", "20.00", Channel.CHAT, "chat-1")
    closed = _pay(w, "closed", "30.00", Channel.SMS, "sms-1")
    assert {p.status for p in (good, broke, closed)} == {PaymentStatus.PENDING}
    later = w["payments"].schedule(PaymentRequest(
        w["account_id"], Money.of("25.00"), MethodChoice.saved(w["methods"]["closed"]),
        Actor.resident(Channel.CHAT), "sched-closed",
        scheduled_for=date(2026, 12, 1))).payment

    exported = w["ach"].export()
    assert exported is not None and exported.path.exists()
    assert oct(exported.path.stat().st_mode & 0o777) == "0o600"
    parsed = parse_file(exported.path.read_text())
    sec_codes = {b.header.sec_code: len(b.entries) for b in parsed.batches}
    assert sec_codes == {"TEL": 1, "WEB": 2}  # phone-authorized vs web/chat/SMS
    entries = {e.individual_id.strip(): e for e in parsed.entries}
    assert entries[good.confirmation_number].account_number.strip() == "000123456789"
    assert entries[good.confirmation_number].amount == Money.of("50.00")
    assert entries[good.confirmation_number].individual_name.strip() == "LUCIA NUNEZ"
    assert parsed.header.file_creation_date == date(2026, 11, 20)
    assert parsed.batches[0].header.effective_entry_date == date(2026, 11, 23)  # Monday
    assert w["ach"].export() is None  # nothing left to send

    returns_text, count = simulate_returns(exported.path.read_text(),
                                           originator_from(w["settings"]),
                                           today=w["clock"].today(), now=w["clock"].now())
    assert count == 2
    report = w["ach"].import_returns(returns_text)
    assert (report.returned, report.methods_disabled, report.scheduled_cancelled) == (2, 1, 1)
    assert not report.errors
    payments = w["payments"]
    assert payments.find(w["account_id"], broke.confirmation_number).return_code == "R01"
    assert payments.find(w["account_id"], closed.confirmation_number).return_code == "R02"
    assert payments.find(w["account_id"], later.confirmation_number).status == "cancelled"
    saved = {m.id for m in payments.saved_methods(w["account_id"])}
    assert w["methods"]["closed"] not in saved and w["methods"]["broke"] in saved
    assert w["ach"].import_returns(returns_text).duplicates == 2  # idempotent

    # The good debit clears two days after its effective date, not before.
    w["clock"].set(datetime(2026, 11, 24, 9, 0, tzinfo=CITY_TZ))
    assert w["runner"].run().cleared == 0
    w["clock"].set(datetime(2026, 11, 25, 9, 0, tzinfo=CITY_TZ))
    assert w["runner"].run().cleared == 1
    assert payments.find(w["account_id"], good.confirmation_number).status == "approved"
    assert w["balance"].summary(w["account_id"]).total_due == Money.of("150.00")

    # Weeks later the resident tells their bank the debit was unauthorized (R10, CSV form).
    trace = payments.find(w["account_id"], good.confirmation_number).ach_trace_number
    late = w["ach"].import_returns(f"trace_number,return_code,amount\n{trace},R10,50.00\n")
    assert (late.returned, late.reversed_after_clearing) == (1, 1)
    reversed_payment = payments.find(w["account_id"], good.confirmation_number)
    assert (reversed_payment.status, reversed_payment.return_code) == ("rejected", "R10")
    assert w["balance"].summary(w["account_id"]).total_due == Money.of("200.00")

    texts = [m.body for m in list_messages(w["engine"], recipient="+13125550101")]
    assert sum("was not approved" in t for t in texts) == 3
    assert any("cancelled" in t for t in texts)


def test_unknown_trace_numbers_are_reported_not_guessed(bank_world):
    report = bank_world["ach"].import_returns(
        "trace_number,return_code,amount\n021000020000099,R01,5.00\n")
    assert report.returned == 0 and len(report.errors) == 1


def test_a_vault_it_cannot_read_writes_no_file_and_sends_nothing(bank_world, engine,
                                                                 uow_factory):
    w = bank_world
    payment = _pay(w, "good", "10.00", Channel.CHAT, "c-ok")
    wrong_key = AchService(uow_factory, w["clock"], w["payments"],
                           vault=SandboxProcessor(engine, vault_key="A" * 43 + "="),
                           settings=w["settings"])
    with pytest.raises(InvalidInput) as error:
        wrong_key.export()
    assert payment.confirmation_number in str(error.value)
    assert "000123456789" not in str(error.value)  # never echo the account number
    assert not (w["settings"].output_dir).exists() or not any(w["settings"].output_dir.iterdir())
    assert w["payments"].find(w["account_id"], payment.confirmation_number).ach_file_id is None
    assert w["ach"].export() is not None  # with the right key it goes out


def test_weekend_effective_dates_roll_to_monday():
    from domain.services.ach import next_business_day
    assert next_business_day(date(2026, 11, 20)) == date(2026, 11, 23)  # Fri -> Mon
    assert next_business_day(date(2026, 11, 22)) == date(2026, 11, 23)  # Sun -> Mon
    assert next_business_day(date(2026, 11, 23)) == date(2026, 11, 24)
    assert next_business_day(date(2026, 11, 23)) - date(2026, 11, 23) == timedelta(days=1)
