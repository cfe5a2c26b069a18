"""Running the chatbot's custom actions in-process, against a seeded demo city.

No Rasa and no action server: each test builds rasa-sdk Trackers by hand, runs an action with
a CollectingDispatcher and looks at the events it returns, what it said, and the database.

- `template_db` (session): one migrated, seeded sqlite file of the demo city at NOW.
- `city` (function): a private copy of it, wired into chatbot.actions.services, so every test
  starts from the seed (verification failures, locks and payments never leak between tests).
- `tracker(...)` builds a Tracker; `run(action, tracker)` runs an action.
- `Conversation` drives a form turn by turn the way Rasa would: it applies the SlotSet events
  each validation returns, so the next turn sees them.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from ruamel.yaml import YAML

from chatbot.actions import asks, services
from chatbot.actions.account_forms import (
    ValidateBalanceForm,
    ValidateCancelForm,
    ValidatePaperlessForm,
    ValidateStatusForm,
    ValidateUnenrollForm,
)
from chatbot.actions.finish import ActionFinishTask
from chatbot.actions.payment_forms import ValidatePayForm, ValidateScheduleForm
from conversation.state import ConversationKey, ConversationState, remember_verification
from domain.adapters.clock import FixedClock
from domain.adapters.database import upgrade
from domain.config import Settings
from ivr.bootstrap import Container, build_container
from ivr.sms.conversation import bot_sender
from sandbox.demo_city import DemoCity
from sandbox.demo_seed import seed_demo_city

CITY_TZ = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 23, 10, 30, tzinfo=CITY_TZ)  # as tests/e2e/voice_support.py
TODAY = NOW.date()

# The demo personas (sandbox/demo_city.py PERSONAS, docs/demo-identities.md).
DANA = "0104200731"  # past due $84.17 of $146.57; saved VISA 4242 (nickname "Visa"); 1234/4821
LUCIA = "2201458890"  # $58.23 due in 12 days; no saved method; street 507, SSN 3390
GRACE = "3300917254"  # paperless; $71.90 due; scheduled $71.90 from savings 4321; street 88
TOM = "0045129907"  # nothing due; street 2210
VICTOR = "5512093384"  # locked; street 45, SSN 6650
JORDAN = "200145"  # general billing: customer ID 200145 + bill 610025/610026; a pending payment
RIVERSIDE = "200146"  # general billing: bills 610030/610031/610032
SAMUEL = "7730264415"  # $112.64 due in 6 days; saved checking 6789 (nickname "checking"); 3021
AISHA = "6604381127"  # $47.85 due in 4 days; saved VISA 0002 (declines), email on file; 19
MIGUEL = "8807120043"  # $64.10 due in 11 days; street 1500

STREET = {DANA: "1234", LUCIA: "507", GRACE: "88", TOM: "2210", VICTOR: "45", SAMUEL: "3021",
          AISHA: "19", MIGUEL: "1500"}
SSN = {DANA: "4821", LUCIA: "3390", GRACE: "7716", TOM: "1208", VICTOR: "6650", SAMUEL: "9054",
       AISHA: "2477", MIGUEL: "8122"}

# An SMS thread as production's webhook hands it to the bot (ivr/sms/conversation.py): the
# sender id is an HMAC of the number, the number itself comes in the metadata.
SMS_PHONE = "+13125550101"
SMS = {"channel": "sms", "phone": SMS_PHONE}
SMS_SENDER = bot_sender("action-tests-secret", SMS_PHONE)
SMS_THREAD = ConversationKey.sms(SMS_PHONE)

# The sandbox processor's full test card numbers: none may ever appear in a reply.
FULL_CARD_NUMBERS = ("4242424242424242", "4000000000000002", "4000000000009995",
                     "5555555555554444", "6011111111111117", "378282246310005")

ROOT = Path(__file__).resolve().parents[2]
_yaml = YAML(typ="safe")
DOMAIN: dict[str, Any] = _yaml.load((ROOT / "chatbot" / "domain.yml").read_text())
DOMAIN_SLOTS: tuple[str, ...] = tuple(DOMAIN["slots"])

FORMS: dict[str, type[Action]] = {
    "balance_form": ValidateBalanceForm,
    "status_form": ValidateStatusForm,
    "pay_form": ValidatePayForm,
    "schedule_form": ValidateScheduleForm,
    "cancel_form": ValidateCancelForm,
    "paperless_form": ValidatePaperlessForm,
    "unenroll_form": ValidateUnenrollForm,
}
FORM_TASKS = {
    "balance_form": "check_balance",
    "status_form": "payment_status",
    "pay_form": "pay_bill",
    "schedule_form": "schedule_payment",
    "cancel_form": "cancel_scheduled_payment",
    "paperless_form": "enroll_paperless",
    "unenroll_form": "unenroll_paperless",
}
ASKS: dict[str, type[Action]] = {
    "account_number": asks.ActionAskAccountNumber,
    "verification_factor": asks.ActionAskVerificationFactor,
    "payment_date": asks.ActionAskPaymentDate,
    "amount": asks.ActionAskAmount,
    "payment_method": asks.ActionAskPaymentMethod,
    "pay_confirmed": asks.ActionAskPayConfirmed,
    "cancel_choice": asks.ActionAskCancelChoice,
    "cancel_confirmed": asks.ActionAskCancelConfirmed,
    "paperless_email": asks.ActionAskPaperlessEmail,
    "paperless_confirmed": asks.ActionAskPaperlessConfirmed,
    "unenroll_confirmed": asks.ActionAskUnenrollConfirmed,
}


# --- the city -------------------------------------------------------------------------------
@dataclass
class City:
    container: Container

    def rows(self, query: str, **params: object) -> list[sa.RowMapping]:
        with self.container.engine.connect() as conn:
            return list(conn.execute(sa.text(query), params).mappings())

    def scalar(self, query: str, **params: object) -> Any:
        with self.container.engine.connect() as conn:
            return conn.execute(sa.text(query), params).scalar()

    def account_id(self, number: str) -> int:
        return int(self.scalar("SELECT id FROM accounts WHERE account_number = :n", n=number))

    def account(self, number: str) -> sa.RowMapping:
        return self.rows("SELECT * FROM accounts WHERE account_number = :n", n=number)[0]

    def verified(self, number: str) -> dict[str, Any]:
        """The slots a conversation has once verified for `number`."""
        return {"verified_account_id": str(self.account_id(number)),
                "account_label": f"the account ending {number[-4:]}"}

    def verify_thread(self, number: str, phone: str = SMS_PHONE) -> None:
        """The SMS thread of `phone` verified for `number` (as texting BAL and the numbers
        does on the keyword path)."""
        remember_verification(self.container.conversations(), ConversationKey.sms(phone),
                              self.account_id(number), NOW)

    def thread(self, phone: str = SMS_PHONE) -> ConversationState | None:
        return self.container.conversations().load(ConversationKey.sms(phone))

    def chat_payments(self, number: str) -> list[sa.RowMapping]:
        """Payments the actions made (not the seeded history)."""
        return self.rows(
            "SELECT p.* FROM payments p JOIN accounts a ON a.id = p.account_id "
            "WHERE a.account_number = :n AND (p.created_by LIKE 'resident:chat:%' "
            "OR p.created_by LIKE 'resident:sms:%') ORDER BY p.id",
            n=number)

    def payment(self, confirmation: str) -> sa.RowMapping:
        return self.rows("SELECT * FROM payments WHERE confirmation_number = :c",
                         c=confirmation)[0]

    def scheduled(self, number: str) -> list[sa.RowMapping]:
        return self.rows(
            "SELECT p.* FROM payments p JOIN accounts a ON a.id = p.account_id "
            "WHERE a.account_number = :n AND p.status = 'scheduled' "
            "ORDER BY p.scheduled_for, p.confirmation_number", n=number)

    def attempts(self) -> list[sa.RowMapping]:
        return self.rows("SELECT * FROM verification_attempts ORDER BY id")

    def failures(self, number: str) -> int:
        return int(self.account(number)["failed_verifications"])

    def handoffs(self) -> list[sa.RowMapping]:
        return self.rows("SELECT * FROM handoffs ORDER BY id")

    def links(self) -> list[sa.RowMapping]:
        return self.rows("SELECT * FROM one_time_links ORDER BY id")

    def outbox(self, recipient: str) -> list[sa.RowMapping]:
        return self.rows("SELECT * FROM outbox_messages WHERE recipient = :r ORDER BY id",
                         r=recipient)

    def method_id(self, number: str, last4: str) -> int:
        return int(self.scalar(
            "SELECT m.id FROM payment_methods m JOIN accounts a ON a.id = m.account_id "
            "WHERE a.account_number = :n AND m.last4 = :l", n=number, l=last4))

    def saved(self, number: str, last4: str) -> str:
        """The payment_method slot value for a saved method."""
        return f"saved:{self.method_id(number, last4)}"

    def add_scheduled(self, number: str, amount: str, days_ahead: int) -> str:
        """One more scheduled bank payment (through the domain, as the web would)."""
        from datetime import timedelta

        from domain.model import Actor, Channel
        from domain.money import Money
        from domain.services.payments import MethodChoice, PaymentRequest

        account_id = self.account_id(number)
        payments = self.container.payment_service()
        method = next(m for m in payments.saved_methods(account_id) if m.last4)
        outcome = payments.schedule(PaymentRequest(
            account_id=account_id, amount=Money.of(amount), method=MethodChoice.saved(method.id),
            actor=Actor.resident(Channel.WEB, "test"),
            idempotency_key=f"test-{number}-{amount}-{days_ahead}",
            accepted_fee=payments.fee(method.kind),
            scheduled_for=TODAY + timedelta(days=days_ahead)))
        return outcome.payment.confirmation_number


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded demo city, built once; tests work on copies."""
    directory = tmp_path_factory.mktemp("actions-city")
    path = directory / "payline.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    container = build_container(_settings(url, directory), clock=FixedClock(NOW))
    try:
        seed_demo_city(container.engine, DemoCity(size=1, today=TODAY), container.gateway)
    finally:
        container.dispose()
    return path


