"""Card numbers as residents (and attackers) write them, and an independent way to find them.

Shared by the redactor's unit tests (tests/unit/test_redaction.py) and the test that sends
every spelling through every channel (tests/e2e/test_card_numbers_everywhere.py). The finder
here (`leaked_cards`) does not use the redactor: it is what the tests grep with.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from domain.cards import luhn_check_digit, luhn_valid

VISA = "4242424242424242"
MASTERCARD = "5555555555554444"
AMEX = "378282246310005"
DISCOVER = "6011111111111117"
THIRTEEN = "4222222222222"
NINETEEN = "6011000000000000" + "00" + luhn_check_digit("601100000000000000")

SPACES = {
    "space": " ", "no-break space": "\u00a0", "thin space": "\u2009",
    "narrow no-break space": "\u202f", "ideographic space": "\u3000", "en space": "\u2002",
    "em space": "\u2003", "figure space": "\u2007", "hair space": "\u200a", "tab": "\t",
    "line break": "\n",
}
INVISIBLE = {
    "zero-width space": "\u200b", "zero-width non-joiner": "\u200c",
    "zero-width joiner": "\u200d", "word joiner": "\u2060", "byte order mark": "\ufeff",
    "soft hyphen": "\u00ad",
}
PUNCTUATION = {
    "dot": ".", "slash": "/", "comma": ",", "underscore": "_", "fullwidth dot": "\uff0e",
    "fullwidth slash": "\uff0f", "fullwidth comma": "\uff0c", "backslash": "\\",
    "apostrophe": "'", "middle dot": "\u00b7",
}
DASHES = {
    "hyphen-minus": "-", "hyphen": "\u2010", "non-breaking hyphen": "\u2011",
    "figure dash": "\u2012", "en dash": "\u2013", "em dash": "\u2014",
    "horizontal bar": "\u2015", "minus sign": "\u2212", "fullwidth hyphen-minus": "\uff0d",
}
SEVERAL = {
    "two spaces": "  ", "spaced hyphen": " - ", "spaced en dash": " \u2013 ",
    "no-break space and zero-width space": "\u00a0\u200b", "two dots": "..",
    "dash and slash": "-/", "comma space": ", ", "every kind": " \u00a0.\u200b/,_\u2014\u2212 ",
}
SEPARATORS = {**SPACES, **INVISIBLE, **PUNCTUATION, **DASHES, **SEVERAL}

# The zero of each decimal digit system (its digits follow in order).
DIGIT_SYSTEMS = {
    "ascii": "0", "fullwidth": "\uff10", "arabic-indic": "\u0660",
    "extended arabic-indic": "\u06f0", "devanagari": "\u0966", "bengali": "\u09e6",
    "thai": "\u0e50", "myanmar": "\u1040", "mathematical bold": "\U0001d7ce",
}


def in_digits(number: str, system: str) -> str:
    zero = ord(DIGIT_SYSTEMS[system])
    return "".join(chr(zero + int(d)) for d in number)


def grouped(number: str, separator: str, sizes: Iterable[int] = (4, 4, 4, 4, 4)) -> str:
    parts, start = [], 0
    for size in sizes:
        if start >= len(number):
            break
        parts.append(number[start:start + size])
        start += size
    if start < len(number):
        parts.append(number[start:])
    return separator.join(parts)


@dataclass(frozen=True)
class Spelling:
    label: str
    text: str
    card: str  # its ASCII digits


def _spellings() -> list[Spelling]:
    found = [Spelling(f"visa, {name}", grouped(VISA, sep), VISA)
             for name, sep in SEPARATORS.items()]
    found += [Spelling(f"mastercard, {name} digits", in_digits(MASTERCARD, name), MASTERCARD)
              for name in DIGIT_SYSTEMS]
    found += [Spelling(f"discover, {name} digits, no-break spaces",
                       grouped(in_digits(DISCOVER, name), "\u00a0"), DISCOVER)
              for name in DIGIT_SYSTEMS if name != "ascii"]
    mixed = "".join(in_digits(d, list(DIGIT_SYSTEMS)[i % len(DIGIT_SYSTEMS)])
                    for i, d in enumerate(VISA))
    found += [
        Spelling("visa, a different digit system for every digit", mixed, VISA),
        Spelling("visa, fullwidth digits and fullwidth dashes",
                 grouped(in_digits(VISA, "fullwidth"), "\uff0d"), VISA),
        Spelling("visa, a zero-width space between every digit", "\u200b".join(VISA), VISA),
        Spelling("amex 4-6-5, en dashes", grouped(AMEX, "\u2013", (4, 6, 5)), AMEX),
        Spelling("13 digits", THIRTEEN, THIRTEEN),
        Spelling("19 digits, 4-4-4-4-3", grouped(NINETEEN, " "), NINETEEN),
        Spelling("in a sentence", f"my card is {grouped(VISA, ' ')} exp 12/27 thanks", VISA),
        Spelling("in a Spanish sentence",
                 f"mi tarjeta es {grouped(MASTERCARD, '-')}, gracias", MASTERCARD),
        Spelling("glued to letters", f"pay with card{VISA}please", VISA),
        Spelling("security code glued on", f"{VISA}123", VISA),
        Spelling("security code glued onto the last group",
                 f"card {grouped(VISA, ' ')}123 ok", VISA),
        Spelling("digits glued in front", f"99{VISA}", VISA),
        Spelling("digits glued onto the first group", f"card 77{grouped(VISA, ' ')}", VISA),
        Spelling("after a phone number", f"call 312 555 0100 {grouped(VISA, ' ')}", VISA),
        Spelling("with expiry and code", f"{grouped(AMEX, ' ', (4, 6, 5))} 12/27 1234", AMEX),
        Spelling("two cards", f"{VISA} or {grouped(MASTERCARD, '.')}", VISA),
    ]
    return found


SPELLINGS = _spellings()
INJECTED = frozenset(s.card for s in SPELLINGS)
# What a phone keypad can send as Digits: ASCII digits only.
KEYED = [VISA, AMEX, THIRTEEN, NINETEEN, VISA + "123", "99" + VISA]


# --- finding them again, without the redactor ------------------------------------------------

# 13-19 digits standing alone: not inside a word or a hex id, not the fraction of a decimal
# number (a tracker store's "confidence": 0.9998819828033447).
_BOUNDED_RUN = re.compile(r"(?<![0-9A-Za-z])(?<![0-9]\.)[0-9]{13,19}(?![0-9A-Za-z])")


def to_ascii_digits(text: str) -> str:
    """Every Unicode decimal digit as its ASCII digit; everything else as it was."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def unescaped(text: str) -> str:
    """JSON/repr escapes ("\\u00a0", "\\ud835\\udfd2", "\\x41") and URL escapes ("%20")
    replaced by what they stand for: a tracker store's JSON or a log's repr hides no card."""
    def pair(match: re.Match[str]) -> str:
        high, low = int(match.group(1), 16), int(match.group(2), 16)
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))

    text = re.sub(r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})", pair, text)
    escape = r"\\(?:u([0-9a-fA-F]{4})|U(000[0-9a-fA-F]{5}|0010[0-9a-fA-F]{4})|x([0-9a-fA-F]{2}))"
    text = re.sub(escape, lambda m: chr(int(next(g for g in m.groups() if g), 16)), text)
    return unquote(text)


def leaked_cards(text: str, injected: Iterable[str] = INJECTED) -> list[str]:
    """The injected card numbers whose digits appear in `text` (as written, or unescaped)
    once everything but digits is dropped (any spelling, any separator), and any other
    Luhn-valid run of 13-19 digits standing alone."""
    leaks: list[str] = []
    for form in {text, unescaped(text)}:
        ascii_text = to_ascii_digits(form)
        digits = re.sub(r"[^0-9]", "", ascii_text)
        leaks += [card for card in injected if card in digits and card not in leaks]
        leaks += [run for run in _BOUNDED_RUN.findall(ascii_text)
                  if luhn_valid(run) and run not in leaks]
    return leaks
