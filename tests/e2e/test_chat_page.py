"""The web chat page and its proxy to the bot, through the Flask app, with a stub Rasa REST
server that records exactly what reached "Rasa": a server-side conversation id, card numbers
redacted before they leave the app, "/intent" injection neutralized, CSRF, size limits and
polite answers when the bot is down."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.chat.views import CSRF_HEADER, MAX_MESSAGE_CHARS, SENDER_KEY
from tests.browser_support import build_app
from tests.http_support import closed_port_url
from tests.rasa_stub import StubAnswer, StubRasa

CARD = "4242424242424242"
CARD_SPACED = "4242 4242 4242 4242"
PAGE = "/chat"
MESSAGES = "/chat/api/messages"
RESTART = "/chat/api/restart"
# What the app tells the bot's actions about English the resident wrote.
METADATA = {"channel": "chat", "language": "en", "language_from_resident": True}


@dataclass
class Chat:
    app: Flask
    rasa: StubRasa
    client: FlaskClient
    csrf: str = ""

    def open(self) -> str:
        response = self.client.get(PAGE)
        assert response.status_code == 200
        match = re.search(r'data-csrf-token="([^"]+)"', response.get_data(as_text=True))
        assert match
        self.csrf = match.group(1)
        return response.get_data(as_text=True)

    def say(self, message: Any, **extra: Any) -> Any:
        return self.client.post(MESSAGES, json={"message": message, **extra},
                                headers={CSRF_HEADER: self.csrf})

    def texts(self, response: Any) -> list[str]:
        return [m["text"] for m in response.get_json()["messages"]]

    def sender(self) -> str:
        with self.client.session_transaction() as session:
            return str(session[SENDER_KEY])


@pytest.fixture
def rasa() -> Iterator[StubRasa]:
    with StubRasa() as stub:
        yield stub


def make_chat(tmp_path: Path, rasa_url: str, rasa: StubRasa) -> Iterator[Chat]:
    app, container = build_app(tmp_path, rasa_url=rasa_url)
    chat = Chat(app, rasa, app.test_client())
    chat.open()
    yield chat
    container.dispose()


@pytest.fixture
def chat(tmp_path: Path, rasa: StubRasa) -> Iterator[Chat]:
    yield from make_chat(tmp_path, rasa.url, rasa)


@pytest.fixture
def chat_without_bot(tmp_path: Path, rasa: StubRasa) -> Iterator[Chat]:
    yield from make_chat(tmp_path, closed_port_url(), rasa)


# --- the page ----------------------------------------------------------------------------


def test_the_page_has_the_widget_the_safety_note_and_a_csrf_token(chat: Chat) -> None:
    response = chat.client.get(PAGE)
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert 'role="log"' in html and 'aria-live="polite"' in html
    assert '<label for="chat-input"' in html and 'id="chat-input"' in html
    assert 'role="status"' in html  # the typing indicator is announced
    assert "Never type card or bank numbers here;" in html
    assert "for a new card I&#39;ll send you a secure pay link" in html
    assert "City of Riverton" in html
    assert "Start over" in html
    assert 'autocomplete="off"' in html and f'maxlength="{MAX_MESSAGE_CHARS}"' in html
    assert "/chat/static/chat.js" in html and "/chat/static/chat.css" in html
    assert "<script>" not in html and "style=" not in html  # CSP: no inline script or style
    assert f'data-csrf-token="{chat.csrf}"' in html  # the same token for the session
    assert chat.rasa.requests == []  # opening the page does not talk to the bot


def test_the_page_sends_security_headers(chat: Chat) -> None:
    headers = chat.client.get(PAGE).headers

    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'none'", "script-src 'self'", "connect-src 'self'",
                      "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"):
        assert directive in csp
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    cookie = headers["Set-Cookie"] if "Set-Cookie" in headers else ""
    assert cookie == "" or ("HttpOnly" in cookie and "SameSite=Lax" in cookie)


def test_the_script_and_stylesheet_are_served(chat: Chat) -> None:
    script = chat.client.get("/chat/static/chat.js")
    style = chat.client.get("/chat/static/chat.css")

    assert script.status_code == 200 and "javascript" in script.mimetype
    assert style.status_code == 200 and style.mimetype == "text/css"
    # Messages are built from DOM and text nodes: no HTML parsing of untrusted text.
    assert not re.search(r"\.(inner|outer)HTML\b|insertAdjacentHTML|document\.write",
                         script.get_data(as_text=True))


def test_a_new_browser_session_gets_its_own_cookie_with_httponly(tmp_path: Path,
                                                                 rasa: StubRasa) -> None:
    app, container = build_app(tmp_path, rasa_url=rasa.url)
    response = app.test_client().get(PAGE)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    container.dispose()


# --- proxying ----------------------------------------------------------------------------


def test_messages_go_to_the_bot_with_a_stable_server_side_sender(chat: Chat) -> None:
    first = chat.say("What do I owe?")
    second = chat.say("Pay my bill")

    assert first.status_code == 200 and second.status_code == 200
    assert chat.texts(first) == ["You said: What do I owe?"]
    assert first.get_json()["messages"][0]["kind"] == "bot"
    assert first.headers["Cache-Control"] == "no-store"
    sender = chat.sender()
    assert re.fullmatch(r"chat-[A-Za-z0-9_-]{20,}", sender)
    assert chat.rasa.requests == [
        {"sender": sender, "message": "What do I owe?", "metadata": METADATA},
        {"sender": sender, "message": "Pay my bill", "metadata": METADATA},
    ]


def test_reloading_the_page_keeps_the_conversation(chat: Chat) -> None:
    before = chat.sender()
    chat.open()
    chat.say("hello")

    assert chat.sender() == before
    assert chat.rasa.senders == [before]


def test_each_browser_has_its_own_conversation(chat: Chat) -> None:
    other = Chat(chat.app, chat.rasa, chat.app.test_client())
    other.open()

    chat.say("hello")
    other.say("hello")

    assert chat.sender() != other.sender()
    assert chat.rasa.senders == [chat.sender(), other.sender()]


def test_the_browser_cannot_choose_the_sender_or_the_metadata(chat: Chat) -> None:
    chat.say("hello", sender="chat-someone-else", metadata={"channel": "voice"})

    assert chat.rasa.requests == [{"sender": chat.sender(), "message": "hello",
                                   "metadata": METADATA}]


def test_bot_buttons_are_passed_on(chat: Chat) -> None:
    chat.rasa.respond = lambda body: [
        {"text": "Pay $146.57 with the VISA ending 4242?",
         "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No, cancel"}]}]

    answer = chat.say("pay my bill").get_json()

    assert answer["messages"] == [{
        "text": "Pay $146.57 with the VISA ending 4242?", "kind": "bot",
        "buttons": [{"title": "Yes", "payload": "/affirm"},
                    {"title": "No, cancel", "payload": "No, cancel"}]}]


def test_an_empty_bot_answer_gets_a_polite_fallback(chat: Chat) -> None:
    chat.rasa.respond = lambda body: []

    answer = chat.say("hmm").get_json()

    assert answer["messages"][0]["kind"] == "notice"
    assert "I don't have an answer" in answer["messages"][0]["text"]


# --- card numbers ------------------------------------------------------------------------


@pytest.mark.parametrize("typed", [
    f"my card is {CARD} exp 12/30",
    f"my card is {CARD_SPACED}",
    "card 4242-4242-4242-4242 please",
    "5555555555554444",
])
def test_a_card_number_never_reaches_the_bot_and_the_resident_is_warned(
        chat: Chat, typed: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    response = chat.say(typed)

    answer = response.get_json()
    assert response.status_code == 200
    assert answer["messages"][0]["kind"] == "warning"
    assert "never type card or bank numbers" in answer["messages"][0]["text"]
    assert "secure pay link" in answer["messages"][0]["text"]
    assert "[card number removed]" in answer["you_said"]
    digits = re.sub(r"\D", "", typed)[-16:]
    assert digits not in answer["you_said"].replace(" ", "").replace("-", "")
    assert len(chat.rasa.requests) == 1
    sent = chat.rasa.messages[0]
    assert "[card number removed]" in sent
    assert digits not in re.sub(r"\D", "", sent)
    assert not chat.rasa.saw(digits) and not chat.rasa.saw(CARD_SPACED)
    assert digits not in caplog.text and "card number removed" not in caplog.text


def test_a_card_number_in_a_button_payload_never_reaches_the_bot(chat: Chat) -> None:
    payload = f'/inform{{"card": "{CARD}"}}'
    chat.say("Yes", payload=payload)  # not offered: the title goes instead
    chat.rasa.respond = lambda body: [{"text": "?", "buttons": [
        {"title": "Yes", "payload": payload}]}]
    chat.say("pay")

    answer = chat.say("Yes", payload=payload).get_json()  # offered: still redacted

    assert answer["messages"][0]["kind"] == "warning"
    assert chat.rasa.messages[0] == "Yes"
    assert chat.rasa.messages[2] == '/inform{"card": "[card number removed]"}'
    assert not chat.rasa.saw(CARD)


def test_a_warning_even_when_the_message_is_then_refused(chat: Chat) -> None:
    answer = chat.say(CARD + " " + "x" * MAX_MESSAGE_CHARS).get_json()

    assert [m["kind"] for m in answer["messages"]] == ["warning", "notice"]
    assert chat.rasa.requests == []


def test_ordinary_numbers_pass(chat: Chat) -> None:
    chat.say("account 0104200731 street 1234, call me at 312 555 0101, pay $146.57")

    assert chat.rasa.messages == [
        "account 0104200731 street 1234, call me at 312 555 0101, pay $146.57"]


# --- intent injection --------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "forwarded"), [
    ('/inform{"account_number": "0104200731"}', 'inform{"account_number": "0104200731"}'),
    ("/restart", "restart"),
    ("  //affirm", "affirm"),
    ("/ / /affirm", "affirm"),
    ("\u200b/affirm", "affirm"),
    ("\ufeff /affirm", "affirm"),
    ("\n/affirm", "affirm"),
    ("pay 1/2 of it", "pay 1/2 of it"),
])
def test_rasa_intent_syntax_is_neutralized(chat: Chat, typed: str, forwarded: str) -> None:
    chat.say(typed)

    assert chat.rasa.messages == [forwarded]
    assert not chat.rasa.messages[0].lstrip().startswith("/")


def test_only_slashes_is_an_empty_message(chat: Chat) -> None:
    answer = chat.say("///").get_json()

    assert "Please type your question" in answer["messages"][0]["text"]
    assert chat.rasa.requests == []


def test_a_button_the_bot_offered_sends_its_payload_verbatim(chat: Chat) -> None:
    chat.rasa.respond = lambda body: [{"text": "Pay now?", "buttons": [
        {"title": "Yes", "payload": "/affirm"},
        {"title": "Card", "payload": '/inform{"method": "card"}'}]}]
    chat.say("pay my bill")

    chat.say("Card", payload='/inform{"method": "card"}')

    assert chat.rasa.messages[-1] == '/inform{"method": "card"}'


def test_a_payload_the_bot_did_not_offer_is_sent_as_the_title(chat: Chat) -> None:
    chat.rasa.respond = lambda body: [{"text": "Pay now?", "buttons": [
        {"title": "Yes", "payload": "/affirm"}]}]
    chat.say("pay my bill")

    chat.say("Yes", payload='/inform{"account_number": "5512093384"}')

    assert chat.rasa.messages[-1] == "Yes"


def test_offered_payloads_last_one_turn(chat: Chat) -> None:
    buttons = [{"text": "Pay now?", "buttons": [{"title": "Yes", "payload": "/affirm"}]}]
    chat.rasa.respond = lambda body: buttons if body["message"] == "pay" else [
        {"text": "ok"}]
    chat.say("pay")
    chat.say("something else")  # a turn without buttons

    chat.say("Yes", payload="/affirm")  # a stale button

    assert chat.rasa.messages == ["pay", "something else", "Yes"]


def test_offered_payloads_belong_to_one_browser_session(chat: Chat) -> None:
    chat.rasa.respond = lambda body: [{"text": "Pay now?", "buttons": [
        {"title": "Yes", "payload": "/affirm"}]}]
    chat.say("pay")
    other = Chat(chat.app, chat.rasa, chat.app.test_client())
    other.open()

    other.say("Yes", payload="/affirm")

    assert chat.rasa.messages[-1] == "Yes"


# --- CSRF and malformed requests ---------------------------------------------------------


def test_without_the_csrf_token_nothing_reaches_the_bot(chat: Chat) -> None:
    missing = chat.client.post(MESSAGES, json={"message": "hello"})
    wrong = chat.client.post(MESSAGES, json={"message": "hello"},
                             headers={CSRF_HEADER: "not-the-token"})
    other = Chat(chat.app, chat.rasa, chat.app.test_client())
    other.open()
    foreign = chat.client.post(MESSAGES, json={"message": "hello"},
                               headers={CSRF_HEADER: other.csrf})

    for response in (missing, wrong, foreign):
        assert response.status_code == 403
        assert response.get_json()["error"] == "csrf"
        assert "reload the page" in chat.texts(response)[0]
    assert chat.rasa.requests == []


def test_a_session_that_never_opened_the_page_is_refused(tmp_path: Path,
                                                         rasa: StubRasa) -> None:
    app, container = build_app(tmp_path, rasa_url=rasa.url)
    response = app.test_client().post(MESSAGES, json={"message": "hello"},
                                      headers={CSRF_HEADER: "guess"})
    assert response.status_code == 403
    assert rasa.requests == []
    container.dispose()


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"data": {"message": "hello"}}, "content_type"),
    ({"data": "message=hello", "content_type": "text/plain"}, "content_type"),
    ({"data": '{"message": "hello"', "content_type": "application/json"}, "malformed"),
    ({"data": "", "content_type": "application/json"}, "malformed"),
    ({"json": ["hello"]}, "malformed"),
    ({"json": {"text": "hello"}}, "malformed"),
    ({"json": {"message": 42}}, "malformed"),
    ({"json": {"message": None}}, "malformed"),
    ({"json": {"message": ["hello"]}}, "malformed"),
])
def test_malformed_requests_get_a_polite_400(chat: Chat, kwargs: dict[str, Any],
                                             error: str) -> None:
    response = chat.client.post(MESSAGES, headers={CSRF_HEADER: chat.csrf}, **kwargs)

    assert response.status_code == 400
    assert response.get_json()["error"] == error
    assert "couldn't read that message" in chat.texts(response)[0]
    assert chat.rasa.requests == []


def test_a_huge_request_body_is_refused_before_it_is_read(chat: Chat) -> None:
    response = chat.client.post(MESSAGES, data=json.dumps({"message": "x" * 100_000}),
                                content_type="application/json",
                                headers={CSRF_HEADER: chat.csrf})

    assert response.status_code == 413
    assert "too long" in chat.texts(response)[0]
    assert chat.rasa.requests == []


def test_other_methods_get_json_errors(chat: Chat) -> None:
    response = chat.client.get(MESSAGES, headers={"Accept": "application/json"})

    assert response.status_code == 405
    assert response.is_json


# --- what residents type -----------------------------------------------------------------


@pytest.mark.parametrize("typed", ["", "   ", "\n\t", "\u200b"])
def test_an_empty_message_gets_a_hint_without_asking_the_bot(chat: Chat, typed: str) -> None:
    response = chat.say(typed)

    assert response.status_code == 200
    assert chat.texts(response) == [
        "Please type your question or what you would like to do, for example "
        "\"What do I owe?\" or \"Pay my bill\"."]
    assert chat.rasa.requests == []


@pytest.mark.parametrize("typed", ["👍", "🎉🎉 🙏", "?!", "👍🏽", "👨‍👩‍👧"])
def test_emoji_only_gets_a_hint_without_asking_the_bot(chat: Chat, typed: str) -> None:
    response = chat.say(typed)

    assert response.status_code == 200
    assert "I can only read words" in chat.texts(response)[0]
    assert chat.rasa.requests == []


def test_a_message_over_the_limit_is_refused_politely(chat: Chat) -> None:
    response = chat.say("a" * (MAX_MESSAGE_CHARS + 1))

    assert response.status_code == 200
    assert "too long" in chat.texts(response)[0]
    assert f"{MAX_MESSAGE_CHARS:,}" in chat.texts(response)[0]
    assert chat.rasa.requests == []


def test_a_message_at_the_limit_is_sent(chat: Chat) -> None:
    chat.say("b" * MAX_MESSAGE_CHARS)

    assert chat.rasa.messages == ["b" * MAX_MESSAGE_CHARS]


@pytest.mark.parametrize(("typed", "forwarded"), [
    ("¿Cuánto debo? Quiero pagar mi factura", "¿Cuánto debo? Quiero pagar mi factura"),
    ("日本語で大丈夫ですか", "日本語で大丈夫ですか"),
    ("thanks 👍", "thanks 👍"),
    ("cafe\u0301", "café"),  # NFC
    ("  pay\nmy\r\nbill\x00  ", "pay my  bill"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
])
def test_unicode_and_odd_characters(chat: Chat, typed: str, forwarded: str) -> None:
    response = chat.say(typed)

    assert response.status_code == 200
    assert chat.rasa.messages == [forwarded]


# --- the bot down ------------------------------------------------------------------------


def test_the_bot_down_gets_a_polite_answer(chat_without_bot: Chat,
                                           caplog: pytest.LogCaptureFixture) -> None:
    response = chat_without_bot.say("What do I owe?")

    assert response.status_code == 503
    answer = response.get_json()
    assert answer["error"] == "bot_unavailable"
    text = answer["messages"][0]["text"]
    assert "isn't available right now" in text and "311 at (312) 555-0111" in text
    assert "Traceback" not in response.get_data(as_text=True)
    assert "What do I owe?" not in caplog.text


@pytest.mark.parametrize("answer", [StubAnswer(500, b"Internal Server Error", "text/plain"),
                                    StubAnswer(200, b"<html>", "text/html"),
                                    StubAnswer(200, b'{"not": "a list"}')])
def test_a_broken_bot_gets_a_polite_answer(chat: Chat, answer: StubAnswer) -> None:
    chat.rasa.respond = lambda body: answer

    response = chat.say("hello")

    assert response.status_code == 503
    assert "isn't available right now" in chat.texts(response)[0]


def test_the_bot_down_still_warns_about_a_card_number(chat_without_bot: Chat) -> None:
    answer = chat_without_bot.say(f"pay with {CARD}").get_json()

    assert [m["kind"] for m in answer["messages"]] == ["warning", "notice"]
    assert CARD not in answer["you_said"]


# --- start over --------------------------------------------------------------------------


def test_start_over_begins_a_new_conversation(chat: Chat) -> None:
    chat.say("hello")
    old = chat.sender()

    response = chat.client.post(RESTART, headers={CSRF_HEADER: chat.csrf})
    chat.say("hello again")

    assert response.status_code == 200
    assert "payment assistant for the City of Riverton" in chat.texts(response)[0]
    new = chat.sender()
    assert new != old
    # The proxy restarts the old conversation itself (a trusted command), then moves on.
    assert chat.rasa.requests[1] == {"sender": old, "message": "/restart", "metadata": {
        **METADATA, "language_from_resident": False}}  # the proxy's command, not words
    assert chat.rasa.requests[2]["sender"] == new


def test_start_over_forgets_offered_buttons(chat: Chat) -> None:
    chat.rasa.respond = lambda body: [{"text": "Pay now?", "buttons": [
        {"title": "Yes", "payload": "/affirm"}]}]
    chat.say("pay")
    chat.client.post(RESTART, headers={CSRF_HEADER: chat.csrf})

    chat.say("Yes", payload="/affirm")

    assert chat.rasa.messages[-1] == "Yes"


def test_start_over_needs_the_csrf_token(chat: Chat) -> None:
    chat.say("hello")
    old = chat.sender()

    response = chat.client.post(RESTART)

    assert response.status_code == 403
    assert chat.sender() == old
    assert chat.rasa.messages == ["hello"]


def test_start_over_works_with_the_bot_down(chat_without_bot: Chat) -> None:
    old = chat_without_bot.sender()

    response = chat_without_bot.client.post(RESTART, headers={CSRF_HEADER: chat_without_bot.csrf})

    assert response.status_code == 200
    assert chat_without_bot.sender() != old