def _settings(url: str, directory: Path) -> Settings:
    return Settings.from_env({"PAYLINE_DATABASE_URL": url, "PAYLINE_VAR_DIR": str(directory),
                              "PAYLINE_PUBLIC_URL": "http://localhost:5000"})


@pytest.fixture
def city(template_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[City]:
    """A fresh copy of the seeded city, used by the actions for this test only."""
    monkeypatch.delenv("PAYLINE_PUBLIC_URL", raising=False)  # links on http://localhost:5000
    path = tmp_path / "payline.db"
    shutil.copyfile(template_db, path)
    container = build_container(_settings(f"sqlite:///{path}", tmp_path), clock=FixedClock(NOW))
    services.use_container(container)
    try:
        yield City(container)
    finally:
        services.use_container(None)
        container.dispose()


# --- trackers and running actions -----------------------------------------------------------
def tracker(text: str = "", *, intent: str | None = "inform", confidence: float = 0.95,
            entities: dict[str, str] | list[dict[str, Any]] | None = None,
            slots: dict[str, Any] | None = None, requested: str | None = None,
            form: str | None = None, metadata: dict[str, Any] | None = None,
            message_id: str = "m-1", sender: str = "tester-1", faq: str | None = None,
            events: list[dict[str, Any]] | None = None) -> Tracker:
    """A Tracker the way the action server receives it. `entities` may be {name: value}."""
    all_slots: dict[str, Any] = dict.fromkeys(DOMAIN_SLOTS)
    all_slots["requested_slot"] = None
    all_slots.update(slots or {})
    if requested is not None:
        all_slots["requested_slot"] = requested
    if isinstance(entities, dict):
        entity_list = [{"entity": name, "value": value} for name, value in entities.items()]
    else:
        entity_list = list(entities or [])
    latest: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence} if intent else {},
        "entities": entity_list,
        "metadata": dict(metadata or {}),
        "message_id": message_id,
    }
    if faq is not None:
        latest["response_selector"] = {"faq": {"response": {"responses": [{"text": faq}]}}}
    return Tracker.from_dict({
        "sender_id": sender,
        "slots": all_slots,
        "latest_message": latest,
        "events": list(events or []),
        "paused": False,
        "followup_action": None,
        "active_loop": {"name": form} if form else {},
        "latest_action_name": "action_listen",
    })


