"""Phone numbers: normalize what a resident typed (or what caller ID says) to E.164.

E.164 ("+13125550100") is the one stored form, so "312-555-0100", "(312) 555 0100" and
"+1 312 555 0100" all find the same customer. Caller ID is only ever a hint (docs/architecture.md
§4).
"""

from __future__ import annotations

import phonenumbers

from domain.errors import InvalidPhoneNumber

# Longer than any phone number with formatting; refuse before handing it to the parser.
_MAX_INPUT_LENGTH = 64


def normalize_phone(text: str, region: str = "US") -> str:
    """'(312) 555-0100' -> '+13125550100'. Raises InvalidPhoneNumber for anything that is not
    a valid, dialable number in `region` (or a valid international number with a '+')."""
    if not isinstance(text, str):
        raise InvalidPhoneNumber()
    cleaned = text.strip()
    if not cleaned or len(cleaned) > _MAX_INPUT_LENGTH:
        raise InvalidPhoneNumber()
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber() from exc
    # is_valid_number checks length *and* the numbering plan (e.g. no 555 area code).
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def last4(e164: str) -> str:
    """The last four digits: what an agent or a receipt may show."""
    digits = "".join(ch for ch in (e164 or "") if ch in "0123456789")
    return digits[-4:]


def mask_phone(e164: str) -> str:
    """'+13125550100' -> '***-***-0100'."""
    return f"***-***-{last4(e164)}"


def national_format(e164: str) -> str:
    """'+13125550111' -> '(312) 555-0111', for showing a number the resident may dial."""
    try:
        number = phonenumbers.parse(e164, "US")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
