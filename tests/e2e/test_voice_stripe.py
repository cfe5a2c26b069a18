"""Whole phone calls in Stripe mode (PAYLINE_PROCESSOR=stripe) through the real Flask app on
SQLite, against localstripe: the phone simulator plays Twilio's Stripe Pay Connector (the keyed
card becomes a PaymentMethod at localstripe, its id the <Pay> PaymentToken), and Payline
charges it with its own PaymentIntent, paying now or on the scheduled day."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.adapters.stripe_client import stripe_client
from domain.adapters.stripe_gateway import StripeGateway
from domain.money import Money
from domain.ports import ChargeResult
from ivr.cli.processing import runner_for
from tests.e2e.voice_support import BANK, CITY_TZ, DANA, LUCIA, NOW, SAMUEL, VoiceCity, voice_city
from tests.http_support import closed_port_url
from tests.stripe_support import LocalStripe

CARD = ["4242424242424242", "1230", "123", "60601"]
DECLINED_ON_CHARGE = ["4000000000000341", "1230", "123", "60601"]
NEEDS_AUTHENTICATION = ["4000002500003155", "1230", "123", "60601"]
DANA_TOTAL_CENTS = 14657 + 125  # the full balance and the card fee
STRANGER = "+13125550199"


@pytest.fixture
def city(tmp_path: Path, localstripe: LocalStripe) -> Iterator[VoiceCity]:
    yield from voice_city(tmp_path, stripe=localstripe.settings())


def identify(account: str, factor: str) -> list[str]:
    return ["1", f"{account}#", "1", f"{factor}#"]


def pay_in_full_by_card(account: str, factor: str, card: list[str],
                        language: str = "1") -> list[str]:
    """Main menu 2 (pay now), identified, the full amount, card, fee accepted, the card."""
    return [language, "2", *identify(account, factor), "1", "1", "1", *card]


def intents(localstripe: LocalStripe) -> list[Any]:
    client = stripe_client(localstripe.settings())
    return list(client.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter())


def no_card_digits_reached_the_app(call: Any, card: list[str]) -> bool:
    return all(card[0] not in value for _, params in call.requests for value in params.values())


def balance_cents(city: VoiceCity, account_id: int) -> int:
    return city.container.balance_service().summary(account_id).total_due.cents


# --- paying now -----------------------------------------------------------------------------


def test_paying_now_by_card_makes_one_payment_intent_with_the_payments_reference(
        city: VoiceCity, localstripe: LocalStripe) -> None:
    call = city.call([*pay_in_full_by_card(DANA, "1234", CARD), "2", "hangup"])
    assert "was approved" in call.said
    (payment,) = city.payments(DANA)
    assert payment.status == "approved"
    assert (payment.amount_cents, payment.fee_cents) == (14657, 125)
    assert payment.method_token.startswith("pm_")
    assert payment.method_label == "VISA ending 4242"
    (pay,) = call.pay_results
    assert pay["Result"] == "success" and pay["PaymentToken"] == payment.method_token
    assert pay["PaymentCardNumber"] == "xxxx-xxxx-xxxx-4242"
    assert no_card_digits_reached_the_app(call, CARD)  # Twilio's side had them, not Payline
    (intent,) = intents(localstripe)
    assert intent.metadata["payline_reference"] == f"payline-{payment.confirmation_number}"
    assert intent.amount == DANA_TOTAL_CENTS and intent.status == "succeeded"
    assert intent.payment_method == payment.method_token
    assert payment.processor_reference == intent.id
    assert balance_cents(city, payment.account_id) == 0
    conf = payment.confirmation_number.replace("-", "")
    assert " ".join(conf) in call.said


def test_the_connector_was_asked_for_a_payment_method_only(city: VoiceCity) -> None:
    call = city.call([*pay_in_full_by_card(DANA, "1234", CARD), "2", "hangup"])
    (connector,) = call.of_kind("connector")
    assert connector.attrs["token_type"] == "payment-method"
    assert connector.attrs["connector"] == "Stripe"
    assert connector.attrs["token_id"].startswith("pm_")
    assert "PaymentAmount" not in call.pay_results[0]  # <Pay> charged nothing


def test_a_card_declined_at_charge_is_worded_and_another_card_pays(
        city: VoiceCity, localstripe: LocalStripe) -> None:
    call = city.call([*pay_in_full_by_card(DANA, "1234", DECLINED_ON_CHARGE),
                      "1", "1", *CARD, "2", "hangup"])
    assert "the card was declined. Nothing was charged." in call.said
    first, second = city.payments(DANA)
    assert first.status == "rejected" and first.rejection_reason
    assert second.status == "approved"
    by_reference = {i.metadata["payline_reference"]: i for i in intents(localstripe)}
    assert set(by_reference) == {f"payline-{first.confirmation_number}",
                                 f"payline-{second.confirmation_number}"}
    assert by_reference[f"payline-{second.confirmation_number}"].status == "succeeded"
    assert balance_cents(city, second.account_id) == 0


def test_a_decline_in_spanish(city: VoiceCity) -> None:
    call = city.call([*pay_in_full_by_card(LUCIA, "507", DECLINED_ON_CHARGE, language="2"),
                      "3", "hangup"])
    assert "la tarjeta fue rechazada. No se cobró nada." in call.said
    assert "Para intentar con otra tarjeta, oprima 1" in call.said
    (payment,) = city.payments(LUCIA)
    assert payment.status == "rejected"


def test_a_card_whose_bank_wants_to_confirm_gets_a_texted_pay_link(
        city: VoiceCity, localstripe: LocalStripe) -> None:
    call = city.call([*pay_in_full_by_card(DANA, "1234", NEEDS_AUTHENTICATION), "1",
                      "hangup"])
    assert "bank wants to confirm this payment" in call.said
    assert "Nothing was charged" in call.said
    assert "We sent a secure payment link" in call.said
    (payment,) = city.payments(DANA)
    assert payment.status == "rejected"
    (intent,) = intents(localstripe)
    assert intent.status != "succeeded"  # left for the card holder's bank: not charged
    (text,) = [m for m in city.outbox(STRANGER) if "/pay/" in m.body]
    assert "pay securely here" in text.body
    assert balance_cents(city, payment.account_id) == 14657  # still owed, payable by link


def test_stripe_unreachable_at_charge_time_leaves_it_pending_and_the_runner_charges_once(
        city: VoiceCity, localstripe: LocalStripe) -> None:
    container = city.container
    reachable = container.gateway
    assert isinstance(reachable, StripeGateway)
    down = StripeGateway(replace(localstripe.settings(), api_url=closed_port_url()),
                         bank=container.vault, clock=container.clock)  # type: ignore[arg-type]
    container.gateway = _ChargesThrough(reachable, down)  # type: ignore[assignment]
    try:
        call = city.call([*pay_in_full_by_card(DANA, "1234", CARD), "hangup"])
    finally:
        container.gateway = reachable
    assert "couldn't reach the card processor" in call.said
    assert "has not been charged yet" in call.said and "try again" in call.said
    assert "An application error" not in call.said and not call.of_kind("http_error")
    (payment,) = city.payments(DANA)
    assert payment.status == "pending" and payment.method_token.startswith("pm_")
    assert intents(localstripe) == []
    city.clock.set(NOW + timedelta(minutes=3))  # stale: the runner's recovery retries
    runner_for(container, 120).run()
    runner_for(container, 120).run()  # and again: nothing more happens
    (payment,) = city.payments(DANA)
    assert payment.status == "approved"
    (intent,) = intents(localstripe)
    assert intent.metadata["payline_reference"] == f"payline-{payment.confirmation_number}"
    assert intent.amount == DANA_TOTAL_CENTS


class _ChargesThrough:
    """The app's gateway, except that charges go to a Stripe nobody answers at."""

    def __init__(self, real: StripeGateway, charges: StripeGateway) -> None:
        self._real = real
        self._charges = charges

    def charge(self, token: str, amount: Money, idempotency_key: str,
               description: str = "") -> ChargeResult:
        return self._charges.charge(token, amount, idempotency_key, description)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


