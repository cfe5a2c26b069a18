"""Channel settings read from the environment (12-factor); domain settings are in
domain/config.py."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from domain.config import PROCESSOR_STRIPE
from domain.production import (
    DEV_CONNECTOR_PASSWORD,
    DEV_RASA_TOKEN,
    DEV_TWILIO_AUTH_TOKEN,
    secret_value,
)

# A fixed token for local development and tests only: signatures made with it mean nothing
# to real Twilio. Production sets TWILIO_AUTH_TOKEN (domain/production.py refuses this one).
DEV_AUTH_TOKEN = DEV_TWILIO_AUTH_TOKEN
# Basic-auth credentials Twilio's Generic Pay Connector uses to call the sandbox processor.
DEV_CONNECTOR_USER = "twilio"
# The <Pay> connectors' default unique names in the Twilio console: Payline's own Generic Pay
# Connector (the sandbox processor's, which is also the bank-account vault of the ACH path), and
# Twilio's Stripe Pay Connector.
SANDBOX_PAY_CONNECTOR = "payline_sandbox"
STRIPE_PAY_CONNECTOR = "Stripe"
__all__ = ["DEV_AUTH_TOKEN", "DEV_CONNECTOR_PASSWORD", "DEV_CONNECTOR_USER", "ChannelSettings"]


@dataclass(frozen=True)
class ChannelSettings:
    twilio_account_sid: str
    twilio_auth_token: str
    public_url: str
    rasa_url: str  # the English model's Rasa instance
    redis_url: str | None
    secret_key: str
    # Voice <Pay>: the connectors' unique names in the Twilio console (see connector_for),
    # and the basic-auth credentials configured for Payline's own Generic Pay Connector (its
    # endpoint checks them).
    pay_connector: str = ""  # TWILIO_PAY_CONNECTOR, cards; empty: the processor's default
    bank_pay_connector: str = ""  # TWILIO_BANK_PAY_CONNECTOR, bank accounts; empty: default
    connector_username: str = DEV_CONNECTOR_USER
    connector_password: str = DEV_CONNECTOR_PASSWORD
    nlu_timeout_seconds: float = 1.0  # speech at menus must never wait long on the NLU
    bot_timeout_seconds: float = 10.0  # chat and SMS wait this long for the Rasa bot
    # Secure pay links: where the pay page's card/bank form posts (the processor's hosted
    # tokenize endpoint is `{pay_processor_url}/tokenize`). Empty: the sandbox processor in
    # this app, `{public_url}/sandbox/processor`.
    pay_processor_url: str = ""
    # How many reverse proxies in front of the app add X-Forwarded-For/-Proto (0: none, and
    # such headers are ignored). Only these hops are believed, so the sign-in throttle sees
    # the real client address and a client cannot forge one.
    trusted_proxies: int = 0
    # Rasa's HTTP API token (`rasa run --auth-token`), sent with /model/parse.
    rasa_token: str = field(default=DEV_RASA_TOKEN, repr=False)
    # PAYLINE_HEALTH_TOKEN: a bearer token that shows /health's details to an operator who is
    # not on this host; empty: only loopback requests see them.
    health_token: str = field(default="", repr=False)
    # PAYLINE_RASA_ES_URL: the Spanish model's Rasa instance (Rasa 3.6 serves one language
    # per model; `make run` starts it on 5006).
    rasa_es_url: str = "http://localhost:5006"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ChannelSettings:
        env = dict(os.environ if env is None else env)
        return cls(
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000"),
            twilio_auth_token=secret_value(env, "TWILIO_AUTH_TOKEN"),
            public_url=env.get("PAYLINE_PUBLIC_URL", "http://localhost:5000").rstrip("/"),
            rasa_url=env.get("PAYLINE_RASA_URL", "http://localhost:5005").rstrip("/"),
            redis_url=env.get("PAYLINE_REDIS_URL") or None,
            secret_key=secret_value(env, "PAYLINE_SECRET_KEY"),
            pay_connector=env.get("TWILIO_PAY_CONNECTOR", "").strip(),
            bank_pay_connector=env.get("TWILIO_BANK_PAY_CONNECTOR", "").strip(),
            connector_username=env.get("PAYLINE_PAY_CONNECTOR_USER", DEV_CONNECTOR_USER),
            connector_password=secret_value(env, "PAYLINE_PAY_CONNECTOR_PASSWORD"),
            nlu_timeout_seconds=float(env.get("PAYLINE_NLU_TIMEOUT", "1.0")),
            bot_timeout_seconds=float(env.get("PAYLINE_BOT_TIMEOUT", "10")),
            pay_processor_url=(env.get("PAYLINE_PAY_PROCESSOR_URL")
                               or env.get("PAYLINE_PUBLIC_URL", "http://localhost:5000")
                               .rstrip("/") + "/sandbox/processor").rstrip("/"),
            trusted_proxies=trusted_proxy_hops(env),
            rasa_token=secret_value(env, "PAYLINE_RASA_TOKEN"),
            health_token=env.get("PAYLINE_HEALTH_TOKEN", "").strip(),
            rasa_es_url=env.get("PAYLINE_RASA_ES_URL", "http://localhost:5006").rstrip("/"),
        )

    @property
    def rasa_urls(self) -> dict[str, str]:
        """Each language's Rasa instance: conversations go to the model of their language."""
        return {"en": self.rasa_url, "es": self.rasa_es_url}

    def connector_for(self, payment_method: str, processor: str) -> str:
        """The connector a <Pay> of this payment method ("credit-card" or "ach-debit") names.
        Cards: TWILIO_PAY_CONNECTOR, by default Payline's sandbox connector, or Twilio's
        Stripe Pay Connector with PAYLINE_PROCESSOR=stripe. Bank accounts stay on the ACH
        path in either mode: TWILIO_BANK_PAY_CONNECTOR, by default the card connector in
        sandbox mode (one connector does both) and Payline's own connector in Stripe mode
        (the bank-account vault; Stripe never sees a bank account)."""
        stripe = processor == PROCESSOR_STRIPE
        card = self.pay_connector or (STRIPE_PAY_CONNECTOR if stripe else SANDBOX_PAY_CONNECTOR)
        if payment_method != "ach-debit":
            return card
        return self.bank_pay_connector or (SANDBOX_PAY_CONNECTOR if stripe else card)


MAX_TRUSTED_PROXIES = 5


def trusted_proxy_hops(env: dict[str, str]) -> int:
    """PAYLINE_TRUSTED_PROXIES: a whole number of proxy hops, 0 (the default) to 5."""
    text = env.get("PAYLINE_TRUSTED_PROXIES", "").strip()
    if not text:
        return 0
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_TRUSTED_PROXIES:
        raise ValueError("PAYLINE_TRUSTED_PROXIES must be the number of reverse proxies in "
                         f"front of the app, 0 to {MAX_TRUSTED_PROXIES}, not {text!r}")
    return int(text)
