"""Handing a resident to 311 with the conversation's context, so the agent does not start
over: recorded through the domain's HandoffService, answered with 311's number and hours."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from chatbot.actions.conversation import Turn
from chatbot.actions.services import container
from domain.phone import national_format
from domain.services.handoffs import HandoffRequest

log = logging.getLogger(__name__)

# What the resident was doing, in the HandoffService's words (domain.services.handoffs).
TASK_STEPS = {
    "check_balance": "balance",
    "pay_bill": "pay_now",
    "schedule_payment": "schedule",
    "cancel_scheduled_payment": "scheduled",
    "payment_status": "status",
    "enroll_paperless": "paperless",
    "unenroll_paperless": "paperless",
}


def reach_311() -> str:
    settings = container().settings
    number = national_format(settings.phone_311)
    return f"call 311 (or {number} from outside the city), {settings.hours_311}"


def record(turn: Turn, *, reason: str, task: str | None, last_step: str,
           account_id: int | None, tried_account: str | None = None) -> int | None:
    """Records the handoff; returns its reference. `tried_account` is the number an
    unverified resident tried (stored masked)."""
    services = container()
    account_number = tried_account
    if account_id is not None:
        account_number = services.balance_service().summary(account_id).account_number
    handoff = services.handoff_service().record(HandoffRequest(
        channel=turn.channel, session_key=turn.session_key, reason=reason,
        verified=account_id is not None, last_step=last_step or "menu",
        intent=TASK_STEPS.get(task or "", ""), caller=turn.phone, account_id=account_id,
        account_number=account_number))
    return handoff.id


def handoff_message(reference: int | None) -> str:
    text = f"To talk to a person, {reach_311()}."
    if reference is not None:
        text += (f" I've passed along what you were doing here (reference {reference}), so "
                 "the agent can pick up where you left off.")
    return text


class ActionHandoff(Action):
    """"Talk to a person" outside a form."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        turn = Turn(tracker)
        try:
            reference = record(turn, reason="asked_for_agent",
                               task=tracker.get_slot("active_task"), last_step="menu",
                               account_id=turn.account_id)
        except Exception:  # the number still helps when the record cannot be written
            log.exception("could not record the handoff")
            reference = None
        dispatcher.utter_message(text=handoff_message(reference))
        return []
