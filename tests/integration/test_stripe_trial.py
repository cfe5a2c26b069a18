"""The Stripe-mode local trial's own commands against localstripe: `payline seed` works in Stripe
mode, `payline stripe-demo-cards` makes the demo's saved cards Stripe PaymentMethods on each
resident's Stripe Customer (once), a payment with such a card is a PaymentIntent, and
`payline stripe-dispute` sends Stripe's signed dispute events to the running app, which
reverses the payment and restores it when the dispute is won."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from domain.adapters.orm import customers, payment_methods
from domain.adapters.stripe_client import stripe_client
from domain.config import Settings
from domain.model import Actor, Channel, DisputeStatus, MethodKind, PaymentStatus
from domain.money import Money
from domain.services.payments import MethodChoice, PaymentRequest
from ivr import create_app
from ivr.bootstrap import Container, build_container
from ivr.cli.main import main
from ivr.settings import ChannelSettings
from tests.http_support import served
from tests.stripe_support import LocalStripe

Invoke = Callable[..., Result]
DANA = "0104200731"


@pytest.fixture
def env(tmp_path: Path, localstripe: LocalStripe) -> dict[str, str]:
    return {"PAYLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'payline.db'}",
            "PAYLINE_VAR_DIR": str(tmp_path), "PAYLINE_PROCESSOR": "stripe",
            "PAYLINE_STRIPE_API_URL": localstripe.url}


@pytest.fixture
def payline(env: dict[str, str]) -> Invoke:
    def invoke(*args: str, **more: str) -> Result:
        return CliRunner().invoke(main, list(args), env={**env, **more},
                                  catch_exceptions=False)
    assert invoke("db", "upgrade").exit_code == 0
    seeded = invoke("seed", "--accounts", "20")
    assert seeded.exit_code == 0, seeded.output
    return invoke


@pytest.fixture
def container(env: dict[str, str], payline: Invoke) -> Iterator[Container]:
    container = build_container(Settings.from_env(env))
    yield container
    container.dispose()


def dana_card(container: Container) -> tuple[int, str, str | None]:
    with container.engine.connect() as conn:
        row = conn.execute(sa.text(
            "SELECT pm.id, pm.token, c.processor_customer_id FROM payment_methods pm "
            "JOIN accounts a ON a.id = pm.account_id JOIN customers c ON c.id = a.customer_id "
            "WHERE a.account_number = :number AND pm.kind = 'card'"), {"number": DANA}).one()
    return int(row[0]), str(row[1]), row[2]


def test_demo_cards_become_payment_methods_once(payline: Invoke, container: Container,
                                                localstripe: LocalStripe) -> None:
    _, before, _ = dana_card(container)
    assert not before.startswith("pm_")  # seeded into the sandbox vault
    result = payline("stripe-demo-cards")
    assert result.exit_code == 0, result.output
    assert "saved at Stripe" in result.output
    method_id, token, customer_id = dana_card(container)
    assert token.startswith("pm_") and customer_id and customer_id.startswith("cus_")
    stripe = stripe_client(localstripe.settings())
    held = stripe.v1.payment_methods.retrieve(token)
    assert held.customer == customer_id and held.card.last4 == "4242"
    again = payline("stripe-demo-cards")
    assert "already" in again.output
    assert dana_card(container) == (method_id, token, customer_id)
    with container.engine.connect() as conn:
        left = conn.execute(sa.select(sa.func.count()).select_from(payment_methods).where(
            payment_methods.c.kind == MethodKind.CARD.value,
            ~payment_methods.c.token.startswith("pm_"))).scalar_one()
        with_ids = conn.execute(sa.select(sa.func.count()).select_from(customers).where(
            customers.c.processor_customer_id.is_not(None))).scalar_one()
    assert with_ids >= 1
    assert left == 0 or "left in the sandbox vault" in result.output


def test_the_trial_pays_disputes_and_restores(payline: Invoke, container: Container,
                                              env: dict[str, str],
                                              localstripe: LocalStripe) -> None:
    assert payline("stripe-demo-cards").exit_code == 0
    method_id, _, _ = dana_card(container)
    payments = container.payment_service()
    with container.uow() as uow:
        account = uow.accounts.by_number(DANA)
        assert account is not None and account.id is not None
        account_id, owed = account.id, account.balance_due()
    outcome = payments.pay_now(PaymentRequest(
        account_id=account_id, amount=Money.parse("50.00"),
        method=MethodChoice.saved(method_id), actor=Actor.resident(Channel.WEB, "trial"),
        idempotency_key="trial-pay-1", accepted_fee=payments.fee(MethodKind.CARD)))
    payment = outcome.payment
    assert payment.status == PaymentStatus.APPROVED
    assert (payment.processor_reference or "").startswith("pi_")

    app = create_app(container=container,
                     channel_settings=ChannelSettings.from_env({}))
    with served(app) as url:
        opened = payline("stripe-dispute", payment.confirmation_number, PAYLINE_PUBLIC_URL=url)
        assert opened.exit_code == 0, opened.output
        assert "charge.dispute.created" in opened.output
        with container.uow() as uow:
            disputed = uow.payments.by_confirmation(payment.confirmation_number)
            account = uow.accounts.get(account_id)
            assert disputed is not None and account is not None
            assert disputed.dispute_status == DisputeStatus.OPEN
            assert account.balance_due() == owed  # owed again
        won = payline("stripe-dispute", payment.confirmation_number, "--close", "won",
                      PAYLINE_PUBLIC_URL=url)
        assert won.exit_code == 0, won.output
        with container.uow() as uow:
            restored = uow.payments.by_confirmation(payment.confirmation_number)
            account = uow.accounts.get(account_id)
            assert restored is not None and account is not None
            assert restored.dispute_status == DisputeStatus.WON
            assert account.balance_due() == owed - Money.parse("50.00")


def test_the_dispute_command_refuses_outside_stripe_mode(tmp_path: Path) -> None:
    env = {"PAYLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'payline.db'}"}
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    result = runner.invoke(main, ["stripe-dispute", "X"], env=env)
    assert result.exit_code == 1 and "PAYLINE_PROCESSOR=stripe" in result.output
    cards = runner.invoke(main, ["stripe-demo-cards"], env=env)
    assert cards.exit_code == 1 and "PAYLINE_PROCESSOR=stripe" in cards.output
