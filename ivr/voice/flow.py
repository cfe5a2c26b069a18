"""The vocabulary of the call flow: what a step asks, and what an answer leads to.

Every call state is a `Step` registered by name; each has its own webhook URL
(/voice/<name>). A step *asks* (a question rendered as <Gather>, or straight away an outcome,
e.g. the balance readout that returns to the menu) and *answers* the caller's input with an
outcome: go to another step, retry, collect a payment with <Pay>, transfer to 311, or end.
The engine (ivr.voice.engine) turns outcomes into TwiML and persists the call state.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from domain.model import Actor, Channel
from ivr.voice.speech import Line

if TYPE_CHECKING:
    from conversation.phone_call import PhoneCall
    from conversation.state import ConversationState
    from ivr.bootstrap import Container
    from ivr.bot.nlu import IntentClassifier
    from ivr.settings import ChannelSettings

MENU = "menu"  # single key; 0 transfers, 9 repeats, * goes back; speech accepted
ENTRY = "entry"  # digits then #; * goes back, a lone 0 transfers
RESULT = "result"  # a <Pay> action: Twilio posts the result, not the caller's keys


# --- what a step asks ---------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    lines: tuple[Line, ...]
    num_digits: int | None = 1
    finish_on_key: str = "#"
    timeout: int = 6
    speech: bool = True


def ask(*lines: Line, num_digits: int | None = 1, timeout: int = 6,
        speech: bool = True) -> Ask:
    return Ask(tuple(lines), num_digits=num_digits, timeout=timeout, speech=speech)


def entry(*lines: Line, num_digits: int | None = None, timeout: int = 10) -> Ask:
    return Ask(tuple(lines), num_digits=num_digits, timeout=timeout, speech=False)


# --- what an answer leads to ------------------------------------------------------------------


@dataclass(frozen=True)
class Goto:
    step: str
    say: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Retry:
    """The input could not be used: say why and ask again (counts toward giving up)."""

    say: tuple[Line, ...] = ()
    no_input: bool = False


# <Pay> tokenType values (Twilio): a token the connector can charge again, or (Twilio's
# Stripe Pay Connector only) a Stripe PaymentMethod id that Payline charges itself.
REUSABLE_TOKEN = "reusable"  # noqa: S105 (a token kind, not a secret)
PAYMENT_METHOD_TOKEN = "payment-method"  # noqa: S105


@dataclass(frozen=True)
class PaySpec:
    method: str  # "credit-card" | "ach-debit"
    charge_amount: str  # canonical dollars, "0" tokenizes
    description: str
    result_step: str
    reference: str = ""  # Payline's reference for the charge, passed to the pay connector
    token_type: str = REUSABLE_TOKEN  # what a tokenizing <Pay> ("0") asks the connector for


@dataclass(frozen=True)
class CollectPayment:
    spec: PaySpec
    say: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Transfer:
    reason: str
    say: tuple[Line, ...] = ()


@dataclass(frozen=True)
class End:
    say: tuple[Line, ...] = ()


Outcome = Goto | Retry | CollectPayment | Transfer | End


def goto(step: str, *say: Line) -> Goto:
    return Goto(step, tuple(say))


def retry(*say: Line) -> Retry:
    return Retry(tuple(say))


# --- the caller's input and the turn being served ----------------------------------------------


@dataclass
class Heard:
    digits: str = ""
    speech: str = ""
    intent: str | None = None  # what the NLU made of the speech, at menus

    @property
    def nothing(self) -> bool:
        return not self.digits and not self.speech


@dataclass
class Turn:
    """One webhook of one call: its state, its parameters and the services it may use."""

    state: ConversationState
    container: Container
    channels: ChannelSettings
    params: Mapping[str, str]
    number: int  # the turn this request answers (t in the action URL)
    nlu: IntentClassifier | None = None

    @property
    def language(self) -> str:
        return self.state.language

    @property
    def call(self) -> PhoneCall:
        """The call's own progress (the state of a voice conversation always has one)."""
        if self.state.call is None:
            raise RuntimeError("a voice turn on a conversation that is not a call")
        return self.state.call

    @property
    def city(self) -> str:
        """'City of Riverton', to fit both "the {city}" and "de {city}" in the prompts."""
        return self.container.settings.city_name.removeprefix("the ")

    @property
    def call_sid(self) -> str:
        return self.state.key.key

    @property
    def account_id(self) -> int:
        if self.state.account_id is None:
            raise RuntimeError("step reached without a verified account")
        return self.state.account_id

    @property
    def actor(self) -> Actor:
        return Actor.resident(Channel.VOICE, self.call_sid)

    def idempotency_key(self, operation: str) -> str:
        """Same webhook retried = same key: the domain replays instead of acting twice."""
        return f"voice:{self.call_sid}:{self.number}:{operation}"


# --- steps ------------------------------------------------------------------------------------


class Step(abc.ABC):
    name: ClassVar[str]
    kind: ClassVar[str] = MENU
    back: ClassVar[str | None] = "menu"
    needs_account: ClassVar[bool] = True

    @abc.abstractmethod
    def ask(self, turn: Turn) -> Ask | Outcome:
        """The question (a <Gather>), or an outcome straight away (a readout, a redirect)."""

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        """Steps whose `ask` never asks are never answered; ask again if one ever is."""
        return Goto(self.name)


STEPS: dict[str, Step] = {}


def register(cls: type[Step]) -> type[Step]:
    if cls.name in STEPS:
        raise ValueError(f"duplicate voice step {cls.name}")
    STEPS[cls.name] = cls()
    return cls
