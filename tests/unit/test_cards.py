"""Card numbers: Luhn, brand, masking and redaction of chat/SMS text (the redactor's own
spellings and properties are in test_redaction.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.cards import (
    REDACTION,
    card_brand,
    is_card_number,
    luhn_check_digit,
    luhn_valid,
    mask_card,
    redact_card_numbers,
)
from domain.errors import InvalidInput

TEST_CARDS = ["4242424242424242", "5555555555554444", "4000000000000002",
              "4000000000009995", "4000000000000069", "378282246310005", "6011111111111117"]


@pytest.mark.parametrize("number", [*TEST_CARDS, "79927398713", "0000000000000000"])
def test_luhn_accepts_valid_numbers(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize(
    "number",
    ["4242424242424241", "79927398710", "1234567812345678", "", "0", "4242 4242 4242 4242",
     "４２４２４２４２４２４２４２４２", "42424242424242a2"],
)
def test_luhn_refuses_invalid_or_non_ascii(number: str) -> None:
    assert not luhn_valid(number)


def test_luhn_refuses_non_strings() -> None:
    assert not luhn_valid(4242424242424242)  # type: ignore[arg-type]


@given(st.text(alphabet="0123456789", min_size=12, max_size=18))
def test_luhn_check_digit_always_validates(partial: str) -> None:
    assert luhn_valid(partial + luhn_check_digit(partial))


@given(
    partial=st.text(alphabet="0123456789", min_size=12, max_size=18),
    position=st.integers(min_value=0, max_value=18),
    bump=st.integers(min_value=1, max_value=9),
)
def test_luhn_catches_any_single_digit_error(partial: str, position: int, bump: int) -> None:
    number = list(partial + luhn_check_digit(partial))
    position %= len(number)
    number[position] = str((int(number[position]) + bump) % 10)
    assert not luhn_valid("".join(number))


def test_is_card_number_checks_length_and_separators() -> None:
    assert is_card_number("4242 4242 4242 4242")
    assert is_card_number("4242-4242-4242-4242")
    assert not is_card_number("79927398713")  # Luhn-valid, but only 11 digits
    assert not is_card_number("4242424242424241")


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", "VISA"),
        ("4242 4242 4242 4242", "VISA"),
        ("5555555555554444", "MASTERCARD"),
        ("5105105105105100", "MASTERCARD"),
        ("2223003122003222", "MASTERCARD"),  # the 2-series range
        ("378282246310005", "AMEX"),
        ("371449635398431", "AMEX"),
        ("6011111111111117", "DISCOVER"),
        ("6445644564456445", "DISCOVER"),
        ("6500000000000002", "DISCOVER"),
        ("3530111333300000", "CARD"),  # JCB: not one the city lists
        ("2720999999999996", "MASTERCARD"),
        ("2721000000000000", "CARD"),
        ("", "CARD"),
        ("abcd", "CARD"),
    ],
)
def test_card_brand(number: str, brand: str) -> None:
    assert card_brand(number) == brand


def test_mask_card_shows_only_last4() -> None:
    assert mask_card("4242") == "**** 4242"
    assert mask_card("4000000000009995") == "**** 9995"
    with pytest.raises(InvalidInput):
        mask_card("42")


# --- redaction -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my card is 4242424242424242 thanks",
         f"my card is {REDACTION} thanks"),
        ("my card is 4242 4242 4242 4242.", f"my card is {REDACTION}."),
        ("4242-4242-4242-4242", REDACTION),
        ("Amex 3782 822463 10005 exp 12/27", f"Amex {REDACTION} exp 12/27"),
        ("pay with card4242424242424242please", f"pay with card{REDACTION}please"),
        ("two: 4242424242424242 and 5555 5555 5555 4444",
         f"two: {REDACTION} and {REDACTION}"),
        ("4242  4242  4242  4242", REDACTION),  # doubled spaces
        ("4242 - 4242 - 4242 - 4242", REDACTION),
    ],
)
def test_redacts_card_numbers_in_sentences(text: str, expected: str) -> None:
    assert redact_card_numbers(text) == (expected, True)


def test_redacts_card_followed_by_security_code() -> None:
    text, found = redact_card_numbers("card 4242 4242 4242 4242 123 ok")
    assert found
    assert "4242" not in text
    assert text == f"card {REDACTION} 123 ok"


def test_redacts_card_glued_to_other_digits() -> None:
    text, found = redact_card_numbers("4242424242424242123")
    assert found
    assert "4242" not in text


def test_redacts_card_after_phone_number_in_same_run() -> None:
    text, found = redact_card_numbers("call 312 555 0100 4242 4242 4242 4242")
    assert found
    assert text == f"call 312 555 0100 {REDACTION}"


@pytest.mark.parametrize(
    "text",
    [
        "call me at 312-555-0100",
        "call me at (312) 555 0100 or 3125550100",
        "routing 021000021 account 000123456789",
        "account 123456789",
        "I owe $1,234.56 on bill 2024-00123",
        "4242424242424241",  # fails Luhn
        "４２４２４２４２４２４２４２４１",  # full-width digits count, but this one fails Luhn
        "",
        "no digits at all",
    ],
)
def test_leaves_other_numbers_alone(text: str) -> None:
    assert redact_card_numbers(text) == (text, False)


def test_full_width_digits_count_for_redaction_not_for_the_processor() -> None:
    # A resident's phone keyboard may type these; a processor would not accept them.
    assert redact_card_numbers("４２４２４２４２４２４２４２４２") == (REDACTION, True)
    assert not is_card_number("４２４２４２４２４２４２４２４２")


def test_very_long_digit_block_is_removed() -> None:
    text, found = redact_card_numbers("x" + "1" * 300 + "x")
    assert found
    assert text == f"x{REDACTION}x"


@given(
    partial=st.text(alphabet="0123456789", min_size=12, max_size=18),
    before=st.sampled_from(["", "my card is ", "card: ", "número "]),
    after=st.sampled_from(["", " thanks", ". exp 12/27", "!"]),
    separator=st.sampled_from(["", " ", "-"]),
)
def test_any_luhn_valid_number_is_removed(partial: str, before: str, after: str,
                                          separator: str) -> None:
    number = partial + luhn_check_digit(partial)
    typed = separator.join(number[i:i + 4] for i in range(0, len(number), 4))
    text, found = redact_card_numbers(before + typed + after)
    assert found
    assert text == before + REDACTION + after
    assert number not in text.replace(" ", "").replace("-", "")
