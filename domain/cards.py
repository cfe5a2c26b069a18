"""Payment card numbers: Luhn check, brand, masking; and the redactor, re-exported.

The app itself never keeps a full card number (PCI DSS). These helpers exist so the processor
side can validate what it is given. For that side only ASCII digits count: a string of
full-width digits is not a card number a processor would accept.

Finding card numbers in what residents write (any digits, any separators) is the redactor's
job, domain/redaction.py; its names are re-exported here.
"""

from __future__ import annotations

import re

from domain.errors import InvalidInput
from domain.redaction import (
    MAX_CARD_DIGITS,
    MIN_CARD_DIGITS,
    REDACTION,
    contains_card_number,
    redact_card_numbers,
)

__all__ = ["MAX_CARD_DIGITS", "MIN_CARD_DIGITS", "REDACTION", "card_brand", "card_digits",
           "contains_card_number", "is_card_number", "luhn_check_digit", "luhn_valid",
           "mask_card", "redact_card_numbers"]

_ASCII_DIGITS = re.compile(r"[0-9]+")
_SEPARATORS = re.compile(r"[ \-]")


def luhn_valid(digits: str) -> bool:
    """True if `digits` (ASCII digits only, at least two) passes the Luhn mod-10 check."""
    if not isinstance(digits, str) or len(digits) < 2 or not _ASCII_DIGITS.fullmatch(digits):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:  # every second digit from the right is doubled
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def luhn_check_digit(partial: str) -> str:
    """The digit to append to `partial` so that the result passes Luhn (for tests/demo data)."""
    if not isinstance(partial, str) or not _ASCII_DIGITS.fullmatch(partial):
        raise ValueError("need ASCII digits")
    for candidate in "0123456789":
        if luhn_valid(partial + candidate):
            return candidate
    raise AssertionError("unreachable: one check digit always exists")  # pragma: no cover


def card_digits(number: str) -> str:
    """The digits of a card number typed with spaces or dashes ("4242 4242-4242 4242")."""
    return _SEPARATORS.sub("", (number or "").strip())


def is_card_number(number: str) -> bool:
    """13 to 19 ASCII digits (separators allowed) that pass Luhn."""
    digits = card_digits(number)
    return MIN_CARD_DIGITS <= len(digits) <= MAX_CARD_DIGITS and luhn_valid(digits)


def card_brand(number: str) -> str:
    """"VISA", "MASTERCARD", "AMEX", "DISCOVER" or "CARD" (unknown), from the leading digits."""
    digits = card_digits(number)
    if not _ASCII_DIGITS.fullmatch(digits):
        return "CARD"
    if digits.startswith(("34", "37")) and len(digits) == 15:
        return "AMEX"
    if digits.startswith("4"):
        return "VISA"
    if len(digits) >= 4:
        first2, first4 = int(digits[:2]), int(digits[:4])
        if 51 <= first2 <= 55 or 2221 <= first4 <= 2720:
            return "MASTERCARD"
        first3 = int(digits[:3])
        if digits.startswith(("6011", "65")) or 644 <= first3 <= 649:
            return "DISCOVER"
        if len(digits) >= 6 and 622126 <= int(digits[:6]) <= 622925:  # China UnionPay co-brand
            return "DISCOVER"
    return "CARD"


def mask_card(last4: str) -> str:
    """'4242' -> '**** 4242': safe to show or say. Given more digits, only the last 4 show."""
    digits = "".join(ch for ch in (last4 or "") if ch in "0123456789")
    if len(digits) < 4:
        raise InvalidInput("a masked card needs its last 4 digits")
    return f"**** {digits[-4:]}"
