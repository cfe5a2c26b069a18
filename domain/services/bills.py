"""Posting newly issued bills from the billing system's CSV export, then autopay.

    account_number,bill_number,bill_type,issued_on,due_date,amount
    0012345678,W-1003,WATER/SEWER,2026-11-20,2026-12-15,85.50

For a general-billing (Munis) account the account number may be its customer ID. Columns
may come in any order but all six must be there (and no others). Dates are ISO YYYY-MM-DD; the
amount is dollars and cents ("85.50", "$1,250.00"); account numbers keep their leading zeros.
Every row is checked on its own and a bad row never stops the others: the report lists each
error with its line number. Each bill is posted in its own short transaction (no long lock on
thousands of accounts), audited "bill.posted", and then handed to autopay.

Re-importing a file is safe: a bill already on its account with the same details counts as a
duplicate and is not posted again; with different details it is an error. If an earlier run
stopped between posting a bill and scheduling its autopay payment, the re-run finishes it.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from domain.errors import DomainError, InvalidInput
from domain.model import AccountKind, Actor, AuditEvent, Bill
from domain.money import Money
from domain.ports import Clock, ConcurrencyConflict, UnitOfWork
from domain.services.autopay import AutopayOutcome, AutopayResult, AutopayService
from domain.services.identity import normalize_account_number

log = logging.getLogger(__name__)

COLUMNS = ("account_number", "bill_number", "bill_type", "issued_on", "due_date", "amount")
IMPORT_ACTOR = Actor.system("bill-import")
MAX_BILL_NUMBER = 32  # the bills.bill_number column
MAX_BILL_TYPE = 50  # the bills.bill_type column
MAX_LINE = 1000  # no valid row is anywhere near this long
_BILL_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_/.]*$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")  # [0-9], not \d: no other digits
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # tabs are fine, NUL and the like are not
_RETRIES = 3


@dataclass
class BillImportReport:
    rows: int = 0  # data rows read (blank lines not counted)
    imported: int = 0
    duplicates: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)
    autopay_scheduled: int = 0
    autopay_needs_authorization: int = 0
    autopay_skipped: int = 0
    notes: list[tuple[int, str]] = field(default_factory=list)  # autopay remarks, per line

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class _Row:
    account_number: str
    bill_number: str
    bill_type: str
    issued_on: date
    due_date: date
    amount: Money


class _RowError(Exception):
    """A row that cannot be imported; the message names the problem for the operator."""


class BillImportService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock,
                 autopay: AutopayService) -> None:
        self._uow = uow
        self._clock = clock
        self._autopay = autopay

    def import_csv(self, source: str | Iterable[str],
                   progress: Callable[[int], None] | None = None) -> BillImportReport:
        """Import every valid row of `source` (the whole text, or its lines). `progress` is
        called with 1 after each line past the header, e.g. a click progress bar's `update`.
        Raises InvalidInput only when the header is wrong: then no row can be read."""
        lines = iter(_split_lines(source) if isinstance(source, str) else
                     (line.rstrip("\r\n") for line in source))
        header = next(lines, None)
        columns = _columns(header.removeprefix("\ufeff") if header is not None else "")
        report = BillImportReport()
        for line_number, line in enumerate(lines, start=2):
            try:
                self._import_line(line_number, line, columns, report)
            except _RowError as exc:
                report.errors.append((line_number, str(exc)))
            if progress is not None:
                progress(1)
        return report

    # --- one row --------------------------------------------------------------------------
    def _import_line(self, line_number: int, line: str, columns: dict[str, int],
                     report: BillImportReport) -> None:
        if not line.strip():
            return  # blank lines, e.g. at the end of the file
        fields = _fields(line)
        if fields and not any(f.strip() for f in fields):
            return  # ",,,,," left by a spreadsheet: a blank row, not an error
        report.rows += 1
        if fields is None:
            raise _RowError("the line is not valid CSV (a stray quote or control character)"
                            if len(line) <= MAX_LINE else "the line is too long")
        self._import_row(line_number, _parse(fields, columns), report)

    def _import_row(self, line_number: int, row: _Row, report: BillImportReport) -> None:
        account_id, posted = self._post(row)
        if not posted:
            report.duplicates += 1
            outcome = self._run_autopay(line_number, report, self._autopay.resume_for_bill,
                                        account_id, row.bill_number)
        else:
            report.imported += 1
            outcome = self._run_autopay(line_number, report, self._autopay.schedule_for_bill,
                                        account_id, row.bill_number)
        if outcome is None or outcome.replayed:
            return
        if outcome.result == AutopayResult.SCHEDULED:
            report.autopay_scheduled += 1
        elif outcome.result == AutopayResult.NEEDS_AUTHORIZATION:
            report.autopay_needs_authorization += 1
            report.notes.append((line_number, f"bill {row.bill_number} needs the resident's "
                                              f"authorization: {outcome.detail}"))
        elif outcome.result == AutopayResult.SKIPPED:
            report.autopay_skipped += 1
            report.notes.append((line_number, f"autopay skipped bill {row.bill_number}: "
                                              f"{outcome.detail}"))

    def _run_autopay(self, line_number: int, report: BillImportReport,
                     step: Callable[[int, str], AutopayOutcome | None], account_id: int,
                     bill_number: str) -> AutopayOutcome | None:
        try:
            return step(account_id, bill_number)
        except Exception as exc:  # the bill is posted; one autopay failure must not stop all
            log.exception("autopay failed for bill %s of account %s", bill_number, account_id)
            detail = exc.detail if isinstance(exc, DomainError) else type(exc).__name__
            report.errors.append((line_number, f"bill {bill_number} was posted, but autopay "
                                               f"could not run ({detail}); import the file "
                                               "again to retry"))
            return None

    def _post(self, row: _Row) -> tuple[int, bool]:
        """Add the bill to its account. Returns (account id, True if posted now)."""
        for _ in range(_RETRIES):
            try:
                return self._post_once(row)
            except ConcurrencyConflict:
                continue  # e.g. a payment on the same account: re-read and try again
        raise _RowError("the account was busy; import the file again to retry")

    def _post_once(self, row: _Row) -> tuple[int, bool]:
        with self._uow() as uow:
            account = uow.accounts.by_number(row.account_number, for_update=True)
            if account is None:
                # General billing (Munis) exports the customer ID: one account per customer.
                general = uow.accounts.by_customer(row.account_number,
                                                   kind=AccountKind.GENERAL, for_update=True)
                account = general[0] if len(general) == 1 else None
            if account is None or account.id is None:
                raise _RowError(f"no account has the number {row.account_number}")
            existing = next((b for b in account.bills if b.bill_number == row.bill_number),
                            None)
            if existing is not None:
                if (existing.bill_type, existing.issued_on, existing.due_date,
                        existing.total) != (row.bill_type, row.issued_on, row.due_date,
                                            row.amount):
                    raise _RowError(f"bill {row.bill_number} is already on account "
                                    f"{row.account_number} with different details")
                return account.id, False
            account.bills.append(Bill(bill_number=row.bill_number, bill_type=row.bill_type,
                                      issued_on=row.issued_on, due_date=row.due_date,
                                      total=row.amount, unpaid=row.amount,
                                      account_id=account.id))
            uow.audit.add(AuditEvent(
                at=self._clock.now(), action="bill.posted", actor=str(IMPORT_ACTOR),
                channel=IMPORT_ACTOR.channel, account_id=account.id, subject=row.bill_number,
                detail=f"type={row.bill_type} amount={row.amount.canonical()} "
                       f"issued={row.issued_on.isoformat()} due={row.due_date.isoformat()}"))
            uow.commit()
            return account.id, True


# --- parsing ------------------------------------------------------------------------------


def _split_lines(text: str) -> list[str]:
    # Only \r\n, \r and \n end a line (not str.splitlines' \u2028 and friends), so line
    # numbers match what an editor shows.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _fields(line: str) -> list[str] | None:
    """One physical line as CSV fields; None if it is not valid CSV (a stray quote, NUL)."""
    if len(line) > MAX_LINE or _CONTROL.search(line):
        return None
    try:
        return next(csv.reader([line], strict=True), [])
    except csv.Error:
        return None


def _columns(header: str) -> dict[str, int]:
    fields = _fields(header) or []
    names = [f.strip().lower() for f in fields]
    if sorted(names) != sorted(COLUMNS):
        raise InvalidInput("The first line must be the header " + ",".join(COLUMNS) + ".")
    return {name: names.index(name) for name in COLUMNS}


def _parse(fields: list[str], columns: dict[str, int]) -> _Row:
    if len(fields) != len(COLUMNS):
        raise _RowError(f"expected {len(COLUMNS)} fields, found {len(fields)}")
    value = {name: fields[index].strip() for name, index in columns.items()}
    try:
        account_number = normalize_account_number(value["account_number"])
    except InvalidInput:
        raise _RowError(f"the account number {value['account_number']!r} is not valid "
                        "(digits only)") from None
    bill_number = value["bill_number"]
    if (not bill_number or len(bill_number) > MAX_BILL_NUMBER
            or not _BILL_NUMBER.match(bill_number)):
        raise _RowError(f"the bill number {bill_number!r} is not valid (letters, digits and "
                        f"- _ / ., at most {MAX_BILL_NUMBER})")
    bill_type = " ".join(value["bill_type"].split())
    if not bill_type or len(bill_type) > MAX_BILL_TYPE or not bill_type.isprintable():
        raise _RowError(f"the bill type {value['bill_type']!r} is not valid "
                        f"(1 to {MAX_BILL_TYPE} characters)")
    issued_on = _date(value["issued_on"], "issue date")
    due_date = _date(value["due_date"], "due date")
    if due_date < issued_on:
        raise _RowError(f"the due date {due_date.isoformat()} is before the issue date "
                        f"{issued_on.isoformat()}")
    try:
        amount = Money.parse(value["amount"])
    except DomainError:
        raise _RowError(f"the amount {value['amount']!r} is not dollars and cents, "
                        "like 85.50") from None
    if not amount.is_positive():
        raise _RowError("the amount must be more than 0.00")
    return _Row(account_number, bill_number, bill_type, issued_on, due_date, amount)


def _date(text: str, what: str) -> date:
    if _ISO_DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise _RowError(f"the {what} {text!r} is not a date like 2026-12-05")
