"""A Stripe-mode local trial (PAYLINE_PROCESSOR=stripe against localstripe): what the sandbox
demo has and localstripe does not.

`payline stripe-demo-cards` makes the demo city's saved cards again as Stripe PaymentMethods on
each resident's Stripe Customer (the seed writes them into the sandbox vault, and Stripe mode
charges cards only at Stripe). `make run` runs it before starting a local trial, with a
localstripe of its own for the minute it takes.

`payline stripe-dispute` plays a card holder's bank disputing a payment (localstripe has no
disputes). Stripe tells Payline about a chargeback with `charge.dispute.created` and, when it
is decided, `charge.dispute.closed`. This command builds those events for a payment Payline
charged at localstripe, signs them with the webhook secret exactly as Stripe does, and POSTs
them to the app's /webhooks/stripe, so the whole path (signature, replay guard, the ledger,
the notice, the console) runs as it would for a real dispute.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import requests
import sqlalchemy as sa
import stripe

from domain.adapters.orm import accounts, customers, payment_methods, payments
from domain.adapters.stripe_client import stripe_client
from domain.config import PROCESSOR_STRIPE, Settings
from domain.confirmation import normalize_confirmation_number
from domain.errors import InvalidPaymentMethod
from domain.model import MethodKind, PaymentStatus
from domain.ports import ProcessorCustomer
from ivr.bootstrap import Container
from ivr.cli.support import CliError, friendly_errors, open_container
from ivr.settings import ChannelSettings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The demo's test cards by last 4, as localstripe takes them (16 digits). The demo's declined
# cards become localstripe's card that is declined when charged (its 0002 and 9995 are refused
# already when saved, which a resident's saved card never was).
DEMO_CARDS = {
    "4242": "4242424242424242",
    "4444": "5555555555554444",
    "1117": "6011111111111117",
    "0002": "4000000000000341",
    "9995": "4000000000000341",
}

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


# --- the demo's saved cards at Stripe ---------------------------------------------------------


def _is_loopback(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost")


def _answers(url: str) -> bool:
    try:
        requests.get(url.rstrip("/") + "/js.stripe.com/v3/", timeout=2)
    except requests.RequestException:
        return False
    return True


@contextmanager
def _running_localstripe(settings: Settings) -> Iterator[None]:
    """localstripe at the configured loopback URL for the duration, unless one answers there
    already; it keeps its data in the state file the Procfile's localstripe reads."""
    url = settings.stripe.api_url
    if _answers(url):
        yield
        return
    if not _is_loopback(url):
        raise CliError(f"The Stripe API at {url} does not answer.")
    port = urlsplit(url).port or 8420
    state = os.environ.get("PAYLINE_LOCALSTRIPE_STATE", "var/localstripe.pickle")
    process = subprocess.Popen(  # noqa: S603 (our own module, our own arguments)
        [sys.executable, "-m", "sandbox.localstripe", "--port", str(port), "--state", state],
        cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not _answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise CliError(f"localstripe did not start at {url}.")
            time.sleep(0.2)
        yield
    finally:
        process.terminate()
        process.wait(10)


def _cards_to_move(container: Container) -> list[sa.RowMapping]:
    stmt = (sa.select(payment_methods.c.id, payment_methods.c.token, payment_methods.c.last4,
                      payment_methods.c.exp_month, payment_methods.c.exp_year,
                      customers.c.id.label("customer_id"), customers.c.customer_number,
                      customers.c.name, customers.c.email, customers.c.processor_customer_id)
            .join(accounts, accounts.c.id == payment_methods.c.account_id)
            .join(customers, customers.c.id == accounts.c.customer_id)
            .where(payment_methods.c.kind == MethodKind.CARD.value,
                   ~payment_methods.c.token.startswith("pm_"))
            .order_by(payment_methods.c.id))
    with container.engine.connect() as conn:
        return list(conn.execute(stmt).mappings())


def move_demo_cards(container: Container, progress: Any = None) -> tuple[int, int]:
    """(moved, left): each demo saved card that is not yet a Stripe PaymentMethod is made at
    Stripe as the resident's browser would (Stripe.js), then kept on the resident's Stripe
    Customer through the gateway, exactly as saving a card on the pay page does. Cards
    localstripe cannot hold (15-digit American Express) are left, and decline as unknown."""
    client = stripe_client(container.settings.stripe)
    moved = left = 0
    customer_ids: dict[int, str | None] = {}
    for row in _cards_to_move(container):
        number = DEMO_CARDS.get(row["last4"])
        if number is None:
            left += 1
            continue
        created = client.v1.payment_methods.create(params={"type": "card", "card": {
            "number": number, "exp_month": row["exp_month"] or 12,
            "exp_year": row["exp_year"] or 2099, "cvc": "123"}})
        known = customer_ids.get(row["customer_id"], row["processor_customer_id"])
        try:
            saved = container.gateway.save_for_customer(str(created.id), ProcessorCustomer(
                customer_number=row["customer_number"], name=row["name"],
                email=row["email"], processor_id=known))
        except InvalidPaymentMethod:
            left += 1
            continue
        customer_ids[row["customer_id"]] = saved.processor_customer_id
        method = saved.method
        with container.engine.begin() as conn:
            conn.execute(payment_methods.update().where(payment_methods.c.id == row["id"])
                         .values(token=method.token, last4=method.last4, brand=method.brand,
                                 exp_month=method.exp_month, exp_year=method.exp_year))
            conn.execute(customers.update().where(customers.c.id == row["customer_id"])
                         .values(processor_customer_id=saved.processor_customer_id))
            # Payments still to be charged with the card follow it.
            conn.execute(payments.update().where(
                payments.c.method_token == row["token"],
                payments.c.status.in_([PaymentStatus.SCHEDULED.value,
                                       PaymentStatus.PENDING.value]))
                .values(method_token=method.token, method_label=method.label(),
                        version=payments.c.version + 1))
        moved += 1
        if progress is not None:
            progress.update(1)
    return moved, left


@click.command("stripe-demo-cards")
@friendly_errors
def stripe_demo_cards() -> None:
    """Local trial only: make the demo residents' saved cards Stripe PaymentMethods at the
    configured (fake) Stripe. Safe to repeat; `make run` runs it for a Stripe-mode trial."""
    with open_container() as container:
        settings = container.settings
        if settings.processor != PROCESSOR_STRIPE:
            raise CliError("This is for PAYLINE_PROCESSOR=stripe (see the README's Stripe "
                           "section).")
        if not _is_loopback(settings.stripe.api_url):
            raise CliError("Demo cards are made only at a local fake Stripe "
                           "(PAYLINE_STRIPE_API_URL=http://127.0.0.1:PORT), never at Stripe.")
        todo = len(_cards_to_move(container))
        if not todo:
            click.echo("The demo's saved cards are Stripe PaymentMethods already.")
            return
        with _running_localstripe(settings), click.progressbar(
                length=todo, label="Saving the demo cards at Stripe") as bar:
            try:
                moved, left = move_demo_cards(container, bar)
            except stripe.StripeError as exc:
                raise CliError(f"The Stripe API refused a demo card: {exc}") from exc
    click.echo(f"{moved} demo card(s) saved at Stripe on their residents' Stripe Customers"
               + (f"; {left} left in the sandbox vault (declined in Stripe mode)." if left
                  else "."))


commands: list[click.Command] = [stripe_dispute, stripe_demo_cards]
