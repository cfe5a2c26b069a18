"""The one card-number redactor (PCI DSS): finds card numbers in free text and removes them.

Every entry point runs what a resident typed, said or keyed through it before any other code,
Rasa, a table or a log sees the text; the log filter uses it too. A card number is 13 to 19
digits that pass the Luhn check, however it is written:

- in any Unicode decimal digits (fullwidth, Arabic-Indic, Devanagari, ...: what a phone
  keyboard or a copy-paste produces), mixed or not;
- with any separators between the digits, several in a row: spaces of every kind (NBSP, thin,
  ideographic, ...), dots, commas, slashes, underscores, apostrophes, dashes of every kind,
  `#`, `*`, `|`, `~`, `+`; invisible characters (zero-width spaces and joiners, word joiner,
  BOM, combining marks, control characters) are skipped as if they were not there;
- escaped, as a log line's repr, a JSON document or a URL writes it ("4242\\u00a04242",
  "\\uff14\\uff12", "4242%204242"): an escape counts as the character it stands for.

A run of digits and separators is read as digit groups ("4242 4242 4242 4242"). A card is a
stretch of whole groups; or a stretch inside one unseparated block longer than 16 digits (the
security code typed straight after the number); or two or more card-shaped groups (4 to 6
digits) with up to 4 digits glued onto the first or last ("4242 4242 4242 4242123"). A block
of 16 digits or fewer counts only as a whole, so a mistyped card number is left alone. Cards
are only looked for along those lines, so the numbers a resident must be able to type
survive: a phone number, a 10-digit account number, "$1,234.56", a date, a confirmation
number, a bank account number under 13 digits. Over-redacting a long digit string is the
safe mistake; a run of digits with only separators between them (no word) is one number.

The work is linear in the length of the text (prefix sums make each Luhn check O(1)), so a
long or hostile message costs microseconds per character, never a quadratic blow-up.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

REDACTION = "[card number removed]"
MIN_CARD_DIGITS = 13
MAX_CARD_DIGITS = 19
_USUAL_CARD_DIGITS = 16  # an unseparated block longer than this may hide a card inside it
_LONGEST_BLOCK_CHECKED = 256  # nobody sends the bot hundreds of digits: remove, don't search
_CARD_GROUP = range(4, 7)  # how cards are printed: 4-4-4-4, 4-6-5, 4-6-4
_MOST_GLUED = 4  # digits glued onto a card's first or last group: a security code, an expiry

# Where a run may start: a digit (in str patterns \d is every Unicode decimal digit, category
# Nd) or an escape that may stand for one.
_RUN_START = re.compile(r"\d|\\[uUx][0-9a-fA-F]|%[0-9a-fA-F]{2}")
_ESCAPE = re.compile(
    r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})"  # a JSON surrogate pair
    r"|\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|x([0-9a-fA-F]{2})|([tnrfv]))"
    r"|((?:%[0-9a-fA-F]{2})+)")
_SHORT_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f", "v": "\v"}
_IGNORED = -1  # invisible: neither a digit nor a break between groups
_SEPARATOR = -2  # ends a digit group, not the run
_OTHER = -3  # ends the run (a letter, "$", ":", "(", ...)
_SEPARATOR_MARKS = frozenset(".,/\\_'`#*|~+"
                             "\u00b7\u2018\u2019\u201a\u2024\u2027\u2044\u2212\u2215\u2219"
                             "\u22c5\u2e31\u30fb\ufe52\ufe63")
_SEPARATOR_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Pd"})  # spaces and dashes of every kind
_IGNORED_CATEGORIES = frozenset({"Cf", "Cc", "Mn", "Me"})  # zero-width, BOM, marks, controls


@lru_cache(maxsize=4096)
def _kind(char: str) -> int:
    """The digit's value (0-9), or _IGNORED, _SEPARATOR or _OTHER."""
    if char.isdecimal():
        return unicodedata.decimal(char)
    if char.isspace():
        return _SEPARATOR
    category = unicodedata.category(char)
    if category in _SEPARATOR_CATEGORIES or char in _SEPARATOR_MARKS:
        return _SEPARATOR
    if category in _IGNORED_CATEGORIES:
        return _IGNORED
    # Fullwidth and small forms of the marks above ("．", "／", "，", "＿", "﹐").
    folded = unicodedata.normalize("NFKC", char)
    if len(folded) == 1 and folded != char and _kind(folded) == _SEPARATOR:
        return _SEPARATOR
    return _OTHER


