"""Reading the account number and the factor out of a text."""

from __future__ import annotations

import pytest

from conversation.understanding.identity_text import (
    IdentityAnswer,
    looks_like_identity,
    parse_identity,
)
from domain.model import FactorKind

STREET = FactorKind.STREET_NUMBER
SSN = FactorKind.SSN_LAST4


@pytest.mark.parametrize(("text", "expected"), [
    ("0104200731 1234", IdentityAnswer("0104200731", STREET, "1234")),
    ("0104200731, 1234", IdentityAnswer("0104200731", STREET, "1234")),
    ("acct 0104-2007-31 street 1234", IdentityAnswer("0104200731", STREET, "1234")),
    ("1234 0104200731", IdentityAnswer("0104200731", STREET, "1234")),
    ("0104200731 SSN 4821", IdentityAnswer("0104200731", SSN, "4821")),
    ("0104200731 last four 4821", IdentityAnswer("0104200731", SSN, "4821")),
    ("0104200731 12b", IdentityAnswer("0104200731", STREET, "12b")),
    ("0104200731", IdentityAnswer("0104200731")),
    ("no numbers", IdentityAnswer(None)),
])
def test_parse(text: str, expected: IdentityAnswer) -> None:
    assert parse_identity(text) == expected


def test_the_factor_in_a_second_text() -> None:
    assert parse_identity("1234", "0104200731") == IdentityAnswer("0104200731", STREET, "1234")
    assert parse_identity("ssn 4821", "0104200731") == IdentityAnswer("0104200731", SSN, "4821")


def test_a_short_number_alone_is_no_account() -> None:
    assert parse_identity("1234").account_number is None


def test_only_numbers_make_an_answer() -> None:
    assert looks_like_identity("it's 0104200731")
    assert not looks_like_identity("what is paperless?")
