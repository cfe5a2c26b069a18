"""Hashes that keep what residents type at the verification prompts out of reach.

- The last 4 of an SSN/Tax ID: four digits have only 10,000 values, so the hash is slow
  (PBKDF2) and salted per customer; the lock-out after 3 failures is what really protects
  the factor. Checking always costs one PBKDF2, whether or not there is a hash to check
  against, so the time taken never says whether an account (or an SSN on file) exists.
- The account or customer number a resident tried: kept for the lock-out as a keyed hash
  (HMAC-SHA256 with a server secret), never as the digits, since residents also type SSNs,
  phone and card numbers at that prompt; without the key a leaked table cannot be reversed
  by trying every 10-digit number.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_ITERATIONS = 100_000
# The stand-in checked when there is nothing on file: the same cost, never a match.
_NOTHING_ON_FILE_SALT = "00" * 16


def new_salt() -> str:
    return secrets.token_hex(16)


def hash_last4(last4: str, salt: str, iterations: int = _ITERATIONS) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", last4.encode("ascii"), bytes.fromhex(salt), iterations)
    return f"pbkdf2_sha256${iterations}${digest.hex()}"


def verify_last4(last4: str, salt: str | None, stored: str | None) -> bool:
    """True if `last4` matches the stored hash. Costs one PBKDF2 in every case (no hash on
    file, a malformed one, a wrong or right answer), so timing reveals nothing."""
    try:
        if not salt or not stored:
            raise ValueError("nothing on file")
        _, iterations, _ = stored.split("$")
        candidate = hash_last4(last4, salt, int(iterations))
    except (ValueError, UnicodeEncodeError):
        check_nothing(last4)
        return False
    return hmac.compare_digest(candidate, stored)


def check_nothing(last4: str) -> None:
    """The work of one verify_last4 where there is no account to check against."""
    data = last4.encode("ascii", "replace")
    hashlib.pbkdf2_hmac("sha256", data, bytes.fromhex(_NOTHING_ON_FILE_SALT), _ITERATIONS)


def derive_key(secret: str, purpose: str) -> bytes:
    """A key for one purpose from a deployment secret (HMAC as a key-derivation step), so one
    configured secret can serve several uses without one use exposing another."""
    return hmac.new(secret.encode("utf-8"), f"payline:{purpose}".encode(), hashlib.sha256).digest()


def reference_digest(key: bytes, kind: str, number: str) -> str:
    """The keyed hash of a tried account reference: 64 hex characters. `kind` keeps an
    account number and a customer ID with the same digits apart."""
    return hmac.new(key, f"{kind}:{number}".encode(), hashlib.sha256).hexdigest()
