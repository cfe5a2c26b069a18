"""The Stripe gateway against localstripe, through the official SDK: PaymentMethods made as
Stripe.js or Twilio's Stripe connector make them, saved on a Stripe Customer, charged as
off-session PaymentIntents with Payline's own idempotency (localstripe replays no key), found
again by Payline's reference, listed for reconciliation, refunded; and an unreachable, slow or
failing Stripe raising ProcessorUnavailable."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import stripe
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from domain.adapters.clock import FixedClock
from domain.adapters.metadata import metadata
from domain.adapters.stripe_client import stripe_client
from domain.adapters.stripe_gateway import StripeGateway
from domain.declines import DECLINE_REASONS
from domain.errors import IdempotencyConflict, InvalidPaymentMethod
from domain.model import BankAccountType, MethodKind
from domain.money import Money
from domain.ports import BankDetails, CardDetails, ProcessorCustomer, ProcessorUnavailable
from sandbox.processor import SANDBOX_TABLES, SandboxProcessor
from tests.http_support import LocalHttpServer, closed_port_url
from tests.stripe_support import LocalStripe, stripe_settings

CHICAGO = ZoneInfo("America/Chicago")
VISA = "4242424242424242"
DECLINED_ON_CHARGE = "4000000000000341"
DECLINED_ON_ATTACH = "4000000000000002"
NEEDS_AUTHENTICATION = "4000002500003155"
TEN = Money.of("10.00")


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[SandboxProcessor]:
    engine: Engine = create_engine(f"sqlite:///{tmp_path / 'bank.db'}")
    metadata.create_all(engine, tables=list(SANDBOX_TABLES))
    yield SandboxProcessor(engine)
    engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(CHICAGO))


@pytest.fixture
def client(localstripe: LocalStripe) -> stripe.StripeClient:
    return stripe_client(localstripe.settings())


@pytest.fixture
def gateway(localstripe: LocalStripe, bank: SandboxProcessor, clock: FixedClock) -> StripeGateway:
    return StripeGateway(localstripe.settings(), bank=bank, clock=clock)


def card(client: stripe.StripeClient, number: str = VISA, exp_year: int = 2031) -> str:
    """A PaymentMethod, as Stripe.js (the pay page) or Twilio's Stripe connector makes it."""
    method = client.v1.payment_methods.create(params={"type": "card", "card": {
        "number": number, "exp_month": 12, "exp_year": exp_year, "cvc": "123"}})
    return str(method.id)


def intents(client: stripe.StripeClient) -> list[Any]:
    return list(client.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter())


def customers(client: stripe.StripeClient) -> list[Any]:
    return list(client.v1.customers.list(params={"limit": 100}).auto_paging_iter())


def holder(number: str = "C000101", processor_id: str | None = None) -> ProcessorCustomer:
    return ProcessorCustomer(customer_number=number, name="Ana Rivera",
                             email="ana@example.com", processor_id=processor_id)


def has_digits(text: str | None) -> bool:
    return any(ch.isdigit() for ch in text or "")


# --- tokens -------------------------------------------------------------------------------


def test_card_numbers_are_refused_politely(gateway: StripeGateway) -> None:
    with pytest.raises(InvalidPaymentMethod) as refused:
        gateway.tokenize_card(CardDetails(VISA, 12, 2031, "123"))
    assert "secure card fields" in refused.value.detail
    assert not has_digits(refused.value.detail)


def test_token_details_of_a_payment_method(gateway: StripeGateway,
                                           client: stripe.StripeClient) -> None:
    token = card(client, exp_year=2032)
    method = gateway.token_details(token)
    assert method is not None
    assert (method.kind, method.token, method.last4, method.brand) == (
        MethodKind.CARD, token, "4242", "VISA")
    assert (method.exp_month, method.exp_year) == (12, 2032)


@pytest.mark.parametrize("garbage", ["pm_doesnotexist", "pm_", "pm_../../v1/customers",
                                     "pm_" + "x" * 300, "", "pm_ space", "pm_%2F"])
def test_garbage_tokens_are_unknown_not_errors(gateway: StripeGateway, garbage: str) -> None:
    assert gateway.token_details(garbage) is None


