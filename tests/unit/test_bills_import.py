"""The bill import (CSV of newly posted bills) with fakes; autopay runs for every new bill.

The `account` fixture is utility account 0012345678 (leading zeros) with bills W-1001 and
W-1002; the clock stands at 2026-11-22 in Chicago.
"""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.model import Actor, Channel, PaymentStatus
from domain.money import Money
from domain.services.autopay import AutopayService
from domain.services.bills import BillImportService
from tests.unit.conftest import make_general_account, make_utility_account

AGENT = Actor.agent("A101")
HEADER = "account_number,bill_number,bill_type,issued_on,due_date,amount"


@pytest.fixture
def autopay(uow, clock, notifier, payments) -> AutopayService:
    return AutopayService(lambda: uow, clock, notifier, payments)


@pytest.fixture
def importer(uow, clock, autopay) -> BillImportService:
    return BillImportService(lambda: uow, clock, autopay)


def csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join((header, *rows)) + "\n"


def bills_of(uow, account) -> dict[str, tuple]:
    return {b.bill_number: (b.bill_type, b.issued_on.isoformat(), b.due_date.isoformat(),
                            b.total, b.unpaid)
            for b in uow.accounts.get(account.id).bills}


def autopay_payments(uow):
    return [p for p in uow.store.payments if p.created_by == "system:autopay"]


def test_good_rows_are_posted_and_audited(importer, account, uow):
    general = make_general_account("400123")
    uow.accounts.add(general)
    report = importer.import_csv(csv(
        "0012345678,W-2001,WATER/SEWER,2026-11-20,2026-12-15,85.50",
        '"0012345678","W-2002","STORM WATER","2026-11-20","2026-12-15","$1,250.00"',
        "400123,25400,FALSE ALARM,2026-11-21,2026-12-21,150"))
    assert report.ok, report.errors
    assert (report.rows, report.imported, report.duplicates) == (3, 3, 0)
    bills = bills_of(uow, account)
    assert bills["W-2001"] == ("WATER/SEWER", "2026-11-20", "2026-12-15", Money.of("85.50"),
                               Money.of("85.50"))
    assert bills["W-2002"][3:] == (Money.of("1250.00"), Money.of("1250.00"))
    assert "25400" in bills_of(uow, general)
    posted = [e for e in uow.store.audit if e.action == "bill.posted"]
    assert [(e.account_id, e.subject) for e in posted] == [
        (account.id, "W-2001"), (account.id, "W-2002"), (general.id, "25400")]
    assert posted[0].actor == "system:bill-import" and posted[0].channel == Channel.SYSTEM
    assert "amount=85.50" in posted[0].detail
    # Not enrolled: nothing scheduled.
    assert report.autopay_scheduled == 0 and uow.store.payments == []


def test_account_numbers_keep_leading_zeros(importer, account, uow):
    lookalike = make_utility_account(number="12345678")
    uow.accounts.add(lookalike)
    report = importer.import_csv(csv("0012345678,W-2001,WATER/SEWER,2026-11-20,2026-12-15,10",
                                     "001-234-5678,W-2002,WATER/SEWER,2026-11-20,2026-12-15,10"))
    assert report.imported == 2
    assert {"W-2001", "W-2002"} <= set(bills_of(uow, account))
    assert not {"W-2001", "W-2002"} & set(bills_of(uow, lookalike))


