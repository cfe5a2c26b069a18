"""Money: an exact Decimal amount in an ISO 4217 currency.

Never a float. Parsing is strict: a resident who types "40.005" is asked again rather than
silently charged a rounded amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from domain.errors import InvalidAmount

CURRENCY = "USD"
# Anything above this is not a utility bill; it is a typo or an attack.
ABSURD_AMOUNT = Decimal("10000000")
_CENT = Decimal("0.01")
_AMOUNT_TEXT = re.compile(
    r"^\$?\s*(?P<number>(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+)"
    r"\s*(?:usd|dollars?)?$",
    re.IGNORECASE)

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


@dataclass(frozen=True, order=True)
class Money:
    """An amount of money with at most two decimal places."""

    amount: Decimal
    currency: str = CURRENCY

    def __post_init__(self) -> None:
        if isinstance(self.amount, float) or not isinstance(self.amount, (Decimal, int)):
            raise TypeError("Money needs a Decimal or int amount, never a float")
        amount = Decimal(self.amount)
        if not amount.is_finite():
            raise InvalidAmount("amount is not a finite number")
        if amount != amount.quantize(_CENT):
            raise InvalidAmount("amount has more than two decimal places")
        object.__setattr__(self, "amount", amount.quantize(_CENT))

    # --- construction ---------------------------------------------------------------
    @classmethod
    def zero(cls, currency: str = CURRENCY) -> Money:
        return cls(Decimal("0"), currency)

    @classmethod
    def of(cls, value: str | int | Decimal, currency: str = CURRENCY) -> Money:
        """Exact construction for trusted literals, e.g. Money.of("1.25")."""
        if isinstance(value, float):
            raise TypeError("Money needs a Decimal, int or str amount, never a float")
        return cls(Decimal(value), currency)

    @classmethod
    def from_cents(cls, cents: int, currency: str = CURRENCY) -> Money:
        if not isinstance(cents, int) or isinstance(cents, bool):
            raise TypeError("cents must be an int")
        return cls(Decimal(cents) / 100, currency)

    @classmethod
    def parse(cls, text: str, currency: str = CURRENCY) -> Money:
        """Parse what a resident typed or said: "40", "$1,250.50", "125.5 dollars".

        Rejects empty input, negatives, more than two decimals, NaN/infinity, exponents and
        absurdly large numbers with InvalidAmount. Zero parses; whether zero is payable is a
        payment rule, not a parsing rule.
        """
        if not isinstance(text, str):
            raise InvalidAmount("amount must be text")
        cleaned = text.strip()
        if not cleaned:
            raise InvalidAmount("amount is empty")
        if len(cleaned) > 32:
            raise InvalidAmount("amount is too long")
        if cleaned.startswith("-") or cleaned.startswith("$-"):
            raise InvalidAmount("amount is negative")
        match = _AMOUNT_TEXT.match(cleaned)
        if not match:
            raise InvalidAmount("amount is not a number of dollars and cents")
        try:
            value = Decimal(match.group("number").replace(",", ""))
        except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
            raise InvalidAmount("amount is not a number") from exc
        if value > ABSURD_AMOUNT:
            raise InvalidAmount("amount is too large")
        if value != value.quantize(_CENT):
            raise InvalidAmount("amount has more than two decimal places")
        return cls(value, currency)

    # --- arithmetic -----------------------------------------------------------------
    def _check(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("can only combine Money with Money")
        if other.currency != self.currency:
            raise ValueError("currency mismatch")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def min(self, other: Money) -> Money:
        self._check(other)
        return self if self.amount <= other.amount else other

    def max(self, other: Money) -> Money:
        self._check(other)
        return self if self.amount >= other.amount else other

    @property
    def cents(self) -> int:
        return int(self.amount * 100)

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_positive(self) -> bool:
        return self.amount > 0

    # --- formatting -----------------------------------------------------------------
    def __str__(self) -> str:
        return self.format()

    def format(self) -> str:
        """For text: "$1,250.50" (negative amounts as "-$3.00")."""
        sign = "-" if self.amount < 0 else ""
        return f"{sign}${abs(self.amount):,.2f}"

    def canonical(self) -> str:
        """A plain string for slots, forms and storage keys: "1250.50"."""
        return f"{self.amount:.2f}"

    def speech(self, language: str = "en") -> str:
        """For text-to-speech: "one thousand two hundred fifty dollars and fifty cents"."""
        if language.startswith("es"):
            return _speech_es(self)
        dollars, cents = divmod(abs(self.cents), 100)
        words = f"{_words_en(dollars)} {'dollar' if dollars == 1 else 'dollars'}"
        if cents:
            words += f" and {_words_en(cents)} {'cent' if cents == 1 else 'cents'}"
        return ("minus " if self.amount < 0 else "") + words


def _words_en(number: int) -> str:
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {_words_en(rest)}" if rest else "")
    for size, name in ((10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if number >= size:
            high, rest = divmod(number, size)
            return f"{_words_en(high)} {name}" + (f" {_words_en(rest)}" if rest else "")
    raise AssertionError("unreachable")  # pragma: no cover


def _speech_es(money: Money) -> str:
    # Spanish TTS voices read digits correctly; say the amount with its units.
    dollars, cents = divmod(abs(money.cents), 100)
    words = f"{dollars} {'dólar' if dollars == 1 else 'dólares'}"
    if cents:
        words += f" con {cents} {'centavo' if cents == 1 else 'centavos'}"
    return ("menos " if money.amount < 0 else "") + words


