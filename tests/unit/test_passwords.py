"""Agent password hashing (domain/passwords.py): scrypt, self-describing, never raising."""

from __future__ import annotations

import base64

import pytest

from domain.passwords import hash_password, verify_password

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password(PASSWORD)


def test_round_trip_and_format(stored: str) -> None:
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(digest)) == 32
    assert verify_password(PASSWORD, stored)
    assert PASSWORD not in stored and len(stored) <= 255  # fits agents.password_hash


@pytest.mark.parametrize("attempt", ["correct horse batterY", "correct horse battery ", "",
                                     "correct horse", PASSWORD * 2, "x" * 10_000])
def test_wrong_passwords_do_not_match(stored: str, attempt: str) -> None:
    assert verify_password(attempt, stored) is False


def test_salts_differ() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second
    assert first.split("$")[4] != second.split("$")[4]
    assert verify_password(PASSWORD, first) and verify_password(PASSWORD, second)


def test_unicode_passwords() -> None:
    password = "Contraseña-niño-🔑-écrit"
    stored = hash_password(password)
    assert verify_password(password, stored)
    assert not verify_password("Contrasena-nino-🔑-ecrit", stored)
    # The same text composed differently (e + combining acute) is the same password.
    assert verify_password(password.replace("é", "e\u0301"), stored)
    # A lone surrogate can be in a Python str: it hashes and verifies, never raises.
    odd = hash_password("abc\ud800def")
    assert verify_password("abc\ud800def", odd) and not verify_password("abcdef", odd)


@pytest.mark.parametrize("bad", [
    "", "scrypt", "plain-text-password", "scrypt$16384$8$1$c2FsdA==",
    "scrypt$16384$8$1$c2FsdHNhbHRzYWx0$!!notbase64!!",
    "scrypt$16384$8$1$$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "scrypt$16384$8$1$c2FsdHNhbHRzYWx0$c2hvcnQ=",  # a 5-byte hash
    "scrypt$16385$8$1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",  # n not 2^k
    "scrypt$1073741824$8$1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "scrypt$16384$64$64$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "scrypt$-16384$8$1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "scrypt$١٦٣٨٤$8$1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "pbkdf2_sha256$100000$abcdef",
    "scrypt$16384$8$1$c2FsdA==$é",
])
def test_malformed_stored_values_never_match_and_never_raise(bad: str) -> None:
    assert verify_password(PASSWORD, bad) is False


def test_a_nul_is_never_part_of_a_password(stored: str) -> None:
    # HMAC pads short keys with zero bytes: without this rule these would all match.
    for attempt in (PASSWORD + "\x00", PASSWORD + "\x00\x00", "\x00" + PASSWORD):
        assert verify_password(attempt, stored) is False
    with pytest.raises(ValueError, match="NUL"):
        hash_password("pass\x00word-long")


def test_wrong_types_never_raise(stored: str) -> None:
    assert verify_password(None, stored) is False  # type: ignore[arg-type]
    assert verify_password(PASSWORD, None) is False  # type: ignore[arg-type]
    assert verify_password(b"bytes", stored) is False  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        hash_password(None)  # type: ignore[arg-type]
