"""The sandbox processor on a real (temporary SQLite file) database: every test-number branch,
idempotency under concurrency, nothing sensitive at rest, and the Generic Pay Connector JSON."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from domain.adapters.clock import FixedClock
from domain.adapters.metadata import metadata
from domain.errors import (
    IdempotencyConflict,
    InvalidAmount,
    InvalidInput,
    InvalidPaymentMethod,
    InvalidRoutingNumber,
)
from domain.model import BankAccountType, MethodKind
from domain.money import Money
from domain.ports import BankDetails, CardDetails, PaymentGateway
from sandbox.processor import (
    SANDBOX_TABLES,
    SandboxProcessor,
    sandbox_charges,
    sandbox_tokens,
)

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2025, 6, 15, 12, 0, tzinfo=CHICAGO)
REFERENCE = re.compile(r"SBX-[0-9A-F]{12}")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    # A file, not :memory:, so that threads share one database like real workers would.
    eng = create_engine(f"sqlite:///{tmp_path / 'sandbox.db'}",
                        connect_args={"timeout": 30})
    metadata.create_all(eng, tables=list(SANDBOX_TABLES))
    yield eng
    eng.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def processor(engine: Engine, clock: FixedClock) -> SandboxProcessor:
    return SandboxProcessor(engine, clock=clock)


def card(number: str = "4242424242424242", month: int = 12, year: int = 2027,
         cvv: str = "123") -> CardDetails:
    return CardDetails(number=number, exp_month=month, exp_year=year, security_code=cvv,
                       postal_code="60601")


def bank(account: str = "000123456789", routing: str = "021000021",
         account_type: BankAccountType = BankAccountType.CHECKING) -> BankDetails:
    return BankDetails(routing_number=routing, account_number=account,
                       account_type=account_type)


def count(engine: Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_is_a_payment_gateway(processor: SandboxProcessor) -> None:
    assert isinstance(processor, PaymentGateway)


# --- card tokenization ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "brand"),
    [("4242424242424242", "VISA"), ("4242 4242 4242 4242", "VISA"),
     ("5555555555554444", "MASTERCARD"), ("378282246310005", "AMEX")],
)
def test_tokenize_card_returns_safe_details(processor: SandboxProcessor, number: str,
                                            brand: str) -> None:
    method = processor.tokenize_card(card(number, cvv="1234" if brand == "AMEX" else "123"))
    assert method.kind == MethodKind.CARD
    assert method.token.startswith("tok_")
    assert method.last4 == number.replace(" ", "")[-4:]
    assert method.brand == brand
    assert (method.exp_month, method.exp_year) == (12, 2027)
    assert processor.token_details(method.token) == method


def test_two_digit_year_means_this_century(processor: SandboxProcessor) -> None:
    assert processor.tokenize_card(card(year=27)).exp_year == 2027


def test_card_failing_luhn_is_refused(processor: SandboxProcessor, engine: Engine) -> None:
    with pytest.raises(InvalidPaymentMethod) as info:
        processor.tokenize_card(card("4242424242424241"))
    assert "card number" in info.value.detail
    assert "4242" not in info.value.detail
    assert count(engine, sandbox_tokens) == 0


@pytest.mark.parametrize(
    "number", ["", "4242", "42424242424242424242", "４２４２４２４２４２４２４２４２"]
)
def test_card_of_wrong_shape_is_refused(processor: SandboxProcessor, number: str) -> None:
    with pytest.raises(InvalidPaymentMethod):
        processor.tokenize_card(card(number))


@pytest.mark.parametrize(("month", "year"), [(5, 2025), (12, 2024), (0, 2027), (13, 2027),
                                             (1, 2099)])
def test_bad_or_past_expiry_is_refused(processor: SandboxProcessor, month: int,
                                       year: int) -> None:
    with pytest.raises(InvalidPaymentMethod) as info:
        processor.tokenize_card(card(month=month, year=year))
    assert "expir" in info.value.detail


def test_card_expiring_this_month_is_still_good(processor: SandboxProcessor) -> None:
    assert processor.tokenize_card(card(month=6, year=2025)).exp_month == 6


@pytest.mark.parametrize("cvv", ["", "12", "12345", "12a", "١٢٣"])
def test_bad_security_code_is_refused(processor: SandboxProcessor, cvv: str) -> None:
    with pytest.raises(InvalidPaymentMethod) as info:
        processor.tokenize_card(card(cvv=cvv))
    assert "security code" in info.value.detail


# --- bank tokenization ---------------------------------------------------------------------


def test_tokenize_bank_keeps_leading_zeros(processor: SandboxProcessor, engine: Engine) -> None:
    method = processor.tokenize_bank(bank(routing="011000015",
                                          account_type=BankAccountType.SAVINGS))
    assert method.kind == MethodKind.BANK
    assert method.last4 == "6789"
    assert method.bank_account_type == BankAccountType.SAVINGS
    with engine.connect() as conn:
        routing = conn.execute(sa.select(sandbox_tokens.c.routing_number)).scalar_one()
    assert routing == "011000015"


def test_invalid_routing_number_is_refused(processor: SandboxProcessor, engine: Engine) -> None:
    with pytest.raises(InvalidRoutingNumber):
        processor.tokenize_bank(bank(routing="123456789"))
    assert count(engine, sandbox_tokens) == 0


@pytest.mark.parametrize("account", ["123", "12ab5678", "0000"])
def test_invalid_account_number_is_refused(processor: SandboxProcessor, account: str) -> None:
    with pytest.raises(InvalidPaymentMethod):
        processor.tokenize_bank(bank(account=account))


def test_unknown_account_type_is_refused(processor: SandboxProcessor) -> None:
    with pytest.raises(InvalidPaymentMethod):
        processor.tokenize_bank(bank(account_type="brokerage"))  # type: ignore[arg-type]


# --- charging: every deterministic branch ----------------------------------------------------


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        ("4242424242424242", "approved", None),
        ("5555555555554444", "approved", None),
        ("4000000000000002", "declined", "card_declined"),
        ("4000000000009995", "declined", "insufficient_funds"),
        ("4000000000000069", "declined", "expired_card"),
        ("6011111111111117", "approved", None),  # any other Luhn-valid number approves
    ],
)
def test_card_charges(processor: SandboxProcessor, number: str, status: str,
                      code: str | None) -> None:
    token = processor.tokenize_card(card(number)).token
    result = processor.charge(token, Money.of("45.50"), f"key-{number}", "Water bill")
    assert result.status == status
    assert result.approved is (status == "approved")
    assert result.decline_code == code
    assert REFERENCE.fullmatch(result.reference or "")
    if code:
        assert result.decline_reason
        assert not re.search(r"[0-9]", result.decline_reason)
    else:
        assert result.decline_reason is None


@pytest.mark.parametrize(
    ("account", "status", "code"),
    [
        ("000123456789", "approved", None),
        ("000111111116", "declined", "insufficient_funds"),
        ("000222222226", "declined", "account_closed"),
        ("987654321", "approved", None),
    ],
)
def test_bank_charges(processor: SandboxProcessor, account: str, status: str,
                      code: str | None) -> None:
    token = processor.tokenize_bank(bank(account=account)).token
    result = processor.charge(token, Money.of("120.00"), f"key-{account}")
    assert (result.status, result.decline_code) == (status, code)


def test_unknown_token_is_declined(processor: SandboxProcessor) -> None:
    result = processor.charge("tok_doesnotexist", Money.of("10.00"), "key-unknown")
    assert result.status == "declined"
    assert result.decline_code == "invalid_token"


def test_card_that_expired_after_tokenization_is_declined(processor: SandboxProcessor,
                                                          clock: FixedClock) -> None:
    token = processor.tokenize_card(card(month=6, year=2025)).token
    clock.set(datetime(2025, 7, 1, 9, 0, tzinfo=CHICAGO))
    result = processor.charge(token, Money.of("10.00"), "key-expired-later")
    assert result.decline_code == "expired_card"


@pytest.mark.parametrize("amount", [Money.of("0"), Money.of("-5.00")])
def test_non_positive_amount_is_refused(processor: SandboxProcessor, engine: Engine,
                                        amount: Money) -> None:
    token = processor.tokenize_card(card()).token
    with pytest.raises(InvalidAmount):
        processor.charge(token, amount, "key-zero")
    assert count(engine, sandbox_charges) == 0


@pytest.mark.parametrize("key", ["", "   ", "k" * 201])
def test_idempotency_key_is_required(processor: SandboxProcessor, key: str) -> None:
    token = processor.tokenize_card(card()).token
    with pytest.raises(InvalidInput):
        processor.charge(token, Money.of("1.00"), key)


# --- idempotency ---------------------------------------------------------------------------


def test_same_key_same_request_charges_once(processor: SandboxProcessor,
                                            engine: Engine) -> None:
    token = processor.tokenize_card(card()).token
    first = processor.charge(token, Money.of("45.50"), "call-CA123:pay")
    second = processor.charge(token, Money.of("45.50"), "call-CA123:pay", "retry")
    assert second == first
    assert count(engine, sandbox_charges) == 1


def test_same_key_replays_a_decline_too(processor: SandboxProcessor, engine: Engine) -> None:
    token = processor.tokenize_card(card("4000000000000002")).token
    first = processor.charge(token, Money.of("5.00"), "k-decline")
    assert processor.charge(token, Money.of("5.00"), "k-decline") == first
    assert count(engine, sandbox_charges) == 1


def test_different_keys_charge_separately(processor: SandboxProcessor, engine: Engine) -> None:
    token = processor.tokenize_card(card()).token
    a = processor.charge(token, Money.of("5.00"), "k-a")
    b = processor.charge(token, Money.of("5.00"), "k-b")
    assert a.reference != b.reference
    assert count(engine, sandbox_charges) == 2


def test_same_key_different_amount_conflicts(processor: SandboxProcessor,
                                             engine: Engine) -> None:
    token = processor.tokenize_card(card()).token
    processor.charge(token, Money.of("45.50"), "k-conflict")
    with pytest.raises(IdempotencyConflict):
        processor.charge(token, Money.of("45.51"), "k-conflict")
    assert count(engine, sandbox_charges) == 1


def test_same_key_different_token_conflicts(processor: SandboxProcessor) -> None:
    token = processor.tokenize_card(card()).token
    other = processor.tokenize_card(card("5555555555554444")).token
    processor.charge(token, Money.of("45.50"), "k-token")
    with pytest.raises(IdempotencyConflict):
        processor.charge(other, Money.of("45.50"), "k-token")


def test_concurrent_same_key_charges_once(processor: SandboxProcessor,
                                          engine: Engine) -> None:
    token = processor.tokenize_card(card()).token
    barrier = threading.Barrier(8)
    results: list[object] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def pay() -> None:
        try:
            barrier.wait()
            result = processor.charge(token, Money.of("99.99"), "same-key-from-8-threads")
            with lock:
                results.append(result)
        except BaseException as exc:  # collected and asserted on below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=pay) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(results) == 8
    assert len({r.reference for r in results}) == 1  # type: ignore[attr-defined]
    assert count(engine, sandbox_charges) == 1


# --- nothing sensitive at rest ---------------------------------------------------------------


def test_no_full_card_number_account_number_or_cvv_is_stored(processor: SandboxProcessor,
                                                             engine: Engine) -> None:
    cards = {"4242424242424242": "737", "5555555555554444": "5190",
             "4000000000009995": "864", "6011111111111117": "9021"}
    for index, (number, cvv) in enumerate(cards.items()):
        token = processor.tokenize_card(card(number, cvv=cvv)).token
        processor.charge(token, Money.of("12.34"), f"card-{index}",
                         f"description mentioning {number}")
    accounts = ["000123456789", "000111111116", "44556677889900"]
    for index, account in enumerate(accounts):
        token = processor.tokenize_bank(bank(account=account)).token
        processor.charge(token, Money.of("12.34"), f"bank-{index}")
    # The connector path receives raw card data too.
    processor.connector_charge({"method": "charge", "transaction_id": "PA-1",
                                "cardnumber": "4000000000000002", "cvv": "4242",
                                "expiry_month": "12", "expiry_year": "2027",
                                "amount": "1.00", "currency_code": "USD"})

    secrets = [*cards, *cards.values(), "4000000000000002", *accounts]
    stored: list[str] = []
    with engine.connect() as conn:
        for table in (sandbox_tokens, sandbox_charges):
            for row in conn.execute(sa.select(table)):
                stored.extend(str(value) for value in row if value is not None)
    assert stored  # the scan really looked at rows
    blob = "\n".join(stored)
    for secret in secrets:
        # CVVs are short; compare whole column values so a year like 2027 is no false alarm.
        if len(secret) <= 4:
            assert secret not in stored, f"security code {secret!r} stored"
        else:
            assert secret not in blob, "a full card/account number was stored"


def test_token_row_keeps_behaviour_not_number(processor: SandboxProcessor,
                                              engine: Engine) -> None:
    processor.tokenize_card(card("4000000000009995"))
    with engine.connect() as conn:
        row = conn.execute(sa.select(sandbox_tokens)).mappings().one()
    assert row["behaviour"] == "insufficient_funds"
    assert row["last4"] == "9995"
    assert row["brand"] == "VISA"
    assert row["routing_number"] is None


def test_charge_rows_record_what_was_charged(processor: SandboxProcessor,
                                             engine: Engine) -> None:
    token = processor.tokenize_card(card()).token
    result = processor.charge(token, Money.of("1250.05"), "k-row", "Bill 2024-001")
    with engine.connect() as conn:
        row = conn.execute(sa.select(sandbox_charges)).mappings().one()
    assert row["amount_cents"] == 125005
    assert row["currency"] == "USD"
    assert row["reference"] == result.reference
    assert row["token"] == token
    created = row["created_at"]
    assert created.replace(tzinfo=UTC) == NOW.astimezone(UTC)


# --- Twilio Generic Pay Connector ------------------------------------------------------------


def connector_card(**overrides: str) -> dict[str, str]:
    request = {"method": "charge", "transaction_id": "PAxxxxxxxxxxxxxxxxxxxxxxxxxxxx01",
               "cardnumber": "4242424242424242", "cvv": "123", "expiry_month": "08",
               "expiry_year": "2027", "postal_code": "60601", "description": "Water bill",
               "amount": "45.50", "currency_code": "USD"}
    request.update(overrides)
    return request


def test_connector_charge_approves_and_never_echoes_card(processor: SandboxProcessor) -> None:
    response = processor.connector_charge(connector_card())
    assert response["error_code"] is None
    assert response["error_message"] is None
    assert REFERENCE.fullmatch(response["charge_id"])
    assert "4242424242424242" not in repr(response)


def test_connector_charge_is_idempotent_per_transaction(processor: SandboxProcessor,
                                                        engine: Engine) -> None:
    first = processor.connector_charge(connector_card())
    again = processor.connector_charge(connector_card())  # Twilio retried the POST
    assert again == first
    assert count(engine, sandbox_charges) == 1
    assert count(engine, sandbox_tokens) == 1  # the retry did not even re-tokenize
    conflict = processor.connector_charge(connector_card(amount="45.51"))
    assert conflict["charge_id"] is None
    assert conflict["error_code"] == "idempotency_conflict"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"cardnumber": "4000000000000002"}, "card_declined"),
        ({"cardnumber": "4000000000009995"}, "insufficient_funds"),
        ({"cardnumber": "4000000000000069"}, "expired_card"),
        ({"cardnumber": "4242424242424241"}, "invalid_payment_method"),
        ({"expiry_year": "2020"}, "invalid_payment_method"),
        ({"expiry_month": "ab"}, "invalid_payment_method"),
        ({"cvv": "1"}, "invalid_payment_method"),
        ({"amount": "0.00"}, "invalid_amount"),
        ({"amount": "12.345"}, "invalid_amount"),
        ({"amount": "lots"}, "invalid_amount"),
        ({"currency_code": "EUR"}, "unsupported_currency"),
        ({"transaction_id": ""}, "invalid_request"),
    ],
)
def test_connector_charge_errors(processor: SandboxProcessor, overrides: dict[str, str],
                                 code: str) -> None:
    response = processor.connector_charge(connector_card(**overrides))
    assert response["charge_id"] is None
    assert response["error_code"] == code
    assert response["error_message"]
    assert not re.search(r"[0-9]{4}", response["error_message"])


def test_connector_charge_with_saved_token(processor: SandboxProcessor) -> None:
    token = processor.tokenize_bank(bank()).token
    response = processor.connector_charge({"method": "charge", "transaction_id": "PA-tok",
                                           "token": token, "amount": "20.00"})
    assert REFERENCE.fullmatch(response["charge_id"])
    unknown = processor.connector_charge({"method": "charge", "transaction_id": "PA-unk",
                                          "token": "tok_nope", "amount": "20.00"})
    assert unknown["error_code"] == "invalid_token"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"bank_account_number": "000123456789", "bank_routing_number": "021000021"}, None),
        ({"account_number": "000111111116", "routing_number": "021000021"},
         "insufficient_funds"),
        ({"bank_account_number": "000222222226", "bank_routing_number": "021000021"},
         "account_closed"),
        ({"bank_account_number": "000123456789", "bank_routing_number": "123456789"},
         "invalid_routing_number"),
        ({"bank_account_number": "12", "bank_routing_number": "021000021"},
         "invalid_payment_method"),
    ],
)
def test_connector_ach_charges(processor: SandboxProcessor, fields: dict[str, str],
                               code: str | None) -> None:
    request = {"method": "charge", "transaction_id": f"PA-{code}", "amount": "30.00",
               "payment_method": "ach-debit", "bank_account_type": "consumer-checking",
               **fields}
    response = processor.connector_charge(request)
    assert response["error_code"] == code
    assert (response["charge_id"] is None) is (code is not None)


def test_connector_tokenize_card(processor: SandboxProcessor) -> None:
    response = processor.connector_request({
        "method": "tokenize", "transaction_id": "PA-t1", "token_type": "reusable",
        "cardnumber": "5555555555554444", "cvv": "123", "expiry_month": "1",
        "expiry_year": "30", "postal_code": "60601"})
    assert response["error_code"] is None
    assert response["parameters"] == {"last4": "4444", "brand": "MASTERCARD"}
    details = processor.token_details(response["token_id"])
    assert details is not None
    assert (details.exp_month, details.exp_year) == (1, 2030)


def test_connector_tokenize_bank(processor: SandboxProcessor) -> None:
    response = processor.connector_tokenize({
        "method": "tokenize", "transaction_id": "PA-t2", "bank_account_number": "000123456789",
        "bank_routing_number": "011000015", "bank_account_type": "consumer-savings"})
    assert response["parameters"] == {"last4": "6789", "bank_account_type": "savings"}
    assert processor.token_details(response["token_id"]).bank_account_type == "savings"  # type: ignore[union-attr]


def test_connector_tokenize_invalid_routing(processor: SandboxProcessor) -> None:
    response = processor.connector_tokenize({
        "method": "tokenize", "bank_account_number": "000123456789",
        "bank_routing_number": "123456789"})
    assert response == {"token_id": None, "error_code": "invalid_routing_number",
                        "error_message": InvalidRoutingNumber.message, "parameters": {}}


@pytest.mark.parametrize("request_body", [{}, {"method": "refund"}, [], "charge"])
def test_connector_request_refuses_what_it_does_not_understand(
        processor: SandboxProcessor, request_body: object) -> None:
    response = processor.connector_request(request_body)  # type: ignore[arg-type]
    assert response["error_code"] == "invalid_request"


def test_connector_request_dispatches_charge(processor: SandboxProcessor) -> None:
    assert REFERENCE.fullmatch(processor.connector_request(connector_card())["charge_id"])


def test_default_clock_is_used_when_none_given(engine: Engine) -> None:
    # Without an injected clock the real date decides; a 2099 expiry is too far, 2 years is ok.
    processor = SandboxProcessor(engine)
    year = datetime.now(UTC).year + 2
    assert processor.tokenize_card(card(year=year)).exp_year == year
