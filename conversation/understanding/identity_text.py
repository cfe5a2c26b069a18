"""Reading "who I am" from a text: an account number, then the service street number or the
last 4 of the SSN/Tax ID ("0104200731 1234", "acct 0104-2007-31, SSN 1234", or the two in
separate texts). Only parsing: the domain's IdentityService decides."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.model import FactorKind

MIN_ACCOUNT_DIGITS = 6
_NUMBER = re.compile(r"(?<![\w-])(\d[\d-]*\d|\d)([a-z]?)(?![\w-])", re.IGNORECASE)
_SSN_WORDS = re.compile(r"\b(ssn|social|security|tax|tin|itin|ein|last\s*(4|four))\b",
                        re.IGNORECASE)


@dataclass(frozen=True)
class IdentityAnswer:
    account_number: str | None
    factor_kind: FactorKind | None = None
    factor: str | None = None


def looks_like_identity(text: str) -> bool:
    """True when the text carries at least one number: an answer, not a new question."""
    return _NUMBER.search(text) is not None


def parse_identity(text: str, account_number: str | None = None) -> IdentityAnswer:
    """The account number (or the one already given, `account_number`) and the factor in
    `text`; either may be missing."""
    numbers = [(m.group(1).replace("-", ""), m.group(2)) for m in _NUMBER.finditer(text)]
    if account_number is None:
        index = next((i for i, (digits, suffix) in enumerate(numbers)
                      if len(digits) >= MIN_ACCOUNT_DIGITS and not suffix), None)
        if index is not None:
            account_number = numbers.pop(index)[0]
    if not numbers:
        return IdentityAnswer(account_number)
    digits, suffix = numbers[0]
    if _SSN_WORDS.search(text):
        return IdentityAnswer(account_number, FactorKind.SSN_LAST4, digits)
    return IdentityAnswer(account_number, FactorKind.STREET_NUMBER, digits + suffix)