def test_bank_accounts_stay_with_the_vault(gateway: StripeGateway, bank: SandboxProcessor,
                                           client: stripe.StripeClient) -> None:
    method = gateway.tokenize_bank(BankDetails("011000015", "000123456789",
                                               BankAccountType.CHECKING))
    assert method.kind == MethodKind.BANK and method.token.startswith("tok_")
    assert gateway.token_details(method.token) == bank.token_details(method.token)
    assert bank.reveal_bank_account(method.token).account_number == "000123456789"
    assert customers(client) == []  # Stripe never saw it


# --- saving on a Stripe Customer ------------------------------------------------------------


def test_saving_makes_the_customer_once_and_reuses_it(gateway: StripeGateway,
                                                      client: stripe.StripeClient) -> None:
    first_card, second_card = card(client), card(client)
    first = gateway.save_for_customer(first_card, holder())
    assert first.processor_customer_id and first.processor_customer_id.startswith("cus_")
    assert first.method.token == first_card and first.method.last4 == "4242"
    second = gateway.save_for_customer(second_card,
                                       holder(processor_id=first.processor_customer_id))
    assert second.processor_customer_id == first.processor_customer_id
    (made,) = customers(client)
    assert made.id == first.processor_customer_id
    assert (made.name, made.email) == ("Ana Rivera", "ana@example.com")
    assert made.metadata["payline_customer_number"] == "C000101"
    for token in (first_card, second_card):
        assert client.v1.payment_methods.retrieve(token).customer == made.id


def test_saving_again_is_harmless(gateway: StripeGateway, client: stripe.StripeClient) -> None:
    token = card(client)
    first = gateway.save_for_customer(token, holder())
    # A repeat before Payline stored the customer id (the first request's answer was lost).
    again = gateway.save_for_customer(token, holder())
    assert again.processor_customer_id == first.processor_customer_id
    assert len(customers(client)) == 1


def test_a_card_kept_for_someone_else_is_refused(gateway: StripeGateway,
                                                 client: stripe.StripeClient) -> None:
    token = card(client)
    gateway.save_for_customer(token, holder("C000101"))
    with pytest.raises(InvalidPaymentMethod):
        gateway.save_for_customer(token, holder("C000202"))


def test_a_card_declined_on_attach_is_refused_with_the_reason(
        gateway: StripeGateway, client: stripe.StripeClient) -> None:
    with pytest.raises(InvalidPaymentMethod) as refused:
        gateway.save_for_customer(card(client, DECLINED_ON_ATTACH), holder())
    assert refused.value.detail == DECLINE_REASONS["card_declined"]


def test_an_unknown_card_cannot_be_saved(gateway: StripeGateway) -> None:
    with pytest.raises(InvalidPaymentMethod):
        gateway.save_for_customer("pm_doesnotexist", holder())


def test_a_customer_deleted_at_stripe_is_made_again(gateway: StripeGateway,
                                                    client: stripe.StripeClient) -> None:
    first = gateway.save_for_customer(card(client), holder())
    assert first.processor_customer_id
    client.v1.customers.delete(first.processor_customer_id)
    second = gateway.save_for_customer(card(client), holder(
        processor_id=first.processor_customer_id))
    assert second.processor_customer_id not in (None, first.processor_customer_id)


# --- charging --------------------------------------------------------------------------------


def test_a_saved_card_is_charged_off_session_as_its_customer(
        gateway: StripeGateway, client: stripe.StripeClient) -> None:
    token = card(client)
    saved = gateway.save_for_customer(token, holder())
    result = gateway.charge(token, Money.of("41.25"), "payline-K7MW2Q", "Riverton payment")
    assert result.approved and result.reference and result.reference.startswith("pi_")
    intent = client.v1.payment_intents.retrieve(result.reference)
    assert (intent.amount, intent.currency, intent.status) == (4125, "usd", "succeeded")
    assert intent.customer == saved.processor_customer_id
    assert intent.payment_method == token
    assert intent.metadata["payline_reference"] == "payline-K7MW2Q"
    assert intent.metadata["description"] == "Riverton payment"


def test_a_fresh_card_is_charged_without_a_customer(gateway: StripeGateway,
                                                    client: stripe.StripeClient) -> None:
    result = gateway.charge(card(client), TEN, "payline-FRESH1")
    assert result.approved
    assert client.v1.payment_intents.retrieve(result.reference).customer is None


