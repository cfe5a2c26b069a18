"""BotClient against a real local HTTP server standing in for Rasa's REST channel: what it
sends, how it reads Rasa's answers, and BotUnavailable for every way the bot can fail."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from ivr.bot.client import (
    BotClient,
    BotReplies,
    BotReply,
    BotUnavailable,
    Button,
    bot_client_for,
)
from ivr.settings import ChannelSettings
from tests.http_support import closed_port_url
from tests.rasa_stub import WEBHOOK, StubAnswer, StubRasa

CARD = "4242424242424242"


@pytest.fixture
def rasa():  # type: ignore[no-untyped-def]
    with StubRasa() as stub:
        yield stub


def test_sends_sender_message_and_metadata_to_the_rest_webhook(rasa: StubRasa) -> None:
    replies = BotClient(rasa.url, timeout=5).send("chat-abc", "What do I owe?",
                                                  {"channel": "chat"})

    assert rasa.paths == [WEBHOOK]
    assert rasa.requests == [{"sender": "chat-abc", "message": "What do I owe?",
                              "metadata": {"channel": "chat", "language": "en",
                                           "language_from_resident": False}}]
    assert replies == [BotReply(text="You said: What do I owe?")]


def test_without_metadata_the_language_alone_is_sent(rasa: StubRasa) -> None:
    BotClient(rasa.url + "/").send("sms-1", "SALDO", language="es")

    assert rasa.requests == [{"sender": "sms-1", "message": "SALDO",
                              "metadata": {"language": "es", "language_from_resident": False}}]


def test_reads_texts_buttons_and_images_in_order(rasa: StubRasa) -> None:
    rasa.respond = lambda body: [
        {"recipient_id": "s", "text": "Your balance is $146.57."},
        {"recipient_id": "s", "text": "Pay it now?",
         "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No"}]},
        {"recipient_id": "s", "image": "https://example.gov/bill.png"},
        {"recipient_id": "s", "custom": {"kind": "ignored"}},
        {"recipient_id": "s", "text": "   "},
    ]

    replies = BotClient(rasa.url).send("s", "balance")

    assert replies == [
        BotReply("Your balance is $146.57."),
        BotReply("Pay it now?", (Button("Yes", "/affirm"), Button("No", "No"))),
        BotReply("https://example.gov/bill.png"),
    ]
    title, payload = replies[1].buttons[0]
    assert (title, payload) == ("Yes", "/affirm")


def test_the_language_the_bot_moved_to_comes_with_the_replies(rasa: StubRasa) -> None:
    rasa.respond = lambda body: [{"recipient_id": "s", "custom": {"language": "es"}},
                                 {"recipient_id": "s", "text": "Listo."}]
    replies = BotClient(rasa.url).send("s", "0104200731 1234", language_from_resident=False)
    assert replies == [BotReply("Listo.")] and replies.language == "es"

    rasa.respond = lambda body: [{"custom": {"language": "fr"}}, {"text": "ok"}]
    assert BotClient(rasa.url).send("s", "x").language is None  # only languages we speak
    rasa.respond = lambda body: [{"text": "ok"}]
    assert BotClient(rasa.url).send("s", "x").language is None


@pytest.mark.parametrize(("moved_to", "from_resident", "spoken"), [
    ("es", False, "es"),  # verified: the account's language on file
    ("es", True, "en"),  # the resident chose or writes English: it stays
    (None, False, "en"),  # the bot moved nowhere
])
def test_the_language_to_speak_follows_the_bot_unless_the_resident_chose(
        moved_to: str | None, from_resident: bool, spoken: str) -> None:
    replies = BotReplies([BotReply("ok")], language=moved_to)
    assert replies.language_to_speak("en", from_resident=from_resident) == spoken


def test_buttons_without_text(rasa: StubRasa) -> None:
    rasa.respond = lambda body: [{"buttons": [{"title": "Card", "payload": "/card"}]}]

    assert BotClient(rasa.url).send("s", "pay") == [BotReply("", (Button("Card", "/card"),))]


def test_an_empty_answer_is_no_replies(rasa: StubRasa) -> None:
    rasa.respond = lambda body: []

    assert BotClient(rasa.url).send("s", "hello") == []


def test_unicode_round_trips(rasa: StubRasa) -> None:
    replies = BotClient(rasa.url).send("s", "¿Cuánto debo? 日本語 👍")

    assert rasa.messages == ["¿Cuánto debo? 日本語 👍"]
    assert replies == [BotReply("You said: ¿Cuánto debo? 日本語 👍")]


@pytest.mark.parametrize("status", [400, 404, 500, 503])
def test_an_http_error_is_unavailable(rasa: StubRasa, status: int) -> None:
    rasa.respond = lambda body: StubAnswer(status, b'{"error": "boom"}')

    with pytest.raises(BotUnavailable) as raised:
        BotClient(rasa.url).send("s", "hello")
    assert raised.value.kind == f"HTTP {status}"


@pytest.mark.parametrize("body", [
    b"<html>proxy error</html>",
    b"",
    b'{"text": "not a list"}',
    b'"just a string"',
    b"[1, 2]",
    b'[{"text": 42}]',
    b'[{"text": "ok", "buttons": "Yes"}]',
    b'[{"text": "ok", "buttons": [{"payload": "/affirm"}]}]',
    b'[{"text": "ok", "buttons": [{"title": "Yes", "payload": 7}]}]',
    b'[{"text": "ok", "buttons": ["Yes"]}]',
])
def test_a_malformed_answer_is_unavailable(rasa: StubRasa, body: bytes) -> None:
    rasa.respond = lambda _: StubAnswer(200, body)

    with pytest.raises(BotUnavailable) as raised:
        BotClient(rasa.url).send("s", "hello")
    assert raised.value.kind == "response is not a list of bot messages"


def test_a_server_that_is_down_is_unavailable() -> None:
    with pytest.raises(BotUnavailable) as raised:
        BotClient(closed_port_url()).send("s", "hello")
    assert raised.value.kind.startswith("connection failed")


def test_a_slow_server_is_unavailable_after_the_timeout() -> None:
    with StubRasa(delay=1.0) as slow:
        with pytest.raises(BotUnavailable) as raised:
            BotClient(slow.url, timeout=0.2).send("s", "hello")
        assert raised.value.kind == "timeout"
        # A longer timeout for one call waits long enough.
        assert BotClient(slow.url, timeout=0.2).send("s", "hi", timeout=3) == [
            BotReply("You said: hi")]


def test_failures_are_logged_by_kind_never_with_the_text(
        rasa: StubRasa, caplog: pytest.LogCaptureFixture) -> None:
    rasa.respond = lambda body: StubAnswer(500, f'{{"echo": "{CARD}"}}'.encode())
    caplog.set_level(logging.DEBUG)

    with pytest.raises(BotUnavailable):
        BotClient(rasa.url).send("chat-secret-sender", f"my card {CARD}")
    with pytest.raises(BotUnavailable):
        BotClient(closed_port_url()).send("chat-secret-sender", f"my card {CARD}")

    assert "chat bot unavailable: HTTP 500" in caplog.text
    assert CARD not in caplog.text
    assert "my card" not in caplog.text


def test_ignores_proxy_environment_variables(rasa: StubRasa,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Rasa is internal: an outbound proxy setting must not swallow its requests."""
    monkeypatch.setenv("HTTP_PROXY", closed_port_url())
    monkeypatch.setenv("http_proxy", closed_port_url())
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    assert BotClient(rasa.url).send("s", "hi") == [BotReply("You said: hi")]


