"""GET /chat: the web chat page; POST /chat/api/*: its proxy to the Rasa bot.

The browser never talks to Rasa. This blueprint is the bot's only web client, so:
- the conversation id (Rasa's sender) is a random id kept in the signed session cookie: the
  browser cannot choose it, nor join another resident's conversation;
- a Luhn-valid card number typed into the chat is redacted before it reaches Rasa (and so its
  tracker store) and the resident is warned; nothing here logs what residents type;
- text starting with "/" (Rasa's intent-injection syntax, "/inform{...}") is neutralized; only
  the payload of a button the bot itself just offered in this conversation goes to Rasa
  verbatim (the session remembers those payloads), so buttons keep their exact intents;
- messages are capped at MAX_MESSAGE_CHARS and requests at MAX_BODY_BYTES;
- every API call carries a CSRF token tied to the session (X-CSRF-Token header), and every
  failure is a polite JSON answer, never a stack trace.

Rasa's session expiry (15 minutes, no slots carried over) forgets a verified account; "Start
over" also tells Rasa to restart the old conversation, as a trusted command from this proxy.

Language: the page and the bot speak the resident's language (ivr/chat/wording.py; the bot's
model is chosen per message, ivr/bot/client.py). It starts from the page's `?lang=` or the
browser's preferred language, follows what the resident writes ("quiero pagar mi factura"
switches to Spanish) until they choose one outright ("english please", "en español"), and is
kept in the session: the conversation (and its verification) carries on in the other model.
Verification moves it to the account's language on file unless the resident chose one or
writes in one.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, session
from werkzeug.exceptions import RequestEntityTooLarge

from conversation.understanding.language import (
    asks_only_for_language,
    detect_language,
    requested_language,
)
from domain.cards import REDACTION, redact_card_numbers
from ivr.bot.client import BotReply, BotUnavailable, bot_client_for
from ivr.bot.text import clean_line, has_words, neutralize
from ivr.chat import wording
from ivr.web.json_body import load_json
from ivr.web.pages import csrf_matches, csrf_token, page_context

chat_page = Blueprint("chat_page", __name__, static_folder="static",
                      template_folder="templates", static_url_path="/chat/static")
log = logging.getLogger(__name__)

SENDER_KEY = "chat_sender"
CSRF_KEY = "chat_csrf"
BUTTONS_KEY = "chat_buttons"
LANGUAGE_KEY = "chat_language"
CHOSEN_KEY = "chat_language_chosen"  # the resident asked for it: what they write won't change it
WRITTEN_KEY = "chat_language_written"  # they wrote in it: the language on file won't replace it
CSRF_HEADER = "X-CSRF-Token"
METADATA = {"channel": "chat"}

MAX_MESSAGE_CHARS = 1000
MAX_BODY_BYTES = 16 * 1024  # JSON escapes can take 12 bytes per character
# Button payloads remembered for the next turn (they live in the session cookie).
MAX_BUTTONS = 12
MAX_PAYLOAD_CHARS = 200
RESTART_TIMEOUT = 2.0  # "Start over" must not hang on a slow bot

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; connect-src 'self'; "
                                "style-src 'self'; img-src 'self'; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
}


@chat_page.get("/chat")
def show_chat() -> Any:
    _sender()  # a conversation of this browser session, kept across reloads
    asked = request.args.get("lang")
    if asked in wording.LANGUAGES:  # the page's language link is an explicit choice
        _set_language(asked, chosen=True)
    language = _language()
    session[LANGUAGE_KEY] = language  # the browser's, until the resident says otherwise
    return render_template("chat.html", **_page_context(), greeting=_greeting(language),
                           csrf_token=_csrf_token(), csrf_header=CSRF_HEADER,
                           max_chars=MAX_MESSAGE_CHARS, language=language,
                           words=wording.labels(language), script_keys=wording.SCRIPT_KEYS,
                           other_language="en" if language == "es" else "es")


@chat_page.post("/chat/api/messages")
def post_message() -> Any:
    say = _words()
    if not _csrf_ok():
        return _answer([_notice(say("expired"))], 403, error="csrf")
    if request.mimetype != "application/json":
        return _answer([_notice(say("bad_request"))], 400, error="content_type")
    request.max_content_length = MAX_BODY_BYTES
    try:
        # Not get_json: deeply nested JSON raises RecursionError there (ivr/web/json_body.py).
        body = load_json(request.get_data())
    except RequestEntityTooLarge:
        return _answer([_notice(say("too_long", max_chars=MAX_MESSAGE_CHARS))], 413,
                       error="too_large")
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return _answer([_notice(say("bad_request"))], 400, error="malformed")

    payload = body.get("payload")
    trusted = isinstance(payload, str) and payload in _offered_payloads()
    # Card numbers go first: nothing below, Rasa or a log may see one.
    text, redacted = redact_card_numbers(
        payload if isinstance(payload, str) and trusted else body["message"])
    text = clean_line(text)
    if not trusted:
        _follow_language(text.replace(REDACTION, " "))
        say = _words()
    notices = [_notice(say("card_warning"), kind="warning")] if redacted else []
    you_said = text if redacted else None

    if not trusted:
        if len(text) > MAX_MESSAGE_CHARS:
            return _answer([*notices, _notice(say("too_long", max_chars=MAX_MESSAGE_CHARS))],
                           you_said=you_said)
        text = neutralize(text)
        if not text:
            return _answer([*notices, _notice(say("empty"))], you_said=you_said)
        if asks_only_for_language(text):  # "en español por favor": said by the page
            return _answer([*notices, _notice(say("language_set"), kind="bot")],
                           you_said=you_said)
        if not has_words(text):
            return _answer([*notices, _notice(say("no_words"))], you_said=you_said)

    language = _language()
    try:
        replies = bot_client_for(current_app).send(
            _sender(), text, METADATA, language=language,
            language_from_resident=_language_from_resident())
    except BotUnavailable:
        return _answer([*notices, _notice(_unavailable_text(language))], 503,
                       error="bot_unavailable", you_said=you_said)
    _set_language(replies.language_to_speak(  # the account's language on file, if it moved
        language, from_resident=_language_from_resident()), chosen=False)
    _remember_buttons(replies)
    messages = [_bot_message(reply) for reply in replies] or [_notice(say("no_answer"))]
    return _answer([*notices, *messages], you_said=you_said)


@chat_page.post("/chat/api/restart")
def restart() -> Any:
    language = _language()
    if not _csrf_ok():
        return _answer([_notice(wording.text(language, "expired"))], 403, error="csrf")
    old = session.get(SENDER_KEY)
    if isinstance(old, str) and old:
        try:  # trusted: the proxy's own command, never the browser's text
            bot_client_for(current_app).send(old, "/restart", METADATA, language=language,
                                             timeout=RESTART_TIMEOUT)
        except BotUnavailable:
            pass  # Rasa's session expiry forgets the old conversation anyway
    session[SENDER_KEY] = _new_sender()
    session.pop(BUTTONS_KEY, None)
    return _answer([_notice(_greeting(language), kind="bot")])


@chat_page.after_request
def _protect(response: Response) -> Response:
    if request.endpoint != "chat_page.static":  # the script and stylesheet may be cached
        response.headers.update(SECURITY_HEADERS)
    return response


# --- helpers ---------------------------------------------------------------------------


def _answer(messages: list[dict[str, Any]], status: int = 200, *, error: str | None = None,
            you_said: str | None = None) -> tuple[Response, int]:
    """The JSON answer: messages to show; `you_said`, when set, replaces the resident's own
    message in the log (it held a card number); `error` names a failure for the script."""
    language = _language()
    body: dict[str, Any] = {"messages": messages, "language": language,
                            "labels": {key: wording.text(language, key)
                                       for key in wording.SCRIPT_KEYS}}
    if you_said is not None:
        body["you_said"] = you_said
    if error is not None:
        body["error"] = error
    return jsonify(body), status


def _notice(text: str, kind: str = "notice") -> dict[str, Any]:
    """A message from the page itself (not the bot): hints, warnings, outages."""
    return {"text": text, "buttons": [], "kind": kind}


def _bot_message(reply: BotReply) -> dict[str, Any]:
    return {"text": reply.text, "kind": "bot",
            "buttons": [{"title": b.title, "payload": b.payload} for b in reply.buttons]}


def _remember_buttons(replies: list[BotReply]) -> None:
    """The payloads the bot just offered: the only text that reaches Rasa unneutralized."""
    payloads = [b.payload for reply in replies for b in reply.buttons
                if len(b.payload) <= MAX_PAYLOAD_CHARS][:MAX_BUTTONS]
    if payloads:
        session[BUTTONS_KEY] = payloads
    else:
        session.pop(BUTTONS_KEY, None)


def _offered_payloads() -> list[str]:
    payloads = session.get(BUTTONS_KEY)
    return [p for p in payloads if isinstance(p, str)] if isinstance(payloads, list) else []


def _new_sender() -> str:
    return f"chat-{secrets.token_urlsafe(18)}"


def _sender() -> str:
    sender = session.get(SENDER_KEY)
    if not isinstance(sender, str) or not sender:
        sender = _new_sender()
        session[SENDER_KEY] = sender
    return sender


def _language() -> str:
    """The conversation's language: the session's, else the browser's preferred one."""
    language = session.get(LANGUAGE_KEY)
    if language in wording.LANGUAGES:
        return str(language)
    return request.accept_languages.best_match(wording.LANGUAGES) or "en"


