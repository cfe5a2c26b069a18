"""What an action needs to know about the conversation, read from the rasa-sdk Tracker:
who is talking (channel, session, phone for SMS), in which language, what they just said,
and which account this conversation has verified.

Verification: on SMS it is the thread's (conversation.state, keyed ("sms", +1...), the state
the keyword path reads and writes too), so a resident verified by texting BAL is verified
here, and one verified here can reply PAY / YES; the `verified_account_id` slot is only a
copy. In the web chat the slot is the verification: Rasa's tracker is already one state per
chat conversation and no other path answers it."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from rasa_sdk import Tracker

from chatbot.actions.services import container
from chatbot.wording import Words
from conversation.state import ConversationKey, verified_account
from conversation.understanding import consent, farewell
from conversation.understanding.leaving import is_stop_word, wants_to_leave
from conversation.wording import language_of
from domain.model import Actor, Channel
from domain.phone import normalize_phone
from domain.services.identity import Requester

# How sure the NLU must be before a task intent in the middle of a form is taken as
# "the resident wants to do something else" rather than as an answer.
SWITCH_CONFIDENCE = 0.7
# An answer to the FAQ's ResponseSelector counts when it is at least this sure (a question
# asked at a confirmation whose intent the NLU put elsewhere, e.g. "is there a fee?").
FAQ_CONFIDENCE = 0.8
# Set by verification when it moves the conversation to the account's language on file.
REPLY_LANGUAGE = "reply_language"
_PUNCTUATION = re.compile(r"[^\w\s@.$/-]+", re.UNICODE)


class Turn:
    """One user turn, as the actions see it."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        message: dict[str, Any] = tracker.latest_message or {}
        self.text: str = (message.get("text") or "").strip()
        intent = message.get("intent") or {}
        self.intent: str = intent.get("name") or ""
        self.confidence: float = float(intent.get("confidence") or 0.0)
        self.entities: list[dict[str, Any]] = list(message.get("entities") or [])
        self.metadata: dict[str, Any] = dict(message.get("metadata") or {})
        self.message_id: str = str(message.get("message_id") or "")
        self._switched_language: str | None = None

    # --- what was said ---------------------------------------------------------------
    @property
    def words(self) -> str:
        """Lowercase text without punctuation, for keyword checks."""
        return " ".join(_PUNCTUATION.sub(" ", self.text.lower()).split())

    def entity(self, name: str) -> str | None:
        for entity in self.entities:
            if entity.get("entity") == name and entity.get("value") not in (None, ""):
                return str(entity["value"])
        return None

    @property
    def wants_to_stop(self) -> bool:
        """The resident leaves the task: a bare "stop"/"cancel", or words that cannot be an
        answer anywhere in the message ("actually never mind, i'll do it later")."""
        return is_stop_word(self.text) or wants_to_leave(self.text)

    def consent(self) -> consent.Consent:
        """A clear yes, a clear no, or neither (conversation/understanding/consent.py: one rule
        for every channel)."""
        return consent.decide(self.text, self.intent, self.confidence,
                              button=self.is_button_payload)

    def yes_or_no(self) -> bool | None:
        """True for a clear yes, False for a clear no, None for anything else (a question, a
        correction, an unsure NLU): money moves and accounts change only on True."""
        return {consent.Consent.YES: True, consent.Consent.NO: False}.get(self.consent())

    @property
    def is_question(self) -> bool:
        return consent.is_question(self.text)

    @property
    def says_goodbye(self) -> bool:
        """The resident takes leave: farewell words whatever the NLU made of them ("thanks,
        bye" is heard as a thank-you), or the goodbye intent unless it is a question (the
        NLU hears "can I change it later?" as goodbye)."""
        return farewell.says_goodbye(self.text) or (self.intent == "goodbye"
                                                    and not self.is_question)

    @property
    def is_button_payload(self) -> bool:
        """Whether the message is the payload of a button the bot offered in its last turn
        (the web chat sends the payload, SMS maps "1", "2" ... to it)."""
        return bool(self.text) and self.text in self._offered_payloads()

    def _offered_payloads(self) -> set[str]:
        payloads: set[str] = set()
        seen_latest_user = False
        for event in reversed(self.tracker.events or []):
            kind = event.get("event")
            if kind == "user":
                if seen_latest_user:
                    break
                seen_latest_user = True
            elif kind == "bot" and seen_latest_user:
                for button in (event.get("data") or {}).get("buttons") or []:
                    if isinstance(button, dict) and isinstance(button.get("payload"), str):
                        payloads.add(button["payload"])
        return payloads

    def faq_answer(self, min_confidence: float = 0.0) -> str | None:
        """The ResponseSelector's answer (when it is at least `min_confidence` sure)."""
        selector = (self.tracker.latest_message or {}).get("response_selector") or {}
        faq = selector.get("faq") or {}
        response = faq.get("response") or {}
        try:
            sure = float(response.get("confidence", 1.0)) >= min_confidence
        except (TypeError, ValueError):
            sure = False
        if not sure:
            return None
        for answer in response.get("responses") or []:
            if isinstance(answer, dict) and answer.get("text"):
                return str(answer["text"])
        return None

    # --- who is talking ----------------------------------------------------------------
    @property
    def language(self) -> str:
        """The language of this turn: "es" when the app sent the message with metadata
        language "es" (the conversation's language, chosen by the app), else "en"; from the
        moment verification switched it to the account's language on file (`switch_language`,
        in this action or an earlier one of this turn), that one."""
        switched = self._switched_language or self._language_switched_this_turn()
        if switched:
            return switched
        return "es" if language_of(str(self.metadata.get("language") or "")) == "es" else "en"

    @property
    def language_from_resident(self) -> bool:
        """The resident asked for this language ("english please", the page's language
        link) or writes in it: the account's language on file does not replace it."""
        return self.metadata.get("language_from_resident") is True

    def switch_language(self, language: str) -> None:
        """The rest of this turn answers in `language`; the action also sets the
        REPLY_LANGUAGE slot, so the turn's next actions do too."""
        self._switched_language = language_of(language)

    def _language_switched_this_turn(self) -> str | None:
        for event in reversed(self.tracker.events or []):
            if event.get("event") == "user":
                return None
            if event.get("event") == "slot" and event.get("name") == REPLY_LANGUAGE \
                    and event.get("value"):
                return language_of(str(event["value"]))
        return None

    @property
    def wording(self) -> Words:
        """The chat catalogue of this turn's language (chatbot/wording)."""
        return Words(self.language)

    @property
    def channel(self) -> Channel:
        return Channel.SMS if self.metadata.get("channel") == "sms" else Channel.CHAT

    @property
    def phone(self) -> str | None:
        """The sender's number on SMS (set by the app's SMS webhook), else None."""
        if self.channel != Channel.SMS:
            return None
        try:
            return normalize_phone(str(self.metadata.get("phone") or ""))
        except Exception:  # a malformed number is just no hint
            return None

    @property
    def thread(self) -> ConversationKey | None:
        """The SMS thread this turn belongs to, keyed by the resident's number as the
        keyword path keys it; None in the web chat. The number comes from the metadata our
        SMS webhook sets (Rasa listens on loopback behind a token: no browser sets it); the
        sender id is an HMAC of it that does not spell it out."""
        phone = self.phone
        return ConversationKey.sms(phone) if phone else None

    @property
    def session_key(self) -> str:
        """A stable, bounded id of this conversation for throttling and audit: on SMS the
        thread's ("sms:+13125550101"), the same the keyword path records."""
        thread = self.thread
        if thread is not None:
            return thread.session_key
        sender = self.tracker.sender_id or "anonymous"
        if len(sender) <= 48:
            return f"{self.channel.value}:{sender}"
        return f"{self.channel.value}:{hashlib.sha256(sender.encode()).hexdigest()[:40]}"

    def requester(self) -> Requester:
        return Requester(channel=self.channel, session_key=self.session_key, caller=self.phone)

    def actor(self) -> Actor:
        return Actor.resident(self.channel, self.session_key)

    # --- the conversation's state --------------------------------------------------------
    def slot(self, name: str) -> Any:
        return self.tracker.get_slot(name)

    @property
    def requested_slot(self) -> str | None:
        return self.tracker.get_slot("requested_slot")

    def asked_before(self, slot: str) -> bool:
        """Whether this form had already asked `slot` when the resident's latest message came
        in: the question is then asked again, shorter (no hint or warning the first one had)."""
        seen_latest_user = False
        for event in reversed(self.tracker.events or []):
            kind = event.get("event")
            if kind == "user":
                seen_latest_user = True
            elif seen_latest_user and kind == "slot" and event.get("name") == "requested_slot":
                if event.get("value") == slot:
                    return True
                if event.get("value") is None:
                    return False  # an earlier form ended here
        return False

    @property
    def account_id(self) -> int | None:
        """The verified account: the SMS thread's verification, else the chat's slot."""
        thread = self.thread
        if thread is not None:
            return verified_account(container().conversations(), thread)
        return slot_account_id(self.tracker.get_slot("verified_account_id"))

    def idempotency_key(self, task: str) -> str:
        """One key per confirming message: a redelivered action call replays, a new "yes"
        in a new form is a new request."""
        seed = f"{self.tracker.sender_id}|{task}|{self.message_id or self._last_user_timestamp()}"
        return f"chat-{hashlib.sha256(seed.encode()).hexdigest()[:40]}"

    def _last_user_timestamp(self) -> str:
        for event in reversed(self.tracker.events or []):
            if event.get("event") == "user":
                return str(event.get("timestamp"))
        return ""


def account_label(account_number: str) -> str:
    """The `account_label` slot of a verified account ("the account ending 0731"); replies
    say it in the turn's language (Words.account reads its last 4 digits)."""
    return Words("en").say("account", last4=account_number[-4:])


def slot_account_id(value: Any) -> int | None:
    """The `verified_account_id` slot's value as an id (Rasa keeps it as text)."""
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
