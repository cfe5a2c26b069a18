"""The language of a message and an explicit switch (conversation/understanding/language.py),
as residents write them: no accents, typos, Spanglish, one-word answers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversation.understanding import language as lang
from conversation.understanding.carrier_keywords import LANGUAGE_WORDS, Keyword, read_keyword
from conversation.understanding.language import (
    LANGUAGE_NAMES,
    asks_only_for_language,
    detect_language,
    requested_language,
)


@pytest.mark.parametrize("text", [
    "quiero pagar mi factura", "¿cuánto debo?", "cuanto debo", "Cuanto debo", "hola buenas tardes",
    "mi numero de cuenta es 0104200731", "mi número de cuenta es 0104200731", "gracias",
    "muchas gracias", "kiero pagar mi recibo", "nesesito ayuda", "necesito pagar el agua",
    "quiero pagar mi bill", "pagar mi bill", "quiero saber mi balance", "si por favor",
    "ok gracias", "¿Puedo pagar con tarjeta?", "puedo pagar con tarjeta", "hola",
    "no es del agua, mi id de cliente es 200145", "pagar 40 el viernes", "cuánto",
    "buenos dias", "me puede ayudar", "Quisiera programar un pago para el 15",
    "¿Se procesó mi pago?", "olvídalo", "adiós", "el saldo", "ya pague",
])
def test_spanish(text: str) -> None:
    assert detect_language(text) == "es"


@pytest.mark.parametrize("text", [
    "what do i owe", "pay my bill", "i wanna pay my bil", "How much do I owe?", "thanks",
    "thank you", "yes please", "whats my balance? customer id 200146, bill number 610031",
    "can i pay with my card", "pay $40 on friday", "never mind", "hello",
    "i'd like to stop getting paper bills", "is there a fee?", "my balance please",
    "schedule a payment for tomorrow",
])
def test_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize("text", [
    "", "   ", "0104200731", "1234", "$40", "12/05", "ok", "OK!", "no", "si", "sí", "Sí.",
    "yes", "y", "k", "hi", "Maria Lopez", "José García", "maria.lopez@gmail.com",
    "https://pay.example.gov/abc", "👍", "ssn 1234", "visa", "balance", "stop", "todo",
    "no si", "yes si",
])
def test_messages_that_cannot_tell(text: str) -> None:
    assert detect_language(text) is None


def test_not_text_cannot_tell() -> None:
    assert detect_language(None) is None  # type: ignore[arg-type]
    assert requested_language(None) is None  # type: ignore[arg-type]


def test_a_language_needs_twice_the_other_one() -> None:
    # Mixed halves: neither is sure.
    assert detect_language("i want to pagar") is None
    scores = lang.language_scores("quiero pagar mi bill")
    assert scores["es"] >= 2 * scores["en"] > 0


def test_the_marks_only_spanish_writes_count_once() -> None:
    assert lang.language_scores("¿?")["es"] == 2
    assert lang.language_scores("José García Núñez")["es"] == 1


def test_a_near_miss_counts_less_than_the_word() -> None:
    exact = lang.language_scores("factura")["es"]
    near = lang.language_scores("factura"[:3] + "ut" + "ra")["es"]  # "facutra"
    assert 0 < near < exact
    assert lang.language_scores("zzzzzzz") == {"en": 0.0, "es": 0.0}


def test_the_lexicons_are_disjoint() -> None:
    assert not set(lang._SPANISH) & set(lang._ENGLISH)


# --- asking for a language -------------------------------------------------------------------
@pytest.mark.parametrize(("text", "language"), [
    ("english please", "en"), ("English, please!", "en"), ("in english", "en"),
    ("can we do this in english", "en"), ("Can we do this in English?", "en"),
    ("inglés por favor", "en"), ("ingles porfa", "en"), ("puedo hablar en ingles", "en"),
    ("¿Hablas inglés?", "en"), ("I speak english", "en"), ("no, en inglés por favor", "en"),
    ("I don't speak spanish", "en"), ("i cant speak spanish", "en"),
    ("do you have someone who speaks english", "en"), ("english", "en"), ("ENGLISH", "en"),
    ("español", "es"), ("ESPAÑOL", "es"), ("espanol", "es"), ("en español por favor", "es"),
    ("hablas español?", "es"), ("¿Habla español?", "es"), ("spanish please", "es"),
    ("Spanish", "es"), ("in spanish", "es"), ("Do you have this in Spanish?", "es"),
    ("no hablo inglés", "es"), ("yo no hablo bien el inglés", "es"), ("no entiendo ingles", "es"),
    ("is there someone who speaks spanish", "es"), ("habla alguien español", "es"),
    ("quiero pagar en español", "es"), ("i'd rather do this in spanish", "es"),
    ("spanish speaker please", "es"), ("castellano por favor", "es"),
    ("espaniol", "es"),
])
def test_requested_language(text: str, language: str) -> None:
    assert requested_language(text) == language


@pytest.mark.parametrize("text", [
    "", "pay my bill", "quiero pagar mi factura", "english or spanish", "español inglés",
    "¿inglés o español?", "my bill is in english", "la factura está en inglés",
    "mi factura vino en ingles", "no english", "my english is not good", "I'm Spanish",
    "the spanish version of the bill was wrong and i got charged twice last month", "sí",
    "x" * 400 + " english",
])
def test_no_language_requested(text: str) -> None:
    assert requested_language(text) is None


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_sms_language_keyword_is_a_request_for_that_language(language: str) -> None:
    for phrase in LANGUAGE_WORDS[language]:
        assert requested_language(phrase) == language, phrase
        match = read_keyword(phrase.lower())
        assert match is not None and match.keyword == Keyword.LANGUAGE
        assert match.language == language


def test_the_sms_keywords_come_from_the_language_names() -> None:
    for language, names in LANGUAGE_NAMES.items():
        assert {name.upper() for name in names} <= LANGUAGE_WORDS[language]
    assert "EN ESPANOL POR FAVOR" in LANGUAGE_WORDS["es"]
    assert "IN ENGLISH PLEASE" in LANGUAGE_WORDS["en"]


@given(st.text(max_size=120))
def test_any_text_gets_an_answer(text: str) -> None:
    assert detect_language(text) in ("en", "es", None)
    assert requested_language(text) in ("en", "es", None)


# --- a message that only asks for a language ------------------------------------------------
@pytest.mark.parametrize("text", [
    "english please", "In English", "can we do this in english", "en español por favor",
    "¿hablas español?", "Español", "puedo hablar en ingles", "spanish pls"])
def test_a_switch_alone_asks_nothing_else(text: str) -> None:
    assert asks_only_for_language(text)


@pytest.mark.parametrize("text", [
    "i need someone who speaks spanish", "hay alguien que hable inglés",
    "en español, cuánto debo", "in english please, what's my balance",
    "quiero pagar mi factura", "my bill is in english", "ok"])
def test_a_switch_with_more_to_answer_is_not_a_switch_alone(text: str) -> None:
    assert not asks_only_for_language(text)
