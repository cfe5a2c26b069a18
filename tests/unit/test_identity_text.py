"""Reading the account number and the factor out of a text (SMS) or a chat answer."""

from __future__ import annotations

import pytest

from conversation.understanding.identity_text import (
    IdentityAnswer,
    is_street_number,
    labelled_account_number,
    labelled_general_billing,
    looks_like_identity,
    mentions_customer_id,
    parse_identity,
    read_bill_number,
    read_number,
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


# --- the chat's answers to one question at a time ---------------------------------------
@pytest.mark.parametrize(("text", "number"), [
    ("0104200731", "0104200731"), ("0104-200-731", "0104200731"),
    ("0104 200 731", "0104200731"), ("my account number is 0104200731", "0104200731"),
    ("0045129907", "0045129907"), ("1234", "1234"), ("customer ID 200145", "200145"),
    ("customer 200145 bill 610025", "200145"),
    ("01042OO731", None),  # letters are not dropped to leave "01042"
    ("4242 4242 4242 4242", None), ("my card is 4000-0000-0000-0002", None),  # never a card
    ("one two three", None), ("😀", None), ("", None),
])
def test_read_number(text: str, number: str | None) -> None:
    assert read_number(text) == number


def test_an_account_answer_with_the_factor_gives_both() -> None:
    assert parse_identity("0104200731 1234", asked_account=True) == IdentityAnswer(
        "0104200731", STREET, "1234")
    # Groups typed apart are one number only when the account number was what was asked.
    assert parse_identity("0104 200 731").account_number is None


@pytest.mark.parametrize(("text", "expected"), [
    ("1234", (STREET, "1234")), ("88", (STREET, "88")), ("12b", (STREET, "12b")),
    ("1234 Elm St", (STREET, "1234")), ("ssn 4821", (SSN, "4821")),
    ("SSN: 4821", (SSN, "4821")), ("last four of my social is 4821", (SSN, "4821")),
    ("it's 4821, my tax ID", (SSN, "4821")),
    ("ssn 12", None), ("ssn", None), ("the red house", None), ("12345678", None),
    ("x" * 2000, None), ("😀", None),
])
def test_a_factor_is_read_only_when_well_formed(text: str, expected) -> None:
    answer = parse_identity(text, "0104200731")
    assert answer.account_number == "0104200731"
    assert ((answer.factor_kind, answer.factor) if answer.factor else None) == expected


def test_bill_numbers_customer_words_and_street_numbers() -> None:
    assert read_bill_number("bill B1001 please") == "B1001"
    assert read_bill_number("bill-610026") == "610026"
    assert read_bill_number("610026") == "610026"
    assert read_bill_number("🙂🙂") is None
    assert mentions_customer_id("my Customer ID is 200145")
    assert not mentions_customer_id("my account number")
    assert is_street_number("1234") and is_street_number("12B")
    assert not is_street_number("0104200731") and not is_street_number("12ab")


@pytest.mark.parametrize(("text", "expected"), [
    ("whats my balance? customer id 200146, bill number 610031", ("200146", "610031")),
    ("my customer number is 200145", ("200145", None)),
    ("Customer ID: 200-145 invoice # A610025", ("200145", "A610025")),
    ("pay $40 for customer 200145 on the 15th", ("200145", None)),
    ("what do customers pay", (None, None)),
])
def test_general_billing_numbers_are_read_only_after_their_labels(
        text: str, expected: tuple[str | None, str | None]) -> None:
    assert labelled_general_billing(text) == expected


@pytest.mark.parametrize(("text", "account", "factor"), [
    ("i wanna pay my bil, acct # 0104200731, house number 1234", "0104200731", "1234"),
    ("pay my bill 0104200731", "0104200731", None),
    ("pay 250000", None, None),
    ("account 4242424242424242", None, None),
])
def test_an_account_in_a_request_needs_its_word_or_its_length(
        text: str, account: str | None, factor: str | None) -> None:
    said = labelled_account_number(text)
    assert (said.account_number, said.factor) == (account, factor)
