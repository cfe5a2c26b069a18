"""Greeting, language choice, main menu, the "having trouble" offer, and after a transfer."""

from __future__ import annotations

import unicodedata

from conversation.tasks import Task
from ivr.voice.flow import (
    RESULT,
    Ask,
    End,
    Heard,
    Outcome,
    Step,
    Transfer,
    Turn,
    ask,
    goto,
    register,
    retry,
)
from ivr.voice.speech import Line, Telephone

GREETING = "greeting"  # answered directly: silence or any key other than 2 means English
OFFER = "offer"  # answered directly: 0 transfers, anything else (or silence) ends the call

# Main-menu keys, what each is for (recorded for a handoff), and where it leads.
MENU_CHOICES = {
    "1": (Task.BALANCE, "balance"),
    "2": (Task.PAY_NOW, "pay_amount"),
    "3": (Task.SCHEDULE, "schedule_amount"),
    "4": (Task.REVIEW_SCHEDULED, "review"),
    "5": (Task.PAPERLESS, "paperless"),
}
INTENT_KEYS = {
    "check_balance": "1",
    "pay_bill": "2",
    "schedule_payment": "3",
    "cancel_scheduled_payment": "4",
    "payment_status": "4",
    "enroll_paperless": "5",
    "unenroll_paperless": "5",
}


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


@register
class Language(Step):
    name = "language"
    kind = GREETING
    back = None
    needs_account = False

    def ask(self, turn: Turn) -> Ask:
        return ask(Line.of("language_choice"), timeout=4)

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        spanish = heard.digits == "2" or any(word in _folded(heard.speech)
                                             for word in ("espanol", "spanish"))
        turn.state.language = "es" if spanish else "en"
        return goto("menu", Line.of("menu_hint"))


@register
class MainMenu(Step):
    name = "menu"
    back = None
    needs_account = False

    def ask(self, turn: Turn) -> Ask:
        return ask(Line.of("main_menu"), timeout=7)

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        key = heard.digits or INTENT_KEYS.get(heard.intent or "", "")
        if heard.intent == "goodbye":
            return End((Line.of("goodbye", city=turn.city),))
        if key not in MENU_CHOICES:
            return retry(Line.of("not_understood"))
        task, target = MENU_CHOICES[key]
        turn.call.task = task
        return goto(target)


@register
class OfferAgent(Step):
    """After repeated trouble: one chance to reach 311, else a polite goodbye."""

    name = "offer_agent"
    kind = OFFER
    back = None
    needs_account = False

    def ask(self, turn: Turn) -> Ask:
        return ask(Line.of("offer_agent"), timeout=5)

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        if heard.digits.startswith("0") or heard.intent == "request_agent" or \
                (heard.speech and turn.nlu and
                 turn.nlu.classify(heard.speech, turn.language) == "request_agent"):
            return Transfer(turn.call.trouble or "invalid_input")
        return End()


@register
class AfterDial(Step):
    """Twilio comes back here when the 311 leg ends (or was never answered)."""

    name = "after_dial"
    kind = RESULT
    back = None
    needs_account = False

    def ask(self, turn: Turn) -> Outcome:
        return End()

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        if turn.params.get("DialCallStatus") == "completed":
            return End()
        phone = Telephone(turn.container.settings.phone_311)
        return End((Line.of("transfer_unavailable", phone=phone),))
