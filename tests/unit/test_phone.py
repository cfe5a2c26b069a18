"""Phone numbers normalize to E.164; masking shows only the last 4."""

from __future__ import annotations

import pytest

from domain.errors import InvalidPhoneNumber
from domain.phone import last4, mask_phone, normalize_phone


@pytest.mark.parametrize(
    "text",
    ["312-555-0100", "(312) 555-0100", "312.555.0100", "+1 312 555 0100", "1 312 555 0100",
     "+13125550100", "  3125550100  "],
)
def test_us_formats_normalize_to_e164(text: str) -> None:
    assert normalize_phone(text) == "+13125550100"


def test_international_number_with_plus() -> None:
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"


def test_region_decides_numbers_without_plus() -> None:
    assert normalize_phone("020 7946 0958", region="GB") == "+442079460958"
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone("020 7946 0958")  # not a US number


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "12",  # too short
        "555-0100",  # 7 digits, no area code
        "312 555 01000",  # too long
        "+1 555 555 0311",  # 555 is not an area code
        "+1 012 555 0100",  # area codes never start with 0
        "3" * 80,  # absurdly long input
    ],
)
def test_garbage_is_refused(text: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone(text)


def test_non_string_is_refused() -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone(3125550100)  # type: ignore[arg-type]


def test_mask_and_last4() -> None:
    assert mask_phone("+13125550123") == "***-***-0123"
    assert last4("+13125550123") == "0123"
    assert "555" not in mask_phone("+13125550123")
