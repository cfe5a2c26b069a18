"""POST /webhooks/stripe: Stripe's signed events (mounted only when PAYLINE_PROCESSOR=stripe).

- The body is read raw (at most MAX_BODY) and its `Stripe-Signature` checked with the SDK
  against STRIPE_WEBHOOK_SECRET, with Stripe's 5-minute tolerance against replays of old
  signatures. A missing or wrong signature, or a body that is not a JSON event: 400, and
  nothing changes.
- A replayed event (its id already handled) and an event type Payline does not use: 200.
- Stripe retries anything but a 2xx for days, so a 500 is given only for what a retry can
  fix (the database busy or down, a race lost three times); an event that can never be
  handled (malformed, a bug) is logged at ERROR and acknowledged, for reconciliation and a
  person. No answer ever carries a stack trace.

Not a browser form, so no CSRF token: the signature is the authentication (the app has no
global CSRF protection to exempt it from).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import stripe
from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import RequestEntityTooLarge

from domain.ports import ConcurrencyConflict
from domain.services.payments import TryAgain
from ivr.bootstrap import Container
from ivr.webhooks.stripe_events import StripeEvents

log = logging.getLogger(__name__)

stripe_webhooks = Blueprint("stripe_webhooks", __name__, url_prefix="/webhooks")

MAX_BODY = 256 * 1024  # Stripe's events are a few kilobytes; a charge with many refunds more
# What a retry can fix: a race lost three times, the database down, busy or out of
# connections, a network hiccup.
_TRANSIENT: tuple[type[BaseException], ...] = (
    ConcurrencyConflict, TryAgain, OperationalError, PoolTimeout, ConnectionError,
    TimeoutError)


def _container() -> Container:
    return current_app.extensions["payline"]


def _answer(status: int, **body: Any) -> tuple[Response, int]:
    return jsonify(body), status


@stripe_webhooks.before_request
def _limit_body() -> None:
    request.max_content_length = MAX_BODY


@stripe_webhooks.errorhandler(RequestEntityTooLarge)
def _too_large(_: RequestEntityTooLarge) -> tuple[Response, int]:
    return _answer(413, error="The event is too large.")


@stripe_webhooks.post("/stripe")
def stripe_event() -> tuple[Response, int]:
    payload = request.get_data(cache=False)
    signature = request.headers.get("Stripe-Signature", "")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return _answer(400, error="The body is not UTF-8.")
    if not signature or len(signature) > 2000:
        log.warning("Stripe webhook without a signature refused")
        return _answer(400, error="The Stripe-Signature header is missing.")
    try:
        stripe.WebhookSignature.verify_header(
            text, signature, _container().settings.stripe.webhook_secret,
            stripe.Webhook.DEFAULT_TOLERANCE)
    except stripe.SignatureVerificationError:
        log.warning("Stripe webhook with a wrong or expired signature refused")
        return _answer(400, error="The signature does not match.")
    try:
        event = json.loads(text)
    except ValueError:
        return _answer(400, error="The body is not a JSON event.")
    if not isinstance(event, dict):
        return _answer(400, error="The body is not a JSON event.")
    event_id = str(event.get("id"))[:100]
    event_type = str(event.get("type"))[:100]
    try:
        outcome = StripeEvents(_container()).handle(event)
    except _TRANSIENT as exc:
        log.warning("Stripe event %s (%s) not handled yet, Stripe will retry: %s",
                    event_id, event_type, type(exc).__name__)
        return _answer(500, error="Temporarily unable to handle the event; please retry.")
    except Exception:
        # A retry would fail the same way: acknowledged, logged for a person (and the
        # daily reconciliation lists whatever it left unapplied).
        log.exception("Stripe event %s (%s) could not be handled", event_id, event_type)
        return _answer(200, received=True, handled=False)
    return _answer(200, received=True, outcome=outcome)
