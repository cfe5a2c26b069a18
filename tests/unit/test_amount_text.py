from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversation.understanding import amounts as amount_text
from conversation.understanding.amounts import (
    full_balance_requested,
    parse_amount_text,
    past_due_requested,
)
from domain.errors import InvalidAmount
from domain.money import Money


@pytest.mark.parametrize("text, expected", [
    # everything Money.parse accepts
    ("40", "40.00"), ("$40", "40.00"), ("125.50", "125.50"), ("125.5", "125.50"),
    ("$1,250.50", "1250.50"), (".99", "0.99"), ("  7.00 ", "7.00"), ("40 dollars", "40.00"),
    ("1 dollar", "1.00"), ("0", "0.00"), ("12 USD", "12.00"), ("$40.00", "40.00"),
    ("$125.5", "125.50"), ("125.5 dollars", "125.50"), ("40.500", "40.50"),
    # units and chat phrasing
    ("40 bucks", "40.00"), ("40bucks", "40.00"), ("40usd", "40.00"), ("40$", "40.00"),
    ("make it 50", "50.00"), ("actually $50", "50.00"), ("pay 40 dollars", "40.00"),
    ("i want to pay $40 please", "40.00"), ("I’d like to pay $40 👍", "40.00"),
    ("$40.", "40.00"), ("i'll pay 12.", "12.00"), ("$ 40", "40.00"), ("$40!!", "40.00"),
    ("PAY $1,250.50 NOW", "1250.50"), ("$40 (forty dollars)", "40.00"),
    ("pay $40 on the 3rd", "40.00"), ("pay 40 on 12/5", "40.00"), ("pay 40 at 2pm", "40.00"),
    ("2 thousand dollars", "2000.00"),
    # cents
    ("fifty cents", "0.50"), ("50 cents", "0.50"), ("50¢", "0.50"), ("5 cents", "0.05"),
    ("$45 and 50 cents", "45.50"), ("45 dollars 50 cents", "45.50"),
    ("45 dollars and 5 cents", "45.05"), ("40 dollars and fifty cents", "40.50"),
    # words
    ("forty dollars", "40.00"), ("forty-five dollars and fifty cents", "45.50"),
    ("Forty Five Dollars And Fifty Cents", "45.50"), ("forty five fifty", "45.50"),
    ("forty-five fifty", "45.50"), ("one hundred twenty five dollars", "125.00"),
    ("a hundred and twenty", "120.00"), ("twelve hundred", "1200.00"),
    ("twelve hundred fifty", "1250.00"), ("one thousand two hundred fifty", "1250.00"),
    ("two thousand and five", "2005.00"), ("a thousand", "1000.00"),
    ("hundred bucks", "100.00"), ("ten", "10.00"), ("twenty five hundred", "2500.00"),
    ("nineteen ninety nine", "19.99"), ("one twenty five", "1.25"), ("ten oh five", "10.05"),
    ("forty five point five", "45.50"), ("forty five point fifty", "45.50"),
    ("forty five point two five", "45.25"), ("fourty dollars", "40.00"),
    ("$forty", "40.00"), ("one million", "1000000.00"),
    ("the same: 40 dollars, yes 40", "40.00"),  # the same amount twice is one amount
])
def test_parses_amounts_as_residents_type_them(text, expected):
    result = parse_amount_text(text)
    assert isinstance(result, Money)
    assert result.amount == Decimal(expected)


