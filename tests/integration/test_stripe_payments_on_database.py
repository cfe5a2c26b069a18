"""Payments in Stripe mode on the real stack: the composition root with PAYLINE_PROCESSOR=stripe
(SQLite, the SQLAlchemy unit of work) against localstripe. A saved card lives on the Payline
customer's Stripe Customer; pay now, a scheduled payment settled by the runner, and a charge
whose answer was lost (a timeout) that the runner finishes: each charged exactly once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
import requests
import stripe

from domain.adapters.clock import FixedClock
from domain.adapters.database import upgrade
from domain.adapters.stripe_client import stripe_client
from domain.adapters.stripe_gateway import StripeGateway
from domain.config import Settings
from domain.errors import InvalidPaymentMethod
from domain.model import Actor, Channel, MethodKind, PaymentStatus
from domain.money import Money
from domain.ports import TokenizedMethod
from domain.services.ach import AchService
from domain.services.payment_notices import PaymentNotices
from domain.services.payments import MethodChoice, PaymentRequest, PaymentService
from domain.services.processing import ScheduledPaymentRunner
from ivr.bootstrap import Container, build_container
from sandbox.processor import SandboxProcessor
from tests.fakes import FakeNotifier
from tests.http_support import LocalHttpServer, closed_port_url
from tests.integration.conftest import CITY_TZ, Builders
from tests.stripe_support import LocalStripe, stripe_settings

FEE = Money.of("1.25")
RESIDENT = Actor.resident(Channel.CHAT, "chat-1")


@pytest.fixture
def city(sqlite_url: str, localstripe: LocalStripe, build: Builders) -> Iterator[dict[str, Any]]:
    upgrade(sqlite_url)
    clock = FixedClock(datetime.now(CITY_TZ))
    container = build_container(Settings.from_env({
        "PAYLINE_DATABASE_URL": sqlite_url, "PAYLINE_PROCESSOR": "stripe",
        "PAYLINE_STRIPE_API_URL": localstripe.url}), clock=clock)
    customer = build.customer(customer_number="C004242", name="Ana Rivera",
                              email="ana@example.com")
    account = build.account(customer, bills=[build.bill(
        due_date=clock.today() + timedelta(days=20), total=Money.of("120.00"),
        unpaid=Money.of("120.00"))])
    with container.uow() as uow:
        uow.accounts.add(account)
        uow.commit()
    yield {"container": container, "clock": clock, "account_id": account.id,
           "client": stripe_client(localstripe.settings())}
    container.dispose()


def new_card(client: stripe.StripeClient, number: str = "4242424242424242") -> TokenizedMethod:
    """A PaymentMethod made in Stripe's fields, read back as the pay page reads it."""
    method = client.v1.payment_methods.create(params={"type": "card", "card": {
        "number": number, "exp_month": 12, "exp_year": 2031, "cvc": "123"}})
    return TokenizedMethod(MethodKind.CARD, str(method.id), "4242", "VISA", 12, 2031)


def intents(client: stripe.StripeClient) -> list[Any]:
    return list(client.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter())


def runner(container: Container, payments: PaymentService) -> ScheduledPaymentRunner:
    return ScheduledPaymentRunner(container.uow, container.clock, payments,
                                  AchService(container.uow, container.clock, payments,
                                             vault=container.vault))


def test_stripe_mode_wires_the_stripe_gateway_with_the_bank_vault(city: dict[str, Any]) -> None:
    container = city["container"]
    assert isinstance(container.gateway, StripeGateway)
    assert isinstance(container.vault, SandboxProcessor)


def test_pay_now_with_a_card_saved_on_the_stripe_customer(city: dict[str, Any]) -> None:
    container, client, account_id = city["container"], city["client"], city["account_id"]
    payments = container.payment_service()
    first = payments.save_method(account_id, new_card(client), "visa", RESIDENT)
    second = payments.save_method(account_id, new_card(client), "spare", RESIDENT)
    with container.uow() as uow:
        customer = uow.accounts.get(account_id).customer  # type: ignore[union-attr]
        stripe_customer = customer.processor_customer_id
    assert stripe_customer and stripe_customer.startswith("cus_")
    (made,) = client.v1.customers.list().auto_paging_iter()
    assert made.id == stripe_customer
    assert {client.v1.payment_methods.retrieve(m.token).customer
            for m in (first, second)} == {stripe_customer}

    outcome = payments.pay_now(PaymentRequest(
        account_id, Money.of("40.00"), MethodChoice.saved(first.id), RESIDENT,  # type: ignore[arg-type]
        "chat-1-pay", accepted_fee=FEE))
    assert outcome.approved
    (intent,) = intents(client)
    assert outcome.payment.processor_reference == intent.id
    assert (intent.amount, intent.customer, intent.payment_method) == (
        4125, stripe_customer, first.token)
    assert intent.metadata["payline_reference"] == (
        f"payline-{outcome.payment.confirmation_number}")
    # A repeated request is answered from the ledger: no second PaymentIntent.
    assert payments.pay_now(PaymentRequest(
        account_id, Money.of("40.00"), MethodChoice.saved(first.id), RESIDENT,  # type: ignore[arg-type]
        "chat-1-pay", accepted_fee=FEE)).replayed
    assert len(intents(client)) == 1


def test_pay_and_save_on_the_pay_page(city: dict[str, Any]) -> None:
    container, client, account_id = city["container"], city["client"], city["account_id"]
    payments = container.payment_service()
    card = new_card(client)
    outcome = payments.pay_now(PaymentRequest(
        account_id, Money.of("20.00"), MethodChoice.new(card, save_as="my visa"), RESIDENT,
        "link-1", accepted_fee=FEE))
    assert outcome.approved
    (saved,) = payments.saved_methods(account_id)
    assert (saved.token, saved.nickname) == (card.token, "my visa")
    assert client.v1.payment_methods.retrieve(card.token).customer is not None
    assert intents(client)[0].customer == client.v1.payment_methods.retrieve(
        card.token).customer


