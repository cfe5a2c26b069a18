"""The state of one conversation, typed: who the resident verified as, in which language, the
question the thread is waiting on, the payment offer on the table, the bot's numbered
choices. One state per conversation: an SMS thread has one, keyed ("sms", E.164 number),
whether the keyword path or the bot answers a text, so a resident verified in one is
verified in the other, and ending the thread forgets it for both.
A phone call's state is keyed ("voice", CallSid) and also carries the call's own progress
(`call`, a conversation.phone_call.PhoneCall: retries, the amount, the method, ...).

The state lives behind the `ConversationStore` port (an SQL adapter in ivr/conversations.py).
Saves are optimistic: `save` succeeds only if nobody saved since the state was loaded, so of
two copies of the same webhook processed at once exactly one moves the conversation on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from conversation.phone_call import PhoneCall
from domain.model import Channel
from domain.money import Money

log = logging.getLogger(__name__)

_SAVE_ATTEMPTS = 3  # a verification written while another text of the thread is saved


@dataclass(frozen=True)
class ConversationKey:
    """Which conversation: a call by CallSid, an SMS thread by the resident's number, a chat
    by its conversation id."""

    channel: Channel
    key: str

    @classmethod
    def sms(cls, phone: str) -> ConversationKey:
        """The thread of an E.164 number: the same for the keyword path and the bot."""
        return cls(Channel.SMS, phone)

    @classmethod
    def call(cls, call_sid: str) -> ConversationKey:
        """A phone call, by Twilio's CallSid (handoffs and attempts name the bare CallSid)."""
        return cls(Channel.VOICE, call_sid)

    @property
    def session_key(self) -> str:
        """The id handoffs, attempts and payments record ("sms:+13125550101")."""
        return f"{self.channel.value}:{self.key}"


@dataclass(frozen=True)
class Verified:
    account_id: int
    verified_at: datetime


@dataclass(frozen=True)
class IdentityQuestion:
    """The thread asked who the resident is, for `task` ("balance" or "pay");
    `account_number` is a half-given answer (the number, the factor still to come)."""

    task: str
    account_number: str | None = None


@dataclass
class PaymentOffer:
    """"Reply YES to pay $X with VISA ending 4242": what a YES pays, with its own
    idempotency key, so a second YES never pays twice."""

    amount: Money
    fee: Money
    method_id: int
    method_label: str
    made_at: datetime
    idempotency_key: str
    account_id: int
    paid: str | None = None  # the confirmation number once paid

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "amount": self.amount.canonical(), "fee": self.fee.canonical(),
            "method_id": self.method_id, "method": self.method_label,
            "made_at": self.made_at.isoformat(), "key": self.idempotency_key,
            "account_id": self.account_id}
        if self.paid:
            data["paid"] = self.paid
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> PaymentOffer:
        return cls(amount=Money.of(data["amount"]), fee=Money.of(data["fee"]),
                   method_id=int(data["method_id"]), method_label=str(data["method"]),
                   made_at=datetime.fromisoformat(data["made_at"]),
                   idempotency_key=str(data["key"]), account_id=int(data["account_id"]),
                   paid=str(data["paid"]) if data.get("paid") else None)


