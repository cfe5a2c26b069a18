"""The daily report on fakes: which payments count on a day (their latest status change in
the city's day), the breakdown adding up to the totals, money in and net, and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.model import (
    AchFile,
    Channel,
    Dispute,
    DisputeStatus,
    MethodKind,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from domain.money import Money
from domain.services.daily_report import CSV_COLUMNS, DailyReportService, csv_text, text_lines
from tests.finance_fakes import Books

CHICAGO = ZoneInfo("America/Chicago")
DAY = date(2026, 11, 22)
NOON = datetime(2026, 11, 22, 12, tzinfo=CHICAGO)


@pytest.fixture
def books() -> Books:
    return Books()


@pytest.fixture
def service(uow, books, clock) -> DailyReportService:
    return DailyReportService(lambda: uow, books.ledger_for(), clock)


def add_payment(uow, status: PaymentStatus, amount: str, *, fee: str = "0.00",
                kind: MethodKind = MethodKind.CARD, channel: Channel = Channel.VOICE,
                at: datetime = NOON, **fields: object) -> Payment:
    n = len(uow.store.payments) + 1
    times = {"created_at": at, "submitted_at": None, "completed_at": None,
             "cancelled_at": None}
    if status in (PaymentStatus.PENDING, PaymentStatus.APPROVED, PaymentStatus.REJECTED):
        times["submitted_at"] = at
    if status in (PaymentStatus.APPROVED, PaymentStatus.REJECTED):
        times["completed_at"] = at
    if status == PaymentStatus.CANCELLED:
        times["cancelled_at"] = at
    times.update(fields)  # type: ignore[arg-type]
    payment = Payment(confirmation_number=f"TEST-{n:04d}", account_id=1,
                      amount=Money.of(amount), fee=Money.of(fee), method_kind=kind,
                      method_label="label", method_token=f"tok_{n}", scheduled_for=DAY,
                      status=status, channel=channel, created_by="resident:test",
                      idempotency_key=f"key-{n}", **times)  # type: ignore[arg-type]
    uow.payments.add(payment)
    uow.flush()
    return payment


def test_each_payment_counts_on_the_day_of_its_latest_status_change(service, uow):
    yesterday = NOON - timedelta(days=1)
    add_payment(uow, PaymentStatus.APPROVED, "10.00", fee="1.25")  # counts
    # Made and submitted yesterday, approved today (an ACH debit clearing): counts today.
    add_payment(uow, PaymentStatus.APPROVED, "20.00", kind=MethodKind.BANK, at=yesterday,
                completed_at=NOON)
    # Made today, approved tomorrow: not today's.
    add_payment(uow, PaymentStatus.APPROVED, "30.00", completed_at=NOON + timedelta(days=1))
    add_payment(uow, PaymentStatus.SCHEDULED, "40.00", channel=Channel.SMS)  # counts (made)
    add_payment(uow, PaymentStatus.CANCELLED, "50.00", channel=Channel.SMS, at=yesterday,
                cancelled_at=NOON)  # counts (cancelled today)
    add_payment(uow, PaymentStatus.PENDING, "60.00", kind=MethodKind.BANK, at=yesterday)

    report = service.report(DAY)

    assert [(x.channel, x.method, x.status, x.count, x.amount.canonical())
            for x in report.payments] == [
        ("voice", "card", "approved", 1, "10.00"),
        ("voice", "bank", "approved", 1, "20.00"),
        ("sms", "card", "scheduled", 1, "40.00"),
        ("sms", "card", "cancelled", 1, "50.00")]
    assert report.payments_total.count == 4
    assert report.payments_total.amount == Money.of("120.00")
    assert report.money_in.total == Money.of("31.25")


def test_totals_tie_out_and_net_is_money_in_less_refunds_and_lost_disputes(service, uow,
                                                                           books):
    card = add_payment(uow, PaymentStatus.APPROVED, "100.00", fee="1.25")
    add_payment(uow, PaymentStatus.APPROVED, "200.00", fee="1.25", channel=Channel.WEB)
    add_payment(uow, PaymentStatus.REJECTED, "5.00", fee="1.25")
    add_payment(uow, PaymentStatus.REJECTED, "7.00", kind=MethodKind.BANK, return_code="R02",
                rejection_reason="account closed")
    books.add_refund(Refund(card.id, Money.of("15.00"), "overcharged", "m.chen", NOON, "r1",
                            RefundStatus.SUCCEEDED, "re_1", NOON))
    books.add_refund(Refund(card.id, Money.of("3.00"), "asked again", "m.chen", NOON, "r2",
                            RefundStatus.PENDING))
    books.add_dispute(Dispute("dp_1", card.id, Money.of("40.00"), "fraudulent",
                              DisputeStatus.LOST, NOON - timedelta(days=20), NOON))
    books.add_dispute(Dispute("dp_2", card.id, Money.of("9.00"), "fraudulent",
                              DisputeStatus.WON, NOON - timedelta(days=5), NOON))
    books.add_dispute(Dispute("dp_3", card.id, Money.of("11.00"), "duplicate",
                              DisputeStatus.OPEN, NOON))
    uow.ach_files.add(AchFile("f.ach", NOON, DAY, "A", 4, Money.of("321.00"), 1))

    report = service.report(DAY)

    total = report.payments_total
    assert total.count == sum(x.count for x in report.payments) == 4
    assert total.amount == sum((x.amount for x in report.payments), Money.zero())
    assert total.fees == sum((x.fees for x in report.payments), Money.zero())
    assert report.money_in.amount == Money.of("300.00")
    assert report.money_in.fees == Money.of("2.50")
    assert [(r.status, r.count, r.amount) for r in report.refunds] == [
        ("pending", 1, Money.of("3.00")), ("succeeded", 1, Money.of("15.00"))]
    assert report.refunded == Money.of("15.00")
    assert (report.disputes_opened.count, report.disputes_opened.amount) == (
        1, Money.of("11.00"))
    assert [(d.status, d.amount) for d in report.disputes_closed] == [
        ("lost", Money.of("40.00")), ("won", Money.of("9.00"))]
    assert (report.ach_files.count, report.ach_files.entries, report.ach_files.amount) == (
        1, 4, Money.of("321.00"))
    assert [(r.status, r.count, r.amount) for r in report.ach_returns] == [
        ("R02", 1, Money.of("7.00"))]
    assert report.net.amount == Money.of("302.50") - Money.of("15.00") - Money.of("40.00")
    assert any("= $247.50" in line for line in text_lines(report))


def test_the_csv_has_a_header_a_row_per_line_and_plain_two_place_amounts(service, uow):
    add_payment(uow, PaymentStatus.APPROVED, "1250.5", fee="1.25")
    add_payment(uow, PaymentStatus.PENDING, "3", kind=MethodKind.BANK, channel=Channel.CHAT)
    report = service.report(DAY)
    text = csv_text(report)
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 1 + len(report.lines())
    assert rows[1] == ["payments", "voice", "card", "approved", "1", "1250.50", "1.25",
                       "1251.75", ""]
    assert rows[2] == ["payments", "chat", "bank", "pending", "1", "3.00", "0.00", "3.00", ""]
    assert [r[0] for r in rows[-3:]] == ["payments_total", "money_in", "net"]
    assert rows[-3][4:8] == ["2", "1253.50", "1.25", "1254.75"]
    for row in rows[1:]:
        for amount in row[5:8]:
            assert Decimal(amount).as_tuple().exponent == -2 and "," not in amount
    assert text.endswith("\r\n")


def test_a_fall_back_day_has_25_hours(service, uow):
    day = date(2026, 11, 1)
    first = datetime(2026, 11, 1, 5, tzinfo=UTC)  # 00:00 CDT
    last = datetime(2026, 11, 2, 5, 59, 59, tzinfo=UTC)  # 23:59:59 CST
    add_payment(uow, PaymentStatus.APPROVED, "1.00", at=first)
    add_payment(uow, PaymentStatus.APPROVED, "2.00", at=last)
    add_payment(uow, PaymentStatus.APPROVED, "4.00", at=first - timedelta(seconds=1))
    add_payment(uow, PaymentStatus.APPROVED, "8.00", at=last + timedelta(seconds=1))
    report = service.report(day)
    assert report.end - report.start == timedelta(hours=25)
    assert report.money_in.amount == Money.of("3.00")
