"""Reading who a resident is from Spanish words (conversation/understanding/identity_text.py):
the labels in Spanish, with or without accents."""

from __future__ import annotations

import pytest

from conversation.understanding.identity_text import (
    IdentityAnswer,
    labelled_account_number,
    labelled_general_billing,
    mentions_customer_id,
    mentions_ssn,
    parse_identity,
    read_number,
)
from domain.model import FactorKind

ACCOUNT = "0104200731"
STREET = FactorKind.STREET_NUMBER
SSN = FactorKind.SSN_LAST4


@pytest.mark.parametrize(("text", "number"), [
    ("mi número de cuenta es 0104200731", ACCOUNT), ("mi numero de cuenta es 0104200731", ACCOUNT),
    ("cuenta # 0104200731", ACCOUNT), ("Cuenta: 0104-2007-31", ACCOUNT),
    ("no. de cuenta 0104200731", ACCOUNT), ("es la 0104 200 731", ACCOUNT),
    ("id de cliente 200145", "200145"), ("número de cliente 200145", "200145"),
])
def test_read_number(text: str, number: str) -> None:
    assert read_number(text) == number


@pytest.mark.parametrize(("text", "expected"), [
    ("número de casa 1234", (STREET, "1234")), ("numero de casa 1234", (STREET, "1234")),
    ("el número de la calle es 1234", (STREET, "1234")), ("casa 12b", (STREET, "12b")),
    ("los últimos 4 del seguro social 6789", (SSN, "6789")),
    ("los ultimos cuatro de mi seguro social son 6789", (SSN, "6789")),
    ("últimos 4 6789", (SSN, "6789")), ("seguro social 6789", (SSN, "6789")),
    ("mi id fiscal termina en 6789", (SSN, "6789")),
    ("seguro social 67", None),  # not a last 4: nothing is read
])
def test_the_factor_in_spanish(text: str, expected) -> None:
    answer = parse_identity(text, ACCOUNT)
    assert answer.account_number == ACCOUNT
    assert ((answer.factor_kind, answer.factor) if answer.factor else None) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("mi cuenta es 0104200731 y el número de casa es 1234",
     IdentityAnswer(ACCOUNT, STREET, "1234")),
    ("cuenta 0104200731, últimos cuatro del seguro social 6789",
     IdentityAnswer(ACCOUNT, SSN, "6789")),
    ("número de cuenta 0104-2007-31 calle 1234", IdentityAnswer(ACCOUNT, STREET, "1234")),
])
def test_both_parts_in_one_message(text: str, expected: IdentityAnswer) -> None:
    assert parse_identity(text) == expected


@pytest.mark.parametrize(("text", "account", "factor"), [
    ("quiero pagar mi factura, cta 0104200731 casa 1234", ACCOUNT, "1234"),
    ("quiero pagar mi factura, cuenta # 0104200731, número de casa 1234", ACCOUNT, "1234"),
    ("pagar mi cuenta número 0104200731", ACCOUNT, None),
    ("pagar 250000", None, None),  # no account word, too short to be one alone
    ("cuenta 4242424242424242", None, None),  # a card number is never an account
])
def test_an_account_in_a_spanish_request(text: str, account: str | None,
                                         factor: str | None) -> None:
    said = labelled_account_number(text)
    assert (said.account_number, said.factor) == (account, factor)


@pytest.mark.parametrize(("text", "expected"), [
    ("no es del agua, mi id de cliente es 200145", ("200145", None)),
    ("id de cliente 200145", ("200145", None)),
    ("número de cliente 200145, número de factura 610031", ("200145", "610031")),
    ("numero de cliente: 200-145 y la factura es 610031", ("200145", "610031")),
    ("cliente nº 200145, factura nº A610025", ("200145", "A610025")),
    ("número de factura 610031", (None, "610031")),
    ("quiero pagar 40 dólares, cliente 200145, el día 15", ("200145", None)),
    ("¿qué pagan los clientes?", (None, None)),
])
def test_general_billing_labels_in_spanish(text: str,
                                           expected: tuple[str | None, str | None]) -> None:
    assert labelled_general_billing(text) == expected


@pytest.mark.parametrize(("text", "mentions"), [
    ("no es del agua, mi id de cliente es 200145", True), ("número de cliente", True),
    ("Cliente 200145", True), ("quiero hablar con servicio al cliente", False),
    ("atención al cliente por favor", False), ("customer service please", False),
    ("customer support", False), ("my customer id is 200145", True),
    ("mi número de cuenta", False),
])
def test_mentions_customer_id(text: str, mentions: bool) -> None:
    assert mentions_customer_id(text) is mentions


@pytest.mark.parametrize(("text", "mentions"), [
    ("los últimos 4 del seguro social", True), ("ultimos cuatro", True), ("seguro social", True),
    ("id fiscal", True), ("¿es seguro pagar aquí?", False), ("número de casa", False),
])
def test_mentions_ssn(text: str, mentions: bool) -> None:
    assert mentions_ssn(text) is mentions
