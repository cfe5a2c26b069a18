"""The phone simulator playing Twilio's Stripe Pay Connector against localstripe: a <Pay>
asking for tokenType="payment-method" makes a real (fake) Stripe PaymentMethod from the keyed
card, and the app receives only its id and Twilio's masked parameters."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from flask import Flask, Response, request

from domain.adapters.stripe_client import stripe_client
from ivr.settings import ChannelSettings
from sandbox.simulators.phone import FlaskTransport, PhoneCall, environment_stripe
from tests.http_support import closed_port_url
from tests.stripe_support import LocalStripe

STRIPE_PAY = ('<Pay action="/voice/paid" paymentConnector="Stripe" tokenType="payment-method" '
              'chargeAmount="0" paymentMethod="credit-card" maxAttempts="2"/>')
CARD = ["4242424242424242", "1230", "123", "60601"]


def fake_app(pay: str = STRIPE_PAY) -> Flask:
    app = Flask("fake_voice")
    app.extensions["payline.channels"] = ChannelSettings.from_env({})
    posted: list[dict[str, str]] = []
    app.extensions["posted"] = posted

    @app.post("/voice/incoming")
    def incoming() -> Response:
        return Response(f"<Response>{pay}</Response>", mimetype="text/xml")

    @app.post("/voice/paid")
    def paid() -> Response:
        posted.append(request.form.to_dict())
        return Response("<Response><Hangup/></Response>", mimetype="text/xml")

    @app.post("/voice/status")
    def status() -> tuple[str, int]:
        return "", 204

    return app


def play(app: Flask, script: list[str], stripe: Any) -> tuple[Any, dict[str, str]]:
    call = PhoneCall(FlaskTransport(app), stripe_settings=stripe).run(script)
    (posted,) = app.extensions["posted"]
    return call, posted


def test_the_keyed_card_becomes_a_payment_method_and_only_its_id_reaches_the_app(
        localstripe: LocalStripe) -> None:
    app = fake_app()
    call, posted = play(app, CARD, localstripe.settings())
    assert posted["Result"] == "success"
    token = posted["PaymentToken"]
    assert token.startswith("pm_")
    assert posted["PaymentCardNumber"] == "xxxx-xxxx-xxxx-4242"
    assert posted["PaymentCardType"] == "visa" and posted["ExpirationDate"] == "1230"
    assert "PaymentAmount" not in posted  # nothing was charged
    assert all(CARD[0] not in value and CARD[2] not in value.split("-")
               for value in posted.values())
    method = stripe_client(localstripe.settings()).v1.payment_methods.retrieve(token)
    assert method.card is not None
    assert (method.card.last4, method.card.exp_month, method.card.exp_year) == ("4242", 12,
                                                                                 2030)
    assert method.billing_details.address.postal_code == "60601"
    assert not localstripe_intents(localstripe)
    (connector,) = call.of_kind("connector")
    assert connector.attrs["token_id"] == token and connector.attrs["connector"] == "Stripe"
    assert CARD[0] not in call.said and all(CARD[0] not in e.text for e in call.events)


def test_a_card_stripe_refuses_is_a_connector_error_with_its_code(
        localstripe: LocalStripe) -> None:
    amex = ["378282246310005", "1230", "1234", "60601"]  # localstripe takes 16 digits only
    _, posted = play(fake_app(), amex, localstripe.settings())
    assert posted["Result"] == "payment-connector-error"
    assert posted["PaymentError"]  # the app says "couldn't accept those details"
    assert "PaymentToken" not in posted


def test_stripe_unreachable_is_a_connector_error_without_a_code(
        localstripe: LocalStripe) -> None:
    _, posted = play(fake_app(), CARD, replace(localstripe.settings(), api_url=closed_port_url()))
    assert posted["Result"] == "payment-connector-error"
    assert "PaymentError" not in posted  # the app says the processor could not be reached
    assert posted["ConnectorError"] == "Stripe could not be reached."


def test_a_reusable_token_pay_still_goes_to_the_generic_connector() -> None:
    app = fake_app('<Pay action="/voice/paid" tokenType="reusable" chargeAmount="0"/>')
    call, posted = play(app, CARD, None)
    (connector,) = call.of_kind("connector")
    assert connector.attrs["url"].endswith("/sandbox/pay-connector")
    assert posted["Result"] == "payment-connector-error"  # nothing answers there in this app


@pytest.mark.parametrize(("env", "url"), [
    ({}, "http://127.0.0.1:8420"),
    ({"PAYLINE_LOCALSTRIPE_PORT": "9911"}, "http://127.0.0.1:9911"),
    ({"PAYLINE_STRIPE_API_URL": "http://127.0.0.1:7000"}, "http://127.0.0.1:7000"),
    ({"STRIPE_SECRET_KEY": "sk_test_x"}, "https://api.stripe.com"),
])
def test_over_http_the_stripe_api_is_the_apps_or_the_local_trials(env, url) -> None:
    assert environment_stripe(env).api_url == url


def localstripe_intents(localstripe: LocalStripe) -> list[Any]:
    client = stripe_client(localstripe.settings())
    return list(client.v1.payment_intents.list().auto_paging_iter())
