"""Payment card numbers: Luhn check, brand, masking, and redaction of free text.

The app itself never keeps a full card number (PCI DSS). These helpers exist so the processor
side can validate what it is given, and so chat/SMS text that contains a card number can be
scrubbed before it reaches the bot, the tracker store or a log line.

Only ASCII digits count everywhere here: a string of full-width digits is not a card number a
processor would accept, and treating it as one would make the checks disagree with the bank.
"""

from __future__ import annotations

import re

from domain.errors import InvalidInput

REDACTION = "[card number removed]"
MIN_CARD_DIGITS = 13
MAX_CARD_DIGITS = 19

_ASCII_DIGITS = re.compile(r"[0-9]+")
# A run of ASCII digits in which spaces or dashes may separate digit groups (one of them as
# asked for, up to three so that "4242 - 4242" or a doubled space cannot slip a card through).
# The lookarounds keep a run from starting or ending in the middle of a longer number.
_GROUP_SEPARATOR = r"[ \-]{1,3}"
_DIGIT_RUN = re.compile(rf"(?<![0-9])[0-9]+(?:{_GROUP_SEPARATOR}[0-9]+)*(?![0-9])")
_SPLIT_GROUPS = re.compile(rf"({_GROUP_SEPARATOR})")
_SEPARATORS = re.compile(r"[ \-]")
_LONGEST_BLOCK_CHECKED = 256
_USUAL_CARD_DIGITS = 16


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


def _card_windows(groups: list[str]) -> list[tuple[int, int]]:
    """Group-aligned windows [i, j) whose digits form a Luhn-valid 13-19 digit number.

    Residents type a card number as groups ("4242 4242 4242 4242") and sometimes run other
    digits into it ("... 4242 123" with the security code), so a long run is searched for a
    card-shaped stretch of whole groups. Longest first, left to right, without overlaps.
    """
    found: list[tuple[int, int]] = []
    taken = [False] * len(groups)
    spans = []
    for i in range(len(groups)):
        length = 0
        for j in range(i, len(groups)):
            length += len(groups[j])
            if length > MAX_CARD_DIGITS:
                break
            if length >= MIN_CARD_DIGITS:
                spans.append((length, i, j + 1))
    for _, i, j in sorted(spans, key=lambda s: (-s[0], s[1])):
        if any(taken[i:j]) or not luhn_valid("".join(groups[i:j])):
            continue
        found.append((i, j))
        for k in range(i, j):
            taken[k] = True
    return sorted(found)


def _block_hides_card(block: str) -> bool:
    """An unseparated block longer than the usual 16 digits with a card-shaped stretch inside.

    Catches a card number glued to other digits ("4242424242424242123", the security code
    typed straight after it). A block of 16 or fewer digits counts only as a whole, so a
    mistyped 16-digit number is left alone as asked. Over-redacting a long digit string is
    the safe mistake.
    """
    if len(block) > _LONGEST_BLOCK_CHECKED:
        return True  # nobody needs to send the bot hundreds of digits; don't spend time on it
    for start in range(len(block) - MIN_CARD_DIGITS + 1):
        for length in range(MIN_CARD_DIGITS, MAX_CARD_DIGITS + 1):
            if start + length <= len(block) and luhn_valid(block[start:start + length]):
                return True
    return False


def redact_card_numbers(text: str) -> tuple[str, bool]:
    """Replace every Luhn-valid 13-19 digit number in `text` with "[card number removed]".

    Digits may be separated by spaces or dashes. Returns the new text and whether
    anything was removed, so the channel can warn the resident. Phone numbers (10 digits) and
    bank account numbers shorter than 13 digits are left alone. A longer run is searched for a
    card number hidden inside it (whole digit groups, or a stretch of an unseparated block).
    """
    if not text:
        return text, False
    found = False

    def replace(match: re.Match[str]) -> str:
        nonlocal found
        run = match.group(0)
        # Split into digit groups, remembering each separator to rebuild the untouched parts.
        pieces = _SPLIT_GROUPS.split(run)
        groups, separators = pieces[0::2], pieces[1::2]
        if MIN_CARD_DIGITS <= sum(map(len, groups)) <= MAX_CARD_DIGITS:
            if luhn_valid("".join(groups)):
                found = True
                return REDACTION
        windows = _card_windows(groups)
        out: list[str] = []
        index = 0
        while index < len(groups):
            window = next((w for w in windows if w[0] == index), None)
            if window is not None:
                out.append(REDACTION)
                index = window[1]
                found = True
            elif len(groups[index]) > _USUAL_CARD_DIGITS and _block_hides_card(groups[index]):
                out.append(REDACTION)
                index += 1
                found = True
            else:
                out.append(groups[index])
                index += 1
            if index < len(groups):
                out.append(separators[index - 1])
        return "".join(out)

    redacted = _DIGIT_RUN.sub(replace, text)
    return redacted, found
