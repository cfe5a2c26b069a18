"""The sandbox processor keeps Payline's reference on every charge and finds charges again by it
or by time (the PaymentGateway lookup the runner and the reconciliation use), on SQLite and
PostgreSQL with the real migrations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from domain.adapters.clock import FixedClock
from domain.money import Money
from domain.ports import CardDetails
from sandbox.processor import SandboxProcessor, sandbox_charges

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 23, 10, 30, tzinfo=CHICAGO)
CARD = "4242424242424242"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def processor(engine: Engine, clock: FixedClock) -> Iterator[SandboxProcessor]:
    yield SandboxProcessor(engine, clock=clock)


def connector_charge(processor: SandboxProcessor, transaction: str, *,
                     number: str = CARD, amount: str = "147.82",
                     parameters: Any = None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": "charge", "transaction_id": transaction, "cardnumber": number,
        "cvv": "123", "expiry_month": "12", "expiry_year": "30", "postal_code": "60601",
        "description": "City of Riverton payment K7MW-3QTX", "amount": amount,
        "currency_code": "USD"}
    if parameters is not None:
        request["parameters"] = parameters
    return processor.connector_charge(request)


def stored_references(engine: Engine) -> list[str | None]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(sandbox_charges.c.payline_reference)
                                 .order_by(sandbox_charges.c.id)).scalars())


def test_a_connector_charge_keeps_the_pay_parameter_and_is_found_by_it(
        processor: SandboxProcessor, engine: Engine) -> None:
    response = connector_charge(processor, "PK1",
                                parameters={"payline_reference": "payline-K7MW-3QTX"})
    found = processor.find_charge("payline-K7MW-3QTX")
    assert found is not None and found.approved
    assert found.reference == response["charge_id"]
    assert stored_references(engine) == ["payline-K7MW-3QTX"]
    assert processor.find_charge("payline-OTHR-REFS") is None
    assert processor.find_charge("") is None


def test_the_approved_charge_wins_over_an_earlier_decline(processor: SandboxProcessor) -> None:
    params = {"payline_reference": "payline-K7MW-3QTX"}
    connector_charge(processor, "PK1", number="4000000000000002", parameters=params)
    declined = processor.find_charge("payline-K7MW-3QTX")
    assert declined is not None and declined.decline_code == "card_declined"
    approved = connector_charge(processor, "PK2", parameters=params)
    found = processor.find_charge("payline-K7MW-3QTX")
    assert found is not None and found.reference == approved["charge_id"]


def test_a_charge_payline_makes_is_found_by_its_idempotency_key(
        processor: SandboxProcessor) -> None:
    token = processor.tokenize_card(CardDetails(CARD, 12, 2030, "123")).token
    result = processor.charge(token, Money.of("41.25"), "payline-AB2C-D3EF")
    assert processor.find_charge("payline-AB2C-D3EF") == result


@pytest.mark.parametrize("parameters", [
    {"payline_reference": "4242 4242 4242 4242"},  # a card number never lands in the table
    {"payline_reference": "payline-<script>"},
    {"payline_reference": 12345},
    {"payline_reference": "x" * 201},
    {"other": "payline-K7MW-3QTX"},
    "payline_reference=payline-K7MW-3QTX",
    [],
])
def test_an_unusable_parameter_is_not_kept_and_the_charge_still_happens(
        processor: SandboxProcessor, engine: Engine, parameters: object) -> None:
    response = connector_charge(processor, "PK1", parameters=parameters)
    assert response["error_code"] is None
    assert stored_references(engine) == [None]


def test_charges_are_listed_by_time_without_card_digits(processor: SandboxProcessor,
                                                        clock: FixedClock) -> None:
    connector_charge(processor, "PK1", parameters={"payline_reference": "payline-AAAA-AAAA"})
    clock.advance(minutes=10)
    connector_charge(processor, "PK2", amount="20.00", number="4000000000000002",
                     parameters={"payline_reference": "payline-BBBB-BBBB"})
    clock.advance(minutes=10)
    connector_charge(processor, "PK3", amount="5.00")
    listed = list(processor.charges_between(NOW, NOW + timedelta(minutes=20)))
    assert [(c.payline_reference, c.amount, c.status) for c in listed] == [
        ("payline-AAAA-AAAA", Money.of("147.82"), "approved"),
        ("payline-BBBB-BBBB", Money.of("20.00"), "declined")]
    assert listed[0].created_at == NOW.astimezone(UTC)
    assert listed[1].decline_code == "card_declined"
    (last,) = processor.charges_between(NOW + timedelta(minutes=20),
                                        NOW + timedelta(minutes=21))
    assert (last.payline_reference, last.amount) == (None, Money.of("5.00"))
    assert CARD not in repr(listed) and "0002" not in repr(listed)
