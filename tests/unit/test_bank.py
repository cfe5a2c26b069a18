"""ABA routing numbers and bank account numbers: strings with leading zeros, ASCII only."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.bank import (
    is_valid_routing_number,
    normalize_bank_account_number,
    normalize_routing_number,
    routing_check_digit,
)
from domain.errors import InvalidPaymentMethod, InvalidRoutingNumber

VALID_PREFIXES = [f"{n:02d}" for n in [*range(0, 13), *range(21, 33), *range(61, 73), 80]]
INVALID_PREFIXES = [f"{n:02d}" for n in range(100) if f"{n:02d}" not in VALID_PREFIXES]


@pytest.mark.parametrize("number", ["011000015", "021000021", "111000025", "322271627"])
def test_real_routing_numbers_are_valid(number: str) -> None:
    assert is_valid_routing_number(number)


@pytest.mark.parametrize(
    "text",
    [
        "123456789",  # checksum fails: the sandbox's "invalid routing" case
        "021000022",  # one digit off
        "02100002",  # 8 digits
        "0210000210",  # 10 digits
        "02100002A",  # a letter
        "",
        "021 000 021",  # is_valid is strict; normalize strips separators
        "021000021\n",  # no trailing newline sneaking past a `$` anchor
        "０２１０００ ０２１".replace(" ", ""),  # full-width digits
        "٠٢١٠٠٠٠٢١",  # Arabic-Indic digits
    ],
)
def test_invalid_routing_numbers(text: str) -> None:
    assert not is_valid_routing_number(text)


def test_non_string_is_not_a_routing_number() -> None:
    assert not is_valid_routing_number(21000021)  # type: ignore[arg-type]
    assert not is_valid_routing_number(None)  # type: ignore[arg-type]


def test_checksum_valid_but_unassigned_prefix_is_refused() -> None:
    # 13 is not a Federal Reserve prefix; make the checksum right so only the prefix fails.
    number = "1300000" + "0"
    number += routing_check_digit(number)
    assert len(number) == 9
    assert not is_valid_routing_number(number)
    same_digits_valid_prefix = "12" + number[2:8]
    assert is_valid_routing_number(same_digits_valid_prefix + routing_check_digit(
        same_digits_valid_prefix))


def test_normalize_keeps_leading_zero_and_strips_separators() -> None:
    assert normalize_routing_number(" 011-000-015 ") == "011000015"
    assert normalize_routing_number("021 000 021") == "021000021"
    assert isinstance(normalize_routing_number("011000015"), str)


@pytest.mark.parametrize("text", ["123456789", "12345678", "abcdefghi", "", "٠٢١٠٠٠٠٢١"])
def test_normalize_refuses_invalid(text: str) -> None:
    with pytest.raises(InvalidRoutingNumber):
        normalize_routing_number(text)


def test_normalize_refuses_non_string() -> None:
    with pytest.raises(InvalidRoutingNumber):
        normalize_routing_number(21000021)  # type: ignore[arg-type]


@given(
    prefix=st.sampled_from(VALID_PREFIXES),
    middle=st.text(alphabet="0123456789", min_size=6, max_size=6),
)
def test_generated_routing_numbers_validate(prefix: str, middle: str) -> None:
    first8 = prefix + middle
    assert is_valid_routing_number(first8 + routing_check_digit(first8))


@given(
    prefix=st.sampled_from(VALID_PREFIXES),
    middle=st.text(alphabet="0123456789", min_size=6, max_size=6),
    position=st.integers(min_value=2, max_value=8),
    bump=st.integers(min_value=1, max_value=9),
)
def test_any_single_digit_error_is_caught(prefix: str, middle: str, position: int,
                                          bump: int) -> None:
    # Weights 3, 7 and 1 are all coprime with 10, so changing one digit always breaks the sum.
    number = prefix + middle
    number += routing_check_digit(number)
    digits = list(number)
    digits[position] = str((int(digits[position]) + bump) % 10)
    assert not is_valid_routing_number("".join(digits))


@given(
    prefix=st.sampled_from(INVALID_PREFIXES),
    middle=st.text(alphabet="0123456789", min_size=6, max_size=6),
)
def test_invalid_prefixes_never_validate(prefix: str, middle: str) -> None:
    first8 = prefix + middle
    assert not is_valid_routing_number(first8 + routing_check_digit(first8))


def test_check_digit_needs_eight_ascii_digits() -> None:
    with pytest.raises(ValueError):
        routing_check_digit("0210000")
    with pytest.raises(ValueError):
        routing_check_digit("٠٢١٠٠٠٠٢")


# --- account numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("000123456789", "000123456789"),
        ("0001 2345 6789", "000123456789"),
        ("0001-2345-6789", "000123456789"),
        ("1234", "1234"),
        ("12345678901234567", "12345678901234567"),
    ],
)
def test_account_numbers_normalize_with_leading_zeros(text: str, expected: str) -> None:
    assert normalize_bank_account_number(text) == expected


@pytest.mark.parametrize(
    "text",
    ["123", "123456789012345678", "12a456", "", "   ", "0000", "١٢٣٤٥٦", "12.345", None, 123456],
)
def test_bad_account_numbers_are_refused(text: object) -> None:
    with pytest.raises(InvalidPaymentMethod) as info:
        normalize_bank_account_number(text)  # type: ignore[arg-type]
    # The message is polite and never echoes the digits back.
    assert "account number" in info.value.detail
    assert "123" not in info.value.detail