@dataclass(frozen=True)
class _Group:
    """Consecutive digits: where they are in the text and their values as ASCII digits."""

    start: int
    end: int
    digits: str


def _escape_at(text: str, position: int) -> tuple[str, int] | None:
    """The characters an escape at `position` stands for ("\\u200b" in a repr or JSON,
    "%20" in a URL), and where it ends; None when there is none."""
    match = _ESCAPE.match(text, position)
    if match is None:
        return None
    high, low, code, long_code, byte, short, percent = match.groups()
    if short:
        return _SHORT_ESCAPES[short], match.end()
    if high:
        value = 0x10000 + ((int(high, 16) - 0xD800) << 10) + (int(low, 16) - 0xDC00)
    elif percent:
        return unquote(percent, errors="replace"), match.end()
    else:
        value = int(code or long_code or byte, 16)
    return (chr(value), match.end()) if value <= sys.maxunicode else None


def _groups_from(text: str, start: int) -> tuple[list[_Group], int]:
    """The digit groups of the run from `start` on, and where the run ends."""
    groups: list[_Group] = []
    digits: list[str] = []
    first = last = position = start
    while position < len(text):
        escaped = _escape_at(text, position) if text[position] in "\\%" else None
        chars, after = escaped if escaped is not None else (text[position], position + 1)
        for char in chars:
            kind = _kind(char)
            if kind >= 0:
                if not digits:
                    first = position
                digits.append(chr(48 + kind))
                last = after
            elif kind == _SEPARATOR and digits:
                groups.append(_Group(first, last, "".join(digits)))
                digits = []
            elif kind == _OTHER:
                if digits:
                    groups.append(_Group(first, last, "".join(digits)))
                return groups, max(position, last)
        position = after
    if digits:
        groups.append(_Group(first, last, "".join(digits)))
    return groups, position


class _Luhn:
    """O(1) Luhn checks of any window of one digit string, from prefix sums.

    In a window ending at b, the digit at p is doubled when b - 1 - p is odd: with sums of
    "even positions plain, odd doubled" and the other way round, a window's checksum is a
    difference of two prefix sums.
    """

    def __init__(self, digits: str) -> None:
        self._even_plain = [0]  # digits at even positions as is, at odd positions doubled
        self._odd_plain = [0]
        for position, char in enumerate(digits):
            value = ord(char) - 48
            doubled = value * 2 - 9 if value > 4 else value * 2
            plain_if_even, plain_if_odd = (value, doubled) if position % 2 == 0 else (
                doubled, value)
            self._even_plain.append(self._even_plain[-1] + plain_if_even)
            self._odd_plain.append(self._odd_plain[-1] + plain_if_odd)

    def valid(self, start: int, end: int) -> bool:
        sums = self._even_plain if (end - 1) % 2 == 0 else self._odd_plain
        return (sums[end] - sums[start]) % 10 == 0


@dataclass(frozen=True)
class _Window:
    """Digits [start, end) of a run that pass Luhn; redacting it removes groups first..last.
    `rank` says how it was found: whole groups (0, the card as written) win over a stretch
    of a long block (1) and over groups with glued digits (2), which would otherwise swallow
    a separate number before a card (leading zeros keep a Luhn number valid)."""

    start: int
    end: int
    first: int
    last: int
    rank: int

    @property
    def length(self) -> int:
        return self.end - self.start