@dataclass
class ConversationState:
    key: ConversationKey
    created_at: datetime
    updated_at: datetime
    language: str = "en"
    # The resident chose `language` in this conversation (a Spanish keyword, "english
    # please"): it outlives a goodbye, and what they write does not change it.
    language_chosen: bool = False
    # The resident wrote in `language` ("quiero pagar mi factura"): like a choice, it is not
    # replaced by the account's language on file; unlike one, writing another language does.
    language_written: bool = False
    step: str = "text"
    turn: int = 0
    caller: str | None = None
    verification: Verified | None = None
    question: IdentityQuestion | None = None
    # The account number last tried: outlives the question (a failure, a change of subject)
    # for a handoff's context; forgotten with the rest of the thread.
    tried_account: str | None = None
    # Kept after the task is done or dropped: a handoff tells 311 what the thread was for.
    last_task: str | None = None
    offer: PaymentOffer | None = None
    choices: tuple[str, ...] = ()  # the payloads of the bot's last buttons, by number
    last_response: str | None = None  # the answer to turn `turn - 1`, replayed to retries
    # A phone call's own progress (retries, amount, method, ...); None for other channels.
    call: PhoneCall | None = None
    ended_at: datetime | None = None
    end_status: str | None = None
    version: int = 0
    id: int | None = None
    _unknown: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def new(cls, key: ConversationKey, now: datetime, *, caller: str | None = None,
            language: str = "en", step: str = "text") -> ConversationState:
        return cls(key=key, created_at=now, updated_at=now, caller=caller, language=language,
                   step=step, call=PhoneCall() if key.channel == Channel.VOICE else None)

    @property
    def language_from_resident(self) -> bool:
        """The resident chose the language or wrote in it: verification keeps it, rather than
        moving to the account's language on file."""
        return self.language_chosen or self.language_written

    # --- verification -------------------------------------------------------------------
    @property
    def verified(self) -> bool:
        return self.verification is not None

    @property
    def account_id(self) -> int | None:
        return self.verification.account_id if self.verification else None

    def verify(self, account_id: int, now: datetime) -> None:
        self.verification = Verified(account_id, now)

    def forget(self, *, keep_offer: bool = False) -> None:
        """The conversation ends (goodbye, or quiet too long): who the resident is, what was
        asked and tried, the bot's choices and (unless kept) the offer are gone."""
        offer = self.offer if keep_offer else None
        self.verification = None
        self.question = None
        self.tried_account = None
        self.last_task = None
        self.choices = ()
        self.offer = offer
        if self.call is not None:
            self.call = PhoneCall()
        self._unknown = {}

    # --- what the store keeps in `data` -----------------------------------------------
    def to_data(self) -> dict[str, Any]:
        """The typed parts as JSON-able values (the SQL adapter keeps them in one column).
        The names are the ones SMS threads used before the state was typed, so a thread
        in flight during an upgrade carries on."""
        data: dict[str, Any] = dict(self._unknown)
        if self.language_chosen:
            data["language_chosen"] = True
        if self.language_written:
            data["language_written"] = True
        if self.question is not None:
            data["task"] = self.question.task
            if self.question.account_number:
                data["account"] = self.question.account_number
        if self.tried_account:
            data["tried"] = self.tried_account
        if self.last_task:
            data["last_task"] = self.last_task
        if self.offer is not None:
            data["offer"] = self.offer.to_data()
        if self.choices:
            data["choices"] = list(self.choices)
        if self.call is not None:
            data.update(self.call.to_data())
        return data

    def restore_data(self, data: dict[str, Any]) -> None:
        """The inverse of `to_data`; a malformed part is dropped, not fatal (the resident is
        asked again rather than the thread failing on every text)."""
        rest = dict(data)
        self.language_chosen = rest.pop("language_chosen", None) is True
        self.language_written = rest.pop("language_written", None) is True
        self.call = PhoneCall.pop_from(rest) if self.key.channel == Channel.VOICE else None
        task, account = rest.pop("task", None), rest.pop("account", None)
        self.question = (IdentityQuestion(task, account if isinstance(account, str) else None)
                         if isinstance(task, str) else None)
        tried, last_task = rest.pop("tried", None), rest.pop("last_task", None)
        self.tried_account = tried if isinstance(tried, str) else None
        self.last_task = last_task if isinstance(last_task, str) else None
        offer = rest.pop("offer", None)
        self.offer = None
        if isinstance(offer, dict):
            try:
                self.offer = PaymentOffer.from_data(offer)
            except (KeyError, TypeError, ValueError, ArithmeticError):
                log.warning("a malformed payment offer was dropped")
        choices = rest.pop("choices", None)
        self.choices = tuple(c for c in choices if isinstance(c, str)) \
            if isinstance(choices, list) else ()
        self._unknown = rest


class ConversationStore(Protocol):
    """Where conversation states live (any worker serves any turn)."""

    def load(self, key: ConversationKey) -> ConversationState | None:
        """The state, ended or not; None if the conversation never started."""

    def start(self, state: ConversationState) -> ConversationState:
        """Insert a new state, or return the one a concurrent/retried request created."""

    def save(self, state: ConversationState) -> bool:
        """Write back if nobody saved since `state` was loaded; False if someone did."""


# --- one verification per conversation, for whichever path answers ----------------------
def verified_account(store: ConversationStore, key: ConversationKey) -> int | None:
    state = store.load(key)
    return state.account_id if state is not None else None


def remember_verification(store: ConversationStore, key: ConversationKey, account_id: int,
                          now: datetime) -> None:
    """The resident verified (e.g. in the bot): the conversation's state says so, for every
    path of it. Retried on a concurrent save, since the verification already counted."""
    _change(store, key, now, lambda state: state.verify(account_id, now))


def forget_conversation(store: ConversationStore, key: ConversationKey,
                        now: datetime) -> None:
    """The resident took leave (in the bot): the thread forgets them for every path."""
    _change(store, key, now, lambda state: state.forget())


def _change(store: ConversationStore, key: ConversationKey, now: datetime,
            change: Callable[[ConversationState], None]) -> None:
    for _ in range(_SAVE_ATTEMPTS):
        caller = key.key if key.channel == Channel.SMS else None
        state = store.load(key) or store.start(ConversationState.new(key, now, caller=caller))
        change(state)
        if store.save(state):
            return
    raise ConversationBusy(key)


class ConversationBusy(RuntimeError):
    """The state kept changing under us (a runaway retry loop): give up loudly."""

    def __init__(self, key: ConversationKey) -> None:
        super().__init__(f"conversation state of {key.channel.value} kept changing")
