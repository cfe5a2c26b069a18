from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidAmount
from domain.money import Money


@pytest.mark.parametrize("text, expected", [
    ("40", "40.00"), ("$40", "40.00"), ("125.50", "125.50"), ("125.5", "125.50"),
    ("$1,250.50", "1250.50"), ("0.01", "0.01"), (".99", "0.99"), ("  7.00 ", "7.00"),
    ("40 dollars", "40.00"), ("1 dollar", "1.00"), ("0", "0.00"), ("12 USD", "12.00"),
])
def test_parse_accepts_what_residents_type(text, expected):
    assert Money.parse(text).amount == Decimal(expected)


@pytest.mark.parametrize("text", [
    "", "   ", "abc", "12.345", "40.001", "-5", "$-5", "- 5", "NaN", "nan", "inf", "Infinity",
    "1e5", "1E2", "4O.00", "12,34", "1,2345", "١٢٣", "１２", "40..0", "$", "$.", "10000000.01",
    "99999999999999999999", "3/4", "½", "40 euros", "12.", "💵40",
])
def test_parse_rejects_garbage_negative_nan_three_decimals_and_huge(text):
    with pytest.raises(InvalidAmount):
        Money.parse(text)


def test_parse_rejects_non_text():
    with pytest.raises(InvalidAmount):
        Money.parse(40)  # type: ignore[arg-type]


def test_never_float():
    with pytest.raises(TypeError):
        Money(40.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.of(1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount):
        Money(Decimal("1.005"))
    with pytest.raises(InvalidAmount):
        Money(Decimal("NaN"))


def test_arithmetic_is_exact():
    total = sum((Money.of("0.10") for _ in range(10)), Money.zero())
    assert total == Money.of("1.00")
    assert Money.of("10.00") - Money.of("2.75") == Money.of("7.25")
    assert Money.from_cents(12345) == Money.of("123.45")
    assert Money.of("123.45").cents == 12345
    with pytest.raises(ValueError):
        Money.of("1") + Money.of("1", "EUR")
    with pytest.raises(TypeError):
        Money.of("1") + 1  # type: ignore[operator]


def test_formatting_for_text_and_slots():
    assert Money.of("1250.5").format() == "$1,250.50"
    assert str(Money.of("0")) == "$0.00"
    assert Money.of("-3").format() == "-$3.00"
    assert Money.of("1250.5").canonical() == "1250.50"


@pytest.mark.parametrize("amount, words", [
    ("0", "zero dollars"),
    ("1", "one dollar"),
    ("0.01", "zero dollars and one cent"),
    ("21.05", "twenty-one dollars and five cents"),
    ("1250.50", "one thousand two hundred fifty dollars and fifty cents"),
    ("100000", "one hundred thousand dollars"),
])
def test_speech_english(amount, words):
    assert Money.of(amount).speech() == words


def test_speech_spanish():
    assert Money.of("45.50").speech("es") == "45 dólares con 50 centavos"
    assert Money.of("1").speech("es") == "1 dólar"


@given(st.integers(min_value=0, max_value=10**9 - 1))
def test_cents_round_trip_through_text(cents):
    money = Money.from_cents(cents)
    assert Money.parse(money.canonical()) == money
    assert Money.parse(money.format()) == money
