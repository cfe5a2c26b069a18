"""Serving one webhook of a call: load the call state, recognise retried webhooks, apply the
global keys (0 agent, 9 repeat, * back), run the step, render TwiML, save the state.

State is the call's ConversationState (conversation.state; its `call` part is the call's own
progress), behind the ConversationStore port keyed by CallSid, never in process memory, so
any worker can serve any turn. Every response carries the turn number in its action URLs;
a webhook for a turn already served (Twilio retrying, a duplicate) gets the same answer
again instead of being applied twice, and money-moving steps use an idempotency key derived
from the turn, so even two copies served at the same moment act once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from urllib.parse import quote

from conversation.handoff import hand_off
from conversation.phone_call import PhoneCall, TransferMark
from conversation.state import ConversationKey, ConversationState, ConversationStore
from conversation.understanding.consent import Consent, decide
from domain.errors import AccountLocked, DomainError, TooManyAttempts, TransferNotUsable
from domain.model import Channel
from domain.ports import ConcurrencyConflict
from domain.redaction import redact_card_numbers
from domain.services.links import hash_token
from domain.services.payments import TryAgain
from domain.services.transfers import TransferTicket
from ivr.bootstrap import Container
from ivr.bot.nlu import NOTHING, IntentClassifier
from ivr.settings import ChannelSettings
from ivr.voice import twiml
from ivr.voice.caller_id import caller_id
from ivr.voice.flow import (
    ENTRY,
    MENU,
    RESULT,
    STEPS,
    Ask,
    CollectPayment,
    End,
    Goto,
    Heard,
    Outcome,
    Retry,
    Transfer,
    Turn,
)
from ivr.voice.speech import Characters, Line

log = logging.getLogger(__name__)

FIRST_STEP = "language"
MAX_RETRIES = 2  # re-prompts before offering 311 (the third failure)
_MAX_HOPS = 12  # steps chained in one response; more is a bug, not a call
_DIGITS = re.compile(r"^[0-9*#]{1,40}$")
_CALL_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")
_SPEECH_DIGITS = {Consent.YES: "1", Consent.NO: "2"}
TRANSFERRED_PATH = "/voice/transferred"
TRANSFER_MENU = "transfer_menu"
AFTER_DIAL = "after_dial"  # the step a call waits in while it is with 311


def step_url(name: str, turn: int) -> str:
    return f"/voice/{name}?t={turn}"


def transfer_entry_url(public_url: str) -> Callable[[str], str]:
    """The `entry_url` TransferService needs: where an agent's transfer sends the live call
    (Twilio fetches it, so it is absolute, on the public URL signatures are checked against)."""
    base = public_url.rstrip("/")
    return lambda ticket: f"{base}{TRANSFERRED_PATH}?ticket={quote(ticket, safe='')}"


class VoiceEngine:
    def __init__(self, container: Container, channels: ChannelSettings,
                 nlu: IntentClassifier | None = None) -> None:
        self._container = container
        self._channels = channels
        self._nlu = nlu
        self._store: ConversationStore = container.conversations()

    # --- entry points -----------------------------------------------------------------------
    def incoming(self, params: Mapping[str, str]) -> str:
        """A new call: the greeting and the language choice (a retried webhook replays it)."""
        sid = _call_sid(params)
        if sid is None:
            return str(twiml.goodbye([Line.of("problem")], "en"))
        existing = self._store.load(ConversationKey.call(sid))
        if existing is not None:
            return self._resume(existing)
        state = self._new_call(sid, params)
        state.last_response = self._ask_language(state)
        stored = self._store.start(state)
        return stored.last_response or self._resume(stored)

    def _new_call(self, sid: str, params: Mapping[str, str]) -> ConversationState:
        state = ConversationState.new(ConversationKey.call(sid), self._container.clock.now(),
                                      caller=_caller(params.get("From", "")), step=FIRST_STEP)
        state.turn = 1
        return state

    def handle(self, step_name: str, params: Mapping[str, str], turn_text: str) -> str:
        sid = _call_sid(params)
        if sid is None:
            return str(twiml.goodbye([Line.of("problem")], "en"))
        state = self._store.load(ConversationKey.call(sid))
        if state is None:  # a call we have no record of: start it properly
            return self.incoming(params)
        number = _int(turn_text)
        if state.ended_at is not None:
            return self._after_the_call(state, step_name, params, number)
        if number == state.turn - 1 and state.last_response:
            return state.last_response  # a retried or duplicated webhook: same answer
        if number != state.turn or step_name != state.step or step_name not in STEPS:
            return self._resume(state)
        turn = Turn(state=state, container=self._container, channels=self._channels,
                    params=params, number=number, nlu=self._nlu)
        heard = _heard(params)
        try:
            outcome = self._answer(turn, heard)
            state.turn += 1
            document = self._render(turn, outcome)
        except Exception:
            log.exception("voice step %s failed", step_name)
            state = self._store.load(ConversationKey.call(sid)) or state
            state.turn = number + 1
            turn = replace(turn, state=state)
            document = self._render(turn, Goto("menu", (Line.of("problem"),)))
        state.last_response = document
        state.updated_at = self._container.clock.now()
        if self._store.save(state):
            return document
        # A twin of this webhook was saved first: answer what it answered.
        winner = self._store.load(ConversationKey.call(sid))
        if winner is not None and winner.turn == number + 1 and winner.last_response:
            return winner.last_response
        return self._resume(winner or state)

    def _after_the_call(self, state: ConversationState, step_name: str,
                        params: Mapping[str, str], number: int) -> str:
        """A webhook for a call that has ended. Twilio does not order its webhooks: the <Pay>
        result can come after the status callback, and it is still applied (the charge may
        have gone through), answered with a bare hang-up; the same result again gets the same
        answer. Anything else just hears goodbye."""
        hangup = str(twiml.goodbye([], state.language))
        if (state.step == "ended" and number == state.turn - 1
                and state.last_response):
            return state.last_response  # a retried late result: already applied
        step = STEPS.get(state.step)
        if (step is None or step.kind != RESULT or step_name != state.step
                or number != state.turn):
            return hangup
        turn = Turn(state=state, container=self._container, channels=self._channels,
                    params=params, number=number, nlu=self._nlu)
        try:
            step.answer(turn, _heard(params))  # records the charge; the caller is gone
        except Exception:
            # Left as it was: the payment stays pending and the runner asks the processor.
            log.exception("late <Pay> result for ended call %s failed", state.key.key)
            return hangup
        state.step = "ended"
        state.turn = number + 1
        state.last_response = hangup
        state.updated_at = self._container.clock.now()
        if not self._store.save(state):
            log.info("late <Pay> result for call %s raced a twin; both are idempotent",
                     state.key.key)
        return hangup

    def status(self, params: Mapping[str, str]) -> None:
        """The call ended: close its record. A card payment still waiting for its <Pay>
        result is left pending, not released: the charge may be in flight and its result
        may still come (see _after_the_call); if it never does, the runner asks the
        processor (ScheduledPaymentRunner.resolve_unanswered)."""
        sid = _call_sid(params)
        if sid is None:
            return
        for _ in range(3):
            state = self._store.load(ConversationKey.call(sid))
            if state is None or state.ended_at is not None:
                return
            state.ended_at = self._container.clock.now()
            state.end_status = str(params.get("CallStatus", "completed"))[:20]
            state.updated_at = state.ended_at
            if self._store.save(state):
                return

    def transferred(self, params: Mapping[str, str], ticket: str) -> str:
        """A 311 agent sent this live call here with a transfer ticket: the agent verified the
        caller, so go straight to the payment choices. A ticket that cannot be used gets a
        polite line and the main menu; the call carries on either way."""
        sid = _call_sid(params)
        if sid is None:
            return str(twiml.goodbye([Line.of("problem")], "en"))
        digest = hash_token(ticket if isinstance(ticket, str) else "")
        state = self._store.load(ConversationKey.call(sid))
        if state is None:  # dialled 311 directly: no Payline call yet
            state = self._store.start(self._new_call(sid, params))
        if state.ended_at is not None:
            return str(twiml.goodbye([], state.language))
        replay = self._transfer_replay(state, digest)
        if replay is not None:
            return replay
        granted: TransferTicket | None = None
        if not _with_an_agent(state):
            # Only a caller who is with 311 can be sent back by an agent: a wrongly typed
            # CallSid must not hand someone else's account to whoever has that call.
            log.warning("call %s got a transfer while not with an agent (step %s); ignored",
                        sid, state.step)
        else:
            try:
                granted = self._container.transfer_service(
                    transfer_entry_url(self._channels.public_url)).redeem(ticket, sid)
            except TransferNotUsable:
                log.info("call %s arrived with a transfer ticket that cannot be used", sid)
            except Exception:  # the caller still gets the menu, not a dead line
                log.exception("could not redeem the transfer ticket of call %s", sid)
        for _ in range(3):
            document = self._land_transfer(state, params, granted, digest)
            if self._store.save(state):
                return document
            # A twin of this webhook (or another) saved first.
            latest = self._store.load(ConversationKey.call(sid))
            if latest is None:
                break
            mark = latest.call.transfer if latest.call else None
            if mark is not None and mark.ticket == digest and (granted is None or mark.ok):
                return self._transfer_replay(latest, digest) or self._resume(latest)
            state = latest  # we hold the redeemed ticket: apply it on top
        return self._resume_saved(state)

    def _transfer_replay(self, state: ConversationState, digest: str) -> str | None:
        """The answer already given to this ticket on this call (Twilio retrying), if any."""
        mark = state.call.transfer if state.call else None
        if mark is None or mark.ticket != digest:
            return None
        if state.turn == mark.turn + 1 and state.last_response:
            return state.last_response
        return self._resume(state)  # the call has moved on: ask where it is

    def _land_transfer(self, state: ConversationState, params: Mapping[str, str],
                       granted: TransferTicket | None, digest: str) -> str:
        number = state.turn
        turn = Turn(state=state, container=self._container, channels=self._channels,
                    params=params, number=number, nlu=self._nlu)
        if granted is not None:
            # Verified as identification would, on the agent's word; whatever the call was
            # doing before is over.
            state.forget()
            state.verify(granted.account_id, self._container.clock.now())
            state.language = granted.language
            state.call = PhoneCall(account_number=granted.account_number,
                                     transferred_by=granted.agent_id)
            outcome: Outcome = Goto(TRANSFER_MENU, (Line.of(
                "transfer_welcome", city=turn.city,
                last4=Characters(granted.account_number[-4:])),))
        else:
            # Whatever the caller proved on this call still stands; nothing more is granted.
            outcome = Goto("menu", (Line.of("transfer_failed"),))
        turn.call.retries = 0
        turn.call.transfer = TransferMark(digest, number, granted is not None)
        state.turn = number + 1
        try:
            document = self._render(turn, outcome)
        except Exception:  # a bug or the database: keep the caller on the line
            log.exception("voice transfer of call %s failed", state.key.key)
            document = self._render(turn, Goto("menu", (Line.of("problem"),)))
        state.last_response = document
        state.updated_at = self._container.clock.now()
        return document

    def whisper(self, handoff_id: int | None) -> str:
        handoff = self._container.handoff_service().get(handoff_id) if handoff_id else None
        summary = handoff.summary if handoff else "A caller from the payment line."
        return str(twiml.whisper(summary))

    # --- answering ----------------------------------------------------------------------------
    def _answer(self, turn: Turn, heard: Heard) -> Outcome:
        step = STEPS[turn.state.step]
        if step.kind in (MENU, ENTRY):
            if heard.nothing:
                return Retry((Line.of("no_input"),), no_input=True)
            global_key = self._global_key(turn, heard)
            if global_key is not None:
                return global_key
        try:
            return step.answer(turn, heard)
        except AccountLocked:
            return Transfer("locked_out", (Line.of("locked_now"),))
        except TooManyAttempts:
            return Transfer("throttled", (Line.of("id_throttled"),))
        except (TryAgain, ConcurrencyConflict):
            return Retry((Line.of("try_again_later"),))
        except DomainError:
            log.info("unhandled domain error in voice step %s", step.name, exc_info=True)
            return Goto("menu", (Line.of("try_again_later"),))

    def _global_key(self, turn: Turn, heard: Heard) -> Outcome | None:
        step = STEPS[turn.state.step]
        digits = heard.digits
        if step.kind == MENU and heard.speech and not digits:
            understood = (self._nlu.understand(heard.speech, turn.language) if self._nlu
                          else NOTHING)
            intent = understood.intent
            if intent == "request_agent":
                return Transfer("asked_for_agent")
            if intent == "help":
                return Goto(step.name)
            if getattr(step, "yes_no", False):
                # Speech presses 1 or 2 only on a clear yes or no, as in chat and SMS: "is
                # there a fee?" is asked again (with the fee and total), never taken as 1.
                answer = decide(heard.speech, intent, understood.confidence)
                heard.digits = _SPEECH_DIGITS.get(answer, "")
            heard.intent = intent
            return None
        if digits == "0" and step.name != "offer_agent":
            return Transfer("pressed_zero")
        if step.kind == MENU and digits == "9":
            return Goto(step.name)  # repeat
        if "*" in digits:
            return Goto(step.back) if step.back else Goto(step.name)
        return None

    # --- rendering ------------------------------------------------------------------------------
    def _render(self, turn: Turn, outcome: Outcome) -> str:
        said: list[Line] = []
        state = turn.state
        for _ in range(_MAX_HOPS):
            if isinstance(outcome, Retry):
                said.extend(outcome.say)
                if turn.call.count_retry(outcome.no_input) > MAX_RETRIES:
                    outcome = Goto("offer_agent")
                    continue
                target = state.step
            elif isinstance(outcome, Goto):
                said.extend(outcome.say)
                target = self._enter(turn, outcome.step)
            if isinstance(outcome, Retry | Goto):
                # Ask the step's question, or follow what it says instead (e.g. the balance
                # readout goes straight back to the menu).
                asked = STEPS[target].ask(turn)
                if isinstance(asked, Ask):
                    return self._question(turn, said, asked)
                outcome = asked
                continue
            if isinstance(outcome, CollectPayment):
                said.extend(outcome.say)
                state.step = outcome.spec.result_step
                turn.call.retries = 0
                connector = self._channels.connector_for(outcome.spec.method,
                                                         self._container.settings.processor)
                return str(twiml.pay(said, outcome.spec,
                                     step_url(outcome.spec.result_step, state.turn),
                                     state.language, connector))
            if isinstance(outcome, Transfer):
                said.extend(outcome.say)
                return self._transfer(turn, said, outcome.reason)
            if isinstance(outcome, End):
                said.extend(outcome.say)
                state.step = "ended"
                return str(twiml.goodbye(said, state.language))
        raise RuntimeError("voice flow did not settle")  # pragma: no cover - a flow bug

    def _enter(self, turn: Turn, name: str) -> str:
        """Move to a step; account steps first go through identification."""
        state = turn.state
        step = STEPS[name]
        if step.needs_account and not state.verified:
            turn.call.after_identify = name
            name = "identify"
        if name != state.step:
            turn.call.retries = 0
        state.step = name
        return name

    def _question(self, turn: Turn, said: list[Line], asked: Ask) -> str:
        state = turn.state
        return str(twiml.question(said, asked, step_url(state.step, state.turn),
                                  state.language))

    def _transfer(self, turn: Turn, said: list[Line], reason: str) -> str:
        state, call = turn.state, turn.call
        reference = hand_off(
            self._container.handoff_service, channel=Channel.VOICE,
            session_key=state.key.key, reason=reason, last_step=state.step,
            task=call.task, language=state.language, caller=state.caller,
            account_id=state.account_id, account_number=call.account_number,
            transferred_by=call.transferred_by)
        said = [*said, Line.of("transfer")]
        state.step = "after_dial"
        # Without a record the agent hears the generic whisper; the caller still gets 311.
        whisper = "/voice/whisper" + (f"?handoff={reference}" if reference is not None else "")
        return str(twiml.transfer(said, state.language, self._container.settings.phone_311,
                                  whisper_url=whisper,
                                  action=step_url("after_dial", state.turn)))

    def _ask_language(self, state: ConversationState) -> str:
        city = self._container.settings.city_name.removeprefix("the ")
        asked = STEPS[FIRST_STEP].ask(None)  # type: ignore[arg-type]
        assert isinstance(asked, Ask)
        return str(twiml.question([Line.of("welcome", city=city)], asked,
                                  step_url(FIRST_STEP, state.turn), "en",
                                  extra=[([Line.of("language_choice")], "es")]))

    def _resume(self, state: ConversationState) -> str:
        """Ask the current step again (stale or unexpected webhook): no state changes."""
        if state.ended_at is not None:
            return str(twiml.goodbye([], state.language))
        if state.step == FIRST_STEP:
            return self._ask_language(state)
        step = STEPS.get(state.step)
        turn = Turn(state=state, container=self._container, channels=self._channels,
                    params={}, number=state.turn, nlu=self._nlu)
        asked = step.ask(turn) if step is not None and step.kind in (MENU, ENTRY) else None
        if isinstance(asked, Ask):
            return str(twiml.question([], asked, step_url(state.step, state.turn),
                                      state.language))
        # Waiting for a <Pay> or <Dial> result that will not come, or a step that no longer
        # exists: carry on from the main menu.
        state.turn += 1
        document = self._render(turn, Goto("menu", (Line.of("call_recovered"),)))
        state.last_response = document
        state.updated_at = self._container.clock.now()
        return document if self._store.save(state) else self._resume_saved(state)

    def _resume_saved(self, state: ConversationState) -> str:
        latest = self._store.load(state.key)
        return latest.last_response if latest and latest.last_response else str(
            twiml.goodbye([Line.of("problem")], state.language))


def _with_an_agent(state: ConversationState) -> bool:
    """In the <Dial> to 311 (the engine's transfer), or new here: dialled 311 directly."""
    return state.step == AFTER_DIAL or (state.step == FIRST_STEP
                                          and state.last_response is None)


def _call_sid(params: Mapping[str, str]) -> str | None:
    sid = str(params.get("CallSid", "") or "")
    return sid if _CALL_SID.match(sid) else None


def _caller(text: str) -> str | None:
    # None for a withheld caller ID: nothing to offer or text; the identity service counts
    # such calls in its shared withheld bucket (Requester.throttle_caller).
    return caller_id(text)


def _int(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 9 else -1


def _heard(params: Mapping[str, str]) -> Heard:
    digits = str(params.get("Digits", "") or "").strip()
    # Card numbers go before anything (the NLU's /model/parse, a log) reads the speech, and
    # before it is cut short, which could leave a card's first digits unrecognised (2,000
    # characters is far more than Twilio transcribes for one <Gather>).
    said = redact_card_numbers(str(params.get("SpeechResult", "") or "")[:2000])[0]
    speech = " ".join(said.split())[:300]
    if digits and not _DIGITS.match(digits):
        digits = "?"  # garbage: no step accepts it, so it is re-prompted
    return Heard(digits=digits, speech=speech)