@dataclass
class Result:
    events: list[dict[str, Any]]
    dispatcher: CollectingDispatcher

    @property
    def slots(self) -> dict[str, Any]:
        """The SlotSet events by slot name (the last one wins, as in Rasa)."""
        return {e["name"]: e["value"] for e in self.events if e.get("event") == "slot"}

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.dispatcher.messages

    @property
    def texts(self) -> list[str]:
        return [m.get("text") or "" for m in self.dispatcher.messages]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [b for m in self.dispatcher.messages for b in (m.get("buttons") or [])]

    @property
    def requested(self) -> Any:
        return self.slots.get("requested_slot", "<not set>")

    @property
    def outcome(self) -> Any:
        return self.slots.get("form_outcome")


def run(action: Action | type[Action], tracker_: Tracker) -> Result:
    instance = action() if isinstance(action, type) else action
    dispatcher = CollectingDispatcher()
    events = asyncio.run(instance.run(dispatcher, tracker_, DOMAIN))
    assert_no_card_numbers(dispatcher)
    return Result(list(events), dispatcher)


_LONG_DIGITS = re.compile(r"\d(?:[ -]?\d){12,18}")


def assert_no_card_numbers(dispatcher: CollectingDispatcher) -> None:
    """No reply ever carries a full card number (or any 13-19 digit run)."""
    for message in dispatcher.messages:
        shown = " ".join([str(message.get("text") or "")]
                         + [f"{b.get('title')} {b.get('payload')}"
                            for b in message.get("buttons") or []])
        digits_only = re.sub(r"\D", "", shown)
        for number in FULL_CARD_NUMBERS:
            assert number not in digits_only, f"a full card number in {shown!r}"
        assert not _LONG_DIGITS.search(shown), f"a card-length digit run in {shown!r}"


