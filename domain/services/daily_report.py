"""The finance office's daily report: what happened to money on one of the city's days
[00:00, 24:00) in its time zone, with totals that tie out.

- Payments by channel, method and status (count, amount, fees). A payment counts on the day
  of its latest status change, in its current status: approved or rejected on the day it was
  completed, pending on the day it was submitted, cancelled on the day it was cancelled,
  scheduled on the day it was made. (So a report of a past day can change as payments move
  on: a bank debit submitted that day shows as pending until it clears on a later day.)
  The rows add up to the payments total row.
- Money in = the approved payments' amounts + their fees.
- Refunds by status (a succeeded refund on the day it completed); disputes opened, and
  disputes closed (won or lost); ACH files sent (count, entries, total debit) and ACH returns
  received (payments whose return was recorded that day, by return code).
- Net = money in - succeeded refunds - disputes lost that day.

`csv_text` writes it for a spreadsheet: one header row, one row per line, then the payments
total, money in and net rows; amounts as plain decimals with 2 places.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TypeVar

from domain.ledger import LedgerFor
from domain.model import (
    Channel,
    DisputeStatus,
    MethodKind,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from domain.money import Money
from domain.ports import Clock, UnitOfWork
from domain.services.reconciliation import day_window

CSV_COLUMNS = ("section", "channel", "method", "status", "count", "amount", "fees", "total",
               "entries")
_STATUS_ORDER = {s: i for i, s in enumerate(PaymentStatus)}
_CHANNEL_ORDER = {c: i for i, c in enumerate(Channel)}
_METHOD_ORDER = {m: i for i, m in enumerate(MethodKind)}
_REFUND_ORDER = {s: i for i, s in enumerate(RefundStatus)}
K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class ReportLine:
    section: str  # payments, refunds, disputes_opened, disputes_closed, ach_files, ...
    channel: str = ""
    method: str = ""
    status: str = ""
    count: int = 0
    amount: Money = field(default_factory=Money.zero)
    fees: Money = field(default_factory=Money.zero)
    entries: int | None = None  # ACH files only

    @property
    def total(self) -> Money:
        return self.amount + self.fees


@dataclass(frozen=True)
class DailyReport:
    day: date
    start: datetime
    end: datetime
    payments: tuple[ReportLine, ...]
    payments_total: ReportLine
    money_in: ReportLine  # approved payments: amount + fees
    refunds: tuple[ReportLine, ...]
    disputes_opened: ReportLine
    disputes_closed: tuple[ReportLine, ...]
    ach_files: ReportLine
    ach_returns: tuple[ReportLine, ...]
    net: ReportLine

    @property
    def refunded(self) -> Money:
        return sum((r.amount for r in self.refunds if r.status == RefundStatus.SUCCEEDED),
                   Money.zero())

    @property
    def disputes_lost(self) -> Money:
        return sum((d.amount for d in self.disputes_closed if d.status == DisputeStatus.LOST),
                   Money.zero())

    def lines(self) -> list[ReportLine]:
        """Every line, in the order of the CSV: the breakdowns, then the totals."""
        return [*self.payments, *self.refunds, self.disputes_opened, *self.disputes_closed,
                self.ach_files, *self.ach_returns, self.payments_total, self.money_in,
                self.net]


class DailyReportService:
    def __init__(self, uow: Callable[[], UnitOfWork], ledger_for: LedgerFor,
                 clock: Clock) -> None:
        self._uow = uow
        self._ledger_for = ledger_for
        self._clock = clock

    def report(self, day: date) -> DailyReport:
        start, end = day_window(day, self._clock.tz)

        def within(moment: datetime | None) -> bool:
            return moment is not None and start <= moment < end

        with self._uow() as uow:
            ledger = self._ledger_for(uow)
            active = ledger.payments_active_between(start, end)
            payments = [p for p in active if within(_status_changed_at(p))]
            returned = [p for p in active if p.return_code and within(p.completed_at)]
            refunds = [r for r in ledger.refunds_active_between(start, end)
                       if within(_refund_changed_at(r))]
            disputes = ledger.disputes_active_between(start, end)
            files = ledger.ach_files_created_between(start, end)
        opened = [d for d in disputes if within(d.opened_at)]
        closed = [d for d in disputes if within(d.closed_at) and d.status != DisputeStatus.OPEN]
        by_group = _grouped(payments, lambda p: (p.channel, p.method_kind, p.status))
        payment_lines = tuple(
            _payment_line("payments", group, key) for key, group in sorted(
                by_group.items(), key=lambda item: (_CHANNEL_ORDER[item[0][0]],
                                                    _METHOD_ORDER[item[0][1]],
                                                    _STATUS_ORDER[item[0][2]])))
        approved = [p for p in payments if p.status == PaymentStatus.APPROVED]
        refund_lines = tuple(
            ReportLine("refunds", status=str(status), count=len(group),
                       amount=_sum(r.amount for r in group))
            for status, group in sorted(_grouped(refunds, lambda r: r.status).items(),
                                        key=lambda item: _REFUND_ORDER[item[0]]))
        closed_lines = tuple(
            ReportLine("disputes_closed", status=str(status), count=len(group),
                       amount=_sum(d.amount for d in group))
            for status, group in sorted(_grouped(closed, lambda d: d.status).items()))
        return_lines = tuple(
            ReportLine("ach_returns", method=str(MethodKind.BANK), status=code,
                       count=len(group), amount=_sum(p.total for p in group))
            for code, group in sorted(_grouped(returned, lambda p: p.return_code or "").items()))
        money_in = ReportLine("money_in", status=str(PaymentStatus.APPROVED),
                              count=len(approved), amount=_sum(p.amount for p in approved),
                              fees=_sum(p.fee for p in approved))
        report = DailyReport(
            day=day, start=start, end=end, payments=payment_lines,
            payments_total=ReportLine("payments_total", count=sum(x.count for x in
                                                                  payment_lines),
                                      amount=_sum(x.amount for x in payment_lines),
                                      fees=_sum(x.fees for x in payment_lines)),
            money_in=money_in, refunds=refund_lines,
            disputes_opened=ReportLine("disputes_opened", count=len(opened),
                                       amount=_sum(d.amount for d in opened)),
            disputes_closed=closed_lines,
            ach_files=ReportLine("ach_files", method=str(MethodKind.BANK), count=len(files),
                                 amount=_sum(f.total_debit for f in files),
                                 entries=sum(f.entry_count for f in files)),
            ach_returns=return_lines, net=ReportLine("net"))
        net = money_in.total - report.refunded - report.disputes_lost
        return replace(report, net=ReportLine("net", amount=net))


def csv_text(report: DailyReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in report.lines():
        writer.writerow([line.section, line.channel, line.method, line.status, line.count,
                         line.amount.canonical(), line.fees.canonical(), line.total.canonical(),
                         "" if line.entries is None else line.entries])
    return out.getvalue()


def text_lines(report: DailyReport) -> list[str]:
    """The report for a terminal or a page: aligned columns, amounts as $1,250.50."""
    def row(label: str, line: ReportLine, fees: bool = True) -> str:
        extra = (f" {line.fees.format():>12} {line.total.format():>13}" if fees else "")
        return f"  {label:<34} {line.count:>6} {line.amount.format():>13}{extra}"

    lines = [f"Daily report for {report.day.isoformat()}",
             "",
             f"  {'Payments (channel, method, status)':<34} {'count':>6} {'amount':>13} "
             f"{'fees':>12} {'total':>13}"]
    if not report.payments:
        lines.append("  (no payments)")
    for p in report.payments:
        lines.append(row(f"{p.channel} / {p.method} / {p.status}", p))
    lines += [row("All payments", report.payments_total),
              row("Money in (approved: amount + fees)", report.money_in), ""]
    lines.append(f"  {'Refunds':<34} {'count':>6} {'amount':>13}")
    if not report.refunds:
        lines.append("  (no refunds)")
    lines += [row(f"{r.status}", r, fees=False) for r in report.refunds]
    lines += ["", f"  {'Disputes':<34} {'count':>6} {'amount':>13}",
              row("opened", report.disputes_opened, fees=False)]
    lines += [row(f"closed, {d.status}", d, fees=False) for d in report.disputes_closed]
    files = report.ach_files
    lines += ["", f"  {'ACH':<34} {'count':>6} {'amount':>13}",
              row(f"files sent ({files.entries or 0} entries)", files, fees=False)]
    lines += [row(f"returns received, {r.status}", r, fees=False) for r in report.ach_returns]
    lines += ["",
              f"  Net: money in {report.money_in.total.format()} - refunds "
              f"{report.refunded.format()} - disputes lost {report.disputes_lost.format()} "
              f"= {report.net.amount.format()}"]
    return lines


def _status_changed_at(payment: Payment) -> datetime | None:
    status = payment.status
    if status == PaymentStatus.SCHEDULED:
        return payment.created_at
    if status == PaymentStatus.PENDING:
        return payment.submitted_at or payment.created_at
    if status == PaymentStatus.CANCELLED:
        return payment.cancelled_at or payment.created_at
    return payment.completed_at or payment.submitted_at or payment.created_at


def _refund_changed_at(refund: Refund) -> datetime | None:
    if refund.status == RefundStatus.PENDING:
        return refund.requested_at
    return refund.completed_at or refund.requested_at


def _payment_line(section: str, group: list[Payment],
                  key: tuple[Channel, MethodKind, PaymentStatus]) -> ReportLine:
    channel, method, status = key
    return ReportLine(section, str(channel), str(method), str(status), len(group),
                      _sum(p.amount for p in group), _sum(p.fee for p in group))


def _grouped(items: Iterable[V], key: Callable[[V], K]) -> dict[K, list[V]]:
    groups: dict[K, list[V]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


def _sum(amounts: Iterable[Money]) -> Money:
    return sum(amounts, Money.zero())
