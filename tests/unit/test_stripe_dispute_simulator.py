"""`payline stripe-dispute` plays Stripe: its events are signed so that the SDK's own check
(what /webhooks/stripe runs) accepts them, and refuses them with any other secret."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import stripe

from sandbox.cli.stripe_trial import OPENED, dispute_event, dispute_id, signature_header

SECRET = "whsec_simulator"


def _intent() -> SimpleNamespace:
    return SimpleNamespace(id="pi_123", amount=4521, currency="usd", latest_charge="ch_9")


def test_events_are_signed_as_stripe_signs_them() -> None:
    body = json.dumps(dispute_event(_intent(), OPENED, "fraudulent")).encode()
    event = stripe.Webhook.construct_event(body.decode(), signature_header(body, SECRET),
                                           SECRET)
    assert event["type"] == "charge.dispute.created"
    dispute = event["data"]["object"]
    assert (dispute["id"], dispute["charge"], dispute["payment_intent"], dispute["amount"],
            dispute["status"]) == (dispute_id("pi_123"), "ch_9", "pi_123", 4521, OPENED)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body.decode(), signature_header(body, "whsec_other"),
                                       SECRET)


def test_closing_names_the_same_dispute() -> None:
    opened = dispute_event(_intent(), OPENED, "fraudulent")
    won = dispute_event(_intent(), "won", "fraudulent")
    assert won["type"] == "charge.dispute.closed"
    assert won["data"]["object"]["id"] == opened["data"]["object"]["id"]
    assert won["id"] != opened["id"]
