"""A caller hears, with the balance, that a recent payment was refunded or is disputed, in
English and in Spanish (the real app, a seeded demo city, the sandbox processor)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.model import Actor, Channel, MethodKind, Payment
from domain.money import Money
from domain.ports import CardDetails
from domain.services.payments import MethodChoice, PaymentRequest
from tests.e2e.test_voice_calls import identify
from tests.e2e.voice_support import DANA, LUCIA, VoiceCity, voice_city

SUPERVISOR = Actor.agent("m.chen")


@pytest.fixture
def city(tmp_path: Path) -> Iterator[VoiceCity]:
    yield from voice_city(tmp_path)


def card_payment(city: VoiceCity, number: str, amount: str) -> Payment:
    (row,) = city.rows("SELECT id FROM accounts WHERE account_number = :n", n=number)
    service = city.container.payment_service()
    card = city.container.gateway.tokenize_card(CardDetails("4242424242424242", 12, 2030, "123"))
    outcome = service.pay_now(PaymentRequest(
        int(row.id), Money.of(amount), MethodChoice.new(card),
        Actor.resident(Channel.WEB, "web-1"), f"pay-{number}-{amount}",
        accepted_fee=service.fee(MethodKind.CARD)))
    assert outcome.approved
    return outcome.payment


def test_a_refund_and_a_dispute_are_said_with_the_balance(city: VoiceCity) -> None:
    refunded = card_payment(city, DANA, "20.00")
    disputed = card_payment(city, DANA, "10.00")
    city.container.refund_service().refund(refunded.id, Money.of("5.00"), "goodwill",  # type: ignore[arg-type]
                                           SUPERVISOR, "k-1")
    city.container.dispute_service().opened("dp_1", disputed.processor_reference or "",
                                            disputed.total, "fraudulent")
    said = city.call(["1", "1", *identify(DANA, "1234"), "hangup"]).said
    assert "Of your payment of twenty-one dollars and twenty-five cents on" in said
    assert ", five dollars was refunded." in said
    assert ("Your payment of eleven dollars and twenty-five cents on" in said
            and "is disputed by your bank, so that amount is owed again" in said)


def test_a_full_refund_in_spanish(city: VoiceCity) -> None:
    payment = card_payment(city, LUCIA, "20.00")
    city.container.refund_service().refund(payment.id, None, "duplicado", SUPERVISOR, "k-1")  # type: ignore[arg-type]
    said = city.call(["2", "1", *identify(LUCIA, "507"), "hangup"]).said
    assert "Su pago de 21 dólares con 25 centavos del" in said
    assert "se reembolsó por completo" in said


def test_nothing_is_said_when_no_money_went_back(city: VoiceCity) -> None:
    card_payment(city, DANA, "20.00")
    said = city.call(["1", "1", *identify(DANA, "1234"), "hangup"]).said
    assert "refunded" not in said and "disputed" not in said
