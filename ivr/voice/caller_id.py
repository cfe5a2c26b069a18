"""What Twilio's `From` says about who is calling: a usable caller ID (E.164), or none.

A withheld caller ID arrives as a word ("anonymous", "restricted", ...) or as that word
spelled on the keypad (+266696687 is ANONYMOUS, +86282452253 UNAVAILABLE, +7378742833
RESTRICTED, +2562533 BLOCKED, +8656696 UNKNOWN); a SIP or Twilio Client call brings a URI; a
carrier may send nothing at all. None of these is a phone to offer accounts for or to text a
receipt to. The identity service throttles every call without one in a single shared bucket,
so dialling again anonymously is not a fresh budget.
"""

from __future__ import annotations

from domain.errors import DomainError
from domain.phone import normalize_phone

WITHHELD_WORDS = ("anonymous", "restricted", "unknown", "unavailable", "private", "blocked",
                  "withheld")
_KEYPAD = {letter: digit for digit, letters in (
    ("2", "abc"), ("3", "def"), ("4", "ghi"), ("5", "jkl"), ("6", "mno"), ("7", "pqrs"),
    ("8", "tuv"), ("9", "wxyz")) for letter in letters}


def keypad_spelling(word: str) -> str:
    """'anonymous' -> '266696687', the digits Twilio sends in place of the word."""
    return "".join(_KEYPAD[letter] for letter in word.lower())


_WITHHELD_NUMBERS = frozenset(f"+{keypad_spelling(word)}" for word in WITHHELD_WORDS)


def caller_id(from_param: str | None) -> str | None:
    """The caller's E.164 number, or None when Twilio's From is withheld or not a phone."""
    text = (from_param or "").strip()
    if not text or text.lower() in WITHHELD_WORDS:
        return None
    try:
        number = normalize_phone(text)
    except DomainError:
        return None  # a SIP URI, "client:...", anything that is not a dialable number
    # Checked after normalizing too: the spelled-out words must never count as a real phone,
    # whatever the numbering-plan data says about them one day.
    return None if number in _WITHHELD_NUMBERS else number