def test_a_card_declined_on_attach_is_not_saved(city: dict[str, Any]) -> None:
    container, client, account_id = city["container"], city["client"], city["account_id"]
    payments = container.payment_service()
    with pytest.raises(InvalidPaymentMethod):
        payments.save_method(account_id, new_card(client, "4000000000000002"), "bad", RESIDENT)
    with pytest.raises(InvalidPaymentMethod):
        payments.pay_now(PaymentRequest(
            account_id, Money.of("20.00"),
            MethodChoice.new(new_card(client, "4000000000000002"), save_as="bad"), RESIDENT,
            "link-2", accepted_fee=FEE))
    assert payments.saved_methods(account_id) == []
    assert payments.history(account_id) == []
    assert intents(client) == []


def test_the_runner_settles_a_scheduled_card_payment(city: dict[str, Any]) -> None:
    container, client, clock = city["container"], city["client"], city["clock"]
    payments = container.payment_service()
    method = payments.save_method(city["account_id"], new_card(client), "visa", RESIDENT)
    scheduled = payments.schedule(PaymentRequest(
        city["account_id"], Money.of("30.00"), MethodChoice.saved(method.id), RESIDENT,  # type: ignore[arg-type]
        "chat-1-schedule", accepted_fee=FEE,
        scheduled_for=clock.today() + timedelta(days=3))).payment
    assert intents(client) == []
    clock.advance(days=3)
    summary = runner(container, payments).run()
    assert (summary.submitted, summary.approved, summary.errors) == (1, 1, [])
    (intent,) = intents(client)
    assert intent.amount == 3125 and intent.status == "succeeded"
    assert payments.find(city["account_id"], scheduled.confirmation_number).status == (
        PaymentStatus.APPROVED)
    assert runner(container, payments).run().approved == 0
    assert len(intents(client)) == 1


class _LosingProxy:
    """Stripe as seen through a network that loses the answer to the first PaymentIntent
    created: the request reaches Stripe (the card is charged), the answer never comes back
    in time. Everything else passes through."""

    def __init__(self, target: str) -> None:
        self.lost = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "connection")}
                answer = requests.request(self.command, target + self.path, data=body,
                                          headers=headers, timeout=10)
                if (self.command == "POST" and self.path == "/v1/payment_intents"
                        and not proxy.lost.is_set()):
                    proxy.lost.set()
                    time.sleep(2.5)  # past the gateway's 1 s timeout; the answer is dropped
                    return
                self.send_response(answer.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_DELETE = _forward

            def log_message(self, *args: object) -> None:
                pass

        self.server = LocalHttpServer(Handler)


def test_a_lost_answer_then_the_runner_charges_once(city: dict[str, Any],
                                                    localstripe: LocalStripe) -> None:
    container, client, clock = city["container"], city["client"], city["clock"]
    proxy = _LosingProxy(localstripe.url)
    with proxy.server as server:
        slow = StripeGateway(stripe_settings(server.url, timeout_seconds=1),
                             bank=container.vault, clock=clock)  # type: ignore[arg-type]
        payments = PaymentService(container.uow, clock, slow, PaymentNotices(FakeNotifier()))
        method = payments.save_method(city["account_id"], new_card(client), "visa", RESIDENT)
        outcome = payments.pay_now(PaymentRequest(
            city["account_id"], Money.of("50.00"), MethodChoice.saved(method.id),  # type: ignore[arg-type]
            RESIDENT, "chat-1-lost", accepted_fee=FEE))
    assert proxy.lost.is_set()
    # The resident hears "submitted"; the ledger says pending; Stripe has charged.
    assert outcome.payment.status == PaymentStatus.PENDING
    (charged,) = intents(client)
    assert charged.status == "succeeded"

    clock.advance(minutes=5)  # past the runner's stale_after
    service = container.payment_service()  # Stripe reachable again
    summary = runner(container, service).run()
    assert (summary.recovered, summary.approved) == (1, 1)
    assert len(intents(client)) == 1  # found by its reference, never charged again
    settled = service.find(city["account_id"], outcome.payment.confirmation_number)
    assert (settled.status, settled.processor_reference) == (PaymentStatus.APPROVED, charged.id)


def test_stripe_down_leaves_the_payment_pending_for_the_runner(city: dict[str, Any]) -> None:
    container, client, clock = city["container"], city["client"], city["clock"]
    payments = container.payment_service()
    method = payments.save_method(city["account_id"], new_card(client), "visa", RESIDENT)
    down = StripeGateway(stripe_settings(closed_port_url()), bank=container.vault,  # type: ignore[arg-type]
                         clock=clock)
    offline = PaymentService(container.uow, clock, down, PaymentNotices(FakeNotifier()))
    outcome = offline.pay_now(PaymentRequest(
        city["account_id"], Money.of("10.00"), MethodChoice.saved(method.id), RESIDENT,  # type: ignore[arg-type]
        "chat-1-down", accepted_fee=FEE))
    assert outcome.payment.status == PaymentStatus.PENDING
    assert intents(client) == []
    # The runner while Stripe is still down: still pending, an error reported, no charge.
    clock.advance(minutes=5)
    still = runner(container, offline).run()
    assert still.approved == 0 and still.errors
    summary = runner(container, payments).run()
    assert summary.approved == 1
    assert len(intents(client)) == 1
