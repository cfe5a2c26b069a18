"""Choosing how to pay and asking what it costs (conversation/understanding/choices.py), in
English and Spanish: a superset of what the chat's payment form reads today."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversation.understanding.choices import (
    METHODS,
    asks_the_cost,
    list_position,
    method_mentioned,
    named_method,
)


@pytest.mark.parametrize("text", [
    "is there a fee?", "is there a fee", "any fee?", "does it cost extra by card?",
    "what's the total?", "is it free?", "how much is the convenience fee", "will i be charged?",
    "yes but is there a fee?", "¿hay algún cargo?", "hay un cargo", "¿hay algun cargo?",
    "¿cobran por pagar con tarjeta?", "cobran por pagar con tarjeta", "¿es gratis?",
    "¿cuánto sale?", "¿tiene algún costo?", "¿Cuánto es la comisión?", "cuesta algo",
    "sí, pero ¿hay recargo?", "¿y la comisión?",
])
def test_asks_the_cost(text: str) -> None:
    assert asks_the_cost(text)


@pytest.mark.parametrize("text", [
    "", "yes", "pay by card", "there's a fee, fine", "¿cuánto debo?", "how much do i owe?",
    "con tarjeta", "the visa", "sí", "ok con la tarjeta", None,
])
def test_not_a_cost_question(text: str | None) -> None:
    assert not asks_the_cost(text)  # type: ignore[arg-type]


# Every phrase the chat's English regex (_NAMED_METHOD in chatbot/actions/payment_forms.py)
# reads is read here too.
_ENGLISH_METHODS = {"visa": "visa", "mastercard": "mastercard", "amex": "amex",
                    "discover": "discover", "card": "card", "credit card": "card",
                    "debit card": "card", "checking": "checking", "savings": "savings",
                    "bank account": "bank", "bank": "bank"}


@pytest.mark.parametrize(("lead", "determiner", "modifier", "method"), list(itertools.product(
    ("on", "with", "using", "by", "from"), ("my", "the", "a"), ("", "new ", "saved ", "other "),
    sorted(_ENGLISH_METHODS))))
def test_named_method_reads_what_the_english_regex_read(lead: str, determiner: str,
                                                        modifier: str, method: str) -> None:
    said = named_method(f"pay my bill {lead} {determiner} {modifier}{method} please")
    expected = "link" if modifier in ("new ", "other ") else _ENGLISH_METHODS[method]
    assert said == expected


@pytest.mark.parametrize(("text", "method"), [
    ("on my visa", "visa"), ("with my mastercard", "mastercard"), ("with amex", "amex"),
    ("by card", "card"), ("from my savings account", "savings"), ("with another card", "link"),
    ("i wanna pay my bil, acct # 0104200731, house number 1234, the full amount on my visa",
     "visa"),
    ("con mi visa", "visa"), ("con la tarjeta", "card"), ("con tarjeta", "card"),
    ("de mi cuenta de cheques", "checking"), ("desde mi cuenta de ahorros", "savings"),
    ("con mi master", "mastercard"), ("pagar con tarjeta de débito", "card"),
    ("con mi tarjeta de crédito visa", "visa"), ("con el banco", "bank"),
    ("de mi cuenta bancaria", "bank"), ("con una tarjeta nueva", "link"),
    ("con otra tarjeta", "link"), ("Quiero pagar mi factura con la Visa", "visa"),
    ("en mi tarjeta registrada", "card"),
])
def test_named_method(text: str, method: str) -> None:
    assert named_method(text) == method
    assert method in METHODS


@pytest.mark.parametrize("text", [
    "pay my bill", "pay my account", "pay on friday", "quiero pagar mi factura",
    "pagar con mi cuenta",  # the city account, not a bank account
    "no quiero dar mi número de tarjeta", "los datos de la tarjeta", "el saldo de mi cuenta",
    "", None,
])
def test_no_method_named(text: str | None) -> None:
    assert named_method(text) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "method"), [
    ("the visa", "visa"), ("Visa", "visa"), ("card", "card"), ("tarjeta", "card"),
    ("la tarjeta de débito", "card"), ("checking", "checking"),
    ("la cuenta de cheques", "checking"), ("ahorros", "savings"), ("bank", "bank"),
    ("account", "bank"), ("el banco", "bank"), ("new card", "link"), ("nueva tarjeta", "link"),
    ("can you send me a secure link instead? i want to use a different card", "link"),
    ("el enlace", "link"), ("mándeme el link", "link"), ("la otra", "link"),
    ("otra tarjeta por favor", "link"),
])
def test_method_mentioned(text: str, method: str) -> None:
    assert method_mentioned(text) == method


@pytest.mark.parametrize("text", ["mi cuenta", "4242", "yes", "sí", "", "¿es seguro?", None])
def test_no_method_mentioned(text: str | None) -> None:
    assert method_mentioned(text) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "position"), [
    ("2", 2), ("2.", 2), ("the second one", 2), ("second", 2), ("the third one", 3),
    ("1st", 1), ("last", -1), ("the last one", -1), ("el segundo", 2), ("la segunda", 2),
    ("la primera", 1), ("el primero", 1), ("el 2", 2), ("la última", -1), ("el ultimo", -1),
    ("el tercero por favor", 3), ("3ro", 3), ("el dos", 2),
])
def test_list_position(text: str, position: int) -> None:
    assert list_position(text) == position


@pytest.mark.parametrize("text", ["$40", "0", "ninguno", "ABC123", "123", "", None])
def test_no_list_position(text: str | None) -> None:
    assert list_position(text) is None  # type: ignore[arg-type]


@given(st.text(max_size=120))
def test_any_text_gets_an_answer(text: str) -> None:
    assert isinstance(asks_the_cost(text), bool)
    assert named_method(text) in METHODS | {None}
    assert method_mentioned(text) in METHODS | {None}
    position = list_position(text)
    assert position is None or isinstance(position, int)
