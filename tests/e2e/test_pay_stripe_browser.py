"""The pay link in Stripe mode in headless Chromium: the app served on a free port over a seeded
city, Stripe played by localstripe, whose Stripe.js shim draws the card fields. The resident
types the card into those fields, continues, reviews and confirms; the payment is approved in
the database and charged once at "Stripe"; the page's Content-Security-Policy (built from the
script inventory) lets the inventory's scripts run without a single violation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import stripe
from playwright.sync_api import expect

from domain.adapters.stripe_client import stripe_client
from domain.model import Actor, Channel
from domain.money import Money
from ivr.bootstrap import Container
from tests.browser_support import LiveApp, errors_of
from tests.e2e.pay_stripe_support import stripe_container
from tests.e2e.voice_support import DANA
from tests.http_support import closed_port_url
from tests.stripe_support import LocalStripe

pytestmark = pytest.mark.browser

CHAT = Actor.resident(Channel.CHAT, "chat-browser")


@pytest.fixture
def city(tmp_path: Path, localstripe: LocalStripe) -> Iterator[Container]:
    container = stripe_container(tmp_path, localstripe.url)
    yield container
    container.dispose()


@pytest.fixture
def site(live_app, city: Container) -> LiveApp:
    return live_app(rasa_url=closed_port_url(), container=city)  # type: ignore[no-any-return]


@pytest.fixture
def stripe_api(localstripe: LocalStripe) -> stripe.StripeClient:
    return stripe_client(localstripe.settings())


def pay_link(city: Container, account_number: str = DANA, amount: str = "146.57") -> str:
    with city.engine.connect() as conn:
        account = conn.execute(sa.text("SELECT id FROM accounts WHERE account_number = :n"),
                               {"n": account_number}).scalar_one()
    return city.pay_link_service().offer(int(account), Money.of(amount), CHAT).path


def link_payments(city: Container) -> list[Any]:
    with city.engine.connect() as conn:
        return list(conn.execute(sa.text(
            "SELECT status, confirmation_number, amount_cents + fee_cents FROM payments "
            "WHERE idempotency_key LIKE 'paylink:%' ORDER BY id")))


def open_card_step(page: Any, site: LiveApp, path: str) -> None:
    page.goto(site.url + path)
    page.get_by_label("Credit or debit card").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Enter your card")).to_be_visible()


def type_card(page: Any, number: str, expiry: tuple[str, str] = ("12", "30"),
              cvc: str = "123", postal: str = "60601") -> None:
    """Into the shim's fields inside #card-element (Stripe's own frames in production)."""
    field = page.locator("#card-element")
    field.get_by_placeholder("number").fill(number)
    field.get_by_placeholder("exp_month").fill(expiry[0])
    field.get_by_placeholder("exp_year").fill(expiry[1])
    field.get_by_placeholder("cvc").fill(cvc)
    field.get_by_placeholder("postal_code").fill(postal)


def test_paying_with_stripes_card_fields(page, site, city, stripe_api):
    errors = errors_of(page)
    path = pay_link(city)
    open_card_step(page, site, path)
    assert page.locator("input[name=card_number]").count() == 0  # no field of Payline's own
    type_card(page, "4242424242424242")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.get_by_role("heading", name="Review your payment")).to_be_visible()
    expect(page.locator("main")).to_contain_text("ending 4242")
    expect(page.locator("main")).to_contain_text("$147.82")
    page.get_by_role("button", name="Pay $147.82 now").click()
    expect(page.get_by_role("heading", name="Your payment was approved")).to_be_visible()
    [(status, confirmation, total)] = link_payments(city)
    assert status == "approved" and total == 14782
    expect(page.locator(".conf-number")).to_have_text(confirmation)
    [intent] = stripe_api.v1.payment_intents.list().data
    assert intent.amount == 14782 and intent.status == "succeeded"
    assert errors == []


def test_a_card_the_bank_declines_at_setup_is_said_on_the_page(page, site, city, stripe_api):
    errors = errors_of(page)
    open_card_step(page, site, pay_link(city))
    type_card(page, "4000000000000002")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.locator("#card-errors")).to_contain_text("declined")
    expect(page.get_by_role("heading", name="Enter your card")).to_be_visible()
    assert page.get_by_role("button", name="Continue to review").is_enabled()
    assert link_payments(city) == [] and stripe_api.v1.payment_intents.list().data == []
    # Stripe's 402 answer to the confirmation is the only console error: no CSP violation.
    assert errors and all("402" in error for error in errors), errors


def test_a_card_with_3d_secure_is_authenticated_on_the_page(page, site, city, stripe_api):
    errors = errors_of(page)
    open_card_step(page, site, pay_link(city))
    type_card(page, "4000002500003155")
    page.get_by_role("button", name="Continue to review").click()
    # The bank's check, on the page (localstripe's stand-in for Stripe's 3-D Secure frame).
    page.get_by_role("button", name="Complete authentication").click()
    expect(page.get_by_role("heading", name="Review your payment")).to_be_visible()
    page.get_by_role("button", name="Pay $147.82 now").click()
    # localstripe wants it again off-session: the charge is a decline the page words.
    expect(page.get_by_role("heading", name="Your payment was declined")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Your bank needs to confirm this payment")
    [(status, _, _)] = link_payments(city)
    assert status == "rejected"
    # The decline page's own 402 status is the only console error: no CSP violation.
    assert errors and all("402" in error for error in errors), errors