def test_sender_is_required(rasa: StubRasa) -> None:
    with pytest.raises(ValueError):
        BotClient(rasa.url).send("", "hi")
    assert rasa.requests == []


def test_the_app_has_one_client_from_its_channel_settings() -> None:
    app = Flask(__name__)
    app.extensions["payline.channels"] = ChannelSettings.from_env(
        {"PAYLINE_RASA_URL": "http://rasa.internal:5005/", "PAYLINE_BOT_TIMEOUT": "4.5",
         "PAYLINE_RASA_ES_URL": "http://rasa-es.internal:5006/"})

    client = bot_client_for(app)

    assert client is bot_client_for(app)
    assert client.webhook_url() == "http://rasa.internal:5005/webhooks/rest/webhook"
    assert client.webhook_url("es") == "http://rasa-es.internal:5006/webhooks/rest/webhook"
    assert client.timeout == 4.5


def test_the_spanish_instance_defaults_to_port_5006() -> None:
    assert ChannelSettings.from_env({}).rasa_urls == {"en": "http://localhost:5005",
                                                      "es": "http://localhost:5006"}


def test_each_language_goes_to_its_own_model_and_the_actions_are_told_it() -> None:
    english = StubRasa(lambda body: [{"text": "hi"}])
    spanish = StubRasa(lambda body: [{"text": "hola"}])
    with english, spanish:
        client = BotClient({"en": english.url, "es": spanish.url})
        assert client.send("s1", "hola", {"channel": "chat"}, language="es")[0].text == "hola"
        assert client.send("s1", "hello", {"channel": "chat"})[0].text == "hi"
    assert [r["message"] for r in spanish.requests] == ["hola"]
    assert spanish.requests[0]["metadata"] == {"channel": "chat", "language": "es",
                                           "language_from_resident": False}
    assert english.requests[0]["metadata"] == {"channel": "chat", "language": "en",
                                           "language_from_resident": False}


def test_bot_timeout_defaults_to_ten_seconds() -> None:
    assert ChannelSettings.from_env({}).bot_timeout_seconds == 10.0