def test_the_intent_names_the_payment_for_finance_staff(gateway: StripeGateway,
                                                       client: stripe.StripeClient) -> None:
    result = gateway.charge(card(client), TEN, "payline-K7MW-3QTX")
    metadata = client.v1.payment_intents.retrieve(result.reference).metadata
    assert (metadata["payline_reference"], metadata["payline_confirmation"]) == (
        "payline-K7MW-3QTX", "K7MW-3QTX")


def test_a_decline_is_an_outcome_and_replays_as_one(gateway: StripeGateway,
                                                    client: stripe.StripeClient) -> None:
    token = card(client, DECLINED_ON_CHARGE)
    gateway.save_for_customer(token, holder())  # this card attaches, then is declined
    result = gateway.charge(token, TEN, "payline-DECL1")
    assert result.status == "declined" and result.decline_code == "card_declined"
    assert result.decline_reason == DECLINE_REASONS["card_declined"]
    (intent,) = intents(client)
    assert result.reference == intent.id
    assert gateway.charge(token, TEN, "payline-DECL1") == result
    assert len(intents(client)) == 1


def test_a_card_that_needs_authentication_is_declined_off_session(
        gateway: StripeGateway, client: stripe.StripeClient) -> None:
    result = gateway.charge(card(client, NEEDS_AUTHENTICATION), TEN, "payline-SCA1")
    assert result.status == "declined"
    assert result.decline_code == "authentication_required"
    assert result.decline_reason and not has_digits(result.decline_reason)
    assert client.v1.payment_intents.retrieve(result.reference).status == "requires_action"


def test_one_key_charges_once(gateway: StripeGateway, client: stripe.StripeClient) -> None:
    token = card(client)
    first = gateway.charge(token, TEN, "payline-ONCE1")
    again = gateway.charge(token, TEN, "payline-ONCE1")
    assert first.approved and again == first
    assert len(intents(client)) == 1
    gateway.charge(token, TEN, "payline-ONCE2")
    assert len(intents(client)) == 2


def test_one_key_with_another_amount_or_card_is_a_conflict(
        gateway: StripeGateway, client: stripe.StripeClient) -> None:
    token = card(client)
    gateway.charge(token, TEN, "payline-CONF1")
    with pytest.raises(IdempotencyConflict):
        gateway.charge(token, Money.of("10.01"), "payline-CONF1")
    with pytest.raises(IdempotencyConflict):
        gateway.charge(card(client), TEN, "payline-CONF1")
    assert len(intents(client)) == 1


def test_an_intent_left_unconfirmed_is_confirmed_not_made_again(
        gateway: StripeGateway, client: stripe.StripeClient) -> None:
    token = card(client)
    # A crash between creating and confirming: the intent carries the reference already.
    left = client.v1.payment_intents.create(params={
        "amount": 1000, "currency": "usd", "payment_method": token,
        "metadata": {"payline_reference": "payline-HALF1"}})
    assert left.status == "requires_confirmation"
    result = gateway.charge(token, TEN, "payline-HALF1")
    assert result.approved and result.reference == left.id
    assert len(intents(client)) == 1


def test_an_unknown_card_is_declined_as_unknown(gateway: StripeGateway) -> None:
    result = gateway.charge("pm_doesnotexist", TEN, "payline-UNK1")
    assert (result.status, result.decline_code) == ("declined", "invalid_token")


def test_bank_tokens_are_charged_by_the_bank(gateway: StripeGateway, bank: SandboxProcessor,
                                             client: stripe.StripeClient) -> None:
    account = bank.tokenize_bank(BankDetails("011000015", "000123456789",
                                             BankAccountType.CHECKING))
    result = gateway.charge(account.token, TEN, "payline-BANK1")
    assert result.approved and result.reference and result.reference.startswith("SBX-")
    assert intents(client) == []
    assert gateway.find_charge("payline-BANK1") == result


def test_a_card_token_of_another_processor_is_never_charged(
        gateway: StripeGateway, bank: SandboxProcessor, client: stripe.StripeClient,
        clock: FixedClock) -> None:
    # A card saved while the sandbox was the processor: in Stripe mode only Stripe charges cards.
    legacy = bank.tokenize_card(CardDetails(VISA, 12, 2031, "123"))
    result = gateway.charge(legacy.token, TEN, "payline-LEGACY1")
    assert (result.status, result.decline_code) == ("declined", "invalid_token")
    assert gateway.token_details(legacy.token) is None
    assert intents(client) == []
    day = timedelta(days=1)
    assert list(bank.charges_between(clock.now() - day, clock.now() + day)) == []


