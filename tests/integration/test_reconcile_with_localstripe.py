"""`payline reconcile` in Stripe mode against localstripe: a day paid through Payline is clean,
and a PaymentIntent made with the SDK directly, behind Payline's back, is reported by its id
with exit status 1. A supervisor's refund through the refund service ties out too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import stripe
from click.testing import CliRunner, Result

from domain.adapters.database import upgrade
from domain.adapters.stripe_client import stripe_client
from domain.config import Settings
from domain.model import Actor, Agent, AgentRole, Channel, MethodKind, PaymentStatus, RefundStatus
from domain.money import Money
from domain.ports import TokenizedMethod
from domain.services.payments import MethodChoice, PaymentRequest
from ivr.bootstrap import Container, build_container
from ivr.cli.main import main
from ivr.logging_setup import configure_logging
from tests.integration.conftest import Builders
from tests.stripe_support import LocalStripe

CARD = "4242424242424242"
FEE = Money.of("1.25")
RESIDENT = Actor.resident(Channel.CHAT, "chat-1")


@pytest.fixture
def env(sqlite_url: str, localstripe: LocalStripe) -> dict[str, str]:
    upgrade(sqlite_url)
    return {"PAYLINE_DATABASE_URL": sqlite_url, "PAYLINE_TIMEZONE": "America/Chicago",
            "PAYLINE_PROCESSOR": "stripe", "PAYLINE_STRIPE_API_URL": localstripe.url}


@pytest.fixture
def container(env: dict[str, str]) -> Iterator[Container]:
    built = build_container(Settings.from_env(env))
    yield built
    built.dispose()


@pytest.fixture
def client(localstripe: LocalStripe) -> stripe.StripeClient:
    return stripe_client(localstripe.settings())


def payline(env: dict[str, str], *args: str) -> Result:
    configure_logging()
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def new_card(client: stripe.StripeClient) -> str:
    """A PaymentMethod as Stripe's card fields make one in the browser."""
    method = client.v1.payment_methods.create(params={"type": "card", "card": {
        "number": CARD, "exp_month": 12, "exp_year": 2031, "cvc": "123"}})
    return str(method.id)


def test_a_charge_made_with_the_sdk_behind_paylines_back_is_reported(
        env: dict[str, str], container: Container, client: stripe.StripeClient,
        build: Builders) -> None:
    today = container.clock.today()
    account = build.account(build.customer(email="ana@example.com"), bills=[build.bill(
        due_date=today + timedelta(days=20), total=Money.of("120.00"),
        unpaid=Money.of("120.00"))])
    with container.uow() as uow:
        uow.accounts.add(account)
        uow.commit()
    assert account.id is not None
    payments = container.payment_service()
    method = payments.save_method(account.id, TokenizedMethod(
        MethodKind.CARD, new_card(client), "4242", "VISA", 12, 2031), "visa", RESIDENT)
    paid = payments.pay_now(PaymentRequest(
        account.id, Money.of("25.00"), MethodChoice.saved(method.id),  # type: ignore[arg-type]
        RESIDENT, "chat-1", accepted_fee=FEE)).payment
    assert paid.status == PaymentStatus.APPROVED
    now = container.clock.now()
    container.stores.agents.add(Agent(username="m.chen", display_name="Marcus Chen",
                                      role=AgentRole.SUPERVISOR, password_hash="unused",
                                      created_at=now, password_changed_at=now))
    refunded = container.refund_service().refund(paid.id,  # type: ignore[arg-type]
                                                 Money.of("5.00"), "goodwill",
                                                 Actor.agent("m.chen"), "refund-1")
    assert refunded.refund.status == RefundStatus.SUCCEEDED

    clean = payline(env, "reconcile", "--date", today.isoformat())
    assert clean.exit_code == 0, clean.output
    assert "Processor: stripe" in clean.stdout
    assert "Clean: every charge, refund and dispute of the day matches the ledger." in \
        clean.stdout
    (refunds,) = [x for x in clean.stdout.splitlines() if "Refunds (succeeded)" in x]
    assert refunds.count("$5.00") == 2 and refunds.endswith("$0.00")

    behind = client.v1.payment_intents.create(params={
        "amount": 14782, "currency": "usd", "payment_method": new_card(client),
        "confirm": True, "metadata": {"payline_reference": "payline-MADE-UP99"}})
    assert behind.status == "succeeded"
    result = payline(env, "reconcile", "--date", today.isoformat())
    assert result.exit_code == 1, result.output
    (line,) = [x for x in result.stdout.splitlines() if behind.id in x]
    assert line.strip().startswith("charge the ledger lacks:")
    assert "$147.82" in line and "MADE-UP99" in line
    assert CARD not in result.output and "4242" not in result.output
