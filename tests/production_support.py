"""Production mode in tests: secrets that pass domain/production.py's startup check.

Any test that runs a process (or builds an app) with PAYLINE_ENV=production, or an https
PAYLINE_PUBLIC_URL, in its environment needs every secret set: `{**os.environ,
**production_env()}`. Each call makes fresh random values.
"""

from __future__ import annotations

import secrets

from cryptography.fernet import Fernet

from domain.production import SECRETS

SECRET_NAMES = tuple(secret.name for secret in SECRETS)
# What production needs with the default (sandbox) processor: all but Stripe's keys.
SANDBOX_MODE_SECRET_NAMES = tuple(secret.name for secret in SECRETS if secret.needed({}))


def production_secrets() -> dict[str, str]:
    """A random, production-fit value for every secret."""
    return {secret.name: (Fernet.generate_key().decode("ascii") if secret.fernet_key
                          else secrets.token_urlsafe(32)) for secret in SECRETS}


def production_env() -> dict[str, str]:
    """PAYLINE_ENV=production with every secret set."""
    return {"PAYLINE_ENV": "production", **production_secrets()}