# --- finding and listing charges ---------------------------------------------------------------


def test_find_charge_by_payline_reference(gateway: StripeGateway,
                                          client: stripe.StripeClient) -> None:
    approved = gateway.charge(card(client), TEN, "payline-FIND1")
    declined = gateway.charge(card(client, DECLINED_ON_CHARGE), TEN, "payline-FIND2")
    assert gateway.find_charge("payline-FIND1") == approved
    assert gateway.find_charge("payline-FIND2") == declined
    assert gateway.find_charge("payline-NOPE") is None
    assert gateway.find_charge("") is None


def test_find_charge_prefers_the_approved_attempt(gateway: StripeGateway,
                                                  client: stripe.StripeClient) -> None:
    for number in (VISA, DECLINED_ON_CHARGE):  # made by someone else, same reference
        try:
            client.v1.payment_intents.create(params={
                "amount": 1000, "currency": "usd", "payment_method": card(client, number),
                "confirm": True, "off_session": True,
                "metadata": {"payline_reference": "payline-TWO1"}})
        except stripe.CardError:
            pass
    found = gateway.find_charge("payline-TWO1")
    assert found is not None and found.approved


def test_charges_between_is_a_half_open_window(gateway: StripeGateway,
                                               client: stripe.StripeClient) -> None:
    first = gateway.charge(card(client), TEN, "payline-WIN1")
    first_created = client.v1.payment_intents.retrieve(first.reference).created
    while int(time.time()) == first_created:  # Stripe's times are whole seconds
        time.sleep(0.05)
    second = gateway.charge(card(client, DECLINED_ON_CHARGE), Money.of("2.50"), "payline-WIN2")
    second_created = client.v1.payment_intents.retrieve(second.reference).created
    start = datetime.fromtimestamp(first_created, UTC)
    end = datetime.fromtimestamp(second_created, UTC)

    (only,) = gateway.charges_between(start, end)
    assert (only.reference, only.payline_reference, only.amount, only.status) == (
        first.reference, "payline-WIN1", TEN, "approved")
    assert only.created_at == start and only.created_at.tzinfo is not None

    both = list(gateway.charges_between(start, end + timedelta(seconds=1)))
    assert [c.reference for c in both] == [first.reference, second.reference]  # oldest first
    assert (both[1].status, both[1].decline_code, both[1].amount) == (
        "declined", "card_declined", Money.of("2.50"))
    assert list(gateway.charges_between(start + timedelta(seconds=1), end)) == []


# --- refunds and disputes ---------------------------------------------------------------------


def test_refunds_full_partial_and_too_much(gateway: StripeGateway,
                                           client: stripe.StripeClient) -> None:
    charge = gateway.charge(card(client), TEN, "payline-REF1")
    assert charge.reference
    partial = gateway.refund(charge.reference, Money.of("3.00"), "refund-1")
    assert partial.succeeded and partial.reference and partial.reference.startswith("re_")
    assert gateway.refund(charge.reference, Money.of("3.00"), "refund-1") == partial  # replay
    with pytest.raises(IdempotencyConflict):
        gateway.refund(charge.reference, Money.of("4.00"), "refund-1")

    too_much = gateway.refund(charge.reference, Money.of("7.01"), "refund-2")
    assert (too_much.status, too_much.reference) == ("failed", None)
    assert too_much.failure_reason == "Only $7.00 of the charge is left to refund."
    rest = gateway.refund(charge.reference, Money.of("7.00"), "refund-3")
    assert rest.succeeded
    nothing_left = gateway.refund(charge.reference, Money.of("0.01"), "refund-4")
    assert nothing_left.status == "failed" and nothing_left.failure_reason

    refunds = list(client.v1.refunds.list(params={"limit": 100}).auto_paging_iter())
    assert sorted(r.amount for r in refunds) == [300, 700]
    assert {r.metadata["payline_reference"] for r in refunds} == {"refund-1", "refund-3"}


def test_a_full_refund(gateway: StripeGateway, client: stripe.StripeClient) -> None:
    charge = gateway.charge(card(client), TEN, "payline-REF2")
    assert charge.reference
    assert gateway.refund(charge.reference, TEN, "refund-all").succeeded


