"""The Spanish keywords, the Spanish opt-outs and the language switches
(conversation/understanding/carrier_keywords.py): whole messages only, like the English ones."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversation.understanding.carrier_keywords import (
    SPANISH_OPT_OUT_WORDS,
    Keyword,
    keyword_of,
    read_keyword,
)


@pytest.mark.parametrize(("text", "keyword"), [
    ("SALDO", Keyword.BALANCE), ("saldo", Keyword.BALANCE), ("Pagar.", Keyword.PAY),
    ("AYUDA", Keyword.HELP), ("ayuda!", Keyword.HELP), ("SÍ", Keyword.YES), ("sí", Keyword.YES),
    ("SI", Keyword.YES), ("Sí.", Keyword.YES), ("¡Sí!", Keyword.YES), ("ENLACE", Keyword.LINK),
    ("AGENTE", Keyword.AGENT), ("persona", Keyword.AGENT), ("Humano", Keyword.AGENT),
    ("operador", Keyword.AGENT), ("PARAR", Keyword.OPT_OUT), ("Alto", Keyword.OPT_OUT),
    ("CANCELAR", Keyword.OPT_OUT), ("baja", Keyword.OPT_OUT), ("dar de baja", Keyword.OPT_OUT),
    ("Darme  de baja.", Keyword.OPT_OUT),
])
def test_spanish_keywords_say_the_resident_writes_spanish(text: str, keyword: Keyword) -> None:
    match = read_keyword(text)
    assert match is not None and match.keyword == keyword and match.language == "es"
    assert keyword_of(text) == keyword


@pytest.mark.parametrize("text", ["STOP", "BAL", "PAY", "HELP", "YES", "LINK", "AGENT", "NO",
                                  "n", "START"])
def test_english_and_shared_keywords_choose_no_language(text: str) -> None:
    match = read_keyword(text)
    assert match is not None and match.language is None


@pytest.mark.parametrize(("text", "language"), [
    ("ENGLISH", "en"), ("english please", "en"), ("English, please!", "en"),
    ("in english", "en"), ("inglés", "en"), ("en inglés por favor", "en"),
    ("ESPAÑOL", "es"), ("ESPANOL", "es"), ("español", "es"), ("en español", "es"),
    ("En Español.", "es"), ("spanish", "es"), ("español por favor", "es"),
])
def test_language_switches(text: str, language: str) -> None:
    match = read_keyword(text)
    assert match is not None and match.keyword == Keyword.LANGUAGE
    assert match.language == language


@pytest.mark.parametrize(("text", "opts_in"), [
    ("START", True), ("unstop", True), ("YES", True), ("y", True), ("SÍ", False),
    ("si", False), ("AYUDA", False),
])
def test_only_the_carriers_words_opt_back_in(text: str, opts_in: bool) -> None:
    match = read_keyword(text)
    assert match is not None and match.opts_in is opts_in


@pytest.mark.parametrize("text", [
    "quiero pagar", "pagar mi factura", "cuál es mi saldo", "sí por favor", "no gracias",
    "parar mi pago programado", "cancelar mi pago", "alto ahí", "hablar con una persona",
    "una persona", "español inglés", "S I", "saldos", "pagarlo", "I speak english",
    "english or spanish", "ayúdame",
])
def test_spanish_sentences_are_not_keywords(text: str) -> None:
    assert read_keyword(text) is None


@given(st.sampled_from(sorted(SPANISH_OPT_OUT_WORDS)), st.text(alphabet=" .!¡\t", max_size=4),
       st.text(alphabet=" .!?\t", max_size=4), st.booleans())
def test_spanish_opt_outs_survive_case_spaces_and_punctuation(word: str, before: str,
                                                              after: str, lower: bool) -> None:
    written = word.lower() if lower else word.title()
    assert keyword_of(f"{before}{written}{after}") == Keyword.OPT_OUT
