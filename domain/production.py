"""Production fails closed: the secrets Payline's processes depend on, their development
defaults, and the one startup check that the web app, the action server, Rasa's launcher and
the scheduler all run.

In development every secret has a fixed default, so `make run` and the tests need no setup.
Those defaults are public (they are in this repository): in production mode
(`domain.config.production_mode`) a process refuses to start while any secret is missing,
still has its development default, or is too weak, and says in one line which ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from domain.config import (
    DEV_AGENT_MFA_KEY,
    DEV_STRIPE_SECRET_KEY,
    DEV_STRIPE_WEBHOOK_SECRET,
    DEV_VAULT_KEY,
    PROCESSOR_STRIPE,
    is_fernet_key,
    production_mode,
    selected_processor,
)

# The development defaults (never valid in production mode).
DEV_TWILIO_AUTH_TOKEN = "payline-local-dev-token"  # noqa: S105
DEV_SECRET_KEY = "payline-local-dev-secret"  # noqa: S105
DEV_CONNECTOR_PASSWORD = "payline-local-connector"  # noqa: S105
DEV_ACTIONS_SECRET = "payline-local-actions-secret"  # noqa: S105
DEV_RASA_TOKEN = "payline-local-rasa-token"  # noqa: S105

# Rasa sends the action-server secret in this header on every action call; the action server
# runs nothing without it (chatbot/action_server.py, ivr/bot/rasa_endpoints.py).
ACTION_SECRET_HEADER = "X-Payline-Action-Secret"  # noqa: S105 (a header name)

# Secrets Payline's operators generate themselves: long enough that guessing is hopeless.
MIN_GENERATED_LENGTH = 32
GENERATE_HINT = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


def _always(env: Mapping[str, str]) -> bool:
    return True


def _stripe_processor(env: Mapping[str, str]) -> bool:
    return selected_processor(env) == PROCESSOR_STRIPE


@dataclass(frozen=True)
class Secret:
    name: str  # the environment variable
    development_default: str
    needed: Callable[[Mapping[str, str]], bool] = _always
    min_length: int = MIN_GENERATED_LENGTH  # 0: not ours to judge (e.g. Twilio's token)
    fernet_key: bool = False

    def value(self, env: Mapping[str, str]) -> str:
        """The configured value, or the development default when unset or blank."""
        return env.get(self.name, "").strip() or self.development_default

    def problem(self, env: Mapping[str, str]) -> str | None:
        """Why this secret is not fit for production, or None."""
        if not self.needed(env):
            return None
        configured = env.get(self.name, "").strip()
        if not configured:
            return "missing"
        if configured == self.development_default:
            return "the development default"
        if self.fernet_key and not is_fernet_key(configured):
            return "not a Fernet key"
        if len(configured) < self.min_length:
            return f"shorter than {self.min_length} characters"
        return None


SECRETS: tuple[Secret, ...] = (
    Secret("TWILIO_AUTH_TOKEN", DEV_TWILIO_AUTH_TOKEN, min_length=0),
    Secret("PAYLINE_SECRET_KEY", DEV_SECRET_KEY),
    # Guards Payline's own pay connector endpoint: cards and bank accounts with the sandbox,
    # bank accounts (into the ACH vault) with Stripe.
    Secret("PAYLINE_PAY_CONNECTOR_PASSWORD", DEV_CONNECTOR_PASSWORD),
    Secret("PAYLINE_VAULT_KEY", DEV_VAULT_KEY, min_length=0, fernet_key=True),
    Secret("PAYLINE_ACTIONS_SECRET", DEV_ACTIONS_SECRET),
    Secret("PAYLINE_RASA_TOKEN", DEV_RASA_TOKEN),
    # Seals the 311 agents' one-time-code secrets (domain/totp.py).
    Secret("PAYLINE_AGENT_MFA_KEY", DEV_AGENT_MFA_KEY, min_length=0, fernet_key=True),
    # Stripe's own (the dashboard issues them): present and not the local trial's.
    Secret("STRIPE_SECRET_KEY", DEV_STRIPE_SECRET_KEY, needed=_stripe_processor, min_length=0),
    Secret("STRIPE_WEBHOOK_SECRET", DEV_STRIPE_WEBHOOK_SECRET, needed=_stripe_processor,
           min_length=0),
)
_BY_NAME = {secret.name: secret for secret in SECRETS}


def secret_value(env: Mapping[str, str], name: str) -> str:
    """A secret as every process reads it: its value, or the development default."""
    return _BY_NAME[name].value(env)


class ProductionSecretsMissing(ValueError):
    """Production mode with secrets that are missing, development defaults or too weak."""


def production_problems(env: Mapping[str, str]) -> list[str]:
    """Each unfit secret as "NAME (why)"; empty outside production mode."""
    if not production_mode(env):
        return []
    found = ((secret.name, secret.problem(env)) for secret in SECRETS)
    return [f"{name} ({why})" for name, why in found if why is not None]


def check_production_secrets(env: Mapping[str, str]) -> None:
    """Raise ProductionSecretsMissing (one message naming every unfit secret) when this is
    production mode and any secret is missing, a development default or too weak."""
    problems = production_problems(env)
    if problems:
        raise ProductionSecretsMissing(
            "Payline will not start in production mode (PAYLINE_ENV=production or an https "
            "PAYLINE_PUBLIC_URL) until these secrets are set: " + ", ".join(problems) + ". "
            f"Generate each with `{GENERATE_HINT}` (PAYLINE_VAULT_KEY and "
            "PAYLINE_AGENT_MFA_KEY: Fernet keys, TWILIO_AUTH_TOKEN: the Twilio account's auth "
            "token).")
