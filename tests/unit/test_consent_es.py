"""The consent rule in Spanish (conversation/understanding/consent.py): only a clear yes is a
yes ("sí pero cuánto es" is not), whatever the NLU heard."""

from __future__ import annotations

import pytest

from conversation.understanding.consent import Consent, decide, is_question

YES, NO, UNCLEAR = Consent.YES, Consent.NO, Consent.UNCLEAR


@pytest.mark.parametrize("text", [
    "sí, adelante", "ándale", "órale", "hazlo", "sí, hazlo", "sí, hágalo", "proceda",
    "procede", "sí señor", "ok sí", "sip", "siii", "sí claro", "muy bien", "sí, confirmo",
    "lo autorizo", "autorizo", "acepto", "sí acepto", "estoy de acuerdo", "sí, cóbrelo",
    "sí, perfecto", "si porfa", "sí, gracias, muy amable", "seguro que sí", "así es", "exacto",
    "sí, quiero", "sí, continúe", "continuar", "sí, sí", "bueno, sí", "Sí, páguelo",
])
def test_spanish_yes(text: str) -> None:
    assert decide(text) == YES
    assert decide(text, "deny", 0.4) == YES


@pytest.mark.parametrize("text", [
    "ahorita no", "aún no", "no todavía", "no por ahora", "por ahora no", "no lo hagas",
    "no lo haga", "nel", "nop", "no, no quiero", "de ninguna manera", "no es necesario",
    "no hace falta", "no, gracias", "no lo quiero",
])
def test_spanish_no(text: str) -> None:
    assert decide(text) == NO
    assert decide(text, "affirm", 0.99) == NO


@pytest.mark.parametrize("text", [
    "sí pero cuánto es", "sí, pero ¿cuánto es?", "sí pero primero dime el total",
    "creo que sí", "supongo que sí", "depende", "sí, si no hay cargo", "solo si no hay cargo",
    "déjame ver", "espérame", "un momentito", "un segundo", "tengo una pregunta",
    "sí, pero con otra tarjeta", "puedo pagar con banco", "me cobran por tarjeta",
    "cuesta algo", "se puede con tarjeta", "más bien con mi cuenta de cheques",
    "en realidad no sé", "no estoy seguro", "no estoy segura", "sí, aunque", "sí no",
    "igual y sí", "sí, pero mañana", "¿seguro?",
])
def test_spanish_questions_and_hedges_are_never_consent(text: str) -> None:
    assert decide(text, "affirm", 0.999) == UNCLEAR
    assert decide(text, "deny", 0.999) == UNCLEAR
    assert decide(text) == UNCLEAR


@pytest.mark.parametrize("text", [
    "puedo pagar con banco", "me cobran por tarjeta", "cuesta algo", "¿hay algún cargo?",
    "hay algun cargo", "cobran por pagar con tarjeta", "se puede con tarjeta",
    "oiga, puedo pagar mañana",
])
def test_spanish_questions_without_a_question_mark(text: str) -> None:
    assert is_question(text)


@pytest.mark.parametrize("text", ["sí", "está bien", "me parece bien", "pago con tarjeta",
                                  "el que termina en 4242", "puedo"])
def test_spanish_answers_that_are_not_questions(text: str) -> None:
    assert not is_question(text)


def test_perfecto_alone_is_politeness_and_needs_a_sure_nlu() -> None:
    assert decide("perfecto") == UNCLEAR
    assert decide("perfecto", "affirm", 0.99) == YES  # as "perfect" in English
