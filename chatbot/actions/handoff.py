"""Handing a resident to 311 with the conversation's context, so the agent does not start
over: recorded through the domain's HandoffService, answered with 311's number and hours."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from chatbot.actions.conversation import Turn
from chatbot.actions.services import container
from chatbot.wording import Words
from conversation.handoff import hand_off
from conversation.tasks import Task
from domain.phone import national_format


def reach_311(words: Words) -> str:
    settings = container().settings
    return words.say("reach_311", number=national_format(settings.phone_311),
                     hours=words.hours(settings.hours_311))


def record(turn: Turn, *, reason: str, task: str | None, last_step: str,
           account_id: int | None, tried_account: str | None = None) -> int | None:
    """Records the handoff; returns its reference, or None when it could not be recorded.
    `task` is the chat's task (its intent name); `tried_account` is the number an
    unverified resident tried (stored masked)."""
    services = container()
    return hand_off(services.handoff_service, services.balance_service,
                    channel=turn.channel, session_key=turn.session_key, reason=reason,
                    last_step=last_step or "menu", task=Task.for_intent(task),
                    caller=turn.phone, account_id=account_id,
                    account_number=None if account_id is not None else tried_account)


def handoff_message(reference: int | None, words: Words) -> str:
    text = words.say("handoff", reach_311=reach_311(words))
    if reference is not None:
        text += words.say("handoff_reference", reference=reference)
    return text


class ActionHandoff(Action):
    """"Talk to a person" outside a form."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        turn = Turn(tracker)
        # The number still helps when the record cannot be written (reference None).
        reference = record(turn, reason="asked_for_agent", task=tracker.get_slot("active_task"),
                           last_step="menu", account_id=turn.account_id)
        dispatcher.utter_message(text=handoff_message(reference, turn.wording))
        return []