def test_a_failed_or_unknown_charge_is_not_refunded(gateway: StripeGateway,
                                                    client: stripe.StripeClient) -> None:
    declined = gateway.charge(card(client, DECLINED_ON_CHARGE), TEN, "payline-REF3")
    assert declined.reference
    for reference in (declined.reference, "pi_doesnotexist"):
        result = gateway.refund(reference, TEN, f"refund-{reference}")
        assert result.status == "failed" and result.failure_reason
    assert list(client.v1.refunds.list().auto_paging_iter()) == []


def test_refunds_between(gateway: StripeGateway, client: stripe.StripeClient) -> None:
    charge = gateway.charge(card(client), TEN, "payline-REF4")
    assert charge.reference
    before = datetime.now(UTC) - timedelta(seconds=2)
    done = gateway.refund(charge.reference, Money.of("4.00"), "refund-listed")
    (listed,) = gateway.refunds_between(before, datetime.now(UTC) + timedelta(seconds=2))
    assert (listed.reference, listed.charge_reference, listed.amount, listed.status,
            listed.payline_reference) == (done.reference, charge.reference, Money.of("4.00"),
                                          "succeeded", "refund-listed")
    assert list(gateway.refunds_between(before - timedelta(hours=1), before)) == []


def test_localstripe_has_no_disputes(gateway: StripeGateway,
                                     caplog: pytest.LogCaptureFixture) -> None:
    window = (datetime.now(UTC) - timedelta(days=1), datetime.now(UTC))
    with caplog.at_level(logging.WARNING):
        assert list(gateway.disputes_between(*window)) == []
        assert list(gateway.disputes_between(*window)) == []
    assert len([r for r in caplog.records if "disputes" in r.getMessage()]) == 1


# --- Stripe unreachable, slow or failing -------------------------------------------------------


class _Silent(BaseHTTPRequestHandler):
    """Accepts the connection, reads the request, never answers in time."""

    def do_GET(self) -> None:
        time.sleep(3)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


def _failing(status: int) -> type[BaseHTTPRequestHandler]:
    class Failing(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"error": {"type": "api_error", "message": "boom"}}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass
    return Failing


def _unavailable_calls(gateway: StripeGateway) -> list[Any]:
    now = datetime.now(UTC)
    return [
        lambda: gateway.charge("pm_card123", TEN, "payline-DOWN1"),
        lambda: gateway.find_charge("payline-DOWN1"),
        lambda: gateway.token_details("pm_card123"),
        lambda: gateway.save_for_customer("pm_card123", holder()),
        lambda: gateway.refund("pi_123", TEN, "refund-down"),
        lambda: list(gateway.charges_between(now - timedelta(hours=1), now)),
        lambda: list(gateway.refunds_between(now - timedelta(hours=1), now)),
    ]


def test_stripe_unreachable_is_processor_unavailable(bank: SandboxProcessor,
                                                     clock: FixedClock) -> None:
    gateway = StripeGateway(stripe_settings(closed_port_url()), bank=bank, clock=clock)
    for call in _unavailable_calls(gateway):
        with pytest.raises(ProcessorUnavailable):
            call()


def test_stripe_too_slow_is_processor_unavailable(bank: SandboxProcessor,
                                                  clock: FixedClock) -> None:
    with LocalHttpServer(_Silent) as silent:
        gateway = StripeGateway(stripe_settings(silent.url, timeout_seconds=1), bank=bank,
                                clock=clock)
        started = time.monotonic()
        with pytest.raises(ProcessorUnavailable):
            gateway.charge("pm_card123", TEN, "payline-SLOW1")
        assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("status", [500, 503, 429, 409])
def test_stripe_failing_or_throttling_is_processor_unavailable(
        bank: SandboxProcessor, clock: FixedClock, status: int) -> None:
    with LocalHttpServer(_failing(status)) as failing:
        gateway = StripeGateway(stripe_settings(failing.url), bank=bank, clock=clock)
        for call in _unavailable_calls(gateway):
            with pytest.raises(ProcessorUnavailable):
                call()


def test_processor_unavailable_is_no_domain_error() -> None:
    from domain.errors import DomainError

    assert issubclass(ProcessorUnavailable, ConnectionError)
    assert not issubclass(ProcessorUnavailable, DomainError)
