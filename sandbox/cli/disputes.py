"""`payline stripe-dispute`: play a card holder's bank disputing a payment, in a Stripe-mode local
trial (localstripe has no disputes of its own).

Stripe tells Payline about a chargeback with `charge.dispute.created` and, when it is decided,
`charge.dispute.closed`. This command builds those events for a payment Payline charged at
localstripe, signs them with the webhook secret exactly as Stripe does, and POSTs them to the
app's /webhooks/stripe, so the whole path (signature, replay guard, the ledger, the notice,
the console) runs as it would for a real dispute.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import click
import requests

from domain.adapters.stripe_client import stripe_client
from domain.config import PROCESSOR_STRIPE
from domain.confirmation import normalize_confirmation_number
from ivr.cli.support import CliError, friendly_errors, open_container
from ivr.settings import ChannelSettings

WEBHOOK_PATH = "/webhooks/stripe"
# Stripe's statuses: a new dispute waits for the city's answer; a closed one is won or lost.
OPENED = "needs_response"
CLOSING = ("won", "lost")


def dispute_id(payment_intent_id: str) -> str:
    """One dispute per charge in this simulation, with an id both events share."""
    return "dp_" + hashlib.sha256(payment_intent_id.encode()).hexdigest()[:24]


def dispute_event(intent: Any, status: str, reason: str) -> dict[str, Any]:
    """The Stripe event for a dispute on `intent` (a PaymentIntent) in `status`."""
    charge = intent.latest_charge
    charge_id = charge if isinstance(charge, str) else charge.id
    now = int(time.time())
    kind = "charge.dispute.created" if status == OPENED else "charge.dispute.closed"
    return {
        "id": f"evt_{dispute_id(intent.id)[3:15]}{status[:4]}{now}",
        "object": "event", "type": kind, "created": now, "livemode": False,
        "api_version": "2024-06-20",
        "data": {"object": {
            "id": dispute_id(intent.id), "object": "dispute", "amount": intent.amount,
            "currency": intent.currency, "charge": charge_id, "payment_intent": intent.id,
            "reason": reason, "status": status, "created": now, "livemode": False,
        }},
    }


def signature_header(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """Stripe-Signature: t=<time>,v1=<HMAC-SHA256 of "t.body" with the signing secret>."""
    stamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


@click.command("stripe-dispute")
@click.argument("confirmation")
@click.option("--close", "closing", type=click.Choice(CLOSING), default=None,
              help="Decide the dispute opened earlier: won (the city keeps the money) or lost.")
@click.option("--reason", default="fraudulent", show_default=True,
              help="Stripe's dispute reason, e.g. fraudulent, duplicate, product_not_received.")
@friendly_errors
def stripe_dispute(confirmation: str, closing: str | None, reason: str) -> None:
    """Local trial only: the card holder's bank disputes payment CONFIRMATION (or, with
    --close, the dispute is decided), sent to the app as Stripe's signed webhook."""
    with open_container() as container:
        settings = container.settings
        if settings.processor != PROCESSOR_STRIPE:
            raise CliError("This plays Stripe's dispute webhooks: start Payline with "
                           "PAYLINE_PROCESSOR=stripe (see the README's Stripe section).")
        conf = normalize_confirmation_number(confirmation)
        with container.uow() as uow:
            payment = uow.payments.by_confirmation(conf) if conf else None
        reference = payment.processor_reference if payment is not None else None
        if payment is None or not reference or not reference.startswith("pi_"):
            raise CliError(f"No card payment charged at Stripe has confirmation number "
                           f"{confirmation!r}.")
        intent = stripe_client(settings.stripe).v1.payment_intents.retrieve(reference)
        event = dispute_event(intent, closing or OPENED, reason)
    body = json.dumps(event).encode()
    url = ChannelSettings.from_env().public_url + WEBHOOK_PATH
    try:
        answer = requests.post(url, data=body, timeout=30, headers={
            "Content-Type": "application/json",
            "Stripe-Signature": signature_header(body, settings.stripe.webhook_secret)})
    except requests.RequestException as exc:
        raise CliError(f"Payline did not answer at {url}: is `make run` running?") from exc
    if answer.status_code != 200:
        raise CliError(f"Payline answered {answer.status_code} to the {event['type']} event.")
    click.echo(f"Sent {event['type']} for payment {payment.confirmation_number} "
               f"({event['data']['object']['id']}, {event['data']['object']['status']}).")


commands: list[click.Command] = [stripe_dispute]
