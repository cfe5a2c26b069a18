"""The form questions whose wording depends on the account (the balance before "how much?",
the saved methods, the fee and total before "shall I go ahead?", the list of scheduled
payments, the email on file) or on whether the form asked them before: the first time with
the hint (and the one security warning), again shorter. The first verification and date
questions are the fixed responses of chatbot/responses/<language>.yml."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from chatbot.actions.account_forms import email_question, paperless_address
from chatbot.actions.conversation import Turn
from chatbot.actions.payment_forms import pay_summary, saved_methods
from chatbot.actions.replies import money
from chatbot.actions.services import container
from domain.model import MethodKind
from domain.services.paperless import mask_email

log = logging.getLogger(__name__)
Message = dict[str, Any]


def _account_id(tracker: Tracker) -> int:
    account_id = Turn(tracker).account_id
    assert account_id is not None  # asked only once the form has verified
    return account_id


def _long_then_short(tracker: Tracker, slot: str, again: str) -> Message:
    """The long fixed question (utter_ask_<slot>, e.g. with where to find the number) the
    first time; the catalogue's shorter `again` when the slot is asked again."""
    turn = Turn(tracker)
    if not turn.asked_before(slot):
        return {"response": f"utter_ask_{slot}"}
    return {"text": turn.wording.say(again)}


def ask_account_number(tracker: Tracker) -> Message:
    return _long_then_short(tracker, "account_number", "verify.again_account_number")


def ask_verification_factor(tracker: Tracker) -> Message:
    return _long_then_short(tracker, "verification_factor", "verify.again_factor")


def ask_payment_date(tracker: Tracker) -> Message:
    return _long_then_short(tracker, "payment_date", "date.again")


def ask_amount(tracker: Tracker) -> Message:
    turn = Turn(tracker)
    words = turn.wording
    summary = container().balance_service().summary(_account_id(tracker))
    payable = container().payment_service().payable(_account_id(tracker))
    scheduled = tracker.get_slot("active_task") == "schedule_payment"
    buttons = [words.button("full_balance", amount=money(payable))]
    if summary.past_due.is_positive() and summary.past_due < payable:
        buttons.append(words.button("past_due", amount=money(summary.past_due)))
    if turn.asked_before("amount"):
        # The balance and the hint were said; the buttons still carry the amounts.
        return {"text": words.say("amount.again_schedule" if scheduled else "amount.again_pay"),
                "buttons": buttons}
    text = words.say("amount.balance", total=money(summary.total_due))
    if summary.past_due.is_positive():
        text += words.say("amount.past_due", amount=money(summary.past_due))
    if payable != summary.total_due:
        text += words.say("amount.payable", amount=money(payable))
    text += words.say("amount.ask_schedule" if scheduled else "amount.ask_pay")
    text += words.say("amount.hint")
    return {"text": text, "buttons": buttons}


def ask_payment_method(tracker: Tracker) -> Message:
    turn = Turn(tracker)
    words = turn.wording
    payments = container().payment_service()
    methods = saved_methods(_account_id(tracker))
    card_fee = payments.fee(MethodKind.CARD)
    options = "; ".join(
        words.say("method.card_fee", method=words.method(m.label()), fee=money(card_fee))
        if m.kind == MethodKind.CARD else words.say("method.no_fee", method=words.method(m.label()))
        for m in methods)
    if turn.asked_before("payment_method"):
        text = words.say("method.again", options=options)  # warned the first time
    else:
        text = words.say("method.ask", options=options) + " " + words.say("never_card_numbers")
    buttons = [{"title": words.method(m.label()), "payload": words.method(m.label())}
               for m in methods]
    buttons.append(words.button("new_method"))
    return {"text": text, "buttons": buttons}


def ask_pay_confirmed(tracker: Tracker) -> Message:
    return pay_summary(tracker, tracker.get_slot("active_task") == "schedule_payment")


def ask_cancel_choice(tracker: Tracker) -> Message:
    words = Turn(tracker).wording
    scheduled = container().payment_service().scheduled_payments(_account_id(tracker))
    lines = [words.say("cancel.line", n=n, amount=money(p.amount),
                       short=words.short_date(p.scheduled_for),
                       method=words.method(p.method_label), confirmation=p.confirmation_number)
             for n, p in enumerate(scheduled, 1)]
    return {"text": words.say("cancel.ask", payments="\n".join(lines)),
            "buttons": [{"title": words.say("cancel.button", n=n, amount=money(p.amount),
                                            short=words.short_date(p.scheduled_for)),
                         "payload": p.confirmation_number}
                        for n, p in enumerate(scheduled, 1)]}


def ask_cancel_confirmed(tracker: Tracker) -> Message:
    words = Turn(tracker).wording
    services = container()
    payment = services.payment_service().find(_account_id(tracker),
                                              tracker.get_slot("cancel_choice"))
    today = services.clock.today()
    return {"text": words.say("cancel.confirm", amount=money(payment.amount),
                              day=words.date(payment.scheduled_for, today),
                              method=words.method(payment.method_label),
                              confirmation=payment.confirmation_number),
            "buttons": words.yes_no_buttons()}


def ask_paperless_email(tracker: Tracker) -> Message:
    return {"text": email_question(_account_id(tracker), Turn(tracker).wording)}


def ask_paperless_confirmed(tracker: Tracker) -> Message:
    words = Turn(tracker).wording
    address = paperless_address(_account_id(tracker), tracker.get_slot("paperless_email"))
    return {"text": words.say("paperless.confirm",
                              account=words.account(tracker.get_slot("account_label")),
                              email=mask_email(address or "")),
            "buttons": words.yes_no_buttons()}


def ask_unenroll_confirmed(tracker: Tracker) -> Message:
    words = Turn(tracker).wording
    return {"text": words.say("unenroll.confirm",
                              account=words.account(tracker.get_slot("account_label"))),
            "buttons": words.yes_no_buttons()}


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
            message = {"text": Turn(tracker).wording.say("sorry")}
        dispatcher.utter_message(**message)
        return []


class ActionAskAccountNumber(_AskAction):
    slot = "account_number"
    build = staticmethod(ask_account_number)


class ActionAskVerificationFactor(_AskAction):
    slot = "verification_factor"
    build = staticmethod(ask_verification_factor)


class ActionAskPaymentDate(_AskAction):
    slot = "payment_date"
    build = staticmethod(ask_payment_date)


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
