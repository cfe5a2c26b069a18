"""The voice/SMS keyword fallback in Spanish (conversation/understanding/keywords.py): the
phrasings found missing, in the order the rules are tried."""

from __future__ import annotations

import pytest

from conversation.understanding.keywords import keyword_intent


@pytest.mark.parametrize(("text", "intent"), [
    ("mi estado de cuenta", "check_balance"), ("fecha de vencimiento", "check_balance"),
    ("¿cuándo vence mi factura?", "check_balance"),
    ("mi pago ya se procesó", "payment_status"), ("¿recibieron mi pago?", "payment_status"),
    ("¿ya se aplicó mi pago?", "payment_status"), ("ya pagué", "payment_status"),
    ("hacer un abono", "pay_bill"), ("quiero abonar a mi cuenta", "pay_bill"),
    ("me pueden ayudar", "help"), ("¿qué puedo hacer?", "help"),
    ("me pueden ayudar a pagar", "pay_bill"), ("ándale", "affirm"), ("órale", "affirm"),
    ("nel", "deny"),
])
def test_spanish_phrasings(text: str, intent: str) -> None:
    assert keyword_intent(text, "es") == intent
    assert keyword_intent(text, "en") == intent  # the other language's rules come second