# --- a form, turn by turn -----------------------------------------------------------------
RESPONSES: dict[str, dict[str, Any]] = {
    language: _yaml.load((ROOT / "chatbot" / "responses" / f"{language}.yml").read_text())[
        "responses"] for language in ("en", "es")}


def shown_text(message: dict[str, Any], language: str = "en") -> str:
    """What the resident reads for one dispatched message: its text, or the text of the fixed
    response it names (chatbot/responses/<language>.yml, as the model of that language says
    it)."""
    if message.get("text"):
        return str(message["text"])
    name = message.get("response")
    return str(RESPONSES[language][name][0]["text"]) if name else ""


@dataclass
class Conversation:
    """Slots carried from turn to turn as Rasa would carry them, and the events of the
    conversation so far (the resident's messages, the slots set, what the bot said), so an
    action sees what was asked and offered before, as it does behind Rasa."""

    form: str
    slots: dict[str, Any] = field(default_factory=dict)
    sender: str = "tester-1"
    metadata: dict[str, Any] = field(default_factory=dict)
    turns: int = 0
    last: Result | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    _latest: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The slots a conversation starts with were set by the turn before, as in Rasa: a
        # form made "at" a slot has just requested it, and asking it is the first time.
        if self.slots:
            self._latest = {"text": "", "intent": None, "entities": None, "confidence": 1.0,
                            "faq": None, "message_id": f"{self.sender}-m0"}
            self.events = [{"event": "user", "text": "", "metadata": dict(self.metadata)},
                           *({"event": "slot", "name": name, "value": value}
                             for name, value in self.slots.items()), *self.events]

    @property
    def requested(self) -> str | None:
        return self.slots.get("requested_slot")

    @property
    def language(self) -> str:
        return "es" if self.metadata.get("language") == "es" else "en"

    def _tracker(self, text: str, intent: str | None, entities: Any, confidence: float,
                 faq: str | None, message_id: str | None) -> Tracker:
        self.turns += 1
        self._latest = {"text": text, "intent": intent, "entities": entities,
                        "confidence": confidence, "faq": faq,
                        "message_id": message_id or f"{self.sender}-m{self.turns}"}
        self.events.append({"event": "user", "text": text, "metadata": dict(self.metadata)})
        return self._latest_tracker()

    def _latest_tracker(self, **changes: Any) -> Tracker:
        latest = {**self._latest, **changes}
        return tracker(latest["text"], intent=latest["intent"], entities=latest["entities"],
                       confidence=latest["confidence"], slots=self.slots, form=self.form,
                       metadata=self.metadata, sender=self.sender, faq=latest["faq"],
                       message_id=latest["message_id"], events=list(self.events))

    def _record(self, result: Result) -> None:
        self.events.extend(e for e in result.events if e.get("event") == "slot")
        for message in result.messages:
            self.events.append({"event": "bot", "text": shown_text(message, self.language),
                                "data": {"buttons": message.get("buttons") or []}})

    def apply(self, result: Result) -> Result:
        self.slots.update(result.slots)
        self.last = result
        self._record(result)
        return result

    def say(self, text: str, *, intent: str | None = "inform",
            entities: Any = None, confidence: float = 0.95, faq: str | None = None,
            message_id: str | None = None) -> Result:
        """One turn of the form (the first one starts it: requested_slot is None)."""
        return self.apply(run(FORMS[self.form], self._tracker(
            text, intent, entities, confidence, faq, message_id)))

    def start(self, text: str = "", *, intent: str | None = None, entities: Any = None,
              confidence: float = 0.98) -> Result:
        self.slots["requested_slot"] = None
        return self.say(text or FORM_TASKS[self.form].replace("_", " "),
                        intent=intent or FORM_TASKS[self.form], entities=entities,
                        confidence=confidence)

    def ask(self) -> Result:
        """The question for the slot requested next, as Rasa would ask it (in the same turn:
        its tracker's latest message is the resident's last one)."""
        slot = self.requested
        assert slot in ASKS, f"no action_ask for {slot}"
        if not self._latest:
            self._tracker("", None, None, 1.0, None, None)
        result = run(ASKS[slot], self._latest_tracker())
        self._record(result)
        return result

    def finish(self, *, message_id: str | None = None, text: str = "yes") -> Result:
        """action_finish_task after the form ended (its tracker: the last user message)."""
        result = run(ActionFinishTask, tracker(
            text, intent="affirm", slots=self.slots, metadata=self.metadata,
            sender=self.sender, message_id=message_id or f"{self.sender}-m{self.turns}",
            events=list(self.events)))
        self.slots.update(result.slots)
        self._record(result)
        return result

    def turn(self, text: str, **said: Any) -> list[str]:
        """One whole turn as the resident reads it: the form's answer, then the next question
        or, when the form ended, what action_finish_task says. (The first turn starts the
        form: pass the task's intent.)"""
        if self.requested is None:
            result = self.start(text, **said)
        else:
            result = self.say(text, **said)
        messages = list(result.messages)
        if result.outcome is not None or result.requested is None:
            messages += self.finish(text=text).messages
        elif self.requested in ASKS:
            messages += self.ask().messages
        else:  # the fixed question of the slot (utter_ask_<slot>)
            messages.append({"response": f"utter_ask_{self.requested}"})
        return [shown_text(message, self.language) for message in messages]

    def verify(self, number: str, factor: str | None = None) -> Result:
        """Start the form, then answer account number and street number."""
        self.start()
        self.say(number)
        return self.say(factor or STREET[number])
