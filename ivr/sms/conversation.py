"""One inbound text, answered: carrier keywords first (an opt-out is never an intent), then
Payline's shortcuts (HELP, AGENT, BAL, PAY and the answer to a payment offer), then the Rasa
bot for everything else, and keyword mode when the bot is down (where "can I talk to a
person" still reaches 311 with a handoff).

The thread answers in its language (ConversationState.language): Spanish once the resident
writes a Spanish keyword (SALDO, PAGAR, AYUDA, SÍ, PARAR...), after verifying in the account
holder's language on file unless the resident chose one, and until "ENGLISH" or "ESPAÑOL"
switches it. While a payment offer waits, the answer is read by the consent rule
(conversation.understanding.consent): "yes please" and "sí por favor" pay, "yes?" and "sí pero
cuánto es" are asked again, "no gracias" declines, bot up or down.

The thread's state (conversation.state: verification, a question asked, an offer, the bot's
numbered choices) is stored under ("sms", the sender's number), so any web worker can answer
any text, and it is the bot's too: the bot's actions read and write the same verification
(chatbot/actions/conversation.py), so the thread is verified once, whichever path answers.
Card numbers are removed before anything reads the text, and the text is never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from datetime import datetime

from conversation.state import ConversationKey, ConversationState, ConversationStore
from conversation.understanding.carrier_keywords import Keyword, KeywordMatch, read_keyword
from conversation.understanding.consent import Consent, decide
from conversation.understanding.farewell import says_goodbye
from conversation.understanding.keywords import keyword_intent
from conversation.understanding.language import (
    asks_only_for_language,
    detect_language,
    requested_language,
)
from domain.cards import REDACTION, redact_card_numbers
from domain.phone import mask_phone
from ivr.bootstrap import Container
from ivr.bot.client import BotClient, BotUnavailable
from ivr.bot.text import clean_line, has_words, neutralize
from ivr.sms.formatting import bot_texts, choices_of, split_for_sms
from ivr.sms.text_to_pay import TextToPay
from ivr.sms.texts import Program
from ivr.sms.wording import Words

log = logging.getLogger(__name__)

CHANNEL = "sms"
MAX_TEXT_CHARS = 1000  # what the bot reads; Twilio delivers up to 1,600
_OFFER_ANSWERS = {Keyword.YES: "yes", Keyword.NO: "no", Keyword.LINK: "link"}
_CONSENT_ANSWERS = {Consent.YES: "yes", Consent.NO: "no"}
_FIRST_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Twilio's Advanced Opt-Out names the keyword class it matched (e.g. "STOP" for "stop please").
_TWILIO_OPT_OUT_TYPES = {"STOP": Keyword.OPT_OUT, "START": Keyword.OPT_IN, "HELP": Keyword.HELP}
_SOURCE_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


@dataclass(frozen=True)
class Inbound:
    message_sid: str
    phone: str  # E.164
    body: str
    media_count: int = 0
    opt_out_type: str = ""


@dataclass
class SmsConversation:
    container: Container
    bot: BotClient
    program: Program
    public_url: str
    secret: str  # derives the bot's conversation id from the number
    now: datetime
    # The thread's language as far as this text got (a failure is said in it too).
    language: str = "en"

    def reply(self, inbound: Inbound) -> list[str]:
        """The texts to send back (SMS-sized); [] means send nothing."""
        text, redacted = redact_card_numbers(inbound.body)  # first: nothing below sees a card
        text = clean_line(text)
        match = read_keyword(text)
        keyword = match.keyword if match else None
        # The keyword itself is the record's source, never the rest of what was texted.
        source = _SOURCE_EDGES.sub("", text).upper() if keyword else "twilio-opt-out-type"
        keyword = _TWILIO_OPT_OUT_TYPES.get(inbound.opt_out_type.upper()) or keyword
        self.language = language = self._thread_language(inbound.phone, match, text)
        consent = self.container.sms_consent()
        if keyword == Keyword.OPT_OUT:
            consent.opt_out(inbound.phone, self.now, source=source)
            log.info("sms opt-out recorded for %s", mask_phone(inbound.phone))
            return [self.program.opted_out(language)]
        if consent.is_opted_out(inbound.phone):
            if keyword == Keyword.OPT_IN or (match is not None and match.opts_in):
                consent.opt_in(inbound.phone, self.now, source=source)
                log.info("sms opt-in recorded for %s", mask_phone(inbound.phone))
                return [self.program.opted_in(language)]
            if keyword == Keyword.HELP:  # carriers require HELP to answer, even then
                return [self.program.help(language)]
            return []  # never text a number that opted out
        if keyword == Keyword.OPT_IN:
            return [self.program.opted_in(language)]

        words = Words.of(language)
        answers = [words.say("card_warning")] if redacted else []
        answers += self._answer(inbound, text, keyword, redacted)
        return split_for_sms(answers)

    def _thread_language(self, phone: str, match: KeywordMatch | None, text: str) -> str:
        """The thread's language, after this text: a Spanish keyword, ENGLISH / ESPAÑOL or
        "in english please" is the resident's choice, kept in the thread's state (also for an
        opt-out: the START that follows is answered in it). Until there is such a choice, the
        language of what the resident writes ("quiero pagar mi factura") is followed; a text
        that cannot tell ("ok", digits) changes nothing."""
        store = self.container.conversations()
        key = ConversationKey.sms(phone)
        session = store.load(key)
        chosen = match.language if match is not None else requested_language(text)
        written = None if chosen is not None or match is not None else detect_language(text)
        current = session.language if session is not None else "en"
        if chosen is not None:
            if session is not None and current == chosen and session.language_chosen:
                return current
        elif written is None or (session is not None and (
                session.language_chosen or (written == current and session.language_written))):
            return current
        session = session or store.start(ConversationState.new(key, self.now, caller=phone))
        session.language = chosen or written or current
        session.language_chosen = session.language_chosen or chosen is not None
        session.language_written = session.language_written or written is not None
        if not store.save(session):
            _changed_concurrently(phone)
        return session.language

    # --- the thread ------------------------------------------------------------------------
    def _answer(self, inbound: Inbound, text: str, keyword: Keyword | None,
                redacted: bool) -> list[str]:
        words = Words.of(self.language)
        if keyword == Keyword.HELP:
            return [self.program.help(self.language)]
        if not text:
            if redacted:
                return []
            return [words.say("media_only" if inbound.media_count else "empty")]
        if len(text) > MAX_TEXT_CHARS:
            return [words.say("too_long")]
        if not has_words(text.replace(REDACTION, "")):
            return [] if redacted else [words.say("no_words")]

        store = self.container.conversations()
        key = ConversationKey.sms(inbound.phone)
        session = store.load(key) or store.start(ConversationState.new(
            key, self.now, caller=inbound.phone))
        tasks = TextToPay(self.container, session, self.program, self.public_url, self.now,
                          inbound.message_sid)
        tasks.forget_if_idle()
        choices, session.choices = session.choices, ()
        answers = self._dispatch(tasks, text, keyword, list(choices))
        session = tasks.session  # the bot may have changed it (a verification): re-read
        self.language = session.language
        session.updated_at = self.now
        session.turn += 1
        if not store.save(session):
            _changed_concurrently(inbound.phone)
        return answers

    def _dispatch(self, tasks: TextToPay, text: str, keyword: Keyword | None,
                  choices: list[str] | None) -> list[str]:
        if keyword == Keyword.LANGUAGE or asks_only_for_language(text):
            return tasks.language_changed()  # already switched: say so, and what is waiting
        if keyword == Keyword.AGENT:  # before the identity question, which it would drop
            return tasks.hand_off()
        if keyword == Keyword.BALANCE:
            return tasks.start("balance")
        if keyword == Keyword.PAY:
            return tasks.start("pay")
        if tasks.has_offer:
            reply = _offer_reply(text, keyword)
            if reply is not None:
                return tasks.answer_offer(reply, text)
        if says_goodbye(text):  # ends this thread's verification too, not only the bot's
            return self._ask_bot(tasks, text, keyword, fallback=tasks.end_thread())
        if tasks.has_offer:  # "yes but is there a fee": not a yes, and the offer is asked again
            reply = _opening_answer(text)
            if reply is not None:
                return tasks.answer_offer(reply, text)
        if tasks.awaiting_identity:
            answer = tasks.answer_identity(text)
            if answer is not None:
                return answer
        if choices and text.isdigit() and 1 <= int(text) <= len(choices):
            text = choices[int(text) - 1]  # a payload the bot itself offered
        return self._ask_bot(tasks, text, keyword)

    def _ask_bot(self, tasks: TextToPay, text: str, keyword: Keyword | None,
                 fallback: list[str] | None = None) -> list[str]:
        session = tasks.session
        said = Words.of(session.language)
        words = neutralize(text)
        if not words:
            return [said.say("no_words")]
        # The bot reads this thread's state (who is verified) and may write it (a resident
        # verifying in the bot, or taking leave): what this text changed so far is saved
        # first, and the state is read again after the bot answered.
        store = self.container.conversations()
        if not store.save(session):
            _changed_concurrently(tasks.phone)
        try:
            replies = self.bot.send(bot_sender(self.secret, tasks.phone), words,
                                    {"channel": CHANNEL, "phone": tasks.phone},
                                    language=session.language,
                                    language_from_resident=session.language_from_resident)
        except BotUnavailable:
            if fallback:
                return fallback
            if keyword in _OFFER_ANSWERS:
                return [said.say("nothing_pending")]
            # The bot would hand off; without it Payline does, rather than a dead end.
            if keyword_intent(text, session.language) == "request_agent":
                return tasks.hand_off()
            return [self.program.bot_unavailable(session.language)]
        tasks.session = session = _reloaded(store, session)
        session.language = replies.language_to_speak(  # the account's, on file
            session.language, from_resident=session.language_from_resident)
        choices = choices_of(replies)
        if choices:
            session.choices = tuple(payload for _, payload in choices)
        return bot_texts(replies, session.language) or [said.say("no_answer")]


def _offer_reply(text: str, keyword: Keyword | None) -> str | None:
    """What a text answers to the offer waiting on the thread: "yes", "no" or "link" for YES /
    SÍ / NO / LINK as the whole message, or for words the consent rule reads as a clear yes or
    no ("yes please", "sí por favor", "no gracias"); None for anything else."""
    if keyword in _OFFER_ANSWERS:
        return _OFFER_ANSWERS[keyword]
    return _CONSENT_ANSWERS.get(decide(text))


def _opening_answer(text: str) -> str | None:
    """"yes" or "no" for a text that opens with one but is not clear ("yes but is there a
    fee", "sí pero cuánto es"): TextToPay.answer_offer asks again, since only a clear yes
    pays."""
    first = _FIRST_WORD.search(text)
    opening = read_keyword(first.group()) if first else None
    if opening is not None and opening.keyword in (Keyword.YES, Keyword.NO):
        return _OFFER_ANSWERS[opening.keyword]
    return None


def bot_sender(secret: str, phone: str) -> str:
    """The bot's conversation id of a number's thread: stable, and it does not spell the
    number out (Rasa's tracker store and logs see it; the number travels in metadata)."""
    digest = hmac.new(secret.encode(), phone.encode(), hashlib.sha256).hexdigest()
    return f"sms-{digest[:32]}"


def _reloaded(store: ConversationStore, session: ConversationState) -> ConversationState:
    return store.load(session.key) or session


def _changed_concurrently(phone: str) -> None:
    # Another text of this thread was answered at the same moment; its state wins.
    # Money is safe either way: a payment's idempotency key is the offer's.
    log.warning("sms thread %s changed concurrently", mask_phone(phone))
