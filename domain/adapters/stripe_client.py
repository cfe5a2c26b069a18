"""The one way Payline builds a Stripe API client: the configured key, API address (Stripe, or
localstripe in the tests and a local trial) and per-request timeout. The SDK's own network
retries stay off: a retried charge is Payline's decision (with its own idempotency key), never
a hidden one."""

from __future__ import annotations

import stripe

from domain.config import StripeSettings


def stripe_client(settings: StripeSettings) -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.secret_key,
        base_addresses={"api": settings.api_url.rstrip("/")},
        http_client=stripe.RequestsClient(timeout=settings.timeout_seconds),
        max_network_retries=0,
    )