@pytest.mark.parametrize("text, message", [
    ("", amount_text.NO_AMOUNT),
    ("   ", amount_text.NO_AMOUNT),
    ("hello", amount_text.NO_AMOUNT),
    ("the full balance", amount_text.NO_AMOUNT),
    ("nan", amount_text.NO_AMOUNT),
    ("inf", amount_text.NO_AMOUNT),
    ("1e5", amount_text.NO_AMOUNT),
    ("4O.00", amount_text.NO_AMOUNT),
    ("3/4", amount_text.NO_AMOUNT),
    ("$", amount_text.NO_AMOUNT),
    ("40k", amount_text.NO_AMOUNT),
    ("40\x00", amount_text.NO_AMOUNT),
    ("40 or 50", amount_text.TWO_AMOUNTS),
    ("$40 or $50", amount_text.TWO_AMOUNTS),
    ("forty or fifty", amount_text.TWO_AMOUNTS),
    ("forty, fifty", amount_text.TWO_AMOUNTS),
    ("40 - 50", amount_text.TWO_AMOUNTS),
    ("between 40 and 50", amount_text.TWO_AMOUNTS),
    ("forty five five", amount_text.TWO_AMOUNTS),
    ("pay 40 of my 120", amount_text.TWO_AMOUNTS),
    ("40.005", amount_text.TOO_MANY_DECIMALS),
    ("$12.345", amount_text.TOO_MANY_DECIMALS),
    ("pay 40.001 dollars", amount_text.TOO_MANY_DECIMALS),
    ("forty point zero zero five", amount_text.TOO_MANY_DECIMALS),
    ("-40", amount_text.NEGATIVE),
    ("$-40", amount_text.NEGATIVE),
    ("-$40", amount_text.NEGATIVE),
    ("- 5", amount_text.NEGATIVE),
    ("minus 40", amount_text.NEGATIVE),
    ("negative forty dollars", amount_text.NEGATIVE),
    ("\u221240", amount_text.NEGATIVE),
    ("pay -40 please", amount_text.NEGATIVE),
    ("10000000.01", amount_text.TOO_LARGE),
    ("99999999999999999999", amount_text.TOO_LARGE),
    ("pay 20,000,000 dollars", amount_text.TOO_LARGE),
    ("nine hundred ninety nine million", amount_text.TOO_LARGE),
    ("x" * 201, amount_text.TOO_LONG),
    ("１２", amount_text.PLAIN_DIGITS),
    ("٤٠", amount_text.PLAIN_DIGITS),
    ("pay ½", amount_text.PLAIN_DIGITS),
    ("40²", amount_text.PLAIN_DIGITS),
    ("€40", amount_text.DOLLARS_ONLY),
    ("40 euros", amount_text.DOLLARS_ONLY),
    ("＄40", amount_text.DOLLARS_ONLY),
    ("50%", amount_text.PERCENT),
    ("50 percent", amount_text.PERCENT),
    ("40,50", amount_text.DECIMAL_COMMA),
    ("12,34", amount_text.DECIMAL_COMMA),
    ("1,2345", amount_text.BAD_NUMBER),
    ("40.5.3", amount_text.BAD_NUMBER),
    ("40..0", amount_text.BAD_NUMBER),
    ("50.5 cents", amount_text.BAD_CENTS),
    ("45 dollars and 150 cents", amount_text.BAD_CENTS),
])
def test_refuses_with_a_resident_friendly_message(text, message):
    with pytest.raises(InvalidAmount) as caught:
        parse_amount_text(text)
    assert caught.value.detail == message


def test_refuses_non_text():
    with pytest.raises(InvalidAmount):
        parse_amount_text(40)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [
    "the full balance", "all of it", "everything", "the whole thing", "full amount",
    "pay it all", "total", "what i owe", "the balance", "pay in full", "Pay in full!",
    "All of it please", "all", "pay all", "the entire balance", "whatever I owe",
    "pay it off", "the total amount", "everything i owe", "pay it all in one go",
    "my balance", "the whole bill", "full",
])
def test_full_balance_phrases(text):
    assert full_balance_requested(text)
    assert not past_due_requested(text)


@pytest.mark.parametrize("text", [
    "40", "$40", "forty dollars", "pay 40 of the balance", "not the full balance",
    "don't pay it all", "half the balance", "part of the balance", "some of it",
    "what's the total?", "how much is the balance", "that's all", "all good", "",
    "the past due amount", "the full past due amount", "the minimum", "x" * 300, "tomorrow",
    "hello", None,
])
def test_not_a_full_balance_request(text):
    assert not full_balance_requested(text)


@pytest.mark.parametrize("text", [
    "the past due amount", "just the past due", "overdue part", "the late amount",
    "past-due", "PAST DUE", "the overdue balance", "only what's overdue", "whatever is late",
    "the full past due amount", "pay the late bills",
])
def test_past_due_phrases(text):
    assert past_due_requested(text)
    assert not full_balance_requested(text)


@pytest.mark.parametrize("text", [
    "40", "the full balance", "not the past due", "40 of the past due", "half the past due",
    "i'm late", "late fee", "pay it all", "what is the past due amount", "", None,
])
def test_not_a_past_due_request(text):
    assert not past_due_requested(text)


# --- properties ----------------------------------------------------------------------------
_PIECES = st.sampled_from(
    [*"0123456789$.,-% /k", "forty", "five", "hundred", "and", "cents", "dollars", "point",
     "a", "oh", "thousand", "million", "or", "minus", "twelve",
     "fifty", "bucks", "euros", "١", "½", "\x00", "all", "past due"])
_CHAT = st.lists(_PIECES, max_size=12).map(" ".join)
_GLUED = st.lists(_PIECES, max_size=12).map("".join)


@given(st.one_of(st.text(max_size=250), _CHAT, _GLUED))
def test_never_float_negative_or_sub_cent_and_only_invalid_amount(text):
    try:
        result = parse_amount_text(text)
    except InvalidAmount:
        return
    assert isinstance(result, Money)
    assert isinstance(result.amount, Decimal)
    assert result.amount >= 0
    assert result.amount == result.amount.quantize(Decimal("0.01"))
    assert result.amount.as_tuple().exponent == -2


@given(st.one_of(st.text(max_size=250), _CHAT, _GLUED))
def test_phrase_detectors_never_raise(text):
    assert isinstance(full_balance_requested(text), bool)
    assert isinstance(past_due_requested(text), bool)


@given(st.integers(min_value=0, max_value=999_999_999))
def test_round_trips_money_speech(cents):
    money = Money.from_cents(cents)
    assert parse_amount_text(money.speech()) == money
    assert parse_amount_text(money.format()) == money
    assert parse_amount_text(f"i want to pay {money.format()} please") == money
