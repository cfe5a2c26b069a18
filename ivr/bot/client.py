"""A client for the Rasa bot's REST channel, shared by the web chat page and SMS.

Each language has its own model, served by its own Rasa instance (Rasa 3.6 takes one language
per model): `send(..., language=)` posts to that language's instance and tells the actions the
language in the metadata. Both instances share one tracker store, so a conversation that
switches language keeps what it had (who is verified, the task in progress).

`POST {rasa_url}/webhooks/rest/webhook` with {"sender", "message", "metadata"} answers a JSON
list of bot messages, each {"recipient_id", "text"} with optional "buttons" ([{"title",
"payload"}]) or "image". `BotClient.send` returns them as `BotReply` values, or raises
`BotUnavailable` for anything else: the server down or slow, an HTTP error, a body that is not
such a list. The channel then answers the resident politely on its own.

Language on file: the channel says in the metadata whether the language is the resident's own
(`language_from_resident`: chosen outright, or the one they write in). When it is not, and
verification finds another language on file, the bot answers in that one from then on and
says so with a message {"custom": {"language": "es"}}: `BotReplies.language`, which the
channel keeps as the conversation's language (until the resident writes in another one).

The client does no redaction: callers redact card numbers before `send` (the text goes to
Rasa's tracker store). What residents type can hold digits, so neither the text nor the
bot's answer is ever logged here; a failure is logged by its kind only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import requests

from conversation.understanding.language import LANGUAGES

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/rest/webhook"
DEFAULT_LANGUAGE = "en"
DEFAULT_TIMEOUT = 10.0


class Button(NamedTuple):
    title: str
    payload: str


@dataclass(frozen=True)
class BotReply:
    """One bot message: its text (may be empty when it only carries buttons) and buttons."""

    text: str
    buttons: tuple[Button, ...] = ()


class BotReplies(list[BotReply]):
    """The bot's replies, and the language it moved the conversation to (the verified
    account's language on file), if it did."""

    def __init__(self, replies: list[BotReply] | None = None,
                 language: str | None = None) -> None:
        super().__init__(replies or [])
        self.language = language

    def language_to_speak(self, current: str, *, from_resident: bool) -> str:
        """The conversation's language after these replies: the resident's own (chosen
        outright, or the one they write in) stays; otherwise the bot's move, if it made one."""
        return current if from_resident or not self.language else self.language


class BotUnavailable(Exception):
    """The bot did not answer usably. `kind` says how (never what was said)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class BotClient:
    """Thread-safe: one per app (it keeps a keep-alive connection pool)."""

    def __init__(self, rasa_urls: str | Mapping[str, str],
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        """`rasa_urls`: each language's Rasa instance ({"en": ..., "es": ...}); one URL
        serves every language (a test stub)."""
        urls = ({DEFAULT_LANGUAGE: rasa_urls} if isinstance(rasa_urls, str)
                else dict(rasa_urls))
        if DEFAULT_LANGUAGE not in urls:
            raise ValueError("the English Rasa instance is required")
        self._webhooks = {language: f"{url.rstrip('/')}{WEBHOOK_PATH}"
                          for language, url in urls.items()}
        self.timeout = timeout
        self._http = requests.Session()
        # Rasa is an internal service: never route it through an outbound HTTP proxy.
        self._http.trust_env = False

    def webhook_url(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The REST channel of the language's instance (English for a language without one)."""
        return self._webhooks.get(language) or self._webhooks[DEFAULT_LANGUAGE]

    def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None, *,
             language: str = DEFAULT_LANGUAGE, language_from_resident: bool = False,
             timeout: float | None = None) -> BotReplies:
        """The bot's answer to `text` in the conversation `sender` (Rasa's sender id), from
        the model of `language`.

        `metadata` reaches the bot's actions (e.g. {"channel": "sms"}), with the language
        and `language_from_resident` (they chose it or write in it: the account's language
        on file does not replace it) added; `timeout` overrides the client's for this one call.
        """
        if not isinstance(sender, str) or not sender:
            raise ValueError("sender must be a non-empty string")
        body: dict[str, Any] = {"sender": sender, "message": text,
                                "metadata": {**(metadata or {}), "language": language,
                                             "language_from_resident": language_from_resident}}
        try:
            response = self._http.post(self.webhook_url(language), json=body,
                                       timeout=self.timeout if timeout is None else timeout)
        except requests.Timeout as exc:
            raise self._unavailable("timeout") from exc
        except requests.RequestException as exc:  # refused, reset, DNS, bad URL, ...
            raise self._unavailable(f"connection failed ({type(exc).__name__})") from exc
        if not 200 <= response.status_code < 300:
            raise self._unavailable(f"HTTP {response.status_code}")
        try:
            return parse_replies(response.json())
        except ValueError as exc:  # not JSON, or JSON that is not a list of messages
            raise self._unavailable("response is not a list of bot messages") from exc

    def close(self) -> None:
        self._http.close()

    @staticmethod
    def _unavailable(kind: str) -> BotUnavailable:
        log.warning("chat bot unavailable: %s", kind)
        return BotUnavailable(kind)


def parse_replies(body: Any) -> BotReplies:
    """Rasa REST's answer as replies; ValueError when it is not a list of bot messages.

    A `custom` {"language": ...} message names the language the bot moved to; other messages
    with neither text nor buttons are skipped; an image is passed on as its URL.
    """
    if not isinstance(body, list):
        raise ValueError("not a list")
    replies = BotReplies()
    for message in body:
        if not isinstance(message, dict):
            raise ValueError("message is not an object")
        custom = message.get("custom")
        if isinstance(custom, dict) and custom.get("language") in LANGUAGES:
            replies.language = str(custom["language"])
        text = message.get("text")
        if text is None:
            text = message.get("image") or ""
        if not isinstance(text, str):
            raise ValueError("text is not a string")
        buttons = _buttons(message.get("buttons"))
        if text.strip() or buttons:
            replies.append(BotReply(text=text, buttons=buttons))
    return replies


def _buttons(raw: Any) -> tuple[Button, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValueError("buttons is not a list")
    buttons = []
    for button in raw:
        if not isinstance(button, dict):
            raise ValueError("button is not an object")
        title, payload = button.get("title"), button.get("payload")
        if not isinstance(title, str) or not title.strip():
            raise ValueError("button without a title")
        if payload is None or payload == "":
            payload = title
        if not isinstance(payload, str):
            raise ValueError("button payload is not a string")
        buttons.append(Button(title=title, payload=payload))
    return tuple(buttons)


EXTENSION_KEY = "payline.bot"


def bot_client_for(app: Flask) -> BotClient:
    """The app's one bot client (channels share its connection pool)."""
    client = app.extensions.get(EXTENSION_KEY)
    if client is None:
        channels = app.extensions["payline.channels"]
        client = app.extensions.setdefault(
            EXTENSION_KEY, BotClient(channels.rasa_urls, channels.bot_timeout_seconds))
    return client  # type: ignore[no-any-return]
