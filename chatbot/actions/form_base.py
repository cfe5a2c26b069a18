"""The turn-by-turn logic every task form shares (validate_<form> actions).

Rasa calls a form's validation action on every turn of the form. This base class decides the
whole turn: verify first (unless this conversation already did), then the task's own
questions; handle what residents do in the middle of a form ("stop", "talk to a person", a
FAQ, "what's my balance?", another task, corrections such as "actually make it $50"); and say
which slot to ask next, or end the form with an outcome for action_finish_task.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from typing import Any, ClassVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from chatbot.actions import verification
from chatbot.actions.conversation import FAQ_CONFIDENCE, SWITCH_CONFIDENCE, Turn
from chatbot.actions.form_state import FormState
from chatbot.actions.summaries import balance_messages
from domain.errors import DomainError

log = logging.getLogger(__name__)

# The form each task intent starts (chatbot/data/rules.yml).
TASK_FORMS = {
    "check_balance": "balance_form",
    "pay_bill": "pay_form",
    "schedule_payment": "schedule_form",
    "cancel_scheduled_payment": "cancel_form",
    "payment_status": "status_form",
    "enroll_paperless": "paperless_form",
    "unenroll_paperless": "unenroll_form",
}
# The slots "help" explains (chatbot/wording: hint.<slot>); any other gets hint.other.
HINTS = frozenset({"account_number", "verification_factor", "customer_id", "bill_number",
                   "amount", "payment_date", "payment_method"})
# Intents a question can be mistaken for that name no task of their own.
_NOT_A_TASK = frozenset({"affirm", "deny", "inform", "nlu_fallback"})


class TaskForm(FormValidationAction):
    """One task's form. Subclasses name the form and task and implement its questions."""

    task: ClassVar[str]

    @property
    @abstractmethod
    def form(self) -> str:
        """The form's name; a subclass sets it as a class attribute. (Abstract, so the
        action server registers only the concrete forms.)"""
    yes_no_slots: ClassVar[frozenset[str]] = frozenset()

    def name(self) -> str:
        return f"validate_{self.form}"

    # --- what a task form implements ----------------------------------------------------
    def task_slots(self, state: FormState) -> tuple[str, ...]:
        """The task's own questions, in order, once the resident is verified."""
        return ()

    def opening(self, turn: Turn, state: FormState, dispatcher: CollectingDispatcher) -> None:
        """Details given with the request itself ("pay $40")."""

    def after_verified(self, turn: Turn, state: FormState,
                       dispatcher: CollectingDispatcher) -> None:
        """Once per form, as soon as the account is known: e.g. end early when there is
        nothing to do, or fill what there is only one choice for."""

    def answer(self, turn: Turn, requested: str, state: FormState,
               dispatcher: CollectingDispatcher) -> None:
        """The resident's answer to one of the task's questions."""

    def corrections(self, turn: Turn, requested: str, state: FormState,
                    dispatcher: CollectingDispatcher) -> None:
        """Changes to earlier answers given later ("actually make it $50")."""

    def answers_question(self, turn: Turn, requested: str) -> bool:
        """Whether the message carries an answer for the slot asked (then a task intent
        in it is not a switch: "pay 40 dollars" answers "how much?")."""
        return False

    def not_yet_consent(self, turn: Turn, state: FormState,
                        dispatcher: CollectingDispatcher) -> None:
        """At a confirmation, what was said is neither a clear yes nor a clear no: nothing
        is done, a question is answered where the FAQ can, and the question is asked again
        (Rasa asks the requested slot once more)."""
        answer = turn.faq_answer(FAQ_CONFIDENCE) if turn.is_question else None
        dispatcher.utter_message(text=answer or turn.wording.say("need_yes_no"))

    # --- the turn ----------------------------------------------------------------------
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        turn = Turn(tracker)
        state = FormState(turn)
        requested = turn.requested_slot
        try:
            self._turn(turn, requested, state, dispatcher)
        except DomainError as error:
            dispatcher.utter_message(text=turn.wording.domain(error.detail))
            state.end("failed")
        except Exception:
            log.exception("form turn failed in %s", self.form)
            dispatcher.utter_message(text=turn.wording.say("sorry"))
            state.end("failed")
        return state.events(requested, None if state.outcome else self.next_slot(state))

    def _turn(self, turn: Turn, requested: str | None, state: FormState,
              dispatcher: CollectingDispatcher) -> None:
        if requested is None:
            # The form has just started: a fresh task.
            state.set("active_task", self.task)
            state.set("form_outcome", None)
            state.set("switch_to", None)
            if state.verified:
                self.opening(turn, state, dispatcher)
            else:
                verification.opening(turn, state, dispatcher)
                self.opening(turn, state, dispatcher)
            just_verified = state.verified
        else:
            if self._interrupted(turn, requested, state, dispatcher):
                return
            was_verified = state.verified
            if requested in verification.VERIFICATION_SLOTS:
                verification.answer(turn, requested, state, dispatcher)
            else:
                self.answer(turn, requested, state, dispatcher)
                if state.outcome is None:
                    self.corrections(turn, requested, state, dispatcher)
            just_verified = state.verified and not was_verified
        if just_verified and state.outcome is None:
            self.after_verified(turn, state, dispatcher)

    def next_slot(self, state: FormState) -> str | None:
        if not state.verified:
            slot = verification.next_slot(state)
        else:
            slot = next((s for s in self.task_slots(state) if state.get(s) is None), None)
        if slot is None and state.outcome is None:
            state.end("done")
        return slot

    # --- the middle of a form ------------------------------------------------------------
    def _interrupted(self, turn: Turn, requested: str, state: FormState,
                     dispatcher: CollectingDispatcher) -> bool:
        """Handles whatever is not an answer to the question asked; True if it was."""
        yes_no = requested in self.yes_no_slots
        if turn.intent == "request_agent":
            state.end(f"agent:{requested}")
        elif turn.says_goodbye:
            state.end("goodbye")
        elif turn.wants_to_stop or (turn.intent == "deny" and not yes_no
                                    and turn.yes_or_no() is False):
            # Only a clear no leaves the task: "wait, is there a fee for that?" (heard as deny)
            # is a question, answered below.
            state.end("stopped")
        elif turn.intent == "faq" and (answer := turn.faq_answer()):
            dispatcher.utter_message(text=answer)
        elif (turn.intent in _NOT_A_TASK and turn.is_question
              and not self.answers_question(turn, requested)
              and (answer := turn.faq_answer(FAQ_CONFIDENCE))):
            dispatcher.utter_message(text=answer)  # a question the NLU put elsewhere
        elif turn.intent == "help":
            dispatcher.utter_message(text=turn.wording.say(
                f"hint.{requested}" if requested in HINTS else "hint.other"))
        elif turn.intent == "out_of_scope":
            dispatcher.utter_message(text=turn.wording.say("only_bills"))
        elif turn.intent in ("greet", "thank"):
            pass  # the question is simply asked again
        elif (turn.intent in TASK_FORMS and turn.intent != self.task
              and turn.confidence >= SWITCH_CONFIDENCE
              and not self.answers_question(turn, requested)):
            if turn.intent == "check_balance" and state.verified:
                for message in balance_messages(state.account_id,  # type: ignore[arg-type]
                                                turn.wording):
                    dispatcher.utter_message(text=message)
            else:
                state.end(f"switch:{turn.intent}")
        else:
            return False
        return True
