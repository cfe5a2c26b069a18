"""The localstripe runner (sandbox/localstripe.py): the official SDK talks to it, it listens on
loopback only, and reset() empties it."""

from __future__ import annotations

import stripe

from tests.socket_support import listening_addresses
from tests.stripe_support import LocalStripe


def _client(server: LocalStripe) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_runner", base_addresses={"api": server.url},
                               max_network_retries=0)


def test_the_sdk_charges_a_card_on_localstripe(localstripe: LocalStripe) -> None:
    client = _client(localstripe)
    method = client.v1.payment_methods.create(params={"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}})
    intent = client.v1.payment_intents.create(params={
        "amount": 1234, "currency": "usd", "payment_method": method.id, "confirm": True,
        "off_session": True, "metadata": {"payline_reference": "payline-T1"}})
    assert intent.status == "succeeded"
    assert intent.metadata["payline_reference"] == "payline-T1"


def test_it_listens_on_loopback_only(localstripe: LocalStripe) -> None:
    assert listening_addresses(localstripe.port) == {"127.0.0.1"}


def test_reset_forgets_everything(localstripe: LocalStripe) -> None:
    client = _client(localstripe)
    client.v1.customers.create(params={"name": "Resident"})
    localstripe.reset()
    assert list(client.v1.customers.list().auto_paging_iter()) == []
