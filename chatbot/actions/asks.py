"""The form questions whose wording depends on the account: the balance before "how much?",
the saved methods, the fee and total before "shall I go ahead?", the list of scheduled
payments, the email on file. (Fixed questions are responses in chatbot/domain.yml.)"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from chatbot.actions.account_forms import email_question, paperless_address
from chatbot.actions.conversation import Turn
from chatbot.actions.form_base import SORRY
from chatbot.actions.payment_forms import pay_summary, saved_methods
from chatbot.actions.replies import day, money, yes_no_buttons
from chatbot.actions.services import container
from domain.model import MethodKind
from domain.services.paperless import mask_email

log = logging.getLogger(__name__)
Message = dict[str, Any]


def _account_id(tracker: Tracker) -> int:
    account_id = Turn(tracker).account_id
    assert account_id is not None  # asked only once the form has verified
    return account_id


def ask_amount(tracker: Tracker) -> Message:
    summary = container().balance_service().summary(_account_id(tracker))
    payable = container().payment_service().payable(_account_id(tracker))
    text = f"The balance is {money(summary.total_due)}"
    if summary.past_due.is_positive():
        text += f", of which {money(summary.past_due)} is past due"
    if payable != summary.total_due:
        text += f" ({money(payable)} after the payments already made or scheduled)"
    scheduled = tracker.get_slot("active_task") == "schedule_payment"
    text += (". How much should the scheduled payment be?" if scheduled
             else ". How much would you like to pay?")
    text += " Type an amount like $40, or choose the full balance."
    buttons = [{"title": f"Full balance ({money(payable)})", "payload": "the full balance"}]
    if summary.past_due.is_positive() and summary.past_due < payable:
        buttons.append({"title": f"Past due ({money(summary.past_due)})",
                        "payload": "the past due amount"})
    return {"text": text, "buttons": buttons}


def ask_payment_method(tracker: Tracker) -> Message:
    payments = container().payment_service()
    methods = saved_methods(_account_id(tracker))
    card_fee = payments.fee(MethodKind.CARD)
    options = [f"{m.label()}" + (f" ({money(card_fee)} fee)" if m.kind == MethodKind.CARD
                                 else " (no fee)") for m in methods]
    text = ("How would you like to pay? Your saved methods: " + "; ".join(options)
            + ". Or choose a new card or bank account and I'll send you a secure pay link. "
            "Never type card or bank numbers in this chat.")
    buttons = [{"title": m.label(), "payload": m.label()} for m in methods]
    buttons.append({"title": "New card or bank account", "payload": "new card or bank account"})
    return {"text": text, "buttons": buttons}


def ask_pay_confirmed(tracker: Tracker) -> Message:
    return pay_summary(tracker, tracker.get_slot("active_task") == "schedule_payment")


def ask_cancel_choice(tracker: Tracker) -> Message:
    scheduled = container().payment_service().scheduled_payments(_account_id(tracker))
    today = container().clock.today()
    lines = [f"{n}) {money(p.amount)} on {day(p.scheduled_for, today)} with {p.method_label} "
             f"(confirmation {p.confirmation_number})" for n, p in enumerate(scheduled, 1)]
    return {"text": "Which scheduled payment should I cancel? " + "  ".join(lines),
            "buttons": [{"title": f"{n}) {money(p.amount)} on {p.scheduled_for:%b} "
                                   f"{p.scheduled_for.day}",
                         "payload": p.confirmation_number}
                        for n, p in enumerate(scheduled, 1)]}


def ask_cancel_confirmed(tracker: Tracker) -> Message:
    services = container()
    payment = services.payment_service().find(_account_id(tracker),
                                              tracker.get_slot("cancel_choice"))
    today = services.clock.today()
    return {"text": (f"Cancel the {money(payment.amount)} payment scheduled for "
                     f"{day(payment.scheduled_for, today)} with {payment.method_label} "
                     f"(confirmation {payment.confirmation_number})?"),
            "buttons": yes_no_buttons()}


def ask_paperless_email(tracker: Tracker) -> Message:
    return {"text": email_question(_account_id(tracker))}


def ask_paperless_confirmed(tracker: Tracker) -> Message:
    address = paperless_address(_account_id(tracker), tracker.get_slot("paperless_email"))
    label = tracker.get_slot("account_label") or "this account"
    return {"text": (f"Turn on paperless billing for {label}, with bills emailed to "
                     f"{mask_email(address or '')}? Paper bills will stop."),
            "buttons": yes_no_buttons()}


def ask_unenroll_confirmed(tracker: Tracker) -> Message:
    label = tracker.get_slot("account_label") or "this account"
    return {"text": (f"Turn off paperless billing for {label}? Paper bills will be mailed "
                     "again."), "buttons": yes_no_buttons()}


class _AskAction(Action, ABC):
    """action_ask_<slot>: Rasa's forms run it instead of a fixed utter_ask_<slot>."""

    build: Callable[[Tracker], Message]

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot asked; set by each subclass (abstract, so only those register)."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            message = type(self).build(tracker)
        except Exception:
            log.exception("could not word the question for %s", self.slot)
            message = {"text": SORRY}
        dispatcher.utter_message(**message)
        return []


class ActionAskAmount(_AskAction):
    slot = "amount"
    build = staticmethod(ask_amount)


class ActionAskPaymentMethod(_AskAction):
    slot = "payment_method"
    build = staticmethod(ask_payment_method)


class ActionAskPayConfirmed(_AskAction):
    slot = "pay_confirmed"
    build = staticmethod(ask_pay_confirmed)


class ActionAskCancelChoice(_AskAction):
    slot = "cancel_choice"
    build = staticmethod(ask_cancel_choice)


class ActionAskCancelConfirmed(_AskAction):
    slot = "cancel_confirmed"
    build = staticmethod(ask_cancel_confirmed)


class ActionAskPaperlessEmail(_AskAction):
    slot = "paperless_email"
    build = staticmethod(ask_paperless_email)


class ActionAskPaperlessConfirmed(_AskAction):
    slot = "paperless_confirmed"
    build = staticmethod(ask_paperless_confirmed)


class ActionAskUnenrollConfirmed(_AskAction):
    slot = "unenroll_confirmed"
    build = staticmethod(ask_unenroll_confirmed)