def _set_language(language: str, *, chosen: bool) -> None:
    session[LANGUAGE_KEY] = language
    if chosen:
        session[CHOSEN_KEY] = True


def _follow_language(text: str) -> None:
    """A language asked for outright is kept; otherwise, until one was, the language of
    what the resident writes (a message that cannot tell, like "ok" or digits, changes
    nothing)."""
    asked = requested_language(text)
    if asked is not None:
        _set_language(asked, chosen=True)
    elif not session.get(CHOSEN_KEY):
        written = detect_language(text)
        if written is not None:
            _set_language(written, chosen=False)
            session[WRITTEN_KEY] = True


def _language_from_resident() -> bool:
    """The resident chose the conversation's language or wrote in it (so verification keeps
    it rather than moving to the account's language on file)."""
    return bool(session.get(CHOSEN_KEY) or session.get(WRITTEN_KEY))


def _words() -> Any:
    language = _language()
    return lambda key, **values: wording.text(language, key, **values)


def _greeting(language: str) -> str:
    city = current_app.extensions["payline"].settings.city_name
    return wording.text(language, "greeting", city=city)


def _unavailable_text(language: str) -> str:
    return wording.text(language, "unavailable", phone=_page_context()["phone_311_display"])


def _page_context() -> dict[str, str]:
    return page_context(current_app.extensions["payline"].settings)


def _csrf_token() -> str:
    return csrf_token(CSRF_KEY)


def _csrf_ok() -> bool:
    return csrf_matches(CSRF_KEY, request.headers.get(CSRF_HEADER))
