"""`payline unmatched-charges` on SQLite and PostgreSQL: charges the processor holds that the
ledger does not account for are listed and logged at ERROR, with an exit status monitoring can
alert on, and never a card digit."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from domain.adapters.clock import FixedClock
from domain.config import Settings
from domain.model import (
    Account,
    AccountKind,
    Actor,
    Bill,
    Channel,
    Customer,
    MethodKind,
    PaymentStatus,
)
from domain.money import Money
from domain.ports import CardDetails
from domain.services.payments import MethodChoice, PaymentRequest, charge_reference
from ivr.bootstrap import Container, build_container
from ivr.cli.main import main
from ivr.logging_setup import configure_logging
from sandbox.processor import SandboxProcessor

CARD = "4242424242424242"
FEE = Money.of("1.25")
ROOT = Path(__file__).resolve().parents[2]


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
                        today + timedelta(days=20), Money.of("200.00"), Money.of("200.00"))])
        uow.accounts.add(account)
        uow.commit()
        assert account.id is not None
        return account.id


def payline(env: dict[str, str], *args: str) -> Result:
    # The log handler is installed first, on the real stderr, not on CliRunner's stream.
    configure_logging()
    return CliRunner().invoke(main, ["unmatched-charges", *args], env=env,
                              catch_exceptions=False)


def connector_charge(container: Container, transaction: str, amount: str,
                     reference: str | None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": "charge", "transaction_id": transaction, "cardnumber": CARD, "cvv": "123",
        "expiry_month": "12", "expiry_year": "30", "amount": amount}
    if reference:
        request["parameters"] = {"payline_reference": reference}
    return container.gateway.connector_charge(request)  # type: ignore[attr-defined, no-any-return]


def pay_with_a_saved_card(container: Container, account_id: int) -> str:
    service = container.payment_service()
    card = container.gateway.tokenize_card(CardDetails(CARD, 12, 2030, "123"))
    method = service.save_method(account_id, card, "visa", Actor.system("test"))
    payment = service.pay_now(PaymentRequest(
        account_id, Money.of("25.00"), MethodChoice.saved(method.id),  # type: ignore[arg-type]
        Actor.resident(Channel.CHAT, "chat-1"), "chat-1", accepted_fee=FEE)).payment
    assert payment.status == PaymentStatus.APPROVED
    return payment.confirmation_number


def test_nothing_unmatched_exits_zero(env: dict[str, str], container: Container,
                                      account_id: int) -> None:
    pay_with_a_saved_card(container, account_id)
    result = payline(env)
    assert result.exit_code == 0, result.output
    assert "Checked 1 approved charge(s)" in result.output
    assert "Every charge is accounted for" in result.output


def test_unmatched_charges_are_listed_logged_and_fail_the_exit_status(
        env: dict[str, str], container: Container, account_id: int,
        caplog: pytest.LogCaptureFixture) -> None:
    pay_with_a_saved_card(container, account_id)  # known: not reported
    stranger = connector_charge(container, "PK-stranger", "147.82", "payline-ZZZZ-ZZZZ")
    service = container.payment_service()
    released = service.begin_payment(PaymentRequest(
        account_id, Money.of("30.00"), MethodChoice.entered_at_processor(MethodKind.CARD),
        Actor.resident(Channel.VOICE, "CA1"), "voice:CA1:8:pay", accepted_fee=FEE)).payment
    service.abandon(released.id, "the caller hung up", Actor.resident(Channel.VOICE, "CA1"))
    charged_anyway = connector_charge(container, "PK-late", "31.25", charge_reference(released))
    with caplog.at_level(logging.ERROR, logger="domain.services.reconciliation"):
        result = payline(env, "--hours", "2")
    assert result.exit_code == 1
    assert "Checked 3 approved charge(s)" in result.output
    assert "2 charge(s) the ledger does not account for" in result.output
    assert (f"$147.82, processor reference {stranger['charge_id']}, Payline reference "
            "payline-ZZZZ-ZZZZ: no payment in the ledger has this Payline reference"
            in result.output)
    assert (f"$31.25, processor reference {charged_anyway['charge_id']}, Payline reference "
            f"payline-{released.confirmation_number}: the ledger has payment "
            f"{released.confirmation_number} as rejected" in result.output)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2 and all(m.startswith("unmatched processor charge") for m in errors)
    assert any(stranger["charge_id"] in m for m in errors)
    for text in (result.output, *errors):
        assert CARD not in text and "4242" not in text


def test_the_window_is_the_last_hours_or_since_a_time(env: dict[str, str],
                                                     container: Container) -> None:
    three_hours_ago = container.clock.now() - timedelta(hours=3)
    earlier = SandboxProcessor(container.engine, clock=FixedClock(three_hours_ago))
    earlier.connector_charge({"method": "charge", "transaction_id": "PK-1", "cardnumber": CARD,
                              "cvv": "123", "expiry_month": "12", "expiry_year": "30",
                              "amount": "10.00"})
    assert payline(env, "--hours", "2").exit_code == 0
    assert payline(env, "--hours", "4").exit_code == 1
    assert payline(env).exit_code == 1  # the default: the last 24 hours
    naive_city_time = (three_hours_ago - timedelta(minutes=5)).replace(tzinfo=None)
    assert payline(env, "--since", naive_city_time.isoformat(timespec="minutes")).exit_code == 1
    two_hours_ago = (container.clock.now() - timedelta(hours=2)).replace(tzinfo=None)
    assert payline(env, "--since", two_hours_ago.isoformat(timespec="minutes")).exit_code == 0
    tomorrow = (container.clock.today() + timedelta(days=1)).isoformat()
    later = payline(env, "--since", tomorrow)
    assert later.exit_code == 1 and "--since must be in the past" in later.output


@pytest.mark.parametrize("args", [["--since", "yesterday"], ["--hours", "0"],
                                  ["--since", "2026-01-01", "--hours", "3"]])
def test_bad_options_get_one_clear_line(env: dict[str, str], args: list[str]) -> None:
    result = payline(env, *args)
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "Error" in result.output


def test_the_schedulers_regular_run_raises_the_error_line(env: dict[str, str],
                                                          container: Container,
                                                          tmp_path: Path) -> None:
    # Charged 20 minutes ago (past the 10-minute <Pay> time-out and the 5-minute margin),
    # for a payment the ledger has never seen.
    earlier = SandboxProcessor(container.engine,
                               clock=FixedClock(container.clock.now() - timedelta(minutes=20)))
    charge = earlier.connector_charge({
        "method": "charge", "transaction_id": "PK-1", "cardnumber": CARD, "cvv": "123",
        "expiry_month": "12", "expiry_year": "30", "amount": "147.82",
        "parameters": {"payline_reference": "payline-ZZZZ-ZZZZ"}})
    log_file = tmp_path / "scheduler.log"
    with log_file.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "ivr.cli.main", "scheduler", "--interval", "1"], cwd=ROOT,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
            stderr=stderr)
        try:
            deadline = time.monotonic() + 60
            while "unmatched-charges" not in log_file.read_text() and process.poll() is None:
                assert time.monotonic() < deadline, log_file.read_text()
                time.sleep(0.2)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    text = log_file.read_text()
    (line,) = [ln for ln in text.splitlines() if "unmatched processor charge" in ln]
    assert " ERROR domain.services.reconciliation: " in line
    assert "$147.82" in line and charge["charge_id"] in line and "payline-ZZZZ-ZZZZ" in line
    assert CARD not in text and "4242" not in text
