"""One-time codes for agents (domain/totp.py): RFC 6238 codes at an injected time, the drift
window, what counts as a typed code, and secrets sealed at rest."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from domain.config import DEV_AGENT_MFA_KEY
from domain.totp import (
    STEP_SECONDS,
    SecretBox,
    code_at,
    grouped,
    matching_step,
    new_secret,
    normalize_code,
    provisioning_uri,
    step_at,
)

# RFC 6238 appendix B: the SHA-1 seed "12345678901234567890"; 6 digits are the last 6 of 8.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [(59, "287082"), (1111111109, "081804"), (1111111111, "050471"),
               (1234567890, "005924"), (2000000000, "279037"), (20000000000, "353130")]


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


@pytest.mark.parametrize(("seconds", "code"), RFC_VECTORS)
def test_codes_are_rfc_6238(seconds: int, code: str) -> None:
    assert code_at(RFC_SECRET, at(seconds)) == code
    assert matching_step(RFC_SECRET, code, at(seconds)) == seconds // STEP_SECONDS


def test_time_comes_from_the_caller_in_any_time_zone() -> None:
    moment = at(1234567890)
    chicago = moment.astimezone(datetime.now().astimezone().tzinfo)
    assert matching_step(RFC_SECRET, "005924", chicago) == step_at(moment)


def test_one_step_of_drift_either_way_and_no_more() -> None:
    secret = new_secret()
    now = datetime(2026, 11, 23, 14, 0, 10, tzinfo=UTC)
    for offset, accepted in ((-2, False), (-1, True), (0, True), (1, True), (2, False)):
        code = code_at(secret, now + timedelta(seconds=offset * STEP_SECONDS))
        found = matching_step(secret, code, now)
        assert (found == step_at(now) + offset) if accepted else found is None, offset


@pytest.mark.parametrize(("typed", "expected"), [
    ("492039", "492039"), (" 492 039 ", "492039"), ("492-039", "492039"),
    ("49203", None), ("4920399", None), ("", None), ("４９２０３９", None),
    ("٤٩٢٠٣٩", None), ("49203a", None), (None, None), ("1" * 100, None)])
def test_what_counts_as_a_typed_code(typed: object, expected: str | None) -> None:
    assert normalize_code(typed) == expected


def test_garbage_never_matches() -> None:
    now = at(1234567890)
    for typed in ("", "abcdef", "٠٠٥٩٢٤", "00592", None, 5924, "005924\x00"):
        assert matching_step(RFC_SECRET, typed, now) is None


def test_new_secrets_are_160_random_bits_in_base32() -> None:
    secrets = {new_secret() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert len(base64.b32decode(secret)) == 20
    assert grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"


def test_the_provisioning_uri_names_the_console_and_agent() -> None:
    uri = provisioning_uri(RFC_SECRET, "r.alvarez", "City of Riverton 311")
    assert uri.startswith("otpauth://totp/City%20of%20Riverton%20311:r.alvarez?")
    assert f"secret={RFC_SECRET}" in uri and "issuer=City%20of%20Riverton%20311" in uri


def test_secrets_are_sealed_and_only_this_key_opens_them() -> None:
    box = SecretBox(DEV_AGENT_MFA_KEY)
    secret = new_secret()
    sealed = box.seal(secret)
    assert secret not in sealed and box.seal(secret) != sealed  # fresh IV each time
    assert box.open(sealed) == secret
    other = SecretBox(base64.urlsafe_b64encode(b"x" * 32).decode())
    assert other.open(sealed) is None
    assert box.open(sealed[:-4] + "AAAA") is None and box.open("garbage") is None