def test_bad_rows_are_reported_by_line_and_do_not_stop_the_others(importer, account, uow):
    text = csv(
        "0012345678,W-2001,WATER/SEWER,2026-11-20,2026-12-15,85.50",  # 2 ok
        "9999999999,W-2002,WATER/SEWER,2026-11-20,2026-12-15,85.50",  # 3 unknown account
        "0012345678,W-2003,WATER/SEWER,2026-02-30,2026-12-15,85.50",  # 4 no such date
        "0012345678,W-2004,WATER/SEWER,11/20/2026,2026-12-15,85.50",  # 5 not ISO
        "0012345678,W-2005,WATER/SEWER,2026-11-20,2026-12-15,85.505",  # 6 three decimals
        "0012345678,W-2006,WATER/SEWER,2026-11-20,2026-12-15,-5.00",  # 7 negative
        "0012345678,W-2007,WATER/SEWER,2026-11-20,2026-12-15,0.00",  # 8 zero
        "0012345678,W-2008,WATER/SEWER,2026-12-20,2026-12-15,85.50",  # 9 due before issue
        "0012345678,W-2009,WATER/SEWER,2026-11-20",  # 10 too few fields
        "garbage",  # 11
        "",  # 12 blank: ignored
        ",,,,,",  # 13 spreadsheet blank row: ignored
        "００１２３４５６７８,W-2010,WATER/SEWER,2026-11-20,2026-12-15,85.50",  # 14 fullwidth
        "0012345678,W-2011,WATER/SEWER,２０２６-11-20,2026-12-15,85.50",  # 15 fullwidth date
        "0012345678,W-2012,WATER/SEWER,2026-11-20,2026-12-15,８５.50",  # 16 fullwidth amount
        "0012345678,W 2013,WATER/SEWER,2026-11-20,2026-12-15,85.50",  # 17 space in number
        "0012345678," + "W" * 33 + ",WATER/SEWER,2026-11-20,2026-12-15,85.50",  # 18 long
        "0012345678,W-2014,,2026-11-20,2026-12-15,85.50",  # 19 no type
        '0012345678,"W-2015,WATER/SEWER,2026-11-20,2026-12-15,85.50',  # 20 stray quote
        "0012345678,W-2016,WATER/SEWER,2026-11-20,2026-12-15,85.50\x00",  # 21 NUL
        "0012345678,W-2017,AGUA/ALCANTARILLADO ÑANDÚ,2026-11-20,2026-12-15,12.00",  # 22 ok
        "0012345678,W-2018,WATER/SEWER,2026-11-20,2026-11-20,12.00",  # 23 ok: due = issue
    )
    report = importer.import_csv(text)
    lines = [line for line, _ in report.errors]
    assert lines == [3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 16, 17, 18, 19, 20, 21]
    messages = dict(report.errors)
    assert "no account has the number 9999999999" in messages[3]
    assert "issue date '2026-02-30'" in messages[4]
    assert "before the issue date" in messages[9]
    assert "expected 6 fields, found 4" in messages[10]
    assert "more than 0.00" in messages[8]
    assert "not valid CSV" in messages[20] and "not valid CSV" in messages[21]
    assert "'００１２３４５６７８' is not valid" in messages[14]
    assert (report.imported, report.rows) == (3, 20)
    assert set(bills_of(uow, account)) == {"W-1001", "W-1002", "W-2001", "W-2017", "W-2018"}
    assert bills_of(uow, account)["W-2017"][0] == "AGUA/ALCANTARILLADO ÑANDÚ"


def test_reimport_is_idempotent_and_schedules_autopay_once(importer, autopay, account, uow,
                                                           notifier):
    autopay.enroll(account.id, account.payment_methods[1].id, "due_date", AGENT)
    text = csv("0012345678,W-2001,WATER/SEWER,2026-11-20,2026-12-15,85.50",
               "0012345678,W-2002,WATER/SEWER,2026-11-20,2026-12-16,10.00")
    first = importer.import_csv(text)
    assert (first.imported, first.duplicates, first.autopay_scheduled) == (2, 0, 2)
    sent = len(notifier.sent)
    second = importer.import_csv(text)
    assert second.ok
    assert (second.imported, second.duplicates, second.autopay_scheduled) == (0, 2, 0)
    assert len(autopay_payments(uow)) == 2 and len(notifier.sent) == sent
    assert len([b for b in uow.accounts.get(account.id).bills if b.bill_number == "W-2001"]) == 1
    assert [e.action for e in uow.store.audit].count("bill.posted") == 2
    payment = next(p for p in autopay_payments(uow) if p.amount == Money.of("85.50"))
    assert payment.scheduled_for.isoformat() == "2026-12-15"
    assert payment.status == PaymentStatus.SCHEDULED


def test_same_bill_twice_in_one_file_is_a_duplicate(importer, account):
    row = "0012345678,W-2001,WATER/SEWER,2026-11-20,2026-12-15,85.50"
    report = importer.import_csv(csv(row, row))
    assert (report.imported, report.duplicates, report.errors) == (1, 1, [])


def test_same_bill_number_with_other_details_is_an_error(importer, account, uow):
    report = importer.import_csv(csv("0012345678,W-1002,WATER/SEWER,2026-11-01,2026-12-05,99.00"))
    assert report.errors == [(2, "bill W-1002 is already on account 0012345678 with "
                                 "different details")]
    assert bills_of(uow, account)["W-1002"][3] == Money.of("85.50")


