"""The web chat in the resident's language, through the Flask app with one stub Rasa per
language: the page starts in the browser's language (or the one its link asks for), follows
what the resident writes until they choose one outright, and each message goes to the model of
the conversation's language, which the actions are told in the metadata."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from ivr.chat.views import CSRF_HEADER
from tests.browser_support import build_app
from tests.http_support import closed_port_url
from tests.rasa_stub import StubRasa

MESSAGES = "/chat/api/messages"


class Chat:
    def __init__(self, client: FlaskClient, english: StubRasa, spanish: StubRasa) -> None:
        self.client, self.english, self.spanish = client, english, spanish
        self.csrf = ""

    def open(self, path: str = "/chat", **headers: str) -> str:
        html = self.client.get(path, headers=headers).get_data(as_text=True)
        match = re.search(r'data-csrf-token="([^"]+)"', html)
        assert match
        self.csrf = match.group(1)
        return html

    def say(self, message: str, **extra: Any) -> dict[str, Any]:
        response = self.client.post(MESSAGES, json={"message": message, **extra},
                                    headers={CSRF_HEADER: self.csrf})
        return dict(response.get_json())

    @staticmethod
    def texts(answer: dict[str, Any]) -> list[str]:
        return [m["text"] for m in answer["messages"]]


@pytest.fixture
def chat(tmp_path: Path) -> Iterator[Chat]:
    english = StubRasa(lambda body: [{"text": f"EN: {body.get('message')}"}])
    spanish = StubRasa(lambda body: [{"text": f"ES: {body.get('message')}"}])
    with english, spanish:
        app, container = build_app(tmp_path, rasa_url=english.url,
                                   PAYLINE_RASA_ES_URL=spanish.url)
        yield Chat(app.test_client(), english, spanish)
        container.dispose()


def test_a_spanish_browser_gets_the_page_and_greeting_in_spanish(chat: Chat) -> None:
    html = chat.open(**{"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert '<html lang="es">' in html
    assert "Chat sobre su factura" in html and "Soy el asistente de pagos" in html
    assert "Nunca escriba aquí números de tarjeta" in html
    assert 'data-text-typing="El asistente está escribiendo…"' in html
    assert ">English</a>" in html  # the way back


def test_an_english_browser_gets_english_with_a_link_to_spanish(chat: Chat) -> None:
    html = chat.open(**{"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in html and "Chat about your bill" in html
    assert ">Español</a>" in html and "?lang=es" in html


def test_spanish_writing_goes_to_the_spanish_model_and_stays_there(chat: Chat) -> None:
    chat.open()
    answer = chat.say("quiero pagar mi factura")
    assert chat.texts(answer) == ["ES: quiero pagar mi factura"]
    assert answer["language"] == "es" and answer["labels"]["send"] == "Enviar"
    chat.say("0104200731")  # digits cannot tell: the conversation stays in Spanish
    chat.say("ok")
    assert chat.english.requests == []
    assert [r["message"] for r in chat.spanish.requests] == [
        "quiero pagar mi factura", "0104200731", "ok"]
    assert {r["metadata"]["language"] for r in chat.spanish.requests} == {"es"}
    # One conversation: the same Rasa sender id whichever model answers.
    assert len({r["sender"] for r in chat.spanish.requests}) == 1


def test_asking_for_a_language_switches_and_is_kept(chat: Chat) -> None:
    chat.open()
    chat.say("cuanto debo")
    answer = chat.say("english please")
    assert chat.texts(answer) == ["Sure, let's continue in English. What can I do for you?"]
    assert answer["language"] == "en"
    chat.say("gracias, what do i owe")  # chosen outright: a Spanish word does not switch back
    assert [r["message"] for r in chat.english.requests] == ["gracias, what do i owe"]
    answer = chat.say("en español por favor")
    assert chat.texts(answer) == ["Claro, seguimos en español. ¿En qué le puedo ayudar?"]
    senders = {r["sender"] for r in chat.english.requests + chat.spanish.requests}
    assert len(senders) == 1  # the conversation (and its verification) carries on


def test_the_page_link_chooses_the_language(chat: Chat) -> None:
    html = chat.open("/chat?lang=es", **{"Accept-Language": "en-US"})
    assert '<html lang="es">' in html
    chat.say("what do i owe")  # chosen on the page: English words do not switch it
    assert [r["message"] for r in chat.spanish.requests] == ["what do i owe"]


def test_the_pages_own_notices_are_in_spanish(chat: Chat) -> None:
    chat.open(**{"Accept-Language": "es"})
    answer = chat.say("mi tarjeta es 4242 4242 4242 4242")
    texts = chat.texts(answer)
    assert texts[0].startswith("Por su seguridad, quité de su mensaje")
    assert "4242 4242" not in " ".join(texts)
    assert chat.texts(chat.say("   ")) == [
        "Escriba su pregunta o lo que desea hacer, por ejemplo \"¿Cuánto debo?\" o "
        "\"Pagar mi factura\"."]


def test_the_spanish_model_down_is_said_in_spanish(tmp_path: Path) -> None:
    with StubRasa() as english:
        app, container = build_app(tmp_path, rasa_url=english.url,
                                   PAYLINE_RASA_ES_URL=closed_port_url())
        try:
            chat = Chat(app.test_client(), english, english)
            chat.open(**{"Accept-Language": "es"})
            answer = chat.say("¿cuánto debo?")
            assert answer["error"] == "bot_unavailable"
            assert chat.texts(answer)[0].startswith("El asistente del chat no está disponible")
            assert english.requests == []  # never the English model for a Spanish chat
        finally:
            container.dispose()


def _verifies_in_spanish(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The English model's answer when verification found Spanish on file (as the actions
    answer: the rest of the turn in Spanish, and the language named in a custom message)."""
    if body.get("metadata", {}).get("language_from_resident"):  # chosen or written
        return [{"text": "Thanks, you're verified."}]
    return [{"custom": {"language": "es"}}, {"text": "Gracias, ya verificamos su cuenta."}]


