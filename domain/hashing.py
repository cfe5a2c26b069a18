"""Salted hashing of the last 4 of an SSN/Tax ID: enough to verify, useless if stolen alone.

Four digits have only 10,000 values, so the hash is slow (PBKDF2) and salted per customer;
the lock-out after 3 failures is what really protects the factor.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_ITERATIONS = 100_000


def new_salt() -> str:
    return secrets.token_hex(16)


def hash_last4(last4: str, salt: str, iterations: int = _ITERATIONS) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", last4.encode("ascii"), bytes.fromhex(salt), iterations)
    return f"pbkdf2_sha256${iterations}${digest.hex()}"


def verify_last4(last4: str, salt: str | None, stored: str | None) -> bool:
    if not salt or not stored:
        return False
    try:
        _, iterations, _ = stored.split("$")
        candidate = hash_last4(last4, salt, int(iterations))
    except (ValueError, UnicodeEncodeError):
        return False
    return hmac.compare_digest(candidate, stored)
