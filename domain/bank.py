"""US bank account numbers: ABA routing number checksum and account number normalization.

Both are strings, never ints: routing numbers such as 011000015 start with a zero and account
numbers such as 000123456789 may too. Only ASCII digits count; a full-width or Arabic-Indic
digit is refused rather than silently converted, so what we store is exactly what the bank
will see.
"""

from __future__ import annotations

import re

from domain.errors import InvalidPaymentMethod, InvalidRoutingNumber

_NINE_ASCII_DIGITS = re.compile(r"[0-9]{9}")
_ACCOUNT_DIGITS = re.compile(r"[0-9]{4,17}")
# What a resident may type between digit groups: "021 000 021", "0210-0002-1".
_SEPARATORS = re.compile(r"[ \-]")

# Federal Reserve routing symbol prefixes: 00 (US government), 01-12 (the twelve Federal
# Reserve districts), 21-32 (thrifts), 61-72 (electronic transactions), 80 (traveler's checks).
_VALID_PREFIXES = frozenset(
    {0, *range(1, 13), *range(21, 33), *range(61, 73), 80}
)
_WEIGHTS = (3, 7, 1, 3, 7, 1, 3, 7, 1)


def routing_checksum(digits: str) -> int:
    """The 3-7-1 weighted sum of nine digits; a valid routing number makes it a multiple of 10."""
    return sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True))


def is_valid_routing_number(text: str) -> bool:
    """True for exactly nine ASCII digits with a Federal Reserve prefix and a valid checksum."""
    if not isinstance(text, str) or not _NINE_ASCII_DIGITS.fullmatch(text):
        return False
    if int(text[:2]) not in _VALID_PREFIXES:
        return False
    return routing_checksum(text) % 10 == 0


def routing_check_digit(first8: str) -> str:
    """The ninth digit that makes eight digits a valid routing number (for tests and demo data)."""
    if not re.fullmatch(r"[0-9]{8}", first8 or ""):
        raise ValueError("need exactly eight ASCII digits")
    partial = sum(int(d) * w for d, w in zip(first8, _WEIGHTS[:8], strict=True))
    return str((10 - partial % 10) % 10)


def normalize_routing_number(text: str) -> str:
    """'021 000 021' -> '021000021'; raises InvalidRoutingNumber unless it passes the checksum."""
    if not isinstance(text, str):
        raise InvalidRoutingNumber()
    cleaned = _SEPARATORS.sub("", text.strip())
    if not is_valid_routing_number(cleaned):
        raise InvalidRoutingNumber()
    return cleaned


def normalize_bank_account_number(text: str) -> str:
    """'0001 2345 6789' -> '000123456789' (4 to 17 ASCII digits, leading zeros kept).

    Raises InvalidPaymentMethod otherwise. An all-zero number is no real account.
    """
    message = "That bank account number is not valid. Please check the digits and try again."
    if not isinstance(text, str):
        raise InvalidPaymentMethod(message)
    cleaned = _SEPARATORS.sub("", text.strip())
    if not _ACCOUNT_DIGITS.fullmatch(cleaned) or set(cleaned) == {"0"}:
        raise InvalidPaymentMethod(message)
    return cleaned
