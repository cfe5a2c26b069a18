"""Amounts in Spanish (conversation/understanding/amounts.py): "40 dólares", "cuarenta y cinco
con cincuenta", a decimal comma in a Spanish conversation, "todo" and "solo lo vencido"."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversation.understanding import amounts
from conversation.understanding.amounts import (
    full_balance_requested,
    named_amount_option,
    parse_amount_text,
    past_due_requested,
)
from domain.errors import InvalidAmount
from domain.money import Money


@pytest.mark.parametrize("text, expected", [
    ("$40", "40.00"), ("40 dólares", "40.00"), ("40 dolares", "40.00"), ("40 dlls", "40.00"),
    ("40dls", "40.00"), ("40 DLLS", "40.00"), ("un dólar", "1.00"), ("quiero pagar 40 dólares",
                                                                     "40.00"),
    ("quiero pagar $40 por favor", "40.00"), ("un pago de 40 dólares", "40.00"),
    ("pago 40 con la tarjeta", "40.00"), ("40 dólares el viernes", "40.00"),
    # words
    ("cuarenta dólares", "40.00"), ("cuarenta", "40.00"), ("veinticinco", "25.00"),
    ("cuarenta y cinco", "45.00"), ("treinta y un dólares", "31.00"), ("cien", "100.00"),
    ("cien dólares", "100.00"), ("ciento veinte", "120.00"), ("quinientos", "500.00"),
    ("doscientos cincuenta", "250.00"), ("mil", "1000.00"), ("mil doscientos cincuenta",
                                                             "1250.00"),
    ("dos mil", "2000.00"), ("2 mil dólares", "2000.00"), ("un millón", "1000000.00"),
    # cents
    ("cincuenta centavos", "0.50"), ("50 centavos", "0.50"),
    ("cuarenta y cinco dólares con cincuenta centavos", "45.50"),
    ("45 dólares y 50 centavos", "45.50"), ("45 dólares con 5 centavos", "45.05"),
    ("cuarenta y cinco con cincuenta", "45.50"), ("45 con 50", "45.50"), ("45 con 05", "45.05"),
    ("$45 con 50", "45.50"), ("cuarenta y cinco punto cincuenta", "45.50"),
    ("cuarenta y cinco punto cinco", "45.50"), ("cuarenta y cinco cincuenta", "45.50"),
    ("doscientos cincuenta y cinco dólares con noventa y nueve centavos", "255.99"),
    # separators
    ("1,250", "1250.00"), ("$1,250.50", "1250.50"), ("45.50", "45.50"),
])
def test_parses_spanish_amounts(text: str, expected: str) -> None:
    assert parse_amount_text(text, language="es").amount == Decimal(expected)
    # The vocabulary is read in an English conversation too (residents mix).
    assert parse_amount_text(text).amount == Decimal(expected)


@pytest.mark.parametrize("text, expected", [
    ("45,50", "45.50"), ("45,5", "45.50"), ("$45,50", "45.50"), ("45,50 dólares", "45.50"),
    ("1.250,50", "1250.50"), ("quiero pagar 40,25", "40.25"), ("once dólares", "11.00"),
    ("1,250", "1250.00"),  # a comma before three digits groups thousands, as in English
])
def test_a_spanish_conversation_reads_the_decimal_comma(text: str, expected: str) -> None:
    assert parse_amount_text(text, "es").amount == Decimal(expected)


@pytest.mark.parametrize("text", ["45,50", "1.250,50", "once dollars", "pay once"])
def test_the_english_conversation_keeps_its_rules(text: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_amount_text(text)


@pytest.mark.parametrize("text, message", [
    ("", amounts.NO_AMOUNT), ("hola", amounts.NO_AMOUNT), ("todo", amounts.NO_AMOUNT),
    ("40 o 50", amounts.TWO_AMOUNTS), ("cuarenta o cincuenta", amounts.TWO_AMOUNTS),
    ("45 con 5", amounts.TWO_AMOUNTS),  # 5 or 50 cents? not guessed
    ("pagar 40 el 15", amounts.TWO_AMOUNTS),  # as "pay 40 on the 15"
    ("menos 40", amounts.NEGATIVE), ("-40", amounts.NEGATIVE),
    ("50 por ciento", amounts.PERCENT), ("50%", amounts.PERCENT),
    ("40 pesos", amounts.DOLLARS_ONLY), ("40 euros", amounts.DOLLARS_ONLY),
    ("40 quetzales", amounts.DOLLARS_ONLY),
    ("12.3456", amounts.TOO_MANY_DECIMALS), ("1.250", amounts.THOUSANDS_DOT),
    ("12.500 dólares", amounts.THOUSANDS_DOT), ("40.500", amounts.THOUSANDS_DOT),
    ("1,2345", amounts.BAD_NUMBER), ("50,5 centavos", amounts.BAD_CENTS),
    ("x" * 201, amounts.TOO_LONG), ("１２", amounts.PLAIN_DIGITS),
    ("diez millones de dólares y un centavo", amounts.TWO_AMOUNTS),
    ("veinte millones", amounts.TOO_LARGE),
])
def test_refusals_in_spanish(text: str, message: str) -> None:
    with pytest.raises(InvalidAmount) as caught:
        parse_amount_text(text, "es")
    assert caught.value.detail == amounts.SPANISH_MESSAGES[message]


def test_every_refusal_has_its_spanish() -> None:
    english = {value for name, value in vars(amounts).items()
               if name.isupper() and isinstance(value, str) and value.endswith(".")}
    assert english <= set(amounts.SPANISH_MESSAGES)


@pytest.mark.parametrize("text", [
    "todo", "Todo.", "todo por favor", "sí, todo", "el total", "total", "el saldo completo",
    "todo lo que debo", "lo que debo", "la cantidad completa", "pagar todo",
    "quiero pagar todo", "todo el saldo", "toda la factura", "el saldo", "mi saldo",
    "todo de una vez", "pagarlo todo", "liquidar la cuenta", "el monto total",
    "la totalidad", "completo", "el pago total", "TODO EL SALDO",
])
def test_full_balance_in_spanish(text: str) -> None:
    assert full_balance_requested(text)
    assert not past_due_requested(text)


@pytest.mark.parametrize("text", [
    "no quiero pagar todo", "no todo", "todo menos el recargo", "la mitad", "la mitad del saldo",
    "solo una parte", "un poco", "el mínimo", "quiero abonar", "en cuotas",
    "¿cuánto es el total?", "cuanto es el total", "cuál es el saldo", "¿todo?", "eso es todo",
    "es todo", "todo bien", "todo bien gracias", "gracias por todo", "40 de todo el saldo",
    "cuarenta dólares", "lo vencido", "todo lo vencido", "hola",
])
def test_not_a_full_balance_request_in_spanish(text: str) -> None:
    assert not full_balance_requested(text)


@pytest.mark.parametrize("text", [
    "lo vencido", "solo lo vencido", "solo lo atrasado", "el saldo vencido",
    "lo que está atrasado", "lo que esta atrasado", "el monto vencido", "lo que ya se venció",
    "los pagos atrasados", "estoy atrasado", "el atraso", "todo lo vencido", "el total vencido",
])
def test_past_due_in_spanish(text: str) -> None:
    assert past_due_requested(text)
    assert not full_balance_requested(text)


@pytest.mark.parametrize("text", [
    "no lo vencido", "la mitad de lo vencido", "40 de lo vencido", "el recargo por atraso",
    "cargo por mora", "¿cuánto está vencido?", "cuanto tengo atrasado", "la fecha de vencimiento",
    "todo",
])
def test_not_a_past_due_request_in_spanish(text: str) -> None:
    assert not past_due_requested(text)


@pytest.mark.parametrize("text, option", [
    ("i wanna pay my bil, acct # 0104200731, house number 1234, the full amount on my visa",
     "full"),
    ("I just want to pay whats past due", "past_due"), ("full balance please", "full"),
    ("quiero pagar todo, cuenta 0104200731, casa 1234", "full"),
    ("quiero pagar solo lo vencido", "past_due"), ("pagar el saldo completo con mi visa", "full"),
    ("pay my bill", None), ("quiero pagar mi factura", None), ("i wanna pay my bill", None),
    ("pay my balance", None), ("quiero pagar mi saldo", None), ("no quiero pagar todo", None),
    ("pay $40 of the full balance", None), ("40 dólares de todo el saldo", None), ("", None),
])
def test_an_amount_option_named_with_the_request(text: str, option: str | None) -> None:
    assert named_amount_option(text) == option


def test_named_amount_option_of_not_text() -> None:
    assert named_amount_option(None) is None  # type: ignore[arg-type]


# --- properties ----------------------------------------------------------------------------
_PIECES = st.sampled_from(
    [*"0123456789$.,-% ", "cuarenta", "y", "cinco", "con", "cincuenta", "centavos", "dólares",
     "un", "una", "mil", "millones", "punto", "menos", "por", "ciento", "once", "todo",
     "vencido", "pesos", "cien", "ciento", "ñ", "¿"])
_CHAT = st.lists(_PIECES, max_size=12).map(" ".join)


@given(st.one_of(st.text(max_size=250), _CHAT), st.sampled_from(["en", "es"]))
def test_never_float_negative_or_sub_cent_and_only_invalid_amount(text: str,
                                                                  language: str) -> None:
    try:
        result = parse_amount_text(text, language)
    except InvalidAmount as error:
        assert error.detail
        return
    assert isinstance(result, Money)
    assert result.amount >= 0
    assert result.amount == result.amount.quantize(Decimal("0.01"))


@given(st.one_of(st.text(max_size=250), _CHAT))
def test_phrase_readers_never_raise(text: str) -> None:
    assert isinstance(full_balance_requested(text), bool)
    assert isinstance(past_due_requested(text), bool)
    assert named_amount_option(text) in ("full", "past_due", None)


@given(st.integers(min_value=0, max_value=99_999_999))
def test_spanish_money_written_with_a_decimal_comma(cents: int) -> None:
    money = Money.from_cents(cents)
    dollars, cents_part = divmod(cents, 100)
    assert parse_amount_text(f"{dollars},{cents_part:02d}", "es") == money
    assert parse_amount_text(f"{dollars:,}.{cents_part:02d} dólares", "es") == money