def test_verification_moves_the_chat_to_the_language_on_file(tmp_path: Path) -> None:
    with StubRasa(_verifies_in_spanish) as english, StubRasa() as spanish:
        app, container = build_app(tmp_path, rasa_url=english.url,
                                   PAYLINE_RASA_ES_URL=spanish.url)
        try:
            chat = Chat(app.test_client(), english, spanish)
            chat.open(**{"Accept-Language": "en-US"})
            answer = chat.say("2201458890 507")  # digits: the language is not theirs yet
            assert chat.texts(answer) == ["Gracias, ya verificamos su cuenta."]
            assert answer["language"] == "es" and answer["labels"]["send"] == "Enviar"
            assert english.requests[0]["metadata"]["language_from_resident"] is False
            chat.say("ok")  # the next message goes to the Spanish model
            assert [r["message"] for r in spanish.requests] == ["ok"]
            assert chat.say("what do i owe")["language"] == "en"  # until they write English
        finally:
            container.dispose()


@pytest.mark.parametrize(("path", "message"), [
    ("/chat?lang=en", "2201458890 507"),  # chosen on the page
    ("/chat", "my account is 2201458890 street number 507"),  # written in English
])
def test_the_residents_own_language_stays_after_verification(tmp_path: Path, path: str,
                                                               message: str) -> None:
    with StubRasa(_verifies_in_spanish) as english, StubRasa() as spanish:
        app, container = build_app(tmp_path, rasa_url=english.url,
                                   PAYLINE_RASA_ES_URL=spanish.url)
        try:
            chat = Chat(app.test_client(), english, spanish)
            chat.open(path, **{"Accept-Language": "en-US"})
            answer = chat.say(message)
            assert chat.texts(answer) == ["Thanks, you're verified."]
            assert answer["language"] == "en"
            assert english.requests[0]["metadata"]["language_from_resident"] is True
        finally:
            container.dispose()
