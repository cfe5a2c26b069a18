"""Autopay and the bill import on the real stack (SQLAlchemy unit of work, outbox), on SQLite
and PostgreSQL; and the `autopay` / `bills import` commands on a temporary SQLite database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from domain.adapters.clock import FixedClock
from domain.adapters.database import create_engine_for, make_session_factory, upgrade
from domain.adapters.outbox import OutboxNotifier, list_messages
from domain.adapters.unit_of_work import SqlAlchemyUnitOfWork
from domain.model import Actor, BankAccountType, Channel, MethodKind, PaymentStatus
from domain.money import Money
from domain.services.autopay import AutopayService
from domain.services.bills import BillImportService
from domain.services.payment_notices import PaymentNotices
from domain.services.payments import PaymentService
from ivr.cli.autopay import commands
from sandbox.processor import SandboxProcessor
from tests.integration.conftest import CITY_TZ, Builders

HEADER = "account_number,bill_number,bill_type,issued_on,due_date,amount"
AGENT = Actor.agent("A101")


def _resident_account(build: Builders, number: str = "0012345678"):
    customer = build.customer(email="ana@example.com", phones=[build.phone("+13125550101")])
    return build.account(
        customer, account_number=number,
        bills=[build.bill(bill_number="W-1001", issued_on=date(2026, 11, 1),
                          due_date=date(2026, 12, 5), total=Money.of("85.50"),
                          unpaid=Money.of("85.50"))],
        payment_methods=[
            build.method(kind=MethodKind.BANK, token="tok_bank_6789", last4="6789", brand=None,
                         exp_month=None, exp_year=None,
                         bank_account_type=BankAccountType.CHECKING),
            build.method(token="tok_visa_4242", last4="4242")])


# --- the services on SQLite and PostgreSQL ------------------------------------------------


@pytest.fixture
def city(engine, uow_factory, build):
    clock = FixedClock(datetime(2026, 11, 22, 9, 0, tzinfo=CITY_TZ))
    notifier = OutboxNotifier(engine)
    account = _resident_account(build)
    with uow_factory() as uow:
        uow.accounts.add(account)
        uow.commit()
    payments = PaymentService(uow_factory, clock, SandboxProcessor(engine),
                              PaymentNotices(notifier))
    autopay = AutopayService(uow_factory, clock, notifier, payments)
    return {"engine": engine, "account": account, "payments": payments, "autopay": autopay,
            "importer": BillImportService(uow_factory, clock, autopay)}


def test_enroll_import_and_the_scheduled_payment_persist(city, uow_factory):
    account, autopay, importer = city["account"], city["autopay"], city["importer"]
    bank = account.payment_methods[0]
    autopay.enroll(account.id, bank.id, "days_before", AGENT, days_before=3,
                   threshold=Money.of("150.00"))
    text = "\n".join([HEADER,
                      "0012345678,W-2001,WATER/SEWER,2026-11-20,2026-12-15,70.25",
                      "0012345678,W-2002,STORM WATER,2026-11-20,2026-12-15,150.01",
                      "0099999999,W-2003,WATER/SEWER,2026-11-20,2026-12-15,10.00"])
    report = importer.import_csv(text)
    assert (report.imported, report.autopay_scheduled,
            report.autopay_needs_authorization) == (2, 1, 1)
    assert [line for line, _ in report.errors] == [4]

    with uow_factory() as uow:  # a fresh session: only what was committed
        stored = uow.accounts.get(account.id)
        bills = {b.bill_number: b for b in stored.bills}
        assert (bills["W-2001"].total, bills["W-2001"].unpaid) == (Money.of("70.25"),
                                                                   Money.of("70.25"))
        assert bills["W-2002"].bill_type == "STORM WATER"
        enrollment = uow.autopay.active_for_account(account.id)
        assert enrollment is not None
        assert (enrollment.days_before, enrollment.threshold) == (3, Money.of("150.00"))
        [payment] = uow.payments.for_account(account.id)
        assert payment.status == PaymentStatus.SCHEDULED
        assert (payment.amount, payment.fee) == (Money.of("70.25"), Money.zero())
        assert payment.scheduled_for == date(2026, 12, 12)
        assert payment.idempotency_key == f"autopay:{account.id}:W-2001"
        assert payment.payment_method_id == bank.id
        assert (payment.created_by, payment.channel) == ("system:autopay", Channel.SYSTEM)
        audit = [(e.action, e.subject) for e in reversed(uow.audit.for_account(account.id))]
    assert ("bill.posted", "W-2001") in audit and ("autopay.scheduled", "W-2001") in audit
    assert ("autopay.threshold_exceeded", "W-2002") in audit
    kinds = [m.kind for m in list_messages(city["engine"], recipient="+13125550101")]
    assert kinds == ["autopay.threshold_exceeded", "payment.scheduled", "autopay.enrolled"]

    # The same file again: nothing new is posted, scheduled or sent.
    again = importer.import_csv(text)
    assert (again.imported, again.duplicates, again.autopay_scheduled) == (0, 2, 0)
    with uow_factory() as uow:
        assert len(uow.payments.for_account(account.id)) == 1
        assert len(uow.accounts.get(account.id).bills) == 3
    assert len(list_messages(city["engine"], recipient="+13125550101")) == 3

    # Unenrolling keeps the scheduled payment.
    autopay.unenroll(account.id, AGENT)
    with uow_factory() as uow:
        assert uow.autopay.active_for_account(account.id) is None
        assert uow.payments.for_account(account.id)[0].status == PaymentStatus.SCHEDULED


def test_reenrolling_leaves_one_active_enrollment(city, uow_factory):
    account, autopay = city["account"], city["autopay"]
    first = autopay.enroll(account.id, account.payment_methods[0].id, "due_date", AGENT)
    second = autopay.enroll(account.id, account.payment_methods[1].id, "bill_arrival", AGENT)
    assert autopay.status(account.id).id == second.id != first.id
    with uow_factory() as uow:
        assert uow.autopay.active_with_method(account.payment_methods[0].id) == []
        assert [e.id for e in uow.autopay.active_with_method(account.payment_methods[1].id)] \
            == [second.id]


# --- the commands ---------------------------------------------------------------------------

Invoke = Callable[..., Result]


@pytest.fixture
def cli_db(sqlite_url: str, build: Builders) -> Iterator[str]:
    upgrade(sqlite_url)
    engine = create_engine_for(sqlite_url)
    uow = SqlAlchemyUnitOfWork(make_session_factory(engine))
    with uow:
        uow.accounts.add(_resident_account(build))
        uow.accounts.add(_resident_account(build, number="0077777777"))
        uow.commit()
    engine.dispose()
    yield sqlite_url


@pytest.fixture
def payline(cli_db: str) -> Invoke:
    group = click.Group("payline")
    for command in commands:
        group.add_command(command)
    env = {"PAYLINE_DATABASE_URL": cli_db, "PAYLINE_TIMEZONE": "America/Chicago",
           "PAYLINE_SMTP_HOST": ""}

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(group, list(args), env=env, catch_exceptions=False)
    return invoke


def one_line_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.stderr.strip().splitlines()[-1]


def _today() -> date:
    return datetime.now(CITY_TZ).date()


def test_cli_enroll_import_show_unenroll(payline: Invoke, cli_db: str, tmp_path: Path) -> None:
    result = payline("autopay", "enroll", "0012345678", "--method", "6789", "--date-option",
                     "days_before", "--days-before", "3", "--threshold", "150.00",
                     "--agent", "A101")
    assert result.exit_code == 0, result.output
    assert "******5678 is enrolled in autopay by agent A101" in result.output
    assert "3 days before its due date" in result.output
    assert "checking account ending 6789" in result.output
    assert "bills over $150.00 need the resident's authorization" in result.output

    today = _today()
    due = today + timedelta(days=20)
    bills = tmp_path / "bills.csv"
    bills.write_text("\n".join([
        HEADER,
        f"0012345678,W-2001,WATER/SEWER,{today},{due},70.25",
        f"0012345678,W-2002,WATER/SEWER,{today},{due},200.00",
        f"0012345678,W-2003,WATER/SEWER,{today},not-a-date,1.00",
        f"0077777777,W-7001,WATER/SEWER,{today},{due},15.00"]) + "\n", encoding="utf-8")
    result = payline("bills", "import", str(bills))
    assert result.exit_code == 1
    assert "Bills imported: 3; already imported: 0; rows with errors: 1 (of 4 rows)." \
        in result.stdout
    assert "Autopay: 1 scheduled, 1 over the resident's limit" in result.stdout
    assert "line 3: bill W-2002 needs the resident's authorization" in result.stdout
    assert "line 4: the due date 'not-a-date' is not a date" in result.stderr
    assert one_line_error(result).startswith("Error: 1 row(s) could not be imported")

    result = payline("autopay", "show", "0012345678")
    assert result.exit_code == 0, result.output
    assert "enrolled in autopay." in result.output
    expected = (due - timedelta(days=3)).isoformat()
    assert f"{expected}  $70.25  checking account ending 6789  (scheduled)" in result.output

    again = payline("bills", "import", str(bills))
    assert "Bills imported: 0; already imported: 3" in again.stdout
    assert "Autopay: 0 scheduled" in again.stdout

    engine = create_engine_for(cli_db)
    try:
        kinds = [m.kind for m in list_messages(engine, recipient="ana@example.com")]
    finally:
        engine.dispose()
    # Two accounts share the test email; the other one is not enrolled.
    assert kinds.count("autopay.enrolled") == 1 and kinds.count("payment.scheduled") == 1
    assert kinds.count("autopay.threshold_exceeded") == 1

    result = payline("autopay", "unenroll", "0012345678", "--agent", "A101")
    assert result.exit_code == 0, result.output
    assert "Payments already scheduled will still be processed" in result.output
    result = payline("autopay", "show", "0012345678")
    assert "not enrolled in autopay" in result.output
    assert "(scheduled)" in result.output  # the payment autopay scheduled still stands
    result = payline("autopay", "unenroll", "0012345678", "--agent", "A101")
    assert result.exit_code == 0 and "was not enrolled" in result.output


def test_cli_card_enrollment_states_the_fee(payline: Invoke) -> None:
    result = payline("autopay", "enroll", "0012345678", "--method", "4242", "--date-option",
                     "due_date", "--agent", "A7")
    assert result.exit_code == 0, result.output
    assert "VISA ending 4242" in result.output and "Card fee:   $1.25" in result.output
    assert "none (every bill is paid in full)" in result.output


def test_cli_clean_import_exits_zero(payline: Invoke, tmp_path: Path) -> None:
    today = _today()
    bills = tmp_path / "bills.csv"
    bills.write_bytes(("\ufeff" + HEADER + "\r\n"
                       f"0012345678,W-2001,WATER/SEWER,{today},{today + timedelta(days=9)},"
                       "12.00\r\n").encode("utf-8"))
    result = payline("bills", "import", str(bills))
    assert result.exit_code == 0, result.output
    assert "Bills imported: 1; already imported: 0; rows with errors: 0" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["autopay", "enroll", "0099999999", "--method", "6789", "--date-option", "due_date",
      "--agent", "A1"], "No account has the number 0099999999."),
    (["autopay", "enroll", "0012345678", "--method", "1111", "--date-option", "due_date",
      "--agent", "A1"], "has no saved method '1111'"),
    (["autopay", "enroll", "0012345678", "--method", "6789", "--date-option", "days_before",
      "--agent", "A1"], "Please choose 1 to 10 days before the due date."),
    (["autopay", "enroll", "0012345678", "--method", "6789", "--date-option", "due_date",
      "--days-before", "2", "--agent", "A1"], "only goes with the days-before option"),
    (["autopay", "enroll", "0012345678", "--method", "6789", "--date-option", "due_date",
      "--threshold", "12.345", "--agent", "A1"], "--threshold must be dollars and cents"),
    (["autopay", "enroll", "0012345678", "--method", "6789", "--date-option", "due_date",
      "--threshold", "0", "--agent", "A1"], "must be an amount more than zero"),
    (["autopay", "enroll", "0012345678", "--method", "6789", "--date-option", "due_date",
      "--agent", "A 1;"], "--agent must be the agent's ID"),
    (["autopay", "show", "12ab"], "An account number has only digits."),
    (["autopay", "unenroll", "0099999999", "--agent", "A1"], "No account has the number"),
])
def test_cli_errors_are_one_line(payline: Invoke, args: list[str], message: str) -> None:
    line = one_line_error(payline(*args))
    assert line.startswith("Error: ") and message in line


def test_cli_import_refuses_bad_files(payline: Invoke, tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + "\n0012345678,W-1,AGUA Ñ,2026-01-01,2026-01-02,1\n")
                       .encode("latin-1"))
    assert "is not UTF-8 text" in one_line_error(payline("bills", "import", str(latin1)))
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("account,bill\n1,2\n", encoding="utf-8")
    assert "The first line must be the header" in one_line_error(
        payline("bills", "import", str(wrong)))
    result = payline("bills", "import", str(tmp_path / "missing.csv"))
    assert result.exit_code == 2  # click's own usage error