# --- scheduling -----------------------------------------------------------------------------


def test_a_scheduled_card_payment_keeps_the_payment_method_and_the_runner_charges_it(
        city: VoiceCity, localstripe: LocalStripe) -> None:
    call = city.call(["1", "3", *identify(DANA, "1234"), "1", "1201", "1", *CARD, "1", "2",
                      "hangup"])
    assert "with the card ending in" in call.said and "is scheduled for" in call.said
    (payment,) = city.payments(DANA)
    assert payment.status == "scheduled" and str(payment.scheduled_for) == "2026-12-01"
    assert payment.method_token.startswith("pm_")
    assert intents(localstripe) == []  # nothing charged by phone
    city.clock.set(datetime(2026, 12, 1, 6, 0, tzinfo=CITY_TZ))
    runner_for(city.container, 120).run()
    (payment,) = city.payments(DANA)
    assert payment.status == "approved"
    (intent,) = intents(localstripe)
    assert intent.metadata["payline_reference"] == f"payline-{payment.confirmation_number}"
    assert intent.payment_method == payment.method_token
    assert intent.amount == payment.amount_cents + payment.fee_cents


# --- bank accounts stay on the ACH path -----------------------------------------------------


def test_a_bank_account_by_phone_stays_on_the_ach_path(
        city: VoiceCity, localstripe: LocalStripe) -> None:
    call = city.call(["1", "2", *identify(SAMUEL, "3021"), "1", "2", "1", *BANK, "1", "2",
                      "hangup"])
    assert "one-time electronic debit" in call.said
    assert "will be debited from your account in 1 to 2 business days" in call.said
    (payment,) = city.payments(SAMUEL)
    assert (payment.status, payment.method_kind, payment.fee_cents) == ("pending", "bank", 0)
    assert not payment.method_token.startswith("pm_")
    assert intents(localstripe) == []  # Stripe never saw the bank account
