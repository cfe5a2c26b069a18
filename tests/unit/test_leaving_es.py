"""Leaving a task, bare stop words and farewells in Spanish (conversation/understanding/
leaving.py, farewell.py), and the requests that use the same words."""

from __future__ import annotations

import pytest

from conversation.understanding.farewell import says_goodbye
from conversation.understanding.leaving import STOP_WORDS, is_stop_word, wants_to_leave


@pytest.mark.parametrize("text", [
    "ahora no", "ahorita no", "no, ahora no, gracias", "no por ahora", "por ahora no",
    "mejor luego", "mejor después", "lo dejo para después", "dejémoslo así", "olvida eso",
    "olvídenlo", "olvidémoslo", "ya no importa", "lo hago yo mismo", "lo pago en persona",
    "quizás más tarde", "tal vez luego", "no quiero hacer esto", "ya no quiero seguir",
    "ya no quiero", "ya no quiero pagar", "cambié de parecer", "me arrepentí",
    "en otra ocasión", "después lo pago", "luego regreso", "mejor otro día",
])
def test_spanish_ways_of_leaving(text: str) -> None:
    assert wants_to_leave(text)


@pytest.mark.parametrize("text", [
    "ya no quiero recibir facturas en papel", "ya no quiero pagar con tarjeta",
    "ahora no me deja pagar", "quiero pagar mañana", "mejor pagar con tarjeta", "cancelar",
    "salir", "ya no", "no gracias", "mejor con la otra tarjeta", "lo pago con mi visa",
    "pagar más tarde", "programar el pago para otro mes",
])
def test_spanish_requests_and_answers_are_not_leaving(text: str) -> None:
    assert not wants_to_leave(text)


@pytest.mark.parametrize("text", [
    "stop", "Cancel.", "never mind", "cancelar", "Cancelar", "cancela", "cancélalo", "parar",
    "para", "basta", "ya basta", "salir", "empezar de nuevo", "volver a empezar", "alto",
    "olvídalo",
])
def test_bare_stop_words(text: str) -> None:
    assert is_stop_word(text)


@pytest.mark.parametrize("text", [
    "cancelar mi pago", "para el viernes", "stop getting paper bills", "salir de paperless",
    "", "sí", None,
])
def test_stop_words_only_alone(text: str | None) -> None:
    assert not is_stop_word(text)  # type: ignore[arg-type]


def test_the_stop_words_keep_the_chats_english_ones() -> None:
    assert {"stop", "cancel", "quit", "exit", "never mind", "nevermind", "forget it",
            "forget about it", "start over", "cancel that", "stop that", "no stop",
            "abort"} <= STOP_WORDS


@pytest.mark.parametrize("text", [
    "hasta la próxima", "cuídese", "cuídate", "que le vaya bien", "que tenga un buen día",
    "que tenga un lindo día", "pase un excelente fin de semana", "buen fin de semana",
    "eso sería todo", "eso fue todo", "sería todo", "es todo por hoy", "es todo, gracias",
    "ya es todo", "ya terminé", "ya acabé", "nada más por hoy", "no, nada más",
    "no necesito nada más", "ya no necesito nada, gracias", "terminar la conversación",
    "cerrar el chat", "salir del chat", "me despido", "gracias, hasta luego",
])
def test_spanish_farewells(text: str) -> None:
    assert says_goodbye(text)


@pytest.mark.parametrize("text", [
    "es todo?", "¿eso es todo?", "¿es todo lo que debo?", "buenas noches", "hola",
    "¿no necesito nada más para pagar?", "no necesito nada más para pagar",
    "ya terminé de pagar", "todo bien", "¿ya terminé?",
])
def test_spanish_not_farewells(text: str) -> None:
    assert not says_goodbye(text)
