"""Password hashing for 311 agents: scrypt from the standard library, self-describing.

    stored = hash_password("correct horse battery")   # "scrypt$16384$8$1$<salt>$<hash>"
    verify_password("correct horse battery", stored)   # True

The stored value names its own cost parameters, so they can be raised later without breaking
older hashes. Passwords are NFKC-normalized first, so the same password typed on keyboards
that compose accents differently still matches (NIST SP 800-63B, 5.1.1.2).

A NUL character is never part of a password: scrypt's inner HMAC pads a short key with zero
bytes, so "secret" and "secret\\0" would otherwise be the same key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import unicodedata

SCHEME = "scrypt"
N = 2**14
R = 8
P = 1
SALT_BYTES = 16
HASH_BYTES = 32
# Parameters read back from a stored value are bounded, so a corrupt or hostile value cannot
# make one verification take gigabytes of memory or minutes of CPU.
_MAX_N = 2**17
_MAX_R = 16
_MAX_P = 4


def hash_password(password: str) -> str:
    """A new salted scrypt hash of `password` (n=2**14, r=8, p=1, 16-byte random salt)."""
    if not isinstance(password, str):
        raise TypeError("password must be a str")
    if "\x00" in password:
        raise ValueError("a password cannot contain a NUL character")
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, N, R, P, HASH_BYTES)
    return "$".join((SCHEME, str(N), str(R), str(P), _b64(salt), _b64(digest)))


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches `stored`; False (never an exception) for anything malformed."""
    try:
        if not isinstance(password, str) or not isinstance(stored, str):
            return False
        scheme, n_text, r_text, p_text, salt_text, hash_text = stored.split("$")
        if scheme != SCHEME or not all(t.isdigit() for t in (n_text, r_text, p_text)):
            return False
        n, r, p = int(n_text), int(r_text), int(p_text)
        if not (2 <= n <= _MAX_N and n & (n - 1) == 0 and 1 <= r <= _MAX_R
                and 1 <= p <= _MAX_P):
            return False
        salt, expected = _unb64(salt_text), _unb64(hash_text)
        if not salt or not 16 <= len(expected) <= 64:
            return False
        candidate = _scrypt(password, salt, n, r, p, len(expected))
    except (ValueError, TypeError, MemoryError, binascii.Error):
        return False
    # The scrypt work is done either way: a NUL only changes the answer, not the time.
    return hmac.compare_digest(candidate, expected) and "\x00" not in password


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    # surrogatepass: a lone surrogate (possible in a Python str) still hashes, never raises.
    secret = unicodedata.normalize("NFKC", password).encode("utf-8", "surrogatepass")
    return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, dklen=length,
                          maxmem=256 * n * r + 1024 * 1024)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)