def test_autopay_outcomes_are_counted(importer, autopay, account, uow):
    autopay.enroll(account.id, account.payment_methods[1].id, "due_date", AGENT,
                   threshold=Money.of("100.00"))
    report = importer.import_csv(csv(
        "0012345678,W-2001,WATER/SEWER,2026-11-20,2026-12-15,85.50",
        "0012345678,W-2002,WATER/SEWER,2026-11-20,2026-12-15,100.01",
        "0012345678,W-2003,WATER/SEWER,2026-11-20,2027-03-01,20.00"))  # beyond 90 days
    assert (report.imported, report.autopay_scheduled, report.autopay_needs_authorization,
            report.autopay_skipped) == (3, 1, 1, 1)
    assert [line for line, _ in report.notes] == [3, 4]
    assert "needs the resident's authorization" in report.notes[0][1]
    assert report.ok


def test_an_autopay_failure_is_reported_and_a_rerun_finishes_it(importer, autopay, account,
                                                                 uow, monkeypatch):
    autopay.enroll(account.id, account.payment_methods[1].id, "due_date", AGENT)
    text = csv("0012345678,W-2001,WATER/SEWER,2026-11-20,2026-12-15,85.50",
               "0012345678,W-2002,WATER/SEWER,2026-11-20,2026-12-15,10.00")
    real = autopay.schedule_for_bill

    def flaky(account_id, bill_number):
        if bill_number == "W-2001":
            raise RuntimeError("connection lost")
        return real(account_id, bill_number)

    monkeypatch.setattr(autopay, "schedule_for_bill", flaky)
    first = importer.import_csv(text)
    assert first.imported == 2 and first.autopay_scheduled == 1
    assert first.errors == [(2, "bill W-2001 was posted, but autopay could not run "
                                "(RuntimeError); import the file again to retry")]
    monkeypatch.setattr(autopay, "schedule_for_bill", real)
    second = importer.import_csv(text)
    assert second.ok and second.duplicates == 2 and second.autopay_scheduled == 1
    assert sorted(p.amount for p in autopay_payments(uow)) == [Money.of("10.00"),
                                                                Money.of("85.50")]


def test_header_may_be_reordered_and_carry_a_bom(importer, account, uow):
    header = "\ufeffAmount, Due_Date,issued_on,bill_type,bill_number,account_number"
    report = importer.import_csv(csv("85.50,2026-12-15,2026-11-20,WATER/SEWER,W-2001,0012345678",
                                     header=header))
    assert report.imported == 1
    assert bills_of(uow, account)["W-2001"][2] == "2026-12-15"


@pytest.mark.parametrize("header", [
    "", "account,bill,type,issued,due,amount", HEADER + ",extra",
    "account_number,bill_number,bill_type,issued_on,due_date",
    "account_number,account_number,bill_type,issued_on,due_date,amount"])
def test_wrong_header_refuses_the_file(importer, account, uow, header):
    with pytest.raises(InvalidInput, match="header"):
        importer.import_csv(csv("0012345678,W-2001,WATER/SEWER,2026-11-20,2026-12-15,1",
                                header=header))
    assert "W-2001" not in bills_of(uow, account)


def test_empty_input_is_refused(importer):
    with pytest.raises(InvalidInput):
        importer.import_csv("")


def test_lines_and_progress(importer, account, uow):
    calls: list[int] = []
    lines = [HEADER + "\r\n", "0012345678,W-2001,WATER/SEWER,2026-11-20,2026-12-15,1\r\n",
             "\r\n", "bad\r\n", "0012345678,W-2002,WATER/SEWER,2026-11-20,2026-12-15,2\r\n"]
    report = importer.import_csv(iter(lines), progress=calls.append)
    assert calls == [1, 1, 1, 1]  # every line after the header, blank ones included
    assert report.imported == 2 and [line for line, _ in report.errors] == [4]


def test_windows_line_endings_keep_line_numbers(importer, account):
    text = "\r\n".join([HEADER, "0012345678,W-2001,WATER/SEWER,2026-11-20,2026-12-15,1",
                        "nope", "0012345678,W-2002,WATER/SEWER,2026-13-20,2026-12-15,1"])
    report = importer.import_csv(text)
    assert [line for line, _ in report.errors] == [3, 4] and report.imported == 1

