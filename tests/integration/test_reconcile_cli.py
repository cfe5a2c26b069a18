"""`payline reconcile` and `payline report daily` on SQLite and PostgreSQL, against the
sandbox processor: a clean day exits 0, a charge made behind the ledger's back (straight at
the processor) exits 1 naming it, refunds and disputes are compared too, and the daily report's
CSV ties out. Never a card digit."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner, Result

from domain.adapters.unit_of_work import SqlAlchemyUnitOfWork
from domain.config import Settings
from domain.model import (
    Account,
    AccountKind,
    AchFile,
    Actor,
    Agent,
    AgentRole,
    Bill,
    Channel,
    Customer,
    Dispute,
    DisputeStatus,
    MethodKind,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from domain.money import Money
from domain.ports import CardDetails
from domain.services.payments import MethodChoice, PaymentRequest
from ivr.bootstrap import Container, build_container
from ivr.cli.main import main
from ivr.logging_setup import configure_logging
from sandbox.processor import SandboxProcessor

CARD = "4242424242424242"
FEE = Money.of("1.25")


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return {"PAYLINE_DATABASE_URL": database_url, "PAYLINE_TIMEZONE": "America/Chicago"}


@pytest.fixture
def container(env: dict[str, str]) -> Iterator[Container]:
    built = build_container(Settings.from_env(env))
    yield built
    built.dispose()


@pytest.fixture
def account_id(container: Container) -> int:
    today = container.clock.today()
    with container.uow() as uow:
        account = Account(
            account_number="0012345678", kind=AccountKind.UTILITY,
            customer=Customer(customer_number="C1", name="Ana Rivera"),
            service_street_number="412",
            bills=[Bill("W-1", "WATER/SEWER", today - timedelta(days=5),
                        today + timedelta(days=20), Money.of("500.00"), Money.of("500.00"))])
        uow.accounts.add(account)
        uow.commit()
        assert account.id is not None
        return account.id


def payline(env: dict[str, str], *args: str) -> Result:
    configure_logging()  # the log handler on the real stderr, not on CliRunner's stream
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def processor(container: Container) -> SandboxProcessor:
    assert isinstance(container.gateway, SandboxProcessor)
    return container.gateway


def pay(container: Container, account_id: int, amount: str = "25.00",
        key: str = "chat-1") -> Payment:
    service = container.payment_service()
    card = container.gateway.tokenize_card(CardDetails(CARD, 12, 2030, "123"))
    method = service.save_method(account_id, card, "visa", Actor.system("test"))
    payment = service.pay_now(PaymentRequest(
        account_id, Money.of(amount), MethodChoice.saved(method.id),  # type: ignore[arg-type]
        Actor.resident(Channel.CHAT, key), key, accepted_fee=FEE)).payment
    assert payment.status == PaymentStatus.APPROVED
    return payment


def record(container: Container, *objects: object) -> None:
    with container.uow() as uow:
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        uow.session.add_all(objects)
        uow.commit()


def no_digits(*texts: str) -> None:
    for text in texts:
        assert CARD not in text and "4242" not in text


# --- payline reconcile ------------------------------------------------------------------


def test_a_clean_day_exits_zero(env: dict[str, str], container: Container,
                                account_id: int) -> None:
    payment = pay(container, account_id)
    result = payline(env, "reconcile", "--date", container.clock.today().isoformat())
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"Reconciliation of {container.clock.today().isoformat()} (America/Chicago" in out
    assert "Clean: every charge, refund and dispute of the day matches the ledger." in out
    (charges,) = [line for line in out.splitlines() if "Charges (approved)" in line]
    assert charges.count(payment.total.format()) == 2 and charges.endswith("$0.00")
    assert "Charges tie out: difference $0.00" in out
    no_digits(result.output)


def test_a_charge_behind_the_ledgers_back_exits_one_naming_it(
        env: dict[str, str], container: Container, account_id: int,
        caplog: pytest.LogCaptureFixture) -> None:
    pay(container, account_id)
    sandbox = processor(container)
    token = sandbox.tokenize_card(CardDetails(CARD, 12, 2030, "123")).token
    behind = sandbox.charge(token, Money.of("147.82"), "payline-MADE-UP99")
    assert behind.approved and behind.reference
    with caplog.at_level(logging.ERROR, logger="domain.services.reconciliation"):
        result = payline(env, "reconcile", "--date", container.clock.today().isoformat())
    assert result.exit_code == 1
    out = result.stdout
    assert "1 mismatch(es):" in out
    (line,) = [x for x in out.splitlines() if behind.reference in x]
    assert line.strip().startswith("charge the ledger lacks:")
    assert "$147.82" in line and "MADE-UP99" in line
    assert "no payment in the ledger has this Payline reference" in line
    assert "Charges tie out: difference $147.82 = mismatches $147.82 + timing $0.00." in out
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and behind.reference in errors[0]
    no_digits(result.output, *errors)


def test_refunds_and_disputes_are_compared_with_the_ledger(env: dict[str, str],
                                                           container: Container,
                                                           account_id: int) -> None:
    sandbox = processor(container)
    first = pay(container, account_id, "40.00", "chat-1")
    second = pay(container, account_id, "60.00", "chat-2")
    assert first.processor_reference and second.processor_reference and first.id
    now = container.clock.now()
    applied = sandbox.refund(first.processor_reference, Money.of("10.00"), "refund-1")
    record(container, Refund(first.id, Money.of("10.00"), "billed twice", "m.chen", now,
                             "refund-1", RefundStatus.SUCCEEDED, applied.reference, now))
    opened = sandbox.open_dispute(second.processor_reference)
    record(container, Dispute(opened.reference, second.id, second.total,  # type: ignore[arg-type]
                              "fraudulent", DisputeStatus.OPEN, now))
    day = container.clock.today().isoformat()
    assert payline(env, "reconcile", "--date", day).exit_code == 0

    unapplied = sandbox.refund(second.processor_reference, Money.of("5.00"), "behind")
    sandbox.close_dispute(opened.reference, won=False)
    result = payline(env, "reconcile", "--date", day)
    assert result.exit_code == 1
    out = result.stdout
    assert "2 mismatch(es):" in out
    assert any(line.strip().startswith("refund not applied in the ledger:")
               and unapplied.reference in line and "$5.00" in line  # type: ignore[operator]
               for line in out.splitlines())
    assert "the processor has the dispute as lost, the ledger as open" in out
    assert "Refunds tie out: difference $5.00 = mismatches $5.00" in out


def test_the_default_day_is_yesterday_and_bad_dates_get_one_line(env: dict[str, str],
                                                                 container: Container) -> None:
    yesterday = container.clock.today() - timedelta(days=1)
    result = payline(env, "reconcile")
    assert result.exit_code == 0
    assert f"Reconciliation of {yesterday.isoformat()}" in result.stdout
    for bad in ("yesterday", "2026-02-30", "22/11/2026", ""):
        refused = payline(env, "reconcile", "--date", bad)
        assert refused.exit_code == 1
        assert "Error: --date must be a date such as" in refused.output
        assert "Traceback" not in refused.output
    future = payline(env, "reconcile", "--date",
                     (container.clock.today() + timedelta(days=1)).isoformat())
    assert future.exit_code == 1 and "is in the future" in future.output


# --- payline report daily ---------------------------------------------------------------


def test_the_daily_report_csv_ties_out(env: dict[str, str], container: Container,
                                       account_id: int) -> None:
    day = container.clock.today() - timedelta(days=1)
    noon = datetime.combine(day, time(12), tzinfo=container.clock.tz)

    def payment(n: int, amount: str, fee: str, kind: MethodKind, status: PaymentStatus,
                channel: Channel, **fields: object) -> Payment:
        when = {"created_at": noon - timedelta(hours=1), "submitted_at": noon,
                "completed_at": noon if status in (PaymentStatus.APPROVED,
                                                   PaymentStatus.REJECTED) else None}
        return Payment(**{  # type: ignore[arg-type]
            "confirmation_number": f"RPT{n:04d}", "account_id": account_id,
            "amount": Money.of(amount), "fee": Money.of(fee), "method_kind": kind,
            "method_label": "VISA ending 4242" if kind == MethodKind.CARD else "checking",
            "method_token": f"tok_{n}", "scheduled_for": day, "status": status,
            "channel": channel, "created_by": "resident:test", "idempotency_key": f"rpt-{n}",
            **when, **fields})

    card = payment(1, "100.00", "1.25", MethodKind.CARD, PaymentStatus.APPROVED, Channel.VOICE)
    card2 = payment(2, "50.00", "1.25", MethodKind.CARD, PaymentStatus.APPROVED, Channel.VOICE)
    bank = payment(3, "75.00", "0.00", MethodKind.BANK, PaymentStatus.PENDING, Channel.WEB)
    returned = payment(4, "30.00", "0.00", MethodKind.BANK, PaymentStatus.REJECTED,
                       Channel.SMS, return_code="R01", rejection_reason="NSF")
    declined = payment(5, "20.00", "1.25", MethodKind.CARD, PaymentStatus.REJECTED,
                       Channel.CHAT)
    elsewhere = payment(6, "999.00", "0.00", MethodKind.BANK, PaymentStatus.APPROVED,
                        Channel.WEB, created_at=noon - timedelta(days=3),
                        submitted_at=noon - timedelta(days=3),
                        completed_at=noon - timedelta(days=2))
    record(container, card, card2, bank, returned, declined, elsewhere)
    record(container,
           Refund(card.id, Money.of("10.00"), "billed twice", "m.chen", noon,  # type: ignore[arg-type]
                  "r-1", RefundStatus.SUCCEEDED, "SBR-1", noon),
           Dispute("SBD-1", card2.id, card2.total, "fraudulent",  # type: ignore[arg-type]
                   DisputeStatus.LOST, noon - timedelta(days=10), noon),
           AchFile("PAYLINE-1.ach", noon, day, "A", 3, Money.of("155.00"), 1))

    result = payline(env, "report", "daily", "--date", day.isoformat(), "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.stdout.splitlines()[0] == \
        "section,channel,method,status,count,amount,fees,total,entries"
    by_section: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_section.setdefault(row["section"], []).append(row)
    payments = by_section["payments"]
    assert [(r["channel"], r["method"], r["status"], r["count"], r["amount"], r["fees"])
            for r in payments] == [
        ("voice", "card", "approved", "2", "150.00", "2.50"),
        ("sms", "bank", "rejected", "1", "30.00", "0.00"),
        ("chat", "card", "rejected", "1", "20.00", "1.25"),
        ("web", "bank", "pending", "1", "75.00", "0.00")]
    (total,) = by_section["payments_total"]
    for column in ("count", "amount", "fees", "total"):
        assert Decimal(total[column]) == sum(Decimal(r[column]) for r in payments)
    (money_in,) = by_section["money_in"]
    assert (money_in["amount"], money_in["fees"], money_in["total"]) == (
        "150.00", "2.50", "152.50")
    assert by_section["refunds"] == [{**by_section["refunds"][0], "status": "succeeded",
                                      "count": "1", "amount": "10.00"}]
    (lost,) = by_section["disputes_closed"]
    assert (lost["status"], lost["amount"]) == ("lost", "51.25")
    (opened,) = by_section["disputes_opened"]
    assert opened["count"] == "0"  # opened ten days before
    (files,) = by_section["ach_files"]
    assert (files["count"], files["amount"], files["entries"]) == ("1", "155.00", "3")
    (nsf,) = by_section["ach_returns"]
    assert (nsf["status"], nsf["count"], nsf["amount"]) == ("R01", "1", "30.00")
    (net,) = by_section["net"]
    assert net["amount"] == "91.25" == str(Decimal("152.50") - Decimal("10.00")
                                           - Decimal("51.25"))
    assert rows[-1]["section"] == "net"

    text = payline(env, "report", "daily", "--date", day.isoformat())
    assert text.exit_code == 0
    assert ("Net: money in $152.50 - refunds $10.00 - disputes lost $51.25 = $91.25"
            in text.stdout)
    no_digits(result.output, text.output)


def test_the_daily_report_refuses_a_bad_date_and_format(env: dict[str, str]) -> None:
    bad = payline(env, "report", "daily", "--date", "soon")
    assert bad.exit_code == 1 and "--date must be a date" in bad.output
    fmt = payline(env, "report", "daily", "--format", "xlsx")
    assert fmt.exit_code != 0 and "Traceback" not in fmt.output


def test_refunds_and_disputes_through_the_services_leave_a_clean_day(
        env: dict[str, str], container: Container, account_id: int) -> None:
    """What the refund and dispute services record is what the reconciliation expects."""
    now = container.clock.now()
    container.stores.agents.add(Agent(username="m.chen", display_name="Marcus Chen",
                                      role=AgentRole.SUPERVISOR, password_hash="unused",
                                      created_at=now, password_changed_at=now))
    payment = pay(container, account_id, "80.00")
    assert payment.processor_reference and payment.id
    refunded = container.refund_service().refund(payment.id, Money.of("30.00"),
                                                 "billed twice", Actor.agent("m.chen"), "r-1")
    assert refunded.refund.status == RefundStatus.SUCCEEDED
    sandbox = processor(container)
    bank = sandbox.open_dispute(payment.processor_reference)
    container.dispute_service().opened(bank.reference, payment.processor_reference,
                                       bank.amount, bank.reason)
    day = container.clock.today().isoformat()
    clean = payline(env, "reconcile", "--date", day)
    assert clean.exit_code == 0, clean.output
    assert "Refunds tie out: difference $0.00" in clean.stdout

    sandbox.close_dispute(bank.reference, won=False)  # the bank decided; Payline not told yet
    behind = payline(env, "reconcile", "--date", day)
    assert behind.exit_code == 1
    assert "the processor has the dispute as lost, the ledger as open" in behind.stdout
    container.dispute_service().closed(bank.reference, won=False)
    assert payline(env, "reconcile", "--date", day).exit_code == 0

    report = payline(env, "report", "daily", "--date", day, "--format", "csv")
    rows = {r["section"]: r for r in csv.DictReader(io.StringIO(report.stdout))}
    assert rows["refunds"]["amount"] == "30.00"
    assert rows["disputes_opened"]["amount"] == rows["disputes_closed"]["amount"] == "81.25"
    assert rows["net"]["amount"] == "-30.00"  # 81.25 in, 30.00 back, 81.25 lost