def _windows(groups: list[_Group]) -> list[_Window]:
    """Every card-shaped stretch of the run, valid by Luhn (they may overlap)."""
    offsets = [0]
    for group in groups:
        offsets.append(offsets[-1] + len(group.digits))
    luhn = _Luhn("".join(group.digits for group in groups))
    found: list[_Window] = []

    def consider(start: int, end: int, first: int, last: int, rank: int) -> None:
        if MIN_CARD_DIGITS <= end - start <= MAX_CARD_DIGITS and luhn.valid(start, end):
            found.append(_Window(start, end, first, last, rank))

    for i, group in enumerate(groups):
        # Whole groups i..j.
        for j in range(i, len(groups)):
            if offsets[j + 1] - offsets[i] > MAX_CARD_DIGITS:
                break
            consider(offsets[i], offsets[j + 1], i, j, 0)
        # A stretch inside one block longer than a card: glued to other digits.
        if _USUAL_CARD_DIGITS < len(group.digits) <= _LONGEST_BLOCK_CHECKED:
            for start in range(offsets[i], offsets[i + 1] - MIN_CARD_DIGITS + 1):
                for end in range(start + MIN_CARD_DIGITS,
                                 min(start + MAX_CARD_DIGITS, offsets[i + 1]) + 1):
                    consider(start, end, i, i, 1)
        # Two or more card-shaped groups from i on, with up to 4 digits (a security code, an
        # expiry) glued onto the group before, the group after, or both.
        j = i + 1
        while (j < len(groups) and len(groups[i].digits) in _CARD_GROUP
               and len(groups[j].digits) in _CARD_GROUP
               and offsets[j + 1] - offsets[i] < MAX_CARD_DIGITS):
            starts = [(offsets[i], i)]
            if i > 0:
                starts += [(offsets[i] - kept, i - 1) for kept in _glued_kept(groups[i - 1])]
            ends = [(offsets[j + 1], j)]
            if j + 1 < len(groups):
                ends += [(offsets[j + 1] + kept, j + 1) for kept in _glued_kept(groups[j + 1])]
            for start, first in starts:
                for end, last in ends:
                    if (first, last) != (i, j):  # whole groups only: found above
                        consider(start, end, first, last, 2)
            j += 1
    return found


def _glued_kept(group: _Group) -> range:
    """How many digits of `group` may belong to a card next to it: all but 1 to 4 glued on,
    when the group is longer than a card group of 4."""
    length = len(group.digits)
    return range(max(1, length - _MOST_GLUED), length) if length > 4 else range(0)


def _redacted_groups(groups: list[_Group]) -> list[tuple[int, int]]:
    """Which groups to remove (first, last): by rank, longest card first, left to right."""
    taken = [len(group.digits) > _LONGEST_BLOCK_CHECKED for group in groups]
    chosen = [(i, i) for i, too_long in enumerate(taken) if too_long]
    for window in sorted(_windows(groups), key=lambda w: (w.rank, -w.length, w.start)):
        if any(taken[window.first:window.last + 1]):
            continue
        chosen.append((window.first, window.last))
        for k in range(window.first, window.last + 1):
            taken[k] = True
    return sorted(chosen)


def redact_card_numbers(text: str) -> tuple[str, bool]:
    """`text` with every card number replaced by "[card number removed]", and whether any
    was found (so the channel can warn the resident). Everything else is kept as it was."""
    if not text or not isinstance(text, str):
        return text, False
    pieces: list[str] = []
    kept_until = 0
    position = 0
    while (match := _RUN_START.search(text, position)) is not None:
        groups, end = _groups_from(text, match.start())
        position = max(end, match.end())
        for first, last in _redacted_groups(groups):
            pieces += [text[kept_until:groups[first].start], REDACTION]
            kept_until = groups[last].end
    if not pieces:
        return text, False
    pieces.append(text[kept_until:])
    return "".join(pieces), True


def contains_card_number(text: str) -> bool:
    """Whether `text` holds a card number in any spelling (for fields that must refuse it)."""
    return redact_card_numbers(text)[1]
