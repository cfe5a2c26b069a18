"""One-time codes for 311 agents' second factor: TOTP (RFC 6238) with pyotp, the secrets
encrypted at rest.

    secret = new_secret()                        # base32, what authenticator apps take
    uri = provisioning_uri(secret, "r.alvarez", "City of Riverton 311")   # for the QR code
    step = matching_step(secret, "492039", clock.now())   # the 30-second step, or None

A code is good for its own 30-second step and one step either side (a phone's clock drifts).
`matching_step` says which step a code belongs to, so the caller can refuse a step at or
before the last one that agent used: a code works once (RFC 6238 section 5.2). Time comes
from the caller (the injectable clock), never from the system here.

The secret is stored only sealed (`SecretBox`, Fernet: AES with an HMAC): a copy of the
database alone does not give anybody the codes.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
from cryptography.fernet import Fernet, InvalidToken

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1  # steps accepted either side of the current one
_SECRET_BYTES = 20  # 160 bits, as RFC 4226 recommends


def new_secret() -> str:
    return pyotp.random_base32(length=_SECRET_BYTES * 8 // 5)


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=username, issuer_name=issuer)


def grouped(secret: str) -> str:
    """'ABCD EFGH ...': the secret as an agent types it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def normalize_code(text: object) -> str | None:
    """'492 039' -> '492039'; None unless it is six ASCII digits (spaces and dashes allowed)."""
    if not isinstance(text, str) or len(text) > 20:
        return None
    code = "".join(c for c in text if c not in " -\t")
    return code if len(code) == DIGITS and code.isascii() and code.isdigit() else None


def step_at(at: datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def code_at(secret: str, at: datetime) -> str:
    """The code for the step `at` falls in (what an authenticator app shows then)."""
    return str(pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(
        step_at(at)))


def matching_step(secret: str, code: object, at: datetime) -> int | None:
    """The step (within DRIFT_STEPS of `at`) whose code `code` is, or None."""
    typed = normalize_code(code)
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    now = step_at(at)
    found = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        # Every candidate is compared, in constant time: no hint from how long it took.
        if hmac.compare_digest(totp.generate_otp(step), typed or "-" * DIGITS) and typed:
            found = step
    return found


class SecretBox:
    """Seals TOTP secrets for storage (Fernet with the key from settings)."""

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode("ascii"))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("ascii")).decode("ascii")

    def open(self, sealed: str) -> str | None:
        """The secret, or None if `sealed` was not sealed with this key (or was altered)."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError, ValueError):
            return None
