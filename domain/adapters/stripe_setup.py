"""SetupIntents for the pay page in Stripe mode (docs/payment-page-scripts.md).

The page collects the card in Stripe's own fields and confirms a SetupIntent in the browser
(`stripe.confirmCardSetup`), so the bank can authenticate the resident on the page (3-D
Secure) and the card number never reaches Payline. Payline's server only creates the
SetupIntent (its client secret goes into the page) and, when the browser posts back, asks
Stripe which PaymentMethod that SetupIntent set up, so a post-back can only carry a card set
up on this page. The charge itself is the gateway's (domain/adapters/stripe_gateway.py), with
Payline's idempotency key, like every other card payment.

Network and API failures are raised as the SDK's errors (the page shows its outage page); a
SetupIntent Stripe does not know is simply "nothing set up".
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import stripe

from domain.adapters.stripe_client import stripe_client
from domain.config import StripeSettings

# Stripe's client secrets are "<SetupIntent id>_secret_<random>" (Stripe.js reads the id from
# them the same way).
_CLIENT_SECRET = re.compile(r"^(seti_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$")
_SETUP_INTENT_ID = re.compile(r"^seti_[A-Za-z0-9]{1,80}$")
MAX_METADATA_VALUE = 500  # Stripe's limit per metadata value


def setup_intent_id(client_secret: str) -> str | None:
    """The SetupIntent a client secret belongs to, or None for anything else."""
    match = _CLIENT_SECRET.fullmatch(client_secret or "")
    return match.group(1) if match else None


class StripeSetupIntents:
    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client

    @classmethod
    def from_settings(cls, settings: StripeSettings) -> StripeSetupIntents:
        return cls(stripe_client(settings))

    def create_setup_intent(self, metadata: Mapping[str, str],
                            customer: str | None = None) -> str:
        """A new card SetupIntent for off-session use; returns its client secret (for the
        page only: it is neither stored nor logged). `customer`: a Stripe Customer id, so
        Stripe attaches the card to it once set up."""
        params: dict[str, object] = {
            "usage": "off_session",
            "payment_method_types": ["card"],
            "metadata": {key: str(value)[:MAX_METADATA_VALUE]
                         for key, value in metadata.items()},
        }
        if customer:
            params["customer"] = customer
        intent = self._client.v1.setup_intents.create(params=params)  # type: ignore[arg-type]
        secret = intent.client_secret
        if not secret or setup_intent_id(secret) != intent.id:
            raise RuntimeError("Stripe returned a SetupIntent without a usable client secret")
        return secret

    def payment_method_of(self, setup_intent: str) -> str | None:
        """The PaymentMethod id a SetupIntent set up, once it succeeded; None while it has not
        (or for an id Stripe does not know)."""
        if not _SETUP_INTENT_ID.fullmatch(setup_intent or ""):
            return None
        try:
            intent = self._client.v1.setup_intents.retrieve(setup_intent)
        except stripe.InvalidRequestError:  # unknown id: nothing was set up with it
            return None
        if intent.status != "succeeded":
            return None
        method = intent.payment_method
        if isinstance(method, str):
            return method
        return getattr(method, "id", None) if method is not None else None
