"""action_finish_task: when a task's form ends, carry the task out (or say why not), then
clear the task's slots so nothing carries into the next task."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from chatbot.actions import account_forms, handoff
from chatbot.actions.conversation import Turn
from chatbot.actions.form_base import TASK_FORMS
from chatbot.actions.payment_forms import finish_payment
from chatbot.actions.services import container
from conversation.state import forget_conversation
from domain.errors import DomainError

log = logging.getLogger(__name__)

TASK_SLOTS = ("amount", "payment_date", "payment_method", "pay_confirmed", "cancel_choice",
              "cancel_confirmed", "paperless_email", "paperless_confirmed", "unenroll_confirmed",
              "account_number", "verification_factor", "customer_id", "bill_number", "id_path",
              "form_outcome", "active_task", "requested_slot")
# Tasks that would pay or change the account: leaving one half-way is said to change nothing.
CHANGING_TASKS = frozenset({"pay_bill", "schedule_payment", "cancel_scheduled_payment",
                            "enroll_paperless", "unenroll_paperless"})


def finish_done(task: str, turn: Turn, tracker: Tracker,
                dispatcher: CollectingDispatcher) -> None:
    if task == "check_balance":
        account_forms.finish_balance(turn, dispatcher)
    elif task == "payment_status":
        account_forms.finish_status(turn, dispatcher)
    elif task in ("pay_bill", "schedule_payment"):
        finish_payment(turn, tracker, dispatcher, scheduled=task == "schedule_payment")
    elif task == "cancel_scheduled_payment":
        account_forms.finish_cancel(turn, tracker, dispatcher)
    elif task == "enroll_paperless":
        account_forms.finish_paperless(turn, tracker, dispatcher)
    elif task == "unenroll_paperless":
        account_forms.finish_unenroll(turn, tracker, dispatcher)


class ActionFinishTask(Action):
    def name(self) -> str:
        return "action_finish_task"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        turn = Turn(tracker)
        words = turn.wording
        task = tracker.get_slot("active_task") or ""
        outcome, _, detail = (tracker.get_slot("form_outcome") or "").partition(":")
        switch_to = None
        try:
            if outcome == "done":
                finish_done(task, turn, tracker, dispatcher)
            elif outcome == "switch" and detail in TASK_FORMS:
                switch_to = detail
                dispatcher.utter_message(text=words.say("switched",
                                                        task=words.say(f"task.{detail}")))
            elif outcome == "stopped":
                dispatcher.utter_message(text=words.say("stopped"))
            elif outcome == "goodbye":
                if task in CHANGING_TASKS:
                    dispatcher.utter_message(text=words.say("stopped_goodbye"))
                return end_conversation(turn, dispatcher)
            elif outcome in ("agent", "locked"):
                reason = "locked_out" if outcome == "locked" else "asked_for_agent"
                reference = handoff.record(turn, reason=reason, task=task, last_step=detail,
                                           account_id=turn.account_id,
                                           tried_account=tracker.get_slot("account_number"))
                if outcome == "locked":
                    dispatcher.utter_message(text=words.say("locked"))
                dispatcher.utter_message(text=handoff.handoff_message(reference, words))
            elif outcome == "throttled":
                dispatcher.utter_message(text=words.say(
                    "throttled_next", throttled=words.say("throttled"),
                    reach_311=handoff.reach_311(words)))
        except DomainError as error:
            dispatcher.utter_message(text=words.domain(error.detail))
        except Exception:
            log.exception("finishing %s failed", task)
            dispatcher.utter_message(text=words.say("sorry"))
        return [SlotSet(slot, None) for slot in TASK_SLOTS] + [SlotSet("switch_to", switch_to)]


def end_conversation(turn: Turn, dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """Every way of taking leave ends here: the conversation's account data, verification
    included, is cleared, so the next message has to verify again; on SMS the thread's
    state too, so its keyword path forgets the resident as well."""
    thread = turn.thread
    if thread is not None:
        forget_conversation(container().conversations(), thread, container().clock.now())
    dispatcher.utter_message(text=turn.wording.say("goodbye"))
    return [AllSlotsReset()]


class ActionEndConversation(Action):
    """Goodbye: the conversation's account data (verification included) is cleared. A
    question the NLU heard as goodbye ("can I pay later?") is not one: it is not understood
    rather than answered with goodbye."""

    def name(self) -> str:
        return "action_end_conversation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        turn = Turn(tracker)
        if turn.says_goodbye:
            return end_conversation(turn, dispatcher)
        dispatcher.utter_message(response="utter_default")
        return []


# What is said between tasks, by intent, when it is not a farewell.
SMALL_TALK_RESPONSES = {
    "thank": "utter_youre_welcome",
    "affirm": "utter_what_next",
    "deny": "utter_what_next",
    "inform": "utter_what_next",
    "out_of_scope": "utter_out_of_scope",
    "nlu_fallback": "utter_default",
}


class ActionSmallTalk(Action):
    """Thanks, a stray yes/no/answer, something out of scope or not understood, between
    tasks: answered with the intent's usual response. But when the words take leave
    ("thanks, bye", "ok that's all", "no, nothing else"), whatever the NLU heard, the
    conversation ends as on goodbye and its verification with it."""

    def name(self) -> str:
        return "action_small_talk"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        turn = Turn(tracker)
        if turn.says_goodbye:
            return end_conversation(turn, dispatcher)
        dispatcher.utter_message(response=SMALL_TALK_RESPONSES.get(turn.intent,
                                                                   "utter_default"))
        return []
